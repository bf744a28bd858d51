import { AnalysisError } from '../../errors.js';
import { type DataType, DateType, Int32Type, TimestampType, Utf8Type, typeToString } from '../../types/data-type.js';
import { normalizeValidity } from '../../types/vec.js';
import { castVec } from '../cast.js';
import { civilFromDays, daysFromCivil } from '../datetime.js';
import { andValidity } from './nulls.js';
import { type ScalarFunction, registerScalar } from './registry.js';
import { type Param, checkArity, coerceAll, compileCache, isNullAt, mapRows } from './vectorize.js';

/* Dates are days since the epoch and timestamps microseconds since the epoch, in the UTC session zone. */

const DAY_US = 86_400_000_000;
const HOUR_US = 3_600_000_000;
const MINUTE_US = 60_000_000;
const SECOND_US = 1_000_000;

function typed(name: string, params: readonly Param[], returns: DataType, evalFn: ScalarFunction['eval'], min = params.length): ScalarFunction {
  return {
    name,
    coerce: (args) => coerceAll(name, args, params, min, params.length),
    returnType(args) {
      coerceAll(name, args, params, min, params.length);
      return returns;
    },
    eval: evalFn,
  };
}

type DateField = 'year' | 'month' | 'quarter' | 'dayofmonth' | 'dayofweek' | 'dayofyear';

/** One loop per field over the day numbers (no Date objects). */
function dateField(name: DateField): ScalarFunction {
  return typed(name, ['date'], Int32Type, ([a], ctx) => {
    const n = ctx.length;
    const days = a!.values as Int32Array;
    const out = new Int32Array(n);
    switch (name) {
      case 'year': for (let i = 0; i < n; i++) out[i] = civilFromDays(days[i]!).y; break;
      case 'month': for (let i = 0; i < n; i++) out[i] = civilFromDays(days[i]!).m; break;
      case 'quarter': for (let i = 0; i < n; i++) out[i] = ((civilFromDays(days[i]!).m + 2) / 3) | 0; break;
      case 'dayofmonth': for (let i = 0; i < n; i++) out[i] = civilFromDays(days[i]!).d; break;
      // 1970-01-01 was a Thursday; Spark numbers Sunday 1 ... Saturday 7.
      case 'dayofweek': for (let i = 0; i < n; i++) out[i] = floorMod(days[i]! + 4, 7) + 1; break;
      case 'dayofyear':
        for (let i = 0; i < n; i++) out[i] = days[i]! - daysFromCivil(civilFromDays(days[i]!).y, 1, 1) + 1;
        break;
    }
    return { type: Int32Type, length: n, values: out, validity: andValidity(n, a!) };
  });
}

const floorMod = (x: number, m: number): number => x - Math.floor(x / m) * m;

function timeField(name: string, unit: number, modulus: number): ScalarFunction {
  return typed(name, ['timestamp'], Int32Type, ([a], ctx) => {
    const n = ctx.length;
    const us = a!.values as Float64Array;
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(floorMod(us[i]!, modulus) / unit);
    return { type: Int32Type, length: n, values: out, validity: andValidity(n, a!) };
  });
}

registerScalar(
  dateField('year'),
  dateField('month'),
  dateField('quarter'),
  dateField('dayofmonth'),
  dateField('dayofweek'),
  dateField('dayofyear'),
  timeField('hour', HOUR_US, DAY_US),
  timeField('minute', MINUTE_US, HOUR_US),
  timeField('second', SECOND_US, MINUTE_US),
);

function dayArithmetic(name: 'date_add' | 'date_sub'): ScalarFunction {
  const sign = name === 'date_add' ? 1 : -1;
  return typed(name, ['date', 'int'], DateType, ([a, b], ctx) => {
    const n = ctx.length;
    const days = a!.values as Int32Array;
    const delta = b!.values as Int32Array;
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = (days[i]! + sign * delta[i]!) | 0;
    return { type: DateType, length: n, values: out, validity: normalizeValidity(andValidity(n, a!, b!)) };
  });
}

