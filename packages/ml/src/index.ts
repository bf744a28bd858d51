// @quiver/ml: Spark ML's pipelines and estimators over Quiver DataFrames.
export { Params, ParamError, type Param, type ParamCheck, checks, randomUid } from './param/params.js';
export { PipelineStage, Estimator, Transformer, Model, checkColumn, checkNewColumn } from './base/stage.js';
export { Pipeline, PipelineModel, type PipelineParams } from './pipeline/pipeline.js';
export { MLWriter, ModelLoadError, loadStage, registerLoader, readMetadata, readData, type Metadata } from './persistence/persistence.js';
export { Vectors, denseColumn, toDenseMatrix, vectorSize, dot, norm2 } from './linalg/vectors.js';
export { SparseVector } from '@quiver/core';
