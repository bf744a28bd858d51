// `pnpm bench groupby [--rows 1e7] [--k 1e2] [--reps 3] [--quick] [--engines duckdb,quiver]`
//
// db-benchmark's groupby task on G1 data: DuckDB (the peer) and Quiver run in the same
// process on the same Parquet file, each question as one warm-up and `reps` timed runs.
// Every run's answer is checked against DuckDB's before any timing is reported; a mismatch
// or an engine error makes the exit code non-zero.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { diffChecksums, type Checksum } from './compare.ts';
import { ensureG1Parquet, g1Name } from './datagen.ts';
import { DuckDBEngine, QuiverEngine, type Engine } from './engines.ts';
import { QUESTIONS, type Question } from './questions.ts';

const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
const THREADS = 2; // DuckDB threads and Quiver local[N]: the same parallelism for both
const TARGET_RATIO = 4; // the project's goal: Quiver within 4x of DuckDB on every question

interface Timing { median: number; min: number; max: number; runs: number[] }
interface EngineResult { load?: number; timing?: Timing; rows?: number; checksum?: Checksum; error?: string }
interface QuestionResult {
  id: string; name: string;
  engines: Record<string, EngineResult>;
  ratio?: number; verdict: 'pass' | 'fail' | 'mismatch' | 'error' | 'n/a'; problems: string[];
}

