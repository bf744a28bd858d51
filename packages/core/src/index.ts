export * from './types/data-type.js';
export { Schema, field, type Field } from './types/schema.js';
export { AnalysisError, InputError, ExecutionError } from './errors.js';
