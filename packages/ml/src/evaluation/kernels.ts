/**
 * Evaluators' partition functions: each partition reduces its rows to small partial sums (per-score label counts,
 * a confusion table, regression sums) that the driver merges; no row travels to the driver.
 */
import { InputError, type PartitionData, type Vec } from '@quiver/core';
import { ByteReader, ByteWriter } from '../feature/codec.js';

const valid = (v: Vec, i: number): boolean => v.validity === null || v.validity[i] === 1;

/** A numeric column's value, or element `element` of a vector column's row. */
function reader(v: Vec, element: number): (i: number) => number {
  const vals = v.values;
  if (v.type.kind === 'vector') return (i) => vectorElement(v, i, element);
  if (vals instanceof BigInt64Array) return (i) => Number(vals[i]!);
  return (i) => vals[i] as number;
}

/** Element j of vector row i. */
function vectorElement(v: Vec, i: number, j: number): number {
  const t = v.type as { size: number; sparse: boolean };
  const f = v.values as Float64Array;
  if (!t.sparse) return f[i * t.size + j]!;
  for (let k = v.offsets![i]!; k < v.offsets![i + 1]!; k++) if (v.indices![k] === j) return f[k]!;
  return 0;
}

function weights(part: PartitionData, weightCol: string): (i: number) => number {
  if (!weightCol) return () => 1;
  const v = part.column(weightCol);
  const r = reader(v, 0);
  return (i) => {
    const w = valid(v, i) ? r(i) : NaN;
    if (!(w >= 0)) throw new InputError(`Weight column '${weightCol}' holds ${valid(v, i) ? w : 'null'}; weights must be non-negative numbers`);
    return w;
  };
}

function checkedLabel(v: Vec, name: string, r: (i: number) => number, i: number): number {
  const y = valid(v, i) ? r(i) : NaN;
  if (Number.isNaN(y)) throw new InputError(`Label column '${name}' holds ${valid(v, i) ? 'NaN' : 'a null'}; evaluators need a label on every row`);
  return y;
}

/** Per distinct score: weighted positive and negative counts. Args: score col, label col, weight col ('' none). */
export function binaryCounts(part: PartitionData, args: Uint8Array): Uint8Array {
  const a = new ByteReader(args);
  const scoreCol = a.str(), labelCol = a.str(), weightCol = a.str();
  const s = part.column(scoreCol), l = part.column(labelCol);
  const score = reader(s, 1), label = reader(l, 0), weight = weights(part, weightCol);
  // Slot of each distinct score in the pos/neg arrays.
  const slot = new Map<number, number>();
  const pos: number[] = [], neg: number[] = [];
  for (let i = 0; i < part.numRows; i++) {
    if (!valid(s, i)) throw new InputError(`Score column '${scoreCol}' has a null at row ${i + 1} of its partition`);
    const x = score(i), w = weight(i);
    let k = slot.get(x);
    if (k === undefined) { k = pos.length; slot.set(x, k); pos.push(0); neg.push(0); }
    if (checkedLabel(l, labelCol, label, i) > 0.5) pos[k]! += w; else neg[k]! += w;
  }
  return new ByteWriter().f64s(Float64Array.from(slot.keys())).f64s(pos).f64s(neg).finish();
}

/**
 * Weighted (label, prediction) cells and, when a probability column is named, the log-loss sum.
 * Args: label col, prediction col, weight col, probability col ('' none), eps.
 */
export function confusionCells(part: PartitionData, args: Uint8Array): Uint8Array {
  const a = new ByteReader(args);
  const labelCol = a.str(), predCol = a.str(), weightCol = a.str(), probCol = a.str(), eps = a.f64();
  const l = part.column(labelCol), p = part.column(predCol);
  const label = reader(l, 0), pred = reader(p, 0), weight = weights(part, weightCol);
  const prob = probCol ? part.column(probCol) : null;
  const cells = new Map<number, Map<number, number>>();
  let loss = 0;
  for (let i = 0; i < part.numRows; i++) {
    const y = checkedLabel(l, labelCol, label, i);
    if (!valid(p, i)) throw new InputError(`Prediction column '${predCol}' has a null at row ${i + 1} of its partition`);
    const yhat = pred(i), w = weight(i);
    let row = cells.get(y);
    if (!row) cells.set(y, (row = new Map()));
    row.set(yhat, (row.get(yhat) ?? 0) + w);
    if (prob) loss -= w * Math.log(Math.max(vectorElement(prob, i, y), eps));
  }
  const ls: number[] = [], ps: number[] = [], ws: number[] = [];
  for (const [y, row] of cells) for (const [yhat, w] of row) { ls.push(y); ps.push(yhat); ws.push(w); }
  return new ByteWriter().f64s(ls).f64s(ps).f64s(ws).f64(loss).finish();
}

/** sum w, w*y, w*y^2, w*(y-p)^2, w*|y-p|. Args: label col, prediction col, weight col. */
export function regressionPartials(part: PartitionData, args: Uint8Array): Uint8Array {
  const a = new ByteReader(args);
  const labelCol = a.str(), predCol = a.str(), weightCol = a.str();
  const l = part.column(labelCol), p = part.column(predCol);
  const label = reader(l, 0), pred = reader(p, 0), weight = weights(part, weightCol);
  const s = new Float64Array(5);
  for (let i = 0; i < part.numRows; i++) {
    const y = checkedLabel(l, labelCol, label, i);
    if (!valid(p, i)) throw new InputError(`Prediction column '${predCol}' has a null at row ${i + 1} of its partition`);
    const w = weight(i), e = y - pred(i);
    s[0]! += w; s[1]! += w * y; s[2]! += w * y * y; s[3]! += w * e * e; s[4]! += w * Math.abs(e);
  }
  return new ByteWriter().f64s(s).finish();
}
