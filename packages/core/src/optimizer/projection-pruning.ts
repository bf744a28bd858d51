import { type BoundExpr, referencedColumns, remapRefs } from '../expr/bound.js';
import type { LogicalPlan } from '../logical/plan.js';
import { Schema } from '../types/schema.js';

/** The pruned plan and where each of the original output columns now sits (-1 = dropped). */
interface Pruned { readonly plan: LogicalPlan; readonly map: Int32Array }

/**
 * Reads only the columns a query uses: walks down with the set of columns each node's parent
 * needs, drops unused projections, and narrows scans to those columns (Parquet then decodes
 * nothing else).
 */
export function pruneColumns(plan: LogicalPlan): LogicalPlan {
  const all = new Set(plan.schema.fields.map((_, i) => i));
  const { plan: pruned, map } = prune(plan, all);
  if (map.every((m, i) => m === i) && pruned.schema.fields.length === plan.schema.fields.length) return pruned;
  const exprs: BoundExpr[] = plan.schema.fields.map((f, i) => ({ op: 'ref', index: map[i]!, type: f.type }));
  return { kind: 'project', schema: plan.schema, child: pruned, exprs };
}

const identity = (p: LogicalPlan): Pruned => ({ plan: p, map: Int32Array.from(p.schema.fields, (_, i) => i) });

function refsOf(exprs: readonly BoundExpr[], into = new Set<number>()): Set<number> {
  for (const e of exprs) referencedColumns(e, into);
  return into;
}

const remapAll = (exprs: readonly BoundExpr[], map: Int32Array): BoundExpr[] => exprs.map((e) => remapRefs(e, (i) => map[i]!));

