/**
 * The same oracle-checked queries give identical results on a cluster (scheduler + 3 worker processes) and
 * embedded (local[3]), and both agree with DuckDB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Float64Type, Schema, Session, col, field } from '@quiver/core';
import { Oracle, type Result, ddl, diffResults, genRows, quiverResult } from '../oracle.js';
import { TestCluster } from './harness.js';
import { T_SPECS, U_SPECS, queries } from './queries.js';

const FIXTURES = join(import.meta.dirname, 'fixtures.mjs');
const T_ROWS = genRows(T_SPECS, 3000, 11);
const U_ROWS = genRows(U_SPECS, 400, 12);

let cluster: TestCluster;
let oracle: Oracle;
const embedded = new Map<string, Result>();

async function runAll(master: string): Promise<Map<string, Result>> {
  // No broadcast joins: every join shuffles both sides across the workers (broadcast joins are covered embedded).
  const spark = await Session.builder().master(master).config('spark.sql.shuffle.partitions', 6).config('spark.sql.autoBroadcastJoinThreshold', -1).getOrCreate();
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

  it('run partition functions (result bytes and appended columns) and caches on the workers', async () => {
    const spark = await Session.builder().master(cluster.master).getOrCreate();
    try {
      const t = spark.createDataFrame(T_ROWS, ddl(T_SPECS)).cache();
      expect(await t.count()).toBe(T_ROWS.length);
      const counts = await t.runPartitions({ module: FIXTURES, fn: 'countRows' });
      expect(counts.length).toBe(3);
      expect(counts.reduce((s, b) => s + new DataView(b.buffer, b.byteOffset).getFloat64(0, true), 0)).toBe(T_ROWS.length);
      const doubled = await t.select('id', 'v').mapPartitionsWith({ module: FIXTURES, fn: 'doubleV', outputSchema: new Schema([field('v2', Float64Type)]) });
      const got = await quiverResult(doubled.filter(col('id').lt(50)).select('id', 'v2'));
      const want = { names: ['id', 'v2'], rows: T_ROWS.filter((r) => (r.id as number) < 50).map((r) => [r.id, r.v === null ? null : (r.v as number) * 2]) };
      expect(diffResults(got, want)).toBeNull();

      // A barrier stage's tasks all run at once (each waits for the others); more tasks than slots is refused.
      const dir = mkdtempSync(join(tmpdir(), 'quiver-barrier-'));
      try {
        const args = new TextEncoder().encode(dir);
        const ranks = await t.runPartitions({ module: FIXTURES, fn: 'rendezvous', args, barrier: true });
        expect(ranks.map((b) => b[0])).toEqual([0, 1, 2]);
        const tooWide = await t.repartition(4).runPartitions({ module: FIXTURES, fn: 'rendezvous', args, barrier: true }).then(() => null, (e: Error) => e);
        expect(tooWide?.message).toMatch(/barrier stage needs all 4 tasks to run at once, but the cluster has 3 task slots/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    } finally {
      await spark.stop();
    }
  });
});
