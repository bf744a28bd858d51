/**
 * The same oracle-checked queries give identical results on a cluster (scheduler + 3 worker processes) and
 * embedded (local[3]), and both agree with DuckDB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '@quiver/core';
import { Oracle, type Result, ddl, diffResults, genRows, quiverResult } from '../oracle.js';
import { TestCluster } from './harness.js';
import { T_SPECS, U_SPECS, queries } from './queries.js';

const T_ROWS = genRows(T_SPECS, 3000, 11);
const U_ROWS = genRows(U_SPECS, 400, 12);

let cluster: TestCluster;
let oracle: Oracle;
const embedded = new Map<string, Result>();

async function runAll(master: string): Promise<Map<string, Result>> {
  const spark = await Session.builder().master(master).config('spark.sql.shuffle.partitions', 6).getOrCreate();
  try {
    const t = spark.createDataFrame(T_ROWS, ddl(T_SPECS));
    const u = spark.createDataFrame(U_ROWS, ddl(U_SPECS));
    const out = new Map<string, Result>();
    for (const q of queries(t, u)) out.set(q.name, await quiverResult(q.df));
    return out;
  } finally {
    await spark.stop();
  }
}

beforeAll(async () => {
  oracle = await Oracle.create();
  await oracle.load('t', T_SPECS, T_ROWS);
  await oracle.load('u', U_SPECS, U_ROWS);
  for (const [k, v] of await runAll('local[3]')) embedded.set(k, v);
  cluster = await TestCluster.start({ workers: 3 });
});

afterAll(async () => {
  await cluster?.stop();
});

describe('queries on a 3-worker cluster', () => {
  it('match the embedded results and DuckDB, query by query', async () => {
    const onCluster = await runAll(cluster.master);
    const spark0 = await Session.builder().master('local[1]').getOrCreate();
    const qs = queries(spark0.createDataFrame([], ddl(T_SPECS)), spark0.createDataFrame([], ddl(U_SPECS)));
    await spark0.stop();
    const problems: string[] = [];
    for (const q of qs) {
      const got = onCluster.get(q.name)!;
      const vsEmbedded = diffResults(got, embedded.get(q.name)!, q.ordered ?? false);
      if (vsEmbedded) problems.push(`${q.name}: cluster vs embedded\n${vsEmbedded}`);
      const vsDuck = diffResults(got, await oracle.query(q.sql), q.ordered ?? false);
      if (vsDuck) problems.push(`${q.name}: cluster vs DuckDB\n${vsDuck}`);
    }
    expect(problems).toEqual([]);
    expect(onCluster.size).toBe(qs.length);
    // Tasks really ran on every worker.
    for (const w of cluster.workers) expect(w.logs.some((l) => l.msg === 'task started')).toBe(true);
  });
});
