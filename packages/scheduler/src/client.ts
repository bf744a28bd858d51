// The driver's side of a cluster, loaded by @quiver/core (dynamically, only for quiver:// masters) through the
// ClusterClient interface core declares: it submits stages to the scheduler, serves the driver's own blocks
// (in-memory tables, caches) to workers, and reads result blocks from workers.
import { blockServiceHandlers, fetchBlocks, grpc, makeClient, serviceDefinition, unary } from '@quiver/proto/grpc';

type Obj = Record<string, any>;

export interface StageSubmission {
  jobId: string;
  stageId: number;
  stage: Uint8Array;
  numTasks: number;
  dependsOn: number[];
  scanBlockIds: string[];
  partitionFunction?: Uint8Array;
  barrier?: boolean;
}

/** How long the driver waits for the scheduler to answer a control call (not a stage, which runs as long as it runs). */
const CONTROL_DEADLINE_MS = 10_000;

export class SchedulerUnavailableError extends Error {
  override name = 'SchedulerUnavailableError';
}

export class ClusterClient {
  private readonly peers = new Map<string, grpc.Client>();

  private constructor(
    readonly schedulerAddress: string,
    private readonly scheduler: grpc.Client & Record<string, any>,
    private readonly server: grpc.Server,
    readonly driverAddress: string,
  ) {}

  /** Connects to the scheduler (failing clearly when it does not answer) and starts the driver's block server. */
  static async connect(address: string, getBlock: (id: string) => Uint8Array, host = '127.0.0.1'): Promise<ClusterClient> {
    const scheduler = makeClient('Scheduler', address);
    try {
      await unary(scheduler, 'GetClusterInfo', {}, CONTROL_DEADLINE_MS);
    } catch (e) {
      scheduler.close();
      throw new SchedulerUnavailableError(`Cannot reach the Quiver scheduler at ${address}: ${(e as Error).message}`);
    }
    const server = new grpc.Server({ 'grpc.max_send_message_length': -1 });
    server.addService(serviceDefinition('BlockService'), blockServiceHandlers(getBlock));
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:0`, grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    return new ClusterClient(address, scheduler, server, `${host}:${port}`);
  }

  async totalCores(): Promise<number> {
    const info = await this.control<Obj>('GetClusterInfo', {});
    return info.totalCores;
  }

  /** Runs one stage; resolves with one TaskResult per partition (a failed job: one result carrying the error). */
  async runStage(s: StageSubmission): Promise<Obj[]> {
    await this.ready();
    return new Promise((resolve, reject) => {
      this.scheduler.RunStage({ ...s, driverAddress: this.driverAddress }, (err: grpc.ServiceError | null, res: Obj) => {
        if (!err) resolve(res.results);
        else if (err.code === grpc.status.UNAVAILABLE) reject(new SchedulerUnavailableError(`Lost the Quiver scheduler at ${this.schedulerAddress} while job '${s.jobId}' ran (it stopped or restarted): ${err.details}`));
        else reject(Object.assign(new Error(`Scheduler: ${err.details}`), { code: err.code }));
      });
    });
  }

  /**
   * Waits (boundedly) for the scheduler connection: after the scheduler restarts the channel sits in a
   * reconnect back-off, where a call would fail at once although the scheduler is back.
   */
  private async ready(): Promise<void> {
    if (this.scheduler.getChannel().getConnectivityState(true) === grpc.connectivityState.READY) return;
    await new Promise<void>((resolve, reject) => this.scheduler.waitForReady(Date.now() + CONTROL_DEADLINE_MS, (e) => (e
      ? reject(new SchedulerUnavailableError(`The Quiver scheduler at ${this.schedulerAddress} does not answer: ${e.message}`))
      : resolve())));
  }

  fetchBlocks(location: string, ids: readonly string[]): Promise<Uint8Array[]> {
    let peer = this.peers.get(location);
    if (!peer) {
      peer = makeClient('BlockService', location);
      this.peers.set(location, peer);
    }
    return fetchBlocks(peer, ids);
  }

  async closeJob(jobId: string): Promise<void> {
    await this.control('CloseJob', { jobId });
  }

  async cancelJob(jobId: string): Promise<void> {
    await this.control('CancelJob', { jobId });
  }

  async jobStatus(jobId: string): Promise<Obj> {
    return this.control('GetJobStatus', { jobId });
  }

  private async control<T>(method: string, req: Obj): Promise<T> {
    try {
      return await unary<T>(this.scheduler, method, req, CONTROL_DEADLINE_MS);
    } catch (e) {
      const err = e as grpc.ServiceError;
      if (err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED) {
        throw new SchedulerUnavailableError(`The Quiver scheduler at ${this.schedulerAddress} does not answer (${method}): ${err.details}`);
      }
      throw Object.assign(new Error(`Scheduler: ${err.details ?? err.message}`), { code: err.code });
    }
  }

  async close(): Promise<void> {
    this.scheduler.close();
    for (const p of this.peers.values()) p.close();
    this.server.forceShutdown();
  }
}

export const connectCluster = (address: string, getBlock: (id: string) => Uint8Array, host?: string): Promise<ClusterClient> =>
  ClusterClient.connect(address, getBlock, host);
