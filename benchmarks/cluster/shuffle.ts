// `pnpm bench shuffle [--blocks 16] [--block-mib 8] [--streams 4] [--reps 5]`
//
// Shuffle throughput across processes on loopback: a child process serves `blocks` blocks with the
// workers' BlockService handler (1 MiB chunks, back-pressure); this process reads all of them with the
// reducers' fetch client over `streams` parallel FetchBlocks streams, `reps` times. Reports MB/s
// (10^6 bytes) of the best rep. Target (issue 4): >= 500 MB/s.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { fetchBlocks, makeClient } from '@quiver/proto/grpc';

const TARGET_MB_S = 500;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { blocks: { type: 'string', default: '16' }, 'block-mib': { type: 'string', default: '8' }, streams: { type: 'string', default: '4' }, reps: { type: 'string', default: '5' } } });
  const blocks = Number(values.blocks);
  const mib = Number(values['block-mib']);
  const streams = Number(values.streams);
  const server = spawn(process.execPath, [join(import.meta.dirname, 'block-server.ts'), String(blocks), String(mib)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<string>((resolve, reject) => {
      server.on('exit', (code) => reject(new Error(`block server exited with ${code}`)));
      createInterface({ input: server.stdout! }).once('line', resolve);
    });
    const clients = Array.from({ length: streams }, () => makeClient('BlockService', `127.0.0.1:${port}`));
    const ids = Array.from({ length: blocks }, (_, i) => `b${i}`);
    const bytes = blocks * (mib << 20);
    const cpuSeconds = () => {
      const fields = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      const u = process.cpuUsage();
      return (Number(fields[11]) + Number(fields[12])) / 100 + (u.user + u.system) / 1e6;
    };
    const cpuPerGb: number[] = [];
    const rep = async () => {
      const cpu0 = cpuSeconds();
      const t0 = process.hrtime.bigint();
      const got = await Promise.all(clients.map((c, s) => fetchBlocks(c, ids.filter((_, i) => i % streams === s))));
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      const n = got.flat().reduce((sum, b) => sum + b.length, 0);
      if (n !== bytes) throw new Error(`fetched ${n} bytes, expected ${bytes}`);
      cpuPerGb.push((cpuSeconds() - cpu0) / (bytes / 1e9));
      return bytes / 1e6 / secs;
    };
    await rep();
    cpuPerGb.length = 0;
    const rates: number[] = [];
    for (let i = 0; i < Number(values.reps); i++) rates.push(await rep());
    for (const c of clients) c.close();
    const best = Math.max(...rates);
    console.log(`shuffle: ${blocks} blocks x ${mib} MiB over ${streams} streams, process to process on 127.0.0.1: ${rates.map((r) => r.toFixed(0)).join(', ')} MB/s`);
    console.log(`  best: ${best.toFixed(0)} MB/s (target >= ${TARGET_MB_S}) ${best >= TARGET_MB_S ? 'pass' : 'below target'}`);
    // CPU seconds per GB over both processes: moves less than wall time on a loaded machine; 1000 / (this / cores)
    // estimates the MB/s of an idle box with that many cores.
    console.log(`  CPU: ${Math.min(...cpuPerGb).toFixed(2)} s per GB, both processes (load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores)`);
    return best >= TARGET_MB_S ? 0 : 1;
  } finally {
    server.kill('SIGTERM');
  }
}
