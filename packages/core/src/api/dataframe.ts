import * as arrow from 'apache-arrow';
import { bind, bindPredicate } from '../expr/bind.js';
import type { BoundExpr } from '../expr/bound.js';
import { type Expr, exprName } from '../expr/expr.js';
import { AnalysisError } from '../errors.js';
import type { LogicalPlan, SortOrder } from '../logical/plan.js';
import { aggregate } from '../logical/verbs/aggregate.js';
import { crossJoin, indexInRange, joinOn, joinUsing, parseJoinType } from '../logical/verbs/join.js';
import { project, replaceExprs } from '../logical/verbs/project.js';
import { union, unionByName } from '../logical/verbs/union.js';
import { type Batch } from '../types/batch.js';
import type { Schema } from '../types/schema.js';
import { getValue } from '../types/vec.js';
import { Column, type ColumnLike, col, lit, toColumnExpr } from './column.js';
import { F } from './functions.js';
import { GroupedData } from './grouped.js';
import { DataFrameNaFunctions } from './na.js';
import { formatShow } from './show.js';
import type { Session } from './session.js';
import { DataFrameWriter } from './writer.js';
import type { MapPartitionsOptions, PartitionFunctionOptions, UserPartitionContext } from '../exec/partition-function.js';
import { parseSchemaString } from '../types/schema-string.js';
import type { PartitionColumns } from '../udf/partition-columns.js';
import { shipFunction } from '../udf/user-function.js';

let nextId = 1;

export type Row = Record<string, unknown>;

/** A lazy, immutable distributed table, with Spark's verbs. Nothing runs until an action (collect, count, show, write...). */
export class DataFrame {
  readonly id = nextId++;

  /**
   * Where the columns of the DataFrames this one was joined from sit among its columns, so
   * `a.col('k')` still means a's k after `a.join(b, ...)` has two columns named k.
   */
  readonly origins: ReadonlyMap<number, { readonly start: number; readonly end: number }>;

  constructor(readonly session: Session, readonly plan: LogicalPlan, origins?: ReadonlyMap<number, { readonly start: number; readonly end: number }>) {
    this.origins = origins ?? new Map();
  }

  private derive(plan: LogicalPlan): DataFrame {
    return new DataFrame(this.session, plan);
  }

  /** For verbs that keep every column in place (filter, sort, limit, appending withColumn...). */
  private deriveKeepingColumns(plan: LogicalPlan): DataFrame {
    return new DataFrame(this.session, plan, this.origins);
  }

  /** Turns df.col(name) references into positions of this DataFrame's columns. */
  private resolve(e: Expr): Expr {
    return replaceExprs(e, (x) => {
      if (x.op !== 'col' || x.from === undefined || x.from === this.id) return x.op === 'col' && x.from === this.id ? { op: 'col', name: x.name } : null;
      const origin = this.origins.get(x.from);
      if (!origin) throw new AnalysisError(`Column '${x.name}' belongs to another DataFrame that is not part of this one`);
      return { op: 'col', name: x.name, index: indexInRange(this.plan.schema, x.name, origin.start, origin.end) };
    });
  }

  private resolveAll(cols: readonly (ColumnLike | ColumnLike[])[]): Expr[] {
    return cols.flat().map((c) => this.resolve(toColumnExpr(c)));
  }

  get schema(): Schema { return this.plan.schema; }
  get columns(): string[] { return this.plan.schema.names; }
  get dtypes(): [string, string][] { return this.plan.schema.fields.map((f) => [f.name, f.type.kind]); }

  /** A column of this DataFrame specifically, to disambiguate join conditions (Spark's `df['x']`). */
  col(name: string): Column {
    this.plan.schema.resolve(name);
    return new Column({ op: 'col', name, from: this.id });
  }

  printSchema(): void { console.log(this.plan.schema.treeString()); }

  // ---- transformations ----
  select(...cols: (ColumnLike | ColumnLike[])[]): DataFrame {
    return this.derive(project(this.plan, this.resolveAll(cols)));
  }

  filter(condition: Column | string): DataFrame {
    if (typeof condition === 'string') throw new AnalysisError(`SQL expression strings are not supported in filter(); build the condition with col(), e.g. col('x').gt(5)`);
    const predicate = bindPredicate(this.resolve(condition.expr), this.plan.schema);
    return this.deriveKeepingColumns({ kind: 'filter', schema: this.plan.schema, child: this.plan, predicate });
  }
  where(condition: Column | string): DataFrame { return this.filter(condition); }

