import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { BoundExpr } from '../../expr/bound.js';
import { AnalysisError } from '../../errors.js';
import { type DataType, DateType, Int32Type, TimestampType, Utf8Type, typesEqual } from '../../types/data-type.js';
import { makeBatch } from '../../types/batch.js';
import { Schema, field } from '../../types/schema.js';
import { vecFromValues } from '../../types/vec.js';
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
  // Dates compare as day numbers and timestamps as microseconds, the stored values.
  return Array.from({ length: out.length }, (_, i) => (out.validity !== null && out.validity[i] === 0 ? null : out.values[i]));
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

async function expectLikeDuckDB(columns: readonly Column[], e: BoundExpr, sql: string): Promise<void> {
  expect(run(columns, e)).toEqual(await duckdb(columns, sql));
}

const str = (values: readonly (string | null)[]): Column => ({ type: Utf8Type, sqlType: 'VARCHAR', values });
const int = (values: readonly (number | null)[]): Column => ({ type: Int32Type, sqlType: 'INTEGER', values });
/** Day numbers; in SQL the column holds the number and `asDate` turns it into a DATE. */
const days = (values: readonly (number | null)[]): Column => ({ type: DateType, sqlType: 'INTEGER', values });
const micros = (values: readonly (number | null)[]): Column => ({ type: TimestampType, sqlType: 'BIGINT', values });
const asDate = (c: string): string => `(DATE '1970-01-01' + ${c})`;
const asTimestamp = (c: string): string => `make_timestamp(${c})`;
const dayNumber = (sql: string): string => `date_diff('day', DATE '1970-01-01', ${sql})::INTEGER`;
const microsOf = (sql: string): string => `epoch_us(${sql})::DOUBLE`;

// 0001-01-01, 1969-12-31, epoch, 2000-02-29, 2020-02-29 (a Saturday), 2023-12-31, 9999-12-31, and nulls.
const DAYS = days([-719162, -1, 0, 11016, 18321, 19722, 2932896, null, 6000, -25000]);
const TIMES = micros([0, -1, 1_000_000_000_123_456, -86_400_000_001, 1_700_000_000_123_456, null, 951_782_400_000_000, 59_999_999]);

describe('date fields', () => {
  it('year, month, quarter, dayofmonth and dayofyear match DuckDB, from year 1 to 9999', async () => {
    for (const [fn, sql] of [['year', 'year'], ['month', 'month'], ['quarter', 'quarter'], ['dayofmonth', 'day'], ['dayofyear', 'dayofyear']]) {
      await expectLikeDuckDB([DAYS], call(fn!, ref(0, DateType)), `${sql}(${asDate('c0')})::INTEGER`);
    }
    await expectLikeDuckDB([days([])], call('year', ref(0, DateType)), `year(${asDate('c0')})::INTEGER`);
  });

  it('dayofweek numbers Sunday 1 to Saturday 7 (DuckDB numbers Sunday 0)', async () => {
    await expectLikeDuckDB([DAYS], call('dayofweek', ref(0, DateType)), `(dayofweek(${asDate('c0')}) + 1)::INTEGER`);
  });

  it('date fields of timestamps and strings go through the implicit cast to date', async () => {
    await expectLikeDuckDB([TIMES], call('month', ref(0, TimestampType)), `month(${asTimestamp('c0')})::INTEGER`);
    const s = str(['2020-02-29', '1999-12-31 23:59:59', 'not a date', null, '2023-02-30']);
    await expectLikeDuckDB([s], call('year', ref(0, Utf8Type)), 'year(TRY_CAST(c0 AS TIMESTAMP))::INTEGER');
  });
});

describe('time fields', () => {
  it('hour, minute and second of timestamps, before and after the epoch', async () => {
    for (const fn of ['hour', 'minute', 'second']) {
      await expectLikeDuckDB([TIMES], call(fn, ref(0, TimestampType)), `${fn}(${asTimestamp('c0')})::INTEGER`);
    }
  });

  it('hour of a date is 0 and of a string is parsed', async () => {
    await expectLikeDuckDB([DAYS], call('hour', ref(0, DateType)), `hour(${asDate('c0')}::TIMESTAMP)::INTEGER`);
    const s = str(['2020-01-01 13:45:59', '2020-01-01T07:08:09.5', 'x', null]);
    await expectLikeDuckDB([s], call('minute', ref(0, Utf8Type)), 'minute(TRY_CAST(c0 AS TIMESTAMP))::INTEGER');
  });
});

