import { type DataType, DecimalType, Float64Type, Int32Type, Int64Type, typeToString } from '../types/data-type.js';
import { type Vec, concatVecs, isNull, normalizeValidity, nullVec, takeVec } from '../types/vec.js';
import { dictionaryRanks, int64Halves } from './key-hash.js';
import { type SortKey, sortIndicesByWords, sortWords } from './sort.js';

export type WindowFn =
  | { readonly kind: 'row_number' } | { readonly kind: 'rank' } | { readonly kind: 'dense_rank' } | { readonly kind: 'percent_rank' } | { readonly kind: 'ntile'; readonly n: number } | { readonly kind: 'cume_dist' }
  | { readonly kind: 'lag' | 'lead'; readonly input: Vec; readonly offset: number; readonly defaultValue: Vec | null }
  | { readonly kind: 'aggregate'; readonly fn: 'sum' | 'avg' | 'min' | 'max' | 'count' | 'first' | 'last'; readonly input: Vec | null; readonly frame: { start: number | null; end: number | null } | 'default' };

type AggregateFn = Extract<WindowFn, { kind: 'aggregate' }>;

/**
 * Rows in window order, described by positions in the sorted sequence: `order[s]` is the input
 * row at sorted position s; partitions and peer groups (rows with equal order keys) are
 * half-open position ranges, stored per position.
 */
interface WindowLayout {
  readonly numRows: number;
  readonly order: Int32Array;
  readonly partitionStart: Int32Array;
  readonly partitionEnd: Int32Array;
  readonly peerStart: Int32Array;
  readonly peerEnd: Int32Array;
}

/** Marks sorted positions whose words differ from the previous position's (one random read per word and row). */
function markChanges(words: readonly Uint32Array[], order: Int32Array, changed: Uint8Array): void {
  const numRows = order.length;
  for (const w of words) {
    let previous = numRows > 0 ? w[order[0]!]! : 0;
    for (let s = 1; s < numRows; s++) {
      const x = w[order[s]!]!;
      if (x !== previous) changed[s] = 1;
      previous = x;
    }
  }
}

function layoutRows(partitionKeys: readonly Vec[], orderKeys: readonly Vec[], orders: readonly SortKey[], numRows: number): WindowLayout {
  const partitionOrders = partitionKeys.map(() => ({ ascending: true, nullsFirst: true }));
  const partitionWords = sortWords(partitionKeys, partitionOrders, numRows);
  const orderWords = sortWords(orderKeys, orders, numRows);
  const order = sortIndicesByWords([...partitionWords, ...orderWords], numRows);
  const newPartition = new Uint8Array(numRows);
  markChanges(partitionWords, order, newPartition);
  const newPeerGroup = newPartition.slice();
  markChanges(orderWords, order, newPeerGroup);
  const partitionStart = new Int32Array(numRows);
  const peerStart = new Int32Array(numRows);
  for (let s = 1; s < numRows; s++) {
    partitionStart[s] = newPartition[s] === 1 ? s : partitionStart[s - 1]!;
    peerStart[s] = newPeerGroup[s] === 1 ? s : peerStart[s - 1]!;
  }
  const partitionEnd = new Int32Array(numRows);
  const peerEnd = new Int32Array(numRows);
  for (let s = numRows - 1; s >= 0; s--) {
    const lastOfPartition = s === numRows - 1 || newPartition[s + 1] === 1;
    partitionEnd[s] = lastOfPartition ? s + 1 : partitionEnd[s + 1]!;
    peerEnd[s] = s === numRows - 1 || newPeerGroup[s + 1] === 1 ? s + 1 : peerEnd[s + 1]!;
  }
  return { numRows, order, partitionStart, partitionEnd, peerStart, peerEnd };
}

const int32Result = (values: Int32Array): Vec => ({ type: Int32Type, length: values.length, values, validity: null });
const float64Result = (values: Float64Array, validity: Uint8Array | null = null): Vec =>
  ({ type: Float64Type, length: values.length, values, validity: normalizeValidity(validity) });

