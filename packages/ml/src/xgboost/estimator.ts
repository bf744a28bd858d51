import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DataFrame, Float64Type, Schema, VectorType, field } from '@quiver/core';
import { kernelModule } from '../base/kernel-module.js';
import { Estimator, Model, NUMERIC_KINDS, VECTOR_KINDS, checkColumn, checkNewColumn } from '../base/stage.js';
import { ParamError, checks } from '../param/params.js';
import { ModelLoadError, applyParams, readData, readMetadata, registerLoader } from '../persistence/persistence.js';
import {
  type LabelStats, type LabelStatsHeader, type PredictHeader, type TrainHeader, type TrainResult, defaultThreads, packArgs, unpackArgs,
} from './kernels.js';
import { Booster, type ImportanceType, type ParamValue, loadXGBoost } from './native.js';
import { TrackerBroker } from './tracker-broker.js';

const KERNELS = kernelModule('./kernels.js', import.meta.url);

/** The parameters of issue 6, in Spark's camelCase; each maps to one XGBoost parameter. */
export interface XGBoostParams {
  featuresCol: string;
  labelCol: string;
  /** Per-row weights; '' for none. */
  weightCol: string;
  predictionCol: string;
  objective: string;
  numRound: number;
  eta: number;
  maxDepth: number;
  minChildWeight: number;
  subsample: number;
  colsampleByTree: number;
  lambda: number;
  alpha: number;
  treeMethod: 'hist' | 'approx' | 'exact';
  maxBin: number;
  /** Barrier tasks training together; the data is coalesced or repartitioned to this many partitions. */
  numWorkers: number;
  /** Stop after this many rounds without a better validation metric; 0 = never. Needs validationIndicatorCol. */
  earlyStoppingRounds: number;
  /** A boolean column: true rows are the validation set, not trained on; '' for none. */
  validationIndicatorCol: string;
  /** XGBoost's eval_metric; '' for the objective's default. */
  evalMetric: string;
  seed: number;
  /** The feature value read as missing (NaN is always missing). */
  missing: number;
  /** XGBoost threads per worker; 0 = the cores shared evenly by the workers. */
  nthread: number;
  /**
   * Seconds a training worker of a multi-worker fit waits for the others, both to form the group and in each
   * collective operation; 0 = forever. Bounds the wait when a partner dies without signalling.
   */
  timeout: number;
}

export interface XGBoostClassifierParams extends XGBoostParams {
  rawPredictionCol: string;
  probabilityCol: string;
}

// XGBoost's metrics where a larger value is better (early stopping keeps the maximum).
const MAXIMIZE = /^(auc|aucpr|map|ndcg|pre)(@|$)/;

// Params.declare is protected; estimator and model (different classes) declare the same params through it.
function declareXGBoostParams(p: object, objective: string): void {
  const d = (p as { declare: (...a: unknown[]) => void }).declare.bind(p);
  d('featuresCol', 'features vector column', 'features', checks.string);
  d('labelCol', 'label column', 'label', checks.string);
  d('weightCol', "row weight column ('' for none)", '', checks.optionalString);
  d('predictionCol', 'prediction column', 'prediction', checks.string);
  d('objective', 'XGBoost objective', objective, checks.string);
  d('numRound', 'boosting rounds', 100, checks.int(1));
  d('eta', 'learning rate', 0.3, checks.inRange(0, 1));
  d('maxDepth', 'maximum tree depth (0: no limit, with lossguide)', 6, checks.int(0));
  d('minChildWeight', 'minimum hessian sum of a child', 1, checks.gtEq(0));
  d('subsample', 'row subsample ratio per tree', 1, checks.inRange(0, 1));
  d('colsampleByTree', 'column subsample ratio per tree', 1, checks.inRange(0, 1));
  d('lambda', 'L2 regularization of leaf weights', 1, checks.gtEq(0));
  d('alpha', 'L1 regularization of leaf weights', 0, checks.gtEq(0));
  d('treeMethod', 'tree construction algorithm', 'hist', checks.oneOf('hist', 'approx', 'exact'));
  d('maxBin', 'histogram bins per feature (hist)', 256, checks.int(2));
  d('numWorkers', 'workers training together (barrier tasks)', 1, checks.int(1));
  d('earlyStoppingRounds', 'rounds without improvement before stopping (0: off)', 0, checks.int(0));
  d('validationIndicatorCol', "boolean column marking validation rows ('' for none)", '', checks.optionalString);
  d('evalMetric', "XGBoost eval_metric ('' for the objective's default)", '', checks.optionalString);
  d('seed', 'random seed', 0, checks.int(0));
  d('missing', 'feature value read as missing', NaN, (v: number) => (typeof v === 'number' ? null : 'must be a number'));
  d('nthread', 'XGBoost threads per worker (0: cores / workers)', 0, checks.int(0));
  // 300 s, not XGBoost's 1800: it is also how long a partner of a worker lost mid-training may wait, when
  // libxgboost's socket loop ends on the broken link without waking the collective call waiting on it.
  d('timeout', 'seconds a worker waits for its partners to form the group and in each collective call (0: forever)', 300, checks.int(0));
}

