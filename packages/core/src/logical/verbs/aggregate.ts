import { bind } from '../../expr/bind.js';
import type { BoundExpr } from '../../expr/bound.js';
import { type Expr, exprName, stripAlias } from '../../expr/expr.js';
import { AnalysisError } from '../../errors.js';
import { aggregateResultType } from '../../kernels/aggregate/index.js';
import { Schema, field } from '../../types/schema.js';
import type { AggregateCall, LogicalPlan } from '../plan.js';
import { replaceExprs } from './project.js';

/**
 * groupBy(keys).agg(exprs): the Aggregate node outputs the keys and one column per distinct
 * aggregate call; a Project above computes expressions over them (max(a) - min(b)) and names them.
 */
export function aggregate(child: LogicalPlan, groupBy: readonly Expr[], outputs: readonly Expr[]): LogicalPlan {
  const keys = groupBy.map((g) => bind(g, child.schema));
  const keyNames = groupBy.map(exprName);
  const calls: AggregateCall[] = [];
  const callNames: string[] = [];
  const callIndex = new Map<string, number>();

  const rewritten = outputs.map((out) =>
    replaceExprs(out, (e) => {
      if (e.op === 'agg') {
        const key = `${exprName(e)}|${(e.params ?? []).join(",")}`;
        let k = callIndex.get(key);
        if (k === undefined) {
          k = calls.length;
          const args = e.args.map((a) => bind(a, child.schema));
          const params = e.params ?? [];
          const type = aggregateResultType({ fn: e.fn, distinct: e.distinct, argTypes: args.map((a) => a.type), params });
          calls.push({ fn: e.fn, distinct: e.distinct, args, params, type });
          callNames.push(`__agg${k}`);
          callIndex.set(key, k);
        }
        return { op: 'col', name: callNames[k]! };
      }
      if (e.op === 'col') {
        const ki = groupBy.findIndex((g) => stripAlias(g).op === 'col' && sameColumn(stripAlias(g) as { name: string }, e.name, child));
        if (ki < 0) throw new AnalysisError(`Column '${e.name}' is neither grouped nor aggregated: add it to groupBy() or wrap it in an aggregate function`);
        return { op: 'col', name: keyNames[ki]! };
      }
      if (e.op === 'window') throw new AnalysisError(`Window functions are not allowed inside agg(); apply them with select() after the aggregation`);
      return null;
    }),
  );
  const aggSchema = new Schema([
    ...keys.map((k, i) => field(keyNames[i]!, k.type)),
    ...calls.map((c, i) => field(callNames[i]!, c.type)),
  ]);
  const agg: LogicalPlan = { kind: 'aggregate', schema: aggSchema, child, groupBy: keys, aggregates: calls };
  const finalExprs: Expr[] = [...keyNames.map((name) => ({ op: 'col', name }) as Expr), ...rewritten];
  const names = [...keyNames, ...outputs.map(exprName)];
  const bound: BoundExpr[] = finalExprs.map((e) => bind(e, aggSchema));
  return { kind: 'project', schema: new Schema(bound.map((b, i) => field(names[i]!, b.type))), child: agg, exprs: bound };
}

function sameColumn(key: { name: string }, name: string, child: LogicalPlan): boolean {
  return child.schema.indexOf(key.name) === child.schema.indexOf(name);
}
