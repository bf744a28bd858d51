import { bind, castTo } from '../../expr/bind.js';
import type { BoundExpr } from '../../expr/bound.js';
import { referencedColumns, remapRefs } from '../../expr/bound.js';
import { type Expr, exprName } from '../../expr/expr.js';
import { AnalysisError } from '../../errors.js';
import { commonType, typeToString } from '../../types/data-type.js';
import { Schema, field } from '../../types/schema.js';
import type { JoinType, LogicalPlan } from '../plan.js';

const JOIN_TYPES: Record<string, JoinType> = {
  inner: 'inner', cross: 'cross',
  outer: 'full', full: 'full', fullouter: 'full', full_outer: 'full',
  left: 'left', leftouter: 'left', left_outer: 'left',
  right: 'right', rightouter: 'right', right_outer: 'right',
  semi: 'semi', leftsemi: 'semi', left_semi: 'semi',
  anti: 'anti', leftanti: 'anti', left_anti: 'anti',
};

export function parseJoinType(how: string): JoinType {
  const t = JOIN_TYPES[how.toLowerCase()];
  if (!t) throw new AnalysisError(`Unsupported join type '${how}'. Supported: ${Object.keys(JOIN_TYPES).join(', ')}`);
  return t;
}

/** join(other, ['k', ...], how): keys appear once in the output, as in Spark's USING join. */
export function joinUsing(left: LogicalPlan, right: LogicalPlan, using: readonly string[], joinType: JoinType): LogicalPlan {
  const li = using.map((k) => left.schema.resolve(k));
  const ri = using.map((k) => right.schema.resolve(k));
  const { leftKeys, rightKeys } = alignKeys(
    li.map((i) => ({ op: 'ref', index: i, type: left.schema.fields[i]!.type }) as BoundExpr),
    ri.map((i) => ({ op: 'ref', index: i, type: right.schema.fields[i]!.type }) as BoundExpr),
    using,
  );
  const joined = makeJoin(left, right, joinType, leftKeys, rightKeys, null);
  if (joinType === 'semi' || joinType === 'anti') return joined;
  const nl = left.schema.fields.length;
  const keyExprs: BoundExpr[] = using.map((_, k) => {
    const l: BoundExpr = { op: 'ref', index: li[k]!, type: left.schema.fields[li[k]!]!.type };
    const r: BoundExpr = { op: 'ref', index: nl + ri[k]!, type: right.schema.fields[ri[k]!]!.type };
    if (joinType === 'right') return r;
    if (joinType === 'full') {
      const t = commonType(l.type, r.type)!;
      return { op: 'call', fn: 'coalesce', args: [castTo(l, t, 'join key'), castTo(r, t, 'join key')], type: t };
    }
    return l;
  });
  const rest: BoundExpr[] = [
    ...left.schema.fields.flatMap((f, i) => (li.includes(i) ? [] : [{ op: 'ref', index: i, type: f.type } as BoundExpr])),
    ...right.schema.fields.flatMap((f, i) => (ri.includes(i) ? [] : [{ op: 'ref', index: nl + i, type: f.type } as BoundExpr])),
  ];
  const names = [
    ...using.map((k) => left.schema.field(k).name),
    ...left.schema.fields.flatMap((f, i) => (li.includes(i) ? [] : [f.name])),
    ...right.schema.fields.flatMap((f, i) => (ri.includes(i) ? [] : [f.name])),
  ];
  const exprs = [...keyExprs, ...rest];
  return { kind: 'project', schema: new Schema(exprs.map((e, i) => field(names[i]!, e.type))), child: joined, exprs };
}

/**
 * join(other, condition, how): equalities between one column expression of each side become
 * hash keys; the rest of the condition is evaluated on the joined rows.
 */
export function joinOn(left: LogicalPlan, right: LogicalPlan, condition: Expr, joinType: JoinType, sideOf: ColumnOrigins): LogicalPlan {
  const nl = left.schema.fields.length;
  const combined = new Schema([...left.schema.fields, ...right.schema.fields]);
  const bound = bindJoinCondition(condition, left, right, combined, sideOf);
  const conjuncts = splitAnd(bound);
  const leftKeys: BoundExpr[] = [];
  const rightKeys: BoundExpr[] = [];
  const residual: BoundExpr[] = [];
  for (const c of conjuncts) {
    if (c.op === 'call' && c.fn === 'eq') {
      const [a, b] = c.args as [BoundExpr, BoundExpr];
      const sa = side(a, nl), sb = side(b, nl);
      if (sa === 'left' && sb === 'right') { leftKeys.push(a); rightKeys.push(remapRefs(b, (i) => i - nl)); continue; }
      if (sa === 'right' && sb === 'left') { leftKeys.push(b); rightKeys.push(remapRefs(a, (i) => i - nl)); continue; }
    }
    residual.push(c);
  }
  const res = residual.length ? residual.reduce((a, b) => ({ op: 'call', fn: 'and', args: [a, b], type: a.type }) as BoundExpr) : null;
  const aligned = alignKeys(leftKeys, rightKeys, leftKeys.map((_, i) => `key ${i + 1}`));
  if (joinType !== 'cross' && aligned.leftKeys.length === 0 && joinType !== 'inner') {
    throw new AnalysisError(`A ${joinType} join needs at least one equality between the two sides in its condition`);
  }
  return makeJoin(left, right, aligned.leftKeys.length === 0 && joinType === 'inner' ? 'cross' : joinType, aligned.leftKeys, aligned.rightKeys, res);
}

