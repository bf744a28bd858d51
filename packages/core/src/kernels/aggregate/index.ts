export { type AggMode, type AggSpec, aggregateResultType, aggregateStateFields } from './functions.js';
export { HashAggregator } from './hash-aggregator.js';
export { GroupTable } from './group-table.js';
