import type { DataType } from '../../types/data-type.js';
import type { Vec } from '../../types/vec.js';
import { type KeyEncoder, createKeyEncoder, mix32 } from './key-encoders.js';

/**
 * Dense group ids for rows by key columns (also used by distinct, dropDuplicates and window partitioning).
 *
 * Each key column is first encoded to dense per-column ids; with one key column those are the group ids.
 * With several, the tuple of per-column ids is the key of a second open-addressing table, so composite
 * keys never build per-row strings or objects.
 */
export class GroupTable {
  private readonly encoders: KeyEncoder[];
  private readonly width: number;
  private columnIds: Int32Array[] = [];
  /** Pairs of (group id + 1, hash): the hash sits next to the id so a probe rarely touches `tuples` on a miss. */
  private slots = new Int32Array(0);
  private mask = 0;
  /** Per group: the per-column ids, `width` at a time. */
  private tuples = new Int32Array(0);
  private hashes = new Int32Array(0);
  private count = 0;

  constructor(keyTypes: readonly DataType[]) {
    this.encoders = keyTypes.map(createKeyEncoder);
    this.width = keyTypes.length;
    if (this.width > 1) {
      this.slots = new Int32Array(2048);
      this.mask = 1023;
      this.tuples = new Int32Array(512 * this.width);
      this.hashes = new Int32Array(512);
    }
  }

  get numGroups(): number {
    if (this.width === 0) return this.count;
    return this.width === 1 ? this.encoders[0]!.size : this.count;
  }

  /** Returns the group id of each row, adding new groups. */
  insert(keys: readonly Vec[], numRows: number): Int32Array {
    const out = new Int32Array(numRows);
    if (this.width === 0) {
      if (numRows > 0) this.count = 1;
      return out;
    }
    if (this.width === 1) {
      this.encoders[0]!.encode(keys[0]!, numRows, out);
      return out;
    }
    if (this.columnIds.length === 0 || this.columnIds[0]!.length < numRows) {
      this.columnIds = this.encoders.map(() => new Int32Array(numRows));
    }
    for (let j = 0; j < this.width; j++) this.encoders[j]!.encode(keys[j]!, numRows, this.columnIds[j]!);
    if (this.width === 2) this.insertPairs(numRows, out);
    else this.insertTuples(numRows, out);
    return out;
  }

  private insertPairs(numRows: number, out: Int32Array): void {
    const a = this.columnIds[0]!;
    const b = this.columnIds[1]!;
    for (let i = 0; i < numRows; i++) {
      const x = a[i]!;
      const y = b[i]!;
      const h = mix32(Math.imul(x, 0x9e3779b1) ^ y);
      let s = h & this.mask;
      for (;;) {
        const slot = this.slots[2 * s]!;
        if (slot === 0) { out[i] = this.addGroup(s, h, i); break; }
        const g = slot - 1;
        if (this.slots[2 * s + 1] === h && this.tuples[2 * g] === x && this.tuples[2 * g + 1] === y) { out[i] = g; break; }
        s = (s + 1) & this.mask;
      }
    }
  }

  private insertTuples(numRows: number, out: Int32Array): void {
    const width = this.width;
    const cols = this.columnIds;
    for (let i = 0; i < numRows; i++) {
      let h = 0;
      for (let j = 0; j < width; j++) h = Math.imul(h ^ cols[j]![i]!, 0x9e3779b1) + j;
      h = mix32(h);
      let s = h & this.mask;
      for (;;) {
        const slot = this.slots[2 * s]!;
        if (slot === 0) { out[i] = this.addGroup(s, h, i); break; }
        const g = slot - 1;
        if (this.slots[2 * s + 1] === h) {
          let same = true;
          const base = g * width;
          for (let j = 0; j < width; j++) if (this.tuples[base + j] !== cols[j]![i]) { same = false; break; }
          if (same) { out[i] = g; break; }
        }
        s = (s + 1) & this.mask;
      }
    }
  }

  private addGroup(slot: number, hash: number, row: number): number {
    const g = this.count++;
    const width = this.width;
    if (g === this.hashes.length) {
      const tuples = new Int32Array(this.tuples.length * 2);
      tuples.set(this.tuples);
      this.tuples = tuples;
      const hashes = new Int32Array(this.hashes.length * 2);
      hashes.set(this.hashes);
      this.hashes = hashes;
    }
    for (let j = 0; j < width; j++) this.tuples[g * width + j] = this.columnIds[j]![row]!;
    this.hashes[g] = hash;
    this.slots[2 * slot] = g + 1;
    this.slots[2 * slot + 1] = hash;
    if (this.count * 4 >= this.slots.length) this.rehash();
    return g;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length / 2 - 1;
    for (let g = 0; g < this.count; g++) {
      const h = this.hashes[g]!;
      let s = h & mask;
      while (slots[2 * s] !== 0) s = (s + 1) & mask;
      slots[2 * s] = g + 1;
      slots[2 * s + 1] = h;
    }
    this.slots = slots;
    this.mask = mask;
  }

  /** Key vectors, one row per group, in group-id order. */
  keys(): Vec[] {
    if (this.width === 1) return [this.encoders[0]!.toVec()];
    return this.encoders.map((encoder, j) => {
      const ids = new Int32Array(this.count);
      for (let g = 0; g < this.count; g++) ids[g] = this.tuples[g * this.width + j]!;
      return encoder.toVec(ids);
    });
  }
}
