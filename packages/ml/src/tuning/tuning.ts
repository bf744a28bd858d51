import { join } from 'node:path';
import type { DataFrame, Schema } from '@quiver/core';
import { Estimator, Model, type PipelineStage } from '../base/stage.js';
import type { Evaluator } from '../evaluation/evaluators.js';
import { checks, ParamError, type Params } from '../param/params.js';
import { applyParams, loadStage, readData, readMetadata, registerLoader, writeStage, type MLWritable } from '../persistence/persistence.js';
import { Pipeline } from '../pipeline/pipeline.js';

type AnyEstimator = Estimator<Model<object>, object>;
type AnyModel = Model<object>;

/** Values for some params of some stages: stage uid -> param name -> value (Spark's ParamMap). */
export type ParamMap = Map<string, Record<string, unknown>>;

/** Spark's ParamGridBuilder: the cartesian product of the values given per (stage, param). */
export class ParamGridBuilder {
  private readonly grid: { stage: Params<object>; name: string; values: unknown[] }[] = [];
  private readonly base: { stage: Params<object>; name: string; value: unknown }[] = [];

  addGrid<P extends object, K extends keyof P & string>(stage: Params<P>, name: K, values: P[K][]): this {
    stage.param(name);
    if (!Array.isArray(values) || values.length === 0) throw new ParamError(`ParamGridBuilder.addGrid: '${name}' needs at least one value`);
    this.grid.push({ stage: stage as unknown as Params<object>, name, values });
    return this;
  }

  /** Fixed values every param map carries. */
  baseOn<P extends object, K extends keyof P & string>(stage: Params<P>, name: K, value: P[K]): this {
    stage.param(name);
    this.base.push({ stage: stage as unknown as Params<object>, name, value });
    return this;
  }

  build(): ParamMap[] {
    let maps: ParamMap[] = [new Map()];
    const put = (m: ParamMap, stage: Params<object>, name: string, value: unknown): ParamMap => {
      const next: ParamMap = new Map([...m].map(([k, v]) => [k, { ...v }]));
      next.set(stage.uid, { ...(next.get(stage.uid) ?? {}), [name]: value });
      return next;
    };
    for (const b of this.base) maps = maps.map((m) => put(m, b.stage, b.name, b.value));
    for (const g of this.grid) maps = maps.flatMap((m) => g.values.map((v) => put(m, g.stage, g.name, v)));
    return maps;
  }
}

/** The estimator with a param map applied: copies of the stages it names (inside pipelines too), the rest shared. */
export function withParamMap(est: PipelineStage<object>, map: ParamMap): PipelineStage<object> {
  if (est instanceof Pipeline) return new Pipeline({ stages: est.getStages().map((s) => withParamMap(s, map)) });
  const values = map.get(est.uid);
  return values ? est.copy(values) : est;
}

/** Describes a param map for progress lines and summaries: "regParam=0.1, elasticNetParam=0". */
export function describeParamMap(map: ParamMap): string {
  return [...map.values()].flatMap((v) => Object.entries(v).map(([k, x]) => `${k}=${JSON.stringify(x)}`)).join(', ');
}

export interface TuningProgress { readonly split: number; readonly numSplits: number; readonly paramMap: number; readonly numParamMaps: number; readonly metric: number; readonly description: string }

interface ValidatorParams {
  estimator: AnyEstimator;
  estimatorParamMaps: ParamMap[];
  evaluator: Evaluator<object>;
  seed: number;
  parallelism: number;
}

