export { Session, SessionBuilder } from './api/session.js';
export { DataFrame, type Row } from './api/dataframe.js';
export { GroupedData } from './api/grouped.js';
export { Column, col, lit } from './api/column.js';
export { F } from './api/functions.js';
export { Window, WindowSpec } from './api/window.js';
export { DataFrameReader } from './api/reader.js';
export { DataFrameWriter } from './api/writer.js';
export * from './types/data-type.js';
export { Schema, field, type Field } from './types/schema.js';
export { AnalysisError, InputError, ExecutionError } from './errors.js';
export { SparseVector, denseVectorString } from './types/vector.js';
export { type Vec, getValue, vecFromValues } from './types/vec.js';
export { type Batch, makeBatch } from './types/batch.js';
export {
  PartitionData, type PartitionContext, type PartitionFunction, type MapPartitionFunction,
  type PartitionFunctionOptions, type MapPartitionsOptions, type UserPartitionContext,
} from './exec/partition-function.js';
export type { UdfOptions, UserDefinedFunction } from './api/udf.js';
export type { PartitionColumns } from './udf/partition-columns.js';
