// The peers benchmark harness end to end at CI size (`--quick`: 1e5 rows, one timed run): it
// installs the peers (scripts/setup-peers.sh), generates G1 and J1, runs Quiver (embedded, and
// as a scheduler + 2 worker processes), DuckDB, PySpark, Dask and pandas each in its own process, and every answer must agree with DuckDB's.
// Nothing here looks at the times: speed is judged from a full run's report, not in CI.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type Report } from './peers.ts';
import { WORKLOADS } from './workloads.ts';

describe('pnpm bench:peers --quick', () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'peers-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // PySpark's JVM start and query compilation dominate: about 2 minutes of the ~3 on 2 cores.
  it('runs every engine on groupby, join and TPC-H-like, all answers agree with DuckDB, and writes the report', async () => {
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
      expect(w.questions.map((q) => q.id)).toEqual(WORKLOADS[w.id]!.questions.map((q) => q.id));
      for (const q of w.questions) {
        for (const e of report.engines) {
          const a = q.engines[e]!;
          expect(a.error ?? a.mismatch ?? 'ok', `${w.id} ${q.id} ${e}`).toBe('ok');
          expect(a.timing!.runs).toHaveLength(1);
          expect(a.checksum!.rows).toBe(q.engines['DuckDB']!.checksum!.rows);
        }
      }
      for (const run of w.runs) expect(run.load, `${w.id} ${run.engine} load time`).toBeGreaterThan(0);
    }
    expect(report.workloads.map((w) => w.id)).toEqual(['groupby', 'join', 'tpch']);
    const md = readFileSync(join(dir, json.replace('.json', '.md')), 'utf8');
    expect(md).toContain('| q10 sum v3 count by id1:id6 |');
    expect(md).toContain('| q5 big inner on int |');
    expect(md).toContain('| q10 returned item reporting |');
    expect(readFileSync(join(dir, json.replace('.json', '.svg')), 'utf8')).toMatch(/^<svg [^]*<\/svg>\n$/);
  }, 15 * 60_000);
});
