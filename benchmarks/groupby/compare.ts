// Answer validation shared by the benchmark (checksums, as db-benchmark's `chk`) and the
// answers test (full row-by-row comparison). Both treat NULL and NaN alike as "no value":
// Spark gives NULL where DuckDB gives NaN (e.g. corr over a single row), and which one an
// engine returns for an undefined statistic is not what these questions measure.

/** Relative tolerance for floating aggregates: summation order differs between engines. */
export const REL_TOL = 1e-9;
/**
 * Absolute floor under REL_TOL: statistics computed by cancellation (q9's corr of an
 * uncorrelated group) come out as 0 in one engine and ~1e-32 in the other, and no relative
 * tolerance covers a true value of zero.
 */
export const ABS_TOL = 1e-12;

export type Cell = string | number | null;
export type Row = readonly Cell[];

export interface Answer {
  columns: readonly string[];
  rows: readonly Row[];
}

/** Per answer column: sum of the defined values and count of NULL/NaN values. */
export interface Checksum {
  rows: number;
  sums: Record<string, number>;
  missing: Record<string, number>;
}

/** JS value of one engine cell (bigint, DuckDB decimal, Arrow Int64...) as a Cell. */
export function toCell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isNaN(v) ? null : v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'object' && typeof (v as { toDouble?: unknown }).toDouble === 'function') {
    return toCell((v as { toDouble(): number }).toDouble());
  }
  return toCell(Number(String(v)));
}

export function closeEnough(a: number, b: number): boolean {
  const d = Math.abs(a - b);
  return d <= ABS_TOL || d <= REL_TOL * Math.max(Math.abs(a), Math.abs(b));
}

/** Differences between two checksums, empty when they agree. */
export function diffChecksums(expected: Checksum, actual: Checksum): string[] {
  const out: string[] = [];
  if (expected.rows !== actual.rows) out.push(`rows: expected ${expected.rows}, got ${actual.rows}`);
  for (const c of Object.keys(expected.sums)) {
    const e = expected.sums[c]!, a = actual.sums[c];
    if (a === undefined) { out.push(`column ${c} missing`); continue; }
    if (!closeEnough(e, a)) out.push(`sum(${c}): expected ${e}, got ${a} (rel ${(Math.abs(a - e) / Math.abs(e)).toExponential(2)})`);
    if (expected.missing[c] !== actual.missing[c]) {
      out.push(`null/NaN count of ${c}: expected ${expected.missing[c]}, got ${actual.missing[c]}`);
    }
  }
  return out;
}

function compareCells(a: Cell, b: Cell): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}

function sortRows(rows: readonly Row[]): Row[] {
  return [...rows].sort((x, y) => {
    for (let i = 0; i < x.length; i++) {
      const c = compareCells(x[i]!, y[i]!);
      if (c !== 0) return c;
    }
    return 0;
  });
}

/**
 * Differences between two answers after sorting both by all columns (keys lead, so this is
 * a sort by keys; the value columns only break ties such as q8's two rows per group).
 * Returns at most `limit` messages, empty when the answers agree.
 */
export function diffAnswers(expected: Answer, actual: Answer, limit = 5): string[] {
  if (expected.columns.join() !== actual.columns.join()) {
    return [`columns: expected [${expected.columns.join(', ')}], got [${actual.columns.join(', ')}]`];
  }
  if (expected.rows.length !== actual.rows.length) {
    return [`rows: expected ${expected.rows.length}, got ${actual.rows.length}`];
  }
  const e = sortRows(expected.rows), a = sortRows(actual.rows);
  const out: string[] = [];
  for (let r = 0; r < e.length && out.length < limit; r++) {
    for (let c = 0; c < expected.columns.length; c++) {
      const x = e[r]![c]!, y = a[r]![c]!;
      const same = typeof x === 'number' && typeof y === 'number' ? closeEnough(x, y) : x === y;
      if (!same) {
        out.push(`row ${r} (${e[r]!.join(', ')}): ${expected.columns[c]} expected ${x}, got ${y}`);
        break;
      }
    }
  }
  return out;
}
