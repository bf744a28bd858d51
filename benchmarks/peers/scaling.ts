// The scaling report of `pnpm bench:peers --rows 1e6,1e7,5e7` (or --scaling): the per-size reports' times side by
// side, so how each engine's cost grows with the data reads off one table per question. Nothing is measured or
// checked here: every size's answers were checked in its own run, and a failed or mismatched answer shows as such.
import type { EngineAnswer, Report } from './peers.ts';
import { enginesTable, fmt, machineLine, sci } from './report.ts';

export interface ScalingPoint {
  rows: number;
  median?: number; min?: number; max?: number;
  /** The answer's metric (an AUC) for a model fit, to see that it holds as the data grows. */
  metric?: number;
  /** Why there is no time: the engine's error, or the answer's disagreement with the reference. */
  failure?: string;
}
export interface ScalingRow { workload: string; question: string; name: string; engine: string; points: ScalingPoint[] }
export interface ScalingReport {
  date: string; commit: string; sizes: number[]; reps: number; threads: number; questions?: string;
  machine: Report['machine'];
  /** The per-size reports this one was drawn from (file names, next to this one). */
  reports: string[];
  /** Each engine's version and settings, as its first run reported them. */
  engines: { engine: string; version?: string; settings?: Record<string, unknown> }[];
  workloads: { id: string; description: string }[];
  rows: ScalingRow[];
  failures: string[];
}

function point(rows: number, a: EngineAnswer | undefined): ScalingPoint {
  if (!a) return { rows, failure: 'not run' };
  if (a.error) return { rows, failure: a.error };
  if (a.mismatch) return { rows, failure: `mismatch: ${a.mismatch.join('; ')}` };
  const { median, min, max } = a.timing!;
  return { rows, median, min, max, ...(a.metric && { metric: a.metric.value }) };
}

/** One row per workload, question and engine that ran at any size, in the order of the first size's report. */
export function scalingReport(reports: readonly Report[], reportFiles: readonly string[]): ScalingReport {
  const first = reports[0]!;
  const rows: ScalingRow[] = [];
  const engines = new Map<string, ScalingReport['engines'][number]>();
  for (const r of reports) {
    for (const w of r.workloads) {
      for (const run of w.runs) if (!engines.has(run.engine)) engines.set(run.engine, { engine: run.engine, version: run.version, settings: run.settings });
      for (const q of w.questions) {
        for (const engine of r.engines.filter((e) => q.engines[e])) {
          if (rows.some((x) => x.workload === w.id && x.question === q.id && x.engine === engine)) continue;
          const points = reports.map((s) => point(s.rows, s.workloads.find((x) => x.id === w.id)?.questions.find((x) => x.id === q.id)?.engines[engine]));
          rows.push({ workload: w.id, question: q.id, name: q.name, engine, points });
        }
      }
    }
  }
  return {
    date: first.date, commit: first.commit, sizes: reports.map((r) => r.rows), reps: first.reps, threads: first.threads,
    ...(first.questions && { questions: first.questions }), machine: first.machine, reports: [...reportFiles],
    engines: [...engines.values()], workloads: reports.at(-1)!.workloads.map((w) => ({ id: w.id, description: w.description })), rows,
    failures: reports.flatMap((r) => r.failures.map((f) => `${sci(r.rows)} rows: ${f}`)),
  };
}

function cell(p: ScalingPoint, base: ScalingPoint): string {
  if (p.median === undefined) return `**${p.failure!.split('\n')[0]!.replaceAll('|', '\\|')}**`;
  const range = p.min !== p.max ? ` (${fmt(p.min)}–${fmt(p.max)})` : '';
  const perMillion = p.median / (p.rows / 1e6);
  const growth = p === base ? '' : base.median === undefined ? '; growth —' : `; ${(p.median / base.median).toFixed(1)}×`;
  const metric = p.metric === undefined ? '' : `; AUC ${p.metric.toFixed(4)}`;
  return `${fmt(p.median)}${range} s; ${fmt(perMillion)} s/M rows${growth}${metric}`;
}

export function renderScalingMarkdown(s: ScalingReport): string {
  const smallest = s.sizes[0]!;
  const lines = [
    `# Quiver and its peers: scaling, ${s.sizes.map(sci).join(', ')} rows`,
    '',
    `Command: \`pnpm bench:peers --rows ${s.sizes.map(sci).join(',')} --reps ${s.reps} --only ${s.workloads.map((w) => w.id).join(',')}`
      + `${s.questions ? ` --questions ${s.questions}` : ''}\` (${s.date}, commit ${s.commit}).`,
    '',
    machineLine(s.machine, 'read the growth over several timed runs on a quiet machine, not one loaded run'),
    '',
    `Each size is its own run with its own report (${s.reports.join(', ')}), where every answer was checked as usual; `
      + `this table puts them side by side. Each cell: the median (min–max) of ${s.reps} timed run(s) in seconds, the `
      + `median per million rows, and its growth over the ${sci(smallest)}-row median, to read against the row growth in `
      + 'the column head (growth equal to the row growth is linear cost). A failure (error, time limit, out of memory, '
      + 'mismatch) replaces the time.',
    '',
    '## Engines',
    '',
    ...enginesTable(s.engines),
    '',
  ];
  for (const w of s.workloads) {
    lines.push(`## ${w.id}`, '', `${w.description}.`, '');
    const questions = [...new Set(s.rows.filter((r) => r.workload === w.id).map((r) => r.question))];
    for (const q of questions) {
      const rows = s.rows.filter((r) => r.workload === w.id && r.question === q);
      lines.push(`### ${q} ${rows[0]!.name}`, '');
      lines.push(`| engine | ${s.sizes.map((n) => (n === smallest ? `${sci(n)} rows` : `${sci(n)} rows (${+(n / smallest).toFixed(1)}× rows)`)).join(' | ')} |`);
      lines.push(`|---|${s.sizes.map(() => '---:').join('|')}|`);
      for (const r of rows) lines.push(`| ${r.engine} | ${r.points.map((p) => cell(p, r.points[0]!)).join(' | ')} |`);
      lines.push('');
    }
  }
  if (s.failures.length) lines.push('## Failures', '', ...s.failures.map((f) => `- ${f.replaceAll('\n', ' ')}`), '');
  return lines.join('\n');
}
