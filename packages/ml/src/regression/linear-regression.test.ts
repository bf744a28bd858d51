import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataFrame, Session, SparseVector } from '@quiver/core';
import { LinearRegression, type LinearRegressionParams } from './linear-regression.js';

// Spark MLlib fits made by python/fixtures/ml_lr.py.
interface Case { name: string; params: Partial<LinearRegressionParams>; coefficients: number[]; intercept: number }
const fixture = JSON.parse(readFileSync(new URL('../../../../test/fixtures/ml/lr_linear.json', import.meta.url), 'utf8')) as {
  data: { features: number[][]; weight: number[]; label: number[] }; cases: Case[];
};

let spark: Session;
beforeAll(async () => { spark = await Session.builder().master('local[2]').getOrCreate(); });
afterAll(async () => { await spark.stop(); });

function frame(partitions: number): DataFrame {
  const { features, weight, label } = fixture.data;
  return spark.createDataFrame(features.map((f, i) => ({ features: Float64Array.from(f), label: label[i]!, weight: weight[i]! }))).repartition(partitions);
}

describe('LinearRegression matches Spark MLlib', () => {
  for (const c of fixture.cases) {
    it(`${c.name}: coefficients and intercept within 1e-4`, async () => {
      const model = await new LinearRegression({ ...c.params, tol: 1e-12, maxIter: 2000 }).fit(frame(2));
      c.coefficients.forEach((v, j) => expect(Math.abs(model.coefficients[j]! - v), `coef[${j}]`).toBeLessThan(1e-4));
      expect(Math.abs(model.intercept - c.intercept)).toBeLessThan(1e-4);
    });
  }
});

