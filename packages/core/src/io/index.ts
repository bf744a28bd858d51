import fs from 'node:fs';
import path from 'node:path';
import { AnalysisError } from '../errors.js';
import type { Batch } from '../types/batch.js';
import type { Schema } from '../types/schema.js';
import { arrowFileFormat } from './arrow-file.js';
import { csvFormat } from './csv.js';
import { jsonFormat } from './json.js';
import { parquetFormat } from './parquet.js';

export { writeFiles, type WriteMode, type WritePartition } from './write.js';

/** Spark reader/writer options; keys lower-cased (header, inferschema, sep, nullvalue, mode, ...). */
export interface ReadOptions { [key: string]: string }

/** Plain data: serialized to protobuf and read on another thread or process. */
export interface ScanPartition { readonly path: string; readonly rowGroups?: readonly number[]; readonly start?: number; readonly end?: number }

export interface PushedFilter {
  readonly column: string;
  readonly op: 'eq' | 'neq' | 'lt' | 'le' | 'gt' | 'ge' | 'is_null' | 'is_not_null';
  readonly value?: number | bigint | string | boolean | null;
}

export interface FileFormat {
  readonly name: 'csv' | 'json' | 'parquet' | 'arrow';
  /** Synchronous, on the driver, so analysis errors surface when the user calls spark.read...(). */
  inferSchema(files: readonly string[], options: ReadOptions, userSchema: Schema | null): Schema;
  /** On the driver: about `targetPartitions` partitions; Parquet row groups that `filters` prove empty are skipped. */
  planPartitions(files: readonly string[], schema: Schema, options: ReadOptions, filters: readonly PushedFilter[], targetPartitions: number): ScanPartition[];
  /** On a worker: batches of ~64k rows holding the `columns` (indices into schema), converted to the schema's types. */
  read(part: ScanPartition, schema: Schema, columns: readonly number[], options: ReadOptions): AsyncIterable<Batch>;
}

export const BATCH_ROWS = 65_536;

const isHidden = (name: string): boolean => name.startsWith('_') || name.startsWith('.');

/**
 * Resolves paths to data files. A directory contributes its files (recursively, as Spark's
 * partition directories), skipping names that start with _ or . (markers such as _SUCCESS, checksums).
 */
export function listFiles(paths: string | readonly string[], format: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (isHidden(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push(full);
    }
  };
  for (const p of typeof paths === 'string' ? [paths] : paths) {
    let st: fs.Stats;
    try { st = fs.statSync(p); } catch { throw new AnalysisError(`Path does not exist: ${path.resolve(p)}`); }
    if (st.isDirectory()) walk(p);
    else out.push(p);
  }
  if (out.length === 0) {
    throw new AnalysisError(`Unable to infer schema for ${format.toUpperCase()}: no data files under ${(typeof paths === 'string' ? [paths] : paths).join(', ')}`);
  }
  return out;
}

export function fileFormat(name: string): FileFormat {
  switch (name.toLowerCase()) {
    case 'csv': return csvFormat;
    case 'json': return jsonFormat;
    case 'parquet': return parquetFormat;
    case 'arrow': return arrowFileFormat;
  }
  throw new AnalysisError(`Unsupported data source format '${name}': use csv, json, parquet or arrow`);
}
