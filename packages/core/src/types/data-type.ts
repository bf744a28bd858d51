/**
 * Quiver's logical data types. Each maps to one physical representation in `Vec`
 * (see vec.ts), chosen so kernels run on typed arrays.
 */
export type DataType =
  | { readonly kind: 'null' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'int32' }
  | { readonly kind: 'int64' }
  | { readonly kind: 'float64' }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'utf8' }
  | { readonly kind: 'date' }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'list'; readonly element: DataType }
  /**
   * An ML feature vector of `size` doubles (Spark's VectorUDT). A column is all dense or all sparse:
   * dense rows live in one Float64Array of length * size; sparse rows as per-row index/value runs (see vec.ts).
   */
  | { readonly kind: 'vector'; readonly size: number; readonly sparse: boolean };

export const NullType: DataType = { kind: 'null' };
export const BooleanType: DataType = { kind: 'boolean' };
export const Int32Type: DataType = { kind: 'int32' };
export const Int64Type: DataType = { kind: 'int64' };
export const Float64Type: DataType = { kind: 'float64' };
export const Utf8Type: DataType = { kind: 'utf8' };
export const DateType: DataType = { kind: 'date' };
export const TimestampType: DataType = { kind: 'timestamp' };
export const DecimalType = (precision: number, scale: number): DataType => ({ kind: 'decimal', precision, scale });
export const ListType = (element: DataType): DataType => ({ kind: 'list', element });
export const VectorType = (size: number, sparse = false): DataType => {
  if (!Number.isInteger(size) || size < 0) throw new TypeError(`A vector type needs a non-negative integer size, got ${size}`);
  return { kind: 'vector', size, sparse };
};

export function typeToString(t: DataType): string {
  switch (t.kind) {
    case 'decimal': return `decimal(${t.precision},${t.scale})`;
    case 'list': return `array<${typeToString(t.element)}>`;
    case 'vector': return `${t.sparse ? 'sparse_' : ''}vector<${t.size}>`;
    case 'utf8': return 'string';
    case 'int32': return 'int';
    case 'int64': return 'bigint';
    case 'float64': return 'double';
    default: return t.kind;
  }
}

/** Parses the type names users write in `cast('...')` and schema strings (Spark spellings accepted). */
export function parseTypeName(name: string): DataType {
  const n = name.trim().toLowerCase();
  const dec = /^decimal\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(n);
  if (dec) return DecimalType(Number(dec[1]), Number(dec[2]));
  switch (n) {
    case 'boolean': case 'bool': return BooleanType;
    case 'int': case 'integer': case 'int32': return Int32Type;
    case 'bigint': case 'long': case 'int64': return Int64Type;
    case 'double': case 'float': case 'float64': return Float64Type;
    case 'string': case 'utf8': case 'varchar': return Utf8Type;
    case 'date': return DateType;
    case 'timestamp': return TimestampType;
    case 'null': case 'void': return NullType;
  }
  throw new TypeError(`Unknown data type '${name}'`);
}

export function typesEqual(a: DataType, b: DataType): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'decimal' && b.kind === 'decimal') return a.precision === b.precision && a.scale === b.scale;
  if (a.kind === 'list' && b.kind === 'list') return typesEqual(a.element, b.element);
  if (a.kind === 'vector' && b.kind === 'vector') return a.size === b.size && a.sparse === b.sparse;
  return true;
}

export const isNumeric = (t: DataType): boolean =>
  t.kind === 'int32' || t.kind === 'int64' || t.kind === 'float64' || t.kind === 'decimal';
export const isIntegral = (t: DataType): boolean => t.kind === 'int32' || t.kind === 'int64';

/** The common type two operands are widened to, following Spark's numeric promotion. */
export function commonType(a: DataType, b: DataType): DataType | null {
  if (typesEqual(a, b)) return a;
  if (a.kind === 'null') return b;
  if (b.kind === 'null') return a;
  if (isNumeric(a) && isNumeric(b)) {
    if (a.kind === 'float64' || b.kind === 'float64') return Float64Type;
    if (a.kind === 'decimal' || b.kind === 'decimal') return Float64Type;
    return Int64Type;
  }
  if ((a.kind === 'date' && b.kind === 'timestamp') || (a.kind === 'timestamp' && b.kind === 'date')) return TimestampType;
  return null;
}
