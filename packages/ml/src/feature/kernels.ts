/**
 * Partition functions of the feature stages: statistics per partition (merged on the driver: one distributed
 * aggregation per fit) and the column-at-a-time maps their models apply. Workers import this module by URL.
 * Bad data is an InputError: it names the column and is not retried.
 */
import { InputError, type PartitionData, type Vec } from '@quiver/core';
import { ByteReader, ByteWriter } from './codec.js';
import { asFloat64, denseVectorVec, doubleVec, isValid, sparseVectorVec } from './columns.js';

type VectorT = { kind: 'vector'; size: number; sparse: boolean };

// ---------------------------------------------------------------- statistics

/**
 * Per feature of a vector column: count, mean, M2 (sum of squared deviations; merged with Chan's formula so the
 * unbiased std matches Spark's), min, max, and nonzero counts. Args: column name.
 */
export function vectorSummary(part: PartitionData, args: Uint8Array): Uint8Array {
  const name = new ByteReader(args).str();
  const v = part.column(name);
  const t = v.type as VectorT;
  const d = t.size, n = v.length;
  const vals = v.values as Float64Array;
  const mean = new Float64Array(d), m2 = new Float64Array(d), min = new Float64Array(d).fill(Infinity), max = new Float64Array(d).fill(-Infinity);
  const nnz = new Float64Array(d);
  for (let i = 0; i < n; i++) if (!isValid(v, i)) throw new InputError(`Column '${name}' has a null vector (row ${i + 1} of partition); drop or impute it first`);
  if (!t.sparse) {
    for (let i = 0; i < n; i++) {
      const base = i * d;
      for (let j = 0; j < d; j++) mean[j]! += vals[base + j]!;
    }
    for (let j = 0; j < d; j++) mean[j] = n > 0 ? mean[j]! / n : 0;
    for (let i = 0; i < n; i++) {
      const base = i * d;
      for (let j = 0; j < d; j++) {
        const x = vals[base + j]!, e = x - mean[j]!;
        m2[j]! += e * e;
        if (x < min[j]!) min[j] = x;
        if (x > max[j]!) max[j] = x;
        if (x !== 0) nnz[j]!++;
      }
    }
  } else {
    const off = v.offsets!, idx = v.indices!;
    for (let k = off[0]!; k < off[n]!; k++) { mean[idx[k]!]! += vals[k]!; nnz[idx[k]!]!++; }
    for (let j = 0; j < d; j++) mean[j] = n > 0 ? mean[j]! / n : 0;
    // Implicit zeros: each feature has n - stored entries of them.
    for (let k = off[0]!; k < off[n]!; k++) {
      const j = idx[k]!, x = vals[k]!, e = x - mean[j]!;
      m2[j]! += e * e;
      if (x < min[j]!) min[j] = x;
      if (x > max[j]!) max[j] = x;
    }
    const stored = new Float64Array(d);
    for (let k = off[0]!; k < off[n]!; k++) stored[idx[k]!]!++;
    for (let j = 0; j < d; j++) {
      const zeros = n - stored[j]!;
      if (zeros > 0) {
        m2[j]! += zeros * mean[j]! * mean[j]!;
        if (0 < min[j]!) min[j] = 0;
        if (0 > max[j]!) max[j] = 0;
      }
    }
  }
  return new ByteWriter().f64(n).f64s(mean).f64s(m2).f64s(min).f64s(max).f64s(nnz).finish();
}

export interface VectorSummary { count: number; mean: Float64Array; m2: Float64Array; min: Float64Array; max: Float64Array }

export function mergeVectorSummaries(parts: readonly Uint8Array[]): VectorSummary {
  let acc: VectorSummary | null = null;
  for (const bytes of parts) {
    const r = new ByteReader(bytes);
    const n = r.f64(), mean = r.f64s(), m2 = r.f64s(), min = r.f64s(), max = r.f64s();
    if (n === 0) continue;
    if (!acc) { acc = { count: n, mean, m2, min, max }; continue; }
    const total = acc.count + n;
    for (let j = 0; j < mean.length; j++) {
      const delta = mean[j]! - acc.mean[j]!;
      acc.m2[j] = acc.m2[j]! + m2[j]! + delta * delta * acc.count * n / total;
      acc.mean[j] = acc.mean[j]! + delta * n / total;
      acc.min[j] = Math.min(acc.min[j]!, min[j]!);
      acc.max[j] = Math.max(acc.max[j]!, max[j]!);
    }
    acc.count = total;
  }
  return acc ?? { count: 0, mean: new Float64Array(0), m2: new Float64Array(0), min: new Float64Array(0), max: new Float64Array(0) };
}

