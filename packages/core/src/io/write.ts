import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AnalysisError } from '../errors.js';
import type { Batch } from '../types/batch.js';
import type { Schema } from '../types/schema.js';
import { encodeCsv } from './csv.js';
import type { ReadOptions } from './index.js';
import { encodeJson } from './json.js';
import { encodeParquet } from './parquet.js';

export type WriteMode = 'error' | 'overwrite' | 'append' | 'ignore';

/** One task's output: its batches, optionally tagged with the partition index. */
export type WritePartition = readonly Batch[] | { readonly index: number; readonly batches: readonly Batch[] };

const EXTENSION = { csv: 'csv', json: 'json', parquet: 'parquet' } as const;

function encode(format: 'csv' | 'json' | 'parquet', schema: Schema, batches: readonly Batch[], options: ReadOptions): Uint8Array {
  switch (format) {
    case 'csv': return encodeCsv(schema, batches, options);
    case 'json': return encodeJson(schema, batches);
    case 'parquet': return encodeParquet(schema, batches, options);
  }
}

/**
 * Writes `part-NNNNN-<uuid>.<ext>` files and a `_SUCCESS` marker into `dir`, atomically: everything
 * goes into a hidden sibling directory first and is renamed into place, so a failure at any point
 * leaves `dir` as it was.
 */
export async function writeFiles(
  format: 'csv' | 'json' | 'parquet',
  dir: string,
  schema: Schema,
  partitions: Iterable<WritePartition> | AsyncIterable<WritePartition>,
  options: ReadOptions,
  mode: WriteMode | 'errorifexists',
): Promise<void> {
  const exists = fs.existsSync(dir);
  if (exists && mode === 'ignore') return;
  if (exists && (mode === 'error' || mode === 'errorifexists')) {
    throw new AnalysisError(`Path ${path.resolve(dir)} already exists. Use mode('overwrite') to replace it or mode('append') to add to it`);
  }
  const parent = path.dirname(path.resolve(dir));
  fs.mkdirSync(parent, { recursive: true });
  const jobId = randomUUID();
  const staging = path.join(parent, `.${path.basename(dir)}-${jobId}.tmp`);
  fs.mkdirSync(staging);
  try {
    const written: string[] = [];
    let ordinal = 0;
    let emptyPartition: readonly Batch[] | null = null;
    for await (const p of partitions) {
      const batches = Array.isArray(p) ? (p as readonly Batch[]) : (p as { batches: readonly Batch[] }).batches;
      const index = Array.isArray(p) ? ordinal : (p as { index: number }).index;
      ordinal++;
      // Spark writes no file for an empty task, but keeps one when the whole result is empty so the schema survives.
      if (batches.every((b) => b.numRows === 0)) { emptyPartition ??= batches; continue; }
      const name = `part-${String(index).padStart(5, '0')}-${jobId}.${EXTENSION[format]}`;
      fs.writeFileSync(path.join(staging, name), encode(format, schema, batches, options));
      written.push(name);
    }
    if (written.length === 0) {
      const name = `part-00000-${jobId}.${EXTENSION[format]}`;
      fs.writeFileSync(path.join(staging, name), encode(format, schema, emptyPartition ?? [], options));
      written.push(name);
    }
    fs.writeFileSync(path.join(staging, '_SUCCESS'), '');
    commit(staging, dir, exists ? mode : 'error', written);
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}

function commit(staging: string, dir: string, mode: WriteMode | 'errorifexists', files: readonly string[]): void {
  if (mode === 'append') {
    for (const f of files) fs.renameSync(path.join(staging, f), path.join(dir, f));
    fs.renameSync(path.join(staging, '_SUCCESS'), path.join(dir, '_SUCCESS'));
    fs.rmSync(staging, { recursive: true, force: true });
    return;
  }
  if (mode === 'overwrite') {
    const old = `${staging}.old`;
    fs.renameSync(dir, old);
    try { fs.renameSync(staging, dir); } catch (e) { fs.renameSync(old, dir); throw e; }
    fs.rmSync(old, { recursive: true, force: true });
    return;
  }
  fs.renameSync(staging, dir);
}
