import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { BoundExpr } from '../../expr/bound.js';
import { AnalysisError } from '../../errors.js';
import { type DataType, DecimalType, Float64Type, Int32Type, Int64Type, Utf8Type, typesEqual } from '../../types/data-type.js';
import { makeBatch } from '../../types/batch.js';
import { Schema, field } from '../../types/schema.js';
import { getValue, vecFromValues } from '../../types/vec.js';
import { evaluate } from '../evaluate.js';
import { lookupScalar } from './registry.js';

let duck: DuckDBConnection;
beforeAll(async () => { duck = await (await DuckDBInstance.create(':memory:')).connect(); });
afterAll(() => duck.closeSync());

const ref = (index: number, type: DataType): BoundExpr => ({ op: 'ref', index, type });
const lit = (value: unknown, type: DataType = typeof value === 'number' ? Int32Type : Utf8Type): BoundExpr => ({ op: 'lit', value, type });

/** Binds a call the way the analyzer does: the function's implicit casts, then its return type. */
function call(fn: string, ...args: BoundExpr[]): BoundExpr {
  const f = lookupScalar(fn)!;
  const want = f.coerce ? f.coerce(args.map((a) => a.type)) : args.map((a) => a.type);
  const cast = args.map((a, i): BoundExpr => (typesEqual(a.type, want[i]!) ? a : { op: 'cast', child: a, type: want[i]! }));
  return { op: 'call', fn, args: cast, type: f.returnType(cast.map((a) => a.type)) };
}

interface Column { readonly type: DataType; readonly sqlType: string; readonly values: readonly unknown[] }

const sqlLiteral = (x: unknown, sqlType: string): string =>
  x === null ? `NULL::${sqlType}` : `'${String(x).replaceAll("'", "''")}'::${sqlType}`;

function run(columns: readonly Column[], e: BoundExpr): unknown[] {
  const vecs = columns.map((c) => vecFromValues(c.type, c.values));
  const batch = makeBatch(new Schema(columns.map((c, i) => field(`c${i}`, c.type))), vecs, columns[0]!.values.length);
  const out = evaluate(e, batch);
  return Array.from({ length: out.length }, (_, i) => getValue(out, i));
}

/** Runs `sql` over columns c0, c1, ... in DuckDB, row order kept; a dummy row keeps VALUES valid for empty input. */
async function duckdb(columns: readonly Column[], sql: string): Promise<unknown[]> {
  const n = columns[0]!.values.length;
  const rows = [-1, ...Array.from({ length: n }, (_, i) => i)].map((i) =>
    `(${i}, ${columns.map((c) => sqlLiteral(i < 0 ? null : c.values[i], c.sqlType)).join(', ')})`);
  const names = columns.map((_, i) => `c${i}`).join(', ');
  const r = await duck.runAndReadAll(`SELECT ${sql} AS r FROM (VALUES ${rows.join(', ')}) t(i, ${names}) WHERE i >= 0 ORDER BY i`);
  return r.getRowObjectsJS().map((o) => o.r);
}

/** Exact for arithmetic; transcendental functions may differ from C's libm in the last bit, so `ulps` allows that. */
async function expectLikeDuckDB(columns: readonly Column[], e: BoundExpr, sql: string, approx = false): Promise<void> {
  const ours = run(columns, e);
  const theirs = await duckdb(columns, sql);
  if (!approx) {
    expect(ours).toEqual(theirs);
    return;
  }
  expect(ours.length).toBe(theirs.length);
  ours.forEach((x, i) => {
    const y = theirs[i];
    if (typeof x === 'number' && typeof y === 'number' && Number.isFinite(x)) expect(x).toBeCloseTo(y, 12);
    else expect(x).toEqual(y);
  });
}


const dbl = (values: readonly (number | null)[]): Column => ({ type: Float64Type, sqlType: 'DOUBLE', values });
const int = (values: readonly (number | null)[]): Column => ({ type: Int32Type, sqlType: 'INTEGER', values });
const big = (values: readonly (bigint | null)[]): Column => ({ type: Int64Type, sqlType: 'BIGINT', values });

const FINITE = dbl([1.5, -2.5, 0, 2.675, -2.675, 123.456, -0.4, 0.5, 1e-7, 99999.99995, -1234567.891, null, 1.005, 7]);
const SPECIAL = dbl([NaN, Infinity, -Infinity, null, 1e300, -1e-300]);
const INTS = int([0, 7, -7, 2147483647, -2147483647, null, 15, -15, 25, -25, 1234]);
const BIGS = big([2n ** 53n + 1n, -(2n ** 60n) - 7n, 9007199254740993n, null, 15n, -25n, 0n, 9223372036854775807n]);

