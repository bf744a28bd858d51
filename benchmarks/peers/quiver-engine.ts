// Quiver's side of `pnpm bench:peers`, run by peers.ts as its own process:
//   node quiver-engine.ts <spec.json>
// Embedded (local[threads]) by default; with spec.cluster it first starts `bin/quiver scheduler`
// and spec.cluster.workers `bin/quiver worker --cores 1` processes on 127.0.0.1 (their start is
// part of the reported start-up), connects with master quiver://host:port, and stops them at the end.
// It speaks the protocol of engines.py (the Python peers): one JSON object per stdout line,
// prefixed with RESULT_PREFIX; see engines.py for the events. Inputs are read with
// spark.read.parquet(...).cache() and counted (the load time); each answer is materialized on
// the driver with toArrow() (timed), then checksummed from that Arrow table (not timed).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Table, Vector } from 'apache-arrow';
import type * as Quiver from '@quiver/core';
import { QUESTIONS as GROUPBY_QUESTIONS } from '../groupby/questions.ts';
import type { QuiverFrame, QuiverLib, QuiverSession } from '../groupby/questions.ts';

export const RESULT_PREFIX = '@@quiver-bench ';

export interface Spec {
  workload: string;
  files: Record<string, string>;
  questions: { id: string; chk: string[] }[];
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

type Tables = Record<string, QuiverFrame>;
type QuiverQuestion = (q: QuiverLib, t: Tables) => QuiverFrame;

/** db-benchmark join q1..q5: x joined with the right table's columns renamed as the SQL does. */
function joinQuestion(key: string, right: string, how: string, keep: Record<string, string>): QuiverQuestion {
  return ({ col }, t) => {
    const r = t[right]!.select(col(key), ...Object.entries(keep).map(([c, as]) => col(c).alias(as)), col('v2'));
    return t['x']!.join(r, key, how);
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

async function main(specPath: string): Promise<void> {
  const spec = JSON.parse(readFileSync(specPath, 'utf8')) as Spec;
  const questions = QUIVER_WORKLOADS[spec.workload];
  if (!questions) throw new Error(`quiver-engine: no Quiver implementation of workload ${spec.workload}`);
  const lib = await import('@quiver/core');
  const procs: ChildProcess[] = [];
  try {
    await measure(spec, questions, lib, procs);
  } finally {
    for (const p of procs) p.kill('SIGTERM');
  }
}

async function measure(spec: Spec, questions: Record<string, QuiverQuestion>, lib: typeof Quiver,
  procs: ChildProcess[]): Promise<void> {
  let t0 = performance.now();
  const master = spec.cluster ? await startCluster(spec.cluster, procs) : `local[${spec.threads}]`;
  const session: QuiverSession = await lib.Session.builder().appName('bench-peers').master(master).getOrCreate();
  // package.json is not among the package's exports; it sits one level above dist/.
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.resolve('@quiver/core')), 'utf8')) as { version: string };
  emit({ event: 'engine', name: spec.cluster ? 'Quiver cluster' : 'Quiver', version: pkg.version,
    settings: { master: spec.cluster ? `scheduler + ${spec.cluster!.workers} workers (--cores 1 --memory ${spec.cluster!.memory}) on 127.0.0.1` : master,
      node: process.version, cache: 'inputs read.parquet().cache() and counted; answers toArrow() on the driver' },
    startup: (performance.now() - t0) / 1000 });

  t0 = performance.now();
  const tables: Tables = {};
  const rows: Record<string, number> = {};
  for (const [name, path] of Object.entries(spec.files)) {
    tables[name] = session.read.parquet(path).cache();
    rows[name] = Number(await tables[name].count());
  }
  emit({ event: 'load', seconds: (performance.now() - t0) / 1000, rows });

  for (const { id, chk } of spec.questions) {
    const question = questions[id];
    if (!question) { emit({ event: 'question', id, error: `Quiver has no ${spec.workload} ${id}` }); continue; }
    try {
      const run = async (): Promise<[Table, number]> => {
        t0 = performance.now();
        const t = await question(lib, tables).toArrow();
        return [t, (performance.now() - t0) / 1000];
      };
      let [answer, warmup] = await run();
      const ck = checksum(answer, chk);
      const runs: number[] = [];
      for (let r = 0; r < spec.reps; r++) {
        answer = undefined as unknown as Table; // let the previous answer go before computing the next
        let s: number;
        [answer, s] = await run();
        runs.push(s);
        const again = checksum(answer, chk);
        if (again.rows !== ck.rows || JSON.stringify(again.missing) !== JSON.stringify(ck.missing)) {
          throw new Error(`answer changed between runs: ${JSON.stringify(ck)} then ${JSON.stringify(again)}`);
        }
      }
      emit({ event: 'question', id, warmup, runs, median: median(runs), checksum: ck });
    } catch (err) {
      console.error(err);
      emit({ event: 'question', id, error: errorText(err) });
    }
  }
  await session.stop();
}

if (import.meta.main) {
  if (process.argv.length !== 3) {
    console.error('usage: node quiver-engine.ts <spec.json>');
    process.exit(2);
  }
  await main(process.argv[2]!);
}
