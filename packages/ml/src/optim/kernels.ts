/**
 * Partition functions of the linear models (LogisticRegression, LinearRegression), imported by workers by URL.
 * Each reads a DataFrame laid out by the driver as [features: vector, label: double, weight?: double] and
 * returns its partition's float64 partial sums; the driver adds the partials up in partition order (sumParts).
 * Unlike Spark's treeAggregate there is no tree or per-worker combine: on a cluster each partition's partial
 * (8 * (1 + K*d + K) bytes for the logistic loss and gradient, 8 * (d*d + 2*d + 3) for the gramian) goes from
 * its worker to the scheduler in its TaskResult and on to the driver in the RunStage answer.
 */
import type { PartitionContext, PartitionData, Vec } from '@quiver/core';
import { toBytes, toDoubles } from './doubles.js';

type VectorT = { kind: 'vector'; size: number; sparse: boolean };

function doubles(v: Vec): Float64Array {
  if (v.values instanceof Float64Array) return v.values.subarray(0, v.length);
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = Number(v.values[i]!);
  return out;
}

interface Rows {
  readonly n: number;
  readonly d: number;
  /** Dense: row-major n x d; sparse: CSR. */
  readonly dense: Float64Array | null;
  readonly offsets: Int32Array | null;
  readonly indices: Int32Array | null;
  readonly values: Float64Array | null;
  readonly label: Float64Array;
  readonly weight: Float64Array | null;
}

/** Worker-side memo of the typed views per cache key: a cached input is decoded once per iteration anyway, but CSR offsets are rebased once. */
function rows(part: PartitionData): Rows {
  const f = part.batch.columns[0]!;
  const t = f.type as VectorT;
  const label = doubles(part.batch.columns[1]!);
  const weight = part.batch.columns.length > 2 ? doubles(part.batch.columns[2]!) : null;
  const n = part.numRows;
  if (!t.sparse) return { n, d: t.size, dense: (f.values as Float64Array).subarray(0, n * t.size), offsets: null, indices: null, values: null, label, weight };
  return { n, d: t.size, dense: null, offsets: f.offsets!, indices: f.indices!, values: f.values as Float64Array, label, weight };
}

// ------------------------------------------------------------------------------------------ summary

/**
 * One pass of statistics: [n, W, sum w^2, null feature rows, NaN/infinite feature values, null labels, NaN labels,
 * bad weights, non-integer or negative labels, max label, d, C, then per feature: weighted mean, weighted M2,
 * then Σw y, Σw y^2, then C weighted counts of integer labels 0..maxLabel (0 unless every label is one, < 2^16)].
 */
