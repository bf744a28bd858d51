import { AnalysisError } from '../errors.js';

/**
 * Captured values travel as proto `Value` messages (in their protobufjs object form): plain data only, copied
 * when the function is defined. Anything with behaviour or identity (functions, class instances, promises,
 * native handles) is refused here, on the driver, naming where in the value it sits.
 */
type Obj = Record<string, unknown>;

const TYPED_ARRAYS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array] as const;

export function encodeValue(x: unknown, path: string, what: string, open = new Set<object>()): Obj {
  const refuse = (why: string): never => {
    throw new AnalysisError(`${what} captures '${path}', which ${why}: only plain data (numbers, strings, booleans, null, bigints, dates, arrays, plain objects, typed arrays) can be shipped to workers`);
  };
  switch (typeof x) {
    case 'undefined': return { undefinedValue: true };
    case 'boolean': return { boolValue: x };
    case 'number': return { numberValue: x };
    case 'string': return { stringValue: x };
    case 'bigint': return { bigintValue: x.toString() };
    case 'function': return refuse(`is a function${x.name ? ` (${x.name})` : ''}; functions cannot be shipped as captures, define it inside the function that uses it`);
    case 'symbol': return refuse('is a symbol');
  }
  if (x === null) return { nullValue: true };
  const o = x as object;
  if (x instanceof Date) return { dateValue: x.getTime() };
  if (ArrayBuffer.isView(x)) {
    const kind = TYPED_ARRAYS.findIndex((C) => x instanceof C);
    if (kind < 0) return refuse(`is a ${x.constructor.name}`);
    return { typedArrayValue: { kind, data: new Uint8Array(x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength)) } };
  }
  if (x instanceof Promise || typeof (x as { then?: unknown }).then === 'function') return refuse('is a Promise (await it on the driver and capture its value)');
  if (open.has(o)) return refuse('contains itself (a cycle)');
  open.add(o);
  try {
    if (Array.isArray(x)) return { listValue: { items: Array.from(x, (v, i) => encodeValue(v, `${path}[${i}]`, what, open)) } };
    const proto = Object.getPrototypeOf(o) as object | null;
    if (proto !== Object.prototype && proto !== null) {
      return refuse(`is an instance of ${(proto.constructor as { name?: string } | undefined)?.name || 'a class'}, not a plain object`);
    }
    const keys = Object.keys(o);
    return { objectValue: { keys, values: keys.map((k) => encodeValue((o as Obj)[k], `${path}.${k}`, what, open)) } };
  } finally {
    open.delete(o);
  }
}

export function decodeValue(v: Obj): unknown {
  if (v.nullValue !== undefined) return null;
  if (v.undefinedValue !== undefined) return undefined;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.numberValue !== undefined) return v.numberValue;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.bigintValue !== undefined) return BigInt(v.bigintValue as string);
  if (v.dateValue !== undefined) return new Date(v.dateValue as number);
  if (v.listValue !== undefined) return (((v.listValue as Obj).items as Obj[] | undefined) ?? []).map(decodeValue);
  if (v.objectValue !== undefined) {
    const o = v.objectValue as Obj;
    const keys = (o.keys as string[] | undefined) ?? [];
    const values = (o.values as Obj[] | undefined) ?? [];
    const out: Obj = {};
    keys.forEach((k, i) => { out[k] = decodeValue(values[i]!); });
    return out;
  }
  if (v.typedArrayValue !== undefined) {
    const t = v.typedArrayValue as Obj;
    const C = TYPED_ARRAYS[(t.kind as number | undefined) ?? 0]!;
    // Copied into a fresh buffer: decoded bytes may sit at an offset no wider element type can start at.
    const bytes = new Uint8Array((t.data as Uint8Array | undefined) ?? new Uint8Array(0));
    return new C(bytes.buffer, 0, bytes.byteLength / C.BYTES_PER_ELEMENT);
  }
  throw new TypeError(`A captured value has no kind: ${Object.keys(v).join(', ')}`);
}
