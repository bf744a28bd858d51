import { bind } from '../../expr/bind.js';
import { type Expr, type WindowSpecDef, exprName } from '../../expr/expr.js';
import { AnalysisError } from '../../errors.js';
import { aggregateResultType } from '../../kernels/aggregate/index.js';
import { Float64Type, Int32Type } from '../../types/data-type.js';
import { Schema, field } from '../../types/schema.js';
import type { LogicalPlan, SortOrder, WindowCall } from '../plan.js';
import { replaceExprs } from './project.js';

const WINDOW_AGGREGATES = new Set(['sum', 'avg', 'min', 'max', 'count', 'first', 'last']);

/**
 * Pulls `fn.over(spec)` out of select expressions into Window nodes (one per distinct spec),
 * each appending its results as hidden columns that the rewritten expressions reference.
 */
export function extractWindows(child: LogicalPlan, exprs: readonly Expr[]): { plan: LogicalPlan; exprs: Expr[] } {
  const bySpec = new Map<string, { spec: WindowSpecDef; fns: Expr[]; names: string[] }>();
  let counter = 0;
  const rewritten = exprs.map((out) =>
    replaceExprs(out, (e) => {
      if (e.op !== 'window') return null;
      const key = specKey(e.spec);
      let group = bySpec.get(key);
      if (!group) { group = { spec: e.spec, fns: [], names: [] }; bySpec.set(key, group); }
      const name = `__window${counter++}`;
      group.fns.push(e.fn);
      group.names.push(name);
      return { op: 'col', name };
    }),
  );
  let plan = child;
  for (const { spec, fns, names } of bySpec.values()) {
    const partitionBy = spec.partitionBy.map((p) => bind(p, child.schema));
    const orderBy = spec.orderBy.map((o) => bind(o, child.schema));
    const orders: SortOrder[] = spec.orderBy.map((o) =>
      o.op === 'sort' ? { ascending: o.ascending, nullsFirst: o.nullsFirst } : { ascending: true, nullsFirst: true },
    );
    const calls = fns.map((f) => windowCall(f, spec, child));
    const schema = new Schema([...plan.schema.fields, ...calls.map((c, i) => field(names[i]!, c.type))]);
    plan = { kind: 'window', schema, child: plan, partitionBy, orderBy, orders, calls };
  }
  return { plan, exprs: rewritten };
}

function specKey(s: WindowSpecDef): string {
  return [s.partitionBy.map(exprName).join(','), s.orderBy.map((o) => `${exprName(o)}${o.op === 'sort' ? `${o.ascending}${o.nullsFirst}` : ''}`).join(','), s.frame ? `${s.frame.start}:${s.frame.end}` : 'default'].join('|');
}

function windowCall(fn: Expr, spec: WindowSpecDef, child: LogicalPlan): WindowCall {
  const frame = spec.frame ?? null;
  const base = { offset: 0, defaultValue: null, frame, ntile: 0 };
  if (fn.op === 'agg') {
    if (!WINDOW_AGGREGATES.has(fn.fn) || fn.distinct) {
      throw new AnalysisError(`${exprName(fn)} cannot be used as a window function; supported: ${[...WINDOW_AGGREGATES].join(', ')}`);
    }
    const args = fn.args.map((a) => bind(a, child.schema));
    const type = aggregateResultType({ fn: fn.fn, distinct: false, argTypes: args.map((a) => a.type), params: fn.params ?? [] });
    return { ...base, fn: fn.fn, args, type };
  }
  if (fn.op !== 'call') throw new AnalysisError(`over() needs an aggregate or ranking function, got ${exprName(fn)}`);
  if (spec.orderBy.length === 0) throw new AnalysisError(`Window function ${fn.fn}() requires the window to be ordered: use Window.orderBy(...)`);
  switch (fn.fn) {
    case 'row_number': case 'rank': case 'dense_rank':
      return { ...base, fn: fn.fn, args: [], type: Int32Type };
    case 'percent_rank': case 'cume_dist':
      return { ...base, fn: fn.fn, args: [], type: Float64Type };
    case 'ntile': {
      const n = literalNumber(fn.args[0], 'ntile', 'n');
      if (!(n > 0)) throw new AnalysisError(`ntile(n) needs n > 0, got ${n}`);
      return { ...base, fn: 'ntile', args: [], ntile: n, type: Int32Type };
    }
    case 'lag': case 'lead': {
      const input = bind(fn.args[0]!, child.schema);
      const offset = literalNumber(fn.args[1], fn.fn, 'offset');
      const d = fn.args[2];
      let defaultValue: WindowCall['defaultValue'] = null;
      if (d && d.op === 'lit' && d.value !== null) defaultValue = { value: d.value, type: input.type };
      else if (d && d.op !== 'lit') throw new AnalysisError(`${fn.fn}() default must be a literal value`);
      return { ...base, fn: fn.fn, args: [input], offset, defaultValue, type: input.type };
    }
  }
  throw new AnalysisError(`${fn.fn}() is not a window function`);
}

function literalNumber(e: Expr | undefined, fn: string, what: string): number {
  if (!e || e.op !== 'lit' || typeof e.value !== 'number') throw new AnalysisError(`${fn}(): ${what} must be a number literal`);
  return e.value;
}