export function featureSummary(part: PartitionData): Uint8Array {
  const r = rows(part);
  const f = part.batch.columns[0]!;
  const lv = part.batch.columns[1]!;
  const wv = part.batch.columns[2];
  const { n, d } = r;
  let W = 0, W2 = 0, nullFeat = 0, nanFeat = 0, nullLabel = 0, nanLabel = 0, badWeight = 0, badClass = 0, maxLabel = -1;
  let sy = 0, syy = 0;
  const sum = new Float64Array(d);
  const rowWeight = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let w = r.weight ? r.weight[i]! : 1;
    if (wv && wv.validity && wv.validity[i] === 0) w = NaN;
    if (!(w >= 0) || !Number.isFinite(w)) { badWeight++; continue; }
    if (f.validity && f.validity[i] === 0) { nullFeat++; continue; }
    if (lv.validity && lv.validity[i] === 0) { nullLabel++; continue; }
    const y = r.label[i]!;
    if (!Number.isFinite(y)) { nanLabel++; continue; }
    if (!(y >= 0 && Number.isInteger(y))) badClass++;
    else if (y > maxLabel) maxLabel = y;
    rowWeight[i] = w;
    W += w; W2 += w * w; sy += w * y; syy += w * y * y;
  }
  if (r.dense) {
    const x = r.dense;
    for (let i = 0; i < n; i++) {
      const w = rowWeight[i]!;
      const base = i * d;
      for (let j = 0; j < d; j++) { const v = x[base + j]!; if (!Number.isFinite(v)) nanFeat++; sum[j]! += w * v; }
    }
  } else {
    for (let i = 0; i < n; i++) {
      const w = rowWeight[i]!;
      for (let k = r.offsets![i]!; k < r.offsets![i + 1]!; k++) { const v = r.values![k]!; if (!Number.isFinite(v)) nanFeat++; sum[r.indices![k]!]! += w * v; }
    }
  }
  const mean = new Float64Array(d);
  if (W > 0) for (let j = 0; j < d; j++) mean[j] = sum[j]! / W;
  const m2 = new Float64Array(d);
  if (r.dense) {
    const x = r.dense;
    for (let i = 0; i < n; i++) {
      const w = rowWeight[i]!;
      if (w === 0) continue;
      const base = i * d;
      for (let j = 0; j < d; j++) { const dv = x[base + j]! - mean[j]!; m2[j]! += w * dv * dv; }
    }
  } else {
    // Implicit zeros contribute w * mean^2 each; stored entries are corrected from that.
    const seenW = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const w = rowWeight[i]!;
      if (w === 0) continue;
      for (let k = r.offsets![i]!; k < r.offsets![i + 1]!; k++) {
        const j = r.indices![k]!, dv = r.values![k]! - mean[j]!;
        m2[j]! += w * dv * dv; seenW[j]! += w;
      }
    }
    for (let j = 0; j < d; j++) m2[j]! += (W - seenW[j]!) * mean[j]! * mean[j]!;
  }
  const classes = maxLabel >= 0 && maxLabel < 65536 && badClass === 0 ? maxLabel + 1 : 0;
  const out = new Float64Array(12 + 2 * d + 2 + classes);
  out.set([n, W, W2, nullFeat, nanFeat, nullLabel, nanLabel, badWeight, badClass, maxLabel, d, classes]);
  out.set(mean, 12);
  out.set(m2, 12 + d);
  out[12 + 2 * d] = sy;
  out[13 + 2 * d] = syy;
  if (classes) for (let i = 0; i < n; i++) if (rowWeight[i]! > 0) out[14 + 2 * d + r.label[i]!]! += rowWeight[i]!;
  return toBytes(out);
}

// ------------------------------------------------------------------------------------------ logistic

/**
 * Logistic loss and gradient sums in the original feature space. Args: [K, d, multinomial (0/1), then K x d
 * coefficients, then K intercepts]; binomial has K = 1. Returns [Σ w loss, K x d gradient, K intercept gradient].
 */
