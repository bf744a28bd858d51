// Oracle-checked queries (joins, aggregations, sorts, windows, a global sort) run both embedded and on a cluster.
import { type DataFrame, F, Window, col } from '@quiver/core';
import type { ColSpec } from '../oracle.js';

export const T_SPECS: ColSpec[] = [
  { name: 'id', type: 'int', serial: true },
  { name: 'k', type: 'int', min: 0, max: 9 },
  { name: 'i', type: 'int', min: -1000, max: 1000 },
  { name: 'b', type: 'bigint', huge: true },
  { name: 'v', type: 'double' },
  { name: 's', type: 'string', cardinality: 30 },
  { name: 'dt', type: 'date' },
];
export const U_SPECS: ColSpec[] = [
  { name: 'id2', type: 'int', serial: true },
  { name: 'k', type: 'int', min: 0, max: 14 },
  { name: 'w', type: 'string', cardinality: 25 },
  { name: 'x', type: 'double' },
];

export interface Query { name: string; df: DataFrame; sql: string; ordered?: boolean }

export function queries(t: DataFrame, u: DataFrame): Query[] {
  return [
    {
      name: 'grouped aggregation',
      df: t.groupBy('k').agg(F.count('*').alias('n'), F.sum('i').alias('si'), F.avg('v').alias('av'), F.max('s').alias('ms'), F.countDistinct('s').alias('ds')),
      sql: 'SELECT k, count(*) AS n, sum(i) AS si, avg(v) AS av, max(s) AS ms, count(DISTINCT s) AS ds FROM t GROUP BY k',
    },
    {
      name: 'global aggregation',
      df: t.agg(F.max('b').alias('mb'), F.min('dt').alias('mdt'), F.count('v').alias('cv')),
      sql: 'SELECT max(b) AS mb, min(dt) AS mdt, count(v) AS cv FROM t',
    },
    {
      name: 'inner equi-join (shuffled)',
      df: t.join(u, t.col('k').equalTo(u.col('k'))).select(t.col('id'), u.col('id2'), t.col('s'), u.col('w')),
      sql: 'SELECT t.id, u.id2, t.s, u.w FROM t JOIN u ON t.k = u.k',
    },
    {
      name: 'left outer join then aggregate',
      df: t.join(u, t.col('i').equalTo(u.col('id2')), 'left').groupBy(t.col('k')).agg(F.count(u.col('w')).alias('nw'), F.sum(u.col('x')).alias('sx')),
      sql: 'SELECT t.k, count(u.w) AS nw, sum(u.x) AS sx FROM t LEFT JOIN u ON t.i = u.id2 GROUP BY t.k',
    },
    {
      name: 'global sort (range exchange)',
      df: t.orderBy(col('i').desc(), col('id')).select('id', 'i', 's'),
      sql: 'SELECT id, i, s FROM t ORDER BY i DESC NULLS LAST, id',
      ordered: true,
    },
    {
      name: 'top-k',
      df: t.orderBy(col('v'), col('id')).limit(25).select('id', 'v'),
      sql: 'SELECT id, v FROM t ORDER BY v NULLS FIRST, id LIMIT 25',
      ordered: true,
    },
    {
      name: 'window functions',
      df: t.select('id', 'k', F.row_number().over(Window.partitionBy('k').orderBy('id')).alias('rn'), F.sum('i').over(Window.partitionBy('k').orderBy('id')).alias('running')),
      sql: 'SELECT id, k, row_number() OVER (PARTITION BY k ORDER BY id) AS rn, sum(i) OVER (PARTITION BY k ORDER BY id) AS running FROM t',
    },
    {
      name: 'distinct after repartition',
      df: t.repartition(5).select('k', 's').distinct(),
      sql: 'SELECT DISTINCT k, s FROM t',
    },
  ];
}
