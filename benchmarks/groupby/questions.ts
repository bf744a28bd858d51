// The ten db-benchmark groupby questions. The SQL is verbatim from h2oai/db-benchmark
// duckdb/groupby-duckdb.R (without its CREATE TEMP TABLE wrapper); the Quiver side is the
// same query written with the Spark-style DataFrame API.
import type * as Quiver from '@quiver/core';

export type QuiverSession = Awaited<ReturnType<ReturnType<typeof Quiver.Session.builder>['getOrCreate']>>;
export type QuiverFrame = ReturnType<QuiverSession['read']['parquet']>;
/** The value exports a question needs; passed in because @quiver/core is loaded lazily. */
export type QuiverLib = Pick<typeof Quiver, 'col' | 'lit' | 'F' | 'Window'>;

export interface Question {
  id: string;
  /** db-benchmark's question label. */
  name: string;
  /** Grouping columns, the leading columns of the answer. */
  keys: readonly string[];
  /** Answer columns summed into the checksum, as db-benchmark's `chk`. */
  chk: readonly string[];
  /** DuckDB query over the loaded table `x`. */
  sql: string;
  quiver: (q: QuiverLib, x: QuiverFrame) => QuiverFrame;
}

export const QUESTIONS: readonly Question[] = [
  {
    id: 'q1', name: 'sum v1 by id1', keys: ['id1'], chk: ['v1'],
    sql: 'SELECT id1, sum(v1) AS v1 FROM x GROUP BY id1',
    quiver: ({ F }, x) => x.groupBy('id1').agg(F.sum('v1').alias('v1')),
  },
  {
    id: 'q2', name: 'sum v1 by id1:id2', keys: ['id1', 'id2'], chk: ['v1'],
    sql: 'SELECT id1, id2, sum(v1) AS v1 FROM x GROUP BY id1, id2',
    quiver: ({ F }, x) => x.groupBy('id1', 'id2').agg(F.sum('v1').alias('v1')),
  },
  {
    id: 'q3', name: 'sum v1 mean v3 by id3', keys: ['id3'], chk: ['v1', 'v3'],
    sql: 'SELECT id3, sum(v1) AS v1, avg(v3) AS v3 FROM x GROUP BY id3',
    quiver: ({ F }, x) => x.groupBy('id3').agg(F.sum('v1').alias('v1'), F.mean('v3').alias('v3')),
  },
  {
    id: 'q4', name: 'mean v1:v3 by id4', keys: ['id4'], chk: ['v1', 'v2', 'v3'],
    sql: 'SELECT id4, avg(v1) AS v1, avg(v2) AS v2, avg(v3) AS v3 FROM x GROUP BY id4',
    quiver: ({ F }, x) => x.groupBy('id4')
      .agg(F.mean('v1').alias('v1'), F.mean('v2').alias('v2'), F.mean('v3').alias('v3')),
  },
  {
    id: 'q5', name: 'sum v1:v3 by id6', keys: ['id6'], chk: ['v1', 'v2', 'v3'],
    sql: 'SELECT id6, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3 FROM x GROUP BY id6',
    quiver: ({ F }, x) => x.groupBy('id6')
      .agg(F.sum('v1').alias('v1'), F.sum('v2').alias('v2'), F.sum('v3').alias('v3')),
  },
  {
    id: 'q6', name: 'median v3 sd v3 by id4 id5', keys: ['id4', 'id5'], chk: ['median_v3', 'sd_v3'],
    sql: 'SELECT id4, id5, quantile_cont(v3, 0.5) AS median_v3, stddev(v3) AS sd_v3 FROM x GROUP BY id4, id5',
    quiver: ({ F }, x) => x.groupBy('id4', 'id5')
      .agg(F.median('v3').alias('median_v3'), F.stddev('v3').alias('sd_v3')),
  },
  {
    id: 'q7', name: 'max v1 - min v2 by id3', keys: ['id3'], chk: ['range_v1_v2'],
    sql: 'SELECT id3, max(v1)-min(v2) AS range_v1_v2 FROM x GROUP BY id3',
    quiver: ({ F }, x) => x.groupBy('id3').agg(F.max('v1').minus(F.min('v2')).alias('range_v1_v2')),
  },
  {
    id: 'q8', name: 'largest two v3 by id6', keys: ['id6'], chk: ['largest2_v3'],
    sql: 'SELECT id6, v3 AS largest2_v3 FROM (SELECT id6, v3, row_number() OVER (PARTITION BY id6 ORDER BY v3 DESC) AS order_v3 FROM x WHERE v3 IS NOT NULL) sub_query WHERE order_v3 <= 2',
    quiver: ({ col, F, Window }, x) => x
      .where(col('v3').isNotNull())
      .select(col('id6'), col('v3'),
        F.row_number().over(Window.partitionBy('id6').orderBy(col('v3').desc())).alias('order_v3'))
      .where(col('order_v3').leq(2))
      .select(col('id6'), col('v3').alias('largest2_v3')),
  },
  {
    id: 'q9', name: 'regression v1 v2 by id2 id4', keys: ['id2', 'id4'], chk: ['r2'],
    sql: 'SELECT id2, id4, pow(corr(v1, v2), 2) AS r2 FROM x GROUP BY id2, id4',
    quiver: ({ F }, x) => x.groupBy('id2', 'id4').agg(F.pow(F.corr('v1', 'v2'), 2).alias('r2')),
  },
  {
    id: 'q10', name: 'sum v3 count by id1:id6', keys: ['id1', 'id2', 'id3', 'id4', 'id5', 'id6'], chk: ['v3', 'count'],
    sql: 'SELECT id1, id2, id3, id4, id5, id6, sum(v3) AS v3, count(*) AS count FROM x GROUP BY id1, id2, id3, id4, id5, id6',
    quiver: ({ F }, x) => x.groupBy('id1', 'id2', 'id3', 'id4', 'id5', 'id6')
      .agg(F.sum('v3').alias('v3'), F.count('*').alias('count')),
  },
];