/** Counts of each string in each column (nulls left out), counted on dictionary codes. Args: column names. */
export function labelCounts(part: PartitionData, args: Uint8Array): Uint8Array {
  const names = new ByteReader(args).strs();
  const w = new ByteWriter().u32(names.length);
  for (const name of names) {
    const v = part.column(name);
    const dict = v.dict ?? [];
    const codes = v.values as Int32Array;
    const counts = new Float64Array(dict.length);
    for (let i = 0; i < v.length; i++) if (isValid(v, i)) counts[codes[i]!]!++;
    const labels: string[] = [], c: number[] = [];
    // A dictionary may repeat a string after concatenation; merge by value.
    const seen = new Map<string, number>();
    for (let k = 0; k < dict.length; k++) {
      if (counts[k] === 0) continue;
      const at = seen.get(dict[k]!);
      if (at === undefined) { seen.set(dict[k]!, labels.length); labels.push(dict[k]!); c.push(counts[k]!); } else c[at]! += counts[k]!;
    }
    w.strs(labels).f64s(c);
  }
  return w.finish();
}

export function mergeLabelCounts(parts: readonly Uint8Array[], columns: number): Map<string, number>[] {
  const out = Array.from({ length: columns }, () => new Map<string, number>());
  for (const bytes of parts) {
    const r = new ByteReader(bytes);
    const k = r.u32();
    for (let c = 0; c < k; c++) {
      const labels = r.strs(), counts = r.f64s();
      const m = out[c]!;
      labels.forEach((l, i) => m.set(l, (m.get(l) ?? 0) + counts[i]!));
    }
  }
  return out;
}

/**
 * Distinct non-missing values and their counts for each numeric column (for medians, modes and quantiles);
 * null, NaN and the given missing value are left out. Args: missing value, column names.
 */
export function valueCounts(part: PartitionData, args: Uint8Array): Uint8Array {
  const r = new ByteReader(args);
  const missing = r.f64();
  const names = r.strs();
  const w = new ByteWriter().u32(names.length);
  for (const name of names) {
    const v = part.column(name);
    const x = asFloat64(v);
    const counts = new Map<number, number>();
    for (let i = 0; i < v.length; i++) {
      const y = x[i]!;
      if (!isValid(v, i) || Number.isNaN(y) || y === missing) continue;
      counts.set(y, (counts.get(y) ?? 0) + 1);
    }
    w.f64s(Float64Array.from(counts.keys())).f64s(Float64Array.from(counts.values()));
  }
  return w.finish();
}

/** Sorted distinct values and counts per column, merged over partitions. */
export function mergeValueCounts(parts: readonly Uint8Array[], columns: number): { values: Float64Array; counts: Float64Array }[] {
  const maps = Array.from({ length: columns }, () => new Map<number, number>());
  for (const bytes of parts) {
    const r = new ByteReader(bytes);
    const k = r.u32();
    for (let c = 0; c < k; c++) {
      const vals = r.f64s(), counts = r.f64s();
      for (let i = 0; i < vals.length; i++) maps[c]!.set(vals[i]!, (maps[c]!.get(vals[i]!) ?? 0) + counts[i]!);
    }
  }
  return maps.map((m) => {
    const values = Float64Array.from(m.keys()).sort();
    return { values, counts: Float64Array.from(values, (x) => m.get(x)!) };
  });
}

