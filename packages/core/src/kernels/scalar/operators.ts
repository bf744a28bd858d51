import { AnalysisError } from '../../errors.js';
import {
  type DataType, BooleanType, Float64Type, Int32Type, commonType, isNumeric, typeToString,
} from '../../types/data-type.js';
import { type Vec, allocValues, normalizeValidity } from '../../types/vec.js';
import { andValidity } from './nulls.js';
import { type EvalContext, type ScalarFunction, lookupScalar, registerScalar } from './registry.js';

type Loop = (out: unknown, a: unknown, b: unknown, n: number, aConst: boolean, bConst: boolean) => void;

const loopCache = new Map<string, Loop>();

/**
 * Compiles one tight loop per (operator, constness) so V8 sees a monomorphic body, as Arquero does;
 * a shared loop calling an operator closure per row would be several times slower.
 */
function loop(body: string, aConst: boolean, bConst: boolean): Loop {
  const key = `${body}|${aConst}|${bConst}`;
  let f = loopCache.get(key);
  if (!f) {
    const a = aConst ? 'a0' : 'a[i]';
    const b = bConst ? 'b0' : 'b[i]';
    const src = `const a0 = a[0], b0 = b[0]; for (let i = 0; i < n; i++) { const x = ${a}, y = ${b}; out[i] = ${body}; }`;
    f = new Function('out', 'a', 'b', 'n', src) as Loop;
    loopCache.set(key, f);
  }
  return f;
}

function numericBinary(
  name: string,
  bodies: { f64: string; i32?: string; i64?: string },
  opts: { alwaysDouble?: boolean; nullOnZeroDivisor?: boolean } = {},
): ScalarFunction {
  return {
    name,
    scalarArgs: true,
    coerce(args) {
      const t = arithmeticType(name, args[0]!, args[1]!, opts.alwaysDouble);
      return [t, t];
    },
    returnType(args) {
      return arithmeticType(name, args[0]!, args[1]!, opts.alwaysDouble);
    },
    eval([a, b], ctx) {
      const n = ctx.length;
      const t = ctx.type;
      const out = allocValues(t, n);
      const body = t.kind === 'int32' ? bodies.i32 ?? `(${bodies.f64}) | 0` : t.kind === 'int64' ? bodies.i64 ?? bodies.f64 : bodies.f64;
      loop(body, a!.length !== n, b!.length !== n)(out, a!.values, b!.values, n, false, false);
      let validity = andValidity(n, ...broadcastable(a!, b!, n));
      if (opts.nullOnZeroDivisor) validity = zeroDivisorNulls(validity, b!, n);
      return { type: t, length: n, values: out, validity: normalizeValidity(validity) };
    },
  };
}

/** Constants arrive as length-1 vectors; expand their validity so row-wise null masks line up. */
function broadcastable(a: Vec, b: Vec, n: number): Vec[] {
  return [a, b].map((v) => (v.length === n || v.validity === null ? v : { ...v, length: n, validity: new Uint8Array(n).fill(v.validity[0]!) }));
}

function zeroDivisorNulls(validity: Uint8Array | null, b: Vec, n: number): Uint8Array | null {
  const vals = b.values;
  let out = validity;
  for (let i = 0; i < n; i++) {
    const d = vals[b.length === n ? i : 0];
    if (d === 0 || d === 0n) {
      if (out === null) out = new Uint8Array(n).fill(1);
      out[i] = 0;
    }
  }
  return out;
}

function arithmeticType(name: string, a: DataType, b: DataType, alwaysDouble = false): DataType {
  if (a.kind === 'null' && b.kind === 'null') return alwaysDouble ? Float64Type : Int32Type;
  const t = commonType(a, b);
  if (!t || !isNumeric(t)) {
    throw new AnalysisError(`Cannot apply '${name}' to ${typeToString(a)} and ${typeToString(b)}: both operands must be numeric`);
  }
  if (alwaysDouble) return Float64Type;
  return t.kind === 'decimal' ? Float64Type : t;
}

registerScalar(
  numericBinary('add', { f64: 'x + y', i32: '(x + y) | 0', i64: 'BigInt.asIntN(64, x + y)' }),
  numericBinary('subtract', { f64: 'x - y', i32: '(x - y) | 0', i64: 'BigInt.asIntN(64, x - y)' }),
  numericBinary('multiply', { f64: 'x * y', i32: 'Math.imul(x, y)', i64: 'BigInt.asIntN(64, x * y)' }),
  // Spark: `/` is always fractional and x / 0 is null.
  numericBinary('divide', { f64: 'x / y' }, { alwaysDouble: true, nullOnZeroDivisor: true }),
  numericBinary('mod', { f64: 'x % y', i32: 'y === 0 ? 0 : (x % y) | 0', i64: 'y === 0n ? 0n : x % y' }, { nullOnZeroDivisor: true }),
  numericBinary('pow', { f64: 'Math.pow(x, y)' }, { alwaysDouble: true }),
);

