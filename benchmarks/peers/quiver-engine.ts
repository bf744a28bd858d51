// Quiver's side of `pnpm bench:peers`, run by peers.ts as its own process:
//   node quiver-engine.ts <spec.json>
// Embedded (local[threads]) by default; with spec.cluster it first starts `bin/quiver scheduler`
// and spec.cluster.workers `bin/quiver worker --cores 1` processes on 127.0.0.1 (their start is
// part of the reported start-up), connects with master quiver://host:port, and stops them at the end.
// It speaks the protocol of engines.py (the Python peers): one JSON object per stdout line,
// prefixed with RESULT_PREFIX; see engines.py for the events. Inputs are read with
// spark.read.parquet(...).cache() and counted (the load time); each answer is materialized on
// the driver with toArrow() (timed), then checksummed from that Arrow table (not timed). A question
// whose answer is a model metric (workloads pipeline and lr, pipelines.ts) is timed from fit to metric.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Table, Vector } from 'apache-arrow';
import type * as Quiver from '@quiver/core';
import { QUESTIONS as GROUPBY_QUESTIONS } from '../groupby/questions.ts';
import type { QuiverFrame, QuiverLib, QuiverSession } from '../groupby/questions.ts';
import type { PipelineQuestion } from './pipelines.ts';

export const RESULT_PREFIX = '@@quiver-bench ';

export interface Spec {
  workload: string;
  files: Record<string, string>;
  /** chk: answer columns to checksum; metric: instead, the model metric the question's pipeline reaches. */
  questions: { id: string; chk: string[]; metric?: string }[];
  reps: number;
  threads: number;
  /** Run on a real cluster: a scheduler and this many 1-core workers, each with this much block memory. */
  cluster?: { workers: number; memory: string };
}

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'quiver.mjs');

