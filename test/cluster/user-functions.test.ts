/**
 * User functions on a real cluster (scheduler + 3 bin/quiver worker processes): F.udf, mapPartitions and
 * foreachPartition travel to other processes as source with their captured values, results checked against
 * DuckDB; a throwing udf fails the job after its retries with its own message; an unshippable function is
 * refused on the driver before any job starts.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataFrame, F, type PartitionColumns, Session, col } from '@quiver/core';
import { type ColSpec, Oracle, checkQuery, makeTable } from '../oracle.js';
import { TestCluster } from './harness.js';

const SPECS: ColSpec[] = [
  { name: 'id', type: 'int', serial: true },
  { name: 'k', type: 'int', min: 0, max: 9, nulls: 0 },
  { name: 'i', type: 'int', min: -1000, max: 1000 },
  { name: 'v', type: 'double', nulls: 0 },
  { name: 's', type: 'string', cardinality: 20 },
];

let cluster: TestCluster;
let spark: Session;
let oracle: Oracle;
let t: DataFrame;
let dir: string;

beforeAll(async () => {
  cluster = await TestCluster.start({ workers: 3, cores: 1 });
  spark = await Session.builder().master(cluster.master).config('spark.sql.shuffle.partitions', 3).getOrCreate();
  oracle = await Oracle.create();
  t = (await makeTable(spark, oracle, 't', SPECS, 3000, 5)).df.repartition(3);
  dir = mkdtempSync(join(tmpdir(), 'quiver-cluster-udf-'));
});
afterAll(async () => {
  await spark?.stop().catch(() => {});
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const q = (df: DataFrame, sql: string) => checkQuery(oracle, df, sql);
const jobsStarted = () => cluster.scheduler.logs.filter((l) => l.msg === 'job started').length;
const workersThatRan = (job: string) => cluster.workers.filter((w) => w.logs.some((l) => l.msg === 'task started' && l.jobId === job)).length;

describe('user functions on a cluster', () => {
  it('F.udf with captured values runs on the workers', async () => {
    const k = 2;
    const axb = F.udf((a: number | null, b: number | null) => (a === null || b === null ? null : a * k + b), 'double', { captures: { k } });
    const before = jobsStarted();
    await q(t.select(col('id'), axb('i', 'v').alias('y')), 'SELECT id, i * 2 + v AS y FROM t');
    const job = cluster.scheduler.logs.filter((l) => l.msg === 'job started')[before]!.job as string;
    expect(workersThatRan(job)).toBeGreaterThan(1);
    const label = F.udf((s: string | null, n: number) => (s === null ? null : `${s}#${n}`), 'string');
    await q(t.groupBy(label('s', 'k').alias('g')).agg(F.count('*').alias('n')), "SELECT s || '#' || k AS g, count(*) AS n FROM t GROUP BY 1");
  });

  it('mapPartitions maps every partition on the workers and composes with a shuffle after it', async () => {
    const axb = (c: PartitionColumns) => {
      const i = c.i as ArrayLike<number | null>, v = c.v as Float64Array;
      return { k: c.k!, y: Array.from(v, (x, r) => (i[r] === null ? null : i[r]! * 2 + x)) };
    };
    await q(t.mapPartitions(axb, 'k int, y double').groupBy('k').agg(F.sum('y').alias('sy'), F.count('y').alias('n')),
      'SELECT k, sum(i * 2 + v) AS sy, count(i) AS n FROM t GROUP BY k');
  });

  it('foreachPartition writes one file per partition from the worker processes', async () => {
    const out = join(dir, 'each');
    await t.foreachPartition((c, ctx) => {
      const fs = require('node:fs');
      fs.mkdirSync(out, { recursive: true });
      fs.writeFileSync(`${out}/part-${ctx.partition}.txt`, String(ctx.numRows));
    }, { captures: { out } });
    const files = readdirSync(out).sort();
    expect(files).toEqual(['part-0.txt', 'part-1.txt', 'part-2.txt']);
    expect(files.reduce((s, f) => s + Number(readFileSync(join(out, f), 'utf8')), 0)).toBe(3000);
  });

  it('a throwing udf fails the job after its retries with its original message and stack', async () => {
    const failedBefore = cluster.scheduler.logs.filter((l) => l.msg === 'task failed').length;
    const strict = F.udf(function strict(x: number | null) { if (x !== null && x > 995) throw new RangeError(`value ${x} is out of range`); return x; }, 'int');
    const err = await t.select(strict('i')).collect().then(() => null, (e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err!.name).toBe('ExecutionError');
    expect(err!.message).toMatch(/failed \(4 attempts\): value 99\d is out of range/);
    expect(err!.stack).toContain('at strict (quiver-udf:strict');
    expect(cluster.scheduler.logs.filter((l) => l.msg === 'task failed').length - failedBefore).toBeGreaterThanOrEqual(4);
  });

  it('an unshippable function is refused on the driver before any job starts', async () => {
    const before = jobsStarted();
    const lookup = new Map([[1, 'one']]);
    expect(() => F.udf((x: number) => lookup.get(x) ?? null, 'string')).toThrow("udf function 'anonymous' uses 'lookup', which workers do not have");
    expect(() => F.udf((x: number) => lookup.get(x) ?? null, 'string', { captures: { lookup } })).toThrow("captures 'lookup', which is an instance of Map");
    expect(() => t.mapPartitions(function withThis(this: { n: number }) { return { n: [this.n] }; }, 'n int')).toThrow("mapPartitions function 'withThis' uses 'this'");
    const sink = { write: (s: string) => s };
    await expect(t.foreachPartition(() => sink.write('x'), { captures: { sink } })).rejects.toThrow("foreachPartition function 'anonymous' captures 'sink.write', which is a function");
    expect(jobsStarted()).toBe(before);
  });
});
