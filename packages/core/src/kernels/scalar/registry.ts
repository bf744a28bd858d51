import type { DataType } from '../../types/data-type.js';
import type { Vec } from '../../types/vec.js';

/** Marks an argument that is not a literal in `EvalContext.consts`. */
export const NOT_CONST: unique symbol = Symbol('not-const');

export interface EvalContext {
  /** Rows in the batch being evaluated. */
  readonly length: number;
  /** The result type the analyzer resolved. */
  readonly type: DataType;
  /** The literal value of each argument, or NOT_CONST; lets functions compile a pattern once per batch. */
  readonly consts: readonly unknown[];
}

/**
 * A vectorized scalar function: one call per batch, typed arrays in and out.
 * `returnType` validates argument types and throws an AnalysisError that names the function.
 */
export interface ScalarFunction {
  readonly name: string;
  /** When true, literal arguments arrive as length-1 vectors to broadcast; otherwise they are expanded to the batch length. */
  readonly scalarArgs?: boolean;
  /** Argument types the analyzer casts to before evaluation; absent means arguments pass as they are. */
  coerce?(args: readonly DataType[]): readonly DataType[];
  returnType(args: readonly DataType[]): DataType;
  eval(args: readonly Vec[], ctx: EvalContext): Vec;
}

const registry = new Map<string, ScalarFunction>();

export function registerScalar(...fns: ScalarFunction[]): void {
  for (const f of fns) registry.set(f.name, f);
}

export function lookupScalar(name: string): ScalarFunction | undefined {
  return registry.get(name);
}
