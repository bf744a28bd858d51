import type { BoundExpr } from '../expr/bound.js';
import { AnalysisError, ExecutionError } from '../errors.js';
import type { Batch } from '../types/batch.js';
import { type Vec, concatVecs, constantVec, takeVec } from '../types/vec.js';
import { compileUserFunction } from '../udf/compile-function.js';
import { castVec } from './cast.js';
import { evaluateUdf } from './udf.js';
import { NOT_CONST, lookupScalar } from './scalar/registry.js';
import './scalar/operators.js';
import './scalar/library.js';

/** Evaluates a bound expression over a batch, one typed-array kernel call per node. */
export function evaluate(e: BoundExpr, batch: Batch): Vec {
  return evalNode(e, batch, false);
}

/** Evaluates a predicate into a selection vector of the rows where it is true (null counts as false). */
export function evaluatePredicate(e: BoundExpr, batch: Batch): Int32Array {
  const v = evaluate(e, batch);
  const mask = v.values as Uint8Array;
  const valid = v.type.kind === 'null' ? new Uint8Array(v.length) : v.validity;
  let n = 0;
  for (let i = 0; i < v.length; i++) if (mask[i] === 1 && (valid === null || valid[i] === 1)) n++;
  const idx = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < v.length; i++) if (mask[i] === 1 && (valid === null || valid[i] === 1)) idx[k++] = i;
  return idx;
}

function evalNode(e: BoundExpr, batch: Batch, scalarOk: boolean): Vec {
  const n = batch.numRows;
  switch (e.op) {
    case 'ref': {
      const v = batch.columns[e.index];
      if (!v) throw new ExecutionError(`Column #${e.index} is missing from a batch of ${batch.columns.length} columns`);
      return v;
    }
    case 'lit':
      return constantVec(e.type, e.value, scalarOk ? 1 : n);
    case 'cast':
      return castVec(evalNode(e.child, batch, false), e.type);
    case 'call': {
      const fn = lookupScalar(e.fn);
      if (!fn) throw new AnalysisError(`Unknown function '${e.fn}'`);
      const wantsScalars = fn.scalarArgs === true;
      const args = e.args.map((a) => evalNode(a, batch, wantsScalars && a.op === 'lit'));
      const consts = e.args.map((a) => (a.op === 'lit' ? a.value : NOT_CONST));
      return fn.eval(args, { length: n, type: e.type, consts });
    }
    case 'udf':
      return evaluateUdf(compileUserFunction(e.fn), e.fn.name, e.args.map((a) => evalNode(a, batch, false)), e.type, n);
    case 'case':
      return evalCase(e, batch);
  }
}

/** CASE WHEN: each branch is evaluated only on the rows still undecided, so costly branches see fewer rows. */
function evalCase(e: Extract<BoundExpr, { op: 'case' }>, batch: Batch): Vec {
  const n = batch.numRows;
  // Row i takes slot source[i] of the concatenation of the branch results; -1 leaves it null.
  const source = new Int32Array(n).fill(-1);
  const parts: Vec[] = [];
  let produced = 0;
  let remaining: Int32Array = Int32Array.from({ length: n }, (_, i) => i);
  const take = (rows: Int32Array, value: BoundExpr): void => {
    const v = castVec(evaluate(value, subsetBatch(batch, rows)), e.type);
    for (let i = 0; i < rows.length; i++) source[rows[i]!] = produced + i;
    produced += v.length;
    parts.push(v);
  };
  for (const [cond, value] of e.branches) {
    if (remaining.length === 0) break;
    const selected = evaluatePredicate(cond, subsetBatch(batch, remaining));
    const isHit = new Uint8Array(remaining.length);
    for (let i = 0; i < selected.length; i++) isHit[selected[i]!] = 1;
    const hits = new Int32Array(selected.length);
    const misses = new Int32Array(remaining.length - selected.length);
    for (let i = 0, h = 0, m = 0; i < remaining.length; i++) {
      if (isHit[i]) hits[h++] = remaining[i]!;
      else misses[m++] = remaining[i]!;
    }
    take(hits, value);
    remaining = misses;
  }
  if (e.otherwise && remaining.length > 0) take(remaining, e.otherwise);
  return takeVec(concatVecs(e.type, parts), source);
}

function subsetBatch(batch: Batch, idx: Int32Array): Batch {
  return { schema: batch.schema, columns: batch.columns.map((c) => takeVec(c, idx)), numRows: idx.length };
}
