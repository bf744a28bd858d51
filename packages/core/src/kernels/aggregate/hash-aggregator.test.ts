import { describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { type DataType, BooleanType, DateType, DecimalType, Float64Type, Int32Type, Int64Type, TimestampType, Utf8Type } from '../../types/data-type.js';
import { AnalysisError } from '../../errors.js';
import { type Vec, concatVecs, getValue, vecFromValues } from '../../types/vec.js';
import { type AggMode, type AggSpec, aggregateResultType, aggregateStateFields } from './functions.js';
import { HashAggregator } from './hash-aggregator.js';

// The same table fed to HashAggregator and to DuckDB, results normalized for comparison.

interface Column { readonly name: string; readonly type: DataType; readonly values: readonly unknown[] }
interface AggCase { readonly spec: AggSpec; readonly args: readonly string[]; readonly sql: string; readonly unordered?: boolean }

let connection: DuckDBConnection | null = null;
async function duck(): Promise<DuckDBConnection> {
  connection ??= await (await DuckDBInstance.create(':memory:')).connect();
  return connection;
}

function sqlType(t: DataType): string {
  switch (t.kind) {
    case 'int32': return 'INTEGER';
    case 'int64': return 'BIGINT';
    case 'float64': return 'DOUBLE';
    case 'utf8': return 'VARCHAR';
    case 'boolean': return 'BOOLEAN';
    case 'date': return 'DATE';
    case 'timestamp': return 'TIMESTAMP';
    case 'decimal': return `DECIMAL(${t.precision},${t.scale})`;
    default: throw new Error(`no DuckDB type for ${t.kind} in tests`);
  }
}

function sqlLiteral(t: DataType, x: unknown): string {
  if (x === null || x === undefined) return 'NULL';
  switch (t.kind) {
    case 'utf8': return `'${String(x).replaceAll("'", "''")}'`;
    case 'float64': return Number.isFinite(x) && !Object.is(x, -0) ? `${x as number}::DOUBLE` : `'${Object.is(x, -0) ? '-0.0' : String(x)}'::DOUBLE`;
    case 'date': return `DATE '${(x as Date).toISOString().slice(0, 10)}'`;
    case 'timestamp': return `TIMESTAMP '${(x as Date).toISOString().replace('T', ' ').replace('Z', '')}'`;
    default: return String(x);
  }
}

let tableCounter = 0;
async function loadTable(columns: readonly Column[]): Promise<string> {
  const con = await duck();
  const name = `t${tableCounter++}`;
  await con.run(`CREATE TABLE ${name} (${columns.map((c) => `"${c.name}" ${sqlType(c.type)}`).join(', ')})`);
  const n = columns[0]?.values.length ?? 0;
  for (let start = 0; start < n; start += 1000) {
    const rows: string[] = [];
    for (let i = start; i < Math.min(n, start + 1000); i++) rows.push(`(${columns.map((c) => sqlLiteral(c.type, c.values[i])).join(', ')})`);
    await con.run(`INSERT INTO ${name} VALUES ${rows.join(', ')}`);
  }
  return name;
}

async function duckRows(sql: string): Promise<unknown[][]> {
  const reader = await (await duck()).runAndReadAll(sql);
  return reader.getRowsJS();
}

/** Splits columns into batches built separately, so string batches carry different dictionaries. */
function batches(columns: readonly Column[], parts: number): Map<string, Vec>[] {
  const n = columns[0]?.values.length ?? 0;
  const out: Map<string, Vec>[] = [];
  const size = Math.max(1, Math.ceil(n / parts));
  for (let start = 0; start < n || out.length === 0; start += size) {
    const end = Math.min(n, start + size);
    out.push(new Map(columns.map((c) => [c.name, vecFromValues(c.type, c.values.slice(start, end))])));
    if (end >= n) break;
  }
  return out;
}

function rowsOf(result: { keys: Vec[]; values: Vec[] }): unknown[][] {
  const cols = [...result.keys, ...result.values];
  const n = cols[0]?.length ?? 0;
  const rows: unknown[][] = [];
  for (let i = 0; i < n; i++) rows.push(cols.map((c) => getValue(c, i)));
  return rows;
}

type Strategy = 'one batch' | 'three batches' | 'partial then final';

/** Aggregates the table with the given strategy; 'partial then final' simulates a shuffle between two partial aggregators and a final one. */
function aggregate(columns: readonly Column[], keyNames: readonly string[], cases: readonly AggCase[], strategy: Strategy): unknown[][] {
  const typeOf = new Map(columns.map((c) => [c.name, c.type]));
  const keyTypes = keyNames.map((k) => typeOf.get(k)!);
  const specs = cases.map((c) => c.spec);
  const feed = (agg: HashAggregator, batch: Map<string, Vec>): void => {
    const n = batch.values().next().value?.length ?? 0;
    agg.push(keyNames.map((k) => batch.get(k)!), cases.map((c) => c.args.map((a) => batch.get(a)!)), n);
  };
  if (strategy !== 'partial then final') {
    const agg = new HashAggregator(keyTypes, specs, 'complete' satisfies AggMode);
    for (const b of batches(columns, strategy === 'one batch' ? 1 : 3)) feed(agg, b);
    return rowsOf(agg.finish());
  }
  const half = Math.ceil((columns[0]?.values.length ?? 0) / 2);
  const partials = [0, 1].map((p) => {
    const agg = new HashAggregator(keyTypes, specs, 'partial');
    const part = columns.map((c) => ({ ...c, values: p === 0 ? c.values.slice(0, half) : c.values.slice(half) }));
    for (const b of batches(part, 2)) feed(agg, b);
    return agg.finish();
  });
  const shuffledKeys = keyTypes.map((t, j) => concatVecs(t, partials.map((p) => p.keys[j]!)));
  const shuffledStates = partials[0]!.values.map((v, j) => concatVecs(v.type, partials.map((p) => p.values[j]!)));
  const numRows = shuffledStates[0]?.length ?? shuffledKeys[0]?.length ?? 0;
  const final = new HashAggregator(keyTypes, specs, 'final');
  const argsPerSpec: Vec[][] = [];
  let next = 0;
  for (const c of cases) {
    const width = aggregateStateFields(c.spec, 'state').length;
    argsPerSpec.push(shuffledStates.slice(next, next + width));
    next += width;
  }
  final.push(shuffledKeys, argsPerSpec, numRows);
  return rowsOf(final.finish());
}

function normalize(x: unknown, unordered: boolean): unknown {
  if (x instanceof Date) return x.getTime();
  if (typeof x === 'bigint') return x;
  if (Array.isArray(x)) {
    const items = x.map((e) => normalize(e, false));
    return unordered ? items.sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0)) : items;
  }
  return x;
}