function rankingFunction(layout: WindowLayout, fn: Exclude<WindowFn, { kind: 'lag' | 'lead' | 'aggregate' }>): Vec {
  const { numRows, order, partitionStart, partitionEnd, peerStart, peerEnd } = layout;
  if (fn.kind === 'percent_rank' || fn.kind === 'cume_dist') {
    const out = new Float64Array(numRows);
    for (let s = 0; s < numRows; s++) {
      const size = partitionEnd[s]! - partitionStart[s]!;
      out[order[s]!] = fn.kind === 'cume_dist'
        ? (peerEnd[s]! - partitionStart[s]!) / size
        : size > 1 ? (peerStart[s]! - partitionStart[s]!) / (size - 1) : 0;
    }
    return float64Result(out);
  }
  const out = new Int32Array(numRows);
  switch (fn.kind) {
    case 'row_number':
      for (let s = 0; s < numRows; s++) out[order[s]!] = s - partitionStart[s]! + 1;
      break;
    case 'rank':
      for (let s = 0; s < numRows; s++) out[order[s]!] = peerStart[s]! - partitionStart[s]! + 1;
      break;
    case 'dense_rank': {
      let rank = 0;
      for (let s = 0; s < numRows; s++) {
        if (partitionStart[s] === s) rank = 1;
        else if (peerStart[s] === s) rank++;
        out[order[s]!] = rank;
      }
      break;
    }
    case 'ntile': {
      if (!(fn.n > 0)) throw new RangeError(`ntile needs a positive bucket count, got ${fn.n}`);
      for (let s = 0; s < numRows; s++) {
        // The first (size % n) buckets hold one row more than the others.
        const size = partitionEnd[s]! - partitionStart[s]!;
        const base = Math.floor(size / fn.n);
        const larger = size % fn.n;
        const k = s - partitionStart[s]!;
        const inLarger = larger * (base + 1);
        out[order[s]!] = k < inLarger ? Math.floor(k / (base + 1)) + 1 : larger + Math.floor((k - inLarger) / base) + 1;
      }
      break;
    }
  }
  return int32Result(out);
}

function lagOrLead(layout: WindowLayout, fn: Extract<WindowFn, { kind: 'lag' | 'lead' }>): Vec {
  const { numRows, order, partitionStart, partitionEnd } = layout;
  const shift = fn.kind === 'lag' ? -fn.offset : fn.offset;
  const hasDefault = fn.defaultValue !== null && fn.defaultValue.length > 0 && !isNull(fn.defaultValue, 0);
  // The default is appended after the input rows, so one gather produces the result.
  const source = hasDefault ? concatVecs(fn.input.type, [fn.input, fn.defaultValue!]) : fn.input;
  const outside = hasDefault ? fn.input.length : -1;
  const sourceRow = new Int32Array(numRows);
  for (let s = 0; s < numRows; s++) {
    const t = s + shift;
    sourceRow[order[s]!] = t >= partitionStart[s]! && t < partitionEnd[s]! ? order[t]! : outside;
  }
  return takeVec(source, sourceRow);
}

/** Half-open frame [lo, hi) of sorted positions per sorted position; both bounds never decrease within a partition. */
interface Frame {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  /** Every frame starts at its partition's first row, so aggregates can run forward without removals. */
  readonly growing: boolean;
}

function frameOf(layout: WindowLayout, frame: AggregateFn['frame'], hasOrderKeys: boolean): Frame {
  const { numRows, partitionStart, partitionEnd, peerEnd } = layout;
  if (frame === 'default') {
    return { lo: partitionStart, hi: hasOrderKeys ? peerEnd : partitionEnd, growing: true };
  }
  const lo = new Int32Array(numRows);
  const hi = new Int32Array(numRows);
  for (let s = 0; s < numRows; s++) {
    const first = partitionStart[s]!;
    const end = partitionEnd[s]!;
    const a = frame.start === null ? first : Math.min(end, Math.max(first, s + frame.start));
    const b = frame.end === null ? end : Math.min(end, Math.max(first, s + frame.end + 1));
    lo[s] = a;
    hi[s] = Math.max(a, b);
  }
  return { lo, hi, growing: frame.start === null };
}

/** Count of non-null values before each sorted position (length numRows + 1). */
function validPrefix(layout: WindowLayout, input: Vec | null): Int32Array {
  const { numRows, order } = layout;
  const prefix = new Int32Array(numRows + 1);
  const valid = input === null ? null : input.type.kind === 'null' ? new Uint8Array(input.length) : input.validity;
  for (let s = 0; s < numRows; s++) prefix[s + 1] = prefix[s]! + (valid === null ? 1 : valid[order[s]!]!);
  return prefix;
}

function countAggregate(layout: WindowLayout, input: Vec | null, frame: Frame): Vec {
  const { numRows, order } = layout;
  const prefix = validPrefix(layout, input);
  const values = new BigInt64Array(numRows);
  const halves = int64Halves(values);
  for (let s = 0; s < numRows; s++) halves[2 * order[s]!] = prefix[frame.hi[s]!]! - prefix[frame.lo[s]!]!;
  return { type: Int64Type, length: numRows, values, validity: null };
}

