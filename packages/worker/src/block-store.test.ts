import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerBlockStore, parseMemory } from './block-store.js';

const dirs: string[] = [];
const store = (limit: number) => {
  const dir = join(mkdtempSync(join(tmpdir(), 'quiver-store-')), 'blocks');
  dirs.push(dir);
  return new WorkerBlockStore(limit, dir);
};
afterEach(() => { for (const d of dirs.splice(0)) rmSync(join(d, '..'), { recursive: true, force: true }); });

describe('WorkerBlockStore', () => {
  it('keeps blocks in memory up to the limit and spills the rest to the work dir', () => {
    const s = store(100);
    s.put('a', new Uint8Array(60).fill(1));
    s.put('b', new Uint8Array(60).fill(2));
    expect(s.memoryUsed).toBe(60);
    expect(s.spilledBytes).toBe(60);
    expect(readdirSync(s.dir).length).toBe(1);
    expect(s.get('b')).toEqual(new Uint8Array(60).fill(2));
    expect(s.get('a')).toEqual(new Uint8Array(60).fill(1));
  });

  it('frees memory and spill files by prefix, and forgets everything on destroy', () => {
    const s = store(50);
    s.put('job1/x', new Uint8Array(40));
    s.put('job1/y', new Uint8Array(40));
    s.put('job2/z', new Uint8Array(5));
    expect(s.dropPrefix('job1/')).toBe(2);
    expect(s.memoryUsed).toBe(5);
    expect(s.spilledBytes).toBe(0);
    expect(readdirSync(s.dir)).toEqual([]);
    expect(() => s.get('job1/x')).toThrow('Block job1/x is not on this worker');
    s.destroy();
    expect(existsSync(s.dir)).toBe(false);
  });

  it('fails with OutOfMemoryError naming the block when it can neither keep nor spill it', () => {
    const s = store(10);
    rmSync(s.dir, { recursive: true });
    let err: Error | null = null;
    try { s.put('big', new Uint8Array(20)); } catch (e) { err = e as Error; }
    expect(err?.name).toBe('OutOfMemoryError');
    expect(err?.message).toMatch(/Block big \(20 bytes\) exceeds the worker's memory limit .* could not be spilled/);
  });
});

describe('parseMemory', () => {
  it('reads Spark-style sizes', () => {
    expect(parseMemory('8g')).toBe(8 * 2 ** 30);
    expect(parseMemory('512m')).toBe(512 * 2 ** 20);
    expect(parseMemory('64K')).toBe(65536);
    expect(parseMemory('1.5g')).toBe(1.5 * 2 ** 30);
    expect(parseMemory('1000')).toBe(1000);
    expect(() => parseMemory('lots')).toThrow("--memory: expected a size such as 8g, 512m or 1048576, got 'lots'");
  });
});
