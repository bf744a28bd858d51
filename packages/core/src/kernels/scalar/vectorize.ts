import { AnalysisError } from '../../errors.js';
import {
  type DataType, DateType, Float64Type, Int32Type, TimestampType, Utf8Type, isNumeric, typeToString,
} from '../../types/data-type.js';
import { type Vec, allocValues, normalizeValidity } from '../../types/vec.js';
import { type EvalContext, NOT_CONST } from './registry.js';

/** What a function parameter accepts; each maps to the type its argument is implicitly cast to, as Spark's ImplicitTypeCasts does. */
export type Param = 'string' | 'int' | 'double' | 'date' | 'timestamp';

const ordinal = (i: number): string => `argument ${i + 1}`;

/** Spark's implicit cast of one argument to a parameter type, or an AnalysisError naming the function. */
export function coerceParam(fn: string, t: DataType, want: Param, position: number): DataType {
  const bad = (): never => {
    throw new AnalysisError(`Function '${fn}' expects ${want} for ${ordinal(position)}, got ${typeToString(t)}`);
  };
  switch (want) {
    case 'string':
      if (t.kind === 'list') bad();
      return Utf8Type;
    case 'int':
      if (t.kind !== 'null' && t.kind !== 'utf8' && !isNumeric(t)) bad();
      return Int32Type;
    case 'double':
      if (t.kind !== 'null' && t.kind !== 'utf8' && !isNumeric(t)) bad();
      return Float64Type;
    case 'date':
      if (t.kind !== 'null' && t.kind !== 'utf8' && t.kind !== 'date' && t.kind !== 'timestamp') bad();
      return DateType;
    case 'timestamp':
      if (t.kind !== 'null' && t.kind !== 'utf8' && t.kind !== 'date' && t.kind !== 'timestamp') bad();
      return TimestampType;
  }
}

export function checkArity(fn: string, args: readonly DataType[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new AnalysisError(`Function '${fn}' takes ${expected} argument${min === 1 && max === 1 ? '' : 's'}, got ${args.length}`);
  }
}

/** Coerces a fixed parameter list; `params[params.length - 1]` repeats for variadic functions. */
export function coerceAll(fn: string, args: readonly DataType[], params: readonly Param[], min: number, max: number): DataType[] {
  checkArity(fn, args, min, max);
  return args.map((t, i) => coerceParam(fn, t, params[Math.min(i, params.length - 1)]!, i));
}

export const isNullAt = (v: Vec, i: number): boolean => v.type.kind === 'null' || (v.validity !== null && v.validity[i] === 0);

/** Row i of a vector as a JS scalar (strings through the dictionary); only for per-row fallbacks. */
function scalarAt(v: Vec, i: number): unknown {
  if (isNullAt(v, i)) return null;
  return v.type.kind === 'utf8' ? v.dict![(v.values as Int32Array)[i]!] : v.values[i];
}

/** Result kinds `mapRows` can build; list means list<string>. */
export type RowResult = string | number | boolean | readonly string[];

/**
 * Applies `f` to the argument values of each row with SQL null propagation (a null argument gives null
 * unless `passNulls`), but calls it once per dictionary entry when only one string argument varies and
 * the others are literals, then gathers the results by code. `f` receives one reused array: it must not keep it.
 */