const keyString = (row: readonly unknown[], width: number): string =>
  JSON.stringify(row.slice(0, width).map((x) => (x instanceof Date ? x.getTime() : typeof x === 'bigint' ? `${x}n` : Object.is(x, -0) ? 0 : Number.isNaN(x) ? 'NaN' : x)));

/** Rows sorted by key, with Dates as epoch millis and order-free aggregates (collect_set) sorted. */
function canonical(rows: readonly (readonly unknown[])[], keyWidth: number, cases: readonly AggCase[]): unknown[][] {
  return rows
    .map((r) => r.map((x, i) => normalize(x, i >= keyWidth && cases[i - keyWidth]!.unordered === true)))
    .sort((a, b) => (keyString(a, keyWidth) < keyString(b, keyWidth) ? -1 : keyString(a, keyWidth) > keyString(b, keyWidth) ? 1 : 0));
}

/** Numbers equal within a relative 1e-9 (sums and moments are computed in different orders), NaN equal to NaN. */
function close(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
    return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => close(x, b[i]));
  return a === b;
}

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sometimesNull<T>(rand: () => number, make: () => T, nullRate = 0.1): T | null {
  return rand() < nullRate ? null : make();
}

const spec = (fn: string, argTypes: readonly DataType[], extra: Partial<AggSpec> = {}): AggSpec => ({ fn, distinct: false, argTypes, ...extra });

