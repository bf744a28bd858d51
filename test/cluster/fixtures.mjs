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

/**
 * A barrier rendezvous: each task marks its partition in the directory given as args, then waits (at most
 * 10 s) until every partition of the stage has marked, which only happens when all run at the same time.
 */
export async function rendezvous(part, args, ctx) {
  const { mkdirSync, readdirSync, writeFileSync } = await import('node:fs');
  const dir = new TextDecoder().decode(args);
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/p${ctx.partition}`, '');
  for (const t0 = Date.now(); readdirSync(dir).length < ctx.numPartitions;) {
    if (Date.now() - t0 > 10_000) throw new Error(`partition ${ctx.partition} waited 10 s for the other barrier tasks`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return new Uint8Array([ctx.partition]);
}

/** Holds ever more memory until the thread's heap limit stops it. */
export function exhaustMemory() {
  const hold = [];
  for (;;) hold.push(new Array(1 << 20).fill(hold.length));
}

/** Waits for a partner that never comes: ends only when the scheduler kills the task (or fails after 30 s). */
function untilKilled(ctx) {
  return new Promise((_, reject) => {
    const timer = setTimeout(() => reject(new Error(`partition ${ctx.partition} waited 30 s and was never killed`)), 30_000);
    ctx.signal.addEventListener('abort', () => { clearTimeout(timer); reject(ctx.signal.reason); }, { once: true });
  });
}

/** A barrier stage whose partition 0 fails after 200 ms on every attempt while its partners wait for it. */
export async function failsWhilePartnersWait(part, args, ctx) {
  if (ctx.partition !== 0) return untilKilled(ctx);
  await new Promise((r) => setTimeout(r, 200));
  throw new Error(`deliberate failure in partition 0, attempt ${ctx.attempt}`);
}

/** A barrier stage whose first attempt's tasks all wait for each other until killed; later attempts return their partition. */
export function waitsOnFirstAttempt(part, args, ctx) {
  return ctx.attempt === 0 ? untilKilled(ctx) : new Uint8Array([ctx.partition]);
}
