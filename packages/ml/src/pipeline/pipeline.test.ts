import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataFrame, F, type Schema, Session, col, field, Float64Type, Schema as S } from '@quiver/core';
import { Estimator, Model, NUMERIC_KINDS, Transformer, checkColumn, checkNewColumn } from '../base/stage.js';
import { checks } from '../param/params.js';
import { ModelLoadError, applyParams, readData, readMetadata, registerLoader } from '../persistence/persistence.js';
import { Pipeline, PipelineModel } from './pipeline.js';

// A minimal estimator / model pair: learns the mean of inputCol and subtracts it.
interface CenterParams { inputCol: string; outputCol: string; scale: number }

class CenterModel extends Model<CenterParams> {
  constructor(public mean = 0) {
    super();
    this.declare('inputCol', 'input column', undefined, checks.string);
    this.declare('outputCol', 'output column', 'centered', checks.string);
    this.declare('scale', 'multiplier', 1, checks.gt(0));
  }
  transformSchema(schema: Schema): Schema {
    checkColumn(this, schema, 'inputCol', NUMERIC_KINDS, 'numeric');
    checkNewColumn(this, schema, 'outputCol');
    return new S([...schema.fields, field(this.get('outputCol'), Float64Type)]);
  }
  async transform(df: DataFrame): Promise<DataFrame> {
    this.transformSchema(df.schema);
    return df.withColumn(this.get('outputCol'), col(this.get('inputCol')).minus(this.mean).multiply(this.get('scale')));
  }
  override saveData() { return { mean: this.mean }; }
  protected override copyState(to: this) { to.mean = this.mean; }
  static load(dir: string): CenterModel {
    const m = readMetadata(dir, 'CenterModel');
    return applyParams(new CenterModel(readData<{ mean: number }>(dir).mean), m, dir);
  }
}
registerLoader('CenterModel', (dir) => CenterModel.load(dir));

let tasksStarted = 0;
class Center extends Estimator<CenterModel, CenterParams> {
  constructor(p?: Partial<CenterParams>) {
    super();
    this.declare('inputCol', 'input column', undefined, checks.string);
    this.declare('outputCol', 'output column', 'centered', checks.string);
    this.declare('scale', 'multiplier', 1, checks.gt(0));
    this.setParams(p);
  }
  transformSchema(schema: Schema): Schema { return new CenterModel().setParams(this.paramMapJson().paramMap as CenterParams).transformSchema(schema); }
  protected async train(df: DataFrame): Promise<CenterModel> {
    tasksStarted++;
    const [row] = await df.agg(F.avg(this.get('inputCol')).alias('m')).collect();
    const m = new CenterModel(row!.m as number).setParams(this.paramMapJson().paramMap as CenterParams);
    m.uid = this.uid;
    return m;
  }
}

class Doubler extends Transformer<{ inputCol: string; outputCol: string }> {
  constructor(p?: { inputCol: string; outputCol: string }) {
    super();
    this.declare('inputCol', 'input', undefined, checks.string);
    this.declare('outputCol', 'output', undefined, checks.string);
    this.setParams(p);
  }
  transformSchema(schema: Schema): Schema {
    checkColumn(this, schema, 'inputCol', NUMERIC_KINDS, 'numeric');
    return new S([...schema.fields, field(this.get('outputCol'), Float64Type)]);
  }
  async transform(df: DataFrame): Promise<DataFrame> { return df.withColumn(this.get('outputCol'), col(this.get('inputCol')).multiply(2)); }
  static load(dir: string): Doubler { return applyParams(new Doubler(), readMetadata(dir, 'Doubler'), dir); }
}
registerLoader('Doubler', (dir) => Doubler.load(dir));

registerLoader('Center', (dir) => applyParams(new Center(), readMetadata(dir, 'Center'), dir));

let spark: Session;
let dir: string;
beforeAll(async () => {
  spark = await Session.builder().master('local[2]').getOrCreate();
  dir = mkdtempSync(join(tmpdir(), 'quiver-ml-'));
});
afterAll(async () => { await spark.stop(); rmSync(dir, { recursive: true, force: true }); });

const data = () => spark.createDataFrame([{ x: 1, s: 'a' }, { x: 2, s: 'b' }, { x: 6, s: 'c' }]);

describe('Params', () => {
  it('have defaults, typed values, and explainParams lines', () => {
    const c = new Center({ inputCol: 'x' });
    expect(c.get('scale')).toBe(1);
    expect(c.get('inputCol')).toBe('x');
    expect(c.isSet('scale')).toBe(false);
    expect(c.explainParams()).toBe([
      "inputCol: input column (current: \"x\")",
      'outputCol: output column (default: "centered")',
      'scale: multiplier (default: 1)',
    ].join('\n'));
  });

  it('reject a bad value when set, naming the param', () => {
    expect(() => new Center({ inputCol: 'x', scale: -1 })).toThrow(/Center: param 'scale' must be a number > 0, got -1/);
    expect(() => new Center().set('nope' as 'scale', 1)).toThrow(/has no param 'nope'/);
  });

  it('copy(extra) keeps the uid and values and applies the extras', () => {
    const c = new Center({ inputCol: 'x' });
    const d = c.copy({ scale: 3 });
    expect(d).toBeInstanceOf(Center);
    expect(d.uid).toBe(c.uid);
    expect(d.get('scale')).toBe(3);
    expect(c.get('scale')).toBe(1);
  });
});

