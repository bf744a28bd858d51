import { AnalysisError } from '../../errors.js';
import {
  type DataType, DecimalType, Float64Type, Int64Type, isNumeric, typeToString,
} from '../../types/data-type.js';
import { type Vec, allocValues, normalizeValidity } from '../../types/vec.js';
import { andValidity } from './nulls.js';
import { type ScalarFunction, registerScalar } from './registry.js';
import { checkArity, coerceParam } from './vectorize.js';

/** Numeric input types pass as they are; strings and untyped nulls become double, as Spark's implicit casts do. */
function numericArg(fn: string, t: DataType, position: number): DataType {
  if (isNumeric(t)) return t;
  if (t.kind === 'utf8' || t.kind === 'null') return Float64Type;
  throw new AnalysisError(`Function '${fn}' expects a numeric argument ${position + 1}, got ${typeToString(t)}`);
}

type DoubleLoop = (out: Float64Array, x: Float64Array, n: number) => void;

/**
 * One compiled loop per function body, so V8 sees a monomorphic loop with the Math call inlined
 * rather than one shared loop calling a different function per use.
 */
const compileDoubleLoop = (body: string): DoubleLoop =>
  new Function('out', 'a', 'n', `for (let i = 0; i < n; i++) { const x = a[i]; out[i] = ${body}; }`) as DoubleLoop;

/** A double -> double function; `nullWhenNotPositive` gives Spark's null for logarithms of x <= 0. */
function doubleUnary(name: string, body: string, nullWhenNotPositive = false): ScalarFunction {
  const loop = compileDoubleLoop(body);
  return {
    name,
    coerce(args) {
      checkArity(name, args, 1, 1);
      return [coerceParam(name, numericArg(name, args[0]!, 0), 'double', 0)];
    },
    returnType(args) {
      this.coerce!(args);
      return Float64Type;
    },
    eval([a], ctx) {
      const n = ctx.length;
      const x = a!.values as Float64Array;
      const out = new Float64Array(n);
      loop(out, x, n);
      let validity = andValidity(n, a!);
      if (nullWhenNotPositive) validity = nullWhere(validity, x, n);
      return { type: Float64Type, length: n, values: out, validity: normalizeValidity(validity) };
    },
  };
}

function nullWhere(validity: Uint8Array | null, x: Float64Array, n: number): Uint8Array | null {
  let out = validity;
  for (let i = 0; i < n; i++) {
    if (x[i]! <= 0) {
      if (out === null) out = new Uint8Array(n).fill(1);
      out[i] = 0;
    }
  }
  return out;
}

registerScalar(
  doubleUnary('sqrt', 'Math.sqrt(x)'),
  doubleUnary('exp', 'Math.exp(x)'),
  doubleUnary('log10', 'Math.log10(x)', true),
  doubleUnary('log2', 'Math.log2(x)', true),
  doubleUnary('signum', 'Math.sign(x)'),
);

/** `log(x)` is the natural logarithm; `log(base, x)` divides logarithms. Either is null where an argument is <= 0. */
registerScalar({
  name: 'log',
  coerce(args) {
    checkArity('log', args, 1, 2);
    return args.map((t, i) => coerceParam('log', numericArg('log', t, i), 'double', i));
  },
  returnType(args) {
    this.coerce!(args);
    return Float64Type;
  },
  eval(args, ctx) {
    const n = ctx.length;
    const out = new Float64Array(n);
    const x = args[args.length - 1]!.values as Float64Array;
    let validity = nullWhere(andValidity(n, ...args), x, n);
    if (args.length === 1) {
      for (let i = 0; i < n; i++) out[i] = Math.log(x[i]!);
    } else {
      const base = args[0]!.values as Float64Array;
      validity = nullWhere(validity, base, n);
      for (let i = 0; i < n; i++) out[i] = Math.log(x[i]!) / Math.log(base[i]!);
    }
    return { type: Float64Type, length: n, values: out, validity: normalizeValidity(validity) };
  },
});

