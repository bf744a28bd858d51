// @quiver/ml: Spark ML's pipelines and estimators over Quiver DataFrames.
export { Params, ParamError, type Param, type ParamCheck, checks, randomUid } from './param/params.js';
export { PipelineStage, Estimator, Transformer, Model, checkColumn, checkNewColumn } from './base/stage.js';
export { Pipeline, PipelineModel, type PipelineParams } from './pipeline/pipeline.js';
export { MLWriter, ModelLoadError, loadStage, registerLoader, readMetadata, readData, type Metadata } from './persistence/persistence.js';
export { Vectors, denseColumn, toDenseMatrix, vectorSize, dot, norm2 } from './linalg/vectors.js';
export { SparseVector } from '@quiver/core';
export { VectorAssembler, type VectorAssemblerParams } from './feature/vector-assembler.js';
export { StandardScaler, StandardScalerModel, MinMaxScaler, MinMaxScalerModel, type StandardScalerParams, type MinMaxScalerParams } from './feature/scalers.js';
export { StringIndexer, StringIndexerModel, type StringIndexerParams } from './feature/string-indexer.js';
export { OneHotEncoder, OneHotEncoderModel, type OneHotEncoderParams } from './feature/one-hot-encoder.js';
export { Imputer, ImputerModel, type ImputerParams } from './feature/imputer.js';
export { Bucketizer, QuantileDiscretizer, type BucketizerParams, type QuantileDiscretizerParams } from './feature/bucketizer.js';
export { PolynomialExpansion, type PolynomialExpansionParams } from './feature/polynomial-expansion.js';
export { Evaluator, BinaryClassificationEvaluator, MulticlassClassificationEvaluator, RegressionEvaluator } from './evaluation/evaluators.js';
export { XGBoostClassifier, XGBoostClassificationModel, XGBoostRegressor, XGBoostRegressionModel, type XGBoostParams, type XGBoostClassifierParams } from './xgboost/estimator.js';
export { Booster, DMatrix, Lane, Tracker, loadXGBoost, findLibXGBoost, communicatorInit, communicatorFinalize } from './xgboost/native.js';
export { ParamGridBuilder, CrossValidator, CrossValidatorModel, TrainValidationSplit, TrainValidationSplitModel, type ParamMap, type TuningProgress } from './tuning/tuning.js';
export {
  LogisticRegression, LogisticRegressionModel, LogisticRegressionTrainingSummary, type LogisticRegressionParams,
} from './classification/logistic-regression.js';
export {
  LinearRegression, LinearRegressionModel, type LinearRegressionParams, LinearRegressionTrainingSummary, type RegressionSummaryMetrics,
  MAX_FEATURES_FOR_NORMAL_SOLVER,
} from './regression/linear-regression.js';
export { minimize, type DiffFunction, type MinimizeOptions, type MinimizeResult } from './optim/lbfgs.js';
