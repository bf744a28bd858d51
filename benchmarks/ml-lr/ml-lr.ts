// `pnpm bench ml-lr [--rows 1e6] [--reg 1e-3] [--tol 1e-6] [--reps 2] [--quick]`
//
// L2 logistic regression on HIGGS-like data (rows × 28 float features, binary label, fixed seed): Quiver's
// LogisticRegression on local[2] (2 partitions, distributed L-BFGS passes) against scikit-learn's lbfgs with
// 2 BLAS threads, in the same run on the same file. Both minimize the same objective (standardization off:
// mean log-loss + reg/2 ||w||²); each engine's final objective and its distance from the other's coefficients
// are reported beside its time, so a fast unconverged fit would show. Only fit() is timed, on a cached DataFrame;
// each engine runs --reps times and its fastest fit is reported (the box is shared, so the minimum is the signal).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as arrow from 'apache-arrow';
import { Session } from '@quiver/core';
import { LogisticRegression } from '@quiver/ml';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const DATA_DIR = join(HERE, '..', 'data');
const RESULTS_DIR = join(HERE, '..', 'results');
const PYTHON = join(ROOT, '.venv', 'bin', 'python');
const FEATURES = 28;
const COLS = FEATURES + 1; // label first
const SEED = 20261125;

/** mulberry32 → [0, 1). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * HIGGS's shape: 21 low-level kinematic-like features (momenta ~ exponential, angles ~ uniform, discrete tags)
 * and 7 high-level nonlinear combinations; the label is a noisy function of them (about 53% positive).
 */
function generate(rows: number): Float32Array {
  const r = rng(SEED);
  const out = new Float32Array(rows * COLS);
  const f = new Float64Array(FEATURES);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < 21; j++) {
      const k = j % 4;
      f[j] = k === 0 ? -Math.log(1 - r()) : k === 1 ? (r() * 2 - 1) * 2.4 : k === 2 ? (r() * 2 - 1) * Math.PI : (r() < 0.3 ? 2 : 0);
    }
    for (let j = 21; j < FEATURES; j++) {
      const a = f[(j * 3) % 21]!, b = f[(j * 5 + 1) % 21]!, c = f[(j * 7 + 2) % 21]!;
      f[j] = Math.sqrt(Math.abs(a * b + Math.cos(c) * a + 0.5 * b * b));
    }
    const z = 0.8 * (f[21]! - 1.2) - 0.6 * (f[22]! - 1) + 0.5 * Math.sin(f[2]!) * f[0]! + 0.4 * f[3]! * (f[4]! - 1) + 0.3 * f[8]! - 0.2 * f[12]! + 0.1;
    out[i * COLS] = r() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    for (let j = 0; j < FEATURES; j++) out[i * COLS + 1 + j] = f[j]!;
  }
  return out;
}

function dataFile(rows: number): string {
  const path = join(DATA_DIR, `higgs-like-lr-${rows}-s${SEED}.f32`);
  if (!existsSync(path)) {
    mkdirSync(DATA_DIR, { recursive: true });
    const a = generate(rows);
    writeFileSync(path, new Uint8Array(a.buffer));
  }
  return path;
}

