// Piscina entry point of a worker: runs one task with core's task runner. Input blocks are asked of the
// worker's main thread over `port` as the operators need them (local ones are shared memory, remote ones
// are fetched by the main thread from the worker holding them); a kill arrives on the same port.
import type { MessagePort } from 'node:worker_threads';
import { decodeTask, runTask, toShared } from '@quiver/core/internal';

export interface ThreadRequest {
  readonly task: Uint8Array;
  /** Absent when the task reads no blocks and cannot be killed (it is not a barrier task). */
  readonly port: MessagePort | null;
}

export interface ThreadResponse {
  readonly outputs?: { blockId: string; reducePartition: number; rows: number; bytes: Uint8Array }[];
  readonly keySample?: Uint8Array | null;
  readonly functionResult?: Uint8Array;
  readonly error?: { name: string; message: string; stack: string };
}

export default async function runTaskThread({ task, port }: ThreadRequest): Promise<ThreadResponse> {
  let next = 0;
  const pending = new Map<number, { resolve: (b: Uint8Array[]) => void; reject: (e: Error) => void }>();
  const killed = new AbortController();
  port?.on('message', (m: { id: number; blocks?: Uint8Array[]; error?: string } | { kill: string }) => {
    if ('kill' in m) {
      killed.abort(Object.assign(new Error(m.kill), { name: 'TaskKilled' }));
      return;
    }
    const p = pending.get(m.id)!;
    pending.delete(m.id);
    if (m.blocks) p.resolve(m.blocks);
    else p.reject(Object.assign(new Error(m.error), { name: 'FetchFailed' }));
  });
  try {
    const t = decodeTask(task);
    const out = await runTask(t, (ids) => ids.length === 0 ? Promise.resolve([]) : new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      if (!port) throw new Error(`Task ${t.stageId}.${t.partition} reads blocks ${ids.join(', ')} that its TaskDefinition does not list`);
      port.postMessage({ id, ids });
    }), killed.signal);
    return {
      outputs: out.blocks.map((o) => ({ ...o, bytes: toShared(o.bytes) })),
      keySample: out.keySample,
      ...(out.functionResult ? { functionResult: out.functionResult } : {}),
    };
  } catch (e) {
    const err = e as Error;
    return { error: { name: err?.name ?? 'Error', message: err?.message ?? String(e), stack: err?.stack ?? '' } };
  } finally {
    port?.close();
  }
}