registerScalar({
  name: 'negate',
  returnType([a]) {
    if (!isNumeric(a!) && a!.kind !== 'null') throw new AnalysisError(`Cannot negate ${typeToString(a!)}`);
    return a!.kind === 'null' ? Int32Type : a!;
  },
  eval([a], ctx) {
    const out = allocValues(ctx.type, ctx.length);
    const body = ctx.type.kind === 'int32' ? '(-x) | 0' : ctx.type.kind === 'int64' || ctx.type.kind === 'decimal' ? 'BigInt.asIntN(64, -x)' : '-x';
    loop(body, false, true)(out, a!.values, [0], ctx.length, false, false);
    return { type: ctx.type, length: ctx.length, values: out, validity: a!.validity };
  },
});

// ---- comparisons ----

const CMP_BODY: Record<string, string> = { eq: 'x === y', neq: 'x !== y', lt: 'x < y', le: 'x <= y', gt: 'x > y', ge: 'x >= y' };

function comparisonTypes(name: string, a: DataType, b: DataType): DataType {
  const t = commonType(a, b);
  if (!t || t.kind === 'list') {
    throw new AnalysisError(`Cannot compare ${typeToString(a)} with ${typeToString(b)} in '${name}'`);
  }
  return t.kind === 'decimal' ? Float64Type : t;
}

/** Compares utf8 vectors through their dictionaries: one string comparison per dictionary entry, not per row. */
function compareStrings(op: string, a: Vec, b: Vec, n: number, out: Uint8Array): void {
  const body = CMP_BODY[op]!;
  const cmp = new Function('x', 'y', `return ${body};`) as (x: string, y: string) => boolean;
  const aCodes = a.values as Int32Array;
  const bCodes = b.values as Int32Array;
  if (b.length !== n) {
    const y = b.dict![bCodes[0]!]!;
    const table = new Uint8Array(a.dict!.length);
    for (let k = 0; k < table.length; k++) table[k] = cmp(a.dict![k]!, y) ? 1 : 0;
    for (let i = 0; i < n; i++) out[i] = table[aCodes[i]!]!;
  } else if (a.length !== n) {
    const x = a.dict![aCodes[0]!]!;
    const table = new Uint8Array(b.dict!.length);
    for (let k = 0; k < table.length; k++) table[k] = cmp(x, b.dict![k]!) ? 1 : 0;
    for (let i = 0; i < n; i++) out[i] = table[bCodes[i]!]!;
  } else if (a.dict === b.dict && (op === 'eq' || op === 'neq')) {
    const eq = op === 'eq' ? 1 : 0;
    for (let i = 0; i < n; i++) out[i] = aCodes[i] === bCodes[i] ? eq : 1 - eq;
  } else {
    const ad = a.dict!;
    const bd = b.dict!;
    for (let i = 0; i < n; i++) out[i] = cmp(ad[aCodes[i]!]!, bd[bCodes[i]!]!) ? 1 : 0;
  }
}

for (const op of Object.keys(CMP_BODY)) {
  registerScalar({
    name: op,
    scalarArgs: true,
    coerce(args) {
      const t = comparisonTypes(op, args[0]!, args[1]!);
      return [t, t];
    },
    returnType(args) {
      comparisonTypes(op, args[0]!, args[1]!);
      return BooleanType;
    },
    eval([a, b], ctx) {
      const n = ctx.length;
      const out = new Uint8Array(n);
      if (a!.type.kind === 'utf8') compareStrings(op, a!, b!, n, out);
      else if (a!.type.kind === 'float64' && (op === 'eq' || op === 'neq' || op === 'lt' || op === 'le' || op === 'gt' || op === 'ge')) {
        // Spark orders NaN above every number and treats NaN = NaN as true.
        const body = {
          eq: '(x === y || (x !== x && y !== y)) ? 1 : 0',
          neq: '(x === y || (x !== x && y !== y)) ? 0 : 1',
          lt: '(x < y || (x === x && y !== y)) ? 1 : 0',
          le: '(x <= y || y !== y) ? 1 : 0',
          gt: '(x > y || (x !== x && y === y)) ? 1 : 0',
          ge: '(x >= y || x !== x) ? 1 : 0',
        }[op];
        loop(body, a!.length !== n, b!.length !== n)(out, a!.values, b!.values, n, false, false);
      } else {
        loop(`(${CMP_BODY[op]}) ? 1 : 0`, a!.length !== n, b!.length !== n)(out, a!.values, b!.values, n, false, false);
      }
      return { type: BooleanType, length: n, values: out, validity: normalizeValidity(andValidity(n, ...broadcastable(a!, b!, n))) };
    },
  });
}

