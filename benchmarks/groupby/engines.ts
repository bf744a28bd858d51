// The two engines behind one interface. `run` is exactly what gets timed; `checksum` and
// `answer` read the answer of the latest `run` back and are never timed.
import { readFileSync } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Table, Vector } from 'apache-arrow';
import { toCell, type Answer, type Checksum } from './compare.ts';
import type { Question, QuiverFrame, QuiverLib, QuiverSession } from './questions.ts';

export interface Engine {
  readonly name: string;
  readonly version: string;
  /** Reads the Parquet file into engine memory; returns the row count. */
  load(path: string): Promise<number>;
  /** Computes and materializes the answer to `q`; returns its row count. */
  run(q: Question): Promise<number>;
  checksum(q: Question): Promise<Checksum>;
  answer(): Promise<Answer>;
  close(): Promise<void>;
}

/**
 * DuckDB as db-benchmark runs it: the file is loaded into an in-memory table `x`, and each
 * answer is materialized with CREATE TEMP TABLE ans AS ... followed by a row count.
 */
export class DuckDBEngine implements Engine {
  readonly name = 'DuckDB';
  readonly version: string;
  private readonly con: DuckDBConnection;

  private constructor(con: DuckDBConnection, version: string) {
    this.con = con;
    this.version = version;
  }

  static async create(threads: number): Promise<DuckDBEngine> {
    const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
    const con = await db.connect();
    const version = String((await con.runAndReadAll('SELECT version() AS v')).getRowObjects()[0]!['v']);
    return new DuckDBEngine(con, version);
  }

  async load(path: string): Promise<number> {
    await this.con.run(`CREATE OR REPLACE TABLE x AS SELECT * FROM read_parquet('${path.replaceAll("'", "''")}')`);
    return this.count('x');
  }

  async run(q: Question): Promise<number> {
    await this.con.run(`CREATE OR REPLACE TEMP TABLE ans AS ${q.sql}`);
    return this.count('ans');
  }

  async checksum(q: Question): Promise<Checksum> {
    // Cast to DOUBLE so integer sums and NaN tests share one form; NULL and NaN are "missing".
    const parts = q.chk.flatMap((c) => [
      `sum(${c}::DOUBLE) FILTER (WHERE NOT isnan(${c}::DOUBLE)) AS "s_${c}"`,
      `count(*) FILTER (WHERE ${c} IS NULL OR isnan(${c}::DOUBLE)) AS "m_${c}"`,
    ]);
    const r = (await this.con.runAndReadAll(`SELECT count(*) AS n, ${parts.join(', ')} FROM ans`)).getRowObjects()[0]!;
    const ck: Checksum = { rows: Number(r['n']), sums: {}, missing: {} };
    for (const c of q.chk) {
      ck.sums[c] = Number(r[`s_${c}`] ?? 0);
      ck.missing[c] = Number(r[`m_${c}`]);
    }
    return ck;
  }

  async answer(): Promise<Answer> {
    const reader = await this.con.runAndReadAll('SELECT * FROM ans');
    return {
      columns: reader.columnNames(),
      rows: reader.getRows().map((row) => row.map(toCell)),
    };
  }

  async close(): Promise<void> {
    this.con.closeSync();
  }

  private async count(table: string): Promise<number> {
    return Number((await this.con.runAndReadAll(`SELECT count(*) AS n FROM ${table}`)).getRowObjects()[0]!['n']);
  }
}

/**
 * Quiver through its public DataFrame API: the file is read lazily and cached (when the
 * API offers cache()), the cache is filled by a count, and each answer is materialized with
 * toArrow().
 */
export class QuiverEngine implements Engine {
  readonly name = 'Quiver';
  readonly version: string;
  private readonly lib: QuiverLib;
  private readonly session: QuiverSession;
  private x: QuiverFrame | undefined;
  private last: Table | undefined;

  private constructor(lib: QuiverLib, session: QuiverSession, version: string) {
    this.lib = lib;
    this.session = session;
    this.version = version;
  }

  static async create(master: string): Promise<QuiverEngine> {
    const q = await import('@quiver/core');
    if (typeof q.Session !== 'function') {
      throw new Error(`@quiver/core does not export Session yet (exports: ${Object.keys(q).join(', ')})`);
    }
    const session = await q.Session.builder().appName('bench-groupby').master(master).getOrCreate();
    // package.json is not among the package's exports; it sits one level above dist/.
    const pkgUrl = new URL('../package.json', import.meta.resolve('@quiver/core'));
    const pkg = JSON.parse(readFileSync(pkgUrl, 'utf8')) as { version: string };
    return new QuiverEngine(q, session, pkg.version);
  }

  async load(path: string): Promise<number> {
    const x = this.session.read.parquet(path);
    this.x = typeof x.cache === 'function' ? x.cache() : x;
    return Number(await this.x.count());
  }

  async run(q: Question): Promise<number> {
    if (!this.x) throw new Error('load() first');
    this.last = undefined; // let the previous answer be collected before computing the next
    const answer = await q.quiver(this.lib, this.x).toArrow();
    this.last = answer;
    return answer.numRows;
  }

  async checksum(q: Question): Promise<Checksum> {
    const t = this.latest();
    const ck: Checksum = { rows: t.numRows, sums: {}, missing: {} };
    for (const c of q.chk) {
      const v = t.getChild(c);
      if (!v) throw new Error(`answer has no column ${c} (columns: ${t.schema.fields.map((f) => f.name).join(', ')})`);
      [ck.sums[c], ck.missing[c]] = sumColumn(v);
    }
    return ck;
  }

  async answer(): Promise<Answer> {
    const t = this.latest();
    const cols = t.schema.fields.map((f) => t.getChild(f.name)!);
    const rows = new Array(t.numRows);
    for (let i = 0; i < t.numRows; i++) rows[i] = cols.map((v) => toCell(v.get(i)));
    return { columns: t.schema.fields.map((f) => f.name), rows };
  }

  async close(): Promise<void> {
    await this.session.stop();
  }

  private latest(): Table {
    if (!this.last) throw new Error('run() first');
    return this.last;
  }
}

/** [sum of defined values, count of NULL/NaN], straight over each chunk's typed array. */
function sumColumn(v: Vector): [number, number] {
  let sum = 0, missing = 0;
  for (const d of v.data) {
    const values = d.values as ArrayLike<number | bigint>;
    const big = values instanceof BigInt64Array || values instanceof BigUint64Array;
    if (!ArrayBuffer.isView(values) || (!big && d.stride !== 1)) {
      throw new Error(`checksum over Arrow type ${String(d.type)} is not supported`);
    }
    for (let i = 0; i < d.length; i++) {
      if (d.nullCount > 0 && !d.getValid(i)) { missing++; continue; }
      const x = big ? Number(values[i] as bigint) : (values[i] as number);
      if (Number.isNaN(x)) missing++; else sum += x;
    }
  }
  return [sum, missing];
}
