// Partition functions the cluster tests run on workers (imported there by absolute path).

/** Always fails, naming its partition, so the test can check the job reports this exact message. */
export function alwaysThrows(part, args, ctx) {
  throw new Error(`deliberate failure in partition ${ctx.partition}`);
}

/** The partition's row count as 8 little-endian bytes. */
export function countRows(part) {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, part.numRows, true);
  return out;
}

/** Column v times two, as a new column (mapPartitionsWith). */
export function doubleV(part) {
  const v = part.column('v');
  const values = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) values[i] = v.values[i] * 2;
  return [{ ...v, values }];
}
