import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { type DataType, DecimalType, Float64Type, Int32Type, Int64Type, Utf8Type } from '../types/data-type.js';
import { type Vec, getValue, vecFromValues } from '../types/vec.js';
import type { SortKey } from './sort.js';
import { type WindowFn, computeWindow } from './window.js';

let duck: DuckDBConnection;
beforeAll(async () => { duck = await (await DuckDBInstance.create(':memory:')).connect(); });
afterAll(() => duck.closeSync());

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
}

interface Column { readonly name: string; readonly sqlType: string; readonly type: DataType; readonly values: unknown[] }

function makeColumns(n: number, seed: number): Column[] {
  const r = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const gen = (nullRate: number, f: () => unknown): unknown[] => Array.from({ length: n }, () => (r() < nullRate ? null : f()));
  return [
    { name: 'id', sqlType: 'INTEGER', type: Int32Type, values: Array.from({ length: n }, (_, i) => i) },
    { name: 'p', sqlType: 'VARCHAR', type: Utf8Type, values: gen(0.05, () => pick(['x', 'y', 'é', '😀', 'solo'.repeat(Math.floor(r() * 1.02))])) },
    { name: 'q', sqlType: 'INTEGER', type: Int32Type, values: gen(0.05, () => Math.floor(r() * 3)) },
    { name: 'o', sqlType: 'INTEGER', type: Int32Type, values: gen(0.1, () => Math.floor(r() * 8)) },
    { name: 'f', sqlType: 'DOUBLE', type: Float64Type, values: gen(0.1, () => pick([NaN, -0, 0, 1.5, Math.floor(r() * 5) / 4])) },
    { name: 'x', sqlType: 'INTEGER', type: Int32Type, values: gen(0.15, () => pick([2147483647, -2147483648, Math.floor(r() * 200) - 100])) },
    { name: 'xl', sqlType: 'BIGINT', type: Int64Type, values: gen(0.15, () => pick([2n ** 56n + 1n, -(2n ** 55n) - 7n, BigInt(Math.floor(r() * 1e6))])) },
    { name: 'xf', sqlType: 'DOUBLE', type: Float64Type, values: gen(0.15, () => (r() < 0.03 ? pick([Infinity, -Infinity, NaN]) : Math.floor(r() * 1e4) / 16 - 300)) },
    { name: 'xd', sqlType: 'DECIMAL(12,2)', type: DecimalType(12, 2), values: gen(0.15, () => Math.round(r() * 1e5) / 100 - 500) },
    { name: 's', sqlType: 'VARCHAR', type: Utf8Type, values: gen(0.15, () => pick(['apple', 'Zebra', '\uFFFD', '😀', 'é', ''])) },
  ];
}

function sqlLiteral(x: unknown, sqlType: string): string {
  if (x === null) return `NULL::${sqlType}`;
  if (typeof x === 'string') return `'${x.replaceAll("'", "''")}'::${sqlType}`;
  if (typeof x === 'number' && Object.is(x, -0)) return `'-0.0'::${sqlType}`;
  return `'${String(x)}'::${sqlType}`;
}

const N = 600;
const columns = makeColumns(N, 21);
const vecs = new Map(columns.map((c) => [c.name, vecFromValues(c.type, c.values)]));
const col = (name: string): Vec => vecs.get(name)!;

beforeAll(async () => {
  const rows = Array.from({ length: N }, (_, i) => `(${columns.map((c) => sqlLiteral(c.values[i], c.sqlType)).join(', ')})`);
  await duck.run(`CREATE TABLE t AS SELECT * FROM (VALUES ${rows.join(',\n')}) v(${columns.map((c) => c.name).join(', ')})`);
});

function sameValue(ours: unknown, theirs: unknown): boolean {
  if (ours === null || theirs === null) return ours === theirs;
  if (typeof ours === 'bigint' || typeof theirs === 'bigint') return BigInt(ours as bigint) === BigInt(theirs as bigint);
  if (typeof ours === 'number' && typeof theirs === 'number') {
    if (Number.isNaN(ours) || Number.isNaN(theirs)) return Number.isNaN(ours) && Number.isNaN(theirs);
    if (!Number.isFinite(ours) || !Number.isFinite(theirs)) return ours === theirs;
    return Math.abs(ours - theirs) <= 1e-9 * Math.max(1, Math.abs(ours), Math.abs(theirs));
  }
  return ours === theirs;
}

