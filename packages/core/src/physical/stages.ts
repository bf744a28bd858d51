import { type Partitioning, type PhysicalPlan, exchangePartitions, numPartitions } from './plan.js';

/** A plan fragment that runs as one task per partition and ends where data is exchanged. */
export interface Stage {
  readonly id: number;
  readonly plan: PhysicalPlan;
  readonly output: Partitioning;
  readonly numTasks: number;
  /** Output partitions (the next stage's tasks read one each). */
  readonly outputPartitions: number;
  /** Stages whose output this stage reads. */
  readonly dependsOn: readonly number[];
}

/**
 * Cuts a physical plan at its exchanges, as Ballista's DistributedPlanner does: each exchange's
 * input becomes a stage that writes partitioned blocks, and the exchange becomes a shuffle read.
 * Stages come back in an order where every stage follows the ones it reads.
 */
export function cutStages(root: PhysicalPlan): Stage[] {
  const stages: Stage[] = [];
  const cut = (p: PhysicalPlan, deps: number[]): PhysicalPlan => {
    if (p.kind === 'exchange') {
      const childDeps: number[] = [];
      const plan = cut(p.input, childDeps);
      const id = stages.length;
      const tasks = numPartitions(plan);
      const outputPartitions = exchangePartitions(p.partitioning, tasks);
      stages.push({ id, plan, output: p.partitioning, numTasks: tasks, outputPartitions, dependsOn: childDeps });
      deps.push(id);
      return { kind: 'shuffle_read', schema: p.schema, stageId: id, numPartitions: outputPartitions, broadcast: p.partitioning.kind === 'broadcast' };
    }
    switch (p.kind) {
      case 'file_scan': case 'block_scan': case 'shuffle_read': return p;
      case 'hash_join': case 'cross_join': return { ...p, left: cut(p.left, deps), right: cut(p.right, deps) };
      case 'union': return { ...p, inputs: p.inputs.map((i) => cut(i, deps)) };
      default: return { ...p, input: cut(p.input, deps) } as PhysicalPlan;
    }
  };
  const rootDeps: number[] = [];
  const plan = cut(root, rootDeps);
  const tasks = numPartitions(plan);
  stages.push({ id: stages.length, plan, output: { kind: 'none' }, numTasks: tasks, outputPartitions: tasks, dependsOn: rootDeps });
  return stages;
}
