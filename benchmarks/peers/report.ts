// The Markdown report and the SVG chart of `pnpm bench:peers`. The chart is written here as
// plain SVG text: it is one log-scale bar chart, ~60 lines, and a charting library (vega,
// d3 + jsdom) would add megabytes of dependencies to the workspace for it.
import { sci } from '../groupby/datagen.ts';
import type { EngineAnswer, Report, WorkloadReport } from './peers.ts';

export { sci };

const QUIVER = 'Quiver';

export function fmt(s: number | undefined): string {
  return s === undefined ? '—' : s < 0.01 ? s.toFixed(4) : s < 100 ? s.toFixed(3) : s.toFixed(1);
}

/** peer median / Quiver median, only when both answered and agree with the reference. */
export function ratio(q: { engines: Record<string, EngineAnswer> }, peer: string): number | undefined {
  const a = q.engines[peer], v = q.engines[QUIVER];
  if (!a?.timing || !v?.timing || a.mismatch || v.mismatch) return undefined;
  return a.timing.median / v.timing.median;
}

function cell(a: EngineAnswer | undefined): string {
  if (!a) return '—';
  if (a.error) return 'error';
  if (a.mismatch) return '**mismatch**';
  const t = a.timing!;
  const time = t.runs.length > 1 ? `${fmt(t.median)} (${fmt(t.min)}–${fmt(t.max)})` : fmt(t.median);
  return a.metric ? `${time}, ${METRIC_LABELS[a.metric.name] ?? a.metric.name} ${a.metric.value.toFixed(4)}` : time;
}

const METRIC_LABELS: Record<string, string> = { areaUnderROC: 'AUC' };

function settingsText(s: Record<string, unknown> | undefined): string {
  return s ? Object.entries(s).map(([k, v]) => `${k}=${String(v)}`).join('; ').replaceAll('|', '\\|') : '—';
}

function workloadSection(r: Report, w: WorkloadReport): string[] {
  // The engines this workload ran (a pipeline has no DuckDB or pandas twin), in the run's order.
  const engines = r.engines.filter((e) => w.runs.some((x) => x.engine === e));
  const peers = engines.filter((e) => e !== QUIVER);
  const lines = [`## ${w.id}`, '', `${w.description}.`, ''];
  const metricChecks = w.questions.filter((q) => q.metric).map((q) => `${q.id} within ${q.metric!.tolerance} of ${q.metric!.referenceName}'s`);
  if (metricChecks.length) {
    lines.push(`Answers: each question fits a model, and its answer is the ${METRIC_LABELS[w.questions[0]!.metric!.name]} it reaches on `
      + `the test rows, in every run (warm-up and timed), against the reference engine's (for a pipeline, the engine it was written for): ${metricChecks.join('; ')}. `
      + 'An engine with no twin of a question is left out of its row (—).', '');
  }
  lines.push('Start-up (JVM, cluster, session) and load (Parquet → engine memory) are not part of the question times: '
    + w.runs.map((x) => `${x.engine} ${fmt(x.startup)} s + ${fmt(x.load)} s`).join(', ') + '.', '');
  lines.push(`| question | ${engines.map((e) => (e === QUIVER ? 'Quiver (s)' : `${e} (s) | ${e}/Quiver`)).join(' | ')} |`);
  lines.push(`|---|${engines.map((e) => (e === QUIVER ? '---:' : '---:|---:')).join('|')}|`);
  for (const q of w.questions) {
    const cells = engines.map((e) => {
      if (e === QUIVER) return cell(q.engines[e]);
      const x = ratio(q, e);
      return `${cell(q.engines[e])} | ${x === undefined ? '—' : `${x.toFixed(2)}×`}`;
    });
    lines.push(`| ${q.id} ${q.name} | ${cells.join(' | ')} |`);
  }
  const misses: string[] = ['PySpark', 'Dask'].filter((p) => !peers.includes(p)).map((p) => `every question vs ${p} (not run)`);
  for (const peer of peers.filter((p) => p === 'PySpark' || p === 'Dask')) {
    // A peer that ran but reported nothing for a question has no twin of it (a failed one reports an error).
    for (const q of w.questions.filter((x) => x.engines[peer])) {
      const x = ratio(q, peer);
      if (x === undefined || x <= 1) misses.push(`${q.id} vs ${peer} (${x === undefined ? 'no comparable answer' : `${x.toFixed(2)}×`})`);
    }
  }
  lines.push('', misses.length
    ? `Target (Quiver faster than PySpark and Dask on every question each answers): **not met** on ${misses.join(', ')}.`
    : 'Target (Quiver faster than PySpark and Dask on every question each answers): met.');
  return lines;
}