function declareClassifierParams(p: object): void {
  const d = (p as { declare: (...a: unknown[]) => void }).declare.bind(p);
  d('rawPredictionCol', 'raw prediction (margin) vector column', 'rawPrediction', checks.string);
  d('probabilityCol', 'class probability vector column', 'probability', checks.string);
}

type Task = PredictHeader['task'];

interface ModelState {
  /** The booster as XGBoost UBJSON or JSON (what Python's Booster.load_model reads). */
  model: Uint8Array;
  task: Task;
  numClass: number;
  numFeatures: number;
  /** The round early stopping kept (all rounds without it). */
  bestIteration: number;
  evalLog: string[];
}

abstract class XGBoostEstimator<M extends XGBoostModel<P>, P extends XGBoostParams> extends Estimator<M, P> {
  protected abstract makeModel(state: ModelState): M;
  /** The learning task and the XGBoost parameters it adds (num_class), from the labels' range. */
  protected abstract task(stats: LabelStats): { task: Task; numClass: number; extra: Record<string, ParamValue> };

  transformSchema(schema: Schema): Schema {
    const get = (k: keyof XGBoostParams) => this.get(k as keyof P & string) as unknown;
    checkColumn(this, schema, 'featuresCol', VECTOR_KINDS, 'a vector column');
    checkColumn(this, schema, 'labelCol', NUMERIC_KINDS, 'numeric');
    if (get('weightCol')) checkColumn(this, schema, 'weightCol', NUMERIC_KINDS, 'numeric');
    if (get('validationIndicatorCol')) checkColumn(this, schema, 'validationIndicatorCol', ['boolean'], 'boolean');
    if ((get('earlyStoppingRounds') as number) > 0 && !get('validationIndicatorCol')) {
      throw new ParamError(`${this.constructor.name}: earlyStoppingRounds needs validationIndicatorCol to name the validation rows`);
    }
    return this.makeModel({ model: new Uint8Array(0), task: 'regression', numClass: 2, numFeatures: 0, bestIteration: 0, evalLog: [] })
      .setParams(this.paramMapJson().paramMap as Partial<P>)
      .transformSchema(schema);
  }

  protected async train(df: DataFrame): Promise<M> {
    loadXGBoost(); // a missing or old libxgboost fails here, on the driver, before any task
    const get = <K extends keyof XGBoostParams>(k: K) => this.get(k as keyof P & string) as unknown as XGBoostParams[K];
    const labelCol = get('labelCol');
    const statsHeader: LabelStatsHeader = {
      labelCol, featuresCol: get('featuresCol'), missing: get('missing'), validationIndicatorCol: get('validationIndicatorCol') || null,
    };
    const statsParts = (await df.runPartitions({ module: KERNELS, fn: 'xgbLabelStats', args: packArgs(statsHeader) }))
      .map((b) => unpackArgs<LabelStats>(b).header);
    const stats = statsParts.reduce((a, b) => ({
      rows: a.rows + b.rows, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max), nonInteger: a.nonInteger + b.nonInteger,
      trainRows: a.trainRows + b.trainRows, present: a.present + b.present, cols: a.cols,
    }));
    if (stats.rows === 0) throw new Error(`${this.constructor.name}: cannot train on an empty data set`);
    if (stats.trainRows > 0 && stats.present === 0) {
      // XGBoost would fit one constant leaf without a word.
      throw new Error(`${this.constructor.name}: every value of featuresCol '${statsHeader.featuresCol}' in the training rows is missing (${stats.trainRows} rows × ${stats.cols} features)`);
    }
    const { task, numClass, extra } = this.task(stats);