const TWO_POW_32 = 4294967296;

/**
 * Exact sums of integers (int32, int64, decimal unscaled) per frame, as 64-bit two's complement
 * that wraps on overflow like Spark's non-ANSI long sum. Prefix sums are kept as (high, low)
 * 32-bit halves so each frame's sum is one subtraction with borrow, with no BigInt arithmetic.
 * Results are per sorted position; `count` is the number of non-null inputs in the frame.
 */
function integerFrameSums(layout: WindowLayout, input: Vec, frame: Frame): { low: Float64Array; high: Int32Array; count: Int32Array } {
  const { numRows, order } = layout;
  const prefixLow = new Float64Array(numRows + 1);
  const prefixHigh = new Int32Array(numRows + 1);
  const valid = input.validity;
  const int32Input = input.type.kind === 'int32' ? (input.values as Int32Array) : null;
  const int64Input = int32Input === null ? int64Halves(input.values as BigInt64Array) : null;
  for (let s = 0; s < numRows; s++) {
    const row = order[s]!;
    let addLow = 0;
    let addHigh = 0;
    if (valid === null || valid[row] === 1) {
      if (int32Input !== null) { const v = int32Input[row]!; addLow = v >>> 0; addHigh = v < 0 ? -1 : 0; }
      else { addLow = int64Input![2 * row]! >>> 0; addHigh = int64Input![2 * row + 1]!; }
    }
    let l = prefixLow[s]! + addLow;
    let carry = 0;
    if (l >= TWO_POW_32) { l -= TWO_POW_32; carry = 1; }
    prefixLow[s + 1] = l;
    prefixHigh[s + 1] = (prefixHigh[s]! + addHigh + carry) | 0;
  }
  const counts = validPrefix(layout, input);
  const low = new Float64Array(numRows);
  const high = new Int32Array(numRows);
  const count = new Int32Array(numRows);
  for (let s = 0; s < numRows; s++) {
    const a = frame.lo[s]!;
    const b = frame.hi[s]!;
    let l = prefixLow[b]! - prefixLow[a]!;
    let borrow = 0;
    if (l < 0) { l += TWO_POW_32; borrow = 1; }
    low[s] = l;
    high[s] = (prefixHigh[b]! - prefixHigh[a]! - borrow) | 0;
    count[s] = counts[b]! - counts[a]!;
  }
  return { low, high, count };
}

function integerSum(layout: WindowLayout, input: Vec, frame: Frame, type: DataType): Vec {
  const { numRows, order } = layout;
  const { low, high, count } = integerFrameSums(layout, input, frame);
  const values = new BigInt64Array(numRows);
  const halves = int64Halves(values);
  const validity = new Uint8Array(numRows);
  for (let s = 0; s < numRows; s++) {
    if (count[s] === 0) continue;
    const row = order[s]!;
    halves[2 * row] = low[s]!;
    halves[2 * row + 1] = high[s]!;
    validity[row] = 1;
  }
  return { type, length: numRows, values, validity: normalizeValidity(validity) };
}

/** Average of integers or decimals from the exact sum, rounded once (Spark adds doubles, which loses more). */
function integerAverage(layout: WindowLayout, input: Vec, frame: Frame): Vec {
  const { numRows, order } = layout;
  const { low, high, count } = integerFrameSums(layout, input, frame);
  const scale = input.type.kind === 'decimal' ? 10 ** input.type.scale : 1;
  const out = new Float64Array(numRows);
  const validity = new Uint8Array(numRows);
  for (let s = 0; s < numRows; s++) {
    if (count[s] === 0) continue;
    const row = order[s]!;
    out[row] = (high[s]! * TWO_POW_32 + low[s]!) / scale / count[s]!;
    validity[row] = 1;
  }
  return float64Result(out, validity);
}

/** Double inputs in sorted order, so frame sums read them sequentially. */
function doublesInOrder(layout: WindowLayout, input: Vec): Float64Array {
  if (input.type.kind !== 'float64') throw new TypeError(`Cannot sum or average values of type ${typeToString(input.type)}`);
  const { numRows, order } = layout;
  const v = input.values as Float64Array;
  const out = new Float64Array(numRows);
  for (let s = 0; s < numRows; s++) out[s] = v[order[s]!]!;
  return out;
}

/**
 * Double sums per frame. Growing frames add rows in order, as Spark does; sliding frames add and
 * remove rows with a compensated sum and count infinities and NaNs apart, so removing a huge or
 * non-finite value does not corrupt the frames after it.
 */