export function mapRows(
  args: readonly Vec[],
  ctx: EvalContext,
  f: (xs: unknown[]) => RowResult | null,
  passNulls = false,
): Vec {
  const n = ctx.length;
  const xs: unknown[] = new Array(args.length);
  const varying: number[] = [];
  for (let k = 0; k < args.length; k++) {
    if (ctx.consts[k] === NOT_CONST) varying.push(k);
    else xs[k] = n > 0 ? scalarAt(args[k]!, 0) : null;
  }
  const constNull = !passNulls && varying.length < args.length && xs.some((x, k) => x === null && ctx.consts[k] !== NOT_CONST);
  if (n === 0 || constNull) return buildResult(ctx.type, [], new Int32Array(n).fill(-1));

  const gather = new Int32Array(n);
  if (varying.length === 0) return buildResult(ctx.type, [f(xs)], gather);
  if (varying.length === 1 && args[varying[0]!]!.type.kind === 'utf8') {
    const k = varying[0]!;
    const v = args[k]!;
    const dict = v.dict!;
    const results: (RowResult | null)[] = new Array(dict.length);
    for (let c = 0; c < dict.length; c++) { xs[k] = dict[c]; results[c] = f(xs); }
    // With passNulls a null is one more distinct input, evaluated once into the slot after the dictionary.
    let nullSlot = -1;
    if (passNulls) { xs[k] = null; nullSlot = results.length; results.push(f(xs)); }
    const codes = v.values as Int32Array;
    for (let i = 0; i < n; i++) gather[i] = isNullAt(v, i) ? nullSlot : codes[i]!;
    return buildResult(ctx.type, results, gather);
  }
  const results: (RowResult | null)[] = new Array(n);
  rows: for (let i = 0; i < n; i++) {
    for (const k of varying) {
      const x = scalarAt(args[k]!, i);
      if (x === null && !passNulls) { results[i] = null; gather[i] = -1; continue rows; }
      xs[k] = x;
    }
    results[i] = f(xs);
    gather[i] = i;
  }
  return buildResult(ctx.type, results, gather);
}

/** Builds the output vector from one result per distinct input and, per row, which result it takes (-1 = null). */
export function buildResult(type: DataType, results: readonly (RowResult | null)[], gather: Int32Array): Vec {
  const n = gather.length;
  const validity = new Uint8Array(n);
  if (type.kind === 'utf8') {
    const { dict, remap } = internStrings(results as readonly (string | null)[]);
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const g = gather[i]!;
      if (g >= 0 && remap[g]! >= 0) { codes[i] = remap[g]!; validity[i] = 1; }
    }
    return { type, length: n, values: codes, validity: normalizeValidity(validity), dict };
  }
  if (type.kind === 'list') {
    const offsets = new Int32Array(n + 1);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const g = gather[i]!;
      const r = g >= 0 ? (results[g] as readonly string[] | null) : null;
      if (r !== null) { total += r.length; validity[i] = 1; }
      offsets[i + 1] = total;
    }
    const flat: string[] = new Array(total);
    for (let i = 0, at = 0; i < n; i++) {
      if (validity[i] === 0) continue;
      for (const s of results[gather[i]!] as readonly string[]) flat[at++] = s;
    }
    const { dict, remap } = internStrings(flat);
    const child: Vec = { type: Utf8Type, length: total, values: remap, validity: null, dict };
    return { type, length: n, values: new Uint8Array(0), validity: normalizeValidity(validity), offsets, child };
  }
  const table = allocValues(type, results.length) as Float64Array;
  const tableValid = new Uint8Array(results.length);
  for (let g = 0; g < results.length; g++) {
    const r = results[g];
    if (r === null || r === undefined) continue;
    table[g] = typeof r === 'boolean' ? (r ? 1 : 0) : (r as number);
    tableValid[g] = 1;
  }
  const out = allocValues(type, n) as Float64Array;
  for (let i = 0; i < n; i++) {
    const g = gather[i]!;
    if (g >= 0 && tableValid[g] === 1) { out[i] = table[g]!; validity[i] = 1; }
  }
  return { type, length: n, values: out, validity: normalizeValidity(validity) };
}

/** Deduplicates strings into a dictionary; remap[i] is the code of input i, -1 for null. */
export function internStrings(xs: readonly (string | null)[]): { dict: string[]; remap: Int32Array } {
  const dict: string[] = [];
  const index = new Map<string, number>();
  const remap = new Int32Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const s = xs[i];
    if (s === null || s === undefined) { remap[i] = -1; continue; }
    let c = index.get(s);
    if (c === undefined) { c = dict.length; dict.push(s); index.set(s, c); }
    remap[i] = c;
  }
  return { dict, remap };
}

/** A per-batch cache for values compiled from a pattern argument (regexes, formats), keyed by the pattern text. */
export function compileCache<T>(compile: (pattern: string) => T): (pattern: string) => T {
  const cache = new Map<string, T>();
  return (pattern) => {
    let c = cache.get(pattern);
    if (c === undefined) { c = compile(pattern); cache.set(pattern, c); }
    return c;
  };
}