/** Count and sum of the non-missing values of each numeric column. Args: missing value, column names. */
export function columnSums(part: PartitionData, args: Uint8Array): Uint8Array {
  const r = new ByteReader(args);
  const missing = r.f64();
  const names = r.strs();
  const counts = new Float64Array(names.length), sums = new Float64Array(names.length);
  names.forEach((name, c) => {
    const v = part.column(name);
    const x = asFloat64(v);
    for (let i = 0; i < v.length; i++) {
      const y = x[i]!;
      if (!isValid(v, i) || Number.isNaN(y) || y === missing) continue;
      counts[c]!++;
      sums[c]! += y;
    }
  });
  return new ByteWriter().f64s(counts).f64s(sums).finish();
}

/**
 * Largest value of each index column, checking each is a non-negative integer (OneHotEncoder's category count
 * without column metadata, as Spark computes it). Args: column names.
 */
export function maxIndex(part: PartitionData, args: Uint8Array): Uint8Array {
  const names = new ByteReader(args).strs();
  const out = new Float64Array(names.length).fill(-1);
  names.forEach((name, c) => {
    const v = part.column(name);
    const x = asFloat64(v);
    for (let i = 0; i < v.length; i++) {
      if (!isValid(v, i)) throw new InputError(`OneHotEncoder: column '${name}' has a null; index it with StringIndexer(handleInvalid='keep') or drop it`);
      const y = x[i]!;
      if (!(y >= 0) || !Number.isInteger(y)) throw new InputError(`OneHotEncoder: column '${name}' holds ${y}, not a category index (a non-negative integer)`);
      if (y > out[c]!) out[c] = y;
    }
  });
  return new ByteWriter().f64s(out).finish();
}

// ---------------------------------------------------------------- maps

/** Args: in, out names; mean, scale (1/std, or 1 without withStd) arrays; withMean. */
export function scaleStandard(part: PartitionData, args: Uint8Array): Vec[] {
  const r = new ByteReader(args);
  const name = r.str(); r.str();
  const mean = r.f64s(), scale = r.f64s(), withMean = r.bool();
  const v = part.column(name);
  const t = v.type as VectorT;
  const n = v.length, d = t.size;
  const vals = v.values as Float64Array;
  if (t.sparse && !withMean) {
    const off = v.offsets!, idx = v.indices!;
    const base = off[0]!, nnz = off[n]! - base;
    const offsets = new Int32Array(n + 1), indices = new Int32Array(nnz), out = new Float64Array(nnz);
    for (let i = 0; i <= n; i++) offsets[i] = off[i]! - base;
    for (let k = 0; k < nnz; k++) { const j = idx[base + k]!; indices[k] = j; out[k] = vals[base + k]! * scale[j]!; }
    return [sparseVectorVec(d, offsets, indices, out, n)];
  }
  const out = new Float64Array(n * d);
  if (t.sparse) {
    const off = v.offsets!, idx = v.indices!;
    for (let k = off[0]!, i = 0; i < n; i++) for (; k < off[i + 1]!; k++) out[i * d + idx[k]!] = vals[k]!;
  } else out.set(vals.subarray(0, n * d));
  for (let i = 0; i < n; i++) {
    const b = i * d;
    for (let j = 0; j < d; j++) out[b + j] = (withMean ? out[b + j]! - mean[j]! : out[b + j]!) * scale[j]!;
  }
  return [denseVectorVec(d, out, n, v.validity)];
}

/** Args: in, out; originalMin, originalMax arrays; min, max. Spark maps a constant feature to (min + max) / 2. */
export function scaleMinMax(part: PartitionData, args: Uint8Array): Vec[] {
  const r = new ByteReader(args);
  const name = r.str(); r.str();
  const emin = r.f64s(), emax = r.f64s(), lo = r.f64(), hi = r.f64();
  const v = part.column(name);
  const t = v.type as VectorT;
  const n = v.length, d = t.size;
  const vals = v.values as Float64Array;
  const out = new Float64Array(n * d);
  if (t.sparse) {
    const off = v.offsets!, idx = v.indices!;
    for (let k = off[0]!, i = 0; i < n; i++) for (; k < off[i + 1]!; k++) out[i * d + idx[k]!] = vals[k]!;
  } else out.set(vals.subarray(0, n * d));
  for (let j = 0; j < d; j++) {
    const range = emax[j]! - emin[j]!;
    for (let i = 0; i < n; i++) {
      const p = i * d + j;
      out[p] = range !== 0 ? (out[p]! - emin[j]!) / range * (hi - lo) + lo : 0.5 * (hi + lo);
    }
  }
  return [denseVectorVec(d, out, n, v.validity)];
}