/** The machine and software line every report opens with; `readWhat` says what to read instead of single timings. */
export function machineLine(m: Report['machine'], readWhat: string): string {
  return `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.platform}; ${m.python}; ${m.java}. The machine is shared `
    + `with other work while this runs, so single timings are noisy: ${readWhat}.`;
}

/** Each engine's version and settings, as a Markdown table. */
export function enginesTable(engines: readonly { engine: string; version?: string; settings?: Record<string, unknown> }[]): string[] {
  return ['| engine | version | settings |', '|---|---|---|',
    ...engines.map((x) => `| ${x.engine} | ${x.version ?? '—'} | ${settingsText(x.settings)} |`)];
}

export function renderMarkdown(r: Report): string {
  const lines = [
    `# Quiver and its peers: ${r.rows} rows${r.quick ? ' (--quick)' : ''}`,
    '',
    `Command: \`pnpm bench:peers --rows ${r.rows}${r.workloads.some((w) => w.id === 'tpch') ? ` --sf ${r.sf}` : ''} `
      + `--reps ${r.reps} --only ${r.workloads.map((w) => w.id).join(',')}${r.questions ? ` --questions ${r.questions}` : ''}\``
      + ` (${r.date}, commit ${r.commit}).`,
    '',
    machineLine(r.machine, 'read the ratios (peer / Quiver median, above 1 means Quiver is faster), not the seconds'),
    '',
    `Each question: one warm-up, then ${r.reps} timed run(s); cells show the median (min–max) in seconds. Every engine runs `
      + `in its own process on ${r.threads} cores on the same Parquet files. "Quiver cluster" is the same Quiver code with `
      + 'master quiver://… on a scheduler and 2 single-core worker processes on 127.0.0.1.',
    '',
    ...(r.workloads.some((w) => w.questions.some((q) => !q.metric)) ? [
      'Queries (groupby, join, tpch): the time covers computing the answer and materializing it the way db-benchmark does '
        + 'for that engine (DuckDB: CREATE TABLE ans AS; PySpark: persist + count; Dask: compute() to pandas; pandas: the '
        + 'result frame; Quiver: toArrow() on the driver). Before any time is reported, every engine\'s answer is compared '
        + 'with DuckDB\'s: the row count, and per checked column the sum of its defined values (1e-9 relative, 1e-12 '
        + 'absolute) and the count of its null/NaN values, which count alike (Spark gives NULL where DuckDB gives NaN). A '
        + 'mismatch or an error is a failure of the run. Engine-specific forms of the same question: PySpark q6 uses '
        + 'median(v3), Spark\'s exact percentile with linear interpolation (= DuckDB quantile_cont); stddev is the sample '
        + 'deviation everywhere, NULL/NaN for one-row groups. pandas and Dask compute q9\'s corr² from grouped sums (v1, v2 '
        + 'are small integers, so the sums are exact in float64); Dask q8 takes nlargest(2) per group, q6 its shuffle-based '
        + 'groupby median.',
      '',
    ] : []),
    ...(r.workloads.some((w) => w.questions.some((q) => q.metric)) ? [
      'Model fits (pipeline, lr): the time covers fitting every stage on the cached input\'s training rows, transforming the '
        + 'test rows and computing the metric, which is the answer, checked as its section states; a mismatch fails the '
        + 'run as a checksum mismatch does.',
      '',
    ] : []),
    '## Engines',
    '',
  ];
  const seen = new Map<string, { engine: string; version?: string; settings?: Record<string, unknown> }>();
  for (const w of r.workloads) for (const x of w.runs) if (!seen.has(x.engine)) seen.set(x.engine, x);
  lines.push(...enginesTable([...seen.values()]), '');
  for (const w of r.workloads) lines.push(...workloadSection(r, w), '');
  if (r.failures.length) {
    lines.push('## Failures', '', ...r.failures.map((f) => `- ${f.replaceAll('\n', ' ')}`), '');
  }
  lines.push('Full timings (every run, warm-ups), checksums and metrics are in the JSON file next to this one.', '');
  return lines.join('\n');
}

