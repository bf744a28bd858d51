/**
 * Starts a real cluster for tests: `bin/quiver scheduler` and `bin/quiver worker` processes on 127.0.0.1 with
 * free ports, their JSON log lines kept for assertions. stop() kills every process it started.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'quiver.mjs');

export interface Proc {
  readonly child: ChildProcess;
  readonly logs: Record<string, any>[];
  /** Resolves with the first log line (already seen or future) matching `pred`. */
  waitFor(pred: (line: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
  exited: Promise<number | null>;
}

export function startProcess(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, QUIVER_LOG_LEVEL: 'debug', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, any>[] = [];
  const waiters: { pred: (l: Record<string, any>) => boolean; resolve: (l: Record<string, any>) => void }[] = [];
  const onLine = (text: string) => {
    let line: Record<string, any>;
    try { line = JSON.parse(text); } catch { line = { msg: text }; }
    logs.push(line);
    for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i]!.pred(line)) { waiters[i]!.resolve(line); waiters.splice(i, 1); }
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child, logs, exited,
    waitFor(pred, timeoutMs = 15_000) {
      const seen = logs.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching log line within ${timeoutMs} ms; last lines:\n${logs.slice(-8).map((l) => JSON.stringify(l)).join('\n')}`)), timeoutMs);
        waiters.push({ pred, resolve: (l) => { clearTimeout(timer); resolve(l); } });
      });
    },
  };
}

export interface ClusterOptions {
  workers?: number;
  cores?: number;
  heartbeatTimeoutMs?: number;
  workerEnv?: Record<string, string>;
  memory?: string;
}

export class TestCluster {
  readonly workers: Proc[] = [];
  /** The workers' --work-dir (spilled blocks), removed by stop(): killed workers cannot clean up after themselves. */
  private readonly workDir = mkdtempSync(join(tmpdir(), 'quiver-cluster-test-'));
  private constructor(readonly scheduler: Proc, readonly address: string, private readonly options: ClusterOptions) {}

  static async start(options: ClusterOptions = {}): Promise<TestCluster> {
    const scheduler = startProcess(['scheduler', '--port', '0', '--heartbeat-timeout', String(options.heartbeatTimeoutMs ?? 1500)]);
    const started = await scheduler.waitFor((l) => l.msg === 'scheduler started');
    const cluster = new TestCluster(scheduler, started.address, options);
    await Promise.all(Array.from({ length: options.workers ?? 3 }, () => cluster.addWorker()));
    return cluster;
  }

  get master(): string {
    return `quiver://${this.address}`;
  }

  async addWorker(extra: string[] = [], env: Record<string, string> = {}): Promise<Proc> {
    const w = startProcess(['worker', '--scheduler', this.address, '--cores', String(this.options.cores ?? 1), '--memory', this.options.memory ?? '512m', '--work-dir', this.workDir, ...extra], { ...this.options.workerEnv, ...env });
    this.workers.push(w);
    const started = await w.waitFor((l) => l.msg === 'worker started' || /refused|error/i.test(l.msg ?? ''));
    if (started.msg === 'worker started') await this.scheduler.waitFor((l) => l.msg === 'worker registered' && l.worker === started.worker);
    return w;
  }

  /** The worker that logged `pred` first, e.g. the one that started a task of a given stage. */
  async waitForWorker(pred: (line: Record<string, any>) => boolean, timeoutMs = 15_000): Promise<Proc> {
    return Promise.race(this.workers.map((w) => w.waitFor(pred, timeoutMs).then(() => w)));
  }

  async kill9(p: Proc): Promise<void> {
    p.child.kill('SIGKILL');
    await p.exited;
  }

  async stop(): Promise<void> {
    const all = [...this.workers, this.scheduler].filter((p) => p.child.exitCode === null && p.child.signalCode === null);
    for (const p of all) p.child.kill('SIGKILL');
    await Promise.all(all.map((p) => p.exited));
    rmSync(this.workDir, { recursive: true, force: true });
  }
}
