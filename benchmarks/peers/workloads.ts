// The workloads of `pnpm bench:peers`: what data each needs, its questions, and the columns
// whose sums every engine's answer is checked on. The engines implement the questions
// themselves (quiver-engine.ts for Quiver, engines.py for the Python peers); this file is the
// one list both sides and the report agree on.
//
// Adding a workload (TPC-H-like Q1/Q3/Q5/Q6/Q10, the Spark ML / Dask XGBoost pipelines): add an
// entry here with its data step and questions, a QUIVER_WORKLOADS entry in quiver-engine.ts,
// and a class per peer in engines.py's WORKLOADS (engines without one are listed in `engines`
// below and skipped).
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATA_DIR, ensureG1Parquet } from '../groupby/datagen.ts';
import { QUESTIONS as GROUPBY_QUESTIONS } from '../groupby/questions.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(HERE, '..', '..');
export const PYTHON = join(ROOT, '.venv', 'bin', 'python');

export type EngineId = 'quiver' | 'quiver-cluster' | 'duckdb' | 'spark' | 'dask' | 'pandas';
export const ALL_ENGINES: readonly EngineId[] = ['quiver', 'quiver-cluster', 'duckdb', 'spark', 'dask', 'pandas'];

/** How big a run is: --rows for the db-benchmark tables, --sf for the TPC-H-like ones. */
export interface Size { rows: number; sf: number }

export interface WorkloadQuestion {
  id: string;
  name: string;
  /** Answer columns checksummed (row count, sum of defined values, count of null/NaN). */
  chk: readonly string[];
}

export interface Workload {
  id: string;
  /** One line for the report: data spec and what is timed. */
  describe(size: Size): string;
  questions: readonly WorkloadQuestion[];
  /** Engines that implement this workload. */
  engines: readonly EngineId[];
  /** Generates the input files once into the cache (benchmarks/data/); table name → path. */
  data(size: Size, log: (m: string) => void): Record<string, string>;
}

const groupby: Workload = {
  id: 'groupby',
  describe: ({ rows }) => `db-benchmark groupby, G1 ${rows} rows, K=100, no NAs, unsorted (benchmarks/groupby/datagen.ts)`,
  questions: GROUPBY_QUESTIONS.map(({ id, name, chk }) => ({ id, name, chk })),
  engines: ALL_ENGINES,
  data: ({ rows }, log) => ({ x: ensureG1Parquet({ rows, k: 100 }, log) }),
};

const join_: Workload = {
  id: 'join',
  describe: ({ rows }) => `db-benchmark join, J1 x ${rows} rows with small/medium/big right tables, no NAs, unsorted `
    + '(benchmarks/peers/datagen_join.py; small has max(N/1e6, 10) rows)',
  questions: [
    { id: 'q1', name: 'small inner on int', chk: ['v1', 'v2'] },
    { id: 'q2', name: 'medium inner on int', chk: ['v1', 'v2'] },
    { id: 'q3', name: 'medium outer on int', chk: ['v1', 'v2'] },
    { id: 'q4', name: 'medium inner on factor', chk: ['v1', 'v2'] },
    { id: 'q5', name: 'big inner on int', chk: ['v1', 'v2'] },
  ],
  engines: ALL_ENGINES,
  data: ({ rows }, log) => python('datagen_join.py', [String(rows), '0'], log),
};

const tpch: Workload = {
  id: 'tpch',
  describe: ({ sf }) => `TPC-H-like Q1/Q3/Q5/Q6/Q10 at scale factor ${sf} (benchmarks/peers/datagen_tpch.py: the specification's `
    + 'tables, keys and value rules drawn with numpy, not dbgen; queries with the validation parameters)',
  questions: [
    { id: 'q1', name: 'pricing summary', chk: ['sum_qty', 'sum_base_price', 'sum_disc_price', 'sum_charge', 'avg_qty', 'avg_price', 'avg_disc', 'count_order'] },
    { id: 'q3', name: 'shipping priority', chk: ['l_orderkey', 'revenue'] },
    { id: 'q5', name: 'local supplier volume', chk: ['revenue'] },
    { id: 'q6', name: 'forecasting revenue change', chk: ['revenue'] },
    { id: 'q10', name: 'returned item reporting', chk: ['c_custkey', 'revenue', 'c_acctbal'] },
  ],
  engines: ALL_ENGINES,
  data: ({ sf }, log) => python('datagen_tpch.py', [String(sf)], log),
};

/** Runs a generator script of this folder (args, then the data directory); it prints {table: path}. */
function python(script: string, args: string[], log: (m: string) => void): Record<string, string> {
  const out = execFileSync(PYTHON, [join(HERE, script), ...args, DATA_DIR], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  log(`${script} ${args.join(' ')}: ${out.trim()}`);
  return JSON.parse(out) as Record<string, string>;
}

export const WORKLOADS: Readonly<Record<string, Workload>> = { groupby, join: join_, tpch };