/** A `bin/quiver` daemon; `seen(msg, n)` resolves once its JSON log has shown `n` lines with that msg. */
function daemon(args: string[]): { child: ChildProcess; seen: (msg: string, n?: number) => Promise<Record<string, unknown>> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  const tail: string[] = [];
  const waiters: (() => void)[] = [];
  const onLine = (text: string) => {
    tail.push(text);
    if (tail.length > 8) tail.shift();
    try { lines.push(JSON.parse(text) as Record<string, unknown>); } catch { return; }
    for (const w of [...waiters]) w();
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  const exited = new Promise<never>((_, reject) => child.on('exit', (code) =>
    reject(new Error(`bin/quiver ${args[0]} exited with ${code}:\n${tail.join('\n')}`))));
  exited.catch(() => {}); // only a waiter that is still waiting cares
  const seen = (msg: string, n = 1) => Promise.race([exited, new Promise<Record<string, unknown>>((resolve) => {
    const check = () => {
      const hits = lines.filter((l) => l['msg'] === msg);
      if (hits.length >= n) { waiters.splice(waiters.indexOf(check), 1); resolve(hits[n - 1]!); }
    };
    waiters.push(check);
    check();
  })]);
  return { child, seen };
}

/** Starts the scheduler and workers, resolved once every worker is registered; `procs` are to be stopped. */
async function startCluster(c: NonNullable<Spec['cluster']>, procs: ChildProcess[]): Promise<string> {
  const scheduler = daemon(['scheduler', '--port', '0']);
  procs.push(scheduler.child);
  const address = String((await scheduler.seen('scheduler started'))['address']);
  for (let i = 0; i < c.workers; i++) {
    procs.push(daemon(['worker', '--scheduler', address, '--cores', '1', '--memory', c.memory]).child);
  }
  await scheduler.seen('worker registered', c.workers);
  return `quiver://${address}`;
}

export interface Checksum { rows: number; sums: Record<string, number>; missing: Record<string, number> }
/** A pipeline's answer: the metric of the warm-up run, and of each timed run. */
export interface Metric { name: string; value: number; runs: number[] }

type Tables = Record<string, QuiverFrame>;
type QuiverQuestion = (q: QuiverLib, t: Tables) => QuiverFrame;

/** db-benchmark join q1..q5: x joined with the right table's columns renamed as the SQL does. */
function joinQuestion(key: string, right: string, how: string, keep: Record<string, string>): QuiverQuestion {
  return ({ col }, t) => {
    const r = t[right]!.select(col(key), ...Object.entries(keep).map(([c, as]) => col(c).alias(as)), col('v2'));
    return t['x']!.join(r, key, how);
  };
}

/** TPC-H-like Q1/Q3/Q5/Q6/Q10, the SQL of engines.py's TPCH_SQL in the DataFrame API. */
function tpch(): Record<string, QuiverQuestion> {
  type L = QuiverLib;
  const day = ({ F, lit }: L, s: string) => F.to_date(lit(s));
  const revenue = ({ col, lit }: L) => col('l_extendedprice').multiply(lit(1).minus(col('l_discount')));
  return {
    q1: (q, t) => {
      const { col, lit, F } = q;
      return t['lineitem']!.where(col('l_shipdate').leq(day(q, '1998-09-02')))
        .groupBy('l_returnflag', 'l_linestatus')
        .agg(F.sum('l_quantity').alias('sum_qty'), F.sum('l_extendedprice').alias('sum_base_price'),
          F.sum(revenue(q)).alias('sum_disc_price'), F.sum(revenue(q).multiply(lit(1).plus(col('l_tax')))).alias('sum_charge'),
          F.mean('l_quantity').alias('avg_qty'), F.mean('l_extendedprice').alias('avg_price'),
          F.mean('l_discount').alias('avg_disc'), F.count('*').alias('count_order'))
        .orderBy('l_returnflag', 'l_linestatus');
    },
    q3: (q, t) => {
      const { col, F } = q;
      const c = t['customer']!.where(col('c_mktsegment').eq('BUILDING'));
      const o = t['orders']!.where(col('o_orderdate').lt(day(q, '1995-03-15')));
      const l = t['lineitem']!.where(col('l_shipdate').gt(day(q, '1995-03-15')));
      return c.join(o, col('c_custkey').eq(col('o_custkey'))).join(l, col('l_orderkey').eq(col('o_orderkey')))
        .groupBy('l_orderkey', 'o_orderdate', 'o_shippriority').agg(F.sum(revenue(q)).alias('revenue'))
        .select('l_orderkey', 'revenue', 'o_orderdate', 'o_shippriority')
        .orderBy(col('revenue').desc(), col('o_orderdate')).limit(10);
    },
    q5: (q, t) => {
      const { col, F } = q;
      const o = t['orders']!.where(col('o_orderdate').geq(day(q, '1994-01-01')).and(col('o_orderdate').lt(day(q, '1995-01-01'))));
      return t['customer']!.join(o, col('c_custkey').eq(col('o_custkey')))
        .join(t['lineitem']!, col('l_orderkey').eq(col('o_orderkey')))
        .join(t['supplier']!, col('l_suppkey').eq(col('s_suppkey')).and(col('c_nationkey').eq(col('s_nationkey'))))
        .join(t['nation']!, col('s_nationkey').eq(col('n_nationkey')))
        .join(t['region']!.where(col('r_name').eq('ASIA')), col('n_regionkey').eq(col('r_regionkey')))
        .groupBy('n_name').agg(F.sum(revenue(q)).alias('revenue'))
        .orderBy(col('revenue').desc());
    },
    q6: (q, t) => {
      const { col, F } = q;
      return t['lineitem']!
        .where(col('l_shipdate').geq(day(q, '1994-01-01')).and(col('l_shipdate').lt(day(q, '1995-01-01')))
          .and(col('l_discount').between(0.05, 0.07)).and(col('l_quantity').lt(24)))
        .groupBy().agg(F.sum(col('l_extendedprice').multiply(col('l_discount'))).alias('revenue'));
    },
    q10: (q, t) => {
      const { col, F } = q;
      const o = t['orders']!.where(col('o_orderdate').geq(day(q, '1993-10-01')).and(col('o_orderdate').lt(day(q, '1994-01-01'))));
      return t['customer']!.join(o, col('c_custkey').eq(col('o_custkey')))
        .join(t['lineitem']!.where(col('l_returnflag').eq('R')), col('l_orderkey').eq(col('o_orderkey')))
        .join(t['nation']!, col('c_nationkey').eq(col('n_nationkey')))
        .groupBy('c_custkey', 'c_name', 'c_acctbal', 'n_name').agg(F.sum(revenue(q)).alias('revenue'))
        .select('c_custkey', 'c_name', 'revenue', 'c_acctbal', 'n_name')
        .orderBy(col('revenue').desc()).limit(20);
    },
  };
}

export const QUIVER_WORKLOADS: Record<string, Record<string, QuiverQuestion>> = {
  groupby: Object.fromEntries(GROUPBY_QUESTIONS.map((q) => [q.id, (lib: QuiverLib, t: Tables) => q.quiver(lib, t['x']!)])),
  join: {
    q1: joinQuestion('id1', 'small', 'inner', { id4: 'small_id4' }),
    q2: joinQuestion('id2', 'medium', 'inner', { id1: 'medium_id1', id4: 'medium_id4', id5: 'medium_id5' }),
    q3: joinQuestion('id2', 'medium', 'left', { id1: 'medium_id1', id4: 'medium_id4', id5: 'medium_id5' }),
    q4: joinQuestion('id5', 'medium', 'inner', { id1: 'medium_id1', id2: 'medium_id2', id4: 'medium_id4' }),
    q5: joinQuestion('id3', 'big', 'inner', { id1: 'big_id1', id2: 'big_id2', id4: 'big_id4', id5: 'big_id5', id6: 'big_id6' }),
  },
  tpch: tpch(),
};

function emit(obj: Record<string, unknown>): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(obj)}\n`);
}

/** Row count, and per column the sum of defined values and the count of null/NaN values. */
export function checksum(t: Table, chk: readonly string[]): Checksum {
  const ck: Checksum = { rows: t.numRows, sums: {}, missing: {} };
  for (const c of chk) {
    const v = t.getChild(c);
    if (!v) throw new Error(`answer has no column ${c} (columns: ${t.schema.fields.map((f) => f.name).join(', ')})`);
    [ck.sums[c], ck.missing[c]] = sumColumn(v, c);
  }
  return ck;
}

function sumColumn(v: Vector, name: string): [number, number] {
  let sum = 0, missing = 0;
  for (const d of v.data) {
    const values = d.values as ArrayLike<number | bigint>;
    const big = values instanceof BigInt64Array || values instanceof BigUint64Array;
    if (!ArrayBuffer.isView(values) || (!big && d.stride !== 1)) {
      throw new Error(`checksum of column ${name}: Arrow type ${String(d.type)} is not numeric`);
    }
    for (let i = 0; i < d.length; i++) {
      if (d.nullCount > 0 && !d.getValid(i)) { missing++; continue; }
      const x = big ? Number(values[i] as bigint) : (values[i] as number);
      if (Number.isNaN(x)) missing++; else sum += x;
    }
  }
  return [sum, missing];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message.split('\n')[0]}` : String(err);
}

