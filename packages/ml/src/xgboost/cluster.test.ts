// XGBoost training on a real cluster (bin/quiver scheduler + 3 worker processes): one barrier task per
// worker process, joined by the tracker the driver's broker starts; kill -9 of a worker as the group forms and mid-training.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataFrame, F, Session, col } from '@quiver/core';
import { TestCluster } from '../../../../test/cluster/harness.js';
import { areaUnderROC, countsFromRows } from '../evaluation/binary-metrics.js';
import { XGBoostClassifier } from './estimator.js';
import { TCP_LISTEN, socketFds, tcpSockets } from './proc-sockets.js';

const FIXTURE = JSON.parse(readFileSync(join(resolve(import.meta.dirname, '../../../..'), 'test/fixtures/xgb/binary.json'), 'utf8')) as {
  rows: number; cols: number; x_f32_base64: string; y: number[];
};
const floats = (b64: string) => { const b = Buffer.from(b64, 'base64'); return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); };
const X = floats(FIXTURE.x_f32_base64);

// xgboost.dask on a 3-worker LocalCluster, made by python/fixtures/xgb_dask_fixture.py.
const DASK = JSON.parse(readFileSync(join(resolve(import.meta.dirname, '../../../..'), 'test/fixtures/xgb/dask_binary.json'), 'utf8')) as {
  cols: number; workers: number; rounds: number; params: { max_depth: number; eta: number; max_bin: number; seed: number };
  x_train_f32_base64: string; y_train: number[]; x_test_f32_base64: string; y_test: number[]; dask_test_auc: number;
};

let cluster: TestCluster;
let spark: Session;
beforeAll(async () => {
  cluster = await TestCluster.start({ workers: 3 });
  spark = await Session.builder().master(cluster.master).getOrCreate();
});
afterAll(async () => {
  await spark?.stop();
  await cluster?.stop();
});

function frame(s: Session): DataFrame {
  const rows = Array.from({ length: FIXTURE.rows }, (_, i) => ({
    id: i, features: Float64Array.from(X.subarray(i * FIXTURE.cols, (i + 1) * FIXTURE.cols)), label: FIXTURE.y[i]!,
  }));
  return s.createDataFrame(rows).repartition(3);
}

async function auc(model: Awaited<ReturnType<XGBoostClassifier['fit']>>, s: Session): Promise<number> {
  const rows = await (await model.transform(frame(s))).orderBy('id').collect();
  return areaUnderROC(countsFromRows(rows.map((r) => (r.probability as Float64Array)[1]!), FIXTURE.y), 0);
}

/** TCP ports this process listens on (the driver: its block server, the tracker broker, each attempt's tracker). */
function listeningPorts(): number[] {
  const fds = socketFds();
  return [...tcpSockets()].filter(([inode, s]) => s.state === TCP_LISTEN && fds.has(inode)).map(([, s]) => s.localPort).sort((a, b) => a - b);
}

/** Waits until the training stage (job seen + 2) runs all 3 tasks: they are reading their rows or forming the group. */
async function untilTrainingStarted(seen: number): Promise<void> {
  const starts = () => cluster.workers.flatMap((w) => w.logs).filter((l) => l.msg === 'task started' && jobNumber(l) >= seen + 2);
  await until(() => starts().length >= 3, 30_000);
}

/** Waits until the training stage runs all 3 tasks, the broker and attempt 0's tracker listen, and a second more: training. */
async function untilGroupFormed(seen: number, portsBefore: number): Promise<void> {
  await untilTrainingStarted(seen);
  await until(() => listeningPorts().length >= portsBefore + 2, 20_000);
  await new Promise((r) => setTimeout(r, 1000));
}

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const jobNumber = (l: Record<string, unknown>) => Number(/job(\d+)$/.exec(String(l.jobId))?.[1] ?? -1);

describe('XGBoost on a 3-worker cluster', () => {
  it('three barrier tasks on three worker processes train a model as good as one worker', async () => {
    const params = { numRound: 8, maxDepth: 4, eta: 0.3, maxBin: 64, seed: 0, nthread: 1 };
    const three = await new XGBoostClassifier({ ...params, numWorkers: 3 }).fit(frame(spark));
    const one = await new XGBoostClassifier(params).fit(frame(spark));
    expect(Math.abs((await auc(three, spark)) - (await auc(one, spark)))).toBeLessThan(0.01);
  });

  it('kill -9 of a worker while the group forms: its partners are killed, the stage reruns on a fresh tracker and returns a model', async () => {
    await cluster.addWorker(); // a spare slot, so the rerun still finds 3
    const portsBefore = listeningPorts();
    const seen = Math.max(-1, ...cluster.workers.flatMap((w) => w.logs.map(jobNumber)));
    const started = Date.now();
    // Without the scheduler killing them, the partners would wait for the lost task until the timeout; with it, they
    // fail at once, except that a partner already in the group can still wait out the timeout when libxgboost's
    // socket loop ends without waking its collective call (1 kill in 3-5 under load): 20 s keeps that within the test.
    const training = new XGBoostClassifier({ numRound: 3000, maxDepth: 4, nthread: 1, numWorkers: 3, timeout: 20 }).fit(frame(spark))
      .then((m) => m, (e: Error) => e);
    // Job seen + 1 scans the labels; seen + 2 is the barrier training stage.
    const victim = await cluster.waitForWorker((l) => l.msg === 'task started' && jobNumber(l) >= seen + 2, 30_000);
    await untilTrainingStarted(seen);
    await cluster.kill9(victim);
    const model = await training;
    if (model instanceof Error) throw model;
    expect(await auc(model, spark)).toBeGreaterThan(0.9);
    const reruns = cluster.workers.flatMap((w) => w.logs).filter((l) => l.msg === 'task started' && jobNumber(l) >= seen + 2 && Number(l.attempt) > 0);
    expect(reruns.length).toBeGreaterThanOrEqual(3);
    expect(Date.now() - started).toBeLessThan(50_000);
    // Both attempts' trackers and the broker are closed: the driver listens on what it listened on before.
    expect(listeningPorts()).toEqual(portsBefore);
  });
});

