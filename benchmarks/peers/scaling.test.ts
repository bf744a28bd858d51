// The scaling report built from per-size reports, and its Markdown table; no engines run here.
import { describe, expect, it } from 'vitest';
import type { EngineAnswer, Report } from './peers.ts';
import { renderScalingMarkdown, scalingReport } from './scaling.ts';

const timing = (median: number, min = median, max = median) => ({ median, min, max, warmup: median, runs: [min, median, max] });

function report(rows: number, answers: Record<string, Record<string, EngineAnswer>>): Report {
  return {
    date: `2026-12-05T0${String(rows).length - 4}:00:00.000Z`, commit: 'abc1234', rows, sf: 1, reps: 3, threads: 2, quick: false,
    questions: 'groupby:q1', machine: { cpus: 2, cpuModel: 'CPU', memoryGiB: 24, platform: 'linux', python: 'Python 3.11', java: 'Java 17' },
    engines: ['Quiver', 'Dask'],
    workloads: [
      { id: 'groupby', description: `G1 ${rows} rows`, files: {}, questions: [{ id: 'q1', name: 'sum v1 by id1', engines: answers['q1']! }],
        runs: [{ engine: 'Quiver', version: '0.1.0', settings: { master: 'local[2]' }, wall: 1 }, { engine: 'Dask', version: '2026.8.0', wall: 1 }] },
      { id: 'lr', description: `LR on ${rows} rows`, files: {},
        questions: [{ id: 'fit', name: 'assemble, LR fit, test AUC', engines: answers['fit']! }], runs: [] },
    ],
    failures: [],
  };
}

const reports = [
  report(1e6, { q1: { Quiver: { timing: timing(0.1, 0.09, 0.12) }, Dask: { timing: timing(0.4) } },
    fit: { Quiver: { timing: timing(1), metric: { name: 'areaUnderROC', value: 0.80424, runs: [] } } } }),
  report(1e7, { q1: { Quiver: { timing: timing(0.8) }, Dask: { timing: timing(5) } },
    fit: { Quiver: { timing: timing(10), metric: { name: 'areaUnderROC', value: 0.80431, runs: [] } } } }),
  report(5e7, { q1: { Quiver: { timing: timing(4.5) }, Dask: { error: 'engine process failed: Dask process killed by SIGKILL (out of memory)' } },
    fit: { Quiver: { timing: timing(52), mismatch: ['areaUnderROC 0.7000 vs 0.8043 (|Δ| > 0.001)'] } } }),
];
reports[2]!.failures.push('groupby Dask: Dask process killed by SIGKILL');

describe('scaling report', () => {
  const s = scalingReport(reports, ['peers-1e6-a.md', 'peers-1e7-b.md', 'peers-5e7-c.md']);

  it('lines up every question and engine over the sizes, a failure in place of a time', () => {
    expect(s.sizes).toEqual([1e6, 1e7, 5e7]);
    expect(s.rows.map((r) => `${r.workload} ${r.question} ${r.engine}`)).toEqual(['groupby q1 Quiver', 'groupby q1 Dask', 'lr fit Quiver']);
    expect(s.rows[0]!.points).toEqual([
      { rows: 1e6, median: 0.1, min: 0.09, max: 0.12 }, { rows: 1e7, median: 0.8, min: 0.8, max: 0.8 }, { rows: 5e7, median: 4.5, min: 4.5, max: 4.5 },
    ]);
    expect(s.rows[1]!.points[2]).toEqual({ rows: 5e7, failure: 'engine process failed: Dask process killed by SIGKILL (out of memory)' });
    expect(s.rows[2]!.points[2]!.failure).toBe('mismatch: areaUnderROC 0.7000 vs 0.8043 (|Δ| > 0.001)');
    expect(s.rows[2]!.points[0]!.metric).toBe(0.80424);
    expect(s.engines.map((e) => e.engine)).toEqual(['Quiver', 'Dask']);
    expect(s.failures).toEqual(['5e7 rows: groupby Dask: Dask process killed by SIGKILL']);
  });

  it('shows each size\'s median, seconds per million rows and growth next to the row growth', () => {
    const md = renderScalingMarkdown(s);
    expect(md).toContain('Command: `pnpm bench:peers --rows 1e6,1e7,5e7 --reps 3 --only groupby,lr --questions groupby:q1`');
    expect(md).toContain('| engine | 1e6 rows | 1e7 rows (10× rows) | 5e7 rows (50× rows) |');
    expect(md).toContain('| Quiver | 0.100 (0.090–0.120) s; 0.100 s/M rows | 0.800 s; 0.080 s/M rows; 8.0× | 4.500 s; 0.090 s/M rows; 45.0× |');
    expect(md).toContain('| Dask | 0.400 s; 0.400 s/M rows | 5.000 s; 0.500 s/M rows; 12.5× | **engine process failed: Dask process killed by SIGKILL (out of memory)** |');
    expect(md).toContain('| Quiver | 1.000 s; 1.000 s/M rows; AUC 0.8042 | 10.000 s; 1.000 s/M rows; 10.0×; AUC 0.8043 | **mismatch: areaUnderROC 0.7000 vs 0.8043 (\\|Δ\\| > 0.001)** |');
    expect(md).toContain('| Quiver | 0.1.0 | master=local[2] |');
    expect(md).toContain('### fit assemble, LR fit, test AUC');
    expect(md).toContain('Machine: 2 × CPU, 24 GiB, linux; Python 3.11; Java 17.');
    expect(md).toContain('- 5e7 rows: groupby Dask: Dask process killed by SIGKILL');
  });
});
