/**
 * Fault tolerance on real processes: a worker killed with SIGKILL during a map stage, during a reduce stage
 * and while its shuffle output is being fetched; a task that always throws; the scheduler dying mid-job.
 * Workers delay each task (or each served chunk) so the kill lands where the test says.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type DataFrame, F, Session } from '@quiver/core';
import { type Result, ddl, diffResults, genRows, quiverResult } from '../oracle.js';
import { type Proc, TestCluster, startProcess } from './harness.js';
import { T_SPECS } from './queries.js';

const FIXTURES = join(import.meta.dirname, 'fixtures.mjs');
const ROWS = genRows(T_SPECS, 3000, 21);

let cluster: TestCluster | undefined;
let session: Session | undefined;

afterEach(async () => {
  await session?.stop().catch(() => {});
  session = undefined;
  await cluster?.stop();
  cluster = undefined;
});

const aggregate = (df: DataFrame) => df.groupBy('k').agg(F.count('*').alias('n'), F.sum('i').alias('si'), F.max('s').alias('ms'));

/** The answer computed embedded, where nothing fails. */
async function expected(): Promise<Result> {
  const local = await Session.builder().master('local[2]').getOrCreate();
  try {
    return await quiverResult(aggregate(local.createDataFrame(ROWS, ddl(T_SPECS))));
  } finally {
    await local.stop();
  }
}

async function connect(c: TestCluster): Promise<DataFrame> {
  session = await Session.builder().master(c.master).config('spark.sql.shuffle.partitions', 6).getOrCreate();
  return session.createDataFrame(ROWS, ddl(T_SPECS));
}

/** Runs the aggregation, kills the first worker matching `when` as soon as it logs it, and checks the answer. */
async function killDuring(when: (line: Record<string, any>) => boolean, env: Record<string, string>): Promise<Proc> {
  const want = await expected();
  cluster = await TestCluster.start({ workers: 3, workerEnv: env });
  const df = await connect(cluster);
  const running = quiverResult(aggregate(df));
  const victim = await cluster.waitForWorker(when);
  await cluster.kill9(victim);
  const got = await running;
  expect(diffResults(got, want)).toBeNull();
  await cluster.scheduler.waitFor((l) => l.msg === 'worker lost');
  return victim;
}

describe('a worker killed with SIGKILL', () => {
  it('during a map stage: its tasks run elsewhere and the answer is right', async () => {
    await killDuring((l) => l.msg === 'task started' && l.stageId === 0, { QUIVER_TEST_TASK_DELAY_MS: '400' });
  });

  it('during a reduce stage: the map outputs it held are recomputed and the answer is right', async () => {
    await killDuring((l) => l.msg === 'task started' && l.stageId === 1, { QUIVER_TEST_TASK_DELAY_MS: '300' });
    const relaunched = cluster!.scheduler.logs.filter((l) => l.msg === 'task launched' && l.stage === 0).length;
    expect(relaunched).toBeGreaterThan(3);
  });

  it('while its shuffle output is being fetched: the reducer\'s fetch fails over to recomputed blocks', async () => {
    await killDuring((l) => l.msg === 'serving blocks' && String(l.first).includes('/s0/'), { QUIVER_TEST_CHUNK_DELAY_MS: '600' });
  });
});

describe('a worker stopped with SIGTERM mid-job', () => {
  it('finishes its running task, exits 0, and the job still answers right', async () => {
    const want = await expected();
    cluster = await TestCluster.start({ workers: 3, workerEnv: { QUIVER_TEST_TASK_DELAY_MS: '300' } });
    const df = await connect(cluster);
    const running = quiverResult(aggregate(df));
    const victim = await cluster.waitForWorker((l) => l.msg === 'task started');
    victim.child.kill('SIGTERM');
    expect(await victim.exited).toBe(0);
    expect(victim.logs.some((l) => l.msg === 'worker stopped')).toBe(true);
    expect(diffResults(await running, want)).toBeNull();
    await cluster.scheduler.waitFor((l) => l.msg === 'worker lost' && l.reason === 'it shut down');
  });
});

describe('a slow worker', () => {
  it('does not stall the job: its straggling tasks get speculative copies elsewhere', async () => {
    const want = await expected();
    cluster = await TestCluster.start({ workers: 2 });
    await cluster.addWorker([], { QUIVER_TEST_TASK_DELAY_MS: '120000' });
    const df = await connect(cluster);
    const t0 = Date.now();
    expect(diffResults(await quiverResult(aggregate(df)), want)).toBeNull();
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(cluster.scheduler.logs.some((l) => l.msg === 'speculative copy')).toBe(true);
  });
});

