import { join } from 'node:path';
import type { DataFrame, Schema } from '@quiver/core';
import { Estimator, Model, type PipelineStage, Transformer } from '../base/stage.js';
import { ParamError } from '../param/params.js';
import {
  ModelLoadError, type MLWritable, applyParams, loadStage, readMetadata, registerLoader, stageDirs, writeStage,
} from '../persistence/persistence.js';

type AnyStage = PipelineStage<object>;

export interface PipelineParams { stages: AnyStage[] }

const stagesCheck = (v: AnyStage[]) =>
  Array.isArray(v) && v.every((s) => s instanceof Estimator || s instanceof Transformer) ? null : 'must be an array of Estimators and Transformers';

async function saveStages(stages: readonly AnyStage[], dir: string, overwrite: boolean): Promise<void> {
  const width = String(stages.length).length;
  for (let i = 0; i < stages.length; i++) {
    await writeStage(stages[i]! as MLWritable, join(dir, 'stages', `${String(i).padStart(width, '0')}_${stages[i]!.uid}`), overwrite);
  }
}

/** Spark's Pipeline: fits its stages in order, each estimator on the output of the stages before it. */
export class Pipeline extends Estimator<PipelineModel, PipelineParams> {
  constructor(params?: Partial<PipelineParams>) {
    super();
    this.declare('stages', 'the pipeline stages, in order', [], stagesCheck);
    this.setParams(params);
  }

  getStages(): AnyStage[] { return this.get('stages'); }
  setStages(stages: AnyStage[]): this { return this.set('stages', stages); }

  /** Each stage's schema check in turn: a bad column anywhere fails before any stage is fitted. */
  transformSchema(schema: Schema): Schema {
    return this.getStages().reduce((s, stage) => stage.transformSchema(s), schema);
  }

  protected async train(df: DataFrame): Promise<PipelineModel> {
    const stages = this.getStages();
    let lastEstimator = -1;
    stages.forEach((s, i) => { if (s instanceof Estimator) lastEstimator = i; });
    const fitted: Transformer<object>[] = [];
    let cur = df;
    for (let i = 0; i < stages.length; i++) {
      const s = stages[i]!;
      const t = s instanceof Estimator ? await s.fit(cur) : (s as Transformer<object>);
      fitted.push(t);
      if (i < lastEstimator) cur = dropBehind(df, cur, await t.transform(cur));
    }
    const model = new PipelineModel(fitted, this.uid);
    model.parent = this as unknown as Estimator<Model<object>, object>;
    return model;
  }

  protected override copyState(to: this): void { to.set('stages', this.getStages().map((s) => s.copy())); }

  saveChildren(dir: string, overwrite: boolean): Promise<void> { return saveStages(this.getStages(), dir, overwrite); }

  override paramMapJson() {
    // Stages are saved as directories, not as a param value.
    return { paramMap: {}, defaultParamMap: {} };
  }

  static async load(dir: string): Promise<Pipeline> {
    const m = readMetadata(dir, 'Pipeline');
    const stages = await Promise.all(stageDirs(dir).map(loadStage));
    return applyParams(new Pipeline({ stages: stages as AnyStage[] }), m, dir);
  }
}

/**
 * Frees the blocks of `previous`, a stage's output inside a pipeline (never the caller's `input`), once the next
 * stage's output `next` holds its rows in blocks of its own (a stage that runs at once, through
 * mapPartitionsWith): each intermediate of a fit or transform otherwise stayed in memory until garbage
 * collection found it (~800 MB per fit of the 1e6-row bench:peers LR pipeline). A lazy `next` (a projection)
 * still reads `previous`, which then stays.
 */
function dropBehind(input: DataFrame, previous: DataFrame, next: DataFrame): DataFrame {
  const ownRows = next.plan.kind === 'cached' && next.plan.child.kind === 'local';
  if (ownRows && previous !== input && previous !== next) previous.unpersist();
  return next;
}

/** A fitted pipeline: its transformers applied in order. */
export class PipelineModel extends Model<object> {
  constructor(readonly stages: Transformer<object>[] = [], uid?: string) {
    super(uid);
  }

  transformSchema(schema: Schema): Schema {
    return this.stages.reduce((s, stage) => stage.transformSchema(s), schema);
  }

  async transform(df: DataFrame): Promise<DataFrame> {
    this.transformSchema(df.schema);
    let cur = df;
    for (const s of this.stages) cur = dropBehind(df, cur, await s.transform(cur));
    return cur;
  }

  protected override newInstance(): this { return new PipelineModel(this.stages.map((s) => s.copy()), this.uid) as this; }

  saveChildren(dir: string, overwrite: boolean): Promise<void> { return saveStages(this.stages, dir, overwrite); }

  static async load(dir: string): Promise<PipelineModel> {
    const m = readMetadata(dir, 'PipelineModel');
    const stages = await Promise.all(stageDirs(dir).map(loadStage));
    for (const s of stages) {
      if (!(s instanceof Transformer)) throw new ModelLoadError(`${dir}: stage ${s.uid} is a ${s.constructor.name}, not a fitted Transformer`);
    }
    return applyParams(new PipelineModel(stages as Transformer<object>[]), m, dir);
  }
}

registerLoader('Pipeline', (dir) => Pipeline.load(dir));
registerLoader('PipelineModel', (dir) => PipelineModel.load(dir));

export { ParamError };