const STRATEGIES: readonly Strategy[] = ['one batch', 'three batches', 'partial then final'];

async function expectMatchesDuckDB(columns: readonly Column[], keyNames: readonly string[], cases: readonly AggCase[]): Promise<void> {
  const table = await loadTable(columns);
  const keys = keyNames.map((k) => `"${k}"`).join(', ');
  const select = [...keyNames.map((k) => `"${k}"`), ...cases.map((c) => c.sql)].join(', ');
  const expected = canonical(await duckRows(`SELECT ${select} FROM ${table}${keyNames.length ? ` GROUP BY ${keys}` : ''}`), keyNames.length, cases);
  for (const strategy of STRATEGIES) {
    const actual = canonical(aggregate(columns, keyNames, cases, strategy), keyNames.length, cases);
    expect(actual.length, strategy).toBe(expected.length);
    for (let r = 0; r < expected.length; r++) {
      for (let c = 0; c < expected[r]!.length; c++) {
        const what = c < keyNames.length ? `key ${keyNames[c]}` : cases[c - keyNames.length]!.sql;
        if (!close(actual[r]![c], expected[r]![c])) {
          expect.fail(`${strategy}: row ${JSON.stringify(expected[r]!.slice(0, keyNames.length), (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}, ${what}: got ${String(actual[r]![c])}, DuckDB ${String(expected[r]![c])}`);
        }
      }
    }
  }
}

function numericTable(rows: number, seed: number): Column[] {
  const rand = random(seed);
  const n = Array.from({ length: rows }, (_, i) => i);
  return [
    { name: 'k', type: Int32Type, values: n.map(() => sometimesNull(rand, () => Math.floor(rand() * 40) - 5, 0.05)) },
    { name: 'i', type: Int32Type, values: n.map(() => sometimesNull(rand, () => Math.floor(rand() * 2000) - 1000)) },
    { name: 'l', type: Int64Type, values: n.map(() => sometimesNull(rand, () => BigInt(Math.floor(rand() * 1e6)) * 1_000_003n)) },
    { name: 'x', type: Float64Type, values: n.map(() => sometimesNull(rand, () => rand() * 100 - 50)) },
    { name: 'y', type: Float64Type, values: n.map(() => sometimesNull(rand, () => rand() * 10)) },
    { name: 'b', type: BooleanType, values: n.map(() => sometimesNull(rand, () => rand() < 0.7)) },
  ];
}

