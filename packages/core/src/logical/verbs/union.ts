import { castTo } from '../../expr/bind.js';
import type { BoundExpr } from '../../expr/bound.js';
import { AnalysisError } from '../../errors.js';
import { commonType, typeToString } from '../../types/data-type.js';
import { Schema, field } from '../../types/schema.js';
import type { LogicalPlan } from '../plan.js';

/** union(): by position, as Spark's UNION ALL; column types widen to a common type. */
export function union(inputs: readonly LogicalPlan[]): LogicalPlan {
  const first = inputs[0]!;
  const width = first.schema.fields.length;
  for (const p of inputs) {
    if (p.schema.fields.length !== width) {
      throw new AnalysisError(`union() needs the same number of columns on each side: ${width} vs ${p.schema.fields.length} (${p.schema.names.join(', ')})`);
    }
  }
  const types = first.schema.fields.map((f, i) =>
    inputs.reduce((t, p) => {
      const c = commonType(t, p.schema.fields[i]!.type);
      if (!c) throw new AnalysisError(`union(): column ${i + 1} ('${f.name}') has incompatible types ${typeToString(t)} and ${typeToString(p.schema.fields[i]!.type)}`);
      return c;
    }, f.type),
  );
  const schema = new Schema(first.schema.fields.map((f, i) => field(f.name, types[i]!, inputs.some((p) => p.schema.fields[i]!.nullable))));
  const aligned = inputs.map((p) => {
    if (p.schema.fields.every((f, i) => f.type.kind === types[i]!.kind)) return p;
    const exprs: BoundExpr[] = p.schema.fields.map((f, i) => castTo({ op: 'ref', index: i, type: f.type }, types[i]!, `union column '${f.name}'`));
    return { kind: 'project', schema: new Schema(p.schema.fields.map((f, i) => field(f.name, types[i]!))), child: p, exprs } as LogicalPlan;
  });
  return { kind: 'union', schema, inputs: aligned };
}

/** unionByName(): matches columns by name; with allowMissingColumns, absent ones are null. */
export function unionByName(left: LogicalPlan, right: LogicalPlan, allowMissingColumns: boolean): LogicalPlan {
  const names = [...left.schema.names];
  if (allowMissingColumns) for (const n of right.schema.names) if (!left.schema.has(n)) names.push(n);
  const pick = (p: LogicalPlan): LogicalPlan => {
    const exprs: BoundExpr[] = names.map((n) => {
      const i = p.schema.indexOf(n);
      if (i >= 0) return { op: 'ref', index: i, type: p.schema.fields[i]!.type };
      if (!allowMissingColumns) throw new AnalysisError(`unionByName(): column '${n}' is missing on one side (columns: ${p.schema.names.join(', ')}); pass allowMissingColumns=true to fill it with nulls`);
      const other = left.schema.has(n) ? left.schema.field(n) : right.schema.field(n);
      return { op: 'lit', value: null, type: other.type };
    });
    if (!allowMissingColumns && p.schema.fields.length !== names.length) {
      const extra = p.schema.names.filter((n) => !names.includes(n));
      throw new AnalysisError(`unionByName(): column(s) ${extra.join(', ')} exist on one side only`);
    }
    return { kind: 'project', schema: new Schema(exprs.map((e, i) => field(names[i]!, e.type))), child: p, exprs };
  };
  return union([pick(left), pick(right)]);
}
