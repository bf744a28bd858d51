/**
 * F.udf: user functions shipped to the local pool's threads as source, checked against DuckDB where SQL can say
 * the same thing. Functions here read only their arguments, worker globals and captures, as shipping requires.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataFrame, F, Session, col } from '@quiver/core';
import { type ColSpec, Oracle, checkQuery, makeTable } from './oracle.js';

const SPECS: ColSpec[] = [
  { name: 'id', type: 'int', serial: true },
  { name: 'k', type: 'int', min: 0, max: 9 },
  { name: 'i', type: 'int', min: -1000, max: 1000 },
  { name: 'b', type: 'bigint', huge: true },
  { name: 'v', type: 'double' },
  { name: 's', type: 'string', cardinality: 30 },
  { name: 'dt', type: 'date' },
  { name: 'flag', type: 'boolean' },
];

let spark: Session;
let oracle: Oracle;
let t: DataFrame;

beforeAll(async () => {
  spark = await Session.builder().appName('udf-test').master('local[2]').getOrCreate();
  oracle = await Oracle.create();
  t = (await makeTable(spark, oracle, 't', SPECS, 3000, 7)).df;
});
afterAll(async () => { await spark?.stop(); });

const q = (df: DataFrame, sql: string) => checkQuery(oracle, df, sql);

describe('F.udf', () => {
  it('computes a*2+b per row in withColumn, nulls in giving null out', async () => {
    const axb = F.udf((a: number | null, b: number | null) => (a === null || b === null ? null : a * 2 + b), 'double');
    await q(t.withColumn('y', axb(col('i'), col('v'))).select('id', 'y'), 'SELECT id, i * 2 + v AS y FROM t');
  });

  it('passes captured values and filters with a boolean udf', async () => {
    const threshold = 100;
    const above = F.udf((x: number | null) => x !== null && x > threshold, { returnType: 'boolean', captures: { threshold } });
    await q(t.filter(above('i')).select('id', 'i'), 'SELECT id, i FROM t WHERE i > 100');
  });

  it('lets the function see nulls, as PySpark passes None', async () => {
    const shout = F.udf((s: string | null) => (s === null ? 'none' : s.toUpperCase()));
    await q(t.select(col('id'), shout('s').alias('u')), "SELECT id, coalesce(upper(s), 'none') AS u FROM t");
  });

  it('reads bigint columns as exact bigints, dates as Dates, and returns them', async () => {
    const next = F.udf((b: bigint | null) => (b === null ? null : b + 1n), 'bigint');
    const year = F.udf((d: Date | null) => (d === null ? null : d.getUTCFullYear()), 'int');
    await q(t.select(col('id'), next('b').alias('nb'), year('dt').alias('y')), 'SELECT id, b + 1 AS nb, year(dt) AS y FROM t');
  });

  it('composes with grouping, captured objects and arrays', async () => {
    const cfg = { edges: [-500, 0, 500], labels: ['low', 'mid', 'high', 'top'] };
    const bucket = F.udf((x: number | null) => {
      if (x === null) return null;
      let j = 0;
      while (j < cfg.edges.length && x >= cfg.edges[j]!) j++;
      return cfg.labels[j]!;
    }, 'string', { captures: { cfg } });
    await q(
      t.groupBy(bucket('i').alias('g')).agg(F.count('*').alias('n'), F.sum('v').alias('sv')),
      `SELECT CASE WHEN i IS NULL THEN NULL WHEN i < -500 THEN 'low' WHEN i < 0 THEN 'mid' WHEN i < 500 THEN 'high' ELSE 'top' END AS g,
              count(*) AS n, sum(v) AS sv FROM t GROUP BY 1`,
    );
  });

  it('takes any number of arguments, including literals', async () => {
    const pick = F.udf((f: boolean | null, a: number | null, b: number | null, c: string | null) => (f ? a : b) === null ? c : String(f ? a : b), 'string');
    await q(t.select(col('id'), pick('flag', 'i', 'k', F.lit('-')).alias('p')),
      "SELECT id, coalesce(CAST(CASE WHEN flag THEN i ELSE k END AS VARCHAR), '-') AS p FROM t");
  });

  it('refuses a function that cannot be shipped when the udf is made', () => {
    const limit = 10;
    expect(() => F.udf((x: number) => x < limit, 'boolean')).toThrow("udf function 'anonymous' uses 'limit', which workers do not have");
    expect(() => F.udf(async function later(x: number) { return x; }, 'int')).toThrow("udf function 'later' is async");
  });

  it('rejects a result of the wrong type, naming the udf', async () => {
    const wrong = F.udf(function asText(x: number | null) { return String(x); }, 'int');
    await expect(t.select(wrong('i')).collect()).rejects.toThrow("udf 'asText' returned the string");
  });

  it("brings the function's own error, message and stack, to the await", async () => {
    const boom = F.udf(function explode(x: number | null) { if (x !== null && x > 990) throw new RangeError(`too big: ${x}`); return x; }, 'int');
    const err = await t.select(boom('i')).collect().catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/too big: 99\d/);
    expect((err as Error).stack).toContain('RangeError: too big');
    expect((err as Error).stack).toContain('at explode (quiver-udf:explode');
  });

  it('keeps a nondeterministic udf where it was written: a filter on it is not copied below the projection', () => {
    const noisy = F.udf(() => Math.random(), 'double').asNondeterministic();
    const plan = (df: DataFrame) => spark.explain(df.plan).split('== Optimized Logical Plan ==')[1]!.split('== Physical Plan ==')[0]!;
    const kept = plan(t.select(col('id'), noisy().alias('r')).filter(col('r').lt(0.5)));
    expect(kept.indexOf('Filter')).toBeLessThan(kept.indexOf('Project'));
    const pure = F.udf(() => 0.25, 'double');
    const pushed = plan(t.select(col('id'), pure().alias('r')).filter(col('r').lt(0.5)));
    expect(pushed.indexOf('Filter')).toBeGreaterThan(pushed.indexOf('Project'));
  });
});
