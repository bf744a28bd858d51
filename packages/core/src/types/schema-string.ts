import { AnalysisError } from '../errors.js';
import { parseTypeName } from './data-type.js';
import { Schema, field } from './schema.js';

/** Parses Spark's DDL schema strings: 'id INT, name STRING, price DECIMAL(10,2)'. */
export function parseSchemaString(ddl: string): Schema {
  const parts = ddl.split(/,(?![^(]*\))/).map((p) => p.trim()).filter(Boolean);
  return new Schema(
    parts.map((p) => {
      const m = /^`?([^`\s]+)`?\s+(.+?)(\s+NOT\s+NULL)?$/i.exec(p);
      if (!m) throw new AnalysisError(`Cannot parse schema field '${p}': expected 'name TYPE'`);
      try {
        return field(m[1]!, parseTypeName(m[2]!), !m[3]);
      } catch (e) {
        throw new AnalysisError(`Schema field '${m[1]}': ${(e as Error).message}`);
      }
    }),
  );
}