/** mean log-loss + reg/2 ||w||², the objective both engines minimize. */
function objective(x: Float64Array, y: Float64Array, w: ArrayLike<number>, b: number, reg: number): number {
  const n = y.length;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let m = b;
    for (let j = 0; j < FEATURES; j++) m += w[j]! * x[i * FEATURES + j]!;
    loss += (m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m))) - y[i]! * m;
  }
  let r = 0;
  for (let j = 0; j < FEATURES; j++) r += w[j]! * w[j]!;
  return loss / n + (reg / 2) * r;
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { rows: { type: 'string' }, reg: { type: 'string' }, tol: { type: 'string' }, reps: { type: 'string' }, quick: { type: 'boolean' } } });
  const reps = Math.max(1, Number(values.reps ?? 2));
  const rows = Number(values.rows ?? (values.quick ? 1e5 : 1e6));
  const reg = Number(values.reg ?? 1e-3);
  const tol = Number(values.tol ?? 1e-6);
  const path = dataFile(rows);
  const raw = new Float32Array(readFileSync(path).buffer.slice(0));
  const x = new Float64Array(rows * FEATURES), y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    y[i] = raw[i * COLS]!;
    for (let j = 0; j < FEATURES; j++) x[i * FEATURES + j] = raw[i * COLS + 1 + j]!;
  }
  console.log(`ml-lr: ${rows} rows × ${FEATURES} features, regParam ${reg}, tol ${tol}`);

  type SkResult = { seconds: number; iterations: number; coefficients: number[]; intercept: number };
  let sk: SkResult | null = null;
  for (let r = 0; r < reps; r++) {
    const run = JSON.parse(execFileSync(PYTHON, [join(HERE, 'sklearn_ref.py'), path, String(rows), String(FEATURES), String(reg), String(tol)], {
      env: { ...process.env, OMP_NUM_THREADS: '2', OPENBLAS_NUM_THREADS: '2', MKL_NUM_THREADS: '2' }, encoding: 'utf8',
    })) as SkResult;
    if (!sk || run.seconds < sk.seconds) sk = run;
  }
  if (!sk) throw new Error('unreachable: reps >= 1');

  const spark = await Session.builder().master('local[2]').getOrCreate();
  const features = arrow.makeData({
    type: new arrow.FixedSizeList(FEATURES, new arrow.Field('element', new arrow.Float64(), false)), length: rows, nullCount: 0,
    child: arrow.makeData({ type: new arrow.Float64(), length: rows * FEATURES, nullCount: 0, data: x }),
  });
  const label = arrow.makeData({ type: new arrow.Float64(), length: rows, nullCount: 0, data: y });
  const schema = new arrow.Schema([
    new arrow.Field('features', features.type, false, new Map([['quiver.vector', 'dense']])),
    new arrow.Field('label', new arrow.Float64(), false),
  ]);
  const table = new arrow.Table(schema, new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: rows, nullCount: 0, children: [features, label] })));
  // Cached before the clock starts, as scikit-learn's arrays are in memory before fit().
  const df = spark.createDataFrame(table).cache();
  await df.count();
  let qSeconds = Infinity;
  let model!: Awaited<ReturnType<LogisticRegression['fit']>>;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    model = await new LogisticRegression({ regParam: reg, standardization: false, tol, maxIter: 1000 }).fit(df);
    qSeconds = Math.min(qSeconds, (performance.now() - t0) / 1000);
  }
  await spark.stop();

  const qObj = objective(x, y, model.coefficients, model.intercept, reg);
  const sObj = objective(x, y, sk.coefficients, sk.intercept, reg);
  let maxDiff = Math.abs(model.intercept - sk.intercept);
  for (let j = 0; j < FEATURES; j++) maxDiff = Math.max(maxDiff, Math.abs(model.coefficients[j]! - sk.coefficients[j]!));
  const result = {
    workload: 'ml-lr', rows, features: FEATURES, regParam: reg, tol, reps, seed: SEED, date: new Date().toISOString(),
    engines: [
      { engine: 'quiver local[2]', seconds: qSeconds, iterations: model.summary!.totalIterations, objective: qObj },
      { engine: 'scikit-learn lbfgs (2 threads)', seconds: sk.seconds, iterations: sk.iterations, objective: sObj },
    ],
    maxAbsCoefficientDiff: maxDiff,
    ratio: qSeconds / sk.seconds,
  };
  const table2 = [
    '| engine | fit (s) | iterations | objective |',
    '|---|---:|---:|---:|',
    ...result.engines.map((e) => `| ${e.engine} | ${e.seconds.toFixed(2)} | ${e.iterations} | ${e.objective.toFixed(10)} |`),
    '',
    `max |coefficient difference| = ${maxDiff.toExponential(2)}; Quiver / scikit-learn time = ${result.ratio.toFixed(2)} (target <= 1)`,
  ].join('\n');
  console.log(table2);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = result.date.replace(/[:.]/g, '-').replace(/-\d+Z$/, 'Z');
  const base = join(RESULTS_DIR, `ml-lr-${rows}-${stamp}`);
  writeFileSync(`${base}.json`, JSON.stringify(result, null, 2) + '\n');
  writeFileSync(`${base}.md`, `# ml-lr ${rows} × ${FEATURES}\n\n\`pnpm bench ml-lr --rows ${rows} --reg ${reg} --tol ${tol} --reps ${reps}\` on ${result.date} (fastest of ${reps} fits per engine)\n\n${table2}\n`);
  console.log(`saved ${base}.md`);
  return result.ratio <= 1 ? 0 : 1;
}