describe('HashAggregator against DuckDB', () => {
  it('numeric aggregates grouped by an int key with nulls, in one batch, several, and partial -> final', async () => {
    const columns = numericTable(3000, 1);
    const cases: AggCase[] = [
      { spec: spec('count', []), args: [], sql: 'count(*)' },
      { spec: spec('count', [Int32Type]), args: ['i'], sql: 'count(i)' },
      { spec: spec('sum', [Int32Type]), args: ['i'], sql: 'sum(i)::BIGINT' },
      { spec: spec('sum', [Int64Type]), args: ['l'], sql: 'sum(l)::BIGINT' },
      { spec: spec('sum', [Float64Type]), args: ['x'], sql: 'sum(x)' },
      { spec: spec('avg', [Int32Type]), args: ['i'], sql: 'avg(i)' },
      { spec: spec('mean', [Float64Type]), args: ['x'], sql: 'avg(x)' },
      { spec: spec('avg', [Int64Type]), args: ['l'], sql: 'avg(l)' },
      { spec: spec('min', [Int32Type]), args: ['i'], sql: 'min(i)' },
      { spec: spec('max', [Int64Type]), args: ['l'], sql: 'max(l)' },
      { spec: spec('min', [Int64Type]), args: ['l'], sql: 'min(l)' },
      { spec: spec('max', [Float64Type]), args: ['x'], sql: 'max(x)' },
      { spec: spec('min', [BooleanType]), args: ['b'], sql: 'min(b)' },
      { spec: spec('stddev', [Float64Type]), args: ['x'], sql: 'stddev_samp(x)' },
      { spec: spec('stddev_pop', [Int32Type]), args: ['i'], sql: 'stddev_pop(i)' },
      { spec: spec('variance', [Float64Type]), args: ['x'], sql: 'var_samp(x)' },
      { spec: spec('var_pop', [Float64Type]), args: ['x'], sql: 'var_pop(x)' },
      { spec: spec('corr', [Float64Type, Float64Type]), args: ['x', 'y'], sql: 'corr(x, y)' },
      { spec: spec('covar_samp', [Float64Type, Int32Type]), args: ['x', 'i'], sql: 'covar_samp(x, i)' },
      { spec: spec('covar_pop', [Float64Type, Float64Type]), args: ['x', 'y'], sql: 'covar_pop(x, y)' },
      { spec: spec('count_if', [BooleanType]), args: ['b'], sql: 'count_if(b)' },
      { spec: spec('bool_and', [BooleanType]), args: ['b'], sql: 'bool_and(b)' },
      { spec: spec('bool_or', [BooleanType]), args: ['b'], sql: 'bool_or(b)' },
      { spec: spec('median', [Float64Type]), args: ['x'], sql: 'median(x)' },
      { spec: spec('median', [Int32Type]), args: ['i'], sql: 'median(i)::DOUBLE' },
      { spec: spec('collect_list', [Int32Type]), args: ['i'], sql: 'coalesce(list(i) FILTER (WHERE i IS NOT NULL), [])', unordered: true },
      { spec: spec('collect_set', [Int32Type]), args: ['i'], sql: 'coalesce(list(DISTINCT i) FILTER (WHERE i IS NOT NULL), [])', unordered: true },
      { spec: spec('count', [Int32Type], { distinct: true }), args: ['i'], sql: 'count(DISTINCT i)' },
      { spec: spec('count', [Int32Type, BooleanType], { distinct: true }), args: ['i', 'b'], sql: 'count(DISTINCT (i, b)) FILTER (WHERE i IS NOT NULL AND b IS NOT NULL)' },
      { spec: spec('sum', [Int32Type], { distinct: true }), args: ['i'], sql: 'sum(DISTINCT i)::BIGINT' },
      { spec: spec('avg', [Float64Type], { distinct: true }), args: ['x'], sql: 'avg(DISTINCT x)' },
    ];
    await expectMatchesDuckDB(columns, ['k'], cases);
  });

  it('percentile_approx returns the smallest value whose rank reaches ceil(p * n)', async () => {
    const columns = numericTable(2000, 2);
    const rankExpression = (column: string, p: number): string =>
      `list_sort(list(${column}) FILTER (WHERE ${column} IS NOT NULL))[greatest(1, ceil(${p} * count(${column})))::INTEGER]`;
    const cases: AggCase[] = [0, 0.1, 0.25, 0.5, 0.9, 1].flatMap((p) => [
      { spec: spec('percentile_approx', [Int32Type], { params: [p] }), args: ['i'], sql: rankExpression('i', p) },
      { spec: spec('percentile_approx', [Float64Type], { params: [p, 10000] }), args: ['x'], sql: rankExpression('x', p) },
    ]);
    // DuckDB's quantile_disc picks 0-based index floor((n - 1) * p), the same element at p = 0, 0.5 and 1.
    for (const p of [0, 0.5, 1]) cases.push({ spec: spec('percentile_approx', [Float64Type], { params: [p] }), args: ['x'], sql: `quantile_disc(x, ${p})` });
    await expectMatchesDuckDB(columns, ['k'], cases);
  });

  it('groups by strings with unicode and nulls; min/max order strings by code point as Spark does', async () => {
    const rand = random(3);
    const words = ['a', 'b', 'Zürich', 'zebra', '東京', '😀', '\uFFFD', '', 'é', 'e\u0301', 'naïve', '𝒳'];
    const rows = Array.from({ length: 2500 }, (_, i) => i);
    const columns: Column[] = [
      { name: 's', type: Utf8Type, values: rows.map(() => sometimesNull(rand, () => words[Math.floor(rand() * words.length)]!)) },
      { name: 'w', type: Utf8Type, values: rows.map(() => sometimesNull(rand, () => words[Math.floor(rand() * words.length)]! + String(Math.floor(rand() * 30)))) },
      { name: 'v', type: Int32Type, values: rows.map(() => sometimesNull(rand, () => Math.floor(rand() * 100))) },
    ];
    await expectMatchesDuckDB(columns, ['s'], [
      { spec: spec('count', []), args: [], sql: 'count(*)' },
      { spec: spec('sum', [Int32Type]), args: ['v'], sql: 'sum(v)::BIGINT' },
      { spec: spec('min', [Utf8Type]), args: ['w'], sql: 'min(w)' },
      { spec: spec('max', [Utf8Type]), args: ['w'], sql: 'max(w)' },
      { spec: spec('count', [Utf8Type], { distinct: true }), args: ['w'], sql: 'count(DISTINCT w)' },
      { spec: spec('collect_set', [Utf8Type]), args: ['w'], sql: 'coalesce(list(DISTINCT w) FILTER (WHERE w IS NOT NULL), [])', unordered: true },
    ]);
    await expectMatchesDuckDB(columns, [], [
      { spec: spec('min', [Utf8Type]), args: ['s'], sql: 'min(s)' },
      { spec: spec('max', [Utf8Type]), args: ['s'], sql: 'max(s)' },
    ]);
  });

  it('groups by several keys (two and three columns) with null keys, NaN and -0.0', async () => {
    const rand = random(4);
    const rows = Array.from({ length: 3000 }, (_, i) => i);
    const floats = [0, -0, NaN, 1.5, -2.25, Infinity];
    const columns: Column[] = [
      { name: 'a', type: Int32Type, values: rows.map(() => sometimesNull(rand, () => Math.floor(rand() * 6))) },
      { name: 's', type: Utf8Type, values: rows.map(() => sometimesNull(rand, () => ['x', 'y', 'ü'][Math.floor(rand() * 3)]!)) },
      { name: 'f', type: Float64Type, values: rows.map(() => sometimesNull(rand, () => floats[Math.floor(rand() * floats.length)]!)) },
      { name: 'v', type: Float64Type, values: rows.map(() => sometimesNull(rand, () => (rand() < 0.05 ? NaN : rand() * 10))) },
      { name: 'l', type: Int64Type, values: rows.map(() => sometimesNull(rand, () => BigInt(Math.floor(rand() * 5)) * 3_000_000_000n)) },
    ];
    const cases: AggCase[] = [
      { spec: spec('count', []), args: [], sql: 'count(*)' },
      { spec: spec('min', [Float64Type]), args: ['v'], sql: 'min(v)' },
      { spec: spec('max', [Float64Type]), args: ['v'], sql: 'max(v)' },
      { spec: spec('sum', [Int64Type]), args: ['l'], sql: 'sum(l)::BIGINT' },
    ];
    await expectMatchesDuckDB(columns, ['a', 's'], cases);
    await expectMatchesDuckDB(columns, ['a', 's', 'f'], cases);
    await expectMatchesDuckDB(columns, ['f'], cases);
    await expectMatchesDuckDB(columns, ['l', 'a'], cases);
  });

  it('sums int64 values beyond 2^53 exactly, including across partial states', async () => {
    const big = 2n ** 62n / 3n;
    const rows = Array.from({ length: 400 }, (_, i) => i);
    const columns: Column[] = [
      { name: 'k', type: Int32Type, values: rows.map((i) => i % 3) },
      { name: 'l', type: Int64Type, values: rows.map((i) => (i % 7 === 0 ? -big / 100n : (big / 1000n) + BigInt(i))) },
    ];
    await expectMatchesDuckDB(columns, ['k'], [
      { spec: spec('sum', [Int64Type]), args: ['l'], sql: 'sum(l)::BIGINT' },
      { spec: spec('min', [Int64Type]), args: ['l'], sql: 'min(l)' },
      { spec: spec('max', [Int64Type]), args: ['l'], sql: 'max(l)' },
      { spec: spec('sum', [Int64Type], { distinct: true }), args: ['l'], sql: 'sum(DISTINCT l)::BIGINT' },
    ]);
  });

  it('handles dates, timestamps and decimals', async () => {
    const rand = random(5);
    const rows = Array.from({ length: 1500 }, (_, i) => i);
    const columns: Column[] = [
      { name: 'd', type: DateType, values: rows.map(() => sometimesNull(rand, () => new Date(Date.UTC(2000 + Math.floor(rand() * 30), Math.floor(rand() * 12), 1 + Math.floor(rand() * 28))))) },
      { name: 't', type: TimestampType, values: rows.map(() => sometimesNull(rand, () => new Date(Math.floor(rand() * 2e12)))) },
      { name: 'm', type: DecimalType(12, 2), values: rows.map(() => sometimesNull(rand, () => Math.floor(rand() * 1e6) / 100)) },
      { name: 'k', type: Int32Type, values: rows.map(() => Math.floor(rand() * 5)) },
    ];
    await expectMatchesDuckDB(columns, ['k'], [
      { spec: spec('min', [DateType]), args: ['d'], sql: 'min(d)' },
      { spec: spec('max', [TimestampType]), args: ['t'], sql: 'max(t)' },
      { spec: spec('sum', [DecimalType(12, 2)]), args: ['m'], sql: 'sum(m)::DOUBLE' },
      { spec: spec('avg', [DecimalType(12, 2)]), args: ['m'], sql: 'avg(m)::DOUBLE' },
      { spec: spec('max', [DecimalType(12, 2)]), args: ['m'], sql: 'max(m)::DOUBLE' },
    ]);
    await expectMatchesDuckDB(columns, ['d'], [{ spec: spec('count', []), args: [], sql: 'count(*)' }]);
  });

  it('over empty input: no groups with keys, one group without (count 0, sum null)', async () => {
    const columns: Column[] = [
      { name: 'k', type: Utf8Type, values: [] },
      { name: 'v', type: Float64Type, values: [] },
    ];
    const cases: AggCase[] = [
      { spec: spec('count', []), args: [], sql: 'count(*)' },
      { spec: spec('count', [Float64Type]), args: ['v'], sql: 'count(v)' },
      { spec: spec('sum', [Float64Type]), args: ['v'], sql: 'sum(v)' },
      { spec: spec('avg', [Float64Type]), args: ['v'], sql: 'avg(v)' },
      { spec: spec('min', [Float64Type]), args: ['v'], sql: 'min(v)' },
      { spec: spec('stddev', [Float64Type]), args: ['v'], sql: 'stddev(v)' },
      { spec: spec('count', [Float64Type], { distinct: true }), args: ['v'], sql: 'count(DISTINCT v)' },
      { spec: spec('collect_list', [Float64Type]), args: ['v'], sql: '[]::DOUBLE[]' },
    ];
    await expectMatchesDuckDB(columns, ['k'], cases);
    await expectMatchesDuckDB(columns, [], cases);
  });
});

