import { type Vec, concatVecs } from '../types/vec.js';
import { sparkMurmur3RowHashes } from './key-hash.js';
import { type SortKey, compareWordRows, sortWords } from './sort.js';

/**
 * Hash partition id per row: Spark's Murmur3 `hash(keys...)` (seed 42) taken modulo the partition
 * count, non-negative. Strings hash by their UTF-8 bytes, so ids do not depend on dictionaries,
 * batch boundaries or the process, and match the partition Spark itself would pick.
 */
export function hashPartitionIds(keys: readonly Vec[], numRows: number, numPartitions: number): Int32Array {
  const ids = sparkMurmur3RowHashes(keys, numRows);
  for (let i = 0; i < numRows; i++) {
    const m = ids[i]! % numPartitions;
    ids[i] = m < 0 ? m + numPartitions : m;
  }
  return ids;
}

/**
 * Range partition id per row: the number of boundaries the row sorts strictly after, as Spark's
 * RangePartitioner (a row equal to a boundary goes to the lower partition). Rows and boundaries
 * are encoded together so each binary-search step compares integers.
 */
export function rangePartitionIds(keys: readonly Vec[], numRows: number, boundaries: readonly Vec[], orders: readonly SortKey[]): Int32Array {
  const numBounds = boundaries.length ? boundaries[0]!.length : 0;
  const ids = new Int32Array(numRows);
  if (numBounds === 0 || numRows === 0) return ids;
  const combined = keys.map((key, k) => concatVecs(key.type.kind === 'null' ? boundaries[k]!.type : key.type, [key, boundaries[k]!]));
  const firstBound = keys.length ? keys[0]!.length : numRows;
  const words = sortWords(combined, orders, firstBound + numBounds);
  for (let row = 0; row < numRows; row++) {
    let lo = 0;
    let hi = numBounds;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareWordRows(words, row, firstBound + mid) > 0) lo = mid + 1;
      else hi = mid;
    }
    ids[row] = lo;
  }
  return ids;
}

/** Row indices of each partition, in row order (a counting sort by partition id). */
export function splitByPartition(partitionIds: Int32Array, numPartitions: number): Int32Array[] {
  const counts = new Int32Array(numPartitions);
  for (let i = 0; i < partitionIds.length; i++) counts[partitionIds[i]!]!++;
  const parts = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(numPartitions);
  for (let i = 0; i < partitionIds.length; i++) {
    const p = partitionIds[i]!;
    parts[p]![fill[p]!++] = i;
  }
  return parts;
}