/**
 * StringIndexer's map. Args: handleInvalid, then per column: in, out, labels. Unseen and null values get
 * index labels.length with 'keep' and fail with 'error' ('skip' rows are filtered on the driver first).
 */
export function indexStrings(part: PartitionData, args: Uint8Array): Vec[] {
  const r = new ByteReader(args);
  const handleInvalid = r.str();
  const k = r.u32();
  const out: Vec[] = [];
  for (let c = 0; c < k; c++) {
    const name = r.str(); r.str();
    const labels = r.strs();
    const index = new Map(labels.map((l, i) => [l, i]));
    const v = part.column(name);
    const dict = v.dict ?? [];
    // Resolve each dictionary entry once, then map the codes.
    const byCode = new Float64Array(dict.length);
    for (let j = 0; j < dict.length; j++) byCode[j] = index.get(dict[j]!) ?? -1;
    const codes = v.values as Int32Array;
    const res = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = isValid(v, i) ? byCode[codes[i]!]! : -2;
      if (x >= 0) { res[i] = x; continue; }
      if (handleInvalid === 'keep') { res[i] = labels.length; continue; }
      throw new InputError(x === -2
        ? `StringIndexer encountered a null in column '${name}'; set handleInvalid to 'skip' or 'keep'`
        : `StringIndexer: unseen label '${dict[codes[i]!]}' in column '${name}' (not among the ${labels.length} labels seen at fit); set handleInvalid to 'skip' or 'keep'`);
    }
    out.push(doubleVec(res));
  }
  return out;
}

/** OneHotEncoder's map to sparse vectors. Args: dropLast, keepInvalid, then per column: in, out, number of categories. */
export function oneHot(part: PartitionData, args: Uint8Array): Vec[] {
  const r = new ByteReader(args);
  const dropLast = r.bool(), keep = r.bool();
  const k = r.u32();
  const out: Vec[] = [];
  for (let c = 0; c < k; c++) {
    const name = r.str(); r.str();
    const categories = r.u32();
    const v = part.column(name);
    const x = asFloat64(v);
    const n = v.length;
    // With 'keep' an invalid index becomes one extra category after the known ones.
    const size = categories + (keep ? 1 : 0) - (dropLast ? 1 : 0);
    const offsets = new Int32Array(n + 1);
    const indices = new Int32Array(n);
    let m = 0;
    for (let i = 0; i < n; i++) {
      let y = x[i]!;
      if (!isValid(v, i)) throw new InputError(`OneHotEncoder: column '${name}' has a null at row ${i + 1} of its partition`);
      if (!(y >= 0) || !Number.isInteger(y)) throw new InputError(`OneHotEncoder: column '${name}' holds ${y}, not a category index (a non-negative integer)`);
      if (y >= categories) {
        if (!keep) throw new InputError(`OneHotEncoder: unseen category index ${y} in column '${name}' (${categories} categories at fit); set handleInvalid to 'keep'`);
        y = categories;
      }
      if (y < size) indices[m++] = y;
      offsets[i + 1] = m;
    }
    const ones = new Float64Array(m).fill(1);
    out.push(sparseVectorVec(size, offsets, indices.slice(0, m), ones, n));
  }
  return out;
}

/**
 * VectorAssembler's map. Args: handleInvalid ('error' | 'keep'; 'skip' rows are filtered on the driver), out,
 * input columns. Output is sparse when any input is sparse, else dense.
 */
