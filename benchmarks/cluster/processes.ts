// Starts bin/quiver scheduler and worker processes for the cluster benchmarks and stops them.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'quiver.mjs');

function start(args: string[], ready: (line: Record<string, any>) => boolean): Promise<{ child: ChildProcess; line: Record<string, any> }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, QUIVER_LOG_LEVEL: 'info' } });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`quiver ${args[0]} exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (text) => {
      try {
        const line = JSON.parse(text);
        if (ready(line)) resolve({ child, line });
      } catch { /* not a log line */ }
    });
  });
}

export interface BenchCluster {
  address: string;
  /** The scheduler's, then each worker's. */
  pids: number[];
  /** CPU seconds (user + system, all threads) used so far by the scheduler and worker processes. */
  cpuSeconds(): number;
  /** The same, per process, in the order of pids. */
  cpuSecondsEach(): number[];
  stop(): Promise<void>;
}

const CLOCK_TICKS = 100;

function processCpuSeconds(pid: number): number {
  // /proc/<pid>/stat: fields 14 and 15 (utime, stime) in clock ticks, after the parenthesised command name.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

export async function startCluster(workers: number, cores: number): Promise<BenchCluster> {
  const procs: ChildProcess[] = [];
  // SIGTERM, the daemons' clean shutdown (so a --cpu-prof run writes its profiles); SIGKILL after 5 s.
  const stop = async () => {
    await Promise.all(procs.filter((p) => p.exitCode === null).map((p) => new Promise<void>((resolve) => {
      p.removeAllListeners('exit');
      const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
      p.on('exit', () => { clearTimeout(timer); resolve(); });
      p.kill('SIGTERM');
    })));
  };
  try {
    const s = await start(['scheduler', '--port', '0'], (l) => l.msg === 'scheduler started');
    procs.push(s.child);
    const address = s.line.address as string;
    for (let i = 0; i < workers; i++) {
      const w = await start(['worker', '--scheduler', address, '--cores', String(cores), '--memory', '4g'], (l) => l.msg === 'worker started');
      procs.push(w.child);
    }
    return { address, stop, pids: procs.map((p) => p.pid!), cpuSeconds: () => procs.reduce((sum, p) => sum + processCpuSeconds(p.pid!), 0), cpuSecondsEach: () => procs.map((p) => processCpuSeconds(p.pid!)) };
  } catch (e) {
    await stop();
    throw e;
  }
}
