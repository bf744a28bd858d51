/** The vector column type: dense and sparse ML vectors through plans, IPC blocks, caches and the API edges. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as arrow from 'apache-arrow';
import { F, Session, SparseVector, VectorType, col, lit } from '@quiver/core';

let spark: Session;
beforeAll(async () => { spark = await Session.builder().master('local[2]').getOrCreate(); });
afterAll(async () => { await spark.stop(); });

const denseRows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i, v: i % 7 === 3 ? null : Float64Array.of(i, i / 2, -i) }));
const sparseRows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i, s: i % 5 === 4 ? null : SparseVector.of(10, i % 2 ? [1, 7] : [i % 10], i % 2 ? [i, -1] : [0.5]) }));

describe('dense vectors', () => {
  it('are inferred from Float64Array values and keep their size in the type', () => {
    const df = spark.createDataFrame(denseRows(3));
    expect(df.schema.field('v').type).toEqual(VectorType(3));
  });

  it('survive repartition, filter, withColumn, select, cache and collect (nulls kept)', async () => {
    const df = spark.createDataFrame(denseRows(2000)).repartition(4).cache();
    await df.count();
    const out = await df.withColumn('k', col('id').mod(lit(3))).filter(col('id').lt(20)).select('v', 'id').orderBy('id').collect();
    expect(out.length).toBe(20);
    for (const r of out) {
      const i = r.id as number;
      if (i % 7 === 3) expect(r.v).toBeNull();
      else expect(Array.from(r.v as Float64Array)).toEqual([i, i / 2, -i]);
    }
  });

  it('pass through joins and groupBy payloads', async () => {
    const a = spark.createDataFrame(denseRows(50));
    const b = spark.createDataFrame(Array.from({ length: 50 }, (_, i) => ({ id: i, tag: i % 2 ? 'odd' : 'even' })));
    const rows = await a.join(b, 'id').filter(col('tag').eqNullSafe(lit('odd'))).orderBy('id').limit(3).collect();
    expect(rows.map((r) => (r.v === null ? null : Array.from(r.v as Float64Array)))).toEqual([[1, 0.5, -1], null, [5, 2.5, -5]]);
    const firsts = await a.groupBy(col('id').mod(lit(2)).alias('p')).agg(F.count('v').alias('n')).orderBy('p').collect();
    expect(firsts.map((r) => Number(r.n))).toEqual([22, 21]);
  });

  it('become an Arrow FixedSizeList<float64> marked as a vector, and read back as one', async () => {
    const t = await spark.createDataFrame(denseRows(10)).toArrow();
    const f = t.schema.fields.find((x) => x.name === 'v')!;
    expect(f.type.typeId).toBe(arrow.Type.FixedSizeList);
    expect((f.type as arrow.FixedSizeList).listSize).toBe(3);
    expect(f.metadata.get('quiver.vector')).toBe('dense');
    const back = spark.createDataFrame(t);
    expect(back.schema.field('v').type).toEqual(VectorType(3));
    const rows = await back.collect();
    expect(Array.from(rows[2]!.v as Float64Array)).toEqual([2, 1, -2]);
    expect(rows[3]!.v).toBeNull();
  });

  it('show() prints Spark vector text', async () => {
    const lines: string[] = [];
    const orig = console.log;
    console.log = (s: string) => { lines.push(s); };
    try { await spark.createDataFrame(denseRows(2)).show(); } finally { console.log = orig; }
    expect(lines.join('\n')).toContain('[1.0,0.5,-1.0]');
  });

  it('write as Spark-readable text: JSON as VectorUDT objects, CSV as quoted [a,b] text', async () => {
    const { mkdtempSync, readFileSync, readdirSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'quiver-vec-'));
    try {
      const df = spark.createDataFrame(denseRows(2)).coalesce(1);
      await df.write.csv(join(dir, 'c'));
      await df.write.json(join(dir, 'j'));
      const read = (d: string) => readdirSync(d).filter((f) => f.startsWith('part-')).map((f) => readFileSync(join(d, f), 'utf8')).join('');
      expect(read(join(dir, 'c'))).toContain('"[1.0,0.5,-1.0]"');
      expect(read(join(dir, 'j'))).toContain('"v":{"type":1,"values":[1,0.5,-1]}');
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  it('rejects a row of the wrong size, naming the column', () => {
    expect(() => spark.createDataFrame([{ v: Float64Array.of(1, 2) }, { v: Float64Array.of(1) }])).toThrow(/sizes 2 and 1/);
    expect(() => spark.createDataFrame([[Float64Array.of(1)]], 'v double')).toThrow(/column 'v'/);
  });
});

describe('sparse vectors', () => {
  it('survive shuffles, caches and collect as SparseVector values', async () => {
    const df = spark.createDataFrame(sparseRows(1000)).repartition(3).cache();
    expect(df.schema.field('s').type).toEqual(VectorType(10, true));
    const rows = await df.filter(col('id').lt(6)).orderBy('id').collect();
    expect(rows.map((r) => (r.s === null ? null : String(r.s)))).toEqual([
      '(10,[0],[0.5])', '(10,[1,7],[1,-1])', '(10,[2],[0.5])', '(10,[1,7],[3,-1])', null, '(10,[1,7],[5,-1])',
    ]);
    expect((rows[1]!.s as SparseVector).toDense()[7]).toBe(-1);
  });

  it('become an Arrow struct of size, indices and values, and read back', async () => {
    const t = await spark.createDataFrame(sparseRows(6)).toArrow();
    const f = t.schema.fields.find((x) => x.name === 's')!;
    expect(f.type.typeId).toBe(arrow.Type.Struct);
    expect((f.type as arrow.Struct).children.map((c) => c.name)).toEqual(['size', 'indices', 'values']);
    const rows = await spark.createDataFrame(t).collect();
    expect(String(rows[3]!.s)).toBe('(10,[1,7],[3,-1])');
    expect(rows[4]!.s).toBeNull();
  });

  it('a column mixing dense and sparse values becomes sparse', () => {
    const df = spark.createDataFrame([{ v: Float64Array.of(0, 2) }, { v: SparseVector.of(2, [0], [1]) }]);
    expect(df.schema.field('v').type).toEqual(VectorType(2, true));
  });
});