export function logisticLossGradient(part: PartitionData, args: Uint8Array): Uint8Array {
  const a = toDoubles(args);
  const K = a[0]!, d = a[1]!, multinomial = a[2] === 1;
  const coef = a.subarray(3, 3 + K * d);
  const icpt = a.subarray(3 + K * d, 3 + K * d + K);
  const r = rows(part);
  const out = new Float64Array(1 + K * d + K);
  const grad = out.subarray(1, 1 + K * d);
  const gi = out.subarray(1 + K * d);
  const { n, label, weight } = r;
  let loss = 0;
  if (!multinomial && r.dense) {
    out[0] = binomialDense(r.dense, n, d, label, weight, coef, icpt[0]!, grad, gi);
    return toBytes(out);
  }
  if (!multinomial) {
    const b = icpt[0]!;
    for (let i = 0; i < n; i++) {
      const w = weight ? weight[i]! : 1;
      if (w === 0) continue;
      let m = b;
      if (r.dense) { const base = i * d; for (let j = 0; j < d; j++) m += coef[j]! * r.dense[base + j]!; }
      else for (let k = r.offsets![i]!; k < r.offsets![i + 1]!; k++) m += coef[r.indices![k]!]! * r.values![k]!;
      const y = label[i]!;
      // log(1 + e^m) - y m, stably
      loss += w * ((m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m))) - y * m);
      const mult = w * (1 / (1 + Math.exp(-m)) - y);
      if (r.dense) { const base = i * d; for (let j = 0; j < d; j++) grad[j]! += mult * r.dense[base + j]!; }
      else for (let k = r.offsets![i]!; k < r.offsets![i + 1]!; k++) grad[r.indices![k]!]! += mult * r.values![k]!;
      gi[0]! += mult;
    }
  } else {
    const m = new Float64Array(K);
    for (let i = 0; i < n; i++) {
      const w = weight ? weight[i]! : 1;
      if (w === 0) continue;
      let max = -Infinity;
      for (let c = 0; c < K; c++) {
        let s = icpt[c]!;
        const cb = c * d;
        if (r.dense) { const base = i * d; for (let j = 0; j < d; j++) s += coef[cb + j]! * r.dense[base + j]!; }
        else for (let k = r.offsets![i]!; k < r.offsets![i + 1]!; k++) s += coef[cb + r.indices![k]!]! * r.values![k]!;
        m[c] = s;
        if (s > max) max = s;
      }
      let z = 0;
      for (let c = 0; c < K; c++) z += Math.exp(m[c]! - max);
      const y = label[i]!;
      loss += w * (Math.log(z) + max - m[y]!);
      for (let c = 0; c < K; c++) {
        const mult = w * (Math.exp(m[c]! - max) / z - (c === y ? 1 : 0));
        const cb = c * d;
        if (r.dense) { const base = i * d; for (let j = 0; j < d; j++) grad[cb + j]! += mult * r.dense[base + j]!; }
        else for (let k = r.offsets![i]!; k < r.offsets![i + 1]!; k++) grad[cb + r.indices![k]!]! += mult * r.values![k]!;
        gi[c]! += mult;
      }
    }
  }
  out[0] = loss;
  return toBytes(out);
}

/** The hot loop of binomial training on dense rows: one sweep for the margin, one for the gradient, locals only. */
function binomialDense(
  x: Float64Array, n: number, d: number, label: Float64Array, weight: Float64Array | null,
  coef: Float64Array, b: number, grad: Float64Array, gi: Float64Array,
): number {
  const c = Float64Array.from(coef);
  const g = new Float64Array(d);
  let loss = 0, gb = 0;
  const d4 = d - (d % 4);
  for (let i = 0; i < n; i++) {
    const w = weight === null ? 1 : weight[i]!;
    if (w === 0) continue;
    const base = i * d;
    let m0 = b, m1 = 0, m2 = 0, m3 = 0;
    let j = 0;
    for (; j < d4; j += 4) {
      m0 += c[j]! * x[base + j]!;
      m1 += c[j + 1]! * x[base + j + 1]!;
      m2 += c[j + 2]! * x[base + j + 2]!;
      m3 += c[j + 3]! * x[base + j + 3]!;
    }
    for (; j < d; j++) m0 += c[j]! * x[base + j]!;
    const m = m0 + m1 + m2 + m3;
    const y = label[i]!;
    const e = Math.exp(-Math.abs(m));
    // log(1 + e^m) - y m and sigmoid(m), from one exp
    loss += w * ((m > 0 ? m : 0) + Math.log1p(e) - y * m);
    const p = m > 0 ? 1 / (1 + e) : e / (1 + e);
    const mult = w * (p - y);
    if (mult === 0) continue;
    for (j = 0; j < d; j++) g[j]! += mult * x[base + j]!;
    gb += mult;
  }
  grad.set(g);
  gi[0] = gb;
  return loss;
}

// ------------------------------------------------------------------------------------------ least squares

