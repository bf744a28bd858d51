// Typed surface over the libxgboost addon (packages/ml/native). Everything slow returns a promise and
// runs off the JS thread. A Lane is one dedicated OS thread: libxgboost keeps the collective
// communicator per thread, so a distributed task runs all of its calls on one lane.
import { createRequire } from 'node:module';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TCP_CLOSE_WAIT, TCP_ESTABLISHED, socketFds, tcpSockets } from './proc-sockets.js';

type Opaque = { readonly __opaque: unique symbol };
type TypedArray =
  | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array;
type Logged = { log?: string[] } | undefined;

interface Addon {
  load(path: string): { path: string; version: [number, number, number] };
  createLane(): Opaque;
  closeLane(lane: Opaque): void;
  dmatrixFromDense(data: TypedArray, nrow: number, ncol: number, missing: number, nthread: number, lane?: Opaque): Promise<Opaque>;
  dmatrixFromColumns(columns: TypedArray[], missing: number, nthread: number, lane?: Opaque): Promise<Opaque>;
  dmatrixSetInfo(dm: Opaque, field: string, values: TypedArray, ncol?: number): void;
  setStrInfo(dmOrBooster: Opaque, field: string, values: string[]): void;
  dmatrixShape(dm: Opaque): [number, number, number];
  free(handle: Opaque): void;
  boosterCreate(cache: Opaque[]): Opaque;
  boosterSetParam(b: Opaque, name: string, value: string): void;
  boosterUpdateOneIter(b: Opaque, iter: number, dtrain: Opaque, lane?: Opaque): Promise<Logged>;
  boosterEvalOneIter(b: Opaque, iter: number, dms: Opaque[], names: string[], lane?: Opaque): Promise<string>;
  boosterPredict(b: Opaque, dm: Opaque, config: string, lane?: Opaque): Promise<{ shape: number[]; values: Float32Array }>;
  boosterSaveModel(b: Opaque, format: 'json' | 'ubj', lane?: Opaque): Promise<Uint8Array>;
  boosterLoadModel(b: Opaque, bytes: Uint8Array, lane?: Opaque): Promise<Logged>;
  boosterFeatureScore(b: Opaque, config: string, lane?: Opaque): Promise<{ features: string[]; shape: number[]; scores: Float32Array }>;
  boosterInfo(b: Opaque): { rounds: number; numFeatures: number; config: string };
  communicatorInit(config: string, lane: Opaque): Promise<{ rank: number; worldSize: number }>;
  communicatorFinalize(lane: Opaque): Promise<Logged>;
  trackerCreate(config: string): Opaque;
  trackerRun(t: Opaque): string;
  trackerWaitFor(t: Opaque, timeoutSeconds: number, lane?: Opaque): Promise<Logged>;
  failSocket(fd: number): boolean;
}

const here = dirname(fileURLToPath(import.meta.url));
// src/xgboost and dist/xgboost sit at the same depth under packages/ml.
const ADDON_PATH = resolve(here, '../../native/build/Release/quiver_xgboost.node');
const INSTALL_HINT =
  'run ./scripts/setup.sh (it installs the xgboost-cpu wheel into .venv), or set QUIVER_XGBOOST_LIB to a libxgboost.so of version 2.1 or newer';

let addon: Addon | undefined;
let library: XGBoostLibrary | undefined;

export interface XGBoostLibrary {
  path: string;
  version: [number, number, number];
}

/** libxgboost's path: QUIVER_XGBOOST_LIB, else the project venv's wheel, else the system's libxgboost.so. */
export function findLibXGBoost(env: NodeJS.ProcessEnv = process.env): string {
  if (env.QUIVER_XGBOOST_LIB) {
    if (!existsSync(env.QUIVER_XGBOOST_LIB)) {
      throw new Error(`QUIVER_XGBOOST_LIB=${env.QUIVER_XGBOOST_LIB} does not exist; ${INSTALL_HINT}`);
    }
    return env.QUIVER_XGBOOST_LIB;
  }
  for (const start of [here, process.cwd()]) {
    for (let dir = start; ; dir = dirname(dir)) {
      const lib = join(dir, '.venv', 'lib');
      if (existsSync(lib)) {
        for (const py of readdirSync(lib).filter((d) => d.startsWith('python3')).sort().reverse()) {
          const so = join(lib, py, 'site-packages', 'xgboost', 'lib', 'libxgboost.so');
          if (existsSync(so)) return so;
        }
      }
      if (dirname(dir) === dir) break;
    }
  }
  return 'libxgboost.so';
}

