// The peers benchmark harness end to end at CI size (`--quick`: 1e5 rows, one timed run): it
// installs the peers (scripts/setup-peers.sh), generates G1, J1, TPC-H-like, the flight-delay-like
// pipeline data and the LR data, runs Quiver (embedded, and as a scheduler + 2 worker processes), DuckDB,
// PySpark, Dask and pandas each in its own process, and every answer must agree with DuckDB's, every
// model fit's AUC with its reference engine's; then a two-size scaling run at tiny sizes.
// Nothing here looks at the times: speed is judged from a full run's report, not in CI.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENGINE_NAMES, diffMetric, main, parseQuestions, parseRows, type Report } from './peers.ts';
import type { ScalingReport } from './scaling.ts';
import { WORKLOADS } from './workloads.ts';

describe('pnpm bench:peers --quick', () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'peers-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // PySpark's JVM start and query compilation dominate: about 2 minutes of the ~3 on 2 idle cores, and the
  // pipelines add ~1.5 (213 s in all measured under load 5-6, 309 s under load 7-9), the LR fit ~0.5.
  it('runs every engine on groupby, join, TPC-H-like, the pipelines and the LR fit, all answers agree, and writes the report', async () => {
    const code = await main(['--quick', '--results-dir', dir]);
    const files = readdirSync(dir);
    const json = files.find((f) => f.endsWith('.json'))!;
    expect(files.sort()).toEqual([json, json.replace('.json', '.md'), json.replace('.json', '.svg')].sort());
    const report = JSON.parse(readFileSync(join(dir, json), 'utf8')) as Report;
    expect(report.failures).toEqual([]);
    expect(code).toBe(0);
    expect(report.rows).toBe(1e5);
    expect(report.engines).toEqual(['Quiver', 'Quiver cluster', 'DuckDB', 'PySpark', 'Dask', 'pandas']);
    for (const w of report.workloads) {
      const workload = WORKLOADS[w.id]!;
      expect(w.questions.map((q) => q.id)).toEqual(workload.questions.map((q) => q.id));
      for (const [i, q] of w.questions.entries()) {
        const answering = (workload.questions[i]!.engines ?? workload.engines).map((e) => ENGINE_NAMES[e]);
        expect(Object.keys(q.engines).sort(), `${w.id} ${q.id}`).toEqual([...answering].sort());
        for (const e of answering) {
          const a = q.engines[e]!;
          expect(a.error ?? a.mismatch ?? 'ok', `${w.id} ${q.id} ${e}`).toBe('ok');
          expect(a.timing!.runs).toHaveLength(1);
          if (q.metric) {
            expect(a.metric!.runs).toHaveLength(1);
            expect(a.metric!.value, `${w.id} ${q.id} ${e} AUC`).toBeGreaterThan(0.6); // the data has signal to find
          } else {
            expect(a.checksum!.rows).toBe(q.engines['DuckDB']!.checksum!.rows);
          }
        }
      }
      for (const run of w.runs) expect(run.load, `${w.id} ${run.engine} load time`).toBeGreaterThan(0);
    }
    expect(report.workloads.map((w) => w.id)).toEqual(['groupby', 'join', 'tpch', 'pipeline', 'lr']);
    const md = readFileSync(join(dir, json.replace('.json', '.md')), 'utf8');
    expect(md).toContain('| q10 sum v3 count by id1:id6 |');
    expect(md).toContain('| q5 big inner on int |');
    expect(md).toContain('| q10 returned item reporting |');
    expect(md).toMatch(/\| spark-ml-lr MLlib encode, scale, LR \| [\d.]+, AUC 0\.\d{4} \|/);
    expect(md).toContain('dask-xgb within 0.005 of Dask\'s');
    expect(md).toMatch(/\| fit assemble, LR fit, test AUC \| [\d.]+, AUC 0\.\d{4} \|/);
    expect(md).toContain('fit within 0.001 of PySpark\'s');
    expect(readFileSync(join(dir, json.replace('.json', '.svg')), 'utf8')).toMatch(/^<svg [^]*<\/svg>\n$/);
  }, 15 * 60_000);

  // Two sizes of one cheap question on the engines it needs: the scaling report, not the engines, is under test.
  it('runs each --rows size as its own report and writes the scaling report beside them', async () => {
    const out = join(dir, 'scaling');
    const code = await main(['--quick', '--rows', '1e4,1e5', '--only', 'groupby', '--questions', 'groupby:q1',
      '--engines', 'quiver,duckdb', '--results-dir', out]);
    expect(code).toBe(0);
    const files = readdirSync(out).sort();
    expect(files.filter((f) => f.startsWith('peers-1e4-'))).toHaveLength(3);
    expect(files.filter((f) => f.startsWith('peers-1e5-'))).toHaveLength(3);
    const json = files.find((f) => f.startsWith('scaling-') && f.endsWith('.json'))!;
    expect(files).toContain(json.replace('.json', '.md'));
    const s = JSON.parse(readFileSync(join(out, json), 'utf8')) as ScalingReport;
    expect(s.sizes).toEqual([1e4, 1e5]);
    expect(s.rows.map((r) => `${r.question} ${r.engine}`)).toEqual(['q1 Quiver', 'q1 DuckDB']);
    for (const r of s.rows) expect(r.points.map((p) => p.failure ?? p.median! > 0)).toEqual([true, true]);
    expect(s.failures).toEqual([]);
    const md = readFileSync(join(out, json.replace('.json', '.md')), 'utf8');
    expect(md).toContain('| engine | 1e4 rows | 1e5 rows (10× rows) |');
    expect(md).toMatch(/\| Quiver \| [\d.]+ s; [\d.]+ s\/M rows \| [\d.]+ s; [\d.]+ s\/M rows; [\d.]+× \|/);
  }, 5 * 60_000);

  it('reads --rows as one size or increasing sizes, and --questions as workload:question items', () => {
    expect(parseRows('1e7')).toEqual([1e7]);
    expect(parseRows('1e6, 1e7,5e7')).toEqual([1e6, 1e7, 5e7]);
    expect(() => parseRows('1e7,1e6')).toThrow(/must increase/);
    expect(() => parseRows('1e6,1500')).toThrow(/multiples of 1000/);
    const workloads = { groupby: { questions: [{ id: 'q1' }, { id: 'q3' }] }, lr: { questions: [{ id: 'fit' }] } };
    expect(parseQuestions(undefined, workloads)).toEqual(new Map());
    expect(parseQuestions('groupby:q1,groupby:q3', workloads)).toEqual(new Map([['groupby', new Set(['q1', 'q3'])]]));
    expect(() => parseQuestions('q1', workloads)).toThrow(/workload:question/);
    expect(() => parseQuestions('groupby:q2', workloads)).toThrow(/groupby has no question q2 \(known: q1, q3\)/);
  });

  it('fails a pipeline whose AUC in any run is outside the tolerance of the reference', () => {
    const reference = { name: 'areaUnderROC', value: 0.655, runs: [0.655] };
    expect(diffMetric(reference, { name: 'areaUnderROC', value: 0.652, runs: [0.6575] }, 0.005)).toEqual([]);
    expect(diffMetric(reference, { name: 'areaUnderROC', value: 0.652, runs: [0.648] }, 0.005))
      .toEqual(['areaUnderROC 0.6480 vs 0.6550 (|Δ| > 0.005)']);
    expect(diffMetric(reference, { name: 'areaUnderROC', value: NaN, runs: [] }, 0.005)).toHaveLength(1);
  });
});
