import type { Vec } from '../../types/vec.js';

/**
 * Table-wide string -> id map. Incoming vectors carry their own dictionaries, so each dictionary
 * entry is looked up at most once (lazily, when a row first uses it) and rows are remapped by code.
 */
export class StringPool {
  readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();
  private lastDict: readonly string[] | null = null;
  private lastRemap = new Int32Array(0);

  get size(): number { return this.strings.length; }

  idOf(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.ids.set(s, id);
    }
    return id;
  }

  /** An id with no string behind it (the null key); its dictionary slot holds a placeholder. */
  reserveId(): number {
    this.strings.push('');
    return this.strings.length - 1;
  }

  /** Remap array for a dictionary: entry -> pool id, -1 until first used. Reused while batches share a dictionary. */
  remapFor(dict: readonly string[]): Int32Array {
    if (dict !== this.lastDict) {
      this.lastDict = dict;
      this.lastRemap = new Int32Array(dict.length).fill(-1);
    }
    return this.lastRemap;
  }

  /** Writes the pool id of each valid row into out (rows with validity 0 are left untouched). */
  remapCodes(v: Vec, numRows: number, out: Int32Array, validity: Uint8Array | null = null): void {
    const dict = v.dict!;
    const codes = v.values as Int32Array;
    const remap = this.remapFor(dict);
    for (let i = 0; i < numRows; i++) {
      if (validity !== null && validity[i] === 0) continue;
      const c = codes[i]!;
      let id = remap[c]!;
      if (id < 0) { id = this.idOf(dict[c]!); remap[c] = id; }
      out[i] = id;
    }
  }
}