/** Loads the addon and libxgboost (once per thread); a missing or too-old library throws with how to install it. */
export function loadXGBoost(): XGBoostLibrary {
  if (library) return library;
  if (!existsSync(ADDON_PATH)) {
    throw new Error(`the XGBoost addon is not built (${ADDON_PATH}); run ./scripts/setup.sh`);
  }
  addon = createRequire(import.meta.url)(ADDON_PATH) as Addon;
  library = addon.load(findLibXGBoost());
  return library;
}

function x(): Addon {
  if (!addon) loadXGBoost();
  return addon!;
}

/** A dedicated OS thread for native calls; close it when its work is done. */
export class Lane {
  readonly handle: Opaque = x().createLane();
  /** Inodes of the TCP sockets that appeared while this lane joined a group: its links to the partners. */
  private groupSockets = new Set<string>();

  close(): void {
    x().closeLane(this.handle);
  }

  /** Called around communicatorInit: the sockets that exist after it and did not before are the group's. */
  recordGroupSockets(before: ReadonlySet<string>): void {
    this.groupSockets = new Set([...socketFds().keys()].filter((inode) => !before.has(inode)));
  }

  /**
   * Fails this lane's connections to its partners, so that a collective call waiting on any of them errors at
   * once. For a group that lost a member: libxgboost waits on the partners it has left until its timeout (they
   * wait on each other for what the lost one would have relayed), and spins on a link the lost one closed
   * (see the addon's failSocket). Listening sockets are left alone. Returns how many links it failed.
   */
  failGroupLinks(): number {
    const tcp = tcpSockets();
    const connected = (inode: string) => [TCP_ESTABLISHED, TCP_CLOSE_WAIT].includes(tcp.get(inode)?.state ?? '');
    let failed = 0;
    for (const [inode, fd] of socketFds()) {
      if (this.groupSockets.has(inode) && connected(inode) && x().failSocket(fd)) {
        this.groupSockets.delete(inode);
        failed++;
      }
    }
    return failed;
  }
}

export interface MatrixOptions {
  /** The value that marks a missing entry (NaN entries are always missing). Default NaN. */
  missing?: number;
  /** Threads XGBoost may use to build the matrix; 0 = all. */
  nthread?: number;
  lane?: Lane;
}

export class DMatrix {
  private handle_: Opaque | undefined;
  private constructor(handle: Opaque) {
    this.handle_ = handle;
  }

  /** A row-major nrow × ncol matrix (e.g. a vector column's flat values), read in place while building. */
  static async fromDense(data: Float32Array | Float64Array, nrow: number, ncol: number, opts: MatrixOptions = {}): Promise<DMatrix> {
    return new DMatrix(await x().dmatrixFromDense(data, nrow, ncol, opts.missing ?? NaN, opts.nthread ?? 0, opts.lane?.handle));
  }

  /** One typed array per feature (Arrow column buffers, Quiver Vec arrays), read in place while building. */
  static async fromColumns(columns: TypedArray[], opts: MatrixOptions = {}): Promise<DMatrix> {
    return new DMatrix(await x().dmatrixFromColumns(columns, opts.missing ?? NaN, opts.nthread ?? 0, opts.lane?.handle));
  }

  get handle(): Opaque {
    if (!this.handle_) throw new Error('the DMatrix was freed');
    return this.handle_;
  }

  setLabel(values: Float32Array | Float64Array): void {
    this.setInfo('label', values);
  }
  setWeight(values: Float32Array | Float64Array): void {
    this.setInfo('weight', values);
  }
  /** Starting margins: n values, or n × k row-major for k outputs. */
  setBaseMargin(values: Float32Array | Float64Array, outputs = 1): void {
    this.setInfo('base_margin', values, outputs);
  }
  /** Any float field XGBoost knows: label, weight, base_margin, label_lower_bound, label_upper_bound. */
  setInfo(field: string, values: Float32Array | Float64Array, ncol = 1): void {
    x().dmatrixSetInfo(this.handle, field, values, ncol);
  }
  setFeatureNames(names: string[]): void {
    x().setStrInfo(this.handle, 'feature_name', names);
  }
  get numRow(): number {
    return x().dmatrixShape(this.handle)[0];
  }
  get numCol(): number {
    return x().dmatrixShape(this.handle)[1];
  }
  /** Entries that are not missing. */
  get numNonMissing(): number {
    return x().dmatrixShape(this.handle)[2];
  }
  free(): void {
    if (this.handle_) x().free(this.handle_);
    this.handle_ = undefined;
  }
}

