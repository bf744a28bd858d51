import type { DataType } from '../../types/data-type.js';
import type { Vec } from '../../types/vec.js';
import type { Accumulator } from './accumulator.js';
import { type AggMode, type AggSpec, createAccumulator } from './functions.js';
import { GroupTable } from './group-table.js';

/**
 * Hash aggregation: group ids for a whole batch come from one GroupTable pass, then every accumulator
 * runs its own tight loop over (group id, value) into typed arrays indexed by group.
 */
export class HashAggregator {
  private readonly groups: GroupTable;
  private readonly accumulators: Accumulator[];
  private readonly global: boolean;

  constructor(keyTypes: readonly DataType[], specs: readonly AggSpec[], private readonly mode: AggMode) {
    this.groups = new GroupTable(keyTypes);
    this.global = keyTypes.length === 0;
    this.accumulators = specs.map((spec) => createAccumulator(spec, mode));
  }

  /**
   * partial/complete: args[k] = the argument vectors of spec k (raw rows; count(*) has none).
   * final: args[k] = the state columns of spec k as produced by a partial aggregator.
   */
  push(keys: readonly Vec[], args: readonly (readonly Vec[])[], numRows: number): void {
    if (numRows === 0) return;
    const groupIds = this.groups.insert(keys, numRows);
    const numGroups = this.numGroups;
    for (let k = 0; k < this.accumulators.length; k++) {
      const accumulator = this.accumulators[k]!;
      accumulator.grow(numGroups);
      if (this.mode === 'final') accumulator.merge(groupIds, args[k]!, numRows);
      else accumulator.update(groupIds, args[k]!, numRows);
    }
  }

  /**
   * Partial states of every row on its own, without a hash table: what a partial aggregation gives when no two
   * rows share a key. Used once a partial aggregation is found not to reduce its input (see hashAggregate).
   */
  static rowStates(specs: readonly AggSpec[], args: readonly (readonly Vec[])[], numRows: number): Vec[] {
    const ids = new Int32Array(numRows);
    for (let i = 0; i < numRows; i++) ids[i] = i;
    const values: Vec[] = [];
    specs.forEach((spec, k) => {
      const accumulator = createAccumulator(spec, 'partial');
      accumulator.grow(numRows);
      accumulator.update(ids, args[k]!, numRows);
      values.push(...accumulator.state(numRows));
    });
    return values;
  }

  /** A global aggregate (no keys) has exactly one group even over no rows. */
  get numGroups(): number {
    return this.global ? 1 : this.groups.numGroups;
  }

  /** One row per group: the key vectors, then the state columns (partial) or one result per spec. */
  finish(): { keys: Vec[]; values: Vec[] } {
    const numGroups = this.numGroups;
    const keys = this.global ? [] : this.groups.keys();
    const values: Vec[] = [];
    for (const accumulator of this.accumulators) {
      accumulator.grow(numGroups);
      if (this.mode === 'partial') values.push(...accumulator.state(numGroups));
      else values.push(accumulator.result(numGroups));
    }
    return { keys, values };
  }
}