const COLORS: Record<string, string> = { 'Quiver cluster': '#9467bd', DuckDB: '#8c6d31', PySpark: '#e6550d', Dask: '#3182bd', pandas: '#31a354' };

function esc(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Horizontal bars of peer / Quiver per question, log scale, one panel per workload. */
export function renderSvg(r: Report): string {
  const peers = r.engines.filter((e) => e !== QUIVER && r.workloads.some((w) => w.runs.some((x) => x.engine === e)));
  const bar = 9, gap = 8, left = 190, width = 520, right = 70;
  const ratios = r.workloads.flatMap((w) => w.questions.flatMap((q) => peers.map((p) => ratio(q, p)))).filter((x): x is number => x !== undefined);
  const lo = Math.min(0.1, ...ratios.map((x) => 10 ** Math.floor(Math.log10(x))));
  const hi = Math.max(10, ...ratios.map((x) => 10 ** Math.ceil(Math.log10(x))));
  const xOf = (v: number) => left + (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) * width;
  const out: string[] = [];
  let y = 50;
  out.push(`<text x="${left}" y="22" font-size="14" font-weight="bold">Peer time / Quiver time, ${r.rows} rows `
    + `(log scale; right of 1 = Quiver faster)</text>`);
  peers.forEach((p, i) => {
    out.push(`<rect x="${left + i * 110}" y="30" width="10" height="10" fill="${COLORS[p] ?? '#777'}"/>`
      + `<text x="${left + i * 110 + 14}" y="39" font-size="11">${esc(p)}</text>`);
  });
  for (const w of r.workloads) {
    y += 16;
    out.push(`<text x="8" y="${y}" font-size="13" font-weight="bold">${esc(w.id)}</text>`);
    const top = y + 6;
    y += 10;
    for (const q of w.questions) {
      // Only the peers that answered this question (an error or a mismatch included): a pipeline has no DuckDB twin.
      const answered = peers.filter((p) => q.engines[p]);
      out.push(`<text x="${left - 6}" y="${y + (answered.length * bar) / 2 + 4}" font-size="11" text-anchor="end">${esc(`${q.id} ${q.name}`)}</text>`);
      for (const p of answered) {
        const v = ratio(q, p);
        if (v !== undefined) {
          const x0 = xOf(1), x1 = xOf(v);
          out.push(`<rect x="${Math.min(x0, x1).toFixed(1)}" y="${y}" width="${Math.abs(x1 - x0).toFixed(1)}" height="${bar - 1}" fill="${COLORS[p] ?? '#777'}"/>`
            + `<text x="${(Math.max(x0, x1) + 3).toFixed(1)}" y="${y + bar - 1}" font-size="9">${v.toFixed(2)}</text>`);
        } else {
          out.push(`<text x="${xOf(1) + 3}" y="${y + bar - 1}" font-size="9" fill="#c00">${esc(q.engines[p]!.mismatch ? 'mismatch' : 'error')} (${esc(p)})</text>`);
        }
        y += bar;
      }
      y += gap;
    }
    for (let d = lo; d <= hi * 1.0001; d *= 10) {
      out.push(`<line x1="${xOf(d).toFixed(1)}" y1="${top}" x2="${xOf(d).toFixed(1)}" y2="${y}" stroke="${d === 1 ? '#000' : '#ccc'}" stroke-width="${d === 1 ? 1.5 : 1}"/>`
        + `<text x="${xOf(d).toFixed(1)}" y="${y + 12}" font-size="10" text-anchor="middle">${d >= 1 ? d.toFixed(0) : String(+d.toPrecision(1))}×</text>`);
    }
    y += 20;
  }
  const height = y + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + right}" height="${height}" font-family="sans-serif">\n`
    + `<rect width="100%" height="100%" fill="#fff"/>\n${out.join('\n')}\n</svg>\n`;
}