function doubleSums(layout: WindowLayout, input: Vec, frame: Frame): Float64Array {
  const { numRows, order, partitionStart } = layout;
  const values = doublesInOrder(layout, input);
  const valid = input.validity;
  const isValid = (s: number): boolean => valid === null || valid[order[s]!] === 1;
  const sums = new Float64Array(numRows);
  if (frame.growing) {
    const inclusive = new Float64Array(numRows);
    let acc = 0;
    for (let s = 0; s < numRows; s++) {
      if (partitionStart[s] === s) acc = 0;
      if (isValid(s)) acc += values[s]!;
      inclusive[s] = acc;
    }
    for (let s = 0; s < numRows; s++) {
      const b = frame.hi[s]!;
      sums[s] = b > frame.lo[s]! ? inclusive[b - 1]! : 0;
    }
    return sums;
  }
  let sum = 0;
  let compensation = 0;
  let positiveInfinities = 0;
  let negativeInfinities = 0;
  let nans = 0;
  let from = 0;
  let to = 0;
  const update = (s: number, sign: 1 | -1): void => {
    if (!isValid(s)) return;
    const x = values[s]!;
    if (x === Infinity) positiveInfinities += sign;
    else if (x === -Infinity) negativeInfinities += sign;
    else if (x !== x) nans += sign;
    else {
      const y = sign * x;
      const t = sum + y;
      compensation += Math.abs(sum) >= Math.abs(y) ? sum - t + y : y - t + sum;
      sum = t;
    }
  };
  for (let s = 0; s < numRows; s++) {
    if (partitionStart[s] === s) {
      sum = compensation = positiveInfinities = negativeInfinities = nans = 0;
      from = to = s;
    }
    const a = frame.lo[s]!;
    const b = frame.hi[s]!;
    while (to < b) update(to++, 1);
    while (from < a) update(from++, -1);
    if (nans > 0 || (positiveInfinities > 0 && negativeInfinities > 0)) sums[s] = NaN;
    else if (positiveInfinities > 0) sums[s] = Infinity;
    else if (negativeInfinities > 0) sums[s] = -Infinity;
    else sums[s] = sum + compensation;
  }
  return sums;
}

function sumOrAverage(layout: WindowLayout, input: Vec, frame: Frame, average: boolean): Vec {
  const { numRows, order } = layout;
  const kind = input.type.kind;
  // An untyped NULL column sums to a null double, as Spark's sum(NULL) does.
  if (kind === 'null') return nullVec(Float64Type, numRows);
  if (kind === 'int32' || kind === 'int64' || kind === 'decimal') {
    if (average) return integerAverage(layout, input, frame);
    const type = input.type.kind === 'decimal' ? DecimalType(Math.min(38, input.type.precision + 10), input.type.scale) : Int64Type;
    return integerSum(layout, input, frame, type);
  }
  const sums = doubleSums(layout, input, frame);
  const counts = validPrefix(layout, input);
  const out = new Float64Array(numRows);
  const validity = new Uint8Array(numRows);
  for (let s = 0; s < numRows; s++) {
    const count = counts[frame.hi[s]!]! - counts[frame.lo[s]!]!;
    if (count === 0) continue;
    const row = order[s]!;
    out[row] = average ? sums[s]! / count : sums[s]!;
    validity[row] = 1;
  }
  return float64Result(out, validity);
}

/**
 * Per sorted position, a (major, minor) pair of doubles ordered like the values: ints directly,
 * doubles with NaN above all numbers, 64-bit ints as (signed high, unsigned low) halves, strings
 * by code point rank. Lets min and max compare any type with two number comparisons.
 */
function orderingPairs(layout: WindowLayout, input: Vec): { major: Float64Array; minor: Float64Array } {
  const { numRows, order } = layout;
  const major = new Float64Array(numRows);
  const minor = new Float64Array(numRows);
  switch (input.type.kind) {
    case 'boolean': case 'int32': case 'date': {
      const v = input.values as Int32Array | Uint8Array;
      for (let s = 0; s < numRows; s++) major[s] = v[order[s]!]!;
      break;
    }
    case 'float64': case 'timestamp': {
      const v = input.values as Float64Array;
      for (let s = 0; s < numRows; s++) {
        const x = v[order[s]!]!;
        if (x !== x) major[s] = 1;
        else minor[s] = x;
      }
      break;
    }
    case 'int64': case 'decimal': {
      const halves = int64Halves(input.values as BigInt64Array);
      for (let s = 0; s < numRows; s++) {
        const row = order[s]!;
        major[s] = halves[2 * row + 1]!;
        minor[s] = halves[2 * row]! >>> 0;
      }
      break;
    }
    case 'utf8': {
      const { ranks } = dictionaryRanks(input.dict!);
      const codes = input.values as Int32Array;
      for (let s = 0; s < numRows; s++) major[s] = ranks[codes[order[s]!]!]!;
      break;
    }
    case 'null':
      break;
    case 'list':
      throw new TypeError('min and max over array values are not supported');
  }
  return { major, minor };
}