registerScalar({
  name: 'eq_null_safe',
  scalarArgs: true,
  coerce(args) {
    const t = comparisonTypes('<=>', args[0]!, args[1]!);
    return [t, t];
  },
  returnType: () => BooleanType,
  eval([a, b], ctx) {
    const n = ctx.length;
    const eq = lookupEq().eval([a!, b!], { ...ctx, type: BooleanType });
    const [av, bv] = broadcastable(a!, b!, n);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const an = av!.type.kind === 'null' || (av!.validity !== null && av!.validity[i] === 0);
      const bn = bv!.type.kind === 'null' || (bv!.validity !== null && bv!.validity[i] === 0);
      out[i] = an || bn ? (an && bn ? 1 : 0) : (eq.values as Uint8Array)[i]!;
    }
    return { type: BooleanType, length: n, values: out, validity: null };
  },
});

const lookupEq = (): ScalarFunction => lookupScalar('eq')!;

// ---- boolean logic with SQL three-valued semantics ----

function requireBoolean(name: string, args: readonly DataType[]): DataType {
  for (const t of args) {
    if (t.kind !== 'boolean' && t.kind !== 'null') throw new AnalysisError(`'${name}' needs boolean operands, got ${typeToString(t)}`);
  }
  return BooleanType;
}

function logic(name: 'and' | 'or'): ScalarFunction {
  return {
    name,
    scalarArgs: true,
    returnType: (args) => requireBoolean(name, args),
    eval([a, b], ctx: EvalContext) {
      const n = ctx.length;
      const out = new Uint8Array(n);
      const validity = new Uint8Array(n);
      const av = a!.values, bv = b!.values;
      const aN = a!.type.kind === 'null', bN = b!.type.kind === 'null';
      const aOk = a!.validity, bOk = b!.validity;
      const ac = a!.length !== n, bc = b!.length !== n;
      for (let i = 0; i < n; i++) {
        const ai = ac ? 0 : i, bi = bc ? 0 : i;
        const aValid = !aN && (aOk === null || aOk[ai] === 1);
        const bValid = !bN && (bOk === null || bOk[bi] === 1);
        const x = aValid ? av[ai]! : -1;
        const y = bValid ? bv[bi]! : -1;
        if (name === 'and') {
          if (x === 0 || y === 0) { out[i] = 0; validity[i] = 1; } else if (x === 1 && y === 1) { out[i] = 1; validity[i] = 1; }
        } else {
          if (x === 1 || y === 1) { out[i] = 1; validity[i] = 1; } else if (x === 0 && y === 0) { out[i] = 0; validity[i] = 1; }
        }
      }
      return { type: BooleanType, length: n, values: out, validity: normalizeValidity(validity) };
    },
  };
}

registerScalar(logic('and'), logic('or'), {
  name: 'not',
  returnType: (args) => requireBoolean('not', args),
  eval([a], ctx) {
    const out = new Uint8Array(ctx.length);
    const v = a!.values;
    for (let i = 0; i < ctx.length; i++) out[i] = 1 - (v[i] as number);
    return { type: BooleanType, length: ctx.length, values: out, validity: a!.type.kind === 'null' ? new Uint8Array(ctx.length) : a!.validity };
  },
});

registerScalar(
  {
    name: 'is_null',
    returnType: () => BooleanType,
    eval([a], ctx) {
      const out = new Uint8Array(ctx.length);
      if (a!.type.kind === 'null') out.fill(1);
      else if (a!.validity) for (let i = 0; i < ctx.length; i++) out[i] = 1 - a!.validity[i]!;
      return { type: BooleanType, length: ctx.length, values: out, validity: null };
    },
  },
  {
    name: 'is_not_null',
    returnType: () => BooleanType,
    eval([a], ctx) {
      const out = new Uint8Array(ctx.length);
      if (a!.type.kind !== 'null') {
        if (a!.validity) out.set(a!.validity);
        else out.fill(1);
      }
      return { type: BooleanType, length: ctx.length, values: out, validity: null };
    },
  },
  {
    name: 'is_nan',
    returnType: () => BooleanType,
    eval([a], ctx) {
      const out = new Uint8Array(ctx.length);
      if (a!.type.kind === 'float64') {
        const v = a!.values as Float64Array;
        for (let i = 0; i < ctx.length; i++) out[i] = v[i] !== v[i] ? 1 : 0;
      }
      return { type: BooleanType, length: ctx.length, values: out, validity: null };
    },
  },
);

