import type { BoundExpr } from '../expr/bound.js';
import { type RankLike, scorableOrderType } from '../kernels/group-limit.js';
import type { LogicalPlan } from '../logical/plan.js';

export interface GroupLimit { readonly fn: RankLike; readonly limit: number }

/** Above this k the per-group insertion costs more than the rows it saves (Spark's windowGroupLimitThreshold is 1000; ours is per row). */
const MAX_GROUP_LIMIT = 64;

const RANK_LIKE: ReadonlySet<string> = new Set(['row_number', 'rank', 'dense_rank']);

/**
 * Spark's InferWindowGroupLimit: a filter `fn <= k` (or `< k`, `= 1`, either side) on a rank-like
 * window function means no partition needs more than its top k rows per group, so each map task
 * may drop the rest before the shuffle. Applies only when every function of the window is
 * rank-like (others, e.g. a running sum or lead, would see fewer rows), the window is partitioned
 * and ordered, and its first order key is numeric or temporal.
 */
export function inferWindowGroupLimit(predicate: BoundExpr, w: Extract<LogicalPlan, { kind: 'window' }>): GroupLimit | null {
  if (!w.partitionBy.length || !w.orderBy.length || !scorableOrderType(w.orderBy[0]!.type)) return null;
  if (!w.calls.every((c) => RANK_LIKE.has(c.fn))) return null;
  const first = w.child.schema.fields.length;
  let best: GroupLimit | null = null;
  for (const c of conjuncts(predicate)) {
    const found = limitOf(c, first);
    if (!found) continue;
    const fn = w.calls[found.call]!.fn as RankLike;
    if (found.limit < 1 || found.limit > MAX_GROUP_LIMIT) continue;
    if (!best || found.limit < best.limit) best = { fn, limit: found.limit };
  }
  return best;
}

const conjuncts = (e: BoundExpr): BoundExpr[] =>
  e.op === 'call' && e.fn === 'and' ? e.args.flatMap(conjuncts) : [e];

/** `ref op lit` or `lit op ref` on a window output column → the largest rank it lets through. */
function limitOf(e: BoundExpr, firstWindowColumn: number): { call: number; limit: number } | null {
  if (e.op !== 'call' || e.args.length !== 2) return null;
  const [a, b] = e.args as [BoundExpr, BoundExpr];
  const flipped: Record<string, string> = { le: 'ge', lt: 'gt', ge: 'le', gt: 'lt', eq: 'eq' };
  const [ref, lit, fn] = a.op === 'ref' && b.op === 'lit' ? [a, b, e.fn] : b.op === 'ref' && a.op === 'lit' ? [b, a, flipped[e.fn]] : [null, null, null];
  if (!ref || !lit || ref.index < firstWindowColumn || lit.value === null) return null;
  const k = Number(lit.value);
  if (!Number.isFinite(k)) return null;
  const call = ref.index - firstWindowColumn;
  switch (fn) {
    case 'le': return { call, limit: Math.floor(k) };
    case 'lt': return { call, limit: Math.ceil(k) - 1 };
    case 'eq': return Number.isInteger(k) ? { call, limit: k } : null;
    default: return null;
  }
}
