// The libxgboost binding against Python XGBoost: fixtures from python/fixtures/xgb_fixtures.py, and
// the venv's Python reading models that Quiver saved.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Booster, communicatorFinalize, communicatorInit, DMatrix, findLibXGBoost, Lane, loadXGBoost, Tracker,
  type ParamValue, type PredictionKind,
} from './native.js';

const ROOT = resolve(import.meta.dirname, '../../../..');
const FIXTURES = join(ROOT, 'test/fixtures/xgb');
const PYTHON = join(ROOT, '.venv/bin/python');
const KINDS: PredictionKind[] = ['value', 'margin', 'leaf', 'contributions'];

interface Fixture {
  rows: number;
  cols: number;
  x_f32_base64: string;
  y: number[];
  params: Record<string, ParamValue>;
  rounds: number;
  predictions: Record<string, string>;
  model_ubj_base64: string;
}

function f32(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

function fixture(name: string): Fixture & { x: Float32Array; label: Float32Array } {
  const doc = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Fixture;
  return { ...doc, x: f32(doc.x_f32_base64), label: Float32Array.from(doc.y) };
}

function columnsOf(x: Float32Array, rows: number, cols: number): Float32Array[] {
  return Array.from({ length: cols }, (_, j) => {
    const c = new Float32Array(rows);
    for (let i = 0; i < rows; i++) c[i] = x[i * cols + j];
    return c;
  });
}

async function train(f: ReturnType<typeof fixture>, dtrain: DMatrix): Promise<Booster> {
  dtrain.setLabel(f.label);
  const booster = Booster.create([dtrain], f.params);
  for (let i = 0; i < f.rounds; i++) await booster.updateOneIter(i, dtrain);
  return booster;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const tmp = mkdtempSync(join(tmpdir(), 'quiver-xgb-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('libxgboost loading', () => {
  it('finds the venv wheel and needs 2.1 or newer', () => {
    expect(findLibXGBoost({})).toMatch(/\.venv\/lib\/python3[^/]*\/site-packages\/xgboost\/lib\/libxgboost\.so$/);
    const lib = loadXGBoost();
    expect(lib.version[0] * 100 + lib.version[1]).toBeGreaterThanOrEqual(201);
  });

  it('names QUIVER_XGBOOST_LIB and how to install when it points nowhere', () => {
    expect(() => findLibXGBoost({ QUIVER_XGBOOST_LIB: '/nonexistent/libxgboost.so' })).toThrow(
      /QUIVER_XGBOOST_LIB=\/nonexistent\/libxgboost.so does not exist; run .\/scripts\/setup.sh/,
    );
  });
});

describe.each(['binary', 'regression', 'multiclass'])('%s: Quiver and Python XGBoost', (name) => {
  const f = fixture(name);

  it('trains on one worker to Python\'s predictions (within 1e-6), from dense rows and from columns', async () => {
    for (const dtrain of [
      await DMatrix.fromDense(f.x, f.rows, f.cols),
      await DMatrix.fromColumns(columnsOf(f.x, f.rows, f.cols)),
    ]) {
      expect([dtrain.numRow, dtrain.numCol]).toEqual([f.rows, f.cols]);
      const booster = await train(f, dtrain);
      for (const kind of KINDS) {
        const got = await booster.predict(dtrain, { kind });
        expect(maxAbsDiff(got.values, f32(f.predictions[kind])), kind).toBeLessThanOrEqual(1e-6);
      }
      booster.free();
      dtrain.free();
    }
  });

  it('loads the model Python saved and predicts exactly what Python predicted', async () => {
    const booster = await Booster.load(Buffer.from(f.model_ubj_base64, 'base64'));
    const dm = await DMatrix.fromDense(f.x, f.rows, f.cols);
    expect(booster.boostedRounds).toBe(f.rounds);
    for (const kind of KINDS) {
      expect((await booster.predict(dm, { kind })).values, kind).toEqual(f32(f.predictions[kind]));
    }
  });

  it('saves JSON and UBJSON models that Python loads and predicts from identically', async () => {
    const dm = await DMatrix.fromDense(f.x, f.rows, f.cols);
    const booster = await train(f, dm);
    const ours = Object.fromEntries(
      await Promise.all(KINDS.map(async (k) => [k, (await booster.predict(dm, { kind: k })).values] as const)),
    );
    for (const format of ['json', 'ubj'] as const) {
      const path = join(tmp, `${name}.${format}`);
      writeFileSync(path, await booster.save(format));
      const theirs = JSON.parse(
        execFileSync(PYTHON, [join(ROOT, 'python/fixtures/xgb_fixtures.py'), 'predict', path, join(FIXTURES, `${name}.json`)], {
          encoding: 'utf8',
        }),
      ) as Record<string, string>;
      for (const kind of KINDS) expect(f32(theirs[kind]), `${format} ${kind}`).toEqual(ours[kind]);
      // And the saved bytes load back into Quiver as the same model.
      const again = await Booster.load(readFileSync(path));
      expect((await again.predict(dm)).values).toEqual(ours.value);
    }
  });
});

describe('booster surface', () => {
  const f = fixture('binary');

  it('evaluates, reports feature importance, predicts strict shapes and base margins', async () => {
    const dm = await DMatrix.fromDense(f.x, f.rows, f.cols);
    const booster = await train(f, dm);
    booster.setFeatureNames(Array.from({ length: f.cols }, (_, j) => `x${j}`));
    const { metrics } = await booster.evalOneIter(f.rounds - 1, [['train', dm]]);
    expect(metrics['train-auc']).toBeGreaterThan(0.9);
    const gain = await booster.featureScore('gain');
    expect(gain.features.every((n) => /^x\d$/.test(n))).toBe(true);
    expect(gain.scores.every((s) => s > 0)).toBe(true);
    expect((await booster.predict(dm, { strictShape: true })).shape).toEqual([f.rows, 1]);
    // A base margin replaces the model's intercept: margins move by one constant, row i's by i's margin.
    const margin = (await booster.predict(dm, { kind: 'margin' })).values;
    const shifted = await DMatrix.fromDense(f.x, f.rows, f.cols);
    shifted.setBaseMargin(Float32Array.from({ length: f.rows }, (_, i) => i % 2));
    const m2 = (await booster.predict(shifted, { kind: 'margin' })).values;
    const shift = m2.map((v, i) => v - margin[i] - (i % 2));
    expect(maxAbsDiff(shift, new Float32Array(f.rows).fill(shift[0]))).toBeLessThan(1e-5);
    // Weights change the model.
    dm.setWeight(Float32Array.from(f.y, (y) => (y ? 5 : 1)));
    const weighted = await train(f, dm);
    expect((await weighted.predict(dm)).values).not.toEqual((await booster.predict(dm)).values);
  });

  it('a missing value other than NaN is treated as missing', async () => {
    const x = f.x.map((v) => (Number.isNaN(v) ? -999 : v));
    const a = await DMatrix.fromDense(f.x, f.rows, f.cols);
    const b = await DMatrix.fromDense(x, f.rows, f.cols, { missing: -999 });
    const booster = await train(f, a);
    expect((await booster.predict(b)).values).toEqual((await booster.predict(a)).values);
  });

  it('trains off the JS thread: timers keep firing while a round runs', async () => {
    const n = 200_000;
    const x = new Float32Array(n * 8).map((_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
    const dm = await DMatrix.fromDense(x, n, 8);
    dm.setLabel(Float32Array.from({ length: n }, (_, i) => x[i * 8] + x[i * 8 + 1]));
    const booster = Booster.create([dm], { tree_method: 'hist', max_depth: 8, nthread: 1 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    for (let i = 0; i < 5; i++) await booster.updateOneIter(i, dm);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(5);
  });
});

describe('bad input surfaces XGBoost\'s message', () => {
  const f = fixture('binary');

  it('labels outside the objective\'s range', async () => {
    const dm = await DMatrix.fromDense(f.x, f.rows, f.cols);
    dm.setLabel(Float32Array.from(f.y, (y, i) => (i === 17 ? 2 : y)));
    const booster = Booster.create([dm], { objective: 'binary:logistic' });
    await expect(booster.updateOneIter(0, dm)).rejects.toThrow(/^XGBoosterUpdateOneIter: .*label must be in \(0, 1\) for logistic regression$/s);
  });

  it('all-missing features', async () => {
    const dm = await DMatrix.fromDense(new Float32Array(f.rows * f.cols).fill(NaN), f.rows, f.cols);
    dm.setLabel(f.label);
    const booster = Booster.create([dm], { objective: 'binary:logistic' });
    // XGBoost itself would fit a single-leaf tree and predict one constant.
    await expect(booster.updateOneIter(0, dm)).rejects.toThrow(
      `every feature value of the training data is missing (${f.rows} rows × ${f.cols} features)`,
    );
  });

  it('a feature count at predict time other than the model\'s', async () => {
    const dm = await DMatrix.fromDense(f.x, f.rows, f.cols);
    const booster = await train(f, dm);
    const columns = columnsOf(f.x, f.rows, f.cols);
    const narrow = await DMatrix.fromColumns(columns.slice(0, f.cols - 1));
    await expect(booster.predict(narrow)).rejects.toThrow(
      'the model was trained on 6 features but the data to predict has 5',
    );
    const wide = await DMatrix.fromColumns([...columns, columns[0]]);
    await expect(booster.predict(wide)).rejects.toThrow('the model was trained on 6 features but the data to predict has 7');
  });

  it('an unknown parameter name', async () => {
    const dm = await DMatrix.fromDense(f.x, f.rows, f.cols);
    dm.setLabel(f.label);
    const booster = Booster.create([dm], { objective: 'binary:logistic', max_dpeth: 3 });
    await expect(booster.updateOneIter(0, dm)).rejects.toThrow(/XGBoosterUpdateOneIter: .*Parameters: \{ "max_dpeth" \} are not used/s);
  });

  it('a parameter value XGBoost rejects', async () => {
    const dm = await DMatrix.fromDense(f.x, f.rows, f.cols);
    dm.setLabel(f.label);
    const booster = Booster.create([dm], { max_depth: 'deep' });
    await expect(booster.updateOneIter(0, dm)).rejects.toThrow(/XGBoosterUpdateOneIter: .*max_depth/s);
  });

  it('a corrupt model buffer', async () => {
    await expect(Booster.load(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow(/^XGBoosterLoadModelFromBuffer: /);
  });

  it('dense data whose length is not rows × columns', async () => {
    await expect(DMatrix.fromDense(new Float32Array(10), 3, 4)).rejects.toThrow(/data has 10 values, not nrow\*ncol = 12/);
  });
});

describe('collective training on lanes', () => {
  const f = fixture('binary');

  it('two workers joined by a tracker train one model, equal on every rank', async () => {
    const tracker = Tracker.start(2, { timeoutSeconds: 60 });
    const half = f.rows / 2;
    const models = await Promise.all([0, 1].map(async (task) => {
      const lane = new Lane();
      try {
        const { rank, worldSize } = await communicatorInit(tracker.workerArgs, task, lane);
        expect([rank, worldSize]).toEqual([task, 2]);
        const dm = await DMatrix.fromDense(f.x.subarray(task * half * f.cols, (task + 1) * half * f.cols), half, f.cols, { lane });
        dm.setLabel(f.label.subarray(task * half, (task + 1) * half));
        const booster = Booster.create([dm], f.params);
        for (let i = 0; i < f.rounds; i++) await booster.updateOneIter(i, dm, lane);
        const { metrics } = await booster.evalOneIter(f.rounds - 1, [['train', dm]], lane);
        const bytes = await booster.save('ubj', lane);
        await communicatorFinalize(lane);
        return { bytes, auc: metrics['train-auc'] };
      } finally {
        lane.close();
      }
    }));
    await tracker.wait(30);
    tracker.free();
    expect(Buffer.compare(models[0].bytes, models[1].bytes)).toBe(0);
    // The AUC is allreduced over both halves: the same on both ranks.
    expect(models[0].auc).toBe(models[1].auc);
    // Trained on all rows (histograms summed over workers): as good as the single-process model.
    const model = await Booster.load(models[0].bytes);
    const dm = await DMatrix.fromDense(f.x, f.rows, f.cols);
    const p = (await model.predict(dm)).values;
    const py = f32(f.predictions.value);
    expect(maxAbsDiff(p, py)).toBeLessThan(0.05);
  });
});