/** The workloads whose questions are pipelines answering a model metric, loaded only when run (see pipelines.ts). */
const METRIC_WORKLOADS: Record<string, () => Promise<Record<string, PipelineQuestion>>> = {
  pipeline: async () => (await import('./pipelines.ts')).PIPELINE_QUESTIONS,
  lr: async () => (await import('./pipelines.ts')).LR_QUESTIONS,
};

async function main(specPath: string): Promise<void> {
  const spec = JSON.parse(readFileSync(specPath, 'utf8')) as Spec;
  const questions = QUIVER_WORKLOADS[spec.workload] ?? await METRIC_WORKLOADS[spec.workload]?.();
  if (!questions) throw new Error(`quiver-engine: no Quiver implementation of workload ${spec.workload}`);
  const lib = await import('@quiver/core');
  const procs: ChildProcess[] = [];
  try {
    await measure(spec, questions, lib, procs);
  } finally {
    for (const p of procs) p.kill('SIGTERM');
  }
}

async function measure(spec: Spec, questions: Record<string, QuiverQuestion | PipelineQuestion>, lib: typeof Quiver,
  procs: ChildProcess[]): Promise<void> {
  let t0 = performance.now();
  const master = spec.cluster ? await startCluster(spec.cluster, procs) : `local[${spec.threads}]`;
  const session: QuiverSession = await lib.Session.builder().appName('bench-peers').master(master).getOrCreate();
  // package.json is not among the package's exports; it sits one level above dist/.
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.resolve('@quiver/core')), 'utf8')) as { version: string };
  emit({ event: 'engine', name: spec.cluster ? 'Quiver cluster' : 'Quiver', version: pkg.version,
    settings: { master: spec.cluster ? `scheduler + ${spec.cluster!.workers} workers (--cores 1 --memory ${spec.cluster!.memory}) on 127.0.0.1` : master,
      node: process.version,
      cache: `inputs read.parquet().cache() and counted; ${spec.questions.some((q) => q.metric) ? 'each run fits and evaluates from them' : 'answers toArrow() on the driver'}` },
    startup: (performance.now() - t0) / 1000 });

  t0 = performance.now();
  const tables: Tables = {};
  const rows: Record<string, number> = {};
  for (const [name, path] of Object.entries(spec.files)) {
    tables[name] = session.read.parquet(path).cache();
    rows[name] = Number(await tables[name].count());
  }
  emit({ event: 'load', seconds: (performance.now() - t0) / 1000, rows });

  for (const { id, chk, metric } of spec.questions) {
    const question = questions[id];
    if (!question) { emit({ event: 'question', id, error: `Quiver has no ${spec.workload} ${id}` }); continue; }
    try {
      emit({ event: 'question', id, ...(metric
        ? await timeMetric(() => (question as PipelineQuestion)(tables, spec.threads), metric, spec.reps)
        : await timeAnswer(() => (question as QuiverQuestion)(lib, tables).toArrow(), chk, spec.reps)) });
    } catch (err) {
      console.error(err);
      emit({ event: 'question', id, error: errorText(err) });
    }
  }
  await session.stop();
}

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await run();
  return [out, (performance.now() - t0) / 1000];
}

