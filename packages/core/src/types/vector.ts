/**
 * The JS value of one sparse vector row at the API edge (collect, createDataFrame, literals);
 * a dense row is a Float64Array of the column's size. Columns never hold these objects: see vec.ts.
 */
export class SparseVector {
  constructor(readonly size: number, readonly indices: Int32Array, readonly values: Float64Array) {
    if (indices.length !== values.length) throw new TypeError(`SparseVector: ${indices.length} indices but ${values.length} values`);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      if (i < 0 || i >= size || (k > 0 && i <= indices[k - 1]!)) {
        throw new TypeError(`SparseVector: indices must be increasing and within [0, ${size}), got ${Array.from(indices).join(', ')}`);
      }
    }
  }

  static of(size: number, indices: ArrayLike<number>, values: ArrayLike<number>): SparseVector {
    return new SparseVector(size, Int32Array.from(indices), Float64Array.from(values));
  }

  toDense(): Float64Array {
    const out = new Float64Array(this.size);
    for (let k = 0; k < this.indices.length; k++) out[this.indices[k]!] = this.values[k]!;
    return out;
  }

  toString(): string {
    return `(${this.size},[${Array.from(this.indices).join(',')}],[${Array.from(this.values).join(',')}])`;
  }
}

/** Spark's text form of a dense vector: [1.0,2.0]. */
export const denseVectorString = (v: Float64Array): string => `[${Array.from(v, (x) => (Number.isInteger(x) ? x.toFixed(1) : String(x))).join(',')}]`;
