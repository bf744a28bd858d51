/**
 * A global orderBy over several partitions runs as a range exchange (sampled bounds) and a sort per
 * range; reading the ranges in order must give exactly DuckDB's total order.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DataFrame, Session, col } from '@quiver/core';
import { type ColSpec, Oracle, checkQuery, makeTable } from './oracle.js';

const SPECS: ColSpec[] = [
  { name: 'id', type: 'int', serial: true },
  { name: 'k', type: 'int', min: 0, max: 50, nulls: 0.1 },
  { name: 'x', type: 'double', nulls: 0.1 },
  { name: 's', type: 'string', cardinality: 30 },
];

let spark: Session;
let oracle: Oracle;
let t: DataFrame;

beforeAll(async () => {
  spark = await Session.builder().appName('range-sort').master('local[2]').getOrCreate();
  oracle = await Oracle.create();
  t = (await makeTable(spark, oracle, 't', SPECS, 5000, 7)).df.repartition(5);
});

afterAll(async () => {
  await spark?.stop();
});

it('plans a range exchange for a sort over several partitions', () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (s: string) => lines.push(s);
  try { t.orderBy('k').explain(false); } finally { console.log = log; }
  expect(lines.join('\n')).toMatch(/Exchange range/);
});

it('sorts by several keys, mixed directions and null placements, across ranges', async () => {
  // Spark: ascending puts nulls first, descending puts them last; the id tie-breaker makes the order total.
  await checkQuery(oracle, t.orderBy(col('k').desc(), col('x').asc_nulls_last(), 'id'),
    'SELECT * FROM t ORDER BY k DESC NULLS LAST, x ASC NULLS LAST, id', { ordered: true });
  await checkQuery(oracle, t.orderBy('s', col('id').desc()), 'SELECT * FROM t ORDER BY s NULLS FIRST, id DESC', { ordered: true });
});

it('sorts an empty input', async () => {
  await checkQuery(oracle, t.filter(col('id').lt(0)).orderBy('k'), 'SELECT * FROM t WHERE id < 0 ORDER BY k', { ordered: true });
});
