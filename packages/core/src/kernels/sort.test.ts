import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { type DataType, BooleanType, DateType, DecimalType, Float64Type, Int32Type, Int64Type, TimestampType, Utf8Type } from '../types/data-type.js';
import { type Vec, sliceVec, vecFromValues } from '../types/vec.js';
import { type SortKey, compareRows, mergeSortedRuns, sortIndices } from './sort.js';

let duck: DuckDBConnection;
beforeAll(async () => { duck = await (await DuckDBInstance.create(':memory:')).connect(); });
afterAll(() => duck.closeSync());

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
}

const STRINGS = ['', 'a', 'B', 'ab', 'é', 'z', '\uFFFD', '\uFF21', '😀', '𝄞x', 'Ω', 'a\u0000b', 'zz'];

/** Columns of each sortable type with nulls, duplicates and each type's edge values. */
function columns(n: number, seed: number): { name: string; sqlType: string; type: DataType; values: unknown[] }[] {
  const r = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const maybeNull = <T>(x: T): T | null => (r() < 0.12 ? null : x);
  const gen = (f: () => unknown): unknown[] => Array.from({ length: n }, () => maybeNull(f()));
  return [
    { name: 'i', sqlType: 'INTEGER', type: Int32Type, values: gen(() => pick([-2147483648, 2147483647, 0, -1, 1, 7, -7, Math.floor(r() * 200) - 100])) },
    { name: 'l', sqlType: 'BIGINT', type: Int64Type, values: gen(() => pick([-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n, 2n ** 53n, -(2n ** 53n) - 3n, 0n, -1n, BigInt(Math.floor(r() * 1e6)) * 4294967297n])) },
    { name: 'f', sqlType: 'DOUBLE', type: Float64Type, values: gen(() => pick([NaN, Infinity, -Infinity, 0, -0, 1.5, -1.5, 1e300, -1e-300, r() * 10 - 5])) },
    { name: 's', sqlType: 'VARCHAR', type: Utf8Type, values: gen(() => pick(STRINGS)) },
    { name: 'b', sqlType: 'BOOLEAN', type: BooleanType, values: gen(() => r() < 0.5) },
    { name: 'd', sqlType: 'INTEGER', type: DateType, values: gen(() => Math.floor(r() * 40000) - 20000) },
    { name: 't', sqlType: 'BIGINT', type: TimestampType, values: gen(() => pick([-1, 0, 1, 2 ** 40, -(2 ** 45), Math.floor(r() * 1e15) - 5e14])) },
    { name: 'm', sqlType: 'DECIMAL(18,2)', type: DecimalType(18, 2), values: gen(() => pick([-12.34, 0, 99.99, 12.34, Math.round(r() * 1e6) / 100])) },
  ];
}

function sqlLiteral(x: unknown, sqlType: string): string {
  if (x === null) return `NULL::${sqlType}`;
  if (typeof x === 'string') return `'${x.replaceAll("'", "''").replaceAll('\u0000', "' || chr(0) || '")}'::${sqlType}`;
  if (typeof x === 'number' && !Number.isFinite(x)) return `'${x}'::${sqlType}`;
  if (typeof x === 'number' && Object.is(x, -0)) return `'-0.0'::${sqlType}`;
  if (typeof x === 'boolean') return x ? 'TRUE' : 'FALSE';
  return `'${x}'::${sqlType}`;
}

async function createTable(name: string, cols: ReturnType<typeof columns>): Promise<void> {
  const n = cols[0]!.values.length;
  const rows = Array.from({ length: n }, (_, i) => `(${i}, ${cols.map((c) => sqlLiteral(c.values[i], c.sqlType)).join(', ')})`);
  await duck.run(`CREATE OR REPLACE TABLE ${name} AS SELECT * FROM (VALUES ${rows.join(',\n')}) v(id, ${cols.map((c) => c.name).join(', ')})`);
}