export function assemble(part: PartitionData, args: Uint8Array): Vec[] {
  const r = new ByteReader(args);
  const handleInvalid = r.str();
  r.str();
  const names = r.strs();
  const cols = names.map((nm) => part.column(nm));
  const n = part.numRows;
  const widths = cols.map((v) => (v.type.kind === 'vector' ? v.type.size : 1));
  const d = widths.reduce((a, b) => a + b, 0);
  const anySparse = cols.some((v) => v.type.kind === 'vector' && v.type.sparse);
  const bad = (c: number, i: number, what: string): never => {
    throw new InputError(`VectorAssembler: ${what} in column '${names[c]}' (row ${i + 1} of its partition); set handleInvalid to 'skip' or 'keep', or use an Imputer`);
  };
  const dense = new Float64Array(anySparse ? 0 : n * d);
  const offsets = new Int32Array(n + 1);
  let start = 0;
  cols.forEach((v, c) => {
    const w = widths[c]!;
    if (v.type.kind === 'vector') {
      const t = v.type;
      const src = v.values as Float64Array;
      for (let i = 0; i < n; i++) {
        if (!isValid(v, i)) {
          if (handleInvalid !== 'keep') bad(c, i, 'a null vector');
          if (!anySparse) for (let j = 0; j < w; j++) dense[i * d + start + j] = NaN;
        } else if (!anySparse && !t.sparse) {
          dense.set(src.subarray(i * w, (i + 1) * w), i * d + start);
        } else if (!anySparse) {
          for (let k = v.offsets![i]!; k < v.offsets![i + 1]!; k++) dense[i * d + start + v.indices![k]!] = src[k]!;
        }
      }
    } else {
      const x = asFloat64(v);
      for (let i = 0; i < n; i++) {
        let y = x[i]!;
        if (!isValid(v, i)) { if (handleInvalid !== 'keep') bad(c, i, 'a null'); y = NaN; } else if (Number.isNaN(y) && handleInvalid !== 'keep') bad(c, i, 'NaN');
        if (!anySparse) dense[i * d + start] = y;
      }
    }
    start += w;
  });
  if (!anySparse) return [denseVectorVec(d, dense, n)];
  // Sparse output in two passes over the columns (rows inner): count each row's entries, then fill them;
  // columns go in order, so each row's indices come out increasing.
  const counts = new Int32Array(n);
  const numbers = cols.map((v) => (v.type.kind === 'vector' ? null : asFloat64(v)));
  cols.forEach((v, c) => {
    const w = widths[c]!, x = numbers[c];
    if (x) { for (let i = 0; i < n; i++) if (!isValid(v, i) || x[i] !== 0) counts[i]!++; return; }
    const src = v.values as Float64Array;
    const sparse = (v.type as VectorT).sparse;
    for (let i = 0; i < n; i++) {
      if (!isValid(v, i)) counts[i]! += w;
      else if (sparse) { for (let k = v.offsets![i]!; k < v.offsets![i + 1]!; k++) if (src[k] !== 0) counts[i]!++; }
      else for (let j = 0; j < w; j++) if (src[i * w + j] !== 0) counts[i]!++;
    }
  });
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + counts[i]!;
  const indices = new Int32Array(offsets[n]!), values = new Float64Array(offsets[n]!);
  const cursor = offsets.slice(0, n);
  let base = 0;
  cols.forEach((v, c) => {
    const w = widths[c]!, x = numbers[c];
    const put = (i: number, j: number, y: number): void => { const p = cursor[i]!++; indices[p] = base + j; values[p] = y; };
    if (x) {
      for (let i = 0; i < n; i++) if (!isValid(v, i)) put(i, 0, NaN); else if (x[i] !== 0) put(i, 0, x[i]!);
    } else {
      const src = v.values as Float64Array;
      const sparse = (v.type as VectorT).sparse;
      for (let i = 0; i < n; i++) {
        if (!isValid(v, i)) { for (let j = 0; j < w; j++) put(i, j, NaN); }
        else if (sparse) { for (let k = v.offsets![i]!; k < v.offsets![i + 1]!; k++) if (src[k] !== 0) put(i, v.indices![k]!, src[k]!); }
        else for (let j = 0; j < w; j++) { const y = src[i * w + j]!; if (y !== 0) put(i, j, y); }
      }
    }
    base += w;
  });
  return [sparseVectorVec(d, offsets, indices, values, n)];
}

