import { type DataType, typeToString } from '../../types/data-type.js';
import type { Vec } from '../../types/vec.js';
import { AnalysisError } from '../../errors.js';
import { StringPool } from './string-pool.js';

/**
 * Maps each row of one key column to a dense id (0, 1, 2, ... in order of first appearance).
 * Null gets an id of its own, so SQL's "null keys form their own group" falls out of the encoding.
 */
export interface KeyEncoder {
  readonly size: number;
  encode(v: Vec, numRows: number, out: Int32Array): void;
  /** The distinct key values for the given ids (all ids in order when omitted). */
  toVec(ids?: Int32Array): Vec;
}

export function createKeyEncoder(type: DataType): KeyEncoder {
  switch (type.kind) {
    case 'boolean': case 'int32': case 'date': return new Int32KeyEncoder(type);
    case 'float64': case 'timestamp': return new Float64KeyEncoder(type);
    case 'int64': case 'decimal': return new Int64KeyEncoder(type);
    case 'utf8': return new StringKeyEncoder(type);
    case 'null': return new NullKeyEncoder(type);
    case 'list': case 'vector':
      throw new AnalysisError(`Grouping by a column of type ${typeToString(type)} is not supported`);
  }
}

const EMPTY = -1;
/** Widest key range (max - min) that gets a direct-indexed table per batch. */
const DIRECT_RANGE_LIMIT = 1 << 20;
const HASH_MULTIPLIER = 0x9e3779b1;

/** Finalizer from MurmurHash3: spreads every input bit over the output so masking low bits is safe. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

function idsOrAll(ids: Int32Array | undefined, size: number): Int32Array {
  if (ids) return ids;
  const all = new Int32Array(size);
  for (let i = 0; i < size; i++) all[i] = i;
  return all;
}

function validityFor(ids: Int32Array, nullId: number): Uint8Array | null {
  if (nullId < 0) return null;
  let any = false;
  const validity = new Uint8Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] === nullId) any = true;
    else validity[i] = 1;
  }
  return any ? validity : null;
}

/** Fixed-width keys hashed by an open-addressing table of slot -> id + 1 (0 = empty). */
abstract class HashedKeyEncoder implements KeyEncoder {
  protected slots = new Int32Array(1024);
  protected mask = 1023;
  protected count = 0;
  protected nullId = EMPTY;
  constructor(readonly type: DataType) {}

  get size(): number { return this.count; }

  protected takeNullId(): number {
    if (this.nullId === EMPTY) this.nullId = this.newId();
    return this.nullId;
  }

  protected abstract newId(): number;
  protected abstract hashOf(id: number): number;
  abstract encode(v: Vec, numRows: number, out: Int32Array): void;
  abstract toVec(ids?: Int32Array): Vec;