async function duckOrder(table: string, orderBy: string, limit?: number): Promise<number[]> {
  const r = await duck.runAndReadAll(`SELECT id FROM ${table} ORDER BY ${orderBy}, id${limit === undefined ? '' : ` LIMIT ${limit}`}`);
  return r.getRows().map((row) => Number(row[0]));
}

const ORDERS: SortKey[] = [
  { ascending: true, nullsFirst: true },
  { ascending: true, nullsFirst: false },
  { ascending: false, nullsFirst: true },
  { ascending: false, nullsFirst: false },
];
const orderSql = (name: string, o: SortKey): string => `${name} ${o.ascending ? 'ASC' : 'DESC'} NULLS ${o.nullsFirst ? 'FIRST' : 'LAST'}`;

describe('sortIndices', () => {
  const cols = columns(700, 11);
  const vecs = new Map(cols.map((c) => [c.name, vecFromValues(c.type, c.values)]));
  beforeAll(() => createTable('data', cols));

  for (const col of cols) {
    for (const order of ORDERS) {
      it(`orders ${col.sqlType} ${orderSql(col.name, order)} like DuckDB`, async () => {
        const expected = await duckOrder('data', orderSql(col.name, order));
        expect(Array.from(sortIndices([vecs.get(col.name)!], [order]))).toEqual(expected);
      });
    }
  }

  it('orders by several keys of mixed types and directions', async () => {
    const names = ['b', 's', 'f', 'l'];
    const orders = [ORDERS[0]!, ORDERS[3]!, ORDERS[1]!, ORDERS[2]!];
    const expected = await duckOrder('data', names.map((nm, k) => orderSql(nm, orders[k]!)).join(', '));
    expect(Array.from(sortIndices(names.map((nm) => vecs.get(nm)!), orders))).toEqual(expected);
  });

  it('returns the exact first rows for a limit (top-k), ties in input order', async () => {
    for (const limit of [0, 1, 5, 40, 699, 5000]) {
      const expected = await duckOrder('data', `${orderSql('s', ORDERS[2]!)}, ${orderSql('i', ORDERS[1]!)}`, limit);
      expect(Array.from(sortIndices([vecs.get('s')!, vecs.get('i')!], [ORDERS[2]!, ORDERS[1]!], limit))).toEqual(expected);
    }
  });

  it('radix-sorts large inputs stably', async () => {
    const n = 20000;
    const r = random(5);
    const values = Array.from({ length: n }, () => (r() < 0.05 ? null : Math.floor(r() * 3000) - 1500));
    const doubles = Array.from({ length: n }, () => (r() < 0.05 ? null : r() < 0.02 ? NaN : Math.round(r() * 1e4) / 8 - 600));
    const cols = [
      { name: 'x', sqlType: 'INTEGER', type: Int32Type, values },
      { name: 'y', sqlType: 'DOUBLE', type: Float64Type, values: doubles },
    ];
    await createTable('big', cols);
    const expected = await duckOrder('big', `${orderSql('x', ORDERS[3]!)}, ${orderSql('y', ORDERS[0]!)}`);
    const got = sortIndices([vecFromValues(Int32Type, values), vecFromValues(Float64Type, doubles)], [ORDERS[3]!, ORDERS[0]!]);
    expect(Array.from(got)).toEqual(expected);
  });

  it('handles empty input', () => {
    expect(sortIndices([vecFromValues(Utf8Type, [])], [ORDERS[0]!]).length).toBe(0);
  });
});