/**
 * Min or max per frame as the sorted position holding it. Growing frames keep a running best;
 * sliding frames use a monotonic deque of candidate positions, so each row enters and leaves once.
 */
function minOrMax(layout: WindowLayout, input: Vec, frame: Frame, wantMax: boolean): Vec {
  const { numRows, order, partitionStart } = layout;
  const { major, minor } = orderingPairs(layout, input);
  const valid = input.type.kind === 'null' ? new Uint8Array(input.length) : input.validity;
  const isValid = (s: number): boolean => valid === null || valid[order[s]!] === 1;
  // True when position a holds a strictly better value than b.
  const better = (a: number, b: number): boolean => {
    const x = major[a]!;
    const y = major[b]!;
    if (x !== y) return wantMax ? x > y : x < y;
    return wantMax ? minor[a]! > minor[b]! : minor[a]! < minor[b]!;
  };
  const sourceRow = new Int32Array(numRows);
  if (frame.growing) {
    const bestUpTo = new Int32Array(numRows);
    let best = -1;
    for (let s = 0; s < numRows; s++) {
      if (partitionStart[s] === s) best = -1;
      if (isValid(s) && (best < 0 || better(s, best))) best = s;
      bestUpTo[s] = best;
    }
    for (let s = 0; s < numRows; s++) {
      const b = frame.hi[s]!;
      const at = b > frame.lo[s]! ? bestUpTo[b - 1]! : -1;
      sourceRow[order[s]!] = at < 0 ? -1 : order[at]!;
    }
    return takeVec(input, sourceRow);
  }
  const deque = new Int32Array(numRows);
  let head = 0;
  let tail = 0;
  let to = 0;
  for (let s = 0; s < numRows; s++) {
    if (partitionStart[s] === s) { head = tail = 0; to = s; }
    const a = frame.lo[s]!;
    const b = frame.hi[s]!;
    for (; to < b; to++) {
      if (!isValid(to)) continue;
      while (tail > head && better(to, deque[tail - 1]!)) tail--;
      deque[tail++] = to;
    }
    while (tail > head && deque[head]! < a) head++;
    sourceRow[order[s]!] = tail > head ? order[deque[head]!]! : -1;
  }
  return takeVec(input, sourceRow);
}

function firstOrLast(layout: WindowLayout, input: Vec, frame: Frame, last: boolean): Vec {
  const { numRows, order } = layout;
  const sourceRow = new Int32Array(numRows);
  for (let s = 0; s < numRows; s++) {
    const a = frame.lo[s]!;
    const b = frame.hi[s]!;
    sourceRow[order[s]!] = b > a ? order[last ? b - 1 : a]! : -1;
  }
  return takeVec(input, sourceRow);
}

function aggregate(layout: WindowLayout, fn: AggregateFn, hasOrderKeys: boolean): Vec {
  const frame = frameOf(layout, fn.frame, hasOrderKeys);
  if (fn.fn === 'count') return countAggregate(layout, fn.input, frame);
  if (fn.input === null) throw new TypeError(`${fn.fn} needs an input column`);
  switch (fn.fn) {
    case 'sum': return sumOrAverage(layout, fn.input, frame, false);
    case 'avg': return sumOrAverage(layout, fn.input, frame, true);
    case 'min': return minOrMax(layout, fn.input, frame, false);
    case 'max': return minOrMax(layout, fn.input, frame, true);
    case 'first': return firstOrLast(layout, fn.input, frame, false);
    case 'last': return firstOrLast(layout, fn.input, frame, true);
  }
}

/**
 * Evaluates window functions over rows in any order: sorts by (partition keys, order keys) once
 * and returns one result vector per function, aligned with the input rows.
 */
export function computeWindow(partitionKeys: readonly Vec[], orderKeys: readonly Vec[], orders: readonly SortKey[], numRows: number, fns: readonly WindowFn[]): Vec[] {
  const layout = layoutRows(partitionKeys, orderKeys, orders, numRows);
  const hasOrderKeys = orderKeys.length > 0;
  return fns.map((fn) => {
    switch (fn.kind) {
      case 'lag': case 'lead': return lagOrLead(layout, fn);
      case 'aggregate': return aggregate(layout, fn, hasOrderKeys);
      default: return rankingFunction(layout, fn);
    }
  });
}