/** Imputer's map. Args: missing value, then per column: in, out, surrogate. Null, NaN and the missing value are replaced. */
export function impute(part: PartitionData, args: Uint8Array): Vec[] {
  const r = new ByteReader(args);
  const missing = r.f64();
  const k = r.u32();
  const out: Vec[] = [];
  for (let c = 0; c < k; c++) {
    const name = r.str(); r.str();
    const surrogate = r.f64();
    const v = part.column(name);
    const x = asFloat64(v);
    const res = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const y = x[i]!;
      res[i] = !isValid(v, i) || y === missing || (Number.isNaN(missing) && Number.isNaN(y)) ? surrogate : y;
    }
    out.push(doubleVec(res));
  }
  return out;
}

/**
 * Bucketizer's map. Args: keepInvalid, then per column: in, out, splits. Buckets are [s_i, s_i+1) with the last
 * closed; NaN goes to an extra bucket with 'keep' ('skip' rows are filtered on the driver).
 */
export function bucketize(part: PartitionData, args: Uint8Array): Vec[] {
  const r = new ByteReader(args);
  const keep = r.bool();
  const k = r.u32();
  const out: Vec[] = [];
  for (let c = 0; c < k; c++) {
    const name = r.str(); r.str();
    const splits = r.f64s();
    const v = part.column(name);
    const x = asFloat64(v);
    const res = new Float64Array(v.length);
    const last = splits.length - 1;
    for (let i = 0; i < v.length; i++) {
      const y = x[i]!;
      if (!isValid(v, i) || Number.isNaN(y)) {
        if (!keep) throw new InputError(`Bucketizer: ${isValid(v, i) ? 'NaN' : 'a null'} in column '${name}'; set handleInvalid to 'skip' or 'keep'`);
        res[i] = last;
        continue;
      }
      if (y === splits[last]) { res[i] = last - 1; continue; }
      if (y < splits[0]! || y > splits[last]!) {
        throw new InputError(`Bucketizer: value ${y} in column '${name}' is outside the splits [${splits[0]}, ${splits[last]}]; add -Infinity/Infinity as the outer splits`);
      }
      let lo = 0, hi = last;
      while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (y < splits[mid]!) hi = mid; else lo = mid; }
      res[i] = lo;
    }
    out.push(doubleVec(res));
  }
  return out;
}

/** Number of polynomial terms of degree at most `degree` in n variables, the constant included: C(n + degree, degree). */
export function polySize(n: number, degree: number): number {
  let r = 1;
  for (let i = 1; i <= degree; i++) r = r * (n + i) / i;
  return Math.round(r);
}

// Spark's term order: recursion from the last feature down, powers of it 0..degree, the constant term skipped.
function expand(values: Float64Array, base: number, lastIdx: number, degree: number, multiplier: number, out: Float64Array, outBase: number, cur: number): number {
  if (multiplier !== 0) {
    if (degree === 0 || lastIdx < 0) {
      if (cur >= 0) out[outBase + cur] = multiplier;
    } else {
      const v = values[base + lastIdx]!;
      let alpha = multiplier, start = cur;
      for (let i = 0; i <= degree && alpha !== 0; i++) {
        start = expand(values, base, lastIdx - 1, degree - i, alpha, out, outBase, start);
        alpha *= v;
      }
    }
  }
  return cur + polySize(lastIdx + 1, degree);
}

/** PolynomialExpansion's map (dense output). Args: in, out, degree. */
export function polynomial(part: PartitionData, args: Uint8Array): Vec[] {
  const r = new ByteReader(args);
  const name = r.str(); r.str();
  const degree = r.u32();
  const v = part.column(name);
  const t = v.type as VectorT;
  const n = v.length, d = t.size;
  let src = v.values as Float64Array;
  if (t.sparse) {
    const dense = new Float64Array(n * d);
    for (let k = v.offsets![0]!, i = 0; i < n; i++) for (; k < v.offsets![i + 1]!; k++) dense[i * d + v.indices![k]!] = src[k]!;
    src = dense;
  }
  const size = polySize(d, degree) - 1;
  const out = new Float64Array(n * size);
  for (let i = 0; i < n; i++) expand(src, i * d, d - 1, degree, 1, out, i * size, -1);
  return [denseVectorVec(size, out, n, v.validity)];
}
