// Partition functions of the XGBoost estimators (run on workers, imported from dist/ by module URL).
// xgbTrain is one barrier task per worker, as xgboost.spark and xgboost.dask train: each task builds a
// DMatrix from its partition, joins its attempt's tracker (from the driver's TrackerBroker) on its own
// lane thread, boosts, finalizes;
// rank 0 returns the model. xgbPredict is a plain map with the model bytes as its argument.
import { createHash } from 'node:crypto';
import { cpus } from 'node:os';
import type { PartitionContext, PartitionData, Vec } from '@quiver/core';
import { denseColumn, toDenseMatrix } from '../linalg/vectors.js';
import {
  Booster, communicatorFinalize, communicatorInit, DMatrix, Lane, loadXGBoost, type ParamValue,
} from './native.js';
import { askTracker, reportFailure } from './tracker-broker.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A JSON header (control data only) followed by raw bytes (a model), so models never pass through text. */
export function packArgs(header: unknown, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const h = enc.encode(JSON.stringify(header));
  const out = new Uint8Array(4 + h.length + payload.length);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 4);
  out.set(payload, 4 + h.length);
  return out;
}

export function unpackArgs<T>(bytes: Uint8Array): { header: T; payload: Uint8Array } {
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  return {
    header: JSON.parse(dec.decode(bytes.subarray(4, 4 + n))) as T,
    payload: bytes.subarray(4 + n),
  };
}

/** A numeric column as float32 (XGBoost's label and weight type); a null is an error naming the column. */
function floats(part: PartitionData, name: string, param: string, partition: number): Float32Array {
  const v = part.column(name);
  const out = new Float32Array(v.length);
  const values = v.values as ArrayLike<number | bigint>;
  for (let i = 0; i < v.length; i++) out[i] = Number(values[i]);
  if (v.validity) {
    const bad = v.validity.indexOf(0);
    if (bad >= 0 && bad < v.length) throw new Error(`${param} '${name}' is null in row ${bad + 1} of partition ${partition}; XGBoost needs a value in every row`);
  }
  return out;
}

function features(part: PartitionData, name: string): { values: Float64Array; rows: number; cols: number } {
  const v = part.column(name);
  if (v.type.kind !== 'vector') throw new Error(`featuresCol '${name}' is not a vector column`);
  if (v.validity && v.validity.subarray(0, v.length).includes(0)) {
    throw new Error(`featuresCol '${name}' has null rows; use missing values inside the vectors instead`);
  }
  return { values: toDenseMatrix(v), rows: v.length, cols: v.type.size };
}

/** Rows of a row-major matrix where keep[i] === want: only used to split off the validation rows. */
function selectRows(values: Float64Array, cols: number, keep: Uint8Array, want: number): Float64Array {
  let n = 0;
  for (let i = 0; i < keep.length; i++) if (keep[i] === want) n++;
  const out = new Float64Array(n * cols);
  for (let i = 0, o = 0; i < keep.length; i++) {
    if (keep[i] === want) out.set(values.subarray(i * cols, (i + 1) * cols), (o++) * cols);
  }
  return out;
}

function selectFloats(values: Float32Array, keep: Uint8Array, want: number): Float32Array {
  const out: number[] = [];
  for (let i = 0; i < keep.length; i++) if (keep[i] === want) out.push(values[i]!);
  return Float32Array.from(out);
}

export interface TrainHeader {
  featuresCol: string;
  labelCol: string;
  weightCol: string | null;
  validationIndicatorCol: string | null;
  params: Record<string, ParamValue>;
  numRound: number;
  earlyStoppingRounds: number;
  /** Metrics where larger is better end early stopping on a maximum. */
  maximize: boolean;
  missing: number;
  /** The driver's tracker broker (host:port) when more than one worker trains; null for one. */
  tracker: string | null;
  numWorkers: number;
}

export interface TrainResult {
  rank: number;
  bestIteration: number;
  bestScore: number | null;
  /** Per round, XGBoost's metric line. */
  evalLog: string[];
}

export interface LabelStatsHeader {
  labelCol: string;
  featuresCol: string;
  /** null stands for NaN (JSON). */
  missing: number | null;
  validationIndicatorCol: string | null;
}

export interface LabelStats {
  rows: number; min: number; max: number; nonInteger: number;
  /** Training (non-validation) rows, and their feature values that are not missing. */
  trainRows: number; present: number; cols: number;
}

/**
 * Rows and label range of one partition, read before training picks the number of classes and workers, and
 * how many feature values of its training rows are present: the driver refuses a data set where none is (one
 * worker's rows may all be missing in a collective fit, so the workers cannot decide it alone).
 */
