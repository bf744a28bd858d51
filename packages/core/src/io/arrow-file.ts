import fs from 'node:fs';
import * as arrow from 'apache-arrow';
import { AnalysisError, InputError } from '../errors.js';
import { arrowSchemaToSchema, recordBatchToBatch } from '../types/arrow.js';
import { alignBatch } from './align.js';
import type { FileFormat } from './index.js';

function readTable(file: string): arrow.Table {
  let bytes: Buffer;
  try { bytes = fs.readFileSync(file); } catch { throw new AnalysisError(`Path does not exist: ${file}`); }
  try { return arrow.tableFromIPC(bytes); } catch (e) {
    throw new InputError(`Corrupt Arrow IPC file ${file}: ${(e as Error).message}`);
  }
}

/** Arrow IPC files (Feather v2) and streams. */
export const arrowFileFormat: FileFormat = {
  name: 'arrow',

  inferSchema(files, _options, userSchema) {
    if (userSchema) return userSchema;
    const bytes = fs.readFileSync(files[0]!);
    try { return arrowSchemaToSchema(arrow.RecordBatchReader.from(bytes).open().schema); } catch (e) {
      if (e instanceof AnalysisError || e instanceof InputError) throw e;
      throw new InputError(`Corrupt Arrow IPC file ${files[0]}: ${(e as Error).message}`);
    }
  },

  planPartitions(files) {
    return files.map((path) => ({ path }));
  },

  async *read(part, schema, columns) {
    const table = readTable(part.path);
    const fileSchema = arrowSchemaToSchema(table.schema);
    for (const rb of table.batches) {
      if (rb.numRows > 0) yield alignBatch(recordBatchToBatch(rb, fileSchema), schema, columns, part.path);
    }
  },
};