registerScalar(
  dayArithmetic('date_add'),
  dayArithmetic('date_sub'),
  typed('datediff', ['date', 'date'], Int32Type, ([end, start], ctx) => {
    const n = ctx.length;
    const e = end!.values as Int32Array;
    const s = start!.values as Int32Array;
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = (e[i]! - s[i]!) | 0;
    return { type: Int32Type, length: n, values: out, validity: normalizeValidity(andValidity(n, end!, start!)) };
  }),
);

// ---- parsing with Spark datetime patterns ----

type Token =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'field'; readonly letter: string; readonly count: number };

const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const SUPPORTED_LETTERS = new Set(['y', 'M', 'd', 'H', 'h', 'm', 's', 'S', 'a']);

/** Splits a Spark datetime pattern (`yyyy-MM-dd HH:mm:ss`, quoted literals with '') into tokens. */
export function compileDatetimePattern(fn: string, pattern: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length;) {
    const c = pattern[i]!;
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) throw new AnalysisError(`Function '${fn}': unterminated quote in datetime pattern '${pattern}'`);
      tokens.push({ kind: 'literal', text: end === i + 1 ? "'" : pattern.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      if (!SUPPORTED_LETTERS.has(c)) {
        throw new AnalysisError(`Function '${fn}': unsupported pattern letter '${c}' in datetime pattern '${pattern}' (supported: y M d H h m s S a)`);
      }
      tokens.push({ kind: 'field', letter: c, count: j - i });
      i = j;
    } else {
      tokens.push({ kind: 'literal', text: c });
      i++;
    }
  }
  return tokens;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * Parses `s` with the pattern into microseconds since the epoch, or null when it does not match or names
 * an impossible date (Spark's non-ANSI behaviour). Missing fields default to 1970-01-01 00:00:00.
 * Numeric fields of one letter take one or more digits, of two letters exactly two; a field directly
 * followed by another numeric field takes exactly its letter count (so `yyyyMMdd` works); `yy` means 20yy.
 */
export function parseWithPattern(s: string, tokens: readonly Token[]): number | null {
  let year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, micros = 0;
  let hour12 = -1;
  let pm = -1;
  let at = 0;
  for (let t = 0; t < tokens.length; t++) {
    const tok = tokens[t]!;
    if (tok.kind === 'literal') {
      if (s.slice(at, at + tok.text.length).toLowerCase() !== tok.text.toLowerCase()) return null;
      at += tok.text.length;
      continue;
    }
    const { letter, count } = tok;
    if (letter === 'M' && count >= 3) {
      const rest = s.slice(at).toLowerCase();
      const m = MONTH_NAMES.findIndex((name) => rest.startsWith(count === 3 ? name.slice(0, 3) : name));
      if (m < 0) return null;
      month = m + 1;
      at += count === 3 ? 3 : MONTH_NAMES[m]!.length;
      continue;
    }
    if (letter === 'a') {
      const ampm = s.slice(at, at + 2).toLowerCase();
      if (ampm !== 'am' && ampm !== 'pm') return null;
      pm = ampm === 'pm' ? 1 : 0;
      at += 2;
      continue;
    }
    const next = tokens[t + 1];
    const adjacentNumeric = next !== undefined && next.kind === 'field' && !(next.letter === 'M' && next.count >= 3) && next.letter !== 'a';
    const minDigits = letter === 'S' ? 1 : count === 2 ? 2 : count;
    const maxDigits = adjacentNumeric ? count : letter === 'S' ? count : count === 2 ? 2 : letter === 'y' ? 9 : Math.max(count, 2);
    let end = at;
    while (end < s.length && end - at < maxDigits && isDigit(s.charCodeAt(end))) end++;
    if (end - at < minDigits) return null;
    const v = Number(s.slice(at, end));
    switch (letter) {
      case 'y': year = count === 2 ? 2000 + v : v; break;
      case 'M': month = v; break;
      case 'd': day = v; break;
      case 'H': hour = v; break;
      case 'h': hour12 = v; break;
      case 'm': minute = v; break;
      case 's': second = v; break;
      case 'S': micros = Math.floor(v * 10 ** (6 - (end - at))); break;
    }
    at = end;
  }
  if (at !== s.length) return null;
  if (hour12 >= 0) {
    if (hour12 < 1 || hour12 > 12) return null;
    hour = (hour12 % 12) + (pm === 1 ? 12 : 0);
  } else if (pm === 1 && hour < 12) {
    hour += 12;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const days = daysFromCivil(year, month, day);
  if (civilFromDays(days).d !== day) return null;
  return days * DAY_US + hour * HOUR_US + minute * MINUTE_US + second * SECOND_US + micros;
}

/**
 * to_date / to_timestamp: without a format a string is cast (Spark's cast rules); with one it is parsed
 * once per distinct string. Dates and timestamps convert directly and ignore the format, as in Spark.
 */
function parseFunction(name: 'to_date' | 'to_timestamp', target: DataType): ScalarFunction {
  const targetParam: Param = target.kind === 'date' ? 'date' : 'timestamp';
  return {
    name,
    coerce(args) {
      checkArity(name, args, 1, 2);
      const [x, format] = args;
      if (x!.kind !== 'utf8' && x!.kind !== 'date' && x!.kind !== 'timestamp' && x!.kind !== 'null') {
        throw new AnalysisError(`Function '${name}' expects a string, date or timestamp for argument 1, got ${typeToString(x!)}`);
      }
      if (format === undefined) return coerceAll(name, args, [targetParam], 1, 1);
      return [x!.kind === 'null' ? Utf8Type : x!, coerceAll(name, [format], ['string'], 1, 1)[0]!];
    },
    returnType(args) {
      this.coerce!(args);
      return target;
    },
    eval(args, ctx) {
      const x = args[0]!;
      if (args.length === 1 || x.type.kind !== 'utf8') return castVec(x, target);
      const compile = compileCache((p) => compileDatetimePattern(name, p));
      const asDays = target.kind === 'date';
      return mapRows(args, ctx, (xs) => {
        const us = parseWithPattern(xs[0] as string, compile(xs[1] as string));
        return us === null ? null : asDays ? Math.floor(us / DAY_US) : us;
      });
    },
  };
}

registerScalar(parseFunction('to_date', DateType), parseFunction('to_timestamp', TimestampType));

// ---- date_trunc(unit, timestamp) ----

const TRUNC_UNITS: Record<string, number> = {
  year: 1, yyyy: 1, yy: 1, quarter: 2, month: 3, mon: 3, mm: 3, week: 4, day: 5, dd: 5,
  hour: 6, minute: 7, second: 8, millisecond: 9, microsecond: 10,
};

function truncate(us: number, unit: number): number {
  if (unit >= 5) {
    const size = [DAY_US, HOUR_US, MINUTE_US, SECOND_US, 1000, 1][unit - 5]!;
    return us - floorMod(us, size);
  }
  const days = Math.floor(us / DAY_US);
  if (unit === 4) return (days - floorMod(days + 3, 7)) * DAY_US; // weeks start on Monday
  const { y, m } = civilFromDays(days);
  const month = unit === 1 ? 1 : unit === 2 ? m - ((m - 1) % 3) : m;
  return daysFromCivil(y, month, 1) * DAY_US;
}

/** Spark's date_trunc: an unknown unit gives null rather than an error. */
registerScalar(typed('date_trunc', ['string', 'timestamp'], TimestampType, ([unitVec, ts], ctx) => {
  const n = ctx.length;
  const unitOfCode = unitVec!.dict!.map((u) => TRUNC_UNITS[u.toLowerCase()] ?? 0);
  const codes = unitVec!.values as Int32Array;
  const us = ts!.values as Float64Array;
  const out = new Float64Array(n);
  const validity = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (isNullAt(unitVec!, i) || isNullAt(ts!, i)) continue;
    const unit = unitOfCode[codes[i]!]!;
    if (unit === 0) continue;
    out[i] = truncate(us[i]!, unit);
    validity[i] = 1;
  }
  return { type: TimestampType, length: n, values: out, validity: normalizeValidity(validity) };
}));