describe('first and last', () => {
  const rows: unknown[][] = [[1, null], [1, 10], [2, 20], [1, 11], [2, null], [3, null], [1, null]];
  const columns: Column[] = [
    { name: 'k', type: Int32Type, values: rows.map((r) => r[0]) },
    { name: 's', type: Utf8Type, values: rows.map((r) => (r[1] === null ? null : `v${r[1] as number}`)) },
  ];
  const cases: AggCase[] = [
    { spec: spec('first', [Utf8Type]), args: ['s'], sql: '' },
    { spec: spec('last', [Utf8Type]), args: ['s'], sql: '' },
    { spec: spec('first', [Utf8Type], { params: [1] }), args: ['s'], sql: '' },
    { spec: spec('last', [Utf8Type], { params: [1] }), args: ['s'], sql: '' },
  ];
  it.each(STRATEGIES)('keep nulls by default and skip them with ignoreNulls (%s)', (strategy) => {
    expect(canonical(aggregate(columns, ['k'], cases, strategy), 1, cases)).toEqual([
      [1, null, null, 'v10', 'v11'],
      [2, 'v20', null, 'v20', 'v20'],
      [3, null, null, null, null],
    ]);
  });
});

describe('approx_count_distinct', () => {
  function distinctCount(values: readonly unknown[], type: DataType, strategy: Strategy, rsd?: number): number {
    const columns: Column[] = [{ name: 'v', type, values }];
    const cases: AggCase[] = [{ spec: spec('approx_count_distinct', [type], rsd === undefined ? {} : { params: [rsd] }), args: ['v'], sql: '' }];
    return Number(aggregate(columns, [], cases, strategy)[0]![0] as bigint);
  }

  it.each(STRATEGIES)('is within 3 * rsd on 1e5 distinct values (%s)', (strategy) => {
    const ints = Array.from({ length: 100_000 }, (_, i) => i * 7 - 300_000);
    expect(Math.abs(distinctCount(ints, Int32Type, strategy) - 1e5) / 1e5).toBeLessThan(0.15);
    const strings = ints.map((i) => `id${i}`);
    expect(Math.abs(distinctCount(strings, Utf8Type, strategy) - 1e5) / 1e5).toBeLessThan(0.15);
    const floats = ints.map((i) => i / 3);
    expect(Math.abs(distinctCount(floats, Float64Type, strategy, 0.01) - 1e5) / 1e5).toBeLessThan(0.03);
  });

  it('is close to exact on small sets and ignores nulls and duplicates', () => {
    for (const n of [0, 1, 10, 100, 300]) {
      const values = Array.from({ length: n * 3 }, (_, i) => (i % 5 === 4 ? null : BigInt(i % n) * 1_000_000_007n));
      const estimate = distinctCount(values, Int64Type, 'one batch');
      const truth = new Set(values.filter((v) => v !== null)).size;
      expect(Math.abs(estimate - truth)).toBeLessThanOrEqual(Math.max(1, truth * 0.05));
    }
  });
});

