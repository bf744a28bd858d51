import { describe, expect, it } from 'vitest';
import type { BoundExpr } from '../../expr/bound.js';
import {
  type DataType, BooleanType, DateType, Float64Type, Int32Type, Int64Type, ListType, TimestampType, Utf8Type,
} from '../../types/data-type.js';
import { makeBatch } from '../../types/batch.js';
import { Schema, field } from '../../types/schema.js';
import { vecFromValues } from '../../types/vec.js';
import { evaluate } from '../evaluate.js';
import { lookupScalar } from './registry.js';

/*
 * DuckDB's hash() is a different function, so it cannot serve as the oracle here. The expected values
 * come from two published Spark outputs and from a straight port of Spark's Murmur3_x86_32 below, written
 * over Java byte layouts (DataView) rather than the vectorized helpers the kernel uses.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mixK1(k: number): number {
  return Math.imul(((Math.imul(k, C1) << 15) | (Math.imul(k, C1) >>> 17)), C2);
}

function mixH1(h: number, k: number): number {
  const x = h ^ k;
  return (Math.imul((x << 13) | (x >>> 19), 5) + 0xe6546b64) | 0;
}

function fmix(h: number, length: number): number {
  let x = h ^ length;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return x ^ (x >>> 16);
}

/** Murmur3_x86_32 over a Java byte[] the way Spark's hashInt/hashLong/hashUnsafeBytes read it. */
function hashBytes(bytes: Uint8Array, seed: number, tailBytesOneByOne: boolean): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const aligned = tailBytesOneByOne ? bytes.length - (bytes.length % 4) : bytes.length;
  let h = seed;
  for (let i = 0; i < aligned; i += 4) h = mixH1(h, mixK1(view.getInt32(i, true)));
  for (let i = aligned; i < bytes.length; i++) h = mixH1(h, mixK1(view.getInt8(i)));
  return fmix(h, bytes.length);
}

function referenceHash(value: unknown, type: DataType, seed: number): number {
  if (value === null) return seed;
  const buf = new DataView(new ArrayBuffer(8));
  switch (type.kind) {
    case 'int32': case 'date': buf.setInt32(0, value as number, true); return hashBytes(new Uint8Array(buf.buffer, 0, 4), seed, false);
    case 'boolean': buf.setInt32(0, value ? 1 : 0, true); return hashBytes(new Uint8Array(buf.buffer, 0, 4), seed, false);
    case 'int64': buf.setBigInt64(0, value as bigint, true); return hashBytes(new Uint8Array(buf.buffer), seed, false);
    case 'timestamp': buf.setBigInt64(0, BigInt(value as number), true); return hashBytes(new Uint8Array(buf.buffer), seed, false);
    case 'float64': {
      const x = value as number;
      // Spark hashes doubleToLongBits, which canonicalises NaN, after mapping -0.0 to 0.0.
      if (Number.isNaN(x)) buf.setBigInt64(0, 0x7ff8000000000000n, true);
      else buf.setFloat64(0, x === 0 ? 0 : x, true);
      return hashBytes(new Uint8Array(buf.buffer), seed, false);
    }
    case 'utf8': return hashBytes(new TextEncoder().encode(value as string), seed, true);
    default: throw new Error(`no reference hash for ${type.kind}`);
  }
}

function hashCall(types: readonly DataType[]): BoundExpr {
  const args = types.map((type, index): BoundExpr => ({ op: 'ref', index, type }));
  return { op: 'call', fn: 'hash', args, type: lookupScalar('hash')!.returnType(types) };
}

function hashRows(types: readonly DataType[], columns: readonly (readonly unknown[])[]): number[] {
  const vecs = columns.map((values, i) => vecFromValues(types[i]!, values));
  const batch = makeBatch(new Schema(types.map((t, i) => field(`c${i}`, t))), vecs, columns[0]!.length);
  return Array.from(evaluate(hashCall(types), batch).values as Int32Array);
}

const COLUMNS: readonly [DataType, readonly unknown[]][] = [
  [Int32Type, [1, 0, -1, 2147483647, -2147483648, null, 42, 7]],
  [Int64Type, [1n, 2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n, null, 0n, -5n, 4294967296n]],
  [Float64Type, [0, -0, NaN, Infinity, -1.5, null, 1e-300, 3.141592653589793]],
  [Utf8Type, ['abc', '', null, 'ÄÖü', '日本', '😀', 'Spark', 'seven77']],
  [BooleanType, [true, false, null, true, false, true, false, null]],
  [DateType, [0, -1, 18321, null, 2932896, -719162, 1, 2]],
  [TimestampType, [0, -1, 1_700_000_000_123_456, null, -86_400_000_001, 2 ** 40, 5, 6]],
];

describe('hash', () => {
  it('matches outputs published by Spark', () => {
    // SELECT hash(1) is -559580957; the Spark docs give hash('Spark', array(123), 2) = -1321691492, and an
    // array hashes its elements in turn with the running seed, exactly as the separate arguments below.
    expect(hashRows([Int32Type], [[1]])).toEqual([-559580957]);
    expect(hashRows([Utf8Type, Int32Type, Int32Type], [['Spark'], [123], [2]])).toEqual([-1321691492]);
  });

  for (const [type, values] of COLUMNS) {
    it(`hashes ${type.kind} values (nulls, extremes, NaN and -0.0, unicode) like Spark's Murmur3 with seed 42`, () => {
      expect(hashRows([type], [values])).toEqual(values.map((v) => referenceHash(v, type, 42)));
    });
  }

  it('chains several columns, each hash seeding the next, and leaves the seed unchanged on nulls', () => {
    const types = COLUMNS.map(([t]) => t);
    const expected = COLUMNS[0]![1].map((_, row) => COLUMNS.reduce((seed, [t, values]) => referenceHash(values[row], t, seed), 42));
    expect(hashRows(types, COLUMNS.map(([, v]) => v))).toEqual(expected);
    expect(hashRows([Int32Type, Utf8Type], [[null], [null]])).toEqual([42]);
  });

  it('rejects array arguments and an empty argument list, naming the function', () => {
    expect(() => lookupScalar('hash')!.returnType([ListType(Int32Type)])).toThrow(/'hash' cannot hash argument 1 of type array<int>/);
    expect(() => lookupScalar('hash')!.returnType([])).toThrow(/'hash' needs at least one argument/);
  });
});