describe('XGBoost on a 3-worker cluster against xgboost.dask', () => {
  it('3 barrier tasks on the cluster reach the test AUC of xgboost.dask on 3 workers, within 0.002', async () => {
    const { cols, workers } = DASK;
    const rowsOf = (x: Float32Array, y: number[], from: number, to: number) => Array.from({ length: to - from }, (_, k) => ({
      features: Float64Array.from(x.subarray((from + k) * cols, (from + k + 1) * cols)), label: y[from + k]!,
    }));
    const xTrain = floats(DASK.x_train_f32_base64), xTest = floats(DASK.x_test_f32_base64);
    // The training rows in the same 3 contiguous chunks as the dask array, one partition each.
    const chunk = DASK.y_train.length / workers;
    let train = spark.createDataFrame(rowsOf(xTrain, DASK.y_train, 0, chunk));
    for (let w = 1; w < workers; w++) train = train.union(spark.createDataFrame(rowsOf(xTrain, DASK.y_train, w * chunk, (w + 1) * chunk)));
    const { max_depth, eta, max_bin, seed } = DASK.params;
    const model = await new XGBoostClassifier({
      numRound: DASK.rounds, maxDepth: max_depth, eta, maxBin: max_bin, seed, nthread: 1, numWorkers: workers, timeout: 120,
    }).fit(train);
    const test = spark.createDataFrame(rowsOf(xTest, DASK.y_test, 0, DASK.y_test.length).map((r, id) => ({ id, ...r })));
    const scored = await (await model.transform(test)).orderBy('id').collect();
    const auc = areaUnderROC(countsFromRows(scored.map((r) => (r.probability as Float64Array)[1]!), DASK.y_test), 0);
    expect(Math.abs(auc - DASK.dask_test_auc)).toBeLessThan(0.002);
  });
});

describe('XGBoost on a cluster whose training task fails every attempt', () => {
  it('the barrier stage is rerun as a whole up to the retry limit, then fails with the task\'s error; no tracker port left open', async () => {
    const portsBefore = listeningPorts();
    const seen = Math.max(-1, ...cluster.workers.flatMap((w) => w.logs.map(jobNumber)));
    // A null weight is read only by the training tasks: one of the three fails on every attempt, before joining the group.
    const df = frame(spark).withColumn('w', F.when(col('id').equalTo(7), null).otherwise(1.0));
    const started = Date.now();
    const outcome = await new XGBoostClassifier({ numRound: 5, maxDepth: 4, nthread: 1, numWorkers: 3, weightCol: 'w', timeout: 60 }).fit(df)
      .then(() => null, (e: Error) => e);
    // The cause, not the partners' broken collective calls that followed it.
    expect(outcome?.message).toMatch(/^(Task \d+\.\d failed \(4 attempts\): )?weightCol 'w' is null in row \d+ of partition \d/);
    expect(outcome?.message).toMatch(/failed \(4 attempts\)|in attempt 3/);
    expect(Date.now() - started).toBeLessThan(45_000);
    // Four attempts of the three tasks, each attempt with all three tasks (the group is per attempt).
    const starts = cluster.workers.flatMap((w) => w.logs).filter((l) => l.msg === 'task started' && jobNumber(l) > seen);
    const barrier = starts.find((l) => Number(l.attempt) === 3)!; // a task of the training stage's last attempt
    const attempts = new Map<number, number>();
    for (const l of starts.filter((x) => x.jobId === barrier.jobId && x.stageId === barrier.stageId)) attempts.set(Number(l.attempt), (attempts.get(Number(l.attempt)) ?? 0) + 1);
    expect([...attempts.entries()].sort((a, b) => a[0] - b[0])).toEqual([[0, 3], [1, 3], [2, 3], [3, 3]]);
    expect(listeningPorts()).toEqual(portsBefore);
  });
});

describe('XGBoost on a cluster that loses a worker it cannot replace', () => {
  it('kill -9 mid-training with no spare slot: the rerun is refused with a clear error, no hang, no tracker port left open', async () => {
    // After the tests above the cluster has 3 live workers (4 started, one killed): exactly the 3 slots training needs.
    const portsBefore = listeningPorts();
    const seen = Math.max(-1, ...cluster.workers.flatMap((w) => w.logs.map(jobNumber)));
    const started = Date.now();
    // A survivor may wait out the timeout (see the test above), hence 20 s.
    const training = new XGBoostClassifier({ numRound: 3000, maxDepth: 4, nthread: 1, numWorkers: 3, timeout: 20 }).fit(frame(spark))
      .then((m) => m, (e: Error) => e);
    const victim = await cluster.waitForWorker((l) => l.msg === 'task started' && jobNumber(l) >= seen + 2, 30_000);
    await untilGroupFormed(seen, portsBefore.length);
    await cluster.kill9(victim);
    const outcome = await training;
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toMatch(/barrier stage needs all 3 tasks to run at once, but the cluster has 2 task slots now/);
    expect(Date.now() - started).toBeLessThan(45_000); // the surviving partners fail at once, or at worst at the 20 s timeout
    expect(listeningPorts()).toEqual(portsBefore);
  });
});
