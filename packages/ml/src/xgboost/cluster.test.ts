// XGBoost training on a real cluster (bin/quiver scheduler + 3 worker processes): one barrier task per
// worker process, joined by the tracker the driver's broker starts; kill -9 of a worker mid-training.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataFrame, Session } from '@quiver/core';
import { TestCluster } from '../../../../test/cluster/harness.js';
import { areaUnderROC, countsFromRows } from '../evaluation/binary-metrics.js';
import { XGBoostClassifier } from './estimator.js';

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

describe('XGBoost on a 3-worker cluster', () => {
  it('three barrier tasks on three worker processes train a model as good as one worker', async () => {
    const params = { numRound: 8, maxDepth: 4, eta: 0.3, maxBin: 64, seed: 0, nthread: 1 };
    const three = await new XGBoostClassifier({ ...params, numWorkers: 3 }).fit(frame(spark));
    const one = await new XGBoostClassifier(params).fit(frame(spark));
    expect(Math.abs((await auc(three, spark)) - (await auc(one, spark)))).toBeLessThan(0.01);
  });

  it('kill -9 of a worker while the barrier stage trains: the stage reruns on a fresh tracker and returns a model', async () => {
    await cluster.addWorker(); // a spare slot, so the rerun still finds 3
    const jobNumber = (l: Record<string, unknown>) => Number(/job(\d+)$/.exec(String(l.jobId))?.[1] ?? -1);
    const seen = Math.max(-1, ...cluster.workers.flatMap((w) => w.logs.map(jobNumber)));
    const training = new XGBoostClassifier({ numRound: 3000, maxDepth: 4, nthread: 1, numWorkers: 3 }).fit(frame(spark))
      .then((m) => m, (e: Error) => e);
    // Job seen + 1 scans the labels; seen + 2 is the barrier training stage.
    const victim = await cluster.waitForWorker((l) => l.msg === 'task started' && jobNumber(l) >= seen + 2, 30_000);
    await new Promise((r) => setTimeout(r, 300));
    await cluster.kill9(victim);
    const model = await training;
    if (model instanceof Error) throw model;
    expect(await auc(model, spark)).toBeGreaterThan(0.9);
    const reruns = cluster.workers.flatMap((w) => w.logs).filter((l) => l.msg === 'task started' && jobNumber(l) >= seen + 2 && Number(l.attempt) > 0);
    expect(reruns.length).toBeGreaterThanOrEqual(3);
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