  withColumn(name: string, c: Column): DataFrame {
    const exists = this.plan.schema.indexOf(name);
    const added = this.resolve(c.alias(name).expr);
    const exprs: Expr[] = this.plan.schema.names.map((n, i) => (i === exists ? added : { op: 'col', name: n, index: i }));
    if (exists < 0) exprs.push(added);
    return this.deriveKeepingColumns(project(this.plan, exprs));
  }

  withColumns(cols: Record<string, Column>): DataFrame {
    return Object.entries(cols).reduce((df: DataFrame, [n, c]) => df.withColumn(n, c), this);
  }

  withColumnRenamed(existing: string, renamed: string): DataFrame {
    const i = this.plan.schema.indexOf(existing);
    if (i < 0) return this;
    return this.select(...this.plan.schema.names.map((n, k) => (k === i ? col(n).alias(renamed) : col(n))));
  }

  drop(...cols: (string | Column)[]): DataFrame {
    const names = new Set(cols.map((c) => (typeof c === 'string' ? c : exprName(c.expr))));
    const keep = this.plan.schema.fields.filter((f) => !names.has(f.name)).map((f) => f.name);
    if (keep.length === this.plan.schema.fields.length) return this;
    return this.select(...keep.map((n) => col(n)));
  }

  groupBy(...cols: (ColumnLike | ColumnLike[])[]): GroupedData {
    return new GroupedData(this, this.resolveAll(cols));
  }
  groupby(...cols: (ColumnLike | ColumnLike[])[]): GroupedData { return this.groupBy(...cols); }

  agg(...exprs: Column[]): DataFrame { return this.groupBy().agg(...exprs); }

  orderBy(...cols: (ColumnLike | ColumnLike[])[]): DataFrame {
    const exprs = this.resolveAll(cols);
    if (exprs.length === 0) return this;
    const keys: BoundExpr[] = exprs.map((e) => bind(e, this.plan.schema));
    const orders: SortOrder[] = exprs.map((e) => (e.op === 'sort' ? { ascending: e.ascending, nullsFirst: e.nullsFirst } : { ascending: true, nullsFirst: true }));
    return this.deriveKeepingColumns({ kind: 'sort', schema: this.plan.schema, child: this.plan, keys, orders });
  }
  sort(...cols: (ColumnLike | ColumnLike[])[]): DataFrame { return this.orderBy(...cols); }

  limit(n: number): DataFrame {
    if (!Number.isInteger(n) || n < 0) throw new AnalysisError(`limit(n) needs a non-negative integer, got ${n}`);
    return this.deriveKeepingColumns({ kind: 'limit', schema: this.plan.schema, child: this.plan, limit: n });
  }

  join(other: DataFrame, on?: string | string[] | Column, how = 'inner'): DataFrame {
    const joinType = parseJoinType(how);
    if (on === undefined || (Array.isArray(on) && on.length === 0)) {
      if (joinType !== 'cross' && joinType !== 'inner') throw new AnalysisError(`A ${how} join needs join columns or a condition`);
      return this.crossJoin(other);
    }
    if (typeof on === 'string' || Array.isArray(on)) {
      return this.derive(joinUsing(this.plan, other.plan, typeof on === 'string' ? [on] : on, joinType));
    }
    const origins = this.joinedOrigins(other);
    const plan = joinOn(this.plan, other.plan, on.expr, joinType, (id) => origins.get(id));
    return new DataFrame(this.session, plan, joinType === 'semi' || joinType === 'anti' ? this.joinedOrigins(null) : origins);
  }
  crossJoin(other: DataFrame): DataFrame { return new DataFrame(this.session, crossJoin(this.plan, other.plan), this.joinedOrigins(other)); }

  /** Column ranges of this DataFrame, the other side, and everything they were joined from, in left ++ right positions. */
  private joinedOrigins(other: DataFrame | null): Map<number, { start: number; end: number }> {
    const nl = this.plan.schema.fields.length;
    const m = new Map<number, { start: number; end: number }>(this.origins);
    m.set(this.id, { start: 0, end: nl });
    if (other) {
      for (const [id, r] of other.origins) m.set(id, { start: nl + r.start, end: nl + r.end });
      m.set(other.id, { start: nl, end: nl + other.plan.schema.fields.length });
    }
    return m;
  }

  union(other: DataFrame): DataFrame { return this.derive(union([this.plan, other.plan])); }
  unionAll(other: DataFrame): DataFrame { return this.union(other); }
  unionByName(other: DataFrame, allowMissingColumns = false): DataFrame {
    return this.derive(unionByName(this.plan, other.plan, allowMissingColumns));
  }