    const numWorkers = get('numWorkers');
    const parts = statsParts.length;
    const data = parts === numWorkers ? df : parts > numWorkers ? df.coalesce(numWorkers) : df.repartition(numWorkers);
    const evalMetric = get('evalMetric');
    const params: Record<string, ParamValue> = {
      objective: get('objective'),
      eta: get('eta'),
      max_depth: get('maxDepth'),
      min_child_weight: get('minChildWeight'),
      subsample: get('subsample'),
      colsample_bytree: get('colsampleByTree'),
      lambda: get('lambda'),
      alpha: get('alpha'),
      tree_method: get('treeMethod'),
      max_bin: get('maxBin'),
      seed: get('seed'),
      nthread: get('nthread') || defaultThreads(numWorkers),
      ...(evalMetric ? { eval_metric: evalMetric } : {}),
      ...extra,
    };
    const broker = numWorkers > 1 ? await TrackerBroker.start(numWorkers, { timeoutSeconds: get('timeout') }) : null;
    let results: TrainResult[];
    let model: Uint8Array;
    try {
      const header: TrainHeader = {
        featuresCol: get('featuresCol'),
        labelCol,
        weightCol: get('weightCol') || null,
        validationIndicatorCol: get('validationIndicatorCol') || null,
        params,
        numRound: get('numRound'),
        earlyStoppingRounds: get('earlyStoppingRounds'),
        maximize: MAXIMIZE.test(evalMetric),
        missing: get('missing'),
        tracker: broker?.address ?? null,
        numWorkers,
      };
      const out = (await data.runPartitions({ module: KERNELS, fn: 'xgbTrain', args: packArgs(header), barrier: numWorkers > 1 }).catch((e: Error) => {
        // The error the job reports may be a partner's broken collective call; name the task that failed first.
        const cause = broker?.causeOf(e.message);
        if (cause) {
          e.message = `${cause.message} (the training task of partition ${cause.partition} failed first, in attempt ${cause.attempt}; `
            + `the job reported a partner that failed after it: ${e.message.split('\n')[0]})`;
        }
        throw e;
      })).map((b) => unpackArgs<TrainResult>(b));
      await broker?.wait();
      results = out.map((o) => o.header);
      model = out.find((o) => o.header.rank === 0)!.payload.slice();
    } finally {
      broker?.close();
    }
    const rank0 = results.find((r) => r.rank === 0)!;
    const booster = await Booster.load(model);
    const numFeatures = booster.numFeatures;
    booster.free();
    const m = this.makeModel({ model, task, numClass, numFeatures, bestIteration: rank0.bestIteration, evalLog: rank0.evalLog });
    m.setParams(this.paramMapJson().paramMap as Partial<P>);
    m.uid = this.uid;
    m.parent = this as never;
    return m;
  }
}


abstract class XGBoostModel<P extends XGBoostParams> extends Model<P> {
  state: ModelState;
  private booster_: Promise<Booster> | null = null;

  constructor(state: ModelState) {
    super();
    this.state = state;
  }

  get numFeatures(): number { return this.state.numFeatures; }
  get bestIteration(): number { return this.state.bestIteration; }
  /** XGBoost's validation metric line of each round (with validationIndicatorCol). */
  get evalLog(): readonly string[] { return this.state.evalLog; }
  /** The booster in XGBoost's UBJSON (or JSON, after load) format. */
  get modelBytes(): Uint8Array { return this.state.model; }

  /** The booster load() already parsed, so it is not parsed twice. */
  adoptBooster(b: Booster): void { this.booster_ = Promise.resolve(b); }

