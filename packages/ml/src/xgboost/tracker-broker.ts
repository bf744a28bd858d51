// The driver's rendezvous for collective training (the TrackerBroker service of proto/quiver.proto). A barrier
// stage that fails is rerun as a whole, and a rerun cannot join the tracker of the attempt that failed (its group
// is broken), so the driver starts one tracker per attempt: each training task asks the broker for its attempt's
// tracker, and the first ask of a new attempt replaces the previous attempt's tracker, freeing its port.
// A task that fails reports its error before it leaves the group: its partners fail after it (their collective
// calls break), and the scheduler may hear from them first, so the driver asks the broker which task failed
// first (causeOf) to name the cause.
import { grpc, makeClient, serviceDefinition, unary } from '@quiver/proto/grpc';
import { Tracker, type WorkerArgs } from './native.js';

type Obj = Record<string, any>;

export interface TrainingFailure {
  readonly attempt: number;
  readonly partition: number;
  /** The task had joined the group (so every partner had): they fail on their own, through their collective calls. */
  readonly joined: boolean;
  readonly message: string;
}

export class TrackerBroker {
  private readonly trackers = new Map<number, Tracker>();
  private readonly failures = new Map<number, { partition: number; message: string }[]>();
  private latest = -1;

  private constructor(private readonly server: grpc.Server, readonly address: string, private readonly nWorkers: number,
    private readonly timeoutSeconds: number) {}

  /** timeoutSeconds bounds each tracker's bootstrap and shutdown and each worker's collective calls (0: none). */
  static async start(nWorkers: number, opts: { host?: string; timeoutSeconds?: number } = {}): Promise<TrackerBroker> {
    const server = new grpc.Server();
    const host = opts.host ?? '127.0.0.1';
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:0`, grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    const broker = new TrackerBroker(server, `${host}:${port}`, nWorkers, opts.timeoutSeconds ?? 0);
    const refusing = (fn: (req: Obj) => Obj) => (call: grpc.ServerUnaryCall<Obj, Obj>, cb: grpc.sendUnaryData<Obj>) => {
      try {
        cb(null, fn(call.request));
      } catch (e) {
        cb({ code: grpc.status.FAILED_PRECONDITION, details: (e as Error).message });
      }
    };
    server.addService(serviceDefinition('TrackerBroker'), {
      JoinGroup: refusing((r) => {
        const args = broker.argsFor(r.attempt);
        return { host: args.dmlc_tracker_uri, port: args.dmlc_tracker_port, timeoutSeconds: args.dmlc_timeout ?? 0 };
      }),
      ReportFailure: refusing((r) => {
        broker.recordFailure(r as TrainingFailure);
        return {};
      }),
    });
    return broker;
  }

  private argsFor(attempt: number): WorkerArgs {
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

  /**
   * A task of `attempt` failed. Before the group formed, its tracker goes, so partners waiting for the group fail
   * now, not at the timeout. After, the tracker stays until the next attempt: the partners fail through their
   * collective calls, and leaving the group (finalize) says goodbye to the tracker, which must still be there.
   */
  private recordFailure(f: TrainingFailure): void {
    const list = this.failures.get(f.attempt) ?? [];
    list.push({ partition: f.partition, message: f.message });
    this.failures.set(f.attempt, list);
    if (f.joined) return;
    this.trackers.get(f.attempt)?.free();
    this.trackers.delete(f.attempt);
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

  /**
   * Frees every tracker (and its port) and stops serving. Not gracefully: the stage is over, so a call still
   * arriving (a killed task's late report) has nothing left to tell, and a graceful shutdown would wait for the
   * tasks' idle connections, which gRPC keeps open for a while after their clients close.
   */
  close(): void {
    for (const t of this.trackers.values()) t.free();
    this.trackers.clear();
    this.server.forceShutdown();
  }
}

/** A training task's side: its attempt's tracker, from the driver's broker. */
export async function askTracker(address: string, attempt: number): Promise<WorkerArgs> {
  const client = makeClient('TrackerBroker', address);
  try {
    const t = await unary<Obj>(client, 'JoinGroup', { attempt }, 60_000);
    return { dmlc_tracker_uri: t.host, dmlc_tracker_port: t.port, ...(t.timeoutSeconds ? { dmlc_timeout: t.timeoutSeconds } : {}) };
  } catch (e) {
    const err = e as grpc.ServiceError;
    if (err.code === grpc.status.FAILED_PRECONDITION) throw new Error(`tracker broker: ${err.details}`);
    throw new Error(`cannot reach the driver's tracker broker at ${address}: ${err.details ?? err.message}`);
  } finally {
    client.close();
  }
}

/**
 * A failing training task's report, sent before it leaves the group so that it reaches the broker before any
 * partner can fail because of it. Best effort: an unreachable broker only loses the report.
 */
export async function reportFailure(address: string, failure: TrainingFailure): Promise<void> {
  const client = makeClient('TrackerBroker', address);
  try {
    await unary(client, 'ReportFailure', failure, 5_000);
  } catch {
    // The driver is gone or slow: the scheduler still hears of the failure from the task's result.
  } finally {
    client.close();
  }
}
