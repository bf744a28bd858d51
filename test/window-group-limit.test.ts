// A filter on a rank-like window function lets each map task keep only its top rows per group
// before the shuffle (Spark's WindowGroupLimit). These queries pin that the rows kept are exactly
// DuckDB's, for every order-key type the limit scores, ties, NULLs and NaN included.
import { Session, type DataFrame, Window, col, lit, F } from '@quiver/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ColSpec, Oracle, checkQuery, makeTable } from './oracle.js';

const SPECS: ColSpec[] = [
  { name: 'id', type: 'int', serial: true },
  { name: 'k', type: 'int', min: 0, max: 40 },
  // A narrow range makes many ties, the case where rank and dense_rank keep more than k rows.
  { name: 'i', type: 'int', min: 0, max: 12 },
  { name: 'b', type: 'bigint', huge: true },
  { name: 'd', type: 'double', nan: true },
  { name: 'dt', type: 'date' },
  { name: 'ts', type: 'timestamp' },
];

let spark: Session;
let oracle: Oracle;
let t: DataFrame;

beforeAll(async () => {
  spark = await Session.builder().appName('window-group-limit-test').master('local[2]').getOrCreate();
  oracle = await Oracle.create();
  // Four map partitions, so each group's rows are spread over several limiters.
  t = (await makeTable(spark, oracle, 't', SPECS, 3000, 11)).df.repartition(4);
});

afterAll(async () => {
  await spark?.stop();
});

async function physicalPlan(df: DataFrame): Promise<string> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { lines.push(a.join(' ')); });
  try { await df.explain(); } finally { spy.mockRestore(); }
  const text = lines.join('\n');
  return text.slice(text.indexOf('== Physical Plan =='));
}

const FNS = { row_number: F.row_number, rank: F.rank, dense_rank: F.dense_rank } as const;

describe('window group limit', () => {
  for (const key of ['i', 'b', 'd', 'dt', 'ts']) {
    for (const [dir, sqlDir] of [['asc', 'ASC NULLS FIRST'], ['desc', 'DESC NULLS LAST']] as const) {
      for (const fn of Object.keys(FNS) as (keyof typeof FNS)[]) {
        it(`${fn} <= 3 over ${key} ${dir} keeps the same rows as DuckDB`, async () => {
          const w = Window.partitionBy('k').orderBy(dir === 'asc' ? col(key).asc() : col(key).desc());
          const ranked = t.select('id', 'k', key, FNS[fn]().over(w).alias('r')).where(col('r').leq(3));
          // row_number picks arbitrarily among ties, so only the order values it keeps are determined.
          const cols = fn === 'row_number' ? ['k', key] : ['id', 'k', key, 'r'];
          const df = ranked.select(...cols);
          await checkQuery(oracle, df,
            `SELECT ${cols.join(', ')} FROM (SELECT id, k, ${key}, ${fn}() OVER (PARTITION BY k ORDER BY ${key} ${sqlDir}) AS r FROM t) WHERE r <= 3`);
          expect(await physicalPlan(df)).toContain(`WindowGroupLimit ${fn} <= 3`);
        });
      }
    }
  }

  it('reads the limit from <, from a literal on the left and from = 1', async () => {
    const w = Window.partitionBy('k').orderBy(col('i').desc());
    const ranked = t.select('id', 'k', 'i', F.rank().over(w).alias('r'));
    const sql = (cond: string) => `SELECT id, k, i, r FROM (SELECT id, k, i, rank() OVER (PARTITION BY k ORDER BY i DESC NULLS LAST) AS r FROM t) WHERE ${cond}`;
    await checkQuery(oracle, ranked.where(col('r').lt(3)), sql('r < 3'));
    await checkQuery(oracle, ranked.where(lit(2).geq(col('r'))), sql('2 >= r'));
    await checkQuery(oracle, ranked.where(col('r').eq(1)), sql('r = 1'));
    expect(await physicalPlan(ranked.where(col('r').lt(3)))).toContain('WindowGroupLimit rank <= 2');
    expect(await physicalPlan(ranked.where(col('r').eq(1)))).toContain('WindowGroupLimit rank <= 1');
  });

  it('is not used when the window also computes a function that needs every row', async () => {
    const w = Window.partitionBy('k').orderBy(col('id'));
    const df = t.select('id', 'k', F.row_number().over(w).alias('r'), F.lag('i').over(w).alias('prev')).where(col('r').leq(2));
    await checkQuery(oracle, df,
      'SELECT id, k, r, prev FROM (SELECT id, k, row_number() OVER w AS r, lag(i) OVER w AS prev FROM t WINDOW w AS (PARTITION BY k ORDER BY id)) WHERE r <= 2');
    expect(await physicalPlan(df)).not.toContain('WindowGroupLimit');
  });

  it('is not used for a string order key, whose order a float cannot score', async () => {
    const df = t.select('k', col('id').cast('string').alias('s')).select('k', 's', F.row_number().over(Window.partitionBy('k').orderBy('s')).alias('r')).where(col('r').leq(1));
    await checkQuery(oracle, df, 'SELECT k, s, r FROM (SELECT k, s, row_number() OVER (PARTITION BY k ORDER BY s) AS r FROM (SELECT k, CAST(id AS VARCHAR) AS s FROM t)) WHERE r <= 1');
    expect(await physicalPlan(df)).not.toContain('WindowGroupLimit');
  });
});
