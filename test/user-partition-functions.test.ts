/**
 * DataFrame.mapPartitions and foreachPartition: user functions over whole partitions, a column at a time, shipped
 * to the local pool as source. Results are checked against DuckDB where SQL can say the same thing.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataFrame, F, type PartitionColumns, Session, col } from '@quiver/core';
import { type ColSpec, Oracle, checkQuery, makeTable } from './oracle.js';

const SPECS: ColSpec[] = [
  { name: 'id', type: 'int', serial: true },
  { name: 'k', type: 'int', min: 0, max: 9, nulls: 0 },
  { name: 'i', type: 'int', min: -1000, max: 1000 },
  { name: 'v', type: 'double', nulls: 0 },
  { name: 's', type: 'string', cardinality: 20 },
];

let spark: Session;
let oracle: Oracle;
let t: DataFrame;
let dir: string;

beforeAll(async () => {
  spark = await Session.builder().appName('user-partition-functions-test').master('local[2]').getOrCreate();
  oracle = await Oracle.create();
  t = (await makeTable(spark, oracle, 't', SPECS, 3000, 11)).df.repartition(3);
  dir = mkdtempSync(join(tmpdir(), 'quiver-upf-'));
});
afterAll(async () => {
  await spark?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const q = (df: DataFrame, sql: string) => checkQuery(oracle, df, sql);

/** i * 2 + v per row, a column at a time: typed arrays where a column has no nulls, arrays with nulls elsewhere. */
function axb(c: PartitionColumns) {
  const id = c.id as Int32Array, i = c.i as ArrayLike<number | null>, v = c.v as Float64Array;
  const y = new Array<number | null>(id.length);
  for (let r = 0; r < id.length; r++) y[r] = i[r] === null ? null : i[r]! * 2 + v[r]!;
  return { id, y };
}

describe('mapPartitions', () => {
  it('maps each partition to rows of the given schema', async () => {
    await q(t.mapPartitions(axb, 'id int, y double'), 'SELECT id, i * 2 + v AS y FROM t');
  });

  it('composes with the rest of the plan, before and after', async () => {
    const df = t.filter(col('k').lt(5)).mapPartitions(axb, 'id int, y double').filter(col('y').gt(0)).groupBy(col('id').mod(7).alias('g')).agg(F.count('*').alias('n'), F.sum('y').alias('sy'));
    await q(df, 'SELECT id % 7 AS g, count(*) AS n, sum(i * 2 + v) AS sy FROM t WHERE k < 5 AND i * 2 + v > 0 GROUP BY 1');
  });

  it('sees typed arrays for int and double columns without nulls, and captured values', async () => {
    const offset = 10;
    const df = t.mapPartitions((c, ctx) => ({
      kinds: [`${c.k!.constructor.name}/${c.v!.constructor.name}/${Array.isArray(c.s)}`],
      rows: [ctx.numRows],
      part: [ctx.partition + offset],
      parts: [ctx.numPartitions],
    }), 'kinds string, rows int, part int, parts int', { captures: { offset } });
    const rows = await df.collect();
    expect(rows.map((r) => r.kinds)).toEqual(['Int32Array/Float64Array/true', 'Int32Array/Float64Array/true', 'Int32Array/Float64Array/true']);
    expect(rows.map((r) => r.part).sort()).toEqual([10, 11, 12]);
    expect(rows.every((r) => r.parts === 3)).toBe(true);
    expect(rows.reduce((s, r) => s + (r.rows as number), 0)).toBe(3000);
  });

  it('is lazy, then runs once per partition however many actions read it', async () => {
    const marks = join(dir, 'lazy');
    const df = t.mapPartitions((c, ctx) => {
      const fs = require('node:fs');
      fs.mkdirSync(marks, { recursive: true });
      fs.appendFileSync(`${marks}/p${ctx.partition}`, 'x');
      return { n: [ctx.numRows] };
    }, 'n int', { captures: { marks } });
    expect(spark.explain(df.plan)).toContain('of MapPartitions anonymous');
    await new Promise((r) => setTimeout(r, 50));
    expect(() => readdirSync(marks)).toThrow();
    expect(Number((await df.agg(F.sum('n').alias('n')).collect())[0]!.n)).toBe(3000);
    expect(await df.count()).toBe(3);
    expect(readdirSync(marks).sort()).toEqual(['p0', 'p1', 'p2']);
    expect(readdirSync(marks).map((f) => readFileSync(join(marks, f), 'utf8'))).toEqual(['x', 'x', 'x']);
  });

  it('accepts an async function', async () => {
    const df = t.mapPartitions(async (c) => ({ n: [await Promise.resolve(c.id!.length)] }), 'n int');
    expect((await df.collect()).reduce((s, r) => s + (r.n as number), 0)).toBe(3000);
  });

  it('names a missing output column or a wrong type', async () => {
    await expect(t.mapPartitions(function noY(c) { return { id: c.id! }; }, 'id int, y double').collect()).rejects.toThrow("mapPartitions function 'noY' returned no column 'y'");
    await expect(t.mapPartitions(function words(c) { return { x: Array.from(c.id!, () => 'w') }; }, 'x int').collect()).rejects.toThrow("mapPartitions function 'words' returned in column 'x' the string \"w\", but its declared type is int");
  });

  it('refuses an unshippable function when called, before any job', () => {
    const seen = new Set<number>();
    expect(() => t.mapPartitions((c) => { seen.add(1); return c; }, 'id int')).toThrow("mapPartitions function 'anonymous' uses 'seen', which workers do not have");
  });
});

describe('foreachPartition', () => {
  it('runs the function on every partition for its side effects and resolves once all ran', async () => {
    const out = join(dir, 'each');
    await t.foreachPartition((c, ctx) => {
      const fs = require('node:fs');
      fs.mkdirSync(out, { recursive: true });
      let sum = 0;
      const v = c.v as Float64Array;
      for (let r = 0; r < v.length; r++) sum += v[r]!;
      fs.writeFileSync(`${out}/part-${ctx.partition}.txt`, `${ctx.numRows} ${sum}`);
    }, { captures: { out } });
    const files = readdirSync(out).sort();
    expect(files).toEqual(['part-0.txt', 'part-1.txt', 'part-2.txt']);
    const parts = files.map((f) => readFileSync(join(out, f), 'utf8').split(' ').map(Number));
    expect(parts.reduce((s, p) => s + p[0]!, 0)).toBe(3000);
    const total = (await oracle.query('SELECT sum(v) FROM t')).rows[0]![0] as number;
    expect(parts.reduce((s, p) => s + p[1]!, 0)).toBeCloseTo(total, 6);
  });

  it("rejects with the function's own error", async () => {
    const err = await t.foreachPartition(function sink(_c, ctx) { if (ctx.partition === 1) throw new Error('sink is full'); }).catch((e: Error) => e);
    expect((err as Error).message).toContain('sink is full');
    expect((err as Error).stack).toContain('at sink (quiver-udf:sink');
  });

  it('refuses a function that captures a class instance', async () => {
    const conn = new (class Connection {})();
    await expect(t.foreachPartition(() => conn, { captures: { conn } })).rejects.toThrow("foreachPartition function 'anonymous' captures 'conn', which is an instance of Connection");
  });
});
