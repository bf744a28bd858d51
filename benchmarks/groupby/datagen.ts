// db-benchmark "G1" groupby data generator (h2oai/db-benchmark _data/groupby-datagen.R,
// nas=0, sort=0). R's exact random stream is not reproduced; the column distributions are:
//   id1, id2 = sprintf("id%03d", sample(K, N, TRUE))      large groups (string)
//   id3      = sprintf("id%010d", sample(N/K, N, TRUE))   small groups (string)
//   id4, id5 = sample(K, N, TRUE)                          large groups (int)
//   id6      = sample(N/K, N, TRUE)                        small groups (int)
//   v1 = sample(5, N, TRUE), v2 = sample(15, N, TRUE)      ints
//   v3 = round(runif(N, max = 100), 6)                     double
// Columns are filled straight into typed arrays; string ids are Arrow dictionaries (the
// dictionary holds every possible label in sorted order, the indices are the samples), so
// nothing per row is ever a JS string or object.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  Dictionary, Float64, Int32, RecordBatch, Schema, Field, Struct, Table, Utf8,
  makeData, makeVector, tableToIPC, type Vector,
} from 'apache-arrow';
import {
  Compression, Table as WasmTable, WriterPropertiesBuilder, transformParquetStream,
} from 'parquet-wasm/node';

export const DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'data');
const BATCH_ROWS = 1 << 20; // ~1M rows: one Arrow batch == one Parquet row group
const SEED = 108; // the seed db-benchmark passes to set.seed()

/** xoshiro128** on four uint32 words: fast in JS (Math.imul), good enough statistically. */
class Xoshiro128 {
  private readonly s = new Uint32Array(4);
  constructor(seed: number) {
    // splitmix32 expands the seed so that small seeds do not give correlated starts.
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }
  nextU32(): number {
    const s = this.s;
    const r = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!; s[3]! ^= s[1]!; s[1]! ^= s[2]!; s[0]! ^= s[3]!;
    s[2]! ^= t; s[3] = rotl(s[3]!, 11);
    return r;
  }
}
function rotl(x: number, k: number): number { return (x << k) | (x >>> (32 - k)); }

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** Fills out[i] = base + uniform integer in [0, n); multiply-shift bias is < n / 2^32. */
function sampleInto(rng: Xoshiro128, out: Int32Array, n: number, base: number): void {
  for (let i = 0; i < out.length; i++) out[i] = base + Math.floor((rng.nextU32() * n) / TWO_POW_32);
}

/** round(runif(max = 100), 6): a 53-bit uniform double, scaled and rounded to 6 decimals. */
function runifRound6Into(rng: Xoshiro128, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) {
    const u = ((rng.nextU32() >>> 5) * 67108864 + (rng.nextU32() >>> 6)) / TWO_POW_53;
    out[i] = Math.round(u * 100 * 1e6) / 1e6;
  }
}

/** A Utf8 vector of sprintf(`id%0${width}d`, 1..count), built in one byte buffer. */
function labelDictionary(count: number, width: number): Vector<Utf8> {
  const len = 2 + Math.max(width, String(count).length);
  const offsets = new Int32Array(count + 1);
  const bytes = new Uint8Array(count * len);
  for (let v = 1, p = 0; v <= count; v++) {
    bytes[p++] = 0x69; bytes[p++] = 0x64; // "id"
    let rest = v;
    for (let d = len - 3; d >= 0; d--) { bytes[p + d] = 0x30 + (rest % 10); rest = Math.floor(rest / 10); }
    p += len - 2;
    offsets[v] = p;
  }
  return makeVector(makeData({ type: new Utf8(), length: count, valueOffsets: offsets, data: bytes }));
}

export interface G1Spec { rows: number; k: number }

/** db-benchmark's file naming: G1_<N>_<K>_<nas>_<sort>, with N and K like 1e7, 1e2. */
export function g1Name({ rows, k }: G1Spec): string {
  return `G1_${sci(rows)}_${sci(k)}_0_0`;
}
/** A row count as db-benchmark's file names and the reports' column heads write it: 1e6, 5e7 (or the digits when not a round power). */
export function sci(x: number): string {
  const e = Math.floor(Math.log10(x));
  const m = x / 10 ** e;
  return Number.isInteger(m) ? `${m}e${e}` : String(x);
}