function parseCount(s: string, flag: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} needs a positive integer, got ${s}`);
  return n;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function seconds<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await f();
  return [v, (performance.now() - t0) / 1000];
}

/** Warm-up plus `reps` timed runs; every run's answer must match the warm-up's checksum. */
async function timeQuestion(engine: Engine, q: Question, reps: number): Promise<EngineResult> {
  await engine.run(q);
  const checksum = await engine.checksum(q);
  const runs: number[] = [];
  let rows = checksum.rows;
  for (let r = 0; r < reps; r++) {
    const [n, s] = await seconds(() => engine.run(q));
    runs.push(s);
    rows = n;
    const diff = diffChecksums(checksum, await engine.checksum(q));
    if (diff.length) throw new Error(`answer changed between runs: ${diff.join('; ')}`);
  }
  return { timing: { median: median(runs), min: Math.min(...runs), max: Math.max(...runs), runs }, rows, checksum };
}

function fmt(s: number | undefined): string {
  return s === undefined ? '—' : s < 0.01 ? s.toFixed(4) : s.toFixed(3);
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rows: { type: 'string' }, k: { type: 'string', default: '1e2' }, reps: { type: 'string' },
      quick: { type: 'boolean', default: false }, engines: { type: 'string', default: 'duckdb,quiver' },
    },
  });
  // --quick is the CI configuration: small data, a single timed run.
  const rows = parseCount(values.rows ?? (values.quick ? '1e5' : '1e7'), '--rows');
  const reps = parseCount(values.reps ?? (values.quick ? '1' : '3'), '--reps');
  const k = parseCount(values.k, '--k');
  const wanted = values.engines.split(',').map((s) => s.trim().toLowerCase());
  for (const w of wanted) if (w !== 'duckdb' && w !== 'quiver') throw new Error(`unknown engine ${w}`);
  const log = (m: string) => console.error(m);

  const data = ensureG1Parquet({ rows, k }, log);
  log(`data: ${data}`);

  const engines: Engine[] = [];
  const loads: Record<string, number | string> = {};
  let failed = false;
  for (const w of wanted) {
    try {
      const e = w === 'duckdb' ? await DuckDBEngine.create(THREADS) : await QuiverEngine.create(`local[${THREADS}]`);
      const [n, s] = await seconds(() => e.load(data));
      if (n !== rows) throw new Error(`loaded ${n} rows, expected ${rows}`);
      log(`${e.name} ${e.version}: loaded ${n} rows in ${fmt(s)}s`);
      loads[e.name] = s;
      engines.push(e);
    } catch (err) {
      failed = true;
      loads[w === 'duckdb' ? 'DuckDB' : 'Quiver'] = `error: ${errorText(err)}`;
      log(`${w}: setup failed: ${errorText(err)}`);
    }
  }

  const results: QuestionResult[] = [];
  for (const q of QUESTIONS) {
    const res: QuestionResult = { id: q.id, name: q.name, engines: {}, verdict: 'n/a', problems: [] };
    for (const e of engines) {
      try {
        res.engines[e.name] = await timeQuestion(e, q, reps);
      } catch (err) {
        res.engines[e.name] = { error: errorText(err) };
        res.problems.push(`${e.name}: ${errorText(err)}`);
      }
    }
    const duck = res.engines['DuckDB'], quiver = res.engines['Quiver'];
    if (res.problems.length) {
      res.verdict = 'error';
    } else if (duck?.checksum && quiver?.checksum) {
      const diff = diffChecksums(duck.checksum, quiver.checksum);
      res.problems.push(...diff);
      res.ratio = quiver.timing!.median / duck.timing!.median;
      res.verdict = diff.length ? 'mismatch' : res.ratio <= TARGET_RATIO ? 'pass' : 'fail';
    }
    if (res.verdict === 'error' || res.verdict === 'mismatch') failed = true;
    log(`${q.id} ${q.name}: ${engines.map((e) => `${e.name} ${fmt(res.engines[e.name]?.timing?.median)}s`).join(', ')}`
      + ` ${res.verdict}${res.problems.length ? ` (${res.problems.join('; ')})` : ''}`);
    results.push(res);
  }
  await Promise.all(engines.map((e) => e.close()));

  const env = {
    date: new Date().toISOString(),
    commit: gitCommit(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
    versions: Object.fromEntries(engines.map((e) => [e.name, e.version])),
    threads: THREADS,
  };
  const md = renderMarkdown({ rows, k, reps, data: g1Name({ rows, k }), env, loads, results });
  console.log(md);

  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = env.date.replace(/[:.]/g, '-').replace(/-\d+Z$/, 'Z');
  const base = join(RESULTS_DIR, `groupby-${g1Name({ rows, k })}-${stamp}`);
  writeFileSync(`${base}.json`, JSON.stringify({ task: 'groupby', data: g1Name({ rows, k }), rows, k, reps, env, loads, results }, null, 2) + '\n');
  writeFileSync(`${base}.md`, md);
  log(`wrote ${base}.json and .md`);
  return failed ? 1 : 0;
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function renderMarkdown(r: {
  rows: number; k: number; reps: number; data: string; env: Record<string, unknown> & { versions: Record<string, string> };
  loads: Record<string, number | string>; results: QuestionResult[];
}): string {
  const { env } = r;
  const lines = [
    `# groupby benchmark: ${r.data}`,
    '',
    `${r.rows} rows, K=${r.k}; median of ${r.reps} timed run(s) after one warm-up; ${env['threads']} threads per engine.`,
    `Machine: ${env['cpus']} × ${env['cpuModel']}, ${env['memoryGiB']} GiB, ${env['platform']}; Node ${env['node']}; `
      + Object.entries(env.versions).map(([n, v]) => `${n} ${v}`).join(', ') + `; commit ${env['commit']}; ${env['date']}.`,
    '',
    'Load (Parquet → engine memory, not included below): '
      + Object.entries(r.loads).map(([n, s]) => `${n} ${typeof s === 'number' ? `${fmt(s)} s` : s}`).join(', ') + '.',
    '',
    '| question | DuckDB median (s) | Quiver median (s) | Quiver/DuckDB | target | result |',
    '|---|---:|---:|---:|---|---|',
  ];
  for (const q of r.results) {
    const d = q.engines['DuckDB'], v = q.engines['Quiver'];
    lines.push(`| ${q.id} ${q.name} | ${fmt(d?.timing?.median)} | ${fmt(v?.timing?.median)} | `
      + `${q.ratio === undefined ? '—' : `${q.ratio.toFixed(2)}x`} | within ${TARGET_RATIO}x | ${q.verdict} |`);
  }
  const problems = r.results.filter((q) => q.problems.length);
  if (problems.length) {
    lines.push('', '## Problems', '');
    for (const q of problems) for (const p of q.problems) lines.push(`- ${q.id}: ${p}`);
  }
  lines.push('', 'min/max per question and engine are in the JSON file next to this one.', '');
  return lines.join('\n');
}