  /** The native booster on the driver (loaded once). */
  booster(): Promise<Booster> {
    this.booster_ ??= Booster.load(this.state.model);
    return this.booster_;
  }

  /** Importance of each feature (XGBoost's feature score, 'gain' by default), normalized to sum 1 as Spark's. */
  async featureImportances(importanceType: ImportanceType = 'gain'): Promise<Float64Array> {
    const score = await (await this.booster()).featureScore(importanceType);
    const out = new Float64Array(this.state.numFeatures);
    score.features.forEach((f, i) => { out[Number(f.replace(/^f/, ''))] = score.scores[i]!; });
    const sum = out.reduce((a, b) => a + b, 0);
    return sum > 0 ? out.map((v) => v / sum) : out;
  }

  protected abstract outputs(): Array<[PredictHeader['outputs'][number], string]>;

  transformSchema(schema: Schema): Schema {
    checkColumn(this, schema, 'featuresCol', VECTOR_KINDS, 'a vector column');
    const t = schema.fields[schema.indexOf(this.get('featuresCol' as keyof P & string) as string)]!.type as { size: number };
    if (this.state.numFeatures > 0 && t.size !== this.state.numFeatures) {
      throw new ParamError(`${this.constructor.name}: featuresCol '${this.get('featuresCol' as keyof P & string) as string}' has vectors of ${t.size} features, the model was trained on ${this.state.numFeatures}`);
    }
    const fields = this.outputs().map(([kind, name]) => {
      checkNewColumn(this, schema, `${kind}Col`);
      return field(name, kind === 'prediction' ? Float64Type : VectorType(this.state.task === 'binary' ? 2 : this.state.numClass, false));
    });
    return new Schema([...schema.fields, ...fields]);
  }

  async transform(df: DataFrame): Promise<DataFrame> {
    const schema = this.transformSchema(df.schema);
    const outputs = this.outputs();
    if (outputs.length === 0) return df;
    const header: PredictHeader = {
      featuresCol: this.get('featuresCol' as keyof P & string) as string,
      missing: this.get('missing' as keyof P & string) as number,
      iterationEnd: this.state.bestIteration + 1,
      task: this.state.task,
      numClass: this.state.numClass,
      outputs: outputs.map(([kind]) => kind),
    };
    return df.mapPartitionsWith({
      module: KERNELS, fn: 'xgbPredict', args: packArgs(header, this.state.model),
      outputSchema: new Schema(schema.fields.slice(df.schema.fields.length)),
    });
  }

  override saveData(): unknown {
    const { task, numClass, numFeatures, bestIteration, evalLog } = this.state;
    return { task, numClass, numFeatures, bestIteration, evalLog, model: 'model/xgboost.json' };
  }

  /** The booster as model/xgboost.json, XGBoost's own JSON model: Python's xgboost.Booster(model_file=...) loads it. */
  async saveChildren(dir: string): Promise<void> {
    mkdirSync(join(dir, 'model'), { recursive: true });
    writeFileSync(join(dir, 'model', 'xgboost.json'), await (await this.booster()).save('json'));
  }

  protected override copyState(to: this): void { to.state = this.state; }
}

/** The saved state, its booster parsed by XGBoost now: a corrupt file fails the load, not a later transform's tasks. */
async function loadState(dir: string): Promise<{ state: ModelState; booster: Booster }> {
  const d = readData<Omit<ModelState, 'model'> & { model: string }>(dir);
  let model: Uint8Array;
  try {
    model = readFileSync(join(dir, d.model));
  } catch (e) {
    throw new ModelLoadError(`${dir} is incomplete: ${(e as Error).message}`);
  }
  loadXGBoost();
  let booster: Booster;
  try {
    booster = await Booster.load(model);
  } catch (e) {
    throw new ModelLoadError(`${join(dir, d.model)} is not an XGBoost model: ${(e as Error).message}`);
  }
  return { state: { ...d, model }, booster };
}

async function loadModel<P extends XGBoostParams, M extends XGBoostModel<P>>(dir: string, cls: string, make: (s: ModelState) => M): Promise<M> {
  const m = readMetadata(dir, cls);
  const { state, booster } = await loadState(dir);
  const model = make(state);
  model.adoptBooster(booster);
  return applyParams(model, m, dir);
}

