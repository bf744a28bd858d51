/**
 * Every DataFrame operation checked against DuckDB on the same generated input. The SQL states Spark's
 * semantics: where DuckDB's defaults differ, the query is written out (each such place says why).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DataFrame, F, Session, Window, col, lit } from '@quiver/core';
import { type ColSpec, Oracle, type Result, checkQuery, ddl, diffResults, genRows, makeTable, quiverResult, valuesEqual } from './oracle.js';

const T_SPECS: ColSpec[] = [
  { name: 'id', type: 'int', serial: true },
  { name: 'k', type: 'int', min: 0, max: 9 },
  { name: 'i', type: 'int', min: -1000, max: 1000 },
  { name: 'b', type: 'bigint', huge: true },
  { name: 'd', type: 'double', nan: true },
  { name: 'v', type: 'double' },
  { name: 's', type: 'string', cardinality: 30 },
  { name: 'dt', type: 'date' },
  { name: 'ts', type: 'timestamp' },
  { name: 'flag', type: 'boolean' },
];
const U_SPECS: ColSpec[] = [
  { name: 'id2', type: 'int', serial: true },
  { name: 'k', type: 'int', min: 0, max: 14 },
  { name: 'w', type: 'string', cardinality: 25 },
  { name: 'x', type: 'double' },
];

let spark: Session;
let oracle: Oracle;
let t: DataFrame;
let u: DataFrame;
let e: DataFrame;
let dir: string;

const q = (df: DataFrame, sql: string, ordered = false) => checkQuery(oracle, df, sql, { ordered });

/** Captures console.log output while `fn` runs. */
async function captureLog(fn: () => unknown): Promise<string> {
  const spy = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    await fn();
    return spy.mock.calls.map((c) => c.map(String).join(' ')).join('\n');
  } finally {
    spy.mockRestore();
  }
}

/** Sorts list values inside each row, for collect_list whose element order Spark does not define. */
function sortLists(r: Result): Result {
  const key = (x: unknown) => (x === null ? '' : typeof x === 'number' ? x.toFixed(6).padStart(30, '0') : String(x));
  return { names: r.names, rows: r.rows.map((row) => row.map((v) => (Array.isArray(v) ? [...v].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)) : v))) };
}

beforeAll(async () => {
  spark = await Session.builder().appName('dataframe-test').master('local[2]').getOrCreate();
  oracle = await Oracle.create();
  t = (await makeTable(spark, oracle, 't', T_SPECS, 2000, 1)).df;
  u = (await makeTable(spark, oracle, 'u', U_SPECS, 300, 2)).df;
  e = (await makeTable(spark, oracle, 'e', T_SPECS, 0, 3)).df;
  dir = mkdtempSync(join(tmpdir(), 'quiver-df-'));
});

