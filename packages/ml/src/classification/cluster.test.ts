// LogisticRegression on a real cluster (bin/quiver scheduler + 2 worker processes): the partition functions'
// results come back over gRPC as Node Buffers at any byte offset, and the fit must not depend on that.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataFrame, Session } from '@quiver/core';
import { TestCluster } from '../../../../test/cluster/harness.js';
import { LogisticRegression } from './logistic-regression.js';

const fixture = JSON.parse(readFileSync(new URL('../../../../test/fixtures/ml/lr_logistic.json', import.meta.url), 'utf8')) as {
  data: { features: number[][]; weight: number[]; binomialLabel: number[]; multinomialLabel: number[] };
};

let cluster: TestCluster;
let remote: Session;
let local: Session;
beforeAll(async () => {
  cluster = await TestCluster.start({ workers: 2 });
  remote = await Session.builder().master(cluster.master).getOrCreate();
  local = await Session.builder().master('local[2]').getOrCreate();
});
afterAll(async () => {
  await remote?.stop();
  await local?.stop();
  await cluster?.stop();
});

function frame(s: Session, labels: number[]): DataFrame {
  const { features, weight } = fixture.data;
  return s.createDataFrame(features.map((f, i) => ({ features: Float64Array.from(f), label: labels[i]!, weight: weight[i]! }))).repartition(4);
}

describe('LogisticRegression on a 2-worker cluster', () => {
  for (const [family, labels] of [['binomial', fixture.data.binomialLabel], ['multinomial', fixture.data.multinomialLabel]] as const) {
    it(`${family}: fits the same model as local[2] (1e-9) and predicts on the cluster`, async () => {
      const lr = new LogisticRegression({ family, regParam: 0.05, elasticNetParam: 0.5, weightCol: 'weight', tol: 1e-10, maxIter: 500 });
      const onCluster = await lr.fit(frame(remote, labels));
      const inProcess = await lr.fit(frame(local, labels));
      for (let i = 0; i < onCluster.coefficientMatrix.length; i++) expect(Math.abs(onCluster.coefficientMatrix[i]! - inProcess.coefficientMatrix[i]!)).toBeLessThan(1e-9);
      for (let i = 0; i < onCluster.interceptVector.length; i++) expect(Math.abs(onCluster.interceptVector[i]! - inProcess.interceptVector[i]!)).toBeLessThan(1e-9);
      const predicted = await (await onCluster.transform(frame(remote, labels))).select('prediction').collect();
      expect(predicted).toHaveLength(labels.length);
    });
  }
});