/** Runs fn over items with at most `limit` running at once, results in item order. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (x: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

abstract class Validator<M extends AnyModel, P extends ValidatorParams> extends Estimator<M, P> {
  /** Called after each (split, param map) is evaluated; tuning takes a while, this lets a script show progress. */
  onProgress: ((p: TuningProgress) => void) | null = null;

  protected declareCommon(): void {
    this.declare('estimator', 'the estimator (often a Pipeline) to tune', undefined, (v) => (v instanceof Estimator ? null : 'must be an Estimator'));
    this.declare('estimatorParamMaps', 'param maps to try (ParamGridBuilder.build())', undefined,
      (v) => (Array.isArray(v) && v.length > 0 && v.every((m) => m instanceof Map) ? null : 'must be a non-empty list of param maps'));
    this.declare('evaluator', 'metric used to pick the best param map', undefined, (v) => (v && typeof (v as Evaluator).evaluate === 'function' ? null : 'must be an Evaluator'));
    this.declare('seed', 'random seed of the splits', 42, (v) => (Number.isInteger(v) ? null : 'must be an integer'));
    this.declare('parallelism', 'number of models fitted at once', 1, checks.int(1));
  }

  transformSchema(schema: Schema): Schema {
    const est = this.get('estimator') as AnyEstimator;
    for (const m of this.get('estimatorParamMaps') as ParamMap[]) withParamMap(est, m).transformSchema(schema);
    return est.transformSchema(schema);
  }

  /** Metric of each param map on each (train, validation) split, then the best map refitted on all data. */
  protected async search(df: DataFrame, splits: [DataFrame, DataFrame][]): Promise<{ metrics: number[][]; best: number; bestModel: AnyModel }> {
    const est = this.get('estimator') as AnyEstimator;
    const maps = this.get('estimatorParamMaps') as ParamMap[];
    const evaluator = this.get('evaluator') as Evaluator<object>;
    const metrics: number[][] = [];
    for (let s = 0; s < splits.length; s++) {
      const [train, validation] = splits[s]!;
      const t = train.cache(), v = validation.cache();
      metrics.push(await pool(maps, this.get('parallelism'), async (m, j) => {
        const model = await (withParamMap(est, m) as AnyEstimator).fit(t);
        const metric = await evaluator.evaluate(await model.transform(v));
        this.onProgress?.({ split: s, numSplits: splits.length, paramMap: j, numParamMaps: maps.length, metric, description: describeParamMap(m) });
        return metric;
      }));
      t.unpersist();
      v.unpersist();
    }
    const avg = maps.map((_, j) => metrics.reduce((a, row) => a + row[j]!, 0) / metrics.length);
    const larger = evaluator.isLargerBetter();
    let best = 0;
    avg.forEach((x, j) => { if (larger ? x > avg[best]! : x < avg[best]!) best = j; });
    const bestModel = await (withParamMap(est, maps[best]!) as AnyEstimator).fit(df);
    return { metrics, best, bestModel };
  }

  override paramMapJson() {
    // The estimator, evaluator and param maps are objects, not JSON values; the fitted model keeps what it needs.
    const m = super.paramMapJson();
    for (const map of [m.paramMap, m.defaultParamMap]) for (const k of ['estimator', 'estimatorParamMaps', 'evaluator']) delete map[k];
    return m;
  }
}

export interface CrossValidatorParams extends ValidatorParams { numFolds: number }

/** Spark's CrossValidator: k folds from one seeded random split; avgMetrics per param map; bestModel refitted on all rows. */
export class CrossValidator extends Validator<CrossValidatorModel, CrossValidatorParams> {
  constructor(params?: Partial<CrossValidatorParams>) {
    super();
    this.declareCommon();
    this.declare('numFolds', 'number of folds', 3, checks.int(2));
    this.setParams(params);
  }
  protected async train(df: DataFrame): Promise<CrossValidatorModel> {
    const k = this.get('numFolds');
    const folds = df.randomSplit(new Array(k).fill(1), this.get('seed'));
    const splits = folds.map((validation, i): [DataFrame, DataFrame] => {
      const rest = folds.filter((_, j) => j !== i);
      return [rest.slice(1).reduce((a, b) => a.union(b), rest[0]!), validation];
    });
    const { metrics, bestModel } = await this.search(df, splits);
    const avgMetrics = metrics[0]!.map((_, j) => metrics.reduce((a, row) => a + row[j]!, 0) / k);
    const stdMetrics = avgMetrics.map((mean, j) => Math.sqrt(metrics.reduce((a, row) => a + (row[j]! - mean) ** 2, 0) / k));
    const model = new CrossValidatorModel(bestModel, avgMetrics, stdMetrics);
    model.uid = this.uid;
    model.parent = this as never;
    return model;
  }
}

