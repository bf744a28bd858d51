import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Params } from '../param/params.js';

/**
 * Spark ML's directory layout: `metadata/part-00000` is one JSON line (class, timestamp, uid, paramMap,
 * defaultParamMap), `data/part-00000.json` the learned state as JSON, `stages/<i>_<uid>/` a pipeline's stages.
 */

export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

export interface MLWritable extends Params<object> {
  saveData(): unknown;
  /** Extra directories a stage writes (a pipeline's stages). */
  saveChildren?(dir: string, overwrite: boolean): Promise<void>;
}

export interface Metadata {
  readonly class: string;
  readonly timestamp: number;
  readonly quiverVersion: string;
  readonly uid: string;
  readonly paramMap: Record<string, unknown>;
  readonly defaultParamMap: Record<string, unknown>;
  readonly [extra: string]: unknown;
}

const VERSION = '0.1.0';

export class MLWriter {
  private overwriteExisting = false;
  constructor(private readonly stage: MLWritable) {}

  overwrite(): this { this.overwriteExisting = true; return this; }

  /** Writes to a temporary sibling directory, then renames it over `path`: a failed save leaves no half model. */
  async save(path: string): Promise<void> {
    if (existsSync(path) && !this.overwriteExisting) {
      throw new ModelLoadError(`Path ${path} already exists; use write().overwrite().save(path) to replace it`);
    }
    const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
    rmSync(tmp, { recursive: true, force: true });
    try {
      await writeStage(this.stage, tmp, this.overwriteExisting);
      rmSync(path, { recursive: true, force: true });
      renameSync(tmp, path);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
  }
}

export async function writeStage(stage: MLWritable, dir: string, overwrite: boolean): Promise<void> {
  mkdirSync(join(dir, 'metadata'), { recursive: true });
  const metadata: Metadata = {
    class: stage.constructor.name, timestamp: Date.now(), quiverVersion: VERSION, uid: stage.uid, ...stage.paramMapJson(),
  };
  writeFileSync(join(dir, 'metadata', 'part-00000'), JSON.stringify(metadata) + '\n');
  const data = stage.saveData();
  if (data !== null && data !== undefined) {
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(join(dir, 'data', 'part-00000.json'), JSON.stringify(data, jsonReplacer) + '\n');
  }
  if (stage.saveChildren) await stage.saveChildren(dir, overwrite);
}

/** Typed arrays are written as plain arrays; non-finite numbers as strings so JSON keeps them. */
function jsonReplacer(_k: string, v: unknown): unknown {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>, finite);
  if (typeof v === 'number') return finite(v);
  return v;
}
const finite = (x: number): number | string => (Number.isFinite(x) ? x : String(x));

/** Reads JSON numbers written by jsonReplacer back (NaN, Infinity, -Infinity). */
export function toNumber(x: unknown): number {
  if (typeof x === 'number') return x;
  if (x === 'NaN' || x === 'Infinity' || x === '-Infinity') return Number(x);
  throw new TypeError(`expected a number, got ${JSON.stringify(x)}`);
}

/** A stage's metadata, checked: a missing or corrupt model is a clear error naming the path. */
export function readMetadata(dir: string, expectedClass?: string): Metadata {
  const file = join(dir, 'metadata', 'part-00000');
  if (!existsSync(dir)) throw new ModelLoadError(`No model at ${dir}: the directory does not exist`);
  if (!existsSync(file)) throw new ModelLoadError(`${dir} is not a saved model: ${file} is missing`);
  let m: Metadata;
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as Metadata;
  } catch (e) {
    throw new ModelLoadError(`${file} is corrupt: ${(e as Error).message}`);
  }
  if (!m || typeof m !== 'object' || typeof m.class !== 'string' || typeof m.uid !== 'string') {
    throw new ModelLoadError(`${file} is corrupt: it has no class or uid`);
  }
  if (expectedClass && m.class !== expectedClass) {
    throw new ModelLoadError(`${dir} holds a ${m.class}, not a ${expectedClass}`);
  }
  return m;
}

export function readData<T>(dir: string): T {
  const file = join(dir, 'data', 'part-00000.json');
  if (!existsSync(file)) throw new ModelLoadError(`${dir} is incomplete: ${file} is missing`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new ModelLoadError(`${file} is corrupt: ${(e as Error).message}`);
  }
}

/** Applies saved params to a new instance; an unknown param or bad value is a load error naming the file. */
export function applyParams<S extends Params<object>>(stage: S, m: Metadata, dir: string): S {
  try {
    stage.uid = m.uid;
    for (const [k, v] of Object.entries(m.paramMap ?? {})) if (stage.hasParam(k)) (stage as Params<Record<string, unknown>>).set(k, v);
  } catch (e) {
    throw new ModelLoadError(`${join(dir, 'metadata', 'part-00000')} is corrupt: ${(e as Error).message}`);
  }
  return stage;
}

type Loader = (dir: string, m: Metadata) => Promise<MLWritable> | MLWritable;
const loaders = new Map<string, Loader>();

/** Stages register how they load, so a pipeline can load its stages by class name. */
export function registerLoader(className: string, loader: Loader): void { loaders.set(className, loader); }

export async function loadStage(dir: string): Promise<MLWritable> {
  const m = readMetadata(dir);
  const loader = loaders.get(m.class);
  if (!loader) throw new ModelLoadError(`${dir} holds a ${m.class}, which this build cannot load (known: ${[...loaders.keys()].sort().join(', ')})`);
  try {
    return await loader(dir, m);
  } catch (e) {
    if (e instanceof ModelLoadError) throw e;
    throw new ModelLoadError(`${dir} (${m.class}) is corrupt: ${(e as Error).message}`);
  }
}

/** `stages/<i>_<uid>` directories in stage order. */
export function stageDirs(dir: string): string[] {
  const root = join(dir, 'stages');
  if (!existsSync(root)) throw new ModelLoadError(`${dir} is incomplete: ${root} is missing`);
  return readdirSync(root).filter((d) => /^\d+_/.test(d)).sort((a, b) => parseInt(a, 10) - parseInt(b, 10)).map((d) => join(root, d));
}