afterAll(async () => {
  await spark?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('projection', () => {
  it('select with expressions', async () => {
    await q(t.select('id', 's', col('i').plus(1).alias('i1'), col('b')), 'SELECT id, s, i + 1, b FROM t');
  });
  it('withColumn adds and replaces', async () => {
    const df = t.withColumn('x', col('i').multiply(2)).withColumn('i', col('i').minus(1));
    expect(df.columns).toEqual(['id', 'k', 'i', 'b', 'd', 'v', 's', 'dt', 'ts', 'flag', 'x']);
    await q(df, 'SELECT id, k, i - 1, b, d, v, s, dt, ts, flag, i * 2 FROM t');
  });
  it('withColumnRenamed', async () => {
    const df = t.withColumnRenamed('s', 'name');
    expect(df.columns).toEqual(['id', 'k', 'i', 'b', 'd', 'v', 'name', 'dt', 'ts', 'flag']);
    await q(df.select('id', 'name'), 'SELECT id, s FROM t');
  });
  it('drop', async () => {
    const df = t.drop('d', 'ts', 'flag');
    expect(df.columns).toEqual(['id', 'k', 'i', 'b', 'v', 's', 'dt']);
    await q(df, 'SELECT id, k, i, b, v, s, dt FROM t');
  });
});

describe('filter', () => {
  it('filter with and', async () => {
    await q(t.filter(col('i').gt(100).and(col('s').isNotNull())).select('id'), 'SELECT id FROM t WHERE i > 100 AND s IS NOT NULL');
  });
  it('where with or / not on nullable columns', async () => {
    await q(t.where(col('k').eq(3).or(col('flag').not())).select('id'), 'SELECT id FROM t WHERE k = 3 OR NOT flag');
  });
  it('filter on a double column with NaN (NaN = NaN, NaN above every number, as Spark)', async () => {
    await q(t.filter(col('d').gt(500)).select('id', 'd'), 'SELECT id, d FROM t WHERE d > 500');
    await q(t.filter(col('d').eq(lit(NaN))).select('id'), "SELECT id FROM t WHERE d = 'NaN'::DOUBLE");
  });
  it('filter on huge bigint values', async () => {
    await q(t.filter(col('b').gt(lit(1n << 60n))).select('id', 'b'), 'SELECT id, b FROM t WHERE b > 1152921504606846976');
  });
  it('filter on dates', async () => {
    await q(t.filter(col('dt').lt(F.to_date(lit('1970-01-01')))).select('id', 'dt'), "SELECT id, dt FROM t WHERE dt < DATE '1970-01-01'");
  });
});

describe('column operations', () => {
  it('arithmetic (Spark: int / int is double division, division by zero is null)', async () => {
    const df = t.select(col('i').plus(col('k')), col('i').minus(col('k')), col('i').multiply(col('k')), col('i').divide(col('k')), col('i').mod(col('k')), col('d').plus(col('i')), col('i').negate());
    const types = df.dtypes.map((x) => x[1]);
    expect(types).toEqual(['int32', 'int32', 'int32', 'float64', 'int32', 'float64', 'int32']);
    await q(df, `SELECT i + k, i - k, i * k, CASE WHEN k = 0 THEN NULL ELSE i::DOUBLE / k END, CASE WHEN k = 0 THEN NULL ELSE i % k END, d + i, -i FROM t`);
  });
  it('comparisons, including null-safe equality', async () => {
    const df = t.select('id', col('i').eq(col('k')), col('i').neq(0), col('i').gt(col('k')), col('i').geq(1), col('d').lt(col('v')), col('d').leq(0), col('i').eqNullSafe(col('k')));
    await q(df, 'SELECT id, i = k, i <> 0, i > k, i >= 1, d < v, d <= 0, i IS NOT DISTINCT FROM k FROM t');
  });
  it('and / or / not with three-valued logic', async () => {
    const a = col('i').gt(0);
    const b = col('flag');
    await q(t.select('id', a.and(b), a.or(b), a.not(), b.not()), 'SELECT id, i > 0 AND flag, i > 0 OR flag, NOT (i > 0), NOT flag FROM t');
  });
  it('isNull / isNotNull / isin / between', async () => {
    await q(t.select('id', col('s').isNull(), col('i').isNotNull(), col('k').isin(1, 3, 5), col('i').between(-10, 10), col('s').isin('a', '日本')),
      "SELECT id, s IS NULL, i IS NOT NULL, k IN (1, 3, 5), i BETWEEN -10 AND 10, s IN ('a', '日本') FROM t");
  });
  it('like / startsWith / contains / endsWith', async () => {
    await q(t.select('id', col('s').like('a%'), col('s').like('%b_'), col('s').startsWith('a'), col('s').contains('b'), col('s').endsWith('y')),
      "SELECT id, s LIKE 'a%', s LIKE '%b_', starts_with(s, 'a'), contains(s, 'b'), ends_with(s, 'y') FROM t");
  });
  it('cast between numbers, strings and dates', async () => {
    // Spark casts double to int by truncation (NaN -> 0, infinities saturate); DuckDB rounds, so trunc() is spelled out
    await q(t.select('id', col('i').cast('string'), col('i').cast('double'), col('b').cast('string'), col('dt').cast('string'), col('v').cast('int'), col('d').cast('int'), col('i').cast('bigint')),
      `SELECT id, CAST(i AS VARCHAR), CAST(i AS DOUBLE), CAST(b AS VARCHAR), CAST(dt AS VARCHAR), CAST(trunc(v) AS INTEGER),
         CASE WHEN isnan(d) THEN 0 WHEN d >= 2147483647 THEN 2147483647 WHEN d <= -2147483648 THEN -2147483648 ELSE CAST(trunc(d) AS INTEGER) END, CAST(i AS BIGINT) FROM t`);
  });
  it('cast of strings to int is null when they do not parse (Spark non-ANSI)', async () => {
    const rows = ['1', ' 2 ', '-3', 'x', '', null, '2147483648'].map((s, id) => ({ id, s }));
    await oracle.load('cs', [{ name: 'id', type: 'int' }, { name: 's', type: 'string' }], rows);
    await q(spark.createDataFrame(rows, 'id INT, s STRING').select('id', col('s').cast('int')), 'SELECT id, TRY_CAST(trim(s) AS INTEGER) FROM cs');
  });
  it('when / otherwise', async () => {
    const c = F.when(col('i').gt(0), 'pos').when(col('i').lt(0), 'neg').otherwise('zero');
    await q(t.select('id', c.alias('sign'), F.when(col('flag'), col('k')).alias('kk')),
      "SELECT id, CASE WHEN i > 0 THEN 'pos' WHEN i < 0 THEN 'neg' ELSE 'zero' END, CASE WHEN flag THEN k END FROM t");
  });
});

describe('F functions', () => {
  it('abs / round / floor / ceil', async () => {
    const df = t.select('id', F.abs('i'), F.abs('d'), F.round('v', 2), F.round('i'), F.floor('v'), F.ceil('v'));
    // Spark: floor/ceil of a double is bigint
    expect(df.dtypes.slice(5).map((x) => x[1])).toEqual(['int64', 'int64']);
    await q(df, 'SELECT id, abs(i), abs(d), round(v, 2), i, CAST(floor(v) AS BIGINT), CAST(ceil(v) AS BIGINT) FROM t');
  });
  it('sqrt / exp / log / pow (Spark: sqrt of a negative is NaN, log of x <= 0 is null)', async () => {
    await q(t.select('id', F.sqrt('d'), F.exp(col('v').divide(100)), F.log('d'), F.pow('i', 2), F.pow(col('v'), 3), F.log(2, 'i')),
      `SELECT id, CASE WHEN d < 0 THEN 'NaN'::DOUBLE ELSE sqrt(d) END, exp(v / 100), CASE WHEN d <= 0 THEN NULL ELSE ln(d) END,
         pow(i, 2), pow(v, 3), CASE WHEN i <= 0 THEN NULL ELSE log2(i) END FROM t`);
  });
  it('lower / upper / trim / length', async () => {
    // Spark's trim strips spaces only, as DuckDB's trim(s); length counts characters (code points)
    await q(t.select('id', F.lower('s'), F.upper('s'), F.trim('s'), F.length('s')), 'SELECT id, lower(s), upper(s), trim(s), length(s) FROM t');
  });
  it('substring / concat / concat_ws', async () => {
    // Spark's concat is null when any input is null (DuckDB's concat skips nulls, || does not)
    await q(t.select('id', F.substring('s', 2, 3), F.substring('s', 1, 1), F.concat(col('s'), lit('-'), col('i').cast('string')), F.concat_ws('|', col('s'), col('i').cast('string'), col('k').cast('string'))),
      "SELECT id, substring(s, 2, 3), substring(s, 1, 1), s || '-' || CAST(i AS VARCHAR), concat_ws('|', s, CAST(i AS VARCHAR), CAST(k AS VARCHAR)) FROM t");
  });
  it('split / regexp_replace / regexp_extract', async () => {
    // Spark's regexp_replace replaces every match (DuckDB needs the 'g' flag); regexp_extract gives '' without a match
    await q(t.select('id', F.split('s', ' '), F.regexp_replace('s', '[aeiou]', '#'), F.regexp_extract('s', '([a-z]+)([A-Z]*)', 1), F.regexp_extract('s', '([a-z]+)([A-Z]*)', 2)),
      "SELECT id, string_split_regex(s, ' '), regexp_replace(s, '[aeiou]', '#', 'g'), regexp_extract(s, '([a-z]+)([A-Z]*)', 1), regexp_extract(s, '([a-z]+)([A-Z]*)', 2) FROM t");
  });
  it('year / month / dayofmonth / dayofweek / hour', async () => {
    // Spark's dayofweek is 1 = Sunday .. 7 = Saturday; DuckDB's is 0 = Sunday
    await q(t.select('id', F.year('dt'), F.month('dt'), F.dayofmonth('dt'), F.dayofweek('dt'), F.hour('ts'), F.year('ts')),
      'SELECT id, year(dt), month(dt), day(dt), dayofweek(dt) + 1, hour(ts), year(ts) FROM t');
  });
  it('to_date / date_add / datediff', async () => {
    await q(t.select('id', F.to_date(col('dt').cast('string')), F.to_date('s'), F.date_add('dt', 10), F.date_add('dt', -400), F.datediff(col('dt'), F.to_date(lit('2000-01-01')))),
      "SELECT id, dt, TRY_CAST(s AS DATE), dt + 10, dt - 400, dt - DATE '2000-01-01' FROM t");
  });
  it('coalesce / greatest / least (greatest and least skip nulls, as Spark)', async () => {
    await q(t.select('id', F.coalesce('i', 'k', lit(0)), F.greatest('i', 'k'), F.least('i', 'k'), F.greatest('d', 'v')),
      'SELECT id, coalesce(i, k, 0), greatest(i, k), least(i, k), greatest(d, v) FROM t');
  });
  it('hash matches Spark (Murmur3, seed 42)', async () => {
    const df = spark.createDataFrame([{ x: 1 }, { x: null }], 'x INT').select(F.hash('x').alias('h'));
    expect(df.dtypes).toEqual([['h', 'int32']]);
    // Spark: hash(1) = -559580957; hash(null) is the seed, 42
    expect((await df.collect()).map((r) => r['h'])).toEqual([-559580957, 42]);
  });
});

describe('aggregates', () => {
  it('count / countDistinct / sum / avg / min / max per group', async () => {
    const df = t.groupBy('k').agg(F.count('*'), F.count('i'), F.countDistinct('s'), F.sum('i'), F.avg('i'), F.min('i'), F.max('i'), F.sum('v'), F.avg('d'), F.min('s'), F.max('s'), F.min('dt'), F.max('b'), F.min('d'));
    // Spark: sum(int) is bigint, avg(int) is double, count is bigint
    expect(df.dtypes.slice(1, 6).map((x) => x[1])).toEqual(['int64', 'int64', 'int64', 'int64', 'float64']);
    await q(df, 'SELECT k, count(*), count(i), count(DISTINCT s), sum(i), avg(i), min(i), max(i), sum(v), avg(d), min(s), max(s), min(dt), max(b), min(d) FROM t GROUP BY k');
  });
  it('global aggregate without groupBy', async () => {
    await q(t.agg(F.count('*'), F.sum('i'), F.avg('v'), F.max('d'), F.countDistinct('k')), 'SELECT count(*), sum(i), avg(v), max(d), count(DISTINCT k) FROM t');
  });
  it('stddev / variance (null for a single-row group, as Spark 3)', async () => {
    await q(t.groupBy('k').agg(F.stddev('v'), F.variance('v'), F.stddev('i'), F.variance('i'), F.stddev_pop('v'), F.var_pop('i')),
      'SELECT k, stddev_samp(v), var_samp(v), stddev_samp(i), var_samp(i), stddev_pop(v), var_pop(i) FROM t GROUP BY k');
    await q(t.filter(col('id').eq(5)).agg(F.stddev('v'), F.variance('i')), 'SELECT stddev_samp(v), var_samp(i) FROM t WHERE id = 5');
  });
  it('first(ignoreNulls) returns a non-null value of its group', async () => {
    const got = await t.groupBy('k').agg(F.first('s', true).alias('f')).collect();
    const exp = await oracle.query('SELECT k, list(s) FILTER (WHERE s IS NOT NULL) FROM t GROUP BY k');
    expect(got.length).toBe(exp.rows.length);
    for (const [k, values] of exp.rows) {
      const row = got.find((r) => r['k'] === k);
      expect(row, `group ${String(k)}`).toBeDefined();
      if (values === null) expect(row!['f']).toBeNull();
      else expect(values as unknown[]).toContain(row!['f']);
    }
  });
  it('collect_list (compared sorted; nulls are skipped, as Spark)', async () => {
    const got = sortLists(await quiverResult(t.groupBy('k').agg(F.collect_list('i'), F.collect_list('s'))));
    const exp = sortLists(await oracle.query("SELECT k, coalesce(list(i) FILTER (WHERE i IS NOT NULL), []), coalesce(list(s) FILTER (WHERE s IS NOT NULL), []::VARCHAR[]) FROM t GROUP BY k"));
    expect(diffResults(got, exp)).toBeNull();
  });
  it('approx_count_distinct within its relative error', async () => {
    const got = await t.groupBy('k').agg(F.approx_count_distinct('id').alias('a'), F.approx_count_distinct('s').alias('b')).collect();
    const exp = await oracle.query('SELECT k, count(DISTINCT id), count(DISTINCT s) FROM t GROUP BY k');
    expect(got.length).toBe(exp.rows.length);
    for (const [k, ids, ss] of exp.rows) {
      const row = got.find((r) => r['k'] === k)!;
      // rsd 0.05: three standard deviations
      expect(Math.abs(Number(row['a']) - Number(ids)), `k=${String(k)} id`).toBeLessThanOrEqual(0.15 * Number(ids) + 1);
      expect(Math.abs(Number(row['b']) - Number(ss)), `k=${String(k)} s`).toBeLessThanOrEqual(0.15 * Number(ss) + 1);
    }
  });
  it('percentile_approx is exact on small inputs: the smallest value with at least p of the values at or below it', async () => {
    // Spark's definition: the element at 1-based rank ceil(p * n) of the sorted non-null values
    const spark_pct = (p: number) => `list_sort(list(i) FILTER (WHERE i IS NOT NULL))[greatest(1, ceil(${p} * count(i)))::BIGINT]`;
    await q(t.groupBy('k').agg(F.percentile_approx('i', 0.5).alias('p50'), F.percentile_approx('i', 0.25).alias('p25'), F.percentile_approx('i', 0.9).alias('p90')),
      `SELECT k, ${spark_pct(0.5)}, ${spark_pct(0.25)}, ${spark_pct(0.9)} FROM t GROUP BY k`);
  });
  it('percentile_approx(0.5) agrees with DuckDB quantile_disc(0.5)', async () => {
    await q(t.groupBy('k').agg(F.percentile_approx('i', 0.5)), 'SELECT k, quantile_disc(i, 0.5) FROM t GROUP BY k');
  });
  it('groupBy on several keys including strings and nulls', async () => {
    await q(t.groupBy('k', 's').agg(F.count('*'), F.sum('i')), 'SELECT k, s, count(*), sum(i) FROM t GROUP BY k, s');
  });
  it('groupBy on a double with NaN groups all NaN together', async () => {
    await q(t.filter(col('d').isNaN().or(col('d').isNull())).groupBy('d').count(), "SELECT d, count(*) FROM t WHERE isnan(d) OR d IS NULL GROUP BY d");
  });
});

describe('ordering and limit', () => {
  it('orderBy asc (nulls first by default) and desc (nulls last by default)', async () => {
    await q(t.orderBy('i', 'id').select('id', 'i'), 'SELECT id, i FROM t ORDER BY i ASC NULLS FIRST, id', true);
    await q(t.orderBy(col('d').desc(), col('id')).select('id', 'd'), 'SELECT id, d FROM t ORDER BY d DESC NULLS LAST, id', true);
  });
  it('orderBy with explicit null placement', async () => {
    await q(t.orderBy(col('s').asc_nulls_last(), col('id').desc()).select('id', 's'), 'SELECT id, s FROM t ORDER BY s ASC NULLS LAST, id DESC', true);
    await q(t.orderBy(col('dt').desc_nulls_first(), col('id')).select('id', 'dt'), 'SELECT id, dt FROM t ORDER BY dt DESC NULLS FIRST, id', true);
    await q(t.orderBy(col('b').asc(), col('id')).select('id', 'b'), 'SELECT id, b FROM t ORDER BY b ASC NULLS FIRST, id', true);
  });
  it('limit after orderBy, and limit alone', async () => {
    await q(t.orderBy(col('v').desc(), col('id')).limit(10).select('id', 'v'), 'SELECT id, v FROM t ORDER BY v DESC NULLS LAST, id LIMIT 10', true);
    const some = await t.limit(7).collect();
    expect(some.length).toBe(7);
    expect(await t.limit(0).count()).toBe(0);
  });
});

describe('joins', () => {
  // Joins run over the first 300 rows of t so the outputs stay small.
  const L = 'SELECT * FROM t WHERE id < 300';
  const left = () => t.filter(col('id').lt(300)).select('id', 'k', 'i');
  const right = () => u.select('id2', 'k', 'w');

  for (const how of ['inner', 'left', 'right', 'full']) {
    it(`${how} join on a column name`, async () => {
      const sqlHow = { inner: 'INNER', left: 'LEFT', right: 'RIGHT', full: 'FULL' }[how];
      // a USING join's key is the left key, or the right one where the left row is missing
      await q(left().join(right(), 'k', how), `SELECT coalesce(a.k, b.k) AS k, a.id, a.i, b.id2, b.w FROM (${L}) a ${sqlHow} JOIN u b ON a.k = b.k`);
    });
    it(`${how} join on a condition`, async () => {
      const sqlHow = { inner: 'INNER', left: 'LEFT', right: 'RIGHT', full: 'FULL' }[how];
      const a = left();
      const b = right();
      const df = a.join(b, a.col('k').eq(b.col('k')), how).select(a.col('id'), a.col('k').alias('ak'), b.col('id2'), b.col('k').alias('bk'));
      await q(df, `SELECT a.id, a.k, b.id2, b.k FROM (${L}) a ${sqlHow} JOIN u b ON a.k = b.k`);
    });
  }
  it('join on a condition between differently named keys, every join type', async () => {
    for (const how of ['inner', 'left', 'right', 'full']) {
      const a = left().withColumnRenamed('k', 'ak');
      const b = right().withColumnRenamed('k', 'bk');
      await q(a.join(b, a.col('ak').eq(b.col('bk')), how).select('id', 'ak', 'id2', 'bk'), `SELECT a.id, a.k, b.id2, b.k FROM (${L}) a ${how.toUpperCase()} JOIN u b ON a.k = b.k`);
    }
  });
  it('join with a non-equi condition', async () => {
    const a = left();
    const b = right();
    const df = a.join(b, a.col('k').eq(b.col('k')).and(a.col('i').gt(b.col('id2'))), 'left').select(a.col('id'), b.col('id2'));
    await q(df, `SELECT a.id, b.id2 FROM (${L}) a LEFT JOIN u b ON a.k = b.k AND a.i > b.id2`);
  });
  it('semi and anti joins (null keys never match)', async () => {
    await q(left().join(right(), 'k', 'left_semi'), `SELECT a.id, a.k, a.i FROM (${L}) a WHERE EXISTS (SELECT 1 FROM u b WHERE b.k = a.k)`);
    await q(left().join(right(), 'k', 'left_anti'), `SELECT a.id, a.k, a.i FROM (${L}) a WHERE NOT EXISTS (SELECT 1 FROM u b WHERE b.k = a.k)`);
    await q(left().join(right(), 'k', 'semi'), `SELECT a.id, a.k, a.i FROM (${L}) a WHERE EXISTS (SELECT 1 FROM u b WHERE b.k = a.k)`);
    await q(left().join(right(), 'k', 'anti'), `SELECT a.id, a.k, a.i FROM (${L}) a WHERE NOT EXISTS (SELECT 1 FROM u b WHERE b.k = a.k)`);
  });
  it('cross join', async () => {
    await q(t.filter(col('id').lt(20)).select('id').crossJoin(u.filter(col('id2').lt(15)).select('id2', 'w')), 'SELECT a.id, b.id2, b.w FROM t a CROSS JOIN u b WHERE a.id < 20 AND b.id2 < 15');
    await q(t.filter(col('id').lt(10)).select('id').join(u.filter(col('id2').lt(10)).select('id2'), undefined, 'cross'), 'SELECT a.id, b.id2 FROM t a, u b WHERE a.id < 10 AND b.id2 < 10');
  });
  it('join on a string key with unicode values', async () => {
    const a = t.filter(col('id').lt(400)).select('id', col('s').alias('key'));
    const b = u.select('id2', col('w').alias('key'));
    await q(a.join(b, 'key'), 'SELECT a.s, a.id, b.id2 FROM t a JOIN u b ON a.s = b.w WHERE a.id < 400');
  });
});

describe('set operations', () => {
  it('union keeps duplicates', async () => {
    await q(t.select('id', 's').union(t.filter(col('k').eq(1)).select('id', 's')), 'SELECT id, s FROM t UNION ALL SELECT id, s FROM t WHERE k = 1');
  });
  it('unionByName matches columns by name', async () => {
    await q(t.select('id', 's').unionByName(t.filter(col('k').eq(2)).select('s', 'id')), 'SELECT id, s FROM t UNION ALL SELECT id, s FROM t WHERE k = 2');
  });
  it('unionByName with allowMissingColumns fills nulls', async () => {
    await q(t.select('id', 's').unionByName(u.select(col('id2').alias('id')), true), 'SELECT id, s FROM t UNION ALL SELECT id2, NULL FROM u');
  });
  it('distinct', async () => {
    await q(t.select('k', 'flag').distinct(), 'SELECT DISTINCT k, flag FROM t');
    await q(t.select('s').distinct(), 'SELECT DISTINCT s FROM t');
  });
  it('dropDuplicates on a subset keeps one real row per key', async () => {
    const got = await t.dropDuplicates(['k', 'flag']).select('k', 'flag', 'id').collect();
    await q(t.dropDuplicates(['k', 'flag']).select('k', 'flag'), 'SELECT DISTINCT k, flag FROM t');
    const all = await oracle.query('SELECT id, k, flag FROM t');
    const byId = new Map(all.rows.map((r) => [r[0], r]));
    for (const row of got) {
      const orig = byId.get(row['id']);
      expect(orig, `id ${String(row['id'])}`).toBeDefined();
      expect([orig![1], orig![2]]).toEqual([row['k'], row['flag']]);
    }
  });
});

describe('null handling', () => {
  it('na.drop any / all / thresh (NaN counts as missing, as Spark)', async () => {
    await q(t.na.drop().select('id'), 'SELECT id FROM t WHERE k IS NOT NULL AND i IS NOT NULL AND b IS NOT NULL AND d IS NOT NULL AND NOT isnan(d) AND v IS NOT NULL AND s IS NOT NULL AND dt IS NOT NULL AND ts IS NOT NULL AND flag IS NOT NULL');
    await q(t.na.drop('all', undefined, ['i', 's']).select('id'), 'SELECT id FROM t WHERE i IS NOT NULL OR s IS NOT NULL');
    await q(t.na.drop('any', 2, ['i', 's', 'd']).select('id'),
      'SELECT id FROM t WHERE (i IS NOT NULL)::INT + (s IS NOT NULL)::INT + (d IS NOT NULL AND NOT isnan(d))::INT >= 2');
  });
  it('na.fill with a number, a string and a map (NaN is filled too in doubles)', async () => {
    await q(t.na.fill(0).select('id', 'k', 'i', 'b', 'd', 's'), "SELECT id, coalesce(k, 0), coalesce(i, 0), coalesce(b, 0), CASE WHEN d IS NULL OR isnan(d) THEN 0 ELSE d END, s FROM t");
    await q(t.na.fill('zz').select('id', 'i', 's'), "SELECT id, i, coalesce(s, 'zz') FROM t");
    await q(t.na.fill({ i: 5, s: 'q' }).select('id', 'k', 'i', 's'), "SELECT id, k, coalesce(i, 5), coalesce(s, 'q') FROM t");
  });
});

describe('describe', () => {
  it('count, mean, stddev, min, max as strings', async () => {
    const rows = await t.describe('i', 'v').collect();
    expect(rows.map((r) => r['summary'])).toEqual(['count', 'mean', 'stddev', 'min', 'max']);
    const exp = await oracle.query('SELECT count(i), avg(i), stddev_samp(i), min(i), max(i), count(v), avg(v), stddev_samp(v), min(v), max(v) FROM t');
    const [ci, mi, si, mini, maxi, cv, mv, sv, minv, maxv] = exp.rows[0]!;
    const num = (name: string, stat: number) => Number(rows[stat]![name]);
    [ci, mi, si, mini, maxi].forEach((x, k) => expect(valuesEqual(num('i', k), Number(x)), `i ${String(rows[k]!['summary'])}: ${String(rows[k]!['i'])} vs ${String(x)}`).toBe(true));
    [cv, mv, sv, minv, maxv].forEach((x, k) => expect(valuesEqual(num('v', k), Number(x)), `v ${String(rows[k]!['summary'])}: ${String(rows[k]!['v'])} vs ${String(x)}`).toBe(true));
  });
});

describe('sampling', () => {
  const ids = async (df: DataFrame) => (await df.select('id').collect()).map((r) => r['id'] as number).sort((a, b) => a - b);
  it('sample: size near the fraction, a subset, deterministic with a seed', async () => {
    const a = await ids(t.sample(0.3, 42));
    const b = await ids(t.sample(0.3, 42));
    expect(a).toEqual(b);
    // 2000 * 0.3 = 600, standard deviation ~20.5: five of them
    expect(a.length).toBeGreaterThan(500);
    expect(a.length).toBeLessThan(700);
    expect(new Set(a).size).toBe(a.length);
    expect(a.every((x) => x >= 0 && x < 2000)).toBe(true);
    expect(await ids(t.sample(0.3, 43))).not.toEqual(a);
  });
  it('randomSplit: disjoint, covering, sized by weight, deterministic', async () => {
    const [x, y] = t.randomSplit([0.7, 0.3], 7);
    const a = await ids(x!);
    const b = await ids(y!);
    expect(a.length + b.length).toBe(2000);
    expect(new Set([...a, ...b]).size).toBe(2000);
    expect(a.length).toBeGreaterThan(1300);
    expect(a.length).toBeLessThan(1500);
    const [x2] = t.randomSplit([0.7, 0.3], 7);
    expect(await ids(x2!)).toEqual(a);
  });
});

describe('partitioning and caching', () => {
  const ALL = 'SELECT * FROM t';
  it('repartition / repartition by column / coalesce keep the same rows', async () => {
    await q(t.repartition(7), ALL);
    await q(t.repartition(3, 'k'), ALL);
    await q(t.repartition(5).coalesce(1), ALL);
    await q(t.coalesce(1), ALL);
  });
  it('cache gives the same answer twice', async () => {
    const c = t.filter(col('i').gt(0)).groupBy('k').agg(F.sum('i').alias('s')).cache();
    const sql = 'SELECT k, sum(i) FROM t WHERE i > 0 GROUP BY k';
    await q(c, sql);
    await q(c, sql);
    await q(c.filter(col('k').gt(4)), `${sql} HAVING k > 4`);
  });
});

describe('actions', () => {
  it('count', async () => {
    expect(await t.count()).toBe(2000);
    const exp = await oracle.query('SELECT count(*) FROM t WHERE s IS NULL');
    expect(await t.filter(col('s').isNull()).count()).toBe(Number(exp.rows[0]![0]));
  });
  it('collect returns the input rows (int64 as bigint, dates as Date)', async () => {
    const rows = genRows(T_SPECS, 2000, 1);
    const got = await t.orderBy('id').collect();
    expect(got.length).toBe(rows.length);
    got.forEach((r, n) => {
      for (const s of T_SPECS) {
        const want = s.type === 'bigint' && rows[n]![s.name] !== null ? BigInt(rows[n]![s.name] as bigint) : rows[n]![s.name];
        if (!valuesEqual(r[s.name], want)) expect.fail(`row ${n} ${s.name}: got ${String(r[s.name])}, expected ${String(want)}`);
      }
      expect(typeof r['b'] === 'bigint' || r['b'] === null).toBe(true);
      expect(r['dt'] === null || r['dt'] instanceof Date).toBe(true);
    });
  });
  it('show prints a table with a header and n rows', async () => {
    const out = await captureLog(() => t.select('id', 's').show(5));
    expect(out).toContain('id');
    expect(out).toContain('s');
    expect(out).toMatch(/\+-+\+/);
    expect(out).toContain('only showing top 5 rows');
    const lines = out.split('\n').filter((l) => l.startsWith('|'));
    expect(lines.length).toBe(6);
  });
  it('toArrow', async () => {
    const table = await t.select('id', 'b', 's').toArrow();
    expect(table.numRows).toBe(2000);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['id', 'b', 's']);
    const exp = await oracle.query('SELECT id, b, s FROM t');
    const got: Result = { names: ['id', 'b', 's'], rows: Array.from({ length: table.numRows }, (_, r) => [0, 1, 2].map((c) => table.getChildAt(c)!.get(r))) };
    expect(diffResults(got, exp)).toBeNull();
  });
  it('schema / dtypes / printSchema', async () => {
    expect(t.schema.names).toEqual(T_SPECS.map((s) => s.name));
    expect(t.dtypes.map((x) => x[1])).toEqual(['int32', 'int32', 'int32', 'int64', 'float64', 'float64', 'utf8', 'date', 'timestamp', 'boolean']);
    const out = await captureLog(() => t.printSchema());
    expect(out).toContain('root');
    for (const [n, ty] of [['id', 'int'], ['b', 'bigint'], ['d', 'double'], ['s', 'string'], ['dt', 'date']]) expect(out).toContain(`|-- ${n}: ${ty}`);
  });
  it('explain prints the logical, optimized and physical plans', async () => {
    const out = await captureLog(() => t.filter(col('i').gt(0)).groupBy('k').agg(F.count('*')).explain());
    expect(out).toContain('== Logical Plan ==');
    expect(out).toContain('== Optimized Logical Plan ==');
    expect(out).toContain('== Physical Plan ==');
  });
});

describe('write and read back', () => {
  const cols = ['id', 'k', 'i', 'b', 'v', 's', 'dt', 'flag'];
  const schema = 'id INT, k INT, i INT, b BIGINT, v DOUBLE, s STRING, dt DATE, flag BOOLEAN';
  const SQL = `SELECT ${cols.join(', ')} FROM t`;
  for (const fmt of ['parquet', 'csv', 'json'] as const) {
    it(`${fmt} round trip with save modes`, async () => {
      const path = join(dir, `rt-${fmt}`);
      const src = t.select(...cols);
      const read = () => {
        const r = spark.read.format(fmt).schema(schema);
        return fmt === 'csv' ? r.option('header', true).load(path) : r.load(path);
      };
      const write = (mode: string) => {
        const w = src.write.mode(mode).format(fmt);
        return fmt === 'csv' ? w.option('header', true).save(path) : w.save(path);
      };
      await write('error');
      await q(read(), SQL);
      await expect(write('error')).rejects.toThrow();
      await write('ignore');
      await q(read(), SQL);
      await write('append');
      await q(read(), `${SQL} UNION ALL ${SQL}`);
      await write('overwrite');
      await q(read(), SQL);
    });
  }
  it('parquet round trip infers the schema', async () => {
    const path = join(dir, 'infer.parquet');
    await t.select(...cols).write.parquet(path);
    const back = spark.read.parquet(path);
    expect(back.dtypes.map((x) => x[1])).toEqual(['int32', 'int32', 'int32', 'int64', 'float64', 'utf8', 'date', 'boolean']);
    await q(back, SQL);
  });
});

describe('window functions', () => {
  it('row_number / rank / dense_rank', async () => {
    const w = Window.partitionBy('k').orderBy('i');
    await q(t.select('id', F.row_number().over(Window.partitionBy('k').orderBy('id')), F.rank().over(w), F.dense_rank().over(w)),
      'SELECT id, row_number() OVER (PARTITION BY k ORDER BY id), rank() OVER (PARTITION BY k ORDER BY i ASC NULLS FIRST), dense_rank() OVER (PARTITION BY k ORDER BY i ASC NULLS FIRST) FROM t');
  });
  it('lag / lead with offsets and defaults', async () => {
    const w = Window.partitionBy('k').orderBy('id');
    await q(t.select('id', F.lag('i').over(w), F.lead('s').over(w), F.lag('i', 2, 0).over(w), F.lead('v', 3).over(w)),
      'SELECT id, lag(i) OVER w, lead(s) OVER w, lag(i, 2, 0) OVER w, lead(v, 3) OVER w FROM t WINDOW w AS (PARTITION BY k ORDER BY id)');
  });
  it('sum / avg over partitions, running and sliding frames', async () => {
    const running = Window.partitionBy('k').orderBy('id');
    await q(t.select('id', F.sum('i').over(Window.partitionBy('k')).alias('s_all'), F.avg('v').over(Window.partitionBy('k')).alias('a_all'), F.sum('i').over(running).alias('s_run'), F.avg('v').over(running).alias('a_run'),
      F.sum('i').over(running.rowsBetween(-2, 0)).alias('s_3'), F.avg('v').over(running.rowsBetween(Window.currentRow, Window.unboundedFollowing)).alias('a_rest')),
      `SELECT id, sum(i) OVER (PARTITION BY k), avg(v) OVER (PARTITION BY k), sum(i) OVER (PARTITION BY k ORDER BY id), avg(v) OVER (PARTITION BY k ORDER BY id),
         sum(i) OVER (PARTITION BY k ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW), avg(v) OVER (PARTITION BY k ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM t`);
  });
  it('running sum over an order with ties uses the RANGE frame (peers included), as Spark', async () => {
    await q(t.select('id', F.sum('v').over(Window.partitionBy('k').orderBy('i'))), 'SELECT id, sum(v) OVER (PARTITION BY k ORDER BY i ASC NULLS FIRST) FROM t');
  });
});

describe('empty inputs', () => {
  it('operations on an empty DataFrame', async () => {
    expect(await e.count()).toBe(0);
    await q(e.select('id', 's'), 'SELECT id, s FROM e');
    await q(e.groupBy('k').agg(F.count('*'), F.sum('i')), 'SELECT k, count(*), sum(i) FROM e GROUP BY k');
    await q(e.orderBy('i').select('id'), 'SELECT id FROM e ORDER BY i', true);
    await q(e.distinct(), 'SELECT DISTINCT * FROM e');
    await q(e.select('id', 'k').join(u.select('id2', 'k'), 'k', 'left'), 'SELECT e.k, e.id, u.id2 FROM e LEFT JOIN u ON e.k = u.k');
    await q(u.select('id2', 'k').join(e.select('id', 'k'), 'k', 'left'), 'SELECT u.k, u.id2, e.id FROM u LEFT JOIN e ON e.k = u.k');
    await q(e.select('id').union(t.filter(col('id').lt(3)).select('id')), 'SELECT id FROM t WHERE id < 3');
  });
  it('global aggregate of an empty DataFrame is one row (count 0, others null)', async () => {
    await q(e.agg(F.count('*'), F.sum('i'), F.avg('v'), F.max('s')), 'SELECT count(*), sum(i), avg(v), max(s) FROM e');
  });
  it('a filter that removes every row', async () => {
    await q(t.filter(col('i').gt(5000)).groupBy('k').agg(F.count('*')), 'SELECT k, count(*) FROM t WHERE i > 5000 GROUP BY k');
  });
  it('createDataFrame of no rows with a DDL schema keeps the schema', () => {
    expect(spark.createDataFrame([], ddl(T_SPECS)).dtypes).toEqual(t.dtypes);
  });
});
