// A partial aggregation that finds almost every row its own group stops grouping and passes each row's
// state on to the final aggregation. These queries are big enough to trip that switch (over 100,000 rows
// per map task, mostly unique keys) and pin that every aggregate still gives DuckDB's answer, with keys that
// repeat after the switch and keys first seen before it.
import { Session, type DataFrame, col, F } from '@quiver/core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type ColSpec, Oracle, checkQuery, makeTable } from './oracle.js';

const SPECS: ColSpec[] = [
  { name: 'id', type: 'int', serial: true },
  { name: 'v', type: 'int', min: -50, max: 50 },
  { name: 'd', type: 'double' },
  { name: 's', type: 'string', cardinality: 50 },
];

const ROWS = 260_000;

let spark: Session;
let oracle: Oracle;
let t: DataFrame;

beforeAll(async () => {
  spark = await Session.builder().appName('partial-aggregation-test').master('local[2]').getOrCreate();
  oracle = await Oracle.create();
  // One map partition, so a single partial aggregation sees every row.
  t = (await makeTable(spark, oracle, 't', SPECS, ROWS, 5)).df.coalesce(1);
}, 120_000);

afterAll(async () => {
  await spark?.stop();
});

describe('partial aggregation on nearly unique keys', () => {
  it('gives DuckDB\'s sum, count, avg, min, max and count distinct per key', async () => {
    // id % 200000: ids below 60000 come back after the switch at 100000 rows.
    const df = t.groupBy(col('id').mod(200_000).alias('k'))
      .agg(F.sum('v').alias('sv'), F.count('v').alias('cv'), F.avg('d').alias('ad'), F.min('s').alias('mn'), F.max('d').alias('mx'),
        F.countDistinct('s').alias('ds'), F.count('*').alias('n'));
    await checkQuery(oracle, df,
      'SELECT id % 200000 AS k, sum(v) AS sv, count(v) AS cv, avg(d) AS ad, min(s) AS mn, max(d) AS mx, count(DISTINCT s) AS ds, count(*) AS n FROM t GROUP BY 1');
  }, 120_000);

  it('gives DuckDB\'s answer for a composite key with a string part', async () => {
    const df = t.groupBy(col('id').mod(150_000).alias('k'), col('s')).agg(F.sum('d').alias('sd'), F.count('*').alias('n'));
    await checkQuery(oracle, df, 'SELECT id % 150000 AS k, s, sum(d) AS sd, count(*) AS n FROM t GROUP BY 1, 2');
  }, 120_000);
});