/** X^T W X (upper triangle, row-major full d x d), X^T W y, Σw, Σw x, Σw y, Σw y^2: the normal equations in one pass. */
export function gramian(part: PartitionData): Uint8Array {
  const r = rows(part);
  const { n, d, label, weight } = r;
  const out = new Float64Array(d * d + 2 * d + 3);
  const xx = out.subarray(0, d * d), xy = out.subarray(d * d, d * d + d), sx = out.subarray(d * d + d, d * d + 2 * d);
  let W = 0, sy = 0, syy = 0;
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const w = weight ? weight[i]! : 1;
    if (w === 0) continue;
    const y = label[i]!;
    W += w; sy += w * y; syy += w * y * y;
    if (r.dense) {
      const base = i * d;
      for (let j = 0; j < d; j++) row[j] = r.dense[base + j]!;
      for (let j = 0; j < d; j++) {
        const wx = w * row[j]!;
        if (wx === 0) continue;
        sx[j]! += wx; xy[j]! += wx * y;
        const rb = j * d;
        for (let k = j; k < d; k++) xx[rb + k]! += wx * row[k]!;
      }
    } else {
      const a = r.offsets![i]!, b = r.offsets![i + 1]!;
      for (let p = a; p < b; p++) {
        const j = r.indices![p]!, wx = w * r.values![p]!;
        sx[j]! += wx; xy[j]! += wx * y;
        for (let q = p; q < b; q++) xx[j * d + r.indices![q]!]! += wx * r.values![q]!;
      }
    }
  }
  out[d * d + 2 * d] = W;
  out[d * d + 2 * d + 1] = sy;
  out[d * d + 2 * d + 2] = syy;
  return toBytes(out);
}

/**
 * Least-squares loss and gradient for residual e = a.x + offset - y * yScale. Args: [d, a (d), offset, yScale].
 * Returns [Σ w e^2 / 2, Σ w e x (d), Σ w e].
 */
export function leastSquaresLossGradient(part: PartitionData, args: Uint8Array): Uint8Array {
  const p = toDoubles(args);
  const d = p[0]!;
  const a = p.subarray(1, 1 + d);
  const off = p[1 + d]!, ys = p[2 + d]!;
  const r = rows(part);
  const out = new Float64Array(d + 2);
  const g = out.subarray(1, 1 + d);
  let loss = 0, ge = 0;
  for (let i = 0; i < r.n; i++) {
    const w = r.weight ? r.weight[i]! : 1;
    if (w === 0) continue;
    let e = off - r.label[i]! * ys;
    if (r.dense) { const base = i * d; for (let j = 0; j < d; j++) e += a[j]! * r.dense[base + j]!; }
    else for (let k = r.offsets![i]!; k < r.offsets![i + 1]!; k++) e += a[r.indices![k]!]! * r.values![k]!;
    loss += 0.5 * w * e * e;
    const we = w * e;
    ge += we;
    if (r.dense) { const base = i * d; for (let j = 0; j < d; j++) g[j]! += we * r.dense[base + j]!; }
    else for (let k = r.offsets![i]!; k < r.offsets![i + 1]!; k++) g[r.indices![k]!]! += we * r.values![k]!;
  }
  out[0] = loss;
  out[d + 1] = ge;
  return toBytes(out);
}

// ------------------------------------------------------------------------------------------ prediction

/**
 * Model application, appended as columns. Args: [kind (0 logistic binomial, 1 logistic multinomial, 2 linear),
 * K, d, flags (bit 0 rawPrediction, bit 1 probability, bit 2 prediction), features column index, threshold
 * count T, thresholds (T), K x d coefficients, K intercepts].
 */
