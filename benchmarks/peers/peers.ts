// `pnpm bench:peers [--quick] [--scaling] [--only groupby,join,tpch,pipeline,lr] [--questions groupby:q1,groupby:q3]
//                   [--rows 1e6|1e7|5e7|1e6,1e7,5e7] [--sf 1] [--reps 3]
//                   [--engines quiver,quiver-cluster,duckdb,spark,dask,pandas] [--results-dir DIR] [--timeout-s 3600]`
//
// Quiver against its peers on the same Parquet files, each engine in its own process
// (quiver-engine.ts for Quiver embedded and as a scheduler + 2 workers; engines.py for PySpark,
// Dask, DuckDB, pandas). Every engine's answer to
// every question is checked against DuckDB's (row count; per column the sum of defined values
// to 1e-9 relative and the count of null/NaN values) before any time is reported: a mismatch
// or an engine error is a failure (shown in place of the time, and a non-zero exit code). The
// pipeline and lr workloads' answer is a model metric instead: each engine's must be within the question's
// tolerance of the reference engine's (for a pipeline the engine it was written for: PySpark for the MLlib one,
// Dask for XGBoost; PySpark for the LR fit).
// Output: benchmarks/results/peers-<rows>-<UTC time>.{json,md,svg}, one per --rows size; with several sizes also
// scaling-<UTC time>.{json,md}: every question's time at each size side by side, and how it grows (scaling.ts).
// --scaling is the scaling run: SCALING_PRESET below.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { diffChecksums } from '../groupby/compare.ts';
import { RESULT_PREFIX, type Checksum, type Metric, type Spec } from './quiver-engine.ts';
import { renderMarkdown, renderSvg, sci } from './report.ts';
import { renderScalingMarkdown, scalingReport } from './scaling.ts';
import { ALL_ENGINES, PYTHON, ROOT, WORKLOADS, type EngineId, type MetricCheck, type Workload, type WorkloadQuestion } from './workloads.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_RESULTS_DIR = join(HERE, '..', 'results');
const THREADS = 2; // every engine gets the same 2 cores: local[2], 2 Dask workers × 1 thread, DuckDB threads=2
const REFERENCE: EngineId = 'duckdb';
export const ENGINE_NAMES: Record<EngineId, string> = { quiver: 'Quiver', 'quiver-cluster': 'Quiver cluster', duckdb: 'DuckDB', spark: 'PySpark', dask: 'Dask', pandas: 'pandas' };

export interface Timing { median: number; min: number; max: number; warmup: number; runs: number[] }
export interface EngineAnswer { timing?: Timing; checksum?: Checksum; metric?: Metric; error?: string; mismatch?: string[] }
export interface QuestionReport { id: string; name: string; metric?: MetricCheck & { referenceName: string }; engines: Record<string, EngineAnswer> }
export interface EngineRun {
  engine: string; version?: string; settings?: Record<string, unknown>;
  /** Seconds from process start to the engine being ready (JVM, cluster), then loading the inputs. */
  startup?: number; load?: number; rows?: Record<string, number>; error?: string; wall: number;
}
export interface WorkloadReport { id: string; description: string; files: Record<string, string>; runs: EngineRun[]; questions: QuestionReport[] }
export interface Report {
  date: string; commit: string; rows: number; sf: number; reps: number; threads: number; quick: boolean;
  /** The --questions filter, when only some questions of some workloads ran. */
  questions?: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; platform: string; python: string; java: string };
  engines: string[]; workloads: WorkloadReport[]; failures: string[];
}

interface Event { event: string; [k: string]: unknown }

/** --rows: one size, or increasing sizes separated by commas for a scaling run (1e6,1e7,5e7). */
export function parseRows(s: string): number[] {
  const sizes = s.split(',').map((x) => {
    const n = Number(x.trim());
    if (!Number.isInteger(n) || n < 1000 || n % 1000 !== 0) throw new Error(`--rows needs multiples of 1000 such as 1e6, got ${x}`);
    return n;
  });
  if (sizes.some((n, i) => i > 0 && n <= sizes[i - 1]!)) throw new Error(`--rows sizes must increase, got ${s}`);
  return sizes;
}

/**
 * --questions workload:question,...: the questions to run of each workload named (groupby:q1,groupby:q3);
 * a workload not named runs all of its questions. Returns workload id → the question ids kept.
 */
export function parseQuestions(s: string | undefined, workloads: Readonly<Record<string, { questions: readonly { id: string }[] }>>):
  Map<string, Set<string>> {
  const kept = new Map<string, Set<string>>();
  for (const item of s ? s.split(',') : []) {
    const [w = '', q = '', ...rest] = item.trim().split(':');
    const known = workloads[w]?.questions.map((x) => x.id);
    if (rest.length || !known) throw new Error(`--questions takes workload:question items such as groupby:q1, got ${item}`);
    if (!known.includes(q)) throw new Error(`--questions: ${w} has no question ${q} (known: ${known.join(', ')})`);
    kept.set(w, (kept.get(w) ?? new Set()).add(q));
  }
  return kept;
}