/** `isin(x, v1, v2, ...)`: the analyzer passes literals, so membership is a set lookup per dictionary entry or value. */
registerScalar({
  name: 'isin',
  scalarArgs: true,
  coerce(args) {
    let t = args[0]!;
    for (const a of args.slice(1)) t = commonType(t, a) ?? t;
    return args.map(() => (t.kind === 'decimal' ? Float64Type : t));
  },
  returnType: () => BooleanType,
  eval(args, ctx) {
    const [a, ...list] = args;
    const n = ctx.length;
    const out = new Uint8Array(n);
    const validity = a!.validity ? a!.validity.slice() : null;
    const members = new Set<unknown>();
    let listHasNull = false;
    for (const v of list) {
      if (v.type.kind === 'null' || (v.validity && v.validity[0] === 0)) { listHasNull = true; continue; }
      members.add(v.type.kind === 'utf8' ? v.dict![(v.values as Int32Array)[0]!] : v.values[0]);
    }
    if (a!.type.kind === 'utf8') {
      const table = a!.dict!.map((s) => (members.has(s) ? 1 : 0));
      const codes = a!.values as Int32Array;
      for (let i = 0; i < n; i++) out[i] = table[codes[i]!]!;
    } else if (a!.type.kind !== 'null') {
      const vals = a!.values;
      for (let i = 0; i < n; i++) out[i] = members.has(vals[i]) ? 1 : 0;
    }
    // SQL: x IN (..., NULL) is null rather than false when x matches nothing.
    let v2 = validity;
    if (listHasNull) {
      v2 = v2 ?? new Uint8Array(n).fill(1);
      for (let i = 0; i < n; i++) if (out[i] === 0) v2[i] = 0;
    }
    return { type: BooleanType, length: n, values: out, validity: a!.type.kind === 'null' ? new Uint8Array(n) : normalizeValidity(v2) };
  },
});

/** coalesce / greatest / least share one shape: pick, per row, among the non-null inputs. */
function pickAmong(name: 'coalesce' | 'greatest' | 'least'): ScalarFunction {
  return {
    name,
    scalarArgs: true,
    coerce(args) {
      let t = args[0]!;
      for (const a of args.slice(1)) {
        const c = commonType(t, a);
        if (!c) throw new AnalysisError(`'${name}' arguments must share a type: got ${args.map(typeToString).join(', ')}`);
        t = c;
      }
      return args.map(() => t);
    },
    returnType(args) {
      if (args.length === 0) throw new AnalysisError(`'${name}' needs at least one argument`);
      return this.coerce!(args)[0]!;
    },
    eval(args, ctx) {
      const n = ctx.length;
      const t = ctx.type;
      const validity = new Uint8Array(n);
      if (t.kind === 'utf8') {
        // Work on strings through a merged dictionary.
        const dict: string[] = [];
        const index = new Map<string, number>();
        const codes = new Int32Array(n);
        const remaps = args.map((a) => (a.dict ?? []).map((s) => { let c = index.get(s); if (c === undefined) { c = dict.length; dict.push(s); index.set(s, c); } return c; }));
        for (let i = 0; i < n; i++) {
          let best = -1;
          for (let k = 0; k < args.length; k++) {
            const a = args[k]!;
            const j = a.length === n ? i : 0;
            if (a.type.kind === 'null' || (a.validity && a.validity[j] === 0)) continue;
            const c = remaps[k]![(a.values as Int32Array)[j]!]!;
            if (best < 0) { best = c; if (name === 'coalesce') break; } else if (name === 'greatest' ? dict[c]! > dict[best]! : dict[c]! < dict[best]!) best = c;
          }
          if (best >= 0) { codes[i] = best; validity[i] = 1; }
        }
        return { type: t, length: n, values: codes, validity: normalizeValidity(validity), dict };
      }
      const out = allocValues(t, n) as Float64Array;
      for (let i = 0; i < n; i++) {
        let found = false;
        for (let k = 0; k < args.length; k++) {
          const a = args[k]!;
          const j = a.length === n ? i : 0;
          if (a.type.kind === 'null' || (a.validity && a.validity[j] === 0)) continue;
          const x = (a.values as Float64Array)[j]!;
          if (!found) { out[i] = x; found = true; if (name === 'coalesce') break; } else if (name === 'greatest' ? x > out[i]! || x !== x : x < out[i]!) out[i] = x;
        }
        validity[i] = found ? 1 : 0;
      }
      return { type: t, length: n, values: out, validity: normalizeValidity(validity) };
    },
  };
}

registerScalar(pickAmong('coalesce'), pickAmong('greatest'), pickAmong('least'));

