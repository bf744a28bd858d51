// The peers benchmark harness end to end at CI size (`--quick`: 1e5 rows, one timed run): it
// installs the peers (scripts/setup-peers.sh), generates G1, J1, TPC-H-like and the flight-delay-like
// pipeline data, runs Quiver (embedded, and as a scheduler + 2 worker processes), DuckDB, PySpark,
// Dask and pandas each in its own process, and every answer must agree with DuckDB's, every pipeline's
// AUC with that of the engine it was written for.
// Nothing here looks at the times: speed is judged from a full run's report, not in CI.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENGINE_NAMES, diffMetric, main, type Report } from './peers.ts';
import { WORKLOADS } from './workloads.ts';

describe('pnpm bench:peers --quick', () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'peers-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // PySpark's JVM start and query compilation dominate: about 2 minutes of the ~3 on 2 idle cores, and the
  // pipelines add ~1.5 (213 s in all measured under load 5-6, 309 s under load 7-9).
  it('runs every engine on groupby, join, TPC-H-like and the pipelines, all answers agree, and writes the report', async () => {
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
    expect(report.workloads.map((w) => w.id)).toEqual(['groupby', 'join', 'tpch', 'pipeline']);
    const md = readFileSync(join(dir, json.replace('.json', '.md')), 'utf8');
    expect(md).toContain('| q10 sum v3 count by id1:id6 |');
    expect(md).toContain('| q5 big inner on int |');
    expect(md).toContain('| q10 returned item reporting |');
    expect(md).toMatch(/\| spark-ml-lr MLlib encode, scale, LR \| [\d.]+, AUC 0\.\d{4} \|/);
    expect(md).toContain('dask-xgb within 0.005 of Dask\'s');
    expect(readFileSync(join(dir, json.replace('.json', '.svg')), 'utf8')).toMatch(/^<svg [^]*<\/svg>\n$/);
  }, 15 * 60_000);

  it('fails a pipeline whose AUC in any run is outside the tolerance of the reference', () => {
    const reference = { name: 'areaUnderROC', value: 0.655, runs: [0.655] };
    expect(diffMetric(reference, { name: 'areaUnderROC', value: 0.652, runs: [0.6575] }, 0.005)).toEqual([]);
    expect(diffMetric(reference, { name: 'areaUnderROC', value: 0.652, runs: [0.648] }, 0.005))
      .toEqual(['areaUnderROC 0.6480 vs 0.6550 (|Δ| > 0.005)']);
    expect(diffMetric(reference, { name: 'areaUnderROC', value: NaN, runs: [] }, 0.005)).toHaveLength(1);
  });
});