/**
 * The scaling run: the groupby questions with the fewest and the most groups db-benchmark asks of id1..id3
 * (q1: 100 groups, one sum; q3: N/100 groups, sum and mean) and the LR fit, at three sizes, to show how cost grows.
 * Explicit --only, --questions or --rows override the preset's.
 */
export const SCALING_PRESET = { only: 'groupby,lr', questions: 'groupby:q1,groupby:q3', rows: '1e6,1e7,5e7' } as const;

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** Runs scripts/setup-peers.sh (idempotent) and returns the JAVA_HOME it chose for PySpark. */
function setupPeers(log: (m: string) => void): string {
  const out = execFileSync(join(ROOT, 'scripts', 'setup-peers.sh'), { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const javaHome = /^JAVA_HOME=(.*)$/m.exec(out)?.[1];
  if (!javaHome) throw new Error(`scripts/setup-peers.sh printed no JAVA_HOME line:\n${out}`);
  log(`peers set up; JAVA_HOME=${javaHome}`);
  return javaHome;
}

/** One engine process on one workload: its result events, stderr kept in a log file. */
async function runEngine(engine: EngineId, spec: Spec, work: string, env: NodeJS.ProcessEnv, timeoutS: number,
  log: (m: string) => void): Promise<{ events: Event[]; error?: string; wall: number }> {
  const specPath = join(work, `${spec.workload}-${engine}.json`);
  const errPath = join(work, `${spec.workload}-${engine}.stderr`);
  // The cluster gets what the embedded engine and Dask get: 2 single-core workers, 4 GiB each.
  writeFileSync(specPath, JSON.stringify(engine === 'quiver-cluster' ? { ...spec, cluster: { workers: THREADS, memory: '4g' } } : spec));
  const [cmd, args] = engine === 'quiver' || engine === 'quiver-cluster'
    ? [process.execPath, [join(HERE, 'quiver-engine.ts'), specPath]]
    : [PYTHON, [join(HERE, 'engines.py'), engine, specPath]];
  const t0 = performance.now();
  const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: Event[] = [];
  let stdoutRest = '', stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (stdoutRest + chunk).split('\n');
    stdoutRest = lines.pop()!;
    for (const line of lines) {
      if (!line.startsWith(RESULT_PREFIX)) continue;
      const ev = JSON.parse(line.slice(RESULT_PREFIX.length)) as Event;
      events.push(ev);
      if (ev.event === 'question') {
        log(`  ${ENGINE_NAMES[engine]} ${spec.workload} ${String(ev['id'])}: `
          + (ev['error'] ? `error ${String(ev['error'])}` : `${(ev['median'] as number).toFixed(3)} s`));
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutS * 1000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((res) => child.on('close', (c, s) => res([c, s])));
  clearTimeout(timer);
  writeFileSync(errPath, stderr);
  const wall = (performance.now() - t0) / 1000;
  if (code === 0) return { events, wall };
  const tail = stderr.trim().split('\n').slice(-8).join('\n');
  // A SIGKILL the harness did not send is the kernel's: out of memory, on a machine with no swap.
  const why = timedOut ? `killed after the ${timeoutS}s time limit`
    : signal === 'SIGKILL' ? 'killed by SIGKILL (the kernel\'s out-of-memory killer, most likely)' : `exited with ${code ?? signal}`;
  return { events, wall, error: `${ENGINE_NAMES[engine]} process ${why}; stderr ends:\n${tail}` };
}

function timingOf(ev: Event): Timing {
  const runs = ev['runs'] as number[];
  return { median: ev['median'] as number, min: Math.min(...runs), max: Math.max(...runs), warmup: ev['warmup'] as number, runs };
}

export async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false }, scaling: { type: 'boolean', default: false }, only: { type: 'string' },
      questions: { type: 'string' }, rows: { type: 'string' }, sf: { type: 'string' }, reps: { type: 'string' },
      engines: { type: 'string', default: ALL_ENGINES.join(',') },
      'results-dir': { type: 'string', default: DEFAULT_RESULTS_DIR }, 'timeout-s': { type: 'string', default: '3600' },
    },
  });
  const preset = values.scaling ? SCALING_PRESET : undefined;
  // --quick is the CI configuration: 1e5 rows, one timed run after the warm-up.
  const sizes = parseRows(values.rows ?? preset?.rows ?? (values.quick ? '1e5' : '1e7'));
  const sf = Number(values.sf ?? (values.quick ? '0.01' : '1'));
  if (!(sf > 0)) throw new Error(`--sf needs a positive scale factor, got ${values.sf}`);
  const reps = Number(values.reps ?? (values.quick ? '1' : '3'));
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps needs a positive integer, got ${values.reps}`);
  if (!values.quick && reps < 3) console.error('note: fewer than 3 timed runs; medians are not the report standard');
  const timeoutS = Number(values['timeout-s']);
  const workloads = (values.only ?? preset?.only ?? Object.keys(WORKLOADS).join(',')).split(',').map((w) => {
    const wl = WORKLOADS[w.trim()];
    if (!wl) throw new Error(`--only: unknown workload ${w} (known: ${Object.keys(WORKLOADS).join(', ')})`);
    return wl;
  });
  const questionFilter = values.questions ?? preset?.questions;
  const kept = parseQuestions(questionFilter, WORKLOADS);
  const engines = values.engines.split(',').map((e) => {
    const id = e.trim().toLowerCase() as EngineId;
    if (!ALL_ENGINES.includes(id)) throw new Error(`--engines: unknown engine ${e} (known: ${ALL_ENGINES.join(', ')})`);
    return id;
  });
  if (!engines.includes('quiver')) throw new Error('--engines must include quiver: ratios are peer / Quiver');
  const log = (m: string) => console.error(m);

  const javaHome = setupPeers(log);
  const env = { ...process.env, JAVA_HOME: javaHome, PYTHONUNBUFFERED: '1' };
  const machine: Report['machine'] = {
    cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    platform: `${os.platform()} ${os.release()}`,
    python: execFileSync(PYTHON, ['--version'], { encoding: 'utf8' }).trim(),
    java: `${javaVersion(javaHome)} (${javaHome})`,
  };
  mkdirSync(values['results-dir'], { recursive: true });
  const reports: Report[] = [], files: string[] = [];
  for (const rows of sizes) {
    const report: Report = {
      date: new Date().toISOString(), commit: gitCommit(), rows, sf, reps, threads: THREADS, quick: values.quick,
      ...(kept.size && { questions: questionFilter }), machine, engines: engines.map((e) => ENGINE_NAMES[e]), workloads: [], failures: [],
    };
    const base = join(values['results-dir'], `peers-${sci(rows)}-${stampOf(report.date)}`);
    await runSize(report, base, workloads, kept, engines, { env, timeoutS, log });
    console.log(renderMarkdown(report));
    log(`wrote ${base}.{json,md,svg}`);
    reports.push(report);
    files.push(`${base}.md`);
  }
  const failures = reports.flatMap((r) => r.failures.map((f) => (sizes.length > 1 ? `${sci(r.rows)} rows: ${f}` : f)));
  if (sizes.length > 1) {
    const scaling = scalingReport(reports, files.map((f) => basename(f)));
    const base = join(values['results-dir'], `scaling-${stampOf(reports[0]!.date)}`);
    writeFileSync(`${base}.json`, JSON.stringify(scaling, null, 2) + '\n');
    writeFileSync(`${base}.md`, renderScalingMarkdown(scaling));
    console.log(renderScalingMarkdown(scaling));
    log(`wrote ${base}.{json,md}`);
  }
  if (failures.length) log(`FAILED:\n- ${failures.join('\n- ')}`);
  return failures.length ? 1 : 0;
}

function stampOf(isoDate: string): string {
  return isoDate.replace(/[:.]/g, '-').replace(/-\d+Z$/, 'Z');
}

/** Runs every workload at one size, each engine in its own process, into `report` (written to `base` after every engine). */
async function runSize(report: Report, base: string, workloads: readonly Workload[], kept: Map<string, Set<string>>,
  engines: readonly EngineId[], run: { env: NodeJS.ProcessEnv; timeoutS: number; log: (m: string) => void }): Promise<void> {
  const { env, timeoutS, log } = run;
  const { rows, sf, reps, failures } = report;
  const work = mkdtempSync(join(os.tmpdir(), 'quiver-bench-peers-'));
  for (const wl of workloads) {
    const t0 = performance.now();
    const files = wl.data({ rows, sf }, log);
    log(`${wl.id}: data ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const questions = wl.questions.filter((q) => kept.get(wl.id)?.has(q.id) ?? true);
    const wr: WorkloadReport = {
      id: wl.id, description: wl.describe({ rows, sf }), files, runs: [],
      questions: questions.map((q) => ({
        id: q.id, name: q.name, ...(q.metric && { metric: { ...q.metric, referenceName: ENGINE_NAMES[q.metric.reference] } }), engines: {},
      })),
    };
    for (const engine of engines.filter((e) => wl.engines.includes(e))) {
      const name = ENGINE_NAMES[engine];
      const answers = (q: WorkloadQuestion) => !q.engines || q.engines.includes(engine);
      const spec: Spec = { workload: wl.id, files, reps, threads: THREADS,
        questions: questions.filter(answers).map((q) => ({ id: q.id, chk: [...q.chk], ...(q.metric && { metric: q.metric.name }) })) };
      if (!spec.questions.length) continue;
      log(`${wl.id} ${sci(rows)}: ${name}`);
      const { events, error, wall } = await runEngine(engine, spec, work, env, timeoutS, log);
      const engineRun: EngineRun = { engine: name, wall };
      for (const ev of events) {
        if (ev.event === 'engine') {
          engineRun.version = ev['version'] as string;
          engineRun.settings = ev['settings'] as Record<string, unknown>;
          engineRun.startup = ev['startup'] as number | undefined;
        } else if (ev.event === 'load') {
          engineRun.load = ev['seconds'] as number;
          engineRun.rows = ev['rows'] as Record<string, number>;
        } else if (ev.event === 'question') {
          const q = wr.questions.find((x) => x.id === ev['id']);
          if (!q) continue;
          q.engines[name] = ev['error'] ? { error: ev['error'] as string }
            : ev['metric'] ? { timing: timingOf(ev), metric: ev['metric'] as Metric } : { timing: timingOf(ev), checksum: ev['checksum'] as Checksum };
        }
      }
      if (error) {
        engineRun.error = error;
        failures.push(`${wl.id} ${name}: ${error}`);
      }
      for (const q of wr.questions) {
        if (!q.engines[name] && spec.questions.some((x) => x.id === q.id)) q.engines[name] = { error: error ? `engine process failed: ${error.split('\n')[0]}` : 'no answer reported' };
      }
      wr.runs.push(engineRun);
      // Written after every engine, so a long run that is stopped keeps what it finished.
      writeReport({ ...report, workloads: [...report.workloads, wr], failures: [...failures, ...checkAnswers(wr, engines)] }, base, 'partial');
    }
    failures.push(...checkAnswers(wr, engines));
    report.workloads.push(wr);
    writeReport(report, base, wl === workloads.at(-1) ? undefined : 'partial');
  }
  rmSync(work, { recursive: true, force: true });
}