describe('task failures', () => {
  it('a task that always throws fails the job after 4 attempts with its original message and stack', async () => {
    cluster = await TestCluster.start({ workers: 2 });
    const df = await connect(cluster);
    const err = await df.runPartitions({ module: FIXTURES, fn: 'alwaysThrows' }).then(() => null, (e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err!.name).toBe('ExecutionError');
    expect(err!.message).toMatch(/failed \(4 attempts\): deliberate failure in partition \d/);
    expect(err!.stack).toContain('fixtures.mjs');
    const attempts = cluster.scheduler.logs.filter((l) => l.msg === 'task failed');
    expect(attempts.length).toBeGreaterThanOrEqual(4);
    // Retries go to another worker: the first failing partition tried both.
    const p = attempts[0]!.partition;
    expect(new Set(attempts.filter((a) => a.partition === p).map((a) => a.worker)).size).toBe(2);
  });
});

describe('a barrier stage', () => {
  it('whose task fails kills the partners waiting for it: every attempt ends at once, not at their timeout', async () => {
    cluster = await TestCluster.start({ workers: 3 });
    const df = (await connect(cluster)).repartition(3).cache();
    await df.count();
    const started = Date.now();
    const err = await df.runPartitions({ module: FIXTURES, fn: 'failsWhilePartnersWait', barrier: true }).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/failed \(4 attempts\): deliberate failure in partition 0, attempt 3/);
    // Without the kills each attempt would last the partners' 30 s wait.
    expect(Date.now() - started).toBeLessThan(20_000);
    const kills = cluster.workers.flatMap((w) => w.logs).filter((l) => l.msg === 'tasks killed');
    expect(new Set(kills.map((l) => l.attempt))).toEqual(new Set([0, 1, 2, 3]));
  });

  it('that loses a worker to SIGKILL kills the partners waiting for it and reruns on the spare worker', async () => {
    cluster = await TestCluster.start({ workers: 4 });
    // Cached first, so the barrier job is one stage: every task it starts is a barrier task.
    const df = (await connect(cluster)).repartition(3).cache();
    await df.count();
    const before = new Set(cluster.workers.flatMap((w) => w.logs).map((l) => l.jobId));
    const barrierStarts = (w: Proc) => w.logs.filter((l) => l.msg === 'task started' && !before.has(l.jobId));
    const started = Date.now();
    const running = df.runPartitions({ module: FIXTURES, fn: 'waitsOnFirstAttempt', barrier: true });
    for (const t0 = Date.now(); cluster.workers.flatMap(barrierStarts).length < 3;) {
      if (Date.now() - t0 > 15_000) throw new Error('the 3 barrier tasks did not start within 15 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    await cluster.kill9(cluster.workers.find((w) => barrierStarts(w).length > 0)!);
    expect((await running).map((b) => b[0])).toEqual([0, 1, 2]);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(cluster.workers.flatMap((w) => w.logs).filter((l) => l.msg === 'tasks killed' && l.tasks > 0).length).toBeGreaterThanOrEqual(1);
  });
});

describe('concurrent jobs', () => {
  it('share the slots: a job submitted behind a long stage gets the next free slot, not the last one', async () => {
    cluster = await TestCluster.start({ workers: 1, workerEnv: { QUIVER_TEST_TASK_DELAY_MS: '150' } });
    const df = await connect(cluster);
    const long = df.repartition(8).runPartitions({ module: FIXTURES, fn: 'countRows' });
    const started = await cluster.scheduler.waitFor((l) => l.msg === 'task launched' && l.stage === 1);
    const short = session!.createDataFrame([{ x: 1 }]).runPartitions({ module: FIXTURES, fn: 'countRows' });
    await Promise.all([long, short]);
    const launches = cluster.scheduler.logs.filter((l) => l.msg === 'task launched');
    const lastOfLong = launches.findLastIndex((l) => l.job === started.job);
    const firstOfShort = launches.findIndex((l) => l.job !== started.job);
    expect(firstOfShort).toBeGreaterThan(0);
    expect(firstOfShort).toBeLessThan(lastOfLong);
  });
});

describe('memory', () => {
  it('a task that outgrows its heap fails with a clear out-of-memory error and the worker lives on; small --memory spills blocks', async () => {
    cluster = await TestCluster.start({ workers: 2, memory: '4k' });
    const df = await connect(cluster);
    const err = await df.limit(1).runPartitions({ module: FIXTURES, fn: 'exhaustMemory' }).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/failed \(4 attempts\): Task \d+\.0 ran out of memory: its thread may use 64 MB \(--memory \/ --cores, at least 64\)/);
    for (const w of cluster.workers) expect(w.child.exitCode).toBeNull();
    // 4 KiB of memory: the shuffle's blocks spill to the work dir, and the answer is still right.
    expect(diffResults(await quiverResult(aggregate(df)), await expected())).toBeNull();
    expect(cluster.workers.some((w) => w.logs.some((l) => l.msg === 'block spilled'))).toBe(true);
  });
});

describe('the scheduler', () => {
  it('dying mid-job is a clear error to the driver, not a hang; after a restart on the same port jobs run again', async () => {
    cluster = await TestCluster.start({ workers: 2, workerEnv: { QUIVER_TEST_TASK_DELAY_MS: '300' } });
    const df = await connect(cluster);
    const running = quiverResult(aggregate(df)).then(() => null, (e: Error) => e);
    await cluster.waitForWorker((l) => l.msg === 'task started');
    const t0 = Date.now();
    await cluster.kill9(cluster.scheduler);
    const err = await running;
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(err?.message).toMatch(/Lost the Quiver scheduler at 127\.0\.0\.1:\d+ while job .* ran \(it stopped or restarted\)/);

    const port = cluster.address.split(':')[1]!;
    const again = startProcess(['scheduler', '--port', port, '--heartbeat-timeout', '1500']);
    try {
      await again.waitFor((l) => l.msg === 'scheduler started');
      await again.waitFor((l) => l.msg === 'worker registered');
      expect(diffResults(await quiverResult(aggregate(df)), await expected())).toBeNull();
    } finally {
      again.child.kill('SIGKILL');
      await again.exited;
    }
  });
});