/** One warm-up and `reps` timed runs of a query, each answer materialized as Arrow; checksummed from the warm-up. */
async function timeAnswer(run: () => Promise<Table>, chk: readonly string[], reps: number): Promise<Record<string, unknown>> {
  let [answer, warmup] = await timed(run);
  const ck = checksum(answer, chk);
  const runs: number[] = [];
  for (let r = 0; r < reps; r++) {
    answer = undefined as unknown as Table; // let the previous answer go before computing the next
    let s: number;
    [answer, s] = await timed(run);
    runs.push(s);
    const again = checksum(answer, chk);
    if (again.rows !== ck.rows || JSON.stringify(again.missing) !== JSON.stringify(ck.missing)) {
      throw new Error(`answer changed between runs: ${JSON.stringify(ck)} then ${JSON.stringify(again)}`);
    }
  }
  return { warmup, runs, median: median(runs), checksum: ck };
}

/** One warm-up and `reps` timed runs of a pipeline; every run's metric is reported (the harness checks each). */
async function timeMetric(run: () => Promise<number>, name: string, reps: number): Promise<Record<string, unknown>> {
  const [value, warmup] = await timed(run);
  const runs: number[] = [], values: number[] = [];
  for (let r = 0; r < reps; r++) {
    const [v, s] = await timed(run);
    runs.push(s);
    values.push(v);
  }
  return { warmup, runs, median: median(runs), metric: { name, value, runs: values } };
}

if (import.meta.main) {
  if (process.argv.length !== 3) {
    console.error('usage: node quiver-engine.ts <spec.json>');
    process.exit(2);
  }
  await main(process.argv[2]!);
}
