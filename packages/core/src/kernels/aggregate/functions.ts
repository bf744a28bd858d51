import {
  type DataType, BooleanType, DecimalType, Float64Type, Int32Type, Int64Type, ListType, isNumeric, typeToString,
} from '../../types/data-type.js';
import { type Field, field } from '../../types/schema.js';
import { AnalysisError } from '../../errors.js';
import type { Accumulator } from './accumulator.js';
import { AverageAccumulator, BooleanFoldAccumulator, CountAccumulator, FloatSumAccumulator, IntegerSumAccumulator } from './basic.js';
import { CollectListAccumulator, MedianAccumulator, PercentileAccumulator } from './collect.js';
import { DistinctAccumulator } from './distinct.js';
import { FirstLastAccumulator } from './first-last.js';
import { HyperLogLogAccumulator, hllPrecision } from './hll.js';
import { MinMaxAccumulator } from './min-max.js';
import { type CovarianceKind, CovarianceAccumulator, type VarianceKind, VarianceAccumulator } from './moments.js';

export type AggMode = 'partial' | 'final' | 'complete';

export interface AggSpec {
  readonly fn: string;
  readonly distinct: boolean;
  readonly argTypes: readonly DataType[];
  readonly params?: readonly number[];
}

const ALIASES: Readonly<Record<string, string>> = {
  mean: 'avg',
  stddev: 'stddev_samp',
  std: 'stddev_samp',
  variance: 'var_samp',
  every: 'bool_and',
  some: 'bool_or',
  any: 'bool_or',
  approx_percentile: 'percentile_approx',
  first_value: 'first',
  last_value: 'last',
};

interface Definition {
  readonly minArgs: number;
  readonly maxArgs: number;
  /** Checks the argument types and returns the result type. */
  readonly resultType: (args: readonly DataType[], spec: AggSpec) => DataType;
  /** Suffixes and types of the partial-state columns (non-distinct form). */
  readonly state: (args: readonly DataType[], spec: AggSpec) => readonly (readonly [string, DataType])[];
  readonly create: (args: readonly DataType[], spec: AggSpec) => Accumulator;
}

const VARIANCE_KINDS: readonly VarianceKind[] = ['var_samp', 'var_pop', 'stddev_samp', 'stddev_pop'];
const COVARIANCE_KINDS: readonly CovarianceKind[] = ['covar_samp', 'covar_pop', 'corr'];
const ORDERABLE_KINDS = new Set(['boolean', 'int32', 'int64', 'float64', 'decimal', 'utf8', 'date', 'timestamp', 'null']);

function expect(fn: string, t: DataType, ok: boolean, what: string): void {
  if (!ok) throw new AnalysisError(`Function ${fn} does not accept an argument of type ${typeToString(t)}; it requires ${what}`);
}

/** Numbers, and the null literal (which Spark reads as a double). */
const numericOrNull = (t: DataType): boolean => isNumeric(t) || t.kind === 'null';

function numericToDouble(fn: string): Definition['resultType'] {
  return (args) => {
    for (const t of args) expect(fn, t, numericOrNull(t), 'a numeric type');
    return Float64Type;
  };
}

function param(spec: AggSpec, index: number, fallback: number): number {
  return spec.params?.[index] ?? fallback;
}

const moments = ['n', 'avg', 'm2'].map((s) => [s, Float64Type] as const);
const comoments = ['n', 'xAvg', 'yAvg', 'ck'].map((s) => [s, Float64Type] as const);