/** The best model of a CrossValidator; transform() applies it. */
export class CrossValidatorModel extends Model<object> {
  constructor(readonly bestModel: AnyModel, readonly avgMetrics: number[], readonly stdMetrics: number[] = []) { super(); }
  transformSchema(schema: Schema): Schema { return this.bestModel.transformSchema(schema); }
  transform(df: DataFrame): Promise<DataFrame> { return this.bestModel.transform(df); }
  override saveData(): unknown { return { avgMetrics: this.avgMetrics, stdMetrics: this.stdMetrics }; }
  saveChildren(dir: string, overwrite: boolean): Promise<void> { return writeStage(this.bestModel as MLWritable, join(dir, 'bestModel'), overwrite); }
  protected override newInstance(): this { return new CrossValidatorModel(this.bestModel, this.avgMetrics, this.stdMetrics) as this; }
  static async load(path: string): Promise<CrossValidatorModel> {
    readMetadata(path, 'CrossValidatorModel');
    return (await loadStage(path)) as CrossValidatorModel;
  }
}
registerLoader('CrossValidatorModel', async (dir, m) => {
  const d = readData<{ avgMetrics: number[]; stdMetrics: number[] }>(dir);
  return applyParams(new CrossValidatorModel((await loadStage(join(dir, 'bestModel'))) as AnyModel, d.avgMetrics, d.stdMetrics), m, dir);
});

export interface TrainValidationSplitParams extends ValidatorParams { trainRatio: number }

/** Spark's TrainValidationSplit: one seeded split into train and validation; validationMetrics per param map. */
export class TrainValidationSplit extends Validator<TrainValidationSplitModel, TrainValidationSplitParams> {
  constructor(params?: Partial<TrainValidationSplitParams>) {
    super();
    this.declareCommon();
    this.declare('trainRatio', 'fraction of rows used for training', 0.75, (v) => (v > 0 && v < 1 ? null : 'must be in (0, 1)'));
    this.setParams(params);
  }
  protected async train(df: DataFrame): Promise<TrainValidationSplitModel> {
    const r = this.get('trainRatio');
    const [train, validation] = df.randomSplit([r, 1 - r], this.get('seed'));
    const { metrics, bestModel } = await this.search(df, [[train!, validation!]]);
    const model = new TrainValidationSplitModel(bestModel, metrics[0]!);
    model.uid = this.uid;
    model.parent = this as never;
    return model;
  }
}

export class TrainValidationSplitModel extends Model<object> {
  constructor(readonly bestModel: AnyModel, readonly validationMetrics: number[]) { super(); }
  transformSchema(schema: Schema): Schema { return this.bestModel.transformSchema(schema); }
  transform(df: DataFrame): Promise<DataFrame> { return this.bestModel.transform(df); }
  override saveData(): unknown { return { validationMetrics: this.validationMetrics }; }
  saveChildren(dir: string, overwrite: boolean): Promise<void> { return writeStage(this.bestModel as MLWritable, join(dir, 'bestModel'), overwrite); }
  protected override newInstance(): this { return new TrainValidationSplitModel(this.bestModel, this.validationMetrics) as this; }
  static async load(path: string): Promise<TrainValidationSplitModel> {
    readMetadata(path, 'TrainValidationSplitModel');
    return (await loadStage(path)) as TrainValidationSplitModel;
  }
}
registerLoader('TrainValidationSplitModel', async (dir, m) => {
  const d = readData<{ validationMetrics: number[] }>(dir);
  return applyParams(new TrainValidationSplitModel((await loadStage(join(dir, 'bestModel'))) as AnyModel, d.validationMetrics), m, dir);
});