// ---- classifier ------------------------------------------------------------------------------

/** Gradient-boosted trees for classification on native XGBoost; labels are 0 .. k-1. */
export class XGBoostClassifier extends XGBoostEstimator<XGBoostClassificationModel, XGBoostClassifierParams> {
  constructor(params?: Partial<XGBoostClassifierParams>) {
    super();
    declareXGBoostParams(this, 'binary:logistic');
    declareClassifierParams(this);
    this.setParams(params);
  }
  protected makeModel(state: ModelState): XGBoostClassificationModel { return new XGBoostClassificationModel(state); }
  protected task(s: LabelStats): { task: Task; numClass: number; extra: Record<string, ParamValue> } {
    if (s.nonInteger > 0 || s.min < 0) {
      throw new Error(`${this.constructor.name}: labelCol '${this.get('labelCol')}' must hold class indices 0, 1, ..., but it holds ${s.nonInteger > 0 ? 'non-integer values' : `${s.min}`}`);
    }
    const numClass = Math.max(2, s.max + 1);
    if (numClass === 2) return { task: 'binary', numClass, extra: {} };
    const objective = this.isSet('objective') ? this.get('objective') : 'multi:softprob';
    return { task: 'multiclass', numClass, extra: { objective, num_class: numClass } };
  }
}

export class XGBoostClassificationModel extends XGBoostModel<XGBoostClassifierParams> {
  constructor(state: ModelState) {
    super(state);
    declareXGBoostParams(this, 'binary:logistic');
    declareClassifierParams(this);
  }
  get numClasses(): number { return this.state.numClass; }
  protected outputs(): Array<[PredictHeader['outputs'][number], string]> {
    return ([['prediction', this.get('predictionCol')], ['rawPrediction', this.get('rawPredictionCol')], ['probability', this.get('probabilityCol')]] as Array<[PredictHeader['outputs'][number], string]>)
      .filter(([, name]) => name !== '');
  }
  protected override newInstance(): this { return new XGBoostClassificationModel(this.state) as this; }
  static async load(dir: string): Promise<XGBoostClassificationModel> {
    return loadModel(dir, 'XGBoostClassificationModel', (s) => new XGBoostClassificationModel(s));
  }
}

// ---- regressor -------------------------------------------------------------------------------

/** Gradient-boosted trees for regression on native XGBoost. */
export class XGBoostRegressor extends XGBoostEstimator<XGBoostRegressionModel, XGBoostParams> {
  constructor(params?: Partial<XGBoostParams>) {
    super();
    declareXGBoostParams(this, 'reg:squarederror');
    this.setParams(params);
  }
  protected makeModel(state: ModelState): XGBoostRegressionModel { return new XGBoostRegressionModel(state); }
  protected task(): { task: Task; numClass: number; extra: Record<string, ParamValue> } {
    return { task: 'regression', numClass: 1, extra: {} };
  }
}

export class XGBoostRegressionModel extends XGBoostModel<XGBoostParams> {
  constructor(state: ModelState) {
    super(state);
    declareXGBoostParams(this, 'reg:squarederror');
  }
  protected outputs(): Array<[PredictHeader['outputs'][number], string]> {
    const name = this.get('predictionCol');
    return name ? [['prediction', name]] : [];
  }
  protected override newInstance(): this { return new XGBoostRegressionModel(this.state) as this; }
  static async load(dir: string): Promise<XGBoostRegressionModel> {
    return loadModel(dir, 'XGBoostRegressionModel', (s) => new XGBoostRegressionModel(s));
  }
}

registerLoader('XGBoostClassificationModel', (dir) => XGBoostClassificationModel.load(dir));
registerLoader('XGBoostRegressionModel', (dir) => XGBoostRegressionModel.load(dir));
registerLoader('XGBoostClassifier', (dir) => applyParams(new XGBoostClassifier(), readMetadata(dir, 'XGBoostClassifier'), dir));
registerLoader('XGBoostRegressor', (dir) => applyParams(new XGBoostRegressor(), readMetadata(dir, 'XGBoostRegressor'), dir));
