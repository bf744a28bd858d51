import { type DataType, typeToString } from '../types/data-type.js';
import { type Vec, getValue, normalizeValidity, vecFromValues } from '../types/vec.js';

/**
 * F.udf over a batch: the user's function is called once per row with the arguments' values read straight
 * from their typed arrays (null for a null slot, as PySpark passes None), and its results are written into
 * the result type's typed arrays. Numbers, booleans and strings cost no allocation per row beyond the call.
 */
export function evaluateUdf(fn: (...args: unknown[]) => unknown, name: string, args: readonly Vec[], type: DataType, n: number): Vec {
  const out = resultWriter(type, n, `udf '${name}' returned`);
  const readers = args.map(valueReader);
  switch (readers.length) {
    case 0:
      for (let i = 0; i < n; i++) out.set(i, fn());
      break;
    case 1: {
      const a = readers[0]!;
      for (let i = 0; i < n; i++) out.set(i, fn(a(i)));
      break;
    }
    case 2: {
      const a = readers[0]!, b = readers[1]!;
      for (let i = 0; i < n; i++) out.set(i, fn(a(i), b(i)));
      break;
    }
    case 3: {
      const a = readers[0]!, b = readers[1]!, c = readers[2]!;
      for (let i = 0; i < n; i++) out.set(i, fn(a(i), b(i), c(i)));
      break;
    }
    default: {
      const row = new Array<unknown>(readers.length);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < readers.length; j++) row[j] = readers[j]!(i);
        out.set(i, fn(...row));
      }
    }
  }
  return out.finish();
}

/** Row i of a column as the API shows it (as collect() does): numbers, bigints, strings, booleans, Dates, arrays. */
function valueReader(v: Vec): (i: number) => unknown {
  let read: (i: number) => unknown;
  switch (v.type.kind) {
    case 'null': return () => null;
    case 'int32': case 'float64': case 'int64': { const a = v.values; read = (i) => a[i]; break; }
    case 'boolean': { const a = v.values; read = (i) => a[i] === 1; break; }
    case 'utf8': { const codes = v.values, dict = v.dict!; read = (i) => dict[codes[i] as number]; break; }
    default: return (i) => getValue(v, i);
  }
  const valid = v.validity;
  return valid === null ? read : (i) => (valid[i] === 1 ? read(i) : null);
}

const DAY_MS = 86_400_000;

interface ResultWriter {
  set(i: number, x: unknown): void;
  finish(): Vec;
}

function describe(x: unknown): string {
  if (typeof x === 'string') return `the string ${JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}...` : x)}`;
  if (x instanceof Promise) return 'a Promise (udf functions must be synchronous)';
  if (typeof x === 'object') return `an object (${Object.prototype.toString.call(x)})`;
  return `${typeof x} ${String(x)}`;
}

/** A user function's values as a column of `type`, as a udf's results are written; `what` starts the error message. */
export function valuesToVec(type: DataType, values: ArrayLike<unknown>, what: string): Vec {
  const out = resultWriter(type, values.length, what);
  for (let i = 0; i < values.length; i++) out.set(i, values[i]);
  return out.finish();
}

/** null and undefined give null; any other value must be of the declared type. */
function resultWriter(type: DataType, n: number, what: string): ResultWriter {
  const wrong = (x: unknown): never => {
    throw new TypeError(`${what} ${describe(x)}, but its declared type is ${typeToString(type)}`);
  };
  const validity = new Uint8Array(n);
  const typed = (values: Vec['values'], accept: (x: unknown) => unknown): ResultWriter => ({
    set(i, x) {
      if (x === null || x === undefined) return;
      (values as unknown as unknown[])[i] = accept(x);
      validity[i] = 1;
    },
    finish: () => ({ type, length: n, values, validity: normalizeValidity(validity) }),
  });
  switch (type.kind) {
    case 'float64':
      return typed(new Float64Array(n), (x) => (typeof x === 'number' ? x : wrong(x)));
    case 'int32':
      return typed(new Int32Array(n), (x) => (typeof x === 'number' && Number.isInteger(x) && x >= -2147483648 && x <= 2147483647 ? x : wrong(x)));
    case 'int64':
      return typed(new BigInt64Array(n), (x) => {
        if (typeof x === 'bigint') return BigInt.asIntN(64, x) === x ? x : wrong(x);
        return Number.isSafeInteger(x) ? BigInt(x as number) : wrong(x);
      });
    case 'boolean':
      return typed(new Uint8Array(n), (x) => (typeof x === 'boolean' ? (x ? 1 : 0) : wrong(x)));
    case 'utf8': {
      const codes = new Int32Array(n);
      const dict: string[] = [];
      const index = new Map<string, number>();
      const w = typed(codes, (x) => {
        if (typeof x !== 'string') return wrong(x);
        let c = index.get(x);
        if (c === undefined) { c = dict.length; dict.push(x); index.set(x, c); }
        return c;
      });
      return { set: w.set, finish: () => ({ ...w.finish(), dict }) };
    }
    case 'date':
      return typed(new Int32Array(n), (x) => (x instanceof Date && !Number.isNaN(x.getTime()) ? Math.floor(x.getTime() / DAY_MS) : wrong(x)));
    case 'timestamp':
      return typed(new Float64Array(n), (x) => (x instanceof Date && !Number.isNaN(x.getTime()) ? x.getTime() * 1000 : wrong(x)));
    default: {
      // Decimals, lists and vectors: rarer results, converted as createDataFrame converts values.
      const values = new Array<unknown>(n).fill(null);
      return {
        set(i, x) { values[i] = x instanceof Promise || (type.kind === 'list' && x != null && !Array.isArray(x)) ? wrong(x) : x; },
        finish() {
          try {
            return vecFromValues(type, values);
          } catch (e) {
            throw new TypeError(`${what} a value that does not fit its declared type ${typeToString(type)}: ${(e as Error).message}`);
          }
        },
      };
    }
  }
}