const DEFINITIONS: Readonly<Record<string, Definition>> = {
  count: {
    minArgs: 0, maxArgs: Infinity,
    resultType: () => Int64Type,
    state: () => [['count', Int64Type]],
    create: () => new CountAccumulator(false),
  },
  count_if: {
    minArgs: 1, maxArgs: 1,
    resultType: ([t]) => { expect('count_if', t!, t!.kind === 'boolean' || t!.kind === 'null', 'a boolean'); return Int64Type; },
    state: () => [['count', Int64Type]],
    create: () => new CountAccumulator(true),
  },
  sum: {
    minArgs: 1, maxArgs: 1,
    resultType: ([t]) => {
      expect('sum', t!, numericOrNull(t!), 'a numeric type');
      if (t!.kind === 'int32' || t!.kind === 'int64') return Int64Type;
      if (t!.kind === 'decimal') return DecimalType(Math.min(38, t!.precision + 10), t!.scale);
      return Float64Type;
    },
    state: (args, spec) => [['sum', aggregateResultType({ ...spec, distinct: false, argTypes: args })]],
    create: (args, spec) => {
      const resultType = aggregateResultType({ ...spec, distinct: false, argTypes: args });
      return resultType.kind === 'float64' ? new FloatSumAccumulator() : new IntegerSumAccumulator(resultType);
    },
  },
  avg: {
    minArgs: 1, maxArgs: 1,
    resultType: numericToDouble('avg'),
    state: ([t]) => [['sum', t!.kind === 'int32' || t!.kind === 'int64' ? Int64Type : Float64Type], ['count', Int64Type]],
    create: ([t]) => new AverageAccumulator(t!),
  },
  min: orderable('min'),
  max: orderable('max'),
  first: firstLast('first'),
  last: firstLast('last'),
  bool_and: booleanFold('bool_and'),
  bool_or: booleanFold('bool_or'),
  collect_list: {
    minArgs: 1, maxArgs: 1,
    resultType: ([t]) => ListType(t!),
    state: ([t]) => [['list', ListType(t!)]],
    create: ([t]) => new CollectListAccumulator(t!),
  },
  collect_set: {
    minArgs: 1, maxArgs: 1,
    resultType: ([t]) => { expect('collect_set', t!, t!.kind !== 'list', 'a scalar type'); return ListType(t!); },
    state: ([t]) => [['set', ListType(t!)]],
    create: ([t]) => new DistinctAccumulator([t!], new CollectListAccumulator(t!)),
  },
  approx_count_distinct: {
    minArgs: 1, maxArgs: 1,
    resultType: ([t], spec) => {
      expect('approx_count_distinct', t!, t!.kind !== 'list', 'a scalar type');
      hllPrecision(param(spec, 0, 0.05));
      return Int64Type;
    },
    state: () => [['registers', ListType(Int32Type)]],
    create: (_args, spec) => new HyperLogLogAccumulator(param(spec, 0, 0.05)),
  },
  percentile_approx: {
    minArgs: 1, maxArgs: 1,
    resultType: ([t], spec) => {
      expect('percentile_approx', t!, isNumeric(t!) || t!.kind === 'date' || t!.kind === 'timestamp', 'a numeric, date or timestamp type');
      const p = param(spec, 0, NaN);
      if (!(p >= 0 && p <= 1)) throw new AnalysisError(`Function percentile_approx requires a percentage between 0.0 and 1.0, got ${p}`);
      const accuracy = param(spec, 1, 10000);
      if (!(accuracy > 0 && Number.isInteger(accuracy))) throw new AnalysisError(`Function percentile_approx requires a positive integer accuracy, got ${accuracy}`);
      return t!;
    },
    state: ([t]) => [['values', ListType(t!)]],
    create: ([t], spec) => new PercentileAccumulator(t!, param(spec, 0, NaN), param(spec, 1, 10000)),
  },
  median: {
    minArgs: 1, maxArgs: 1,
    resultType: ([t]) => { expect('median', t!, isNumeric(t!), 'a numeric type'); return Float64Type; },
    state: ([t]) => [['values', ListType(t!)]],
    create: ([t]) => new MedianAccumulator(t!),
  },
};

for (const kind of VARIANCE_KINDS) {
  (DEFINITIONS as Record<string, Definition>)[kind] = {
    minArgs: 1, maxArgs: 1, resultType: numericToDouble(kind), state: () => moments, create: () => new VarianceAccumulator(kind),
  };
}
for (const kind of COVARIANCE_KINDS) {
  (DEFINITIONS as Record<string, Definition>)[kind] = {
    minArgs: 2, maxArgs: 2,
    resultType: numericToDouble(kind),
    state: () => (kind === 'corr' ? [...comoments, ['xMk', Float64Type], ['yMk', Float64Type]] : comoments),
    create: () => new CovarianceAccumulator(kind),
  };
}

