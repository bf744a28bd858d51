/**
 * Differential-testing harness: the same generated rows go into a Quiver DataFrame and a DuckDB table,
 * a Quiver query and an equivalent DuckDB SQL query run, and their results are compared as multisets of
 * rows (or in order when the query orders every row). DuckDB is the oracle; where its semantics differ
 * from Spark's, the tests write the SQL so that it expresses Spark's semantics.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { DataFrame, Session } from '@quiver/core';

export type ColType = 'int' | 'bigint' | 'double' | 'string' | 'date' | 'boolean' | 'timestamp';

export interface ColSpec {
  name: string;
  type: ColType;
  /** Fraction of nulls (default 0.1). */
  nulls?: number;
  /** Integer range for int/bigint (inclusive); small ranges make good group and join keys. */
  min?: number;
  max?: number;
  /** bigint: also draw values beyond 2^53, which a float64 cannot hold exactly. */
  huge?: boolean;
  /** double: include NaN (and infinities) some of the time. */
  nan?: boolean;
  /** string: draw from a pool of this many values (default: the fixed pool plus random words). */
  cardinality?: number;
  /** int: the row number instead of a random value (a unique key, never null). */
  serial?: boolean;
}

export type Value = null | number | bigint | string | boolean | Date;
export type Row = Record<string, Value>;

/** mulberry32: a small, seedable PRNG so every generated table and query is reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
export const randInt = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

/** Strings that tend to break things: empty, padding, multi-byte and astral characters, separators, quotes. */
export const STRING_POOL = ['', ' ', 'a', 'abc', 'Abc', 'ABC', ' pad ', 'b', 'hello world', '日本', '日本語テキスト', 'ÄÖü', 'äöÜ', '😀', 'x😀y', 'a,b', 'say "hi"', "it's", 'tab\there', '%_like'];

const DAY_MS = 86_400_000;

function genValue(spec: ColSpec, r: () => number, pool: string[]): Value {
  if (r() < (spec.nulls ?? 0.1)) return null;
  switch (spec.type) {
    case 'int':
      return randInt(r, spec.min ?? -1000, spec.max ?? 1000);
    case 'bigint': {
      if (spec.huge && r() < 0.3) {
        // beyond 2^53: exact only as int64, so a float64 round trip anywhere would show
        const big = (1n << 60n) + BigInt(randInt(r, 0, 1_000_000)) * 7919n;
        return r() < 0.5 ? -big : big;
      }
      return BigInt(randInt(r, spec.min ?? -100_000, spec.max ?? 100_000));
    }
    case 'double': {
      if (spec.nan) {
        const s = r();
        if (s < 0.05) return NaN;
        if (s < 0.07) return r() < 0.5 ? Infinity : -Infinity;
      }
      if (r() < 0.05) return 0;
      return (r() - 0.5) * 2000 * (r() < 0.1 ? 1e-6 : 1);
    }
    case 'string':
      return pick(r, pool);
    case 'boolean':
      return r() < 0.5;
    case 'date':
      // 1900-01-01 .. 2100-12-31: negative epoch days included
      return new Date(randInt(r, -25567, 47846) * DAY_MS);
    case 'timestamp':
      return new Date(randInt(r, -2_000_000_000, 4_000_000_000) * 1000);
  }
}

function stringPool(spec: ColSpec, r: () => number): string[] {
  const words = [...STRING_POOL];
  const letters = 'abcdefghijklmnopqrstuvwxyzAB日ü😀 ';
  while (words.length < Math.max(spec.cardinality ?? 60, STRING_POOL.length)) {
    let w = '';
    for (let i = randInt(r, 1, 8); i > 0; i--) w += pick(r, [...letters]);
    if (!words.includes(w)) words.push(w);
  }
  return spec.cardinality !== undefined ? words.slice(0, spec.cardinality) : words;
}