registerScalar({
  name: 'abs',
  coerce(args) {
    checkArity('abs', args, 1, 1);
    return [numericArg('abs', args[0]!, 0)];
  },
  returnType(args) {
    return this.coerce!(args)[0]!;
  },
  eval([a], ctx) {
    const n = ctx.length;
    const out = allocValues(ctx.type, n);
    if (out instanceof BigInt64Array) {
      const x = a!.values as BigInt64Array;
      // Like Java, abs of the most negative long overflows back to itself.
      for (let i = 0; i < n; i++) out[i] = x[i]! < 0n ? BigInt.asIntN(64, -x[i]!) : x[i]!;
    } else if (out instanceof Int32Array) {
      const x = a!.values as Int32Array;
      for (let i = 0; i < n; i++) out[i] = x[i]! < 0 ? -x[i]! | 0 : x[i]!;
    } else {
      const x = a!.values as Float64Array;
      const o = out as Float64Array;
      for (let i = 0; i < n; i++) o[i] = Math.abs(x[i]!);
    }
    return { type: ctx.type, length: n, values: out, validity: a!.validity };
  },
});

// ---- floor / ceil ----

const LONG_MAX = 9223372036854775807n;
const LONG_MIN = -9223372036854775808n;
const TWO_POW_63 = 9223372036854775808;

/** Java's (long) cast of a double: NaN is 0 and out-of-range values saturate. */
function doubleToLong(x: number): bigint {
  if (x !== x) return 0n;
  if (x >= TWO_POW_63) return LONG_MAX;
  if (x < -TWO_POW_63) return LONG_MIN;
  return BigInt(x);
}

/** Spark: floor/ceil of a double or integer is a bigint; of decimal(p, s) a decimal(p - s + 1, 0). */
function floorCeilType(fn: string, t: DataType): DataType {
  const n = numericArg(fn, t, 0);
  if (n.kind === 'decimal') return n.scale === 0 ? n : DecimalType(n.precision - n.scale + 1, 0);
  return Int64Type;
}

function floorCeil(name: 'floor' | 'ceil'): ScalarFunction {
  const round = name === 'floor' ? Math.floor : Math.ceil;
  return {
    name,
    coerce(args) {
      checkArity(name, args, 1, 1);
      const t = numericArg(name, args[0]!, 0);
      return [t.kind === 'int32' ? Int64Type : t];
    },
    returnType(args) {
      checkArity(name, args, 1, 1);
      return floorCeilType(name, args[0]!);
    },
    eval([a], ctx) {
      const n = ctx.length;
      const t = a!.type;
      if (t.kind === 'int64' || (t.kind === 'decimal' && t.scale === 0)) return a!;
      const out = new BigInt64Array(n);
      if (t.kind === 'decimal') {
        const x = a!.values as BigInt64Array;
        const unit = 10n ** BigInt(t.scale);
        for (let i = 0; i < n; i++) {
          const q = x[i]! / unit;
          const r = x[i]! - q * unit;
          out[i] = name === 'floor' ? (r < 0n ? q - 1n : q) : r > 0n ? q + 1n : q;
        }
      } else {
        const x = a!.values as Float64Array;
        for (let i = 0; i < n; i++) out[i] = doubleToLong(round(x[i]!));
      }
      return { type: ctx.type, length: n, values: out, validity: a!.validity };
    },
  };
}

registerScalar(floorCeil('floor'), floorCeil('ceil'));

// ---- round (HALF_UP) / bround (HALF_EVEN) ----

/**
 * Rounds the shortest decimal that prints as x, as Spark does through BigDecimal(x.toString):
 * so round(2.675, 2) is 2.68 even though the binary value lies just below 2.675.
 */