function orderable(fn: 'min' | 'max'): Definition {
  return {
    minArgs: 1, maxArgs: 1,
    resultType: ([t]) => { expect(fn, t!, ORDERABLE_KINDS.has(t!.kind), 'an orderable scalar type'); return t!; },
    state: ([t]) => [['value', t!]],
    create: ([t]) => new MinMaxAccumulator(t!, fn === 'max'),
  };
}

function firstLast(fn: 'first' | 'last'): Definition {
  return {
    minArgs: 1, maxArgs: 1,
    resultType: ([t]) => { expect(fn, t!, t!.kind !== 'list', 'a scalar type'); return t!; },
    state: ([t]) => [['value', t!], ['isSet', BooleanType]],
    create: ([t], spec) => new FirstLastAccumulator(t!, fn === 'last', param(spec, 0, 0) === 1),
  };
}

function booleanFold(fn: 'bool_and' | 'bool_or'): Definition {
  return {
    minArgs: 1, maxArgs: 1,
    resultType: ([t]) => { expect(fn, t!, t!.kind === 'boolean' || t!.kind === 'null', 'a boolean'); return BooleanType; },
    state: () => [['value', BooleanType]],
    create: () => new BooleanFoldAccumulator(fn === 'bool_and'),
  };
}

function definitionOf(spec: AggSpec): { name: string; def: Definition } {
  const lower = spec.fn.toLowerCase();
  const name = ALIASES[lower] ?? lower;
  const def = DEFINITIONS[name];
  if (!def) throw new AnalysisError(`Unknown aggregate function '${spec.fn}'`);
  const n = spec.argTypes.length;
  if (n < def.minArgs || n > def.maxArgs) {
    const expected = def.maxArgs === Infinity ? `at least ${def.minArgs}` : def.minArgs === def.maxArgs ? `${def.minArgs}` : `${def.minArgs} to ${def.maxArgs}`;
    throw new AnalysisError(`Function ${spec.fn} takes ${expected} argument(s), got ${n}`);
  }
  if (spec.distinct && n === 0) throw new AnalysisError(`Function ${spec.fn} with DISTINCT needs at least one argument`);
  if (spec.distinct) {
    for (const t of spec.argTypes) expect(`${spec.fn}(DISTINCT ...)`, t, t.kind !== 'list', 'scalar arguments');
  }
  return { name, def };
}

/** Result type of an aggregate; throws AnalysisError naming fn and type when invalid. */
export function aggregateResultType(spec: AggSpec): DataType {
  const { def } = definitionOf(spec);
  return def.resultType(spec.argTypes, spec);
}

/**
 * The partial-state columns of one aggregate, named `${prefix}_...`. DISTINCT aggregates ship each
 * group's distinct argument values as lists (one per argument) and apply the function in the final step.
 */
export function aggregateStateFields(spec: AggSpec, prefix: string): Field[] {
  const { def } = definitionOf(spec);
  def.resultType(spec.argTypes, spec);
  if (spec.distinct) return spec.argTypes.map((t, j) => field(`${prefix}_distinct${j}`, ListType(t), false));
  return def.state(spec.argTypes, spec).map(([suffix, type]) => field(`${prefix}_${suffix}`, type));
}

/** A fresh accumulator for one aggregate; a partial DISTINCT aggregate only collects the distinct values. */
export function createAccumulator(spec: AggSpec, mode: AggMode): Accumulator {
  const { def } = definitionOf(spec);
  def.resultType(spec.argTypes, spec);
  if (!spec.distinct) return def.create(spec.argTypes, spec);
  return new DistinctAccumulator(spec.argTypes, mode === 'partial' ? null : def.create(spec.argTypes, spec));
}
