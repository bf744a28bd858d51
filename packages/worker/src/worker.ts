import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { TaskResult, messageType } from '@quiver/proto';
import { blockServiceHandlers, fetchBlocks, grpc, makeClient, serviceDefinition, unary } from '@quiver/proto/grpc';
import { Piscina } from 'piscina';
import { pino, type Logger } from 'pino';
import { OutOfMemoryError, WorkerBlockStore } from './block-store.js';
import type { ThreadRequest, ThreadResponse } from './task-thread.js';

type Obj = Record<string, any>;

export interface WorkerOptions {
  scheduler: string;
  host?: string;
  port?: number;
  cores?: number;
  /** Bytes of blocks kept in memory; beyond it blocks spill to workDir. Each task thread's heap is capped at memory / cores. */
  memory?: number;
  workDir?: string;
  id?: string;
  logger?: Logger;
  /** Fault injection for tests: wait this long before running each task, and between the chunks this worker serves. */
  taskDelayMs?: number;
  chunkDelayMs?: number;
}

const TaskBlockLocations = messageType('TaskBlockLocations');
const MIN_THREAD_HEAP_MB = 64;

/**
 * A worker daemon: registers with the scheduler and heartbeats; runs each launched task on a piscina thread
 * with core's task runner; keeps the blocks tasks write and serves them to other workers and the driver.
 */
export class WorkerDaemon {
  readonly id: string;
  private readonly server = new grpc.Server({ 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 });
  private readonly scheduler: grpc.Client & Record<string, any>;
  private readonly peers = new Map<string, grpc.Client>();
  private readonly pool: Piscina;
  readonly store: WorkerBlockStore;
  private readonly log: Logger;
  private readonly cores: number;
  private readonly memory: number;
  private readonly threadHeapMb: number;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeatMs = 1000;
  private running = 0;
  private stopping = false;
  private draining = false;
  private readonly taskStreams = new Set<grpc.ServerDuplexStream<Buffer, Uint8Array>>();
  /** The ports of running tasks that can be killed, by `job/stage/attempt` (what KillTasks names). */
  private readonly killable = new Map<string, Set<MessagePort>>();
  address = '';

  constructor(private readonly options: WorkerOptions) {
    this.id = options.id ?? `worker-${randomUUID().slice(0, 8)}`;
    this.log = options.logger ?? pino({ name: 'quiver-worker', level: process.env.QUIVER_LOG_LEVEL ?? 'info', base: { worker: this.id, pid: process.pid } });
    this.cores = options.cores ?? 1;
    this.memory = options.memory ?? 8 * 2 ** 30;
    this.threadHeapMb = Math.max(MIN_THREAD_HEAP_MB, Math.floor(this.memory / this.cores / 2 ** 20));
    this.store = new WorkerBlockStore(this.memory, join(options.workDir ?? tmpdir(), `quiver-${this.id}`));
    this.scheduler = makeClient('Scheduler', options.scheduler);
    this.pool = new Piscina({
      filename: new URL('./task-thread.js', import.meta.url).href,
      minThreads: this.cores,
      maxThreads: this.cores,
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
      // Per-task timing histograms cost more than an empty task; nothing reads them.
      recordTiming: false,
      // A task that outgrows its share of --memory fails alone with ERR_WORKER_OUT_OF_MEMORY instead of killing the daemon.
      resourceLimits: { maxOldGenerationSizeMb: this.threadHeapMb },
    });
  }