describe('date arithmetic', () => {
  const deltas = int([1, -1, 365, 0, -36500, 5, null, 100000, 7, 30]);

  it('date_add and date_sub shift by days, with per-row and literal counts', async () => {
    await expectLikeDuckDB([DAYS, deltas], call('date_add', ref(0, DateType), ref(1, Int32Type)), dayNumber(`${asDate('c0')} + c1`));
    await expectLikeDuckDB([DAYS, deltas], call('date_sub', ref(0, DateType), ref(1, Int32Type)), dayNumber(`${asDate('c0')} - c1`));
    await expectLikeDuckDB([DAYS], call('date_add', ref(0, DateType), lit(31)), dayNumber(`${asDate('c0')} + 31`));
    expect(call('date_add', ref(0, DateType), lit(1)).type).toEqual(DateType);
  });

  it('datediff is end minus start in days', async () => {
    const starts = days([0, 0, -1, 18321, 11016, 0, null, 1, 2932896, -719162]);
    await expectLikeDuckDB([DAYS, starts], call('datediff', ref(0, DateType), ref(1, DateType)), `(${asDate('c0')} - ${asDate('c1')})::INTEGER`);
    await expectLikeDuckDB([TIMES, days([5, 0, -1, 18321, null, 11016, 19722, -2])],
      call('datediff', ref(0, TimestampType), ref(1, DateType)), `(${asTimestamp('c0')}::DATE - ${asDate('c1')})::INTEGER`);
  });

  it('date_add rejects a non-date first argument, naming the function', () => {
    expect(() => call('date_add', ref(0, Int32Type), lit(1))).toThrow(/'date_add' expects date for argument 1, got int/);
  });
});

describe('to_date and to_timestamp', () => {
  const iso = str(['2020-01-05', '1999-12-31', 'garbage', '', null, '2023-02-30', '2020-02-29', '2021-02-29']);

  it('without a format cast the string; invalid dates are null', async () => {
    await expectLikeDuckDB([iso], call('to_date', ref(0, Utf8Type)), dayNumber('TRY_CAST(c0 AS DATE)'));
    const ts = str(['2020-01-05 10:11:12', '2020-01-05T10:11:12.345678', '2020-01-05', 'x', null, '2020-01-05 25:00:00']);
    await expectLikeDuckDB([ts], call('to_timestamp', ref(0, Utf8Type)), microsOf('TRY_CAST(c0 AS TIMESTAMP)'));
  });

  it('parse Spark patterns (dd/MM/yyyy, yyyyMMdd, yyyy-MM-dd HH:mm:ss) like DuckDB strptime', async () => {
    const dmy = str(['05/01/2020', '31/12/1999', '30/02/2023', 'x', '', null, '29/02/2020', '05/01/2020 extra']);
    await expectLikeDuckDB([dmy], call('to_date', ref(0, Utf8Type), lit('dd/MM/yyyy')), dayNumber("try_strptime(c0, '%d/%m/%Y')::DATE"));
    const compact = str(['20200105', '19991231', '20230230', null, '00010101', '2020010']);
    await expectLikeDuckDB([compact], call('to_date', ref(0, Utf8Type), lit('yyyyMMdd')), dayNumber("try_strptime(c0, '%Y%m%d')::DATE"));
    const full = str(['2020-01-05 10:11:12', '1969-12-31 23:59:59', '2020-01-05 24:00:00', '2020-01-05', null]);
    await expectLikeDuckDB([full], call('to_timestamp', ref(0, Utf8Type), lit('yyyy-MM-dd HH:mm:ss')), microsOf("try_strptime(c0, '%Y-%m-%d %H:%M:%S')"));
  });

  it('two-letter fields need two digits, as Spark\'s parser does (DuckDB strptime accepts one)', () => {
    expect(run([str(['1/2/2020', '01/02/2020'])], call('to_date', ref(0, Utf8Type), lit('dd/MM/yyyy')))).toEqual([null, 18293]);
    expect(run([str(['1/2/2020'])], call('to_date', ref(0, Utf8Type), lit('d/M/yyyy')))).toEqual([18293]);
    expect(run([str(['2020015'])], call('to_date', ref(0, Utf8Type), lit('yyyyMMdd')))).toEqual([null]);
  });

  it('parse month names, 12-hour clocks, fractions and quoted literals', async () => {
    const s = str(['Jan 05 2020 01:02:03.5 PM', 'dec 31 1999 12:00:00.123456 AM', 'Foo 01 2020 01:00:00.1 PM']);
    await expectLikeDuckDB([s], call('to_timestamp', ref(0, Utf8Type), lit('MMM dd yyyy hh:mm:ss.SSSSSS a')),
      microsOf("try_strptime(c0, '%b %d %Y %I:%M:%S.%f %p')"));
    expect(run([str(["2020-01-05T10"])], call('to_timestamp', ref(0, Utf8Type), lit("yyyy-MM-dd'T'HH")))).toEqual([1578218400000000]);
  });

  it('reject unsupported pattern letters with an error naming the function and pattern', () => {
    expect(() => run([iso], call('to_date', ref(0, Utf8Type), lit('yyyy-QQ')))).toThrow(/to_date.*'Q'.*'yyyy-QQ'/);
  });
});

describe('date_trunc', () => {
  it('truncates to year, quarter, month, week (Monday), day, hour, minute and second', async () => {
    for (const unit of ['year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second', 'millisecond']) {
      await expectLikeDuckDB([TIMES], call('date_trunc', lit(unit), ref(0, TimestampType)), microsOf(`date_trunc('${unit}', ${asTimestamp('c0')})`));
    }
  });

  it('is null for an unknown unit, as in Spark', () => {
    expect(run([TIMES], call('date_trunc', lit('fortnight'), ref(0, TimestampType)))).toEqual(TIMES.values.map(() => null));
  });
});
