import type { Vec } from '../../types/vec.js';

/** Validity of a row-wise function of several inputs: valid where every input is valid. */
export function andValidity(n: number, ...vecs: readonly Vec[]): Uint8Array | null {
  let out: Uint8Array | null = null;
  for (const v of vecs) {
    if (v.type.kind === 'null') return new Uint8Array(n);
    if (v.validity === null) continue;
    if (out === null) out = v.validity.slice();
    else for (let i = 0; i < n; i++) out[i]! &= v.validity[i]!;
  }
  return out;
}