  distinct(): DataFrame {
    return this.derive(aggregate(this.plan, this.plan.schema.names.map((name) => ({ op: 'col', name })), []));
  }

  /** Keeps one row per distinct value of `subset` (all columns by default): the first one seen. */
  dropDuplicates(subset?: string[]): DataFrame {
    if (!subset || subset.length === 0) return this.distinct();
    const keys = subset.map((n) => this.plan.schema.field(n).name);
    const others = this.plan.schema.names.filter((n) => !keys.includes(n));
    const grouped = aggregate(this.plan, keys.map((name) => ({ op: 'col', name })), others.map((n) => F.first(n).alias(n).expr));
    return this.derive(grouped).select(...this.plan.schema.names.map((n) => col(n)));
  }
  drop_duplicates(subset?: string[]): DataFrame { return this.dropDuplicates(subset); }

  get na(): DataFrameNaFunctions { return new DataFrameNaFunctions(this); }
  dropna(how: 'any' | 'all' = 'any', thresh?: number, subset?: string[]): DataFrame { return this.na.drop(how, thresh, subset); }
  fillna(value: number | string | boolean | Record<string, unknown>, subset?: string[]): DataFrame { return this.na.fill(value, subset); }

  /** count, mean, stddev, min, max of numeric and string columns, as strings (Spark's describe()). */
  describe(...cols: string[]): DataFrame {
    const names = cols.length ? cols : this.plan.schema.fields.filter((f) => ['int32', 'int64', 'float64', 'decimal', 'utf8'].includes(f.type.kind)).map((f) => f.name);
    const stat = (label: string, fn: (n: string) => Column | null): DataFrame =>
      this.select(lit(label).alias('summary'), ...names.map((n) => (fn(n) ?? lit(null)).cast('string').alias(n)));
    const isNumeric = (n: string) => this.plan.schema.field(n).type.kind !== 'utf8';
    const parts = [
      stat('count', (n) => F.count(n)),
      stat('mean', (n) => (isNumeric(n) ? F.avg(n) : null)),
      stat('stddev', (n) => (isNumeric(n) ? F.stddev(n) : null)),
      stat('min', (n) => F.min(n)),
      stat('max', (n) => F.max(n)),
    ];
    return parts.reduce((a, b) => a.union(b));
  }

  /** Bernoulli sample with a seeded generator per partition, as Spark's sample(). */
  sample(fraction: number, seed?: number, withReplacement = false): DataFrame {
    if (!(fraction >= 0) || (!withReplacement && fraction > 1)) throw new AnalysisError(`sample(): fraction must be in [0, 1], got ${fraction}`);
    return this.deriveKeepingColumns({ kind: 'sample', schema: this.plan.schema, child: this.plan, lower: 0, upper: fraction, seed: seed ?? Math.floor(Math.random() * 2 ** 31), withReplacement });
  }

  /** Disjoint splits that together hold every row once: each keeps the rows whose per-row draw falls in its weight's interval. */
  randomSplit(weights: number[], seed?: number): DataFrame[] {
    if (weights.length === 0 || weights.some((w) => !(w >= 0))) throw new AnalysisError(`randomSplit(): weights must be non-negative numbers, got [${weights.join(', ')}]`);
    const total = weights.reduce((a, b) => a + b, 0);
    if (!(total > 0)) throw new AnalysisError('randomSplit(): weights must sum to a positive number');
    const s = seed ?? Math.floor(Math.random() * 2 ** 31);
    let lower = 0;
    return weights.map((w, i) => {
      const upper = i === weights.length - 1 ? 1 : lower + w / total;
      const df = this.derive({ kind: 'sample', schema: this.plan.schema, child: this.plan, lower, upper, seed: s, withReplacement: false });
      lower = upper;
      return df;
    });
  }

  repartition(numPartitions: number, ...cols: ColumnLike[]): DataFrame {
    if (!Number.isInteger(numPartitions) || numPartitions < 1) throw new AnalysisError(`repartition(): numPartitions must be a positive integer, got ${numPartitions}`);
    const keys = cols.map((c) => bind(toColumnExpr(c), this.plan.schema));
    return this.derive({ kind: 'repartition', schema: this.plan.schema, child: this.plan, numPartitions, keys, shuffle: true });
  }

  coalesce(numPartitions: number): DataFrame {
    if (!Number.isInteger(numPartitions) || numPartitions < 1) throw new AnalysisError(`coalesce(): numPartitions must be a positive integer, got ${numPartitions}`);
    return this.derive({ kind: 'repartition', schema: this.plan.schema, child: this.plan, numPartitions, keys: [], shuffle: false });
  }

