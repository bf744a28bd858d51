import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Batch } from '../types/batch.js';
import { getValue } from '../types/vec.js';

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'quiver-io-'));
}

/** A cell in a form both Quiver and DuckDB results reduce to: numbers, strings, booleans, null. */
export function normalize(x: unknown): unknown {
  if (x === null || x === undefined) return null;
  if (typeof x === 'bigint') return x.toString();
  if (x instanceof Date) return x.toISOString().replace('T00:00:00.000Z', '');
  if (Array.isArray(x)) return x.map(normalize);
  if (typeof x === 'object') {
    const o = x as { toString(): string; items?: unknown[] };
    if (Array.isArray(o.items)) return o.items.map(normalize);
    return o.toString();
  }
  return x;
}

export function rowsOf(batches: readonly Batch[]): unknown[][] {
  const out: unknown[][] = [];
  for (const b of batches) for (let i = 0; i < b.numRows; i++) out.push(b.columns.map((c) => normalize(getValue(c, i))));
  return out;
}

export async function collect(it: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

export async function duckRows(sql: string): Promise<unknown[][]> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const r = await con.runAndReadAll(sql);
  const rows = r.getRows().map((row) => row.map(normalize));
  con.closeSync();
  return rows;
}
