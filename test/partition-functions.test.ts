/** DataFrame.runPartitions / mapPartitionsWith: partition functions run on the local pool by module specifier. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Float64Type, Schema, Session, VectorType, col, field } from '@quiver/core';

const MODULE = new URL('./fixtures/partition-functions.mjs', import.meta.url).href;
let spark: Session;

beforeAll(async () => {
  spark = await Session.builder().master('local[2]').getOrCreate();
});
afterAll(async () => { await spark.stop(); });

const f64 = (b: Uint8Array) => new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

function numbers(n: number, parts: number) {
  return spark.createDataFrame(Array.from({ length: n }, (_, i) => ({ x: i + 0.5 }))).repartition(parts);
}

describe('runPartitions', () => {
  it('returns one result per partition, in partition order, with args and context', async () => {
    const df = numbers(1000, 3);
    const args = new Uint8Array(new Float64Array([2]).buffer);
    const results = (await df.runPartitions({ module: MODULE, fn: 'sumX', args })).map(f64);
    expect(results.length).toBe(3);
    expect(results.map((r) => r[2])).toEqual([0, 1, 2]);
    expect(results.every((r) => r[3] === 3 && r[4] === 0)).toBe(true);
    expect(results.reduce((s, r) => s + r[1]!, 0)).toBe(1000);
    expect(results.reduce((s, r) => s + r[0]!, 0)).toBeCloseTo(2 * (1000 * 999) / 2 + 1000, 6);
  });

  it('gives a cached DataFrame the same cache keys on every call, and distinct keys per partition', async () => {
    const df = numbers(500, 2).cache();
    const keys1 = (await df.runPartitions({ module: MODULE, fn: 'cacheKey' })).map((b) => new TextDecoder().decode(b));
    const keys2 = (await df.runPartitions({ module: MODULE, fn: 'cacheKey' })).map((b) => new TextDecoder().decode(b));
    expect(keys1).toEqual(keys2);
    expect(new Set(keys1).size).toBe(2);
    const other = (await df.filter(col('x').gt(10)).runPartitions({ module: MODULE, fn: 'cacheKey' })).map((b) => new TextDecoder().decode(b));
    expect(other[0]).not.toBe(keys1[0]);
  });

  it('sees the partitions a cached repartition(n) asked for, also fewer than the slots, as in Spark', async () => {
    const df = numbers(1000, 1).cache();
    await df.count();
    const results = (await df.runPartitions({ module: MODULE, fn: 'sumX' })).map(f64);
    expect(results.map((r) => r[1])).toEqual([1000]);
  });

  it('runs on empty partitions too', async () => {
    const df = numbers(10, 2).filter(col('x').gt(1e9));
    const results = (await df.runPartitions({ module: MODULE, fn: 'sumX' })).map(f64);
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((r) => r[0] === 0 && r[1] === 0)).toBe(true);
  });

  it('reaches the await with the worker error message and stack', async () => {
    const err = await numbers(10, 1).runPartitions({ module: MODULE, fn: 'fails' }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('deliberate failure in a partition function');
    expect((err as Error).stack).toContain('partition-functions.mjs');
  });

  it('retries a failed task like any other task', async () => {
    const results = await numbers(10, 2).runPartitions({ module: MODULE, fn: 'failsFirstAttempt' });
    expect(results.map((r) => r[0])).toEqual([1, 1]);
  });

  it('names a missing module or export', async () => {
    await expect(numbers(10, 1).runPartitions({ module: MODULE, fn: 'nope' })).rejects.toThrow(/has no exported function 'nope'/);
    await expect(numbers(10, 1).runPartitions({ module: MODULE, fn: 'notAFunction' })).rejects.toThrow(/notAFunction/);
    await expect(numbers(10, 1).runPartitions({ module: '/no/such/module.mjs', fn: 'f' })).rejects.toThrow(/cannot be imported/);
  });

  it('barrier: runs when every partition has a slot, else a clear error', async () => {
    const ok = await numbers(100, 2).runPartitions({ module: MODULE, fn: 'sumX', barrier: true });
    expect(ok.length).toBe(2);
    await expect(numbers(100, 3).runPartitions({ module: MODULE, fn: 'sumX', barrier: true })).rejects.toThrow(/barrier partition function needs all 3 partitions.*2 task slots/);
  });

  it('barrier: a failed task reruns the whole stage with the next attempt number, as on a cluster', async () => {
    // Each attempt is one collective group: a rerun of the failed task alone would join a group nobody else is in.
    const out = await numbers(100, 2).runPartitions({ module: MODULE, fn: 'partitionOneFailsFirstAttempt', barrier: true });
    expect(out.map((b) => Array.from(b))).toEqual([[0, 1], [1, 1]]);
    // A task that fails every attempt fails the job after 4 whole-stage attempts with its own error.
    await expect(numbers(100, 2).runPartitions({ module: MODULE, fn: 'fails', barrier: true })).rejects.toThrow(/^Task \d+\.\d failed: deliberate failure in a partition function/);
  });

  it('hands vector columns to the function as one Float64Array', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => ({ v: Float64Array.of(i, 1, -i) }));
    const df = spark.createDataFrame(rows).repartition(2);
    const sums = (await df.runPartitions({ module: MODULE, fn: 'sumVectors' })).map(f64);
    const total = sums.reduce((a, s) => a.map((x, k) => x + s[k]!), [0, 0, 0]);
    expect(total).toEqual([(299 * 300) / 2, 300, -(299 * 300) / 2]);
  });
});

describe('mapPartitionsWith', () => {
  it('appends the computed columns, keeping every input row, and the result can be queried further', async () => {
    const df = numbers(200, 3);
    const out = await df.mapPartitionsWith({
      module: MODULE, fn: 'addColumns',
      outputSchema: new Schema([field('y', Float64Type), field('v', VectorType(2))]),
    });
    expect(out.columns).toEqual(['x', 'y', 'v']);
    expect(out.schema.field('v').type).toEqual({ kind: 'vector', size: 2, sparse: false });
    const rows = await out.filter(col('x').lt(3)).orderBy('x').collect();
    expect(rows.map((r) => r.y)).toEqual([1, 3, 5]);
    expect(Array.from(rows[1]!.v as Float64Array)).toEqual([1.5, -1.5]);
    expect(await out.count()).toBe(200);
  });

  it('rejects columns that do not match the declared schema', async () => {
    const bad = numbers(20, 1).mapPartitionsWith({ module: MODULE, fn: 'addColumns', outputSchema: new Schema([field('y', Float64Type)]) });
    await expect(bad).rejects.toThrow(/must return 1 columns/);
  });

  it('once unpersisted, a DataFrame still reading its rows fails clearly instead of finding none', async () => {
    const out = await numbers(50, 2).mapPartitionsWith({
      module: MODULE, fn: 'addColumns',
      outputSchema: new Schema([field('y', Float64Type), field('v', VectorType(2))]),
    });
    const derived = out.filter(col('x').lt(10));
    expect(await derived.count()).toBe(10);
    out.unpersist();
    await expect(derived.count()).rejects.toThrow(/output of a mapPartitionsWith .* that unpersist\(\) freed/);
  });
});
