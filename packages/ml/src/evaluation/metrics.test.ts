import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { areaUnderPR, areaUnderROC, countsFromRows } from './binary-metrics.js';
import { confusionFromRows, logLossSums, multiclassMetric, type MulticlassMetricName } from './multiclass-metrics.js';
import { regressionMetric, regressionSums, type RegressionMetricName } from './regression-metrics.js';

// Made by python/fixtures/ml_features.py (scikit-learn; Spark's PR rule and numBins checked with pyspark).
const fixtures = JSON.parse(readFileSync(new URL('../../../../test/fixtures/ml/features-evaluators.json', import.meta.url), 'utf8'));

interface BinaryCase { name: string; label: number[]; score: number[]; weight?: number[]; numBins?: number; areaUnderROC: number; areaUnderPR: number }
interface MulticlassCase { name: string; label: number[]; prediction: number[]; probability: number[][] | null; weight: number[] | null; logLoss?: number; [m: string]: unknown }
interface RegressionCase { name: string; label: number[]; prediction: number[]; weight: number[] | null; [m: string]: unknown }

const close = (got: number, want: number) => expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-9);

describe('binary classification metrics equal scikit-learn (ties as one threshold, Spark PR start point)', () => {
  for (const c of fixtures.binary as BinaryCase[]) {
    it(c.name, () => {
      const counts = countsFromRows(c.score, c.label, c.weight);
      close(areaUnderROC(counts, c.numBins ?? 0), c.areaUnderROC);
      close(areaUnderPR(counts, c.numBins ?? 0), c.areaUnderPR);
    });
  }

  it('numBins down-sampling changes nothing below 2 * numBins distinct scores', () => {
    const c = (fixtures.binary as BinaryCase[])[0]!;
    const counts = countsFromRows(c.score, c.label);
    expect(areaUnderROC(counts, 1000)).toBe(areaUnderROC(counts, 0));
  });
});

describe('multiclass metrics equal scikit-learn weighted averages', () => {
  for (const c of fixtures.multiclass as MulticlassCase[]) {
    it(c.name, () => {
      const confusion = confusionFromRows(c.label, c.prediction, c.weight ?? undefined);
      for (const m of ['accuracy', 'f1', 'weightedPrecision', 'weightedRecall'] as MulticlassMetricName[]) close(multiclassMetric(confusion, m), c[m] as number);
      if (c.probability) {
        const p = c.probability.map((row, i) => row[c.label[i]!]!);
        const s = logLossSums(p, c.weight ?? undefined);
        close(s.loss / s.weight, c.logLoss!);
      }
    });
  }
});

describe('regression metrics equal scikit-learn', () => {
  for (const c of fixtures.regression as RegressionCase[]) {
    it(c.name, () => {
      const s = regressionSums(c.label, c.prediction, c.weight ?? undefined);
      for (const m of ['rmse', 'mse', 'mae', 'r2'] as RegressionMetricName[]) close(regressionMetric(s, m), c[m] as number);
    });
  }
});