describe('Estimator / Pipeline', () => {
  it('fit() fails on a wrong column or type before any task runs, naming param and column', async () => {
    tasksStarted = 0;
    await expect(new Center({ inputCol: 'nope' }).fit(data())).rejects.toThrow(/inputCol 'nope' is not a column; the columns are x, s/);
    await expect(new Center({ inputCol: 's' }).fit(data())).rejects.toThrow(/inputCol 's' must be numeric, but it is string/);
    const p = new Pipeline({ stages: [new Doubler({ inputCol: 'x', outputCol: 'x2' }), new Center({ inputCol: 'x3' })] });
    await expect(p.fit(data())).rejects.toThrow(/inputCol 'x3' is not a column; the columns are x, s, x2/);
    expect(tasksStarted).toBe(0);
  });

  it('a pipeline fits estimators on the output of earlier stages and transforms in order', async () => {
    const p = new Pipeline({ stages: [new Doubler({ inputCol: 'x', outputCol: 'x2' }), new Center({ inputCol: 'x2', outputCol: 'c' })] });
    const model = await p.fit(data());
    expect(model).toBeInstanceOf(PipelineModel);
    expect((model.stages[1] as CenterModel).mean).toBeCloseTo(6);
    const rows = await (await model.transform(data())).orderBy('x').collect();
    expect(rows.map((r) => r.c)).toEqual([-4, -2, 6]);
  });

  it('save/load round-trips a PipelineModel in Spark\'s directory layout', async () => {
    const p = new Pipeline({ stages: [new Doubler({ inputCol: 'x', outputCol: 'x2' }), new Center({ inputCol: 'x2', outputCol: 'c', scale: 2 })] });
    const model = await p.fit(data());
    const path = join(dir, 'pm');
    await model.write().save(path);
    await expect(model.write().save(path)).rejects.toThrow(/already exists; use write\(\)\.overwrite\(\)/);
    await model.write().overwrite().save(path);
    const meta = readMetadata(path);
    expect(meta.class).toBe('PipelineModel');
    const again = await PipelineModel.load(path);
    expect(again.uid).toBe(model.uid);
    expect(again.stages.map((s) => s.constructor.name)).toEqual(['Doubler', 'CenterModel']);
    expect((again.stages[1] as CenterModel).get('scale')).toBe(2);
    const rows = await (await again.transform(data())).orderBy('x').collect();
    expect(rows.map((r) => r.c)).toEqual([-8, -4, 12]);
    const est = join(dir, 'pipe');
    await p.write().save(est);
    const p2 = await Pipeline.load(est);
    expect(p2.getStages().map((s) => s.constructor.name)).toEqual(['Doubler', 'Center']);
    expect(p2.getStages()[1]!.uid).toBe(p.getStages()[1]!.uid);
  });

  it('loading a missing or corrupt model is a clear error', async () => {
    await expect(PipelineModel.load(join(dir, 'missing'))).rejects.toThrow(ModelLoadError);
    await expect(PipelineModel.load(join(dir, 'missing'))).rejects.toThrow(/No model at .*missing: the directory does not exist/);
    const path = join(dir, 'corrupt');
    await new Pipeline({ stages: [new Doubler({ inputCol: 'x', outputCol: 'y' })] }).fit(data()).then((m) => m.write().save(path));
    writeFileSync(join(path, 'metadata', 'part-00000'), '{"class": "PipelineModel", ');
    await expect(PipelineModel.load(path)).rejects.toThrow(/metadata\/part-00000 is corrupt/);
    expect(() => CenterModel.load(join(dir, 'pm'))).toThrow(/holds a PipelineModel, not a CenterModel/);
  });
});


describe('Pipeline memory', () => {
  it('frees each stage\'s materialized output once the next exists, in fit and in transform, keeping the caller\'s input', async () => {
    const { VectorAssembler } = await import('../feature/vector-assembler.js');
    const { StandardScaler, MinMaxScaler } = await import('../feature/scalers.js');
    const input = spark.createDataFrame(Array.from({ length: 40 }, (_, i) => ({ a: i, b: (i * 7) % 11 }))).cache();
    await input.count();
    const caches = () => spark.cacheManager.materialized.size;
    const before = caches();
    const pipeline = new Pipeline({ stages: [
      new VectorAssembler({ inputCols: ['a', 'b'], outputCol: 'raw' }),
      new StandardScaler({ inputCol: 'raw', outputCol: 'scaled' }),
      new MinMaxScaler({ inputCol: 'scaled', outputCol: 'features' }),
      new Center({ inputCol: 'a', outputCol: 'centered' }),
    ] });
    const model = await pipeline.fit(input);
    // The assembler's and the standard scaler's outputs are gone; the last estimator's input may stay.
    expect(caches() - before).toBeLessThanOrEqual(1);
    const out = await model.transform(input);
    expect(caches() - before).toBeLessThanOrEqual(2);
    expect((await out.collect()).length).toBe(40);
    expect(Number(await input.count())).toBe(40);
  });
});
