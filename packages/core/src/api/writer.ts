import { AnalysisError } from '../errors.js';
import { type WriteMode, writeFiles } from '../io/index.js';
import type { DataFrame } from './dataframe.js';

const MODES: Record<string, WriteMode> = { error: 'error', errorifexists: 'error', overwrite: 'overwrite', append: 'append', ignore: 'ignore' };

/** df.write: mode and options, then a format verb that runs the job and commits its files atomically. */
export class DataFrameWriter {
  private saveMode: WriteMode = 'error';
  private readonly opts: Record<string, string> = {};
  private fmt: 'csv' | 'json' | 'parquet' = 'parquet';

  constructor(private readonly df: DataFrame) {}

  mode(mode: string): DataFrameWriter {
    const m = MODES[mode.toLowerCase()];
    if (!m) throw new AnalysisError(`Unknown save mode '${mode}': use error, errorifexists, overwrite, append or ignore`);
    this.saveMode = m;
    return this;
  }

  option(key: string, value: string | number | boolean): DataFrameWriter {
    this.opts[key.toLowerCase()] = String(value);
    return this;
  }

  format(name: string): DataFrameWriter {
    const f = name.toLowerCase();
    if (f !== 'csv' && f !== 'json' && f !== 'parquet') throw new AnalysisError(`Unsupported output format '${name}': use csv, json or parquet`);
    this.fmt = f;
    return this;
  }

  async save(path: string): Promise<void> {
    const partitions = await this.df.session.executePartitions(this.df.plan);
    await writeFiles(this.fmt, path, this.df.schema, partitions, this.opts, this.saveMode);
  }

  csv(path: string): Promise<void> { return this.format('csv').save(path); }
  json(path: string): Promise<void> { return this.format('json').save(path); }
  parquet(path: string): Promise<void> { return this.format('parquet').save(path); }
}