export function linearPredict(part: PartitionData, args: Uint8Array, _ctx: PartitionContext): Vec[] {
  const a = toDoubles(args);
  const kind = a[0]!, K = a[1]!, d = a[2]!, flags = a[3]!, fi = a[4]!, T = a[5]!;
  const thresholds = a.subarray(6, 6 + T);
  const coef = a.subarray(6 + T, 6 + T + K * d);
  const icpt = a.subarray(6 + T + K * d, 6 + T + K * d + K);
  const f = part.batch.columns[fi]!;
  const fv = f.type as VectorT;
  if (fv.size !== d) throw new Error(`The features column '${part.schema.names[fi]}' has vectors of size ${fv.size}, but the model was trained on ${d} features`);
  const n = part.numRows;
  const r: Rows = { ...rows({ batch: { ...part.batch, columns: [f, f] }, numRows: n } as unknown as PartitionData) };
  const margins = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < K; c++) {
      let s = icpt[c]!;
      const cb = c * d;
      if (r.dense) { const base = i * d; for (let j = 0; j < d; j++) s += coef[cb + j]! * r.dense[base + j]!; }
      else for (let k = r.offsets![i]!; k < r.offsets![i + 1]!; k++) s += coef[cb + r.indices![k]!]! * r.values![k]!;
      margins[i * K + c] = s;
    }
  }
  const out: Vec[] = [];
  const validity = f.validity;
  if (kind === 2) {
    out.push({ type: { kind: 'float64' }, length: n, values: margins, validity });
    return out;
  }
  const C = kind === 0 ? 2 : K;
  const raw = new Float64Array(n * C), prob = new Float64Array(n * C), pred = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (kind === 0) {
      const m = margins[i]!;
      raw[2 * i] = -m; raw[2 * i + 1] = m;
      const p = 1 / (1 + Math.exp(-m));
      prob[2 * i] = 1 - p; prob[2 * i + 1] = p;
      pred[i] = p > thresholds[0]! ? 1 : 0;
    } else {
      let max = -Infinity;
      for (let c = 0; c < K; c++) { const m = margins[i * K + c]!; raw[i * K + c] = m; if (m > max) max = m; }
      let z = 0;
      for (let c = 0; c < K; c++) z += Math.exp(margins[i * K + c]! - max);
      let best = 0, bestScore = -Infinity;
      for (let c = 0; c < K; c++) {
        const p = Math.exp(margins[i * K + c]! - max) / z;
        prob[i * K + c] = p;
        const score = T > 0 ? (thresholds[c] === 0 ? Infinity : p / thresholds[c]!) : p;
        if (score > bestScore) { bestScore = score; best = c; }
      }
      pred[i] = best;
    }
  }
  if (flags & 1) out.push({ type: { kind: 'vector', size: C, sparse: false }, length: n, values: raw, validity });
  if (flags & 2) out.push({ type: { kind: 'vector', size: C, sparse: false }, length: n, values: prob, validity });
  if (flags & 4) out.push({ type: { kind: 'float64' }, length: n, values: pred, validity });
  return out;
}

/** Training scores for the summary: [n, then (probability of class 1, label, weight) per row], sorted by score descending. */
export function binaryScores(part: PartitionData, args: Uint8Array): Uint8Array {
  const a = toDoubles(args);
  const d = a[0]!;
  const coef = a.subarray(1, 1 + d), b = a[1 + d]!;
  const r = rows(part);
  const score = new Float64Array(r.n);
  for (let i = 0; i < r.n; i++) {
    let m = b;
    if (r.dense) { const base = i * d; for (let j = 0; j < d; j++) m += coef[j]! * r.dense[base + j]!; }
    else for (let k = r.offsets![i]!; k < r.offsets![i + 1]!; k++) m += coef[r.indices![k]!]! * r.values![k]!;
    score[i] = 1 / (1 + Math.exp(-m));
  }
  const order = Int32Array.from({ length: r.n }, (_, i) => i).sort((x, y) => score[y]! - score[x]!);
  const out = new Float64Array(1 + 3 * r.n);
  out[0] = r.n;
  for (let k = 0; k < r.n; k++) {
    const i = order[k]!;
    out[1 + 3 * k] = score[i]!; out[2 + 3 * k] = r.label[i]!; out[3 + 3 * k] = r.weight ? r.weight[i]! : 1;
  }
  return toBytes(out);
}