/** `n` rows for `specs`, deterministic in `seed`. */
export function genRows(specs: readonly ColSpec[], n: number, seed: number): Row[] {
  const r = rng(seed);
  const pools = specs.map((s) => (s.type === 'string' ? stringPool(s, r) : []));
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const row: Row = {};
    specs.forEach((s, c) => { row[s.name] = s.serial ? i : genValue(s, r, pools[c]!); });
    rows.push(row);
  }
  return rows;
}

const SPARK_TYPE: Record<ColType, string> = { int: 'INT', bigint: 'BIGINT', double: 'DOUBLE', string: 'STRING', date: 'DATE', boolean: 'BOOLEAN', timestamp: 'TIMESTAMP' };
const DUCK_TYPE: Record<ColType, string> = { int: 'INTEGER', bigint: 'BIGINT', double: 'DOUBLE', string: 'VARCHAR', date: 'DATE', boolean: 'BOOLEAN', timestamp: 'TIMESTAMP' };

/** Spark DDL for createDataFrame(rows, ddl). */
export const ddl = (specs: readonly ColSpec[]): string => specs.map((s) => `${s.name} ${SPARK_TYPE[s.type]}`).join(', ');

/** A SQL literal for DuckDB. Doubles go through strings so they parse to the identical float64. */
export function sqlLiteral(v: Value, type: ColType): string {
  if (v === null) return 'NULL';
  switch (type) {
    case 'double': return `'${String(v)}'::DOUBLE`;
    case 'string': return `'${String(v).replace(/'/g, "''")}'`;
    case 'date': return `DATE '${(v as Date).toISOString().slice(0, 10)}'`;
    case 'timestamp': return `TIMESTAMP '${(v as Date).toISOString().replace('T', ' ').replace('Z', '')}'`;
    case 'boolean': return v ? 'TRUE' : 'FALSE';
    default: return String(v);
  }
}

export interface Result { names: string[]; rows: unknown[][] }

/** One in-memory DuckDB database holding the same tables the tests give Quiver. */
export class Oracle {
  private constructor(private readonly con: DuckDBConnection) {}

  static async create(): Promise<Oracle> {
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    return new Oracle(con);
  }

  async run(sql: string): Promise<void> {
    await this.con.run(sql);
  }

  async query(sql: string): Promise<Result> {
    const r = await this.con.runAndReadAll(sql);
    return { names: r.columnNames(), rows: (await r.getRowsJS()) as unknown[][] };
  }

  /** Creates (or replaces) table `name` with `rows`, inserted as VALUES lists. */
  async load(name: string, specs: readonly ColSpec[], rows: readonly Row[]): Promise<void> {
    await this.run(`CREATE OR REPLACE TABLE ${name} (${specs.map((s) => `"${s.name}" ${DUCK_TYPE[s.type]}`).join(', ')})`);
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      const values = chunk.map((row) => `(${specs.map((s) => sqlLiteral(row[s.name] ?? null, s.type)).join(', ')})`);
      await this.run(`INSERT INTO ${name} VALUES ${values.join(', ')}`);
    }
  }
}

/** The same table in both engines: a Quiver DataFrame built with an explicit DDL schema, and a DuckDB table. */
export async function makeTable(spark: Session, oracle: Oracle, name: string, specs: readonly ColSpec[], n: number, seed: number): Promise<{ df: DataFrame; rows: Row[] }> {
  const rows = genRows(specs, n, seed);
  await oracle.load(name, specs, rows);
  return { df: spark.createDataFrame(rows, ddl(specs)), rows };
}

/** Collects a Quiver DataFrame as positional rows; duplicate output names would collapse in row objects, so they are refused. */
export async function quiverResult(df: DataFrame): Promise<Result> {
  const names = df.columns;
  if (new Set(names).size !== names.length) throw new Error(`harness: duplicate output columns [${names.join(', ')}]; alias them so rows can be compared by position`);
  const rows = (await df.collect()).map((o) => names.map((n) => o[n]));
  return { names, rows };
}

