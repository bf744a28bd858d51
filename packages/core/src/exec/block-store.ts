import { toShared } from '../types/arrow.js';

/** Arrow IPC blocks held by the driver in local mode: shuffle outputs of running jobs, cached partitions, in-memory tables. */
export class BlockStore {
  private readonly blocks = new Map<string, Uint8Array>();

  put(id: string, bytes: Uint8Array): void {
    this.blocks.set(id, toShared(bytes));
  }

  get(id: string): Uint8Array {
    const b = this.blocks.get(id);
    if (!b) throw new Error(`Block ${id} is not in the block store`);
    return b;
  }

  delete(id: string): void {
    this.blocks.delete(id);
  }

  /** Frees every block whose id starts with `prefix` (a finished job, an unpersisted cache), except those in `keep`. */
  dropPrefix(prefix: string, keep: ReadonlySet<string> = new Set()): void {
    for (const id of this.blocks.keys()) if (id.startsWith(prefix) && !keep.has(id)) this.blocks.delete(id);
  }

  get size(): number {
    return this.blocks.size;
  }
}