  /** Doubles the slot table when it passes half full, re-placing ids by their stored keys. */
  protected growIfNeeded(): void {
    if (this.count * 2 < this.slots.length) return;
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let id = 0; id < this.count; id++) {
      if (id === this.nullId) continue;
      let s = this.hashOf(id) & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = id + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

class Int32KeyEncoder extends HashedKeyEncoder {
  private keys = new Int32Array(512);

  protected newId(): number {
    const id = this.count++;
    if (id === this.keys.length) {
      const grown = new Int32Array(id * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    return id;
  }

  protected hashOf(id: number): number { return mix32(this.keys[id]!); }

  encode(v: Vec, numRows: number, out: Int32Array): void {
    const values = v.values instanceof Int32Array ? v.values : Int32Array.from(v.values as Uint8Array);
    const validity = v.validity;
    let min = 2147483647;
    let max = -2147483648;
    for (let i = 0; i < numRows; i++) {
      const x = values[i]!;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    // Keys in a narrow range (the usual case: codes, small ids) go through a direct-indexed
    // table for this batch, so the hash table is consulted once per distinct value, not per row.
    if (numRows > 0 && max - min < DIRECT_RANGE_LIMIT && max - min < numRows * 4) {
      const direct = new Int32Array(max - min + 1).fill(-1);
      for (let i = 0; i < numRows; i++) {
        if (validity !== null && validity[i] === 0) { out[i] = this.takeNullId(); continue; }
        const j = values[i]! - min;
        let id = direct[j]!;
        if (id < 0) { id = this.idOf(values[i]!); direct[j] = id; }
        out[i] = id;
      }
      return;
    }
    for (let i = 0; i < numRows; i++) {
      if (validity !== null && validity[i] === 0) { out[i] = this.takeNullId(); continue; }
      out[i] = this.idOf(values[i]!);
    }
  }

  private idOf(x: number): number {
    let s = mix32(x) & this.mask;
    for (;;) {
      const slot = this.slots[s]!;
      if (slot === 0) {
        const id = this.newId();
        this.keys[id] = x;
        this.slots[s] = id + 1;
        this.growIfNeeded();
        return id;
      }
      if (this.keys[slot - 1] === x) return slot - 1;
      s = (s + 1) & this.mask;
    }
  }

  toVec(ids?: Int32Array): Vec {
    const take = idsOrAll(ids, this.count);
    const values = this.type.kind === 'boolean' ? new Uint8Array(take.length) : new Int32Array(take.length);
    for (let i = 0; i < take.length; i++) values[i] = this.keys[take[i]!]!;
    return { type: this.type, length: take.length, values, validity: validityFor(take, this.nullId) };
  }
}

class Float64KeyEncoder extends HashedKeyEncoder {
  private keys = new Float64Array(512);
  private keyHalves = new Int32Array(this.keys.buffer);
  private scratch = new Float64Array(0);
  private nanId = EMPTY;

  protected newId(): number {
    const id = this.count++;
    if (id === this.keys.length) {
      const grown = new Float64Array(id * 2);
      grown.set(this.keys);
      this.keys = grown;
      this.keyHalves = new Int32Array(grown.buffer);
    }
    return id;
  }

  protected hashOf(id: number): number {
    return mix32(this.keyHalves[2 * id]! ^ Math.imul(this.keyHalves[2 * id + 1]!, HASH_MULTIPLIER));
  }

  /** Spark groups -0.0 with 0.0 and every NaN together; the copy makes their bits agree before hashing. */
  encode(v: Vec, numRows: number, out: Int32Array): void {
    if (this.scratch.length < numRows) this.scratch = new Float64Array(numRows);
    const values = this.scratch;
    const src = v.values as Float64Array;
    for (let i = 0; i < numRows; i++) values[i] = src[i]! + 0;
    const halves = new Int32Array(values.buffer, 0, numRows * 2);
    const validity = v.validity;
    for (let i = 0; i < numRows; i++) {
      if (validity !== null && validity[i] === 0) { out[i] = this.takeNullId(); continue; }
      const x = values[i]!;
      if (x !== x) {
        if (this.nanId === EMPTY) { this.nanId = this.newId(); this.keys[this.nanId] = NaN; }
        out[i] = this.nanId;
        continue;
      }
      let s = mix32(halves[2 * i]! ^ Math.imul(halves[2 * i + 1]!, HASH_MULTIPLIER)) & this.mask;
      let id: number;
      for (;;) {
        const slot = this.slots[s]!;
        if (slot === 0) {
          id = this.newId();
          this.keys[id] = x;
          this.slots[s] = id + 1;
          this.growIfNeeded();
          break;
        }
        if (this.keys[slot - 1] === x) { id = slot - 1; break; }
        s = (s + 1) & this.mask;
      }
      out[i] = id;
    }
  }

  protected override growIfNeeded(): void {
    // The NaN id never sits in the slot table; hide it from the rehash like the null id.
    if (this.count * 2 < this.slots.length) return;
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let id = 0; id < this.count; id++) {
      if (id === this.nullId || id === this.nanId) continue;
      let s = this.hashOf(id) & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = id + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }

  toVec(ids?: Int32Array): Vec {
    const take = idsOrAll(ids, this.count);
    const values = new Float64Array(take.length);
    for (let i = 0; i < take.length; i++) values[i] = this.keys[take[i]!]!;
    return { type: this.type, length: take.length, values, validity: validityFor(take, this.nullId) };
  }
}

class Int64KeyEncoder extends HashedKeyEncoder {
  private halves = new Int32Array(1024);

  protected newId(): number {
    const id = this.count++;
    if (2 * id === this.halves.length) {
      const grown = new Int32Array(id * 4);
      grown.set(this.halves);
      this.halves = grown;
    }
    return id;
  }

  protected hashOf(id: number): number {
    return mix32(this.halves[2 * id]! ^ Math.imul(this.halves[2 * id + 1]!, HASH_MULTIPLIER));
  }

  /** Hashes and compares the two 32-bit halves so no BigInt is created per row. */
  encode(v: Vec, numRows: number, out: Int32Array): void {
    const src = v.values as BigInt64Array;
    const halves = new Int32Array(src.buffer, src.byteOffset, numRows * 2);
    const validity = v.validity;
    for (let i = 0; i < numRows; i++) {
      if (validity !== null && validity[i] === 0) { out[i] = this.takeNullId(); continue; }
      const lo = halves[2 * i]!;
      const hi = halves[2 * i + 1]!;
      let s = mix32(lo ^ Math.imul(hi, HASH_MULTIPLIER)) & this.mask;
      let id: number;
      for (;;) {
        const slot = this.slots[s]!;
        if (slot === 0) {
          id = this.newId();
          this.halves[2 * id] = lo;
          this.halves[2 * id + 1] = hi;
          this.slots[s] = id + 1;
          this.growIfNeeded();
          break;
        }
        const k = slot - 1;
        if (this.halves[2 * k] === lo && this.halves[2 * k + 1] === hi) { id = k; break; }
        s = (s + 1) & this.mask;
      }
      out[i] = id;
    }
  }

  toVec(ids?: Int32Array): Vec {
    const take = idsOrAll(ids, this.count);
    const values = new BigInt64Array(take.length);
    const outHalves = new Int32Array(values.buffer);
    for (let i = 0; i < take.length; i++) {
      const k = take[i]!;
      outHalves[2 * i] = this.halves[2 * k]!;
      outHalves[2 * i + 1] = this.halves[2 * k + 1]!;
    }
    return { type: this.type, length: take.length, values, validity: validityFor(take, this.nullId) };
  }
}

/** String ids come straight from the table-wide string pool, so rows need no hashing at all. */
class StringKeyEncoder implements KeyEncoder {
  private readonly pool = new StringPool();
  private nullId = EMPTY;
  constructor(readonly type: DataType) {}

  get size(): number { return this.pool.size; }

  encode(v: Vec, numRows: number, out: Int32Array): void {
    const validity = v.validity;
    if (validity === null) { this.pool.remapCodes(v, numRows, out); return; }
    for (let i = 0; i < numRows; i++) {
      if (validity[i] === 0) out[i] = this.nullId === EMPTY ? (this.nullId = this.pool.reserveId()) : this.nullId;
    }
    this.pool.remapCodes(v, numRows, out, validity);
  }

  toVec(ids?: Int32Array): Vec {
    const take = idsOrAll(ids, this.size);
    return { type: this.type, length: take.length, values: take.slice(), validity: validityFor(take, this.nullId), dict: this.pool.strings };
  }
}

/** A column of type null: every row is the one null key. */
class NullKeyEncoder implements KeyEncoder {
  size = 0;
  constructor(readonly type: DataType) {}
  encode(_v: Vec, numRows: number, out: Int32Array): void {
    if (numRows > 0) this.size = 1;
    out.fill(0, 0, numRows);
  }
  toVec(ids?: Int32Array): Vec {
    const n = ids ? ids.length : this.size;
    return { type: this.type, length: n, values: new Uint8Array(0), validity: new Uint8Array(n) };
  }
}