describe('abs', () => {
  it('keeps the input type for int, bigint beyond 2^53 and double (NaN, infinities, nulls)', async () => {
    await expectLikeDuckDB([FINITE], call('abs', ref(0, Float64Type)), 'abs(c0)');
    await expectLikeDuckDB([SPECIAL], call('abs', ref(0, Float64Type)), 'abs(c0)');
    await expectLikeDuckDB([INTS], call('abs', ref(0, Int32Type)), 'abs(c0)');
    await expectLikeDuckDB([BIGS], call('abs', ref(0, Int64Type)), 'abs(c0)');
    await expectLikeDuckDB([dbl([])], call('abs', ref(0, Float64Type)), 'abs(c0)');
    expect(call('abs', ref(0, Int64Type)).type).toEqual(Int64Type);
  });

  it('wraps the most negative int as Java does (DuckDB raises an overflow error instead)', () => {
    expect(run([int([-2147483648])], call('abs', ref(0, Int32Type)))).toEqual([-2147483648]);
  });
});

describe('round and bround', () => {
  // Spark rounds BigDecimal(x.toString): the shortest decimal that prints as x. Casting DuckDB's shortest
  // VARCHAR form to DECIMAL and rounding that states the same thing (DuckDB's own double round works on
  // the binary value, giving 2.67 for 2.675).
  const viaDecimal = (fn: string, scale: number): string =>
    `${fn}(c0::VARCHAR::DECIMAL(30,10), ${scale})::DOUBLE`;

  it('round is HALF_UP on the decimal digits of doubles, at positive, zero and negative scales', async () => {
    for (const scale of [0, 1, 2, 3, -1, -2]) {
      await expectLikeDuckDB([FINITE], call('round', ref(0, Float64Type), lit(scale)), viaDecimal('round', scale));
    }
  });

  it('bround is HALF_EVEN on the decimal digits', async () => {
    // DuckDB's round_even rounds 1.005 to 1.01 at scale 2, so the query spells out half-even on the decimal.
    for (const scale of [0, 1, 2, -1]) {
      const factor = scale >= 0 ? `1${'0'.repeat(scale)}` : `0.${'0'.repeat(-scale - 1)}1`;
      const scaled = `(c0::VARCHAR::DECIMAL(30,10) * ${factor})`;
      const halfEven = `CASE WHEN ${scaled} - floor(${scaled}) > 0.5 OR (${scaled} - floor(${scaled}) = 0.5 AND floor(${scaled}) % 2 <> 0)
        THEN floor(${scaled}) + 1 ELSE floor(${scaled}) END`;
      await expectLikeDuckDB([FINITE], call('bround', ref(0, Float64Type), lit(scale)), `(${halfEven} / ${factor})::DOUBLE`);
    }
  });

  it('round keeps NaN and infinities, and pins the ties DuckDB double round resolves differently', () => {
    expect(run([SPECIAL], call('round', ref(0, Float64Type), lit(2)))).toEqual([NaN, Infinity, -Infinity, null, 1e300, -0 + 0]);
    expect(run([dbl([2.675, 0.125, -0.5, 2.5])], call('round', ref(0, Float64Type), lit(2)))).toEqual([2.68, 0.13, -0.5, 2.5]);
    expect(run([dbl([2.5, 3.5, -2.5, 0.125])], call('bround', ref(0, Float64Type)))).toEqual([2, 4, -2, 0]);
  });

  it('integer input stays integer; negative scales round HALF_UP to tens, hundreds, ...', async () => {
    const ints = int([0, 7, -7, 2147483640, -2147483640, null, 15, -15, 25, -25, 1234]);
    const bigs = big([2n ** 53n + 5n, -(2n ** 60n) - 75n, 9007199254740993n, null, 15n, -25n, 0n, 9223372036854775000n]);
    for (const scale of [0, 2, -1, -2]) {
      await expectLikeDuckDB([ints], call('round', ref(0, Int32Type), lit(scale)), `round(c0::DECIMAL(12,0), ${scale})::INTEGER`);
      await expectLikeDuckDB([bigs], call('round', ref(0, Int64Type), lit(scale)),
        scale >= 0 ? 'c0' : `round(c0::HUGEINT::DECIMAL(38,0), ${scale})::BIGINT`);
    }
    expect(call('round', ref(0, Int32Type), lit(-1)).type).toEqual(Int32Type);
    expect(run([ints], call('bround', ref(0, Int32Type), lit(-1)))).toEqual([0, 10, -10, 2147483640, -2147483640, null, 20, -20, 20, -20, 1230]);
  });

  it('integer rounding past the int range wraps, as Spark\'s intValue does (DuckDB raises an error)', () => {
    expect(run([int([2147483647])], call('round', ref(0, Int32Type), lit(-1)))).toEqual([2147483650 | 0]);
  });

  it('rounds decimals on their unscaled value, keeping the type', () => {
    const dec = { type: DecimalType(10, 3), sqlType: 'DECIMAL(10,3)', values: [1.2345, -1.2355, 0.5, null] } as Column;
    const e = call('round', ref(0, DecimalType(10, 3)), lit(2));
    expect(e.type).toEqual(DecimalType(10, 3));
    expect(run([dec], e)).toEqual([1.24, -1.24, 0.5, null]);
  });
});