  async start(): Promise<string> {
    this.server.addService(serviceDefinition('Worker', { rawRequests: ['TaskStream'] }), {
      TaskStream: (call: grpc.ServerDuplexStream<Buffer, Uint8Array>) => {
        let open = 0;
        let ended = false;
        this.taskStreams.add(call);
        call.on('close', () => this.taskStreams.delete(call));
        call.on('data', (task: Buffer) => {
          // Shutting down: tasks that arrive now are not run; the stream's end hands them back to the scheduler.
          if (this.draining) return;
          open++;
          this.launch(task).then(
            (r) => { if (!call.cancelled) call.write(withLaunchId(r.bytes, r.launchId)); },
            (e) => this.log.error({ error: (e as Error).message }, 'task launch failed'),
          ).finally(() => { if (--open === 0 && ended) call.end(); });
        });
        call.on('end', () => { ended = true; if (open === 0) call.end(); });
        call.on('error', () => {});
      },
      DropBlocks: (call: grpc.ServerUnaryCall<Obj, Obj>, cb: grpc.sendUnaryData<Obj>) => {
        const n = this.store.dropPrefix(call.request.prefix);
        this.log.debug({ prefix: call.request.prefix, blocks: n }, 'blocks dropped');
        cb(null, {});
      },
      KillTasks: (call: grpc.ServerUnaryCall<Obj, Obj>, cb: grpc.sendUnaryData<Obj>) => {
        const { jobId, stageId, attempt, reason } = call.request;
        const ports = this.killable.get(`${jobId}/${stageId}/${attempt}`) ?? new Set();
        for (const port of ports) port.postMessage({ kill: `Task of stage ${stageId} attempt ${attempt} killed: ${reason}` });
        this.log.info({ jobId, stageId, attempt, tasks: ports.size, reason }, 'tasks killed');
        cb(null, {});
      },
    });
    this.server.addService(serviceDefinition('BlockService'), blockServiceHandlers((id: string) => this.store.get(id), {
      chunkDelayMs: this.options.chunkDelayMs ?? 0,
      onFetch: (ids: readonly string[], peer: string) => this.log.debug({ blocks: ids.length, first: ids[0], peer }, 'serving blocks'),
    }));
    const host = this.options.host ?? '127.0.0.1';
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`${host}:${this.options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    this.address = `${host}:${port}`;
    await this.register();
    this.log.info({ address: this.address, scheduler: this.options.scheduler, cores: this.cores, memory: this.memory, workDir: this.store.dir }, 'worker started');
    return this.address;
  }

  /** Registers, retrying while the scheduler is unreachable; an explicit refusal (a duplicate id) is fatal. */
  private async register(): Promise<void> {
    for (let tries = 0; ; tries++) {
      try {
        const r = await unary<Obj>(this.scheduler, 'RegisterWorker', { workerId: this.id, address: this.address, cores: this.cores, memoryBytes: this.memory }, 5_000);
        this.heartbeatMs = r.heartbeatIntervalMs || 1000;
        this.scheduleHeartbeat();
        return;
      } catch (e) {
        const err = e as grpc.ServiceError;
        if (err.code !== grpc.status.UNAVAILABLE && err.code !== grpc.status.DEADLINE_EXCEEDED) throw new Error(`The scheduler refused worker '${this.id}': ${err.details ?? err.message}`);
        if (tries % 10 === 0) this.log.warn({ scheduler: this.options.scheduler, error: err.details }, 'scheduler unreachable; retrying');
        await new Promise((r) => setTimeout(r, 500));
        if (this.stopping) return;
      }
    }
  }

  private scheduleHeartbeat(): void {
    clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = setTimeout(() => void this.heartbeat(), this.heartbeatMs);
  }

  private async heartbeat(): Promise<void> {
    if (this.stopping) return;
    try {
      const r = await unary<Obj>(this.scheduler, 'Heartbeat', {
        workerId: this.id, runningTasks: this.running, memoryUsed: this.store.memoryUsed, spilledBytes: this.store.spilledBytes,
      }, this.heartbeatMs * 2);
      if (r.reregister) {
        // The scheduler restarted or declared this worker lost: its blocks are no one's any more.
        this.log.warn('scheduler does not know this worker; registering again');
        this.store.dropPrefix('');
        await this.register();
        return;
      }
    } catch (e) {
      this.log.warn({ error: (e as Error).message }, 'heartbeat failed');
    }
    if (!this.stopping) this.scheduleHeartbeat();
  }

  /** Runs one TaskDefinition (as bytes) and answers a TaskResult (as bytes); a task's own failure is in the result, not a stream error. */
  private async launch(taskBytes: Buffer): Promise<{ bytes: Uint8Array; launchId: number }> {
    const loc = TaskBlockLocations.toObject(TaskBlockLocations.decode(taskBytes), { longs: Number, defaults: true }) as Obj;
    return { bytes: await this.runLaunched(taskBytes, loc), launchId: loc.launchId };
  }

  private async runLaunched(taskBytes: Buffer, loc: Obj): Promise<Uint8Array> {
    const where = new Map<string, string>();
    for (const input of loc.inputs as Obj[]) for (const b of input.blocks as Obj[]) where.set(b.blockId, b.location);
    for (const b of loc.scanBlocks as Obj[]) where.set(b.blockId, b.location);
    const base = { jobId: loc.jobId, stageId: loc.stageId, partition: loc.partition };
    // A task that reads no blocks and cannot be killed gets no port: creating and transferring one costs more
    // than an empty task.
    const barrier = Boolean(loc.partitionFunction?.barrier);
    const { port1, port2 } = where.size || barrier ? new MessageChannel() : { port1: null, port2: null };
    const attemptKey = `${loc.jobId}/${loc.stageId}/${loc.attempt}`;
    if (barrier) {
      const ports = this.killable.get(attemptKey) ?? new Set();
      this.killable.set(attemptKey, ports.add(port1!));
    }
    let fetchFailure: { address: string; message: string } | null = null;
    port1?.on('message', (m: { id: number; ids: string[] }) => {
      this.blocksFor(m.ids, where).then(
        (blocks) => port1.postMessage({ id: m.id, blocks }),
        (e: Error & { address?: string }) => {
          fetchFailure ??= { address: e.address ?? '', message: e.message };
          port1.postMessage({ id: m.id, error: e.message });
        },
      );
    });
    this.running++;
    this.log.debug({ ...base, attempt: loc.attempt }, 'task started');
    let res: ThreadResponse;
    try {
      if (this.options.taskDelayMs) await new Promise((r) => setTimeout(r, this.options.taskDelayMs));
      // A copy: the request Buffer may be a view of a larger network buffer, which posting would clone whole.
      const req: ThreadRequest = { task: new Uint8Array(taskBytes), port: port2 };
      res = await this.pool.run(req, port2 ? { transferList: [port2] } : {});
    } catch (e) {
      const err = e as Error & { code?: string };
      res = err.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? { error: { name: 'OutOfMemoryError', message: `Task ${loc.stageId}.${loc.partition} ran out of memory: its thread may use ${this.threadHeapMb} MB (--memory / --cores, at least ${MIN_THREAD_HEAP_MB})`, stack: err.stack ?? '' } }
        : { error: { name: err.name, message: err.message, stack: err.stack ?? '' } };
    } finally {
      this.running--;
      port1?.close();
      const ports = this.killable.get(attemptKey);
      if (ports?.delete(port1!) && ports.size === 0) this.killable.delete(attemptKey);
    }
    if (res.error && fetchFailure) {
      const f = fetchFailure as { address: string; message: string };
      return encodeResult({ ...base, error: { name: 'FetchFailed', message: f.message, stack: f.address } });
    }
    if (res.error) {
      this.log.warn({ ...base, attempt: loc.attempt, error: res.error.message }, 'task failed');
      return encodeResult({ ...base, error: res.error });
    }
    try {
      for (const o of res.outputs!) if (this.store.put(o.blockId, o.bytes)) this.log.debug({ block: o.blockId, bytes: o.bytes.length }, 'block spilled');
    } catch (e) {
      for (const o of res.outputs!) this.store.delete(o.blockId);
      const err = e as Error;
      return encodeResult({ ...base, error: { name: err.name, message: err.message, stack: err.stack ?? '' } });
    }
    return encodeResult({
      ...base,
      outputs: res.outputs!.map((o) => ({ blockId: o.blockId, mapPartition: loc.partition, reducePartition: o.reducePartition, location: this.address, rows: o.rows, bytes: o.bytes.length })),
      rowsOut: res.outputs!.reduce((s, o) => s + o.rows, 0),
      keySample: res.keySample ?? new Uint8Array(0),
      functionResult: res.functionResult ?? new Uint8Array(0),
    });
  }

  /** A task's input blocks: from this worker's store, else fetched from their holders (one stream per holder, in parallel). */
  private async blocksFor(ids: readonly string[], where: ReadonlyMap<string, string>): Promise<Uint8Array[]> {
    const out: Uint8Array[] = new Array(ids.length);
    const remote = new Map<string, number[]>();
    ids.forEach((id, i) => {
      if (this.store.has(id)) out[i] = this.store.get(id);
      else {
        const at = where.get(id);
        if (!at) throw new Error(`Block ${id} has no known location`);
        remote.set(at, [...(remote.get(at) ?? []), i]);
      }
    });
    await Promise.all([...remote].map(async ([address, idx]) => {
      let blocks: Uint8Array[];
      try {
        blocks = await fetchBlocks(this.peer(address), idx.map((i) => ids[i]!));
      } catch (e) {
        throw Object.assign(new Error(`Cannot fetch ${idx.length} block(s) such as ${ids[idx[0]!]} from ${address}: ${(e as Error).message}`), { address });
      }
      idx.forEach((i, k) => { out[i] = blocks[k]!; });
    }));
    return out;
  }

  private peer(address: string): grpc.Client {
    let p = this.peers.get(address);
    if (!p) {
      p = makeClient('BlockService', address);
      this.peers.set(address, p);
    }
    return p;
  }

  /** SIGTERM: stop heartbeating, finish the running tasks (their results still reach the scheduler), then release everything. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.heartbeatTimer);
    this.log.info({ running: this.running }, 'worker stopping');
    // Running tasks finish and their results go out; then the task streams end, which tells the scheduler
    // this worker is gone (the streams never end on their own, so waiting for them would never return).
    this.draining = true;
    while (this.running > 0) await new Promise((r) => setTimeout(r, 20));
    for (const call of this.taskStreams) call.end();
    await new Promise<void>((resolve) => setTimeout(resolve, 50));
    this.server.forceShutdown();
    await this.pool.destroy();
    this.scheduler.close();
    for (const p of this.peers.values()) p.close();
    this.store.destroy();
    this.log.info('worker stopped');
  }
}

/** Appends TaskResult.launch_id (field 22, a varint) to an encoded TaskResult. */
function withLaunchId(result: Uint8Array, id: number): Uint8Array {
  const tail = [0xb0, 0x01];
  for (; id >= 0x80; id = Math.floor(id / 128)) tail.push((id & 0x7f) | 0x80);
  tail.push(id);
  const out = new Uint8Array(result.length + tail.length);
  out.set(result);
  out.set(tail, result.length);
  return out;
}

function encodeResult(o: Obj): Uint8Array {
  return TaskResult.encode(TaskResult.fromObject(o)).finish();
}

export { OutOfMemoryError };
