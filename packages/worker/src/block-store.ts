import { mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Raised when a block cannot be kept in memory or on disk. Not retried on this worker. */
export class OutOfMemoryError extends Error {
  override name = 'OutOfMemoryError';
}

/** '8g', '512m', '64k' or a byte count, as Spark's memory strings. */
export function parseMemory(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)b?$/i.exec(text.trim());
  if (!m) throw new Error(`--memory: expected a size such as 8g, 512m or 1048576, got '${text}'`);
  const scale = { '': 1, k: 1 << 10, m: 1 << 20, g: 1 << 30, t: 2 ** 40 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.floor(Number(m[1]) * scale);
}

interface Entry { bytes: Uint8Array | null; path: string | null; size: number }

/**
 * A worker's Arrow IPC blocks (shuffle outputs, cached partitions). Blocks live in shared memory up to
 * `limit` bytes; a block that does not fit goes to a file under `dir` and is read back when fetched.
 */
export class WorkerBlockStore {
  private readonly blocks = new Map<string, Entry>();
  memoryUsed = 0;
  spilledBytes = 0;
  private spills = 0;

  constructor(readonly limit: number, readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** Stores a block; true when it went to disk. */
  put(id: string, bytes: Uint8Array): boolean {
    this.delete(id);
    if (this.memoryUsed + bytes.length <= this.limit) {
      this.blocks.set(id, { bytes, path: null, size: bytes.length });
      this.memoryUsed += bytes.length;
      return false;
    }
    const path = join(this.dir, `block-${++this.spills}`);
    try {
      writeFileSync(path, bytes);
    } catch (e) {
      throw new OutOfMemoryError(`Block ${id} (${bytes.length} bytes) exceeds the worker's memory limit (${this.memoryUsed} of ${this.limit} bytes used) and could not be spilled to ${this.dir}: ${(e as Error).message}`);
    }
    this.blocks.set(id, { bytes: null, path, size: bytes.length });
    this.spilledBytes += bytes.length;
    return true;
  }

  has(id: string): boolean {
    return this.blocks.has(id);
  }

  get(id: string): Uint8Array {
    const e = this.blocks.get(id);
    if (!e) throw new Error(`Block ${id} is not on this worker`);
    if (e.bytes) return e.bytes;
    const b = readFileSync(e.path!);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }

  delete(id: string): void {
    const e = this.blocks.get(id);
    if (!e) return;
    this.blocks.delete(id);
    if (e.bytes) this.memoryUsed -= e.size;
    else {
      this.spilledBytes -= e.size;
      try { unlinkSync(e.path!); } catch { /* already gone with the work dir */ }
    }
  }

  dropPrefix(prefix: string): number {
    let n = 0;
    for (const id of [...this.blocks.keys()]) if (id.startsWith(prefix)) { this.delete(id); n++; }
    return n;
  }

  get size(): number {
    return this.blocks.size;
  }

  destroy(): void {
    this.blocks.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