function prune(p: LogicalPlan, required: Set<number>): Pruned {
  switch (p.kind) {
    case 'scan': {
      const keep = p.columns.filter((_, i) => required.has(i));
      // A count(*) needs no column, but a scan must still produce rows: keep the narrowest one.
      const columns = keep.length ? keep : p.columns.slice(0, 1);
      const map = new Int32Array(p.columns.length).fill(-1);
      columns.forEach((c) => { map[p.columns.indexOf(c)] = columns.indexOf(c); });
      return { plan: { ...p, columns, schema: new Schema(columns.map((c) => p.source.schema.fields[c]!)) }, map };
    }
    case 'project': {
      const kept = p.exprs.map((_, i) => i).filter((i) => required.has(i));
      const keepIdx = kept.length ? kept : [];
      const child = prune(p.child, refsOf(keepIdx.map((i) => p.exprs[i]!)));
      const map = new Int32Array(p.exprs.length).fill(-1);
      keepIdx.forEach((i, k) => { map[i] = k; });
      const exprs = remapAll(keepIdx.map((i) => p.exprs[i]!), child.map);
      return { plan: { ...p, child: child.plan, exprs, schema: new Schema(keepIdx.map((i) => p.schema.fields[i]!)) }, map };
    }
    case 'filter': {
      const child = prune(p.child, refsOf([p.predicate], new Set(required)));
      return { plan: { ...p, child: child.plan, schema: child.plan.schema, predicate: remapRefs(p.predicate, (i) => child.map[i]!) }, map: child.map };
    }
    case 'sort': {
      const child = prune(p.child, refsOf(p.keys, new Set(required)));
      return { plan: { ...p, child: child.plan, schema: child.plan.schema, keys: remapAll(p.keys, child.map) }, map: child.map };
    }
    case 'limit': case 'sample': {
      const child = prune(p.child, required);
      return { plan: { ...p, child: child.plan, schema: child.plan.schema }, map: child.map };
    }
    case 'repartition': {
      const child = prune(p.child, refsOf(p.keys, new Set(required)));
      return { plan: { ...p, child: child.plan, schema: child.plan.schema, keys: remapAll(p.keys, child.map) }, map: child.map };
    }
    case 'aggregate': {
      const child = prune(p.child, refsOf([...p.groupBy, ...p.aggregates.flatMap((a) => a.args)]));
      return {
        plan: { ...p, child: child.plan, groupBy: remapAll(p.groupBy, child.map), aggregates: p.aggregates.map((a) => ({ ...a, args: remapAll(a.args, child.map) })) },
        map: Int32Array.from(p.schema.fields, (_, i) => i),
      };
    }
    case 'join': {
      const nl = p.left.schema.fields.length;
      const semi = p.joinType === 'semi' || p.joinType === 'anti';
      const needL = refsOf(p.leftKeys);
      const needR = refsOf(p.rightKeys);
      const residualRefs = p.residual ? referencedColumns(p.residual) : new Set<number>();
      for (const i of [...required, ...residualRefs]) {
        if (i < nl) needL.add(i);
        else if (!semi) needR.add(i - nl);
      }
      if (semi) for (const i of residualRefs) if (i >= nl) needR.add(i - nl);
      const left = prune(p.left, needL);
      const right = prune(p.right, needR);
      const nlNew = left.plan.schema.fields.length;
      const combined = (i: number): number => (i < nl ? left.map[i]! : nlNew + right.map[i - nl]!);
      const width = semi ? nl : nl + p.right.schema.fields.length;
      const map = Int32Array.from({ length: width }, (_, i) => combined(i));
      const schema = semi ? left.plan.schema : new Schema([...left.plan.schema.fields, ...right.plan.schema.fields]);
      return {
        plan: { ...p, left: left.plan, right: right.plan, schema, leftKeys: remapAll(p.leftKeys, left.map), rightKeys: remapAll(p.rightKeys, right.map), residual: p.residual ? remapRefs(p.residual, combined) : null },
        map,
      };
    }
    case 'window': {
      const nIn = p.child.schema.fields.length;
      const need = refsOf([...p.partitionBy, ...p.orderBy, ...p.calls.flatMap((c) => c.args)]);
      for (const i of required) if (i < nIn) need.add(i);
      const child = prune(p.child, need);
      const nNew = child.plan.schema.fields.length;
      const map = Int32Array.from(p.schema.fields, (_, i) => (i < nIn ? child.map[i]! : nNew + (i - nIn)));
      const schema = new Schema([...child.plan.schema.fields, ...p.schema.fields.slice(nIn)]);
      return {
        plan: { ...p, child: child.plan, schema, partitionBy: remapAll(p.partitionBy, child.map), orderBy: remapAll(p.orderBy, child.map), calls: p.calls.map((c) => ({ ...c, args: remapAll(c.args, child.map) })) },
        map,
      };
    }
    case 'union': {
      // Every input must keep the same columns in the same positions.
      const keep = [...required].sort((a, b) => a - b);
      const inputs = p.inputs.map((input) => {
        const child = prune(input, new Set(keep));
        const exprs: BoundExpr[] = keep.map((i) => ({ op: 'ref', index: child.map[i]!, type: input.schema.fields[i]!.type }));
        return { kind: 'project', schema: new Schema(keep.map((i) => input.schema.fields[i]!)), child: child.plan, exprs } as LogicalPlan;
      });
      const map = new Int32Array(p.schema.fields.length).fill(-1);
      keep.forEach((i, k) => { map[i] = k; });
      return { plan: { ...p, inputs, schema: new Schema(keep.map((i) => p.schema.fields[i]!)) }, map };
    }
    case 'cached': {
      const keep = p.columns.filter((_, i) => required.has(i));
      const columns = keep.length ? keep : p.columns.slice(0, 1);
      const map = new Int32Array(p.columns.length).fill(-1);
      p.columns.forEach((c, i) => { map[i] = columns.indexOf(c); });
      return { plan: { ...p, columns, schema: new Schema(columns.map((c) => p.child.schema.fields[c]!)) }, map };
    }
    case 'local':
      return identity(p);
    case 'map_partitions':
      // The function may read any input column and must return every output column.
      return identity(p);
  }
}