export function xgbLabelStats(part: PartitionData, args: Uint8Array, ctx: PartitionContext): Uint8Array {
  const { header } = unpackArgs<LabelStatsHeader>(args);
  const y = floats(part, header.labelCol, 'labelCol', ctx.partition);
  let min = Infinity, max = -Infinity, nonInteger = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    if (!Number.isInteger(v)) nonInteger++;
  }
  const v = part.column(header.featuresCol);
  if (v.type.kind !== 'vector') throw new Error(`featuresCol '${header.featuresCol}' is not a vector column`);
  const cols = v.type.size;
  const valid = header.validationIndicatorCol ? part.column(header.validationIndicatorCol).values as Uint8Array : null;
  const missing = header.missing ?? NaN;
  const isMissing = (x: number) => Number.isNaN(x) || x === missing;
  let trainRows = 0, present = 0;
  for (let i = 0; i < v.length; i++) {
    if ((valid && valid[i]) || (v.validity && !v.validity[i])) continue; // null rows fail in training, naming the column
    trainRows++;
    if (v.type.sparse) {
      const offs = v.offsets!, vals = v.values as Float64Array;
      for (let k = offs[i]!; k < offs[i + 1]!; k++) if (!isMissing(vals[k]!)) present++;
      if (!isMissing(0)) present += cols - (offs[i + 1]! - offs[i]!); // implicit zeros
    } else {
      const vals = v.values as Float64Array;
      for (let j = i * cols; j < (i + 1) * cols; j++) if (!isMissing(vals[j]!)) present++;
    }
  }
  return packArgs({ rows: y.length, min, max, nonInteger, trainRows, present, cols } satisfies LabelStats);
}

export async function xgbTrain(part: PartitionData, args: Uint8Array, ctx: PartitionContext): Promise<Uint8Array> {
  const { header: h } = unpackArgs<TrainHeader>(args);
  loadXGBoost();
  const lane = new Lane();
  let joined = false;
  const owned: { free(): void }[] = [];
  try {
    // The partition's columns are read and checked before joining the group: a task that fails after joining
    // leaves its partners mid-collective, where a send to it can fail in XGBoost's socket thread, which then
    // aborts the whole process (std::terminate on a dmlc::Error). Failing before joining, it only has the
    // broker free the attempt's tracker, and the partners waiting for the group fail to join.
    const x = features(part, h.featuresCol);
    const y = floats(part, h.labelCol, 'labelCol', ctx.partition);
    const w = h.weightCol ? floats(part, h.weightCol, 'weightCol', ctx.partition) : null;
    const isValid = h.validationIndicatorCol ? part.column(h.validationIndicatorCol).values as Uint8Array : null;
    if (h.tracker) {
      // Killed (the scheduler lost or saw fail a partner of this attempt): the broker frees the attempt's tracker,
      // so this task and the partners still forming the group fail to join now, not at the bootstrap timeout.
      // A task already in the group does not leave it (leaving mid-collective could abort the process, above):
      // its links to the partners are failed, so its collective call errors instead of waiting for its timeout.
      const tracker = h.tracker;
      ctx.signal.addEventListener('abort', () => {
        if (joined) lane.failGroupLinks();
        else void reportFailure(tracker, { attempt: ctx.attempt, partition: ctx.partition, joined: false, message: (ctx.signal.reason as Error).message });
      }, { once: true });
      ctx.signal.throwIfAborted();
      await communicatorInit(await askTracker(tracker, ctx.attempt), ctx.partition, lane).catch((e: Error) => {
        throw new Error(`XGBoost: the training task of partition ${ctx.partition} could not join the group of ${h.numWorkers} training tasks: ${e.message}`);
      });
      joined = true;
    }
    const matrix = async (values: Float64Array, rows: number, label: Float32Array, weight: Float32Array | null) => {
      const dm = await DMatrix.fromDense(values, rows, x.cols, { missing: h.missing, nthread: Number(h.params.nthread), lane });
      owned.push(dm);
      dm.setLabel(label);
      if (weight) dm.setWeight(weight);
      return dm;
    };
    let dtrain: DMatrix;
    let dvalid: DMatrix | null = null;
    if (isValid) {
      const flags = Uint8Array.from(isValid.subarray(0, x.rows), (b) => (b ? 1 : 0));
      const nValid = flags.reduce((s, b) => s + b, 0);
      dtrain = await matrix(selectRows(x.values, x.cols, flags, 0), x.rows - nValid, selectFloats(y, flags, 0), w && selectFloats(w, flags, 0));
      dvalid = await matrix(selectRows(x.values, x.cols, flags, 1), nValid, selectFloats(y, flags, 1), w && selectFloats(w, flags, 1));
    } else {
      dtrain = await matrix(x.values, x.rows, y, w);
    }
    const booster = Booster.create(dvalid ? [dtrain, dvalid] : [dtrain], h.params);
    owned.push(booster);
    const evalLog: string[] = [];
    let best = -1, bestScore: number | null = null;
    for (let i = 0; i < h.numRound; i++) {
      // The driver refused a data set without any present feature value; this worker's rows are a part of it.
      await booster.updateOneIter(i, dtrain, lane, { allMissing: 'allowed' });
      if (!dvalid) continue;
      // Metrics are reduced over all workers, so every rank takes the same early-stopping decision.
      const { raw, metrics } = await booster.evalOneIter(i, [['validation', dvalid]], lane);
      evalLog.push(raw);
      const names = Object.keys(metrics);
      const score = metrics[names[names.length - 1]!]!;
      if (bestScore === null || (h.maximize ? score > bestScore : score < bestScore)) {
        bestScore = score;
        best = i;
      } else if (h.earlyStoppingRounds > 0 && i - best >= h.earlyStoppingRounds) {
        break;
      }
    }
    const result: TrainResult = { rank: ctx.partition, bestIteration: dvalid ? best : booster.boostedRounds - 1, bestScore, evalLog };
    const model = ctx.partition === 0 ? await booster.save('ubj', lane) : new Uint8Array(0);
    return packArgs(result, model);
  } catch (e) {
    // Reported before finalizing below: no partner can fail because of this task before the broker has heard.
    if (h.tracker) await reportFailure(h.tracker, { attempt: ctx.attempt, partition: ctx.partition, joined, message: (e as Error).message });
    throw e;
  } finally {
    for (const o of owned.reverse()) o.free();
    // Finalizing closes this worker's ring connections, so partners waiting in a collective call fail at once.
    // XGBoost's error signal is not used: its receivers call std::exit, which would take a worker daemon down.
    if (joined) await communicatorFinalize(lane).catch(() => undefined);
    lane.close();
  }
}