describe('compareRows', () => {
  it('agrees with sortIndices across vectors with different dictionaries', () => {
    const left = vecFromValues(Utf8Type, ['😀', null, 'b', '\uFFFD', 'a']);
    const right = vecFromValues(Utf8Type, ['a', '\uFFFD', '😀', null, 'b']);
    const order = ORDERS[1]!;
    const all = vecFromValues(Utf8Type, ['😀', null, 'b', '\uFFFD', 'a', 'a', '\uFFFD', '😀', null, 'b']);
    const rank = new Map<number, number>();
    const sorted = sortIndices([all], [order]);
    sorted.forEach((row, k) => rank.set(row, k));
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 5; j++) {
        const c = Math.sign(compareRows([left], i, [right], j, [order]));
        const li = all.values[i] as number;
        const rj = all.values[5 + j] as number;
        const equal = (left.validity?.[i] === 0 && right.validity?.[j] === 0) || (all.validity?.[i] !== 0 && all.validity?.[5 + j] !== 0 && all.dict![li] === all.dict![rj]);
        expect(c).toBe(equal ? 0 : Math.sign(rank.get(i)! - rank.get(5 + j)!));
      }
    }
  });

  it('puts NaN above infinity, equates -0.0 and 0.0, and compares int64 beyond 2^53', () => {
    const asc = [ORDERS[0]!];
    const f = vecFromValues(Float64Type, [NaN, Infinity, -0, 0]);
    expect(compareRows([f], 0, [f], 1, asc)).toBeGreaterThan(0);
    expect(compareRows([f], 2, [f], 3, asc)).toBe(0);
    expect(compareRows([f], 0, [f], 0, [ORDERS[2]!])).toBe(0);
    const l = vecFromValues(Int64Type, [2n ** 53n, 2n ** 53n + 1n]);
    expect(compareRows([l], 0, [l], 1, asc)).toBeLessThan(0);
    expect(compareRows([l], 0, [l], 1, [ORDERS[2]!])).toBeGreaterThan(0);
  });
});

describe('mergeSortedRuns', () => {
  it('merges runs into the order of one stable sort, also with a limit', () => {
    const r = random(9);
    const rows = Array.from({ length: 300 }, () => ({ s: r() < 0.1 ? null : STRINGS[Math.floor(r() * STRINGS.length)]!, l: BigInt(Math.floor(r() * 5)) * 2n ** 60n }));
    const order = [ORDERS[3]!, ORDERS[0]!];
    const all = [vecFromValues(Utf8Type, rows.map((x) => x.s)), vecFromValues(Int64Type, rows.map((x) => x.l))];
    const cuts = [0, 40, 40, 170, 300];
    const runs: Vec[][] = [];
    for (let k = 0; k + 1 < cuts.length; k++) {
      const piece = all.map((v) => sliceVec(v, cuts[k]!, cuts[k + 1]!));
      // Re-encode each run so runs carry their own dictionaries.
      const keys = [vecFromValues(Utf8Type, rows.slice(cuts[k], cuts[k + 1]).map((x) => x.s)), piece[1]!];
      const perm = sortIndices(keys, order);
      runs.push(keys.map((v) => vecFromValues(v.type, Array.from(perm, (i) => (v.type.kind === 'utf8' ? rows[cuts[k]! + i]!.s : rows[cuts[k]! + i]!.l)))));
    }
    const merged = mergeSortedRuns(runs, order);
    const mergedKeys = Array.from(merged.run, (run, i) => `${String(runs[run]![0]!.validity?.[merged.row[i]!] === 0 ? null : runs[run]![0]!.dict![runs[run]![0]!.values[merged.row[i]!] as number])}|${runs[run]![1]!.values[merged.row[i]!]}`);
    const expectedKeys = Array.from(sortIndices(all, order), (i) => `${String(rows[i]!.s)}|${rows[i]!.l}`);
    expect(mergedKeys).toEqual(expectedKeys);
    const limited = mergeSortedRuns(runs, order, 7);
    expect(Array.from(limited.run)).toEqual(Array.from(merged.run.subarray(0, 7)));
    expect(Array.from(limited.row)).toEqual(Array.from(merged.row.subarray(0, 7)));
    for (let i = 1; i < merged.run.length; i++) {
      expect(compareRows(runs[merged.run[i - 1]!]!, merged.row[i - 1]!, runs[merged.run[i]!]!, merged.row[i]!, order)).toBeLessThanOrEqual(0);
    }
  });
});
