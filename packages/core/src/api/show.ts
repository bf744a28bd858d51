import { formatDouble } from '../kernels/cast.js';
import { formatDate, formatTimestamp } from '../kernels/datetime.js';
import type { Batch } from '../types/batch.js';
import type { Schema } from '../types/schema.js';
import { denseVectorString } from '../types/vector.js';
import { type Vec, getValue, isNull } from '../types/vec.js';

/** Spark's show() layout: a boxed table, cells right-aligned and truncated to 20 characters. */
export function formatShow(schema: Schema, batches: readonly Batch[], n: number, truncate: boolean | number): string {
  const width = truncate === true ? 20 : typeof truncate === 'number' ? truncate : 0;
  const rows: string[][] = [];
  let more = false;
  for (const b of batches) {
    for (let i = 0; i < b.numRows; i++) {
      if (rows.length === n) { more = true; break; }
      rows.push(b.columns.map((c) => cut(cellText(c, i), width)));
    }
  }
  const header = schema.names.map((h) => cut(h, width));
  const widths = header.map((h, c) => Math.max(3, h.length, ...rows.map((r) => r[c]!.length)));
  const line = '+' + widths.map((w) => '-'.repeat(w)).join('+') + '+';
  const fmt = (cells: string[]) => '|' + cells.map((s, c) => (width > 0 ? s.padStart(widths[c]!) : s.padEnd(widths[c]!))).join('|') + '|';
  const out = [line, fmt(header), line, ...rows.map(fmt), line];
  if (more) out.push(`only showing top ${n} row${n === 1 ? '' : 's'}`);
  return out.join('\n');
}

function cut(s: string, width: number): string {
  return width > 0 && s.length > width ? (width < 4 ? s.slice(0, width) : s.slice(0, width - 3) + '...') : s;
}

function cellText(v: Vec, i: number): string {
  if (isNull(v, i)) return 'NULL';
  switch (v.type.kind) {
    case 'float64': return formatDouble(v.values[i] as number);
    case 'date': return formatDate(v.values[i] as number);
    case 'timestamp': return formatTimestamp(v.values[i] as number);
    case 'list': return '[' + (getValue(v, i) as unknown[]).map((x) => (x === null ? 'NULL' : String(x))).join(', ') + ']';
    case 'vector': { const x = getValue(v, i); return x instanceof Float64Array ? denseVectorString(x) : String(x); }
    default: return String(getValue(v, i));
  }
}