describe('LinearRegression', () => {
  for (const solver of ['normal', 'l-bfgs'] as const) {
    it(`${solver}: 1, 2 and 8 partitions agree to 1e-6`, async () => {
      const fits = [];
      for (const p of [1, 2, 8]) fits.push(await new LinearRegression({ regParam: 0.1, elasticNetParam: 0.3, solver, tol: 1e-12, maxIter: 2000 }).fit(frame(p)));
      for (const m of fits.slice(1)) {
        m.coefficients.forEach((v, j) => expect(Math.abs(v - fits[0]!.coefficients[j]!)).toBeLessThan(1e-6));
        expect(Math.abs(m.intercept - fits[0]!.intercept)).toBeLessThan(1e-6);
      }
    });
  }

  it('sparse vectors fit the same as dense, with both solvers', async () => {
    const { features, label } = fixture.data;
    const dense = features.map((f, i) => f.map((v, j) => ((i + j) % 3 === 0 ? 0 : v)));
    const sparse = dense.map((f) => SparseVector.of(f.length, f.flatMap((v, j) => (v !== 0 ? [j] : [])), f.filter((v) => v !== 0)));
    for (const solver of ['normal', 'l-bfgs'] as const) {
      const fit = (rows: unknown[]) => new LinearRegression({ regParam: 0.1, elasticNetParam: 0.5, solver, tol: 1e-12, maxIter: 2000 })
        .fit(spark.createDataFrame(rows.map((f, i) => ({ features: f, label: label[i]! }))).repartition(3));
      const a = await fit(dense.map((f) => Float64Array.from(f)));
      const b = await fit(sparse);
      a.coefficients.forEach((v, j) => expect(Math.abs(b.coefficients[j]! - v)).toBeLessThan(1e-8));
      expect(Math.abs(b.intercept - a.intercept)).toBeLessThan(1e-8);
    }
  });

  it('predicts on the workers', async () => {
    const df = frame(3);
    const model = await new LinearRegression().fit(df);
    const rows = await (await model.transform(df)).collect();
    for (const r of rows.slice(0, 5)) {
      const x = r.features as Float64Array;
      expect(r.prediction).toBeCloseTo(model.intercept + x.reduce((s, v, j) => s + v * model.coefficients[j]!, 0), 10);
    }
    expect(model.summary!.objectiveHistory.length).toBeGreaterThan(0);
    let sse = 0, sae = 0, sy = 0, syy = 0;
    for (const r of rows) { const e = (r.label as number) - (r.prediction as number); sse += e * e; sae += Math.abs(e); sy += r.label as number; syy += (r.label as number) ** 2; }
    const n = rows.length;
    const m = await model.summary!.metrics();
    expect(m.numInstances).toBe(n);
    expect(m.meanSquaredError).toBeCloseTo(sse / n, 10);
    expect(m.rootMeanSquaredError).toBeCloseTo(Math.sqrt(sse / n), 10);
    expect(m.meanAbsoluteError).toBeCloseTo(sae / n, 10);
    expect(m.r2).toBeCloseTo(1 - sse / (syy - (sy * sy) / n), 10);
  });

  it('null features and labels are clear errors naming the column', async () => {
    const df = spark.createDataFrame([{ f: Float64Array.of(1, 2), y: 1.5 }, { f: Float64Array.of(0, 1), y: null }]);
    await expect(new LinearRegression({ featuresCol: 'f', labelCol: 'y' }).fit(df)).rejects.toThrow(/labelCol 'y' has 1 null rows/);
    for (const solver of ['normal', 'l-bfgs'] as const) {
      const nullRow = spark.createDataFrame([{ f: Float64Array.of(1, 2), y: 1.5 }, { f: null, y: 2 }, { f: Float64Array.of(0, 1), y: 0.5 }]);
      await expect(new LinearRegression({ featuresCol: 'f', labelCol: 'y', solver }).fit(nullRow)).rejects.toThrow(/featuresCol 'f' has 1 null rows/);
      const nan = spark.createDataFrame([{ f: Float64Array.of(1, NaN), y: 1.5 }, { f: Float64Array.of(0, 1), y: 0.5 }, { f: Float64Array.of(2, 1), y: 1 }]);
      await expect(new LinearRegression({ featuresCol: 'f', labelCol: 'y', solver }).fit(nan)).rejects.toThrow(/featuresCol 'f' has 1 NaN or infinite values/);
    }
  });

  it("solver 'auto' takes the normal equations up to 4096 features and L-BFGS above, as Spark", async () => {
    // 4097 sparse features: 'auto' must fit exactly what 'l-bfgs' fits (the normal equations would need a 4097² gramian).
    const rows = (d: number) => Array.from({ length: 60 }, (_, i) => {
      const idx = [i % 7, 7 + (i % 5), d - 1 - (i % 3)];
      const val = [1 + (i % 4), 0.5 * ((i * 13) % 9) - 2, (i % 2) + 0.25];
      return { features: SparseVector.of(d, idx, val), label: 2 * val[0]! - val[1]! + 0.5 * val[2]! + ((i * 31) % 11) / 11 };
    });
    const fit = (d: number, solver: 'auto' | 'normal' | 'l-bfgs') => new LinearRegression({ regParam: 0.1, solver, tol: 1e-9, maxIter: 500 })
      .fit(spark.createDataFrame(rows(d)).repartition(2));
    const [wide, wideLbfgs] = [await fit(4097, 'auto'), await fit(4097, 'l-bfgs')];
    expect(Array.from(wide.coefficients)).toEqual(Array.from(wideLbfgs.coefficients));
    expect(wide.intercept).toBe(wideLbfgs.intercept);
    expect(wide.summary!.totalIterations).toBeGreaterThan(1);
    const [narrow, narrowNormal, narrowLbfgs] = [await fit(40, 'auto'), await fit(40, 'normal'), await fit(40, 'l-bfgs')];
    expect(Array.from(narrow.coefficients)).toEqual(Array.from(narrowNormal.coefficients));
    expect(Array.from(narrow.coefficients)).not.toEqual(Array.from(narrowLbfgs.coefficients));
  });
});