function roundDecimalDigits(x: number, scale: number, halfEven: boolean): number {
  const [mantissa, exponent] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const pointAt = Number(exponent) + 1;
  const keep = pointAt + scale;
  if (keep >= digits.length) return x;
  if (keep < 0) return 0;
  const next = digits.charCodeAt(keep) - 48;
  const restNonZero = /[1-9]/.test(digits.slice(keep + 1));
  let kept = BigInt(digits.slice(0, keep) || '0');
  const odd = (kept & 1n) === 1n;
  if (next > 5 || (next === 5 && (!halfEven || restNonZero || odd))) kept += 1n;
  const magnitude = Number(`${kept}e${-scale}`);
  return (x < 0 ? -magnitude : magnitude) + 0;
}

const TWO_POW_52 = 4503599627370496;

function roundDouble(x: number, scale: number, halfEven: boolean): number {
  if (!Number.isFinite(x)) return x;
  const p = 10 ** Math.abs(scale);
  const ax = Math.abs(x);
  const y = scale >= 0 ? ax * p : ax / p;
  if (y >= TWO_POW_52 || !Number.isFinite(y)) return scale >= 0 ? x : roundDecimalDigits(x, scale, halfEven);
  const f = Math.floor(y);
  const frac = y - f;
  // Near a tie the scaled binary value cannot tell which side the decimal lies on: decide on the digits.
  if (Math.abs(frac - 0.5) < 1e-6) return roundDecimalDigits(x, scale, halfEven);
  const r = frac > 0.5 ? f + 1 : f;
  const magnitude = scale >= 0 ? r / p : r * p;
  return (x < 0 ? -magnitude : magnitude) + 0;
}

/** Rounds an integer to a power of ten (negative scale), HALF_UP or HALF_EVEN. */
function roundBigIntToUnit(x: bigint, unit: bigint, halfEven: boolean): bigint {
  const q = x / unit;
  const r = x - q * unit;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice > unit || (twice === unit && (!halfEven || (q & 1n) === 1n))) return r < 0n ? (q - 1n) * unit : (q + 1n) * unit;
  return q * unit;
}

/**
 * The result keeps the input type. For decimals Spark narrows the type to the requested scale; here the
 * value is rounded but the scale stays, because a result type cannot depend on the scale literal's value.
 */
function rounding(name: 'round' | 'bround'): ScalarFunction {
  const halfEven = name === 'bround';
  return {
    name,
    coerce(args) {
      checkArity(name, args, 1, 2);
      const t = numericArg(name, args[0]!, 0);
      return args.length === 1 ? [t] : [t, coerceParam(name, args[1]!, 'int', 1)];
    },
    returnType(args) {
      return this.coerce!(args)[0]!;
    },
    eval(args, ctx) {
      const n = ctx.length;
      const a = args[0]!;
      const scales = args.length > 1 ? (args[1]!.values as Int32Array) : new Int32Array(n);
      const validity = normalizeValidity(andValidity(n, ...args));
      const t = ctx.type;
      const out = allocValues(t, n);
      if (t.kind === 'float64') {
        const x = a.values as Float64Array;
        const o = out as Float64Array;
        for (let i = 0; i < n; i++) o[i] = roundDouble(x[i]!, scales[i]!, halfEven);
      } else if (t.kind === 'int32') {
        const x = a.values as Int32Array;
        const o = out as Int32Array;
        for (let i = 0; i < n; i++) {
          const s = scales[i]!;
          o[i] = s >= 0 ? x[i]! : s < -10 ? 0 : Number(roundBigIntToUnit(BigInt(x[i]!), 10n ** BigInt(-s), halfEven)) | 0;
        }
      } else {
        // int64 and decimal: the unscaled value rounds to a unit of 10^(valueScale - scale).
        const x = a.values as BigInt64Array;
        const o = out as BigInt64Array;
        const valueScale = t.kind === 'decimal' ? t.scale : 0;
        for (let i = 0; i < n; i++) {
          const drop = valueScale - scales[i]!;
          o[i] = drop <= 0 ? x[i]! : drop > 19 ? 0n : BigInt.asIntN(64, roundBigIntToUnit(x[i]!, 10n ** BigInt(drop), halfEven));
        }
      }
      return { type: t, length: n, values: out, validity };
    },
  };
}

registerScalar(rounding('round'), rounding('bround'));

