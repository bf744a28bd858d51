/**
 * A cached DataFrame on a cluster stays on the workers that computed it: later jobs read it there (the driver
 * holds none of its blocks), a worker lost with cached partitions has them recomputed from the cache job's
 * lineage, and unpersist(), Session.stop() or the driver's death frees them on every worker.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type DataFrame, F, Session, col } from '@quiver/core';
import { type Result, ddl, diffResults, genRows, quiverResult } from '../oracle.js';
import { TestCluster } from './harness.js';
import { T_SPECS } from './queries.js';

const ROWS = genRows(T_SPECS, 3000, 33);

let cluster: TestCluster | undefined;
let session: Session | undefined;

afterEach(async () => {
  await session?.stop().catch(() => {});
  session = undefined;
  await cluster?.stop();
  cluster = undefined;
});

const aggregate = (df: DataFrame) => df.groupBy('k').agg(F.count('*').alias('n'), F.sum('i').alias('si'), F.max('s').alias('ms'));

async function expected(): Promise<Result> {
  const local = await Session.builder().master('local[2]').getOrCreate();
  try {
    return await quiverResult(aggregate(local.createDataFrame(ROWS, ddl(T_SPECS)).filter(col('i').gt(10))));
  } finally {
    await local.stop();
  }
}

/** The job ids whose blocks the driver's own store holds (a cache kept on the workers has none there). */
function driverJobs(s: Session): Set<string> {
  const blocks = (s as unknown as { store: { blocks: Map<string, Uint8Array> } }).store.blocks;
  return new Set([...blocks.keys()].map((id) => id.slice(0, id.indexOf('/'))));
}

/** Starts a 3-worker cluster, caches the filtered rows on it and returns the cache and its job's id. */
async function cachedOnCluster(): Promise<{ cached: DataFrame; job: string }> {
  cluster = await TestCluster.start({ workers: 3, cores: 1 });
  session = await Session.builder().master(cluster.master).config('spark.sql.shuffle.partitions', 6).getOrCreate();
  const cached = session.createDataFrame(ROWS, ddl(T_SPECS)).filter(col('i').gt(10)).cache();
  const before = new Set(cluster.scheduler.logs.filter((l) => l.msg === 'job started').map((l) => l.job));
  await cached.count();
  const job = cluster.scheduler.logs.find((l) => l.msg === 'job started' && !before.has(l.job))!.job as string;
  return { cached, job };
}

describe('a cached DataFrame on a cluster', () => {
  it('stays on the workers: later jobs read it there and match the embedded answer', async () => {
    const want = await expected();
    const { cached, job } = await cachedOnCluster();
    expect(cluster!.scheduler.logs.some((l) => l.msg === 'job closed' && l.job === job)).toBe(false);
    expect(driverJobs(session!).has(job)).toBe(false);
    expect(diffResults(await quiverResult(aggregate(cached)), want)).toBeNull();
    expect(diffResults(await quiverResult(aggregate(cached)), want)).toBeNull();
  });

  it('loses a worker: the partitions it held are recomputed from the cache job and the answer is right', async () => {
    const want = await expected();
    const { cached, job } = await cachedOnCluster();
    const holder = cluster!.workers.find((w) => w.logs.some((l) => l.msg === 'task started' && l.jobId === job))!;
    await cluster!.kill9(holder);
    await cluster!.scheduler.waitFor((l) => l.msg === 'worker lost');
    const cacheTasks = () => cluster!.workers.reduce((n, w) => n + w.logs.filter((l) => l.msg === 'task started' && l.jobId === job).length, 0);
    const ranBefore = cacheTasks();
    expect(diffResults(await quiverResult(aggregate(cached)), want)).toBeNull();
    expect(cacheTasks()).toBeGreaterThan(ranBefore);
  });

  it('is freed on every worker by unpersist(), and the DataFrame computes again when used', async () => {
    const want = await expected();
    const { cached, job } = await cachedOnCluster();
    cached.unpersist();
    await cluster!.scheduler.waitFor((l) => l.msg === 'job closed' && l.job === job);
    for (const w of cluster!.workers) await w.waitFor((l) => l.msg === 'blocks dropped' && l.prefix === `${job}/`);
    expect(diffResults(await quiverResult(aggregate(cached)), want)).toBeNull();
  });

  it('is freed when its driver dies while idle: the scheduler notices and cancels the kept job', async () => {
    cluster = await TestCluster.start({ workers: 2, cores: 1 });
    const driver = spawn(process.execPath, [join(import.meta.dirname, 'caching-driver.mjs'), cluster.master], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => driver.on('exit', resolve));
    await new Promise<void>((resolve) => createInterface({ input: driver.stdout! }).on('line', (l) => { if (l === 'cached') resolve(); }));
    const job = cluster.scheduler.logs.find((l) => l.msg === 'job started')!.job as string;
    driver.kill('SIGKILL');
    await exited;
    const stopped = await cluster.scheduler.waitFor((l) => l.msg === 'job stopped' && l.job === job);
    expect(stopped).toMatchObject({ state: 'CANCELLED', error: 'the driver disconnected' });
    for (const w of cluster.workers) await w.waitFor((l) => l.msg === 'blocks dropped' && l.prefix === `${job}/`);
  });
});