/** DuckDB's decimals come back as objects; read them as numbers like getValue does. */
function plain(x: unknown): unknown {
  if (x !== null && typeof x === 'object' && 'toDouble' in x) return (x as { toDouble(): number }).toDouble();
  return x;
}

interface Case { readonly sql: string; readonly fn: WindowFn }

async function expectLikeDuckDB(partitionBy: string[], orderBy: { name: string; order: SortKey }[], cases: readonly Case[]): Promise<void> {
  const over = [
    partitionBy.length ? `PARTITION BY ${partitionBy.join(', ')}` : '',
    orderBy.length ? `ORDER BY ${orderBy.map(({ name, order }) => `${name} ${order.ascending ? 'ASC' : 'DESC'} NULLS ${order.nullsFirst ? 'FIRST' : 'LAST'}`).join(', ')}` : '',
  ].join(' ');
  const select = cases.map((c, k) => `${c.sql.replace('$w', `(${over}`)} AS r${k}`).join(', ');
  const expected = (await duck.runAndReadAll(`SELECT ${select} FROM t ORDER BY id`)).getRows();
  const results = computeWindow(partitionBy.map(col), orderBy.map((o) => col(o.name)), orderBy.map((o) => o.order), N, cases.map((c) => c.fn));
  cases.forEach((c, k) => {
    const mismatches: string[] = [];
    for (let i = 0; i < N; i++) {
      const ours = getValue(results[k]!, i);
      const theirs = plain(expected[i]![k]);
      if (!sameValue(ours, theirs)) mismatches.push(`row ${i}: ours ${String(ours)} duckdb ${String(theirs)}`);
    }
    expect(mismatches.slice(0, 5), c.sql).toEqual([]);
    expect(results[k]!.length).toBe(N);
  });
}

const ASC_NULLS_FIRST: SortKey = { ascending: true, nullsFirst: true };
const DESC_NULLS_LAST: SortKey = { ascending: false, nullsFirst: false };
const aggregateCase = (fn: 'sum' | 'avg' | 'min' | 'max' | 'count' | 'first' | 'last', input: string | null, frame: { start: number | null; end: number | null } | 'default', sqlFrame: string): Case => {
  const sqlFn = fn === 'first' ? 'first_value' : fn === 'last' ? 'last_value' : fn;
  return { sql: `${sqlFn}(${input ?? '*'}) OVER $w ${sqlFrame})`, fn: { kind: 'aggregate', fn, input: input === null ? null : col(input), frame } };
};

describe('computeWindow', () => {
  it('ranks peers like DuckDB (ties in the order keys)', async () => {
    await expectLikeDuckDB(['p'], [{ name: 'o', order: ASC_NULLS_FIRST }], [
      { sql: 'rank() OVER $w)', fn: { kind: 'rank' } },
      { sql: 'dense_rank() OVER $w)', fn: { kind: 'dense_rank' } },
      { sql: 'percent_rank() OVER $w)', fn: { kind: 'percent_rank' } },
      { sql: 'cume_dist() OVER $w)', fn: { kind: 'cume_dist' } },
    ]);
    await expectLikeDuckDB(['q', 'p'], [{ name: 'f', order: DESC_NULLS_LAST }, { name: 's', order: ASC_NULLS_FIRST }], [
      { sql: 'rank() OVER $w)', fn: { kind: 'rank' } },
      { sql: 'dense_rank() OVER $w)', fn: { kind: 'dense_rank' } },
      { sql: 'cume_dist() OVER $w)', fn: { kind: 'cume_dist' } },
    ]);
  });

  it('computes running aggregates over the default RANGE frame, peers sharing the value', async () => {
    const cases: Case[] = [];
    for (const input of ['x', 'xl', 'xf', 'xd']) {
      for (const fn of ['sum', 'avg', 'min', 'max', 'count'] as const) cases.push(aggregateCase(fn, input, 'default', ''));
    }
    cases.push(aggregateCase('count', null, 'default', ''), aggregateCase('min', 's', 'default', ''), aggregateCase('max', 's', 'default', ''));
    await expectLikeDuckDB(['p'], [{ name: 'o', order: DESC_NULLS_LAST }], cases);
  });

  it('computes whole-partition aggregates without order keys', async () => {
    const cases: Case[] = [];
    for (const input of ['x', 'xl', 'xf', 's']) {
      for (const fn of ['min', 'max', 'count'] as const) cases.push(aggregateCase(fn, input, 'default', ''));
    }
    for (const input of ['x', 'xl', 'xf', 'xd']) cases.push(aggregateCase('sum', input, 'default', ''), aggregateCase('avg', input, 'default', ''));
    cases.push(aggregateCase('count', null, 'default', ''));
    await expectLikeDuckDB(['q'], [], cases);
    await expectLikeDuckDB([], [], [aggregateCase('sum', 'xl', 'default', ''), aggregateCase('max', 's', 'default', '')]);
  });

  const unique = [{ name: 'o', order: ASC_NULLS_FIRST }, { name: 'id', order: DESC_NULLS_LAST }];

  it('numbers rows, splits into tiles and shifts values like DuckDB', async () => {
    await expectLikeDuckDB(['p', 'q'], unique, [
      { sql: 'row_number() OVER $w)', fn: { kind: 'row_number' } },
      { sql: 'ntile(3) OVER $w)', fn: { kind: 'ntile', n: 3 } },
      { sql: 'ntile(1000) OVER $w)', fn: { kind: 'ntile', n: 1000 } },
      { sql: 'lag(x) OVER $w)', fn: { kind: 'lag', input: col('x'), offset: 1, defaultValue: null } },
      { sql: 'lag(s, 2, \'none\') OVER $w)', fn: { kind: 'lag', input: col('s'), offset: 2, defaultValue: vecFromValues(Utf8Type, ['none']) } },
      { sql: 'lead(xl, 1, 12345678901234567::BIGINT) OVER $w)', fn: { kind: 'lead', input: col('xl'), offset: 1, defaultValue: vecFromValues(Int64Type, [12345678901234567n]) } },
      { sql: 'lead(xf, 3) OVER $w)', fn: { kind: 'lead', input: col('xf'), offset: 3, defaultValue: null } },
      { sql: 'lag(x, 0) OVER $w)', fn: { kind: 'lag', input: col('x'), offset: 0, defaultValue: null } },
    ]);
  });

  it('aggregates over explicit ROWS frames', async () => {
    const frames: [{ start: number | null; end: number | null }, string][] = [
      [{ start: -2, end: 1 }, 'ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING'],
      [{ start: null, end: -1 }, 'ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING'],
      [{ start: 1, end: null }, 'ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING'],
      [{ start: 2, end: 4 }, 'ROWS BETWEEN 2 FOLLOWING AND 4 FOLLOWING'],
      [{ start: -3, end: -1 }, 'ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING'],
      [{ start: null, end: null }, 'ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING'],
    ];
    const cases: Case[] = [];
    for (const [frame, sql] of frames) {
      for (const [fn, input] of [['sum', 'x'], ['sum', 'xl'], ['sum', 'xf'], ['avg', 'xf'], ['avg', 'xd'], ['min', 'xl'], ['max', 'xf'], ['min', 's'], ['max', 'x'], ['count', 'x'], ['count', null], ['first', 's'], ['last', 'xf']] as const) {
        cases.push(aggregateCase(fn, input, frame, sql));
      }
    }
    await expectLikeDuckDB(['p'], unique, cases);
  });

  it('sums an untyped NULL column to null doubles and lags by negative offsets like lead', () => {
    const nulls = vecFromValues({ kind: 'null' }, [null, null, null]);
    const keys = [vecFromValues(Int32Type, [3, 1, 2])];
    const [sum, lagged] = computeWindow([], keys, [ASC_NULLS_FIRST], 3, [
      { kind: 'aggregate', fn: 'sum', input: nulls, frame: 'default' },
      { kind: 'lag', input: keys[0]!, offset: -1, defaultValue: vecFromValues(Int32Type, [-9]) },
    ]);
    expect(sum!.type).toEqual(Float64Type);
    expect([0, 1, 2].map((i) => getValue(sum!, i))).toEqual([null, null, null]);
    expect([0, 1, 2].map((i) => getValue(lagged!, i))).toEqual([-9, 2, 3]);
  });

  it('returns empty vectors for no rows', () => {
    const empty = vecFromValues(Int32Type, []);
    const out = computeWindow([empty], [empty], [ASC_NULLS_FIRST], 0, [{ kind: 'rank' }, { kind: 'aggregate', fn: 'sum', input: empty, frame: 'default' }]);
    expect(out.map((v) => v.length)).toEqual([0, 0]);
    expect(out[1]!.type).toEqual(Int64Type);
  });
});