  /** Marks the DataFrame to be kept in memory after the first action computes it. */
  cache(): DataFrame { return this.deriveKeepingColumns(this.session.cacheManager.register(this.plan)); }
  persist(): DataFrame { return this.cache(); }
  unpersist(): DataFrame {
    if (this.plan.kind === 'cached') {
      this.session.cacheManager.drop(this.plan.cacheId);
      // mapPartitions output is only read as a cache: once dropped, the next action runs the function again.
      if (this.plan.child.kind === 'map_partitions') return this;
      return this.derive(this.plan.child);
    }
    return this;
  }

  // ---- actions ----
  async collectBatches(): Promise<Batch[]> {
    return this.session.execute(this.plan);
  }

  async collect(): Promise<Row[]> {
    const batches = await this.collectBatches();
    const names = this.plan.schema.names;
    const rows: Row[] = [];
    for (const b of batches) {
      for (let i = 0; i < b.numRows; i++) {
        const row: Row = {};
        for (let c = 0; c < names.length; c++) row[names[c]!] = getValue(b.columns[c]!, i);
        rows.push(row);
      }
    }
    return rows;
  }

  async take(n: number): Promise<Row[]> { return this.limit(n).collect(); }
  async head(n = 1): Promise<Row[]> { return this.take(n); }
  async first(): Promise<Row | null> { return (await this.take(1))[0] ?? null; }

  async count(): Promise<number> {
    const rows = await this.groupBy().agg(F.count('*').alias('count')).collect();
    return Number(rows[0]!['count']);
  }

  async toArrow(): Promise<arrow.Table> {
    return this.session.executeToArrow(this.plan);
  }

  async show(n = 20, truncate: boolean | number = true): Promise<void> {
    const batches = await this.limit(n + 1).collectBatches();
    console.log(formatShow(this.plan.schema, batches, n, truncate));
  }

  explain(extended = true): void {
    console.log(this.session.explain(this.plan, extended));
  }

  get write(): DataFrameWriter { return new DataFrameWriter(this); }

  // ---- partition functions (for library code such as @quiver/ml; see exec/partition-function.ts) ----

  /** Runs `module`'s export `fn` once per partition (after caches and upstream stages); its bytes, in partition order. */
  async runPartitions(opts: PartitionFunctionOptions): Promise<Uint8Array[]> {
    return this.session.runPartitions(this.plan, opts);
  }

  /**
   * Runs `fn` once per partition and returns this DataFrame with the columns it computes (outputSchema) appended,
   * a same-named column replaced. It runs at once; the result is held like a cache (unpersist() frees it).
   */
  async mapPartitionsWith(opts: MapPartitionsOptions): Promise<DataFrame> {
    for (const f of opts.outputSchema.fields) if (!f.name) throw new AnalysisError('mapPartitionsWith(): every output column needs a name');
    return this.derive(await this.session.mapPartitionsWith(this.plan, opts));
  }

  // ---- user functions, shipped to workers as source (api/udf.ts, udf/) ----

  /**
   * Spark's mapPartitions, a column at a time: `fn(columns, ctx)` gets each partition as `{ name: column }` (an
   * Int32Array, BigInt64Array or Float64Array for an int, bigint or double column without nulls, else an array of
   * values with null for null) and returns `{ name: column }` for every column of `schema` (typed arrays or arrays
   * of values), maybe from a Promise. Lazy: the first action that reads the result runs it, once per partition, and
   * its rows are then held like a cache (unpersist() frees them). Free variables go in `captures`, as for F.udf.
   */
  mapPartitions(fn: (columns: PartitionColumns, ctx: UserPartitionContext) => PartitionColumns | Promise<PartitionColumns>, schema: Schema | string, options: { captures?: Readonly<Record<string, unknown>> } = {}): DataFrame {
    const s = typeof schema === 'string' ? parseSchemaString(schema) : schema;
    for (const f of s.fields) if (!f.name) throw new AnalysisError('mapPartitions(): every output column needs a name');
    return this.derive(this.session.mapPartitions(this.plan, shipFunction(fn, options.captures, 'mapPartitions'), s));
  }

  /** Spark's foreachPartition: runs `fn(columns, ctx)` on every partition (shaped as for mapPartitions) for its side effects; resolves when all have run. */
  async foreachPartition(fn: (columns: PartitionColumns, ctx: UserPartitionContext) => unknown, options: { captures?: Readonly<Record<string, unknown>> } = {}): Promise<void> {
    await this.session.foreachPartition(this.plan, shipFunction(fn, options.captures, 'foreachPartition'));
  }
}