export type ParamValue = string | number | boolean;
export type PredictionKind = 'value' | 'margin' | 'contributions' | 'approxContributions' | 'interactions' | 'leaf';
const PREDICT_TYPE: Record<PredictionKind, number> = {
  value: 0, margin: 1, contributions: 2, approxContributions: 3, interactions: 4, leaf: 6,
};

export interface PredictOptions {
  kind?: PredictionKind;
  /** Trees of rounds [begin, end) only; end 0 = all. */
  iterationRange?: [number, number];
  /** Always (rows, groups[, ...]) instead of dropping a length-1 group axis. */
  strictShape?: boolean;
  lane?: Lane;
}

export interface Prediction {
  shape: number[];
  values: Float32Array;
}

export interface FeatureScore {
  features: string[];
  shape: number[];
  scores: Float32Array;
}

export type ImportanceType = 'weight' | 'gain' | 'cover' | 'total_gain' | 'total_cover';

// XGBoost only warns about parameters nothing read; an unknown name is a mistake here, so it is raised.
const UNUSED_PARAMS = /Parameters: \{[^}]*\} (might not be|are not) used/;

export class Booster {
  private handle_: Opaque | undefined;
  private constructor(handle: Opaque) {
    this.handle_ = handle;
  }

  /** A booster caching `cache` (its training and evaluation matrices) with the given parameters. */
  static create(cache: DMatrix[], params: Record<string, ParamValue> = {}): Booster {
    const b = new Booster(x().boosterCreate(cache.map((d) => d.handle)));
    // As Python's Booster does: without it XGBoost does not even warn about a parameter nothing read.
    b.setParam('validate_parameters', true);
    b.setParams(params);
    return b;
  }

  /** A booster from a model saved as JSON or UBJSON (by Quiver or any XGBoost). */
  static async load(bytes: Uint8Array, lane?: Lane): Promise<Booster> {
    const b = new Booster(x().boosterCreate([]));
    try {
      await x().boosterLoadModel(b.handle, bytes, lane?.handle);
    } catch (e) {
      b.free();
      throw e;
    }
    return b;
  }

  get handle(): Opaque {
    if (!this.handle_) throw new Error('the Booster was freed');
    return this.handle_;
  }

  setParam(name: string, value: ParamValue): void {
    x().boosterSetParam(this.handle, name, String(value));
  }
  /** Names used by featureScore and saved with the model (Python's Booster.feature_names). */
  setFeatureNames(names: string[]): void {
    x().setStrInfo(this.handle, 'feature_name', names);
  }
  setParams(params: Record<string, ParamValue>): void {
    for (const [k, v] of Object.entries(params)) this.setParam(k, v);
  }

  /**
   * One boosting round on dtrain. Throws XGBoost's own warning when a parameter name is not used, and
   * refuses training data whose every feature value is missing (XGBoost would fit a constant). A worker of a
   * collective fit passes `allMissing: 'allowed'`: its rows are only part of the data, which the driver checked.
   */
  async updateOneIter(iter: number, dtrain: DMatrix, lane?: Lane, opts: { allMissing?: 'refused' | 'allowed' } = {}): Promise<void> {
    if (iter === 0 && opts.allMissing !== 'allowed' && dtrain.numRow > 0 && dtrain.numNonMissing === 0) {
      throw new Error(`every feature value of the training data is missing (${dtrain.numRow} rows × ${dtrain.numCol} features)`);
    }
    const res = await x().boosterUpdateOneIter(this.handle, iter, dtrain.handle, lane?.handle);
    const unused = res?.log?.find((m) => UNUSED_PARAMS.test(m));
    if (unused) throw new Error(`XGBoosterUpdateOneIter: ${unused.trim()}`);
  }

  /** Metrics of round `iter` on each named matrix: { 'valid-auc': 0.93, ... } plus XGBoost's raw line. */
  async evalOneIter(iter: number, sets: Array<[string, DMatrix]>, lane?: Lane): Promise<{ raw: string; metrics: Record<string, number> }> {
    const raw = await x().boosterEvalOneIter(this.handle, iter, sets.map((s) => s[1].handle), sets.map((s) => s[0]), lane?.handle);
    const metrics: Record<string, number> = {};
    for (const part of raw.split('\t').slice(1)) {
      const at = part.lastIndexOf(':');
      metrics[part.slice(0, at)] = Number(part.slice(at + 1));
    }
    return { raw, metrics };
  }