describe('floor and ceil', () => {
  it('return bigint for doubles and ints, matching DuckDB on finite values', async () => {
    await expectLikeDuckDB([FINITE], call('floor', ref(0, Float64Type)), 'floor(c0)::BIGINT');
    await expectLikeDuckDB([FINITE], call('ceil', ref(0, Float64Type)), 'ceil(c0)::BIGINT');
    await expectLikeDuckDB([INTS], call('floor', ref(0, Int32Type)), 'c0::BIGINT');
    await expectLikeDuckDB([BIGS], call('ceil', ref(0, Int64Type)), 'c0');
    expect(call('floor', ref(0, Float64Type)).type).toEqual(Int64Type);
  });

  it('convert NaN to 0 and saturate infinities, as Java long casts do (DuckDB cannot cast these to BIGINT)', () => {
    expect(run([SPECIAL], call('floor', ref(0, Float64Type)))).toEqual([0n, 9223372036854775807n, -9223372036854775808n, null, 9223372036854775807n, -1n]);
  });

  it('of decimal(p, s) return decimal(p - s + 1, 0)', async () => {
    const dec: Column = { type: DecimalType(10, 2), sqlType: 'DECIMAL(10,2)', values: [1.25, -1.25, 3, null, -0.01] };
    const e = call('ceil', ref(0, DecimalType(10, 2)));
    expect(e.type).toEqual(DecimalType(9, 0));
    await expectLikeDuckDB([dec], e, 'ceil(c0)::DOUBLE');
    await expectLikeDuckDB([dec], call('floor', ref(0, DecimalType(10, 2))), 'floor(c0)::DOUBLE');
  });
});

describe('sqrt, exp, logarithms, signum', () => {
  const xs = dbl([4, 2, 0.5, 0, -1, NaN, Infinity, null, 1e-300, 1e300, 10, 1024]);

  it('sqrt of a negative number is NaN, as in Java (DuckDB raises an error)', async () => {
    await expectLikeDuckDB([xs], call('sqrt', ref(0, Float64Type)), "CASE WHEN c0 < 0 THEN 'NaN'::DOUBLE ELSE sqrt(c0) END");
  });

  it('exp', async () => {
    await expectLikeDuckDB([xs], call('exp', ref(0, Float64Type)), 'exp(c0)', true);
    await expectLikeDuckDB([INTS], call('exp', ref(0, Int32Type)), 'exp(c0)', true);
  });

  it('log, log10 and log2 are null for x <= 0 (Spark), where DuckDB raises an error', async () => {
    const sparkNull = (f: string): string => `CASE WHEN c0 <= 0 THEN NULL ELSE ${f}(c0) END`;
    await expectLikeDuckDB([xs], call('log', ref(0, Float64Type)), sparkNull('ln'), true);
    await expectLikeDuckDB([xs], call('log10', ref(0, Float64Type)), sparkNull('log10'), true);
    await expectLikeDuckDB([xs], call('log2', ref(0, Float64Type)), sparkNull('log2'), true);
    await expectLikeDuckDB([BIGS], call('log10', ref(0, Int64Type)), sparkNull('log10'), true);
  });

  it('log(base, x) takes the base first and is null when either is <= 0', async () => {
    const bases = dbl([2, 10, 0.5, 3, 2, -2, 2, 2, null, 10, 0, 4]);
    await expectLikeDuckDB([bases, xs], call('log', ref(0, Float64Type), ref(1, Float64Type)),
      'CASE WHEN c0 <= 0 OR c1 <= 0 THEN NULL ELSE ln(c1) / ln(c0) END', true);
    await expectLikeDuckDB([xs], call('log', lit(2, Float64Type), ref(0, Float64Type)), 'CASE WHEN c0 <= 0 THEN NULL ELSE log2(c0) END', true);
  });

  it('signum returns a double for any numeric input', async () => {
    // Java's signum(NaN) is NaN; DuckDB's sign(NaN) is 0.
    await expectLikeDuckDB([xs], call('signum', ref(0, Float64Type)), 'CASE WHEN isnan(c0) THEN c0 ELSE sign(c0)::DOUBLE END');
    await expectLikeDuckDB([INTS], call('signum', ref(0, Int32Type)), 'sign(c0)::DOUBLE');
    await expectLikeDuckDB([BIGS], call('signum', ref(0, Int64Type)), 'sign(c0)::DOUBLE');
  });

  it('cast numeric strings to double, as Spark does implicitly', async () => {
    const s: Column = { type: Utf8Type, sqlType: 'VARCHAR', values: ['4', '2.25', null, 'x'] };
    await expectLikeDuckDB([s], call('sqrt', ref(0, Utf8Type)), 'sqrt(TRY_CAST(c0 AS DOUBLE))');
  });
});

describe('argument checking', () => {
  it('rejects non-numeric input, naming the function', () => {
    expect(() => call('sqrt', ref(0, { kind: 'date' }))).toThrow(/'sqrt' expects a numeric argument 1, got date/);
    expect(() => call('abs', ref(0, { kind: 'boolean' }))).toThrow(AnalysisError);
    expect(() => call('log', ref(0, Float64Type), ref(1, Float64Type), ref(2, Float64Type))).toThrow(/'log' takes 1 to 2 arguments/);
  });
});