// ---- comparison ----

/** Float tolerance: 1e-9 relative, with magnitudes below 1 treated as 1 so sums that cancel to ~0 still compare. */
export function floatsClose(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Equality of one value: null = null, NaN = NaN, bigint exact (a number matches only if it is the same integer), dates by instant. */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    if (typeof a === 'bigint' && typeof b === 'bigint') return a === b;
    const n = typeof a === 'bigint' ? b : a;
    const big = (typeof a === 'bigint' ? a : b) as bigint;
    return typeof n === 'number' && Number.isSafeInteger(n) && BigInt(n) === big;
  }
  if (typeof a === 'number' && typeof b === 'number') return floatsClose(a, b);
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => valuesEqual(x, b[i]));
  return a === b;
}

/** A total order for sorting rows before a multiset comparison; floats are ranked at 9 significant digits so near-equal values sort alike. */
function rank(v: unknown): [number, number | string] {
  if (v === null || v === undefined) return [0, 0];
  if (typeof v === 'boolean') return [1, v ? 1 : 0];
  if (typeof v === 'bigint') return [2, Number(v)];
  if (typeof v === 'number') return Number.isNaN(v) ? [3, 0] : [2, Number.isFinite(v) && v !== 0 ? Number(v.toPrecision(9)) : v];
  if (v instanceof Date) return [2, v.getTime()];
  if (Array.isArray(v)) return [4, JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))];
  return [5, String(v)];
}

function compareValues(a: unknown, b: unknown): number {
  const [ka, va] = rank(a);
  const [kb, vb] = rank(b);
  if (ka !== kb) return ka - kb;
  if (va < vb) return -1;
  if (va > vb) return 1;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  return 0;
}

const compareRows = (a: unknown[], b: unknown[]): number => {
  for (let i = 0; i < a.length; i++) {
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return c;
  }
  return 0;
};

export const show = (v: unknown): string =>
  v === undefined ? 'undefined' : v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? `${v}n` : Number.isNaN(v) ? 'NaN' : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
const showRow = (r: unknown[]): string => `(${r.map(show).join(', ')})`;

/** Compares two results; returns null when they agree, else a description of the first differences. */
export function diffResults(got: Result, expected: Result, ordered = false): string | null {
  if (got.names.length !== expected.names.length) return `column count: got ${got.names.length} [${got.names.join(', ')}], expected ${expected.names.length} [${expected.names.join(', ')}]`;
  const g = ordered ? got.rows : [...got.rows].sort(compareRows);
  const e = ordered ? expected.rows : [...expected.rows].sort(compareRows);
  const problems: string[] = [];
  if (g.length !== e.length) problems.push(`row count: got ${g.length}, expected ${e.length}`);
  for (let i = 0; i < Math.max(g.length, e.length) && problems.length < 6; i++) {
    const gr = g[i];
    const er = e[i];
    if (!gr || !er || gr.length !== er.length || !gr.every((v, c) => valuesEqual(v, er[c]))) {
      problems.push(`${ordered ? 'row' : 'sorted row'} ${i}: got ${gr ? showRow(gr) : '(none)'}, expected ${er ? showRow(er) : '(none)'}`);
    }
  }
  return problems.length ? `columns [${got.names.join(', ')}]\n${problems.join('\n')}` : null;
}

/** Runs both queries and throws a readable difference when they disagree. `ordered` when the query sorts every row. */
export async function checkQuery(oracle: Oracle, df: DataFrame, sql: string, opts: { ordered?: boolean } = {}): Promise<void> {
  const [got, expected] = await Promise.all([quiverResult(df), oracle.query(sql)]);
  const d = diffResults(got, expected, opts.ordered ?? false);
  if (d) throw new Error(`Quiver and DuckDB disagree\nSQL: ${sql}\n${d}`);
}
