import { Table, Type, Utf8, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { decodeIpc, encodeIpc } from './arrow.js';
import { makeBatch } from './batch.js';
import { Utf8Type } from './data-type.js';
import { Schema, field } from './schema.js';
import { pendingUtf8 } from './utf8-bytes.js';
import { type Vec, concatVecs, getValue, sliceVec, takeVec, vecFromValues } from './vec.js';

const SCHEMA = new Schema([field('s', Utf8Type)]);

/** A string column as a reader gets it from Arrow: plain Utf8 bytes, not yet encoded. */
function fromArrow(values: readonly (string | null)[]): Vec {
  const table = new Table({ s: vectorFromArray(values, new Utf8()) });
  const v = decodeIpc(tableToIPC(table, 'stream')).batches[0]!.columns[0]!;
  expect(pendingUtf8(v)).not.toBeNull();
  return v;
}

const strings = (v: Vec) => Array.from({ length: v.length }, (_, i) => getValue(v, i));
const MANY = Array.from({ length: 40 }, (_, i) => (i % 7 === 3 ? null : `row ${i} ${'é'.repeat(i % 3)}${i % 5 === 0 ? ' and a tail longer than thirty-two bytes' : ''}`));

describe('string columns kept as UTF-8 bytes', () => {
  it('read back from a mostly distinct plain column without being encoded, and give the same strings as codes would', () => {
    const v = fromArrow(MANY);
    expect(strings(v)).toEqual(MANY);
    expect(pendingUtf8(v)).not.toBeNull();
    expect(v.dict![(v.values as Int32Array)[1]!]).toBe(MANY[1]);
    expect(pendingUtf8(v)).toBeNull();
  });

  it('take, slice and concat as bytes, nulls and -1 padding included', () => {
    const v = fromArrow(MANY);
    const taken = takeVec(v, Int32Array.from([5, -1, 3, 39, 0]));
    expect(pendingUtf8(taken)).not.toBeNull();
    expect(strings(taken)).toEqual([MANY[5], null, null, MANY[39], MANY[0]]);
    const sliced = sliceVec(v, 10, 20);
    expect(strings(sliced)).toEqual(MANY.slice(10, 20));
    const joined = concatVecs(Utf8Type, [sliced, taken, sliceVec(v, 0, 3)]);
    expect(pendingUtf8(joined)).not.toBeNull();
    expect(strings(joined)).toEqual([...MANY.slice(10, 20), MANY[5], null, null, MANY[39], MANY[0], ...MANY.slice(0, 3)]);
  });

  it('concat with a dictionary-encoded part falls back to codes and keeps every string', () => {
    const coded = vecFromValues(Utf8Type, ['x', null, 'row 1 é']);
    const joined = concatVecs(Utf8Type, [fromArrow(MANY.slice(0, 5)), coded]);
    expect(strings(joined)).toEqual([...MANY.slice(0, 5), 'x', null, 'row 1 é']);
  });

  it('a vector derived by spreading one (other strings, same codes) does not inherit its bytes', () => {
    const v = fromArrow(['a', 'b', 'a']);
    const upper = { ...v, dict: v.dict!.map((s) => s.toUpperCase()) };
    expect(upper.utf8).toBeUndefined();
    expect(strings(takeVec(upper, Int32Array.from([2, 1])))).toEqual(['A', 'B']);
  });

  it('are written to IPC as their bytes (plain) when mostly distinct, and as a dictionary when repetitive', () => {
    const distinct = fromArrow(MANY);
    const out = tableFromIPC(encodeIpc(SCHEMA, [makeBatch(SCHEMA, [sliceVec(distinct, 3, 30)], 27)]));
    expect(out.schema.fields[0]!.type.typeId).toBe(Type.Utf8);
    expect(out.getChildAt(0)!.toArray()).toEqual(MANY.slice(3, 30));

    const few = Array.from({ length: 1000 }, (_, i) => ['red', 'green', null][i % 3]!);
    const repetitive = tableFromIPC(encodeIpc(SCHEMA, [makeBatch(SCHEMA, [fromArrow(few)], few.length)]));
    expect(repetitive.schema.fields[0]!.type.typeId).toBe(Type.Dictionary);
    expect(repetitive.getChildAt(0)!.toArray()).toEqual(few);

    // 1e4 ids over 1e5 rows: a small sample sees no repeats, the count does.
    const ids = Array.from({ length: 100_000 }, (_, i) => `id${(i * 7919) % 10_000}`);
    const counted = tableFromIPC(encodeIpc(SCHEMA, [makeBatch(SCHEMA, [fromArrow(ids)], ids.length)]));
    expect(counted.schema.fields[0]!.type.typeId).toBe(Type.Dictionary);
    expect(counted.getChildAt(0)!.get(12_345)).toBe(ids[12_345]);
  });
});