  async predict(dm: DMatrix, opts: PredictOptions = {}): Promise<Prediction> {
    // XGBoost itself only refuses more columns than the model has (fewer read as missing), so check both.
    const trained = this.numFeatures;
    if (trained > 0 && dm.numCol !== trained) {
      throw new Error(`the model was trained on ${trained} features but the data to predict has ${dm.numCol}`);
    }
    const [begin, end] = opts.iterationRange ?? [0, 0];
    const config = JSON.stringify({
      type: PREDICT_TYPE[opts.kind ?? 'value'],
      training: false,
      iteration_begin: begin,
      iteration_end: end,
      strict_shape: opts.strictShape ?? false,
    });
    return x().boosterPredict(this.handle, dm.handle, config, opts.lane?.handle);
  }

  /** The model as XGBoost's JSON or UBJSON ('ubj') document, loadable by Python's Booster.load_model. */
  save(format: 'json' | 'ubj' = 'ubj', lane?: Lane): Promise<Uint8Array> {
    return x().boosterSaveModel(this.handle, format, lane?.handle);
  }

  featureScore(importanceType: ImportanceType = 'gain', lane?: Lane): Promise<FeatureScore> {
    return x().boosterFeatureScore(this.handle, JSON.stringify({ importance_type: importanceType, feature_map: '' }), lane?.handle);
  }

  get boostedRounds(): number {
    return x().boosterInfo(this.handle).rounds;
  }
  get numFeatures(): number {
    return x().boosterInfo(this.handle).numFeatures;
  }
  /** XGBoost's JSON configuration of the booster (learner parameters, objective, ...). */
  get config(): unknown {
    return JSON.parse(x().boosterInfo(this.handle).config);
  }

  free(): void {
    if (this.handle_) x().free(this.handle_);
    this.handle_ = undefined;
  }
}

/** What each worker passes to communicatorInit (the tracker's address), plus its task id. */
export type WorkerArgs = Record<string, string | number>;

/** The rabit tracker of one distributed training, run by the driver; workers are ranked by task id. */
export class Tracker {
  private handle_: Opaque | undefined;
  readonly workerArgs: WorkerArgs;
  private constructor(handle: Opaque, workerArgs: WorkerArgs) {
    this.handle_ = handle;
    this.workerArgs = workerArgs;
  }

  static start(nWorkers: number, opts: { host?: string; port?: number; timeoutSeconds?: number } = {}): Tracker {
    const handle = x().trackerCreate(JSON.stringify({
      dmlc_communicator: 'rabit',
      n_workers: nWorkers,
      host: opts.host ?? '127.0.0.1',
      port: opts.port ?? 0,
      sortby: 1,
      timeout: opts.timeoutSeconds ?? 0,
    }));
    try {
      const args = JSON.parse(x().trackerRun(handle)) as WorkerArgs;
      // The tracker's timeout covers forming and ending the group; dmlc_timeout, each worker's collective calls.
      return new Tracker(handle, opts.timeoutSeconds ? { ...args, dmlc_timeout: opts.timeoutSeconds } : args);
    } catch (e) {
      x().free(handle);
      throw e;
    }
  }

  /** Resolves once every worker has finalized its communicator; rejects after timeoutSeconds (0: none). */
  async wait(timeoutSeconds = 0, lane?: Lane): Promise<void> {
    if (!this.handle_) throw new Error('the Tracker was freed');
    await x().trackerWaitFor(this.handle_, timeoutSeconds, lane?.handle);
  }

  /** Stops the tracker and releases its port. */
  free(): void {
    if (this.handle_) x().free(this.handle_);
    this.handle_ = undefined;
  }
}

/** Joins the collective on the lane's thread; every later call of this worker must use the same lane. */
export async function communicatorInit(args: WorkerArgs, taskId: number, lane: Lane): Promise<{ rank: number; worldSize: number }> {
  const before = new Set(socketFds().keys());
  const joined = await x().communicatorInit(JSON.stringify({ ...args, dmlc_task_id: String(taskId) }), lane.handle);
  lane.recordGroupSockets(before);
  return joined;
}

export async function communicatorFinalize(lane: Lane): Promise<void> {
  await x().communicatorFinalize(lane.handle);
}
