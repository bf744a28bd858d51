/**
 * Malformed input gives a clear error: the right class where it is raised during analysis, and a message
 * that names what is wrong (the column, the file, the line).
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalysisError, type DataFrame, F, Session, col } from '@quiver/core';

let spark: Session;
let df: DataFrame;
let dir: string;

/** The error an action (or the lazy step before it) raises; fails the test if nothing is raised. */
async function errorOf(fn: () => unknown): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    return e as Error;
  }
  return expect.fail('expected an error, but none was raised');
}

beforeAll(async () => {
  spark = await Session.builder().appName('errors-test').master('local[2]').getOrCreate();
  df = spark.createDataFrame([{ id: 1, s: 'a', dt: new Date(0) }, { id: 2, s: 'b', dt: null }], 'id INT, s STRING, dt DATE');
  dir = mkdtempSync(join(tmpdir(), 'quiver-errors-'));
});

afterAll(async () => {
  await spark?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('unknown columns', () => {
  const cases: [string, () => unknown][] = [
    ['select', () => df.select('nosuchcol')],
    ['filter', () => df.filter(col('nosuchcol').gt(1))],
    ['withColumn', () => df.withColumn('x', col('nosuchcol').plus(1))],
    ['groupBy', () => df.groupBy('nosuchcol').agg(F.count('*'))],
    ['agg', () => df.groupBy('s').agg(F.sum('nosuchcol'))],
    ['orderBy', () => df.orderBy('nosuchcol')],
    ['join', () => df.join(df.select('id'), 'nosuchcol')],
    ['dropDuplicates', () => df.dropDuplicates(['nosuchcol'])],
  ];
  for (const [verb, fn] of cases) {
    it(`${verb} raises an AnalysisError naming the column`, async () => {
      const e = await errorOf(async () => { const r = fn(); if (r && typeof r === 'object' && 'collect' in r) await (r as DataFrame).collect(); });
      expect(e).toBeInstanceOf(AnalysisError);
      expect(e.message).toContain('nosuchcol');
    });
  }
});

describe('type mismatches', () => {
  it('avg of a string column', async () => {
    const e = await errorOf(() => df.agg(F.avg('s')).collect());
    expect(e).toBeInstanceOf(AnalysisError);
    expect(e.message).toMatch(/avg/i);
    expect(e.message).toContain('s');
  });
  it('sum of a date column', async () => {
    const e = await errorOf(() => df.agg(F.sum('dt')).collect());
    expect(e).toBeInstanceOf(AnalysisError);
    expect(e.message).toMatch(/sum/i);
  });
  it('arithmetic between a string and a date', async () => {
    const e = await errorOf(() => df.select(col('dt').minus(col('s'))).collect());
    expect(e).toBeInstanceOf(AnalysisError);
  });
  it('a non-boolean filter condition', async () => {
    const e = await errorOf(() => df.filter(col('id').plus(1)).collect());
    expect(e).toBeInstanceOf(AnalysisError);
  });
  it('createDataFrame with a value that does not fit the DDL type names the column', async () => {
    const e = await errorOf(() => spark.createDataFrame([{ a: 'not a number' }], 'a INT'));
    expect(e.message).toContain("'a'");
  });
  it('an unknown type in a DDL schema', async () => {
    const e = await errorOf(() => spark.createDataFrame([{ a: 1 }], 'a INTEGR'));
    expect(e).toBeInstanceOf(AnalysisError);
    expect(e.message).toContain('INTEGR');
  });
});

describe('malformed files', () => {
  it('a bad CSV row with mode FAILFAST names the file and the line', async () => {
    const path = join(dir, 'bad.csv');
    writeFileSync(path, 'a,b\n1,2\n3,4\n5,oops\n6,7\n');
    const e = await errorOf(() => spark.read.schema('a INT, b INT').option('header', true).option('mode', 'FAILFAST').csv(path).collect());
    expect(e.message).toContain('bad.csv');
    expect(e.message).toMatch(/line 4\b/);
  });
  it('a CSV row with too many fields in FAILFAST mode names the line', async () => {
    const path = join(dir, 'wide.csv');
    writeFileSync(path, 'a,b\n1,2\n3,4,5\n');
    const e = await errorOf(() => spark.read.schema('a INT, b INT').option('header', true).option('mode', 'FAILFAST').csv(path).collect());
    expect(e.message).toContain('wide.csv');
    expect(e.message).toMatch(/line 3\b/);
  });
  it('a missing file raises an error naming the path', async () => {
    for (const fmt of ['parquet', 'csv', 'json'] as const) {
      const path = join(dir, `missing.${fmt}`);
      const e = await errorOf(() => spark.read.format(fmt).schema('a INT').load(path).collect());
      expect(e, fmt).toBeInstanceOf(AnalysisError);
      expect(e.message).toContain(`missing.${fmt}`);
    }
  });
  it('a corrupt Parquet file names the file', async () => {
    const path = join(dir, 'garbage.parquet');
    writeFileSync(path, Buffer.from('this is not a parquet file at all, just some bytes'.repeat(3)));
    const e = await errorOf(() => spark.read.parquet(path).collect());
    expect(e.message).toContain('garbage.parquet');
    expect(e.message).toMatch(/corrupt|truncated|parquet/i);
  });
  it('a Parquet file cut short names the file', async () => {
    const path = join(dir, 'good.parquet');
    await df.write.parquet(path);
    const part = readdirSync(path).find((f) => f.endsWith('.parquet'))!;
    const bytes = readFileSync(join(path, part));
    const cut = join(dir, 'cut');
    mkdirSync(cut);
    writeFileSync(join(cut, 'cut.parquet'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    const e = await errorOf(() => spark.read.parquet(join(cut, 'cut.parquet')).collect());
    expect(e.message).toContain('cut.parquet');
  });
  it('an explicit schema whose types do not match the Parquet file', async () => {
    const path = join(dir, 'typed.parquet');
    await df.select('id', 's').write.parquet(path);
    const e = await errorOf(() => spark.read.schema('id DATE, s INT').parquet(path).collect());
    expect(e.message).toMatch(/id|s/);
    expect(e.message).toMatch(/cannot be read as|type/i);
  });
  it('a malformed DDL schema string on read', async () => {
    const e = await errorOf(() => spark.read.schema('id').csv(join(dir, 'bad.csv')));
    expect(e).toBeInstanceOf(AnalysisError);
    expect(e.message).toContain('id');
  });
  it('a malformed JSON line with mode FAILFAST names the file and the line', async () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, '{"a": 1}\n{"a": 2}\n{"a": \n');
    const e = await errorOf(() => spark.read.schema('a INT').option('mode', 'FAILFAST').json(path).collect());
    expect(e.message).toContain('bad.json');
    expect(e.message).toMatch(/line 3\b/);
  });
});