export function crossJoin(left: LogicalPlan, right: LogicalPlan): LogicalPlan {
  return makeJoin(left, right, 'cross', [], [], null);
}

function makeJoin(left: LogicalPlan, right: LogicalPlan, joinType: JoinType, leftKeys: BoundExpr[], rightKeys: BoundExpr[], residual: BoundExpr | null): LogicalPlan {
  const lf = left.schema.fields.map((f) => field(f.name, f.type, f.nullable || joinType === 'right' || joinType === 'full'));
  const rf = right.schema.fields.map((f) => field(f.name, f.type, f.nullable || joinType === 'left' || joinType === 'full'));
  const schema = joinType === 'semi' || joinType === 'anti' ? left.schema : new Schema([...lf, ...rf]);
  return { kind: 'join', schema, left, right, joinType, leftKeys, rightKeys, residual };
}

/** Casts key pairs to a common type so the hash kernels see equal types on both sides. */
function alignKeys(leftKeys: BoundExpr[], rightKeys: BoundExpr[], names: readonly string[]): { leftKeys: BoundExpr[]; rightKeys: BoundExpr[] } {
  const l: BoundExpr[] = [];
  const r: BoundExpr[] = [];
  leftKeys.forEach((lk, i) => {
    const rk = rightKeys[i]!;
    const t = commonType(lk.type, rk.type);
    if (!t) throw new AnalysisError(`Join ${names[i]} compares ${typeToString(lk.type)} with ${typeToString(rk.type)}`);
    l.push(castTo(lk, t, `join ${names[i]}`));
    r.push(castTo(rk, t, `join ${names[i]}`));
  });
  return { leftKeys: l, rightKeys: r };
}

function side(e: BoundExpr, nl: number): 'left' | 'right' | 'both' | 'none' {
  const refs = [...referencedColumns(e)];
  if (refs.length === 0) return 'none';
  if (refs.every((i) => i < nl)) return 'left';
  if (refs.every((i) => i >= nl)) return 'right';
  return 'both';
}

function splitAnd(e: BoundExpr): BoundExpr[] {
  if (e.op === 'call' && e.fn === 'and') return e.args.flatMap(splitAnd);
  return [e];
}

/** Where the columns of a DataFrame (by id) sit in the combined left ++ right columns of a join. */
export type ColumnOrigins = (dataFrameId: number) => { readonly start: number; readonly end: number } | undefined;

/** Binds a join condition over left ++ right; `df.col(name)` references pick their side, bare names must be unambiguous. */
function bindJoinCondition(condition: Expr, left: LogicalPlan, right: LogicalPlan, combined: Schema, sideOf: ColumnOrigins): BoundExpr {
  const nl = left.schema.fields.length;
  const rename = (e: Expr): Expr => {
    if (e.op === 'col') {
      let index: number;
      const origin = e.from === undefined ? undefined : sideOf(e.from);
      if (origin) index = indexInRange(combined, e.name, origin.start, origin.end);
      else {
        const inLeft = left.schema.indexOf(e.name);
        const inRight = right.schema.indexOf(e.name);
        if (inLeft >= 0 && inRight >= 0) {
          throw new AnalysisError(`Column '${e.name}' in the join condition exists on both sides: use left.col('${e.name}') and right.col('${e.name}'), or join on ['${e.name}']`);
        }
        if (inLeft < 0 && inRight < 0) combined.resolve(e.name);
        index = inLeft >= 0 ? inLeft : nl + inRight;
      }
      return { op: 'col', name: `\u0000${index}` };
    }
    return mapChildren(e, rename);
  };
  const positional = new Schema(combined.fields.map((f, i) => field(`\u0000${i}`, f.type, f.nullable)));
  const b = bind(rename(condition), positional);
  if (b.type.kind !== 'boolean') throw new AnalysisError(`Join condition '${exprName(condition)}' must be boolean, got ${typeToString(b.type)}`);
  return b;
}

function mapChildren(e: Expr, f: (e: Expr) => Expr): Expr {
  switch (e.op) {
    case 'call': case 'udf': return { ...e, args: e.args.map(f) };
    case 'cast': return { ...e, child: f(e.child) };
    case 'alias': return { ...e, child: f(e.child) };
    case 'case': return { ...e, branches: e.branches.map(([c, v]) => [f(c), f(v)] as const), otherwise: e.otherwise ? f(e.otherwise) : null };
    default: return e;
  }
}

/** The position of column `name` among columns [start, end) of a schema, as df.col(name) means it. */
export function indexInRange(schema: Schema, name: string, start: number, end: number): number {
  const slice = new Schema(schema.fields.slice(start, end));
  return start + slice.resolve(name);
}
