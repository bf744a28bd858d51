import { boundToString } from '../expr/bound.js';
import { type PhysicalPlan, physicalChildren } from '../physical/plan.js';
import { type LogicalPlan, planChildren } from './plan.js';

function tree<T>(root: T, label: (n: T) => string, children: (n: T) => readonly T[]): string {
  const lines: string[] = [];
  const walk = (n: T, depth: number): void => {
    lines.push(`${depth === 0 ? '' : '  '.repeat(depth - 1) + '+- '}${label(n)}`);
    for (const c of children(n)) walk(c, depth + 1);
  };
  walk(root, 0);
  return lines.join('\n');
}

const cols = (p: { schema: { names: string[] } }): string => `[${p.schema.names.join(', ')}]`;

export function explainLogical(p: LogicalPlan): string {
  return tree(p, (n) => {
    const input = planChildren(n)[0]?.schema.names;
    switch (n.kind) {
      case 'scan': return `Scan ${n.source.format} ${n.source.files.length} file(s) ${cols(n)}${n.filters.length ? ` pushed: ${n.filters.map((f) => boundToString(f, n.source.schema.names)).join(' AND ')}` : ''}`;
      case 'local': return `LocalRelation ${cols(n)}`;
      case 'cached': return `InMemoryRelation #${n.cacheId} ${cols(n)}${n.child.kind === 'map_partitions' ? ` of MapPartitions ${n.child.fn.name}` : ''}`;
      case 'map_partitions': return `MapPartitions ${n.fn.name} ${cols(n)}`;
      case 'project': return `Project [${n.exprs.map((e, i) => `${boundToString(e, input)} AS ${n.schema.names[i]}`).join(', ')}]`;
      case 'filter': return `Filter ${boundToString(n.predicate, input)}`;
      case 'aggregate': return `Aggregate [${n.groupBy.map((g) => boundToString(g, input)).join(', ')}] [${n.aggregates.map((a) => `${a.fn}(${a.distinct ? 'DISTINCT ' : ''}${a.args.map((x) => boundToString(x, input)).join(', ')})`).join(', ')}]`;
      case 'sort': return `Sort [${n.keys.map((k, i) => `${boundToString(k, input)} ${n.orders[i]!.ascending ? 'ASC' : 'DESC'} NULLS ${n.orders[i]!.nullsFirst ? 'FIRST' : 'LAST'}`).join(', ')}]`;
      case 'limit': return `Limit ${n.limit}`;
      case 'join': return `Join ${n.joinType} [${n.leftKeys.map((k) => boundToString(k, n.left.schema.names)).join(', ')}] = [${n.rightKeys.map((k) => boundToString(k, n.right.schema.names)).join(', ')}]${n.residual ? ' residual' : ''}`;
      case 'union': return 'Union';
      case 'window': return `Window [${n.calls.map((c) => c.fn).join(', ')}] partitionBy [${n.partitionBy.map((e) => boundToString(e, input)).join(', ')}] orderBy [${n.orderBy.map((e) => boundToString(e, input)).join(', ')}]`;
      case 'repartition': return `${n.shuffle ? 'Repartition' : 'Coalesce'} ${n.numPartitions}`;
      case 'sample': return `Sample [${n.lower}, ${n.upper}) seed=${n.seed}`;
    }
  }, planChildren);
}

export function explainPhysical(p: PhysicalPlan): string {
  return tree(p, (n) => {
    const input = physicalChildren(n)[0]?.schema.names;
    switch (n.kind) {
      case 'file_scan': return `FileScan ${n.format} ${cols(n)} partitions=${n.partitions.length}`;
      case 'block_scan': return `BlockScan ${cols(n)} partitions=${n.partitions.length}`;
      case 'shuffle_read': return `ShuffleRead stage=${n.stageId}${n.broadcast ? ' broadcast' : ''}`;
      case 'filter': return `Filter ${boundToString(n.predicate, input)}`;
      case 'project': return `Project ${cols(n)}`;
      case 'hash_aggregate': return `HashAggregate(${n.mode}) keys=[${n.groupExprs.map((g) => boundToString(g, input)).join(', ')}] [${n.aggregates.map((a) => a.fn).join(', ')}]`;
      case 'hash_join': return `HashJoin ${n.joinType} build=right`;
      case 'cross_join': return 'CrossJoin';
      case 'sort': return `Sort${n.limit ? ` limit=${n.limit}` : ''} [${n.keys.map((k) => boundToString(k, input)).join(', ')}]`;
      case 'limit': return `Limit ${n.limit}`;
      case 'window': return `Window [${n.calls.map((c) => c.fn).join(', ')}]`;
      case 'window_group_limit': return `WindowGroupLimit ${n.fn} <= ${n.limit} partitionBy [${n.partitionBy.map((e) => boundToString(e, input)).join(', ')}] orderBy [${boundToString(n.orderBy, input)}]`;
      case 'union': return 'Union';
      case 'coalesce': return `Coalesce ${n.numPartitions}`;
      case 'sample': return `Sample [${n.lower}, ${n.upper})`;
      case 'exchange': return `Exchange ${n.partitioning.kind}${'numPartitions' in n.partitioning ? `(${n.partitioning.numPartitions})` : ''}`;
    }
  }, physicalChildren);
}