/**
 * Compares every engine's answers with the reference engine's (DuckDB's checksum, or for a pipeline the
 * metric of the engine it was written for), marking mismatches on the answers (afresh each call);
 * returns the failures: errors, mismatches, or no reference at all.
 */
function checkAnswers(wr: WorkloadReport, engines: readonly EngineId[]): string[] {
  const out: string[] = [];
  const ref = ENGINE_NAMES[REFERENCE];
  if (wr.questions.some((q) => !q.metric) && !engines.includes(REFERENCE)) out.push(`${wr.id}: no ${ref} reference answers (it was not run), nothing is checked`);
  for (const q of wr.questions) {
    const refName = q.metric ? q.metric.referenceName : ref;
    if (q.metric && !engines.includes(q.metric.reference)) out.push(`${wr.id} ${q.id}: no ${refName} reference metric (it was not run), nothing is checked`);
    const expected = q.metric ? q.engines[refName]?.metric : q.engines[ref]?.checksum;
    for (const [name, a] of Object.entries(q.engines)) {
      delete a.mismatch;
      if (a.error) { out.push(`${wr.id} ${q.id} ${name}: ${a.error}`); continue; }
      if (!expected) continue;
      const diff = q.metric ? diffMetric(expected as Metric, a.metric!, q.metric.tolerance) : diffChecksums(expected as Checksum, a.checksum!);
      if (diff.length) {
        a.mismatch = diff;
        out.push(`${wr.id} ${q.id} ${name} disagrees with ${refName}: ${diff.join('; ')}`);
      }
    }
  }
  return out;
}

/** Every run's metric (warm-up and timed) against the reference's warm-up run, within the tolerance. */
export function diffMetric(expected: Metric, actual: Metric, tolerance: number): string[] {
  return [actual.value, ...actual.runs]
    .filter((v) => !(Math.abs(v - expected.value) <= tolerance))
    .map((v) => `${actual.name} ${v.toFixed(4)} vs ${expected.value.toFixed(4)} (|Δ| > ${tolerance})`);
}

function writeReport(report: Report, base: string, partial?: 'partial'): void {
  const r = partial ? { ...report, failures: [...report.failures, 'partial report: the run had not finished when this was written'] } : report;
  writeFileSync(`${base}.json`, JSON.stringify(r, null, 2) + '\n');
  writeFileSync(`${base}.md`, renderMarkdown(r));
  writeFileSync(`${base}.svg`, renderSvg(r));
}

function javaVersion(javaHome: string): string {
  try {
    return `Java ${readFileSync(join(javaHome, 'release'), 'utf8').match(/JAVA_VERSION="([^"]+)"/)?.[1] ?? '?'}`;
  } catch {
    return 'Java ?';
  }
}
