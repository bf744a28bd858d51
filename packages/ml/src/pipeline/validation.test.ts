// Issue 5: "a wrong column name or type is a clear error at fit, before any task runs", for every stage of
// @quiver/ml: each call below must throw naming the param and the column, and no job may reach the executor.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DataFrame, Float64Type, Schema, Session, Utf8Type, VectorType, field } from '@quiver/core';
import {
  BinaryClassificationEvaluator, Bucketizer, CrossValidator, Imputer, LinearRegression, LogisticRegression, MinMaxScaler,
  MulticlassClassificationEvaluator, OneHotEncoder, ParamGridBuilder, PolynomialExpansion, QuantileDiscretizer, RegressionEvaluator,
  StandardScaler, StringIndexer, TrainValidationSplit, VectorAssembler, XGBoostClassifier, XGBoostRegressor,
} from '../index.js';

let spark: Session;
let df: DataFrame;
beforeAll(async () => {
  spark = await Session.builder().master('local[2]').getOrCreate();
  const schema = new Schema([field('features', VectorType(2)), field('label', Float64Type), field('s', Utf8Type), field('x', Float64Type)]);
  df = spark.createDataFrame(Array.from({ length: 20 }, (_, i) => [[i, i % 3], i % 2, `c${i % 3}`, i / 2]), schema).repartition(2);
});
afterAll(async () => { await spark.stop(); });

type Call = [string, () => Promise<unknown>, RegExp];

const lr = () => new LogisticRegression();
const calls = (): Call[] => [
  ['LogisticRegression featuresCol', () => new LogisticRegression({ featuresCol: 'feats' }).fit(df), /featuresCol 'feats' is not a column/],
  ['LogisticRegression featuresCol type', () => new LogisticRegression({ featuresCol: 'x' }).fit(df), /featuresCol 'x' must be a vector column/],
  ['LogisticRegression labelCol type', () => new LogisticRegression({ labelCol: 's' }).fit(df), /labelCol 's' must be/],
  ['LinearRegression labelCol', () => new LinearRegression({ labelCol: 'y' }).fit(df), /labelCol 'y' is not a column/],
  ['LinearRegression weightCol type', () => new LinearRegression({ weightCol: 's' }).fit(df), /weightCol 's' must be/],
  ['XGBoostClassifier featuresCol type', () => new XGBoostClassifier({ featuresCol: 's' }).fit(df), /featuresCol 's' must be a vector column/],
  ['XGBoostRegressor labelCol', () => new XGBoostRegressor({ labelCol: 'y' }).fit(df), /labelCol 'y' is not a column/],
  ['XGBoostClassifier validationIndicatorCol type', () => new XGBoostClassifier({ validationIndicatorCol: 'x' }).fit(df), /validationIndicatorCol 'x' must be boolean/],
  ['StringIndexer inputCol', () => new StringIndexer({ inputCol: 'z', outputCol: 'o' }).fit(df), /inputCol 'z' is not a column/],
  ['OneHotEncoder inputCols type', () => new OneHotEncoder({ inputCols: ['s'], outputCols: ['o'] }).fit(df), /inputCols 's' must be/],
  ['StandardScaler inputCol type', () => new StandardScaler({ inputCol: 'x', outputCol: 'o' }).fit(df), /inputCol 'x' must be a vector column/],
  ['MinMaxScaler inputCol', () => new MinMaxScaler({ inputCol: 'v', outputCol: 'o' }).fit(df), /inputCol 'v' is not a column/],
  ['Imputer inputCols type', () => new Imputer({ inputCols: ['s'], outputCols: ['o'] }).fit(df), /inputCols 's' must be/],
  ['QuantileDiscretizer inputCol', () => new QuantileDiscretizer({ inputCol: 'q', outputCol: 'o' }).fit(df), /inputCol 'q' is not a column/],
  ['Bucketizer inputCol type', () => new Bucketizer({ inputCol: 's', outputCol: 'o', splits: [-Infinity, 0, Infinity] }).transform(df), /inputCol 's' must be/],
  ['VectorAssembler inputCols type', () => new VectorAssembler({ inputCols: ['x', 's'], outputCol: 'o' }).transform(df), /inputCols 's' must be/],
  ['PolynomialExpansion inputCol type', () => new PolynomialExpansion({ inputCol: 'x', outputCol: 'o' }).transform(df), /inputCol 'x' must be a vector column/],
  ['BinaryClassificationEvaluator rawPredictionCol', () => new BinaryClassificationEvaluator().evaluate(df), /rawPredictionCol 'rawPrediction' is not a column/],
  ['MulticlassClassificationEvaluator predictionCol', () => new MulticlassClassificationEvaluator().evaluate(df), /predictionCol 'prediction' is not a column/],
  ['RegressionEvaluator labelCol type', () => new RegressionEvaluator({ predictionCol: 'x', labelCol: 's' }).evaluate(df), /labelCol 's' must be/],
  ['CrossValidator over a wrong grid value', () => {
    const est = lr();
    return new CrossValidator({ estimator: est, estimatorParamMaps: new ParamGridBuilder().addGrid(est, 'featuresCol', ['features', 'nope']).build(),
      evaluator: new BinaryClassificationEvaluator(), numFolds: 2 }).fit(df);
  }, /featuresCol 'nope' is not a column/],
  ['TrainValidationSplit', () => {
    const est = new LinearRegression({ featuresCol: 'x' });
    return new TrainValidationSplit({ estimator: est, estimatorParamMaps: new ParamGridBuilder().addGrid(est, 'regParam', [0, 1]).build(),
      evaluator: new RegressionEvaluator() }).fit(df);
  }, /featuresCol 'x' must be a vector column/],
];

describe('every stage checks its columns before any task runs', () => {
  it('a wrong column name or type is a clear error naming the param and column, and no job runs', async () => {
    const executor = (spark as unknown as { executor: { runJob: (...a: unknown[]) => unknown } }).executor;
    for (const [name, call, message] of calls()) {
      const spy = vi.spyOn(executor, 'runJob');
      try {
        await expect(Promise.resolve().then(call), name).rejects.toThrow(message);
        expect(spy.mock.calls.length, `${name}: jobs run`).toBe(0);
      } finally {
        spy.mockRestore();
      }
    }
  });
});