describe('analysis errors', () => {
  it('names the function and the argument type', () => {
    expect(() => aggregateResultType(spec('avg', [Utf8Type]))).toThrow(AnalysisError);
    expect(() => aggregateResultType(spec('avg', [Utf8Type]))).toThrow(/avg.*string/);
    expect(() => aggregateResultType(spec('sum', [BooleanType]))).toThrow(/sum.*boolean/);
    expect(() => aggregateResultType(spec('stddev', [DateType]))).toThrow(/stddev.*date/);
    expect(() => aggregateResultType(spec('corr', [Float64Type]))).toThrow(/corr takes 2/);
    expect(() => aggregateResultType(spec('count_if', [Int32Type]))).toThrow(/count_if.*int/);
    expect(() => aggregateResultType(spec('percentile_approx', [Float64Type], { params: [1.5] }))).toThrow(/percentile_approx.*1.5/);
    expect(() => aggregateResultType(spec('no_such_agg', []))).toThrow(/no_such_agg/);
    expect(() => new HashAggregator([], [spec('max', [{ kind: 'list', element: Int32Type }])], 'complete')).toThrow(/max.*array<int>/);
  });

  it('gives Spark result types', () => {
    expect(aggregateResultType(spec('sum', [Int32Type]))).toEqual(Int64Type);
    expect(aggregateResultType(spec('sum', [DecimalType(10, 2)]))).toEqual(DecimalType(20, 2));
    expect(aggregateResultType(spec('avg', [Int64Type]))).toEqual(Float64Type);
    expect(aggregateResultType(spec('count', [Utf8Type], { distinct: true }))).toEqual(Int64Type);
    expect(aggregateResultType(spec('collect_set', [Utf8Type]))).toEqual({ kind: 'list', element: Utf8Type });
    expect(aggregateStateFields(spec('avg', [Int32Type]), 'a0').map((f) => f.name)).toEqual(['a0_sum', 'a0_count']);
  });
});
