// The driver's rendezvous for collective training. A barrier stage that fails is rerun as a whole, and a
// rerun cannot join the tracker of the attempt that failed (its group is broken), so the driver starts one
// tracker per attempt: each training task asks the broker for its attempt's tracker address over a local
// TCP line protocol ("<attempt>\n" -> JSON worker args), and the first ask of a new attempt replaces the
// previous attempt's tracker, freeing its port.
// A task that fails reports its error ("fail <attempt> <partition> <json message>\n") before it leaves the
// group: its partners fail after it (their collective calls break), and the scheduler may hear from them
// first, so the driver asks the broker which task failed first (causeOf) to name the cause.
import { type AddressInfo, createServer, type Server, connect } from 'node:net';
import { Tracker, type WorkerArgs } from './native.js';

export class TrackerBroker {
  private readonly trackers = new Map<number, Tracker>();
  private readonly failures = new Map<number, { partition: number; message: string }[]>();
  private latest = -1;
  private readonly server: Server;
  private readonly nWorkers: number;
  private readonly timeoutSeconds: number;

  private constructor(server: Server, nWorkers: number, timeoutSeconds: number) {
    this.server = server;
    this.nWorkers = nWorkers;
    this.timeoutSeconds = timeoutSeconds;
  }

  /** timeoutSeconds bounds each tracker's bootstrap and shutdown and each worker's collective calls (0: none). */
  static async start(nWorkers: number, opts: { host?: string; timeoutSeconds?: number } = {}): Promise<TrackerBroker> {
    const server = createServer();
    const broker = new TrackerBroker(server, nWorkers, opts.timeoutSeconds ?? 0);
    server.on('connection', (socket) => {
      let line = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        line += chunk;
        if (!line.includes('\n')) return;
        try {
          const fail = /^fail (\d+) (\d+) (.*)$/s.exec(line.trim());
          if (fail) {
            broker.recordFailure(Number(fail[1]), Number(fail[2]), String(JSON.parse(fail[3]!)));
            socket.end(JSON.stringify({ ok: true }) + '\n');
            return;
          }
          socket.end(JSON.stringify({ args: broker.argsFor(Number(line.trim())) }) + '\n');
        } catch (e) {
          socket.end(JSON.stringify({ error: (e as Error).message }) + '\n');
        }
      });
      socket.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, opts.host ?? '127.0.0.1', () => resolve());
    });
    return broker;
  }

  /** host:port that training tasks ask. */
  get address(): string {
    const a = this.server.address() as AddressInfo;
    return `${a.address}:${a.port}`;
  }

  private argsFor(attempt: number): WorkerArgs {
    if (!Number.isInteger(attempt) || attempt < 0) throw new Error(`bad attempt number ${attempt}`);
    if (attempt < this.latest) throw new Error(`attempt ${attempt} of the training stage is over (attempt ${this.latest} runs now)`);
    // A partner asking after a task of its attempt failed: refused (causeOf then names that task's error).
    const failed = this.failures.get(attempt)?.[0];
    if (failed) throw new Error(`attempt ${attempt} of the training stage already failed, in partition ${failed.partition}`);
    let t = this.trackers.get(attempt);
    if (!t) {
      for (const [a, old] of this.trackers) {
        old.free();
        this.trackers.delete(a);
      }
      t = Tracker.start(this.nWorkers, { timeoutSeconds: this.timeoutSeconds });
      this.trackers.set(attempt, t);
      this.latest = attempt;
    }
    return t.workerArgs;
  }

  /** A task of `attempt` failed: its tracker goes, so partners still waiting for the group fail now, not at the timeout. */
  private recordFailure(attempt: number, partition: number, message: string): void {
    const list = this.failures.get(attempt) ?? [];
    list.push({ partition, message });
    this.failures.set(attempt, list);
    this.trackers.get(attempt)?.free();
    this.trackers.delete(attempt);
  }

  /**
   * When `jobError` (what the job failed with) is the error of a training task of the latest attempt that
   * was not the first to fail, the first failure: the cause, which the partners' errors followed from.
   * Null when the job failed for another reason (too few slots, a lost worker) or already names the cause.
   */
  causeOf(jobError: string): { attempt: number; partition: number; message: string } | null {
    const list = this.failures.get(this.latest);
    if (!list?.length || jobError.includes(list[0]!.message)) return null;
    return list.some((f) => jobError.includes(f.message)) ? { attempt: this.latest, ...list[0]! } : null;
  }

  /** Waits for the attempt that succeeded to shut its tracker down. */
  async wait(): Promise<void> {
    await this.trackers.get(this.latest)?.wait();
  }

  /** Frees every tracker (and its port) and stops listening. */
  async close(): Promise<void> {
    for (const t of this.trackers.values()) t.free();
    this.trackers.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A training task's side: its attempt's tracker address from the driver's broker. */
export function askTracker(address: string, attempt: number): Promise<WorkerArgs> {
  const at = address.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address.slice(0, at), port: Number(address.slice(at + 1)) });
    let reply = '';
    socket.setEncoding('utf8');
    socket.setTimeout(60_000, () => socket.destroy(new Error(`the tracker broker at ${address} did not answer within 60 s`)));
    socket.on('connect', () => socket.write(`${attempt}\n`));
    socket.on('data', (c: string) => { reply += c; });
    socket.on('error', (e) => reject(new Error(`cannot reach the driver's tracker broker at ${address}: ${e.message}`)));
    socket.on('end', () => {
      try {
        const r = JSON.parse(reply) as { args?: WorkerArgs; error?: string };
        if (r.error) reject(new Error(`tracker broker: ${r.error}`));
        else resolve(r.args!);
      } catch {
        reject(new Error(`the tracker broker at ${address} sent no answer`));
      }
    });
  });
}

/**
 * A failing training task's report, sent before it leaves the group so that it reaches the broker before any
 * partner can fail because of it. Best effort: an unreachable broker only loses the report.
 */
export function reportFailure(address: string, attempt: number, partition: number, message: string): Promise<void> {
  const at = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const socket = connect({ host: address.slice(0, at), port: Number(address.slice(at + 1)) });
    socket.setTimeout(5_000, () => socket.destroy());
    socket.on('connect', () => socket.write(`fail ${attempt} ${partition} ${JSON.stringify(message)}\n`));
    socket.on('data', () => undefined);
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
  });
}