/** Generates the G1 table in ~1M-row batches, one at a time. Deterministic for a given spec. */
export function* generateG1({ rows, k }: G1Spec): Generator<RecordBatch> {
  if (!Number.isInteger(rows) || !Number.isInteger(k) || rows <= 0 || k <= 0 || rows % k !== 0) {
    throw new Error(`G1 needs positive integers with K dividing N (got N=${rows}, K=${k})`);
  }
  const small = rows / k;
  const rng = new Xoshiro128(SEED);
  const fields = [
    new Field('id1', new Dictionary(new Utf8(), new Int32(), 0), false),
    new Field('id2', new Dictionary(new Utf8(), new Int32(), 1), false),
    new Field('id3', new Dictionary(new Utf8(), new Int32(), 2), false),
    new Field('id4', new Int32(), false), new Field('id5', new Int32(), false),
    new Field('id6', new Int32(), false),
    new Field('v1', new Int32(), false), new Field('v2', new Int32(), false),
    new Field('v3', new Float64(), false),
  ];
  const schema = new Schema(fields);
  // One dictionary vector per column, shared by every batch so the IPC stream carries it once.
  const largeDict = labelDictionary(k, 3);
  const smallDict = labelDictionary(small, 10);
  const dicts = [largeDict, largeDict, smallDict];
  for (let start = 0; start < rows; start += BATCH_ROWS) {
    const n = Math.min(BATCH_ROWS, rows - start);
    const cols = fields.map((f, i) => {
      if (i <= 2) {
        const idx = new Int32Array(n);
        sampleInto(rng, idx, i === 2 ? small : k, 0);
        return makeData({ type: f.type as Dictionary<Utf8, Int32>, length: n, data: idx, dictionary: dicts[i]! });
      }
      if (f.name === 'v3') {
        const v = new Float64Array(n);
        runifRound6Into(rng, v);
        return makeData({ type: new Float64(), length: n, data: v });
      }
      const v = new Int32Array(n);
      const range = f.name === 'id6' ? small : f.name === 'v1' ? 5 : f.name === 'v2' ? 15 : k;
      sampleInto(rng, v, range, 1);
      return makeData({ type: new Int32(), length: n, data: v });
    });
    const struct = makeData({ type: new Struct(fields), length: n, nullCount: 0, children: cols });
    yield new RecordBatch(schema, struct);
  }
}

/**
 * Writes the batches as zstd Parquet, one row group per batch, through parquet-wasm's streaming writer: one batch
 * at a time is in JS and wasm memory. writeParquet of the whole table needs table and file in wasm's 4 GiB at once,
 * which 5e7 rows (2 GB of table) overran.
 */
export async function writeG1Parquet(batches: Iterator<RecordBatch>, path: string): Promise<void> {
  const props = new WriterPropertiesBuilder()
    .setCompression(Compression.ZSTD)
    .setMaxRowGroupSize(BATCH_ROWS)
    .setCreatedBy('quiver benchmarks G1 datagen')
    .build();
  const wasmBatches = new ReadableStream({
    pull(controller) {
      const next = batches.next();
      if (next.done) return controller.close();
      // The table handle is freed now, not whenever its JS wrapper is collected; the batch shares its buffers.
      const table = WasmTable.fromIPCStream(tableToIPC(new Table([next.value]), 'stream'));
      controller.enqueue(table.recordBatch(0));
      table.free();
    },
  });
  mkdirSync(dirname(path), { recursive: true });
  // Write then rename so an interrupted run never leaves a truncated file in the cache.
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, Readable.fromWeb(await transformParquetStream(wasmBatches, props)));
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Path of the cached G1 Parquet file for `spec`, generating it first when missing. The
 * generator runs in a child process: the wasm writer's linear memory never shrinks, and it
 * must not stay resident in the process that then measures the engines.
 */
export function ensureG1Parquet(spec: G1Spec, log: (msg: string) => void = () => {}): string {
  const path = join(DATA_DIR, `${g1Name(spec)}.parquet`);
  if (existsSync(path)) return path;
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), String(spec.rows), String(spec.k), path],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  log(out.trim());
  return path;
}

if (import.meta.main) {
  // Child-process entry: node datagen.ts <rows> <k> <path>
  const [rows, k, path] = process.argv.slice(2);
  const spec = { rows: Number(rows), k: Number(k) };
  const t0 = performance.now();
  await writeG1Parquet(generateG1(spec), path!);
  console.log(`generated ${path}: ${spec.rows} rows in ${((performance.now() - t0) / 1000).toFixed(1)}s `
    + `(${(statSync(path!).size / 2 ** 20).toFixed(1)} MiB)`);
}
