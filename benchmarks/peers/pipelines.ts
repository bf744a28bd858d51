// Quiver's twins of the end-to-end pipelines of `pnpm bench:peers` (workload `pipeline`): the same stages,
// parameters and train/test rows as spark_ml_pipeline.py and dask_ml_pipeline.py, with @quiver/ml; and its
// side of the scaling fit (workload `lr`, LR_QUESTIONS; the peers' in engines.py). Each
// question fits on the cached input's training rows, scores the test rows and returns the area under ROC,
// which the harness compares with the peer's. quiver-engine.ts imports this module only for that workload,
// so the other workloads (and the harness, which imports quiver-engine.ts) never load @quiver/ml.
import { col, type DataFrame } from '@quiver/core';
import {
  BinaryClassificationEvaluator, LogisticRegression, OneHotEncoder, Pipeline, StandardScaler, StringIndexer,
  VectorAssembler, XGBoostClassifier,
} from '@quiver/ml';

const CATEGORICAL = ['carrier', 'origin', 'dest'];
const NUMERIC = ['distance', 'dep_hour', 'month', 'day_of_week'];
// The peers' parameters (spark_ml_pipeline.py LOGISTIC_REGRESSION, dask_ml_pipeline.py XGBOOST), named as Spark names them.
const LOGISTIC_REGRESSION = { maxIter: 100, regParam: 0.01, elasticNetParam: 0, tol: 1e-6 };
const XGBOOST = { numRound: 50, maxDepth: 6, eta: 0.3, treeMethod: 'hist', maxBin: 256, seed: 0 } as const;
// The lr workload's fit, engines.py LR_FIT: no penalty, which every engine's regularization agrees on.
const LR_FEATURES = Array.from({ length: 8 }, (_, j) => `f${j}`);
const LR_FIT = { maxIter: 100, regParam: 0, tol: 1e-6 };

/** Fits on the cached input tables' training rows and returns the metric on their test rows. */
export type PipelineQuestion = (tables: Record<string, DataFrame>, threads: number) => Promise<number>;

function split(rows: DataFrame): { train: DataFrame; test: DataFrame } {
  return { train: rows.filter(col('is_test').not()), test: rows.filter(col('is_test')) };
}

/** One-hot airports and carrier, as a sparse vector per column: the StringIndexer + OneHotEncoder pair. */
function encodeCategorical(oneHot: { dropLast: boolean }) {
  const indexed = CATEGORICAL.map((c) => `${c}_idx`), encoded = CATEGORICAL.map((c) => `${c}_vec`);
  return {
    encoded,
    stages: [
      // handleInvalid 'keep': a category first seen in the test rows gets its own slot, not an error.
      new StringIndexer({ inputCols: CATEGORICAL, outputCols: indexed, handleInvalid: 'keep' }),
      new OneHotEncoder({ inputCols: indexed, outputCols: encoded, handleInvalid: 'keep', ...oneHot }),
    ],
  };
}

export const PIPELINE_QUESTIONS: Record<string, PipelineQuestion> = {
  // Spark MLlib's pipeline: index, one-hot (Spark's default dropLast), assemble, scale, logistic regression;
  // the evaluator's default 1000-bin ROC curve, as Spark's BinaryClassificationEvaluator.
  'spark-ml-lr': async (tables) => {
    const { train, test } = split(tables['flights']!);
    const { encoded, stages } = encodeCategorical({ dropLast: true });
    const model = await new Pipeline({ stages: [
      ...stages,
      new VectorAssembler({ inputCols: [...encoded, ...NUMERIC], outputCol: 'raw' }),
      new StandardScaler({ inputCol: 'raw', outputCol: 'features' }),
      new LogisticRegression({ featuresCol: 'features', labelCol: 'label', ...LOGISTIC_REGRESSION }),
    ] }).fit(train);
    return new BinaryClassificationEvaluator({ metricName: 'areaUnderROC' }).evaluate(await model.transform(test));
  },
  // The Dask pipeline: one-hot every category (dask-ml's DummyEncoder keeps them all), XGBoost on one training
  // worker per core, and the exact AUC (numBins 0), as sklearn's roc_auc_score gives Dask.
  'dask-xgb': async (tables, threads) => {
    const { train, test } = split(tables['flights']!);
    const { encoded, stages } = encodeCategorical({ dropLast: false });
    const model = await new Pipeline({ stages: [
      ...stages,
      new VectorAssembler({ inputCols: [...encoded, ...NUMERIC], outputCol: 'features' }),
      new XGBoostClassifier({ featuresCol: 'features', labelCol: 'label', ...XGBOOST, numWorkers: threads }),
    ] }).fit(train);
    return new BinaryClassificationEvaluator({ metricName: 'areaUnderROC', numBins: 0 }).evaluate(await model.transform(test));
  },
};

export const LR_QUESTIONS: Record<string, PipelineQuestion> = {
  // Spark's evaluator defaults (1000-bin ROC curve), as the reference, PySpark, scores its fit.
  fit: async (tables) => {
    const { train, test } = split(tables['points']!);
    const model = await new Pipeline({ stages: [
      new VectorAssembler({ inputCols: LR_FEATURES, outputCol: 'features' }),
      new LogisticRegression({ featuresCol: 'features', labelCol: 'label', ...LR_FIT }),
    ] }).fit(train);
    return new BinaryClassificationEvaluator({ metricName: 'areaUnderROC' }).evaluate(await model.transform(test));
  },
};