/** Threads each worker's XGBoost may use: the machine's cores shared by the workers on it. */
export function defaultThreads(numWorkers: number): number {
  return Math.max(1, Math.floor(cpus().length / numWorkers));
}

export interface PredictHeader {
  featuresCol: string;
  missing: number;
  /** Trees of rounds [0, iterationEnd) predict; 0 = all. */
  iterationEnd: number;
  /** 'regression': prediction only; 'binary' / 'multiclass': prediction, rawPrediction, probability. */
  task: 'regression' | 'binary' | 'multiclass';
  numClass: number;
  outputs: Array<'prediction' | 'rawPrediction' | 'probability'>;
}

// A worker predicts many partitions with one model: keep the last booster loaded per thread.
let cached: { key: string; booster: Booster } | null = null;

async function boosterFor(model: Uint8Array): Promise<Booster> {
  const key = createHash('sha1').update(model).digest('hex');
  if (cached?.key !== key) {
    cached?.booster.free();
    cached = null;
    cached = { key, booster: await Booster.load(model) };
  }
  return cached.booster;
}

export async function xgbPredict(part: PartitionData, args: Uint8Array): Promise<Vec[]> {
  const { header: h, payload } = unpackArgs<PredictHeader>(args);
  loadXGBoost();
  const booster = await boosterFor(payload);
  const x = features(part, h.featuresCol);
  const dm = await DMatrix.fromDense(x.values, x.rows, x.cols, { missing: h.missing, nthread: 1 });
  try {
    const range: [number, number] = [0, h.iterationEnd];
    const n = x.rows;
    if (h.task === 'regression') {
      const p = (await booster.predict(dm, { iterationRange: range })).values;
      return [{ type: { kind: 'float64' }, length: n, values: Float64Array.from(p), validity: null } as Vec];
    }
    const k = h.task === 'binary' ? 2 : h.numClass;
    const margin = (await booster.predict(dm, { kind: 'margin', iterationRange: range, strictShape: true })).values;
    const prob = (await booster.predict(dm, { iterationRange: range, strictShape: true })).values;
    const raw = new Float64Array(n * k), probability = new Float64Array(n * k), prediction = new Float64Array(n);
    if (h.task === 'binary') {
      // Spark's layout for two classes: rawPrediction [-m, m], probability [1 - p, p].
      for (let i = 0; i < n; i++) {
        raw[2 * i] = -margin[i]!;
        raw[2 * i + 1] = margin[i]!;
        probability[2 * i] = 1 - prob[i]!;
        probability[2 * i + 1] = prob[i]!;
        prediction[i] = prob[i]! > 0.5 ? 1 : 0;
      }
    } else {
      raw.set(margin);
      probability.set(prob);
      for (let i = 0; i < n; i++) {
        let arg = 0;
        for (let c = 1; c < k; c++) if (prob[i * k + c]! > prob[i * k + arg]!) arg = c;
        prediction[i] = arg;
      }
    }
    const cols: Record<string, Vec> = {
      prediction: { type: { kind: 'float64' }, length: n, values: prediction, validity: null } as Vec,
      rawPrediction: denseColumn(raw, k),
      probability: denseColumn(probability, k),
    };
    return h.outputs.map((o) => cols[o]!);
  } finally {
    dm.free();
  }
}
