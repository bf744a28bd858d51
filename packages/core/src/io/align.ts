import { InputError } from '../errors.js';
import { canCast, castVec } from '../kernels/cast.js';
import { typeToString, typesEqual } from '../types/data-type.js';
import { type Batch, makeBatch } from '../types/batch.js';
import { Schema } from '../types/schema.js';
import { nullVec } from '../types/vec.js';

/**
 * Maps a batch read from a self-describing file (Parquet, Arrow) onto the requested `columns` of
 * `schema`: columns are matched by name (case-insensitively as a fallback), absent ones read as null,
 * and values are cast to the schema's types.
 */
export function alignBatch(b: Batch, schema: Schema, columns: readonly number[], file: string): Batch {
  const out = columns.map((c) => {
    const f = schema.fields[c]!;
    const i = b.schema.indexOf(f.name);
    if (i < 0) return nullVec(f.type, b.numRows);
    const v = b.columns[i]!;
    if (typesEqual(v.type, f.type)) return v;
    if (!canCast(v.type, f.type)) {
      throw new InputError(`Column '${f.name}' in ${file} has type ${typeToString(v.type)}, which cannot be read as ${typeToString(f.type)}`);
    }
    return castVec(v, f.type);
  });
  return makeBatch(new Schema(columns.map((c) => schema.fields[c]!)), out, b.numRows);
}
