import { AnalysisError } from '../errors.js';
import { fileFormat, listFiles } from '../io/index.js';
import type { Schema } from '../types/schema.js';
import { parseSchemaString } from '../types/schema-string.js';
import { DataFrame } from './dataframe.js';
import type { Session } from './session.js';

type Format = 'csv' | 'json' | 'parquet' | 'arrow';

/** spark.read: options and schema, then a format verb that returns a lazy DataFrame. */
export class DataFrameReader {
  private readonly opts: Record<string, string> = {};
  private userSchema: Schema | null = null;
  private fmt: Format | null = null;

  constructor(private readonly session: Session) {}

  format(name: string): DataFrameReader {
    const f = name.toLowerCase();
    if (f !== 'csv' && f !== 'json' && f !== 'parquet' && f !== 'arrow') throw new AnalysisError(`Unsupported data source format '${name}': use csv, json, parquet or arrow`);
    this.fmt = f;
    return this;
  }

  option(key: string, value: string | number | boolean): DataFrameReader {
    this.opts[key.toLowerCase()] = String(value);
    return this;
  }

  options(opts: Record<string, string | number | boolean>): DataFrameReader {
    for (const [k, v] of Object.entries(opts)) this.option(k, v);
    return this;
  }

  /** An explicit schema, as a Schema or a DDL string like 'id INT, name STRING'. */
  schema(schema: Schema | string): DataFrameReader {
    this.userSchema = typeof schema === 'string' ? parseSchemaString(schema) : schema;
    return this;
  }

  load(path: string | string[]): DataFrame {
    if (!this.fmt) throw new AnalysisError('load() needs a format: call format(...) first, or use csv()/json()/parquet()/arrow()');
    const format = this.fmt;
    const files = listFiles(path, format);
    const schema = fileFormat(format).inferSchema(files, this.opts, this.userSchema);
    return new DataFrame(this.session, {
      kind: 'scan',
      schema,
      source: { format, files, options: { ...this.opts }, schema },
      columns: schema.fields.map((_: unknown, i: number) => i),
      filters: [],
    });
  }

  csv(path: string | string[]): DataFrame { return this.format('csv').load(path); }
  json(path: string | string[]): DataFrame { return this.format('json').load(path); }
  parquet(path: string | string[]): DataFrame { return this.format('parquet').load(path); }
  arrow(path: string | string[]): DataFrame { return this.format('arrow').load(path); }
}
