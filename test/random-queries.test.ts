/**
 * Seeded random queries: filter / project / aggregate / join / sort+limit / distinct shapes over two generated
 * tables, each built both as a Quiver DataFrame and as DuckDB SQL with Spark's semantics, compared by the oracle.
 * A failure prints the seed and query number, so it reproduces exactly.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Column, type DataFrame, F, Session, col, lit } from '@quiver/core';
import { type ColSpec, Oracle, checkQuery, makeTable, pick, randInt, rng } from './oracle.js';

const SEED = 20240611;
const QUERIES = 300;

type Kind = 'int' | 'double' | 'string';
interface Source { df: DataFrame; sql: string; cols: [string, Kind][]; big: boolean }
/** An expression in both languages. */
interface Ex { c: Column; s: string; kind: Kind }

const R1: ColSpec[] = [
  { name: 'id', type: 'int', serial: true },
  { name: 'a', type: 'int', min: 0, max: 40 },
  { name: 'b', type: 'int', min: -100, max: 100, nulls: 0.15 },
  { name: 'x', type: 'double' },
  { name: 's', type: 'string', cardinality: 15 },
];
const R2: ColSpec[] = [
  { name: 'id2', type: 'int', serial: true },
  { name: 'a', type: 'int', min: 0, max: 49 },
  { name: 'c', type: 'int', min: -50, max: 50 },
  { name: 'y', type: 'double', nulls: 0.2 },
  { name: 't', type: 'string', cardinality: 10 },
];

let spark: Session;
let oracle: Oracle;
let r1: DataFrame;
let r2: DataFrame;

beforeAll(async () => {
  spark = await Session.builder().appName('random-queries').master('local[2]').getOrCreate();
  oracle = await Oracle.create();
  r1 = (await makeTable(spark, oracle, 'r1', R1, 2000, SEED)).df;
  r2 = (await makeTable(spark, oracle, 'r2', R2, 300, SEED + 1)).df;
});

afterAll(async () => {
  await spark?.stop();
});

class Gen {
  constructor(private readonly r: () => number) {}

  private colOf(src: Source, kind: Kind): Ex | null {
    const cs = src.cols.filter(([, k]) => k === kind);
    if (cs.length === 0) return null;
    const [name] = pick(this.r, cs);
    return { c: col(name), s: `"${name}"`, kind };
  }

  int(src: Source, depth = 0): Ex {
    const r = this.r();
    if (depth >= 2 || r < 0.45) return this.colOf(src, 'int')!;
    if (r < 0.55) { const v = randInt(this.r, -20, 20); return { c: lit(v), s: `(${v})`, kind: 'int' }; }
    const a = this.int(src, depth + 1);
    if (r < 0.7) { const b = this.int(src, depth + 1); return { c: a.c.plus(b.c), s: `(${a.s} + ${b.s})`, kind: 'int' }; }
    if (r < 0.8) { const b = this.int(src, depth + 1); return { c: a.c.minus(b.c), s: `(${a.s} - ${b.s})`, kind: 'int' }; }
    if (r < 0.88) { const m = randInt(this.r, -3, 3); return { c: a.c.multiply(m), s: `(${a.s} * (${m}))`, kind: 'int' }; }
    // Spark's % takes the dividend's sign, as DuckDB's; the divisor here is never 0
    if (r < 0.94) { const m = randInt(this.r, 2, 7); return { c: a.c.mod(m), s: `(${a.s} % ${m})`, kind: 'int' }; }
    return { c: F.abs(a.c), s: `abs(${a.s})`, kind: 'int' };
  }

  double(src: Source): Ex {
    const r = this.r();
    const d = this.colOf(src, 'double')!;
    if (r < 0.4) return d;
    const a = this.int(src, 1);
    if (r < 0.6) {
      const b = this.int(src, 1);
      // Spark: int / int is double division, and division by zero is null
      return { c: a.c.divide(b.c), s: `(CASE WHEN ${b.s} = 0 THEN NULL ELSE ${a.s}::DOUBLE / ${b.s} END)`, kind: 'double' };
    }
    if (r < 0.8) return { c: d.c.plus(a.c), s: `(${d.s} + ${a.s})`, kind: 'double' };
    return { c: d.c.multiply(0.5), s: `(${d.s} * 0.5)`, kind: 'double' };
  }

  str(src: Source): Ex {
    const s = this.colOf(src, 'string')!;
    const r = this.r();
    if (r < 0.6) return s;
    if (r < 0.75) return { c: F.upper(s.c), s: `upper(${s.s})`, kind: 'string' };
    if (r < 0.9) return { c: F.substring(s.c, 1, 2), s: `substring(${s.s}, 1, 2)`, kind: 'string' };
    // Spark's concat is null if any argument is; DuckDB's || is too
    return { c: F.concat(s.c, lit('_'), s.c), s: `(${s.s} || '_' || ${s.s})`, kind: 'string' };
  }

  num(src: Source): Ex { return this.r() < 0.6 ? this.int(src) : this.double(src); }

  pred(src: Source, depth = 0): Ex {
    const r = this.r();
    const B = (c: Column, s: string): Ex => ({ c, s, kind: 'int' });
    if (depth < 2 && r < 0.2) {
      const a = this.pred(src, depth + 1);
      const b = this.pred(src, depth + 1);
      return this.r() < 0.5 ? B(a.c.and(b.c), `(${a.s} AND ${b.s})`) : B(a.c.or(b.c), `(${a.s} OR ${b.s})`);
    }
    if (depth < 2 && r < 0.27) { const a = this.pred(src, depth + 1); return B(a.c.not(), `(NOT ${a.s})`); }
    if (r < 0.6) {
      const a = this.num(src);
      const b = this.r() < 0.5 ? this.num(src) : (() => { const v = randInt(this.r, -50, 50); return { c: lit(v), s: `(${v})`, kind: 'int' as Kind }; })();
      const ops: [keyof Column & string, string][] = [['gt', '>'], ['lt', '<'], ['geq', '>='], ['leq', '<='], ['eq', '='], ['neq', '<>']];
      const [m, op] = pick(this.r, ops);
      return B((a.c[m] as (o: unknown) => Column).call(a.c, b.c), `(${a.s} ${op} ${b.s})`);
    }
    if (r < 0.7) { const a = this.num(src); return this.r() < 0.5 ? B(a.c.isNull(), `(${a.s} IS NULL)`) : B(a.c.isNotNull(), `(${a.s} IS NOT NULL)`); }
    if (r < 0.8) { const vs = [randInt(this.r, 0, 10), randInt(this.r, 0, 40), randInt(this.r, -5, 5)]; const a = this.int(src); return B(a.c.isin(...vs), `(${a.s} IN (${vs.join(', ')}))`); }
    if (r < 0.88) { const lo = randInt(this.r, -50, 10); const a = this.int(src); return B(a.c.between(lo, lo + 30), `(${a.s} BETWEEN ${lo} AND ${lo + 30})`); }
    const s = this.str(src);
    const p = pick(this.r, ['a', 'A', 'ab', '日', 'x']);
    return this.r() < 0.5 ? B(s.c.startsWith(p), `starts_with(${s.s}, '${p}')`) : B(s.c.contains(p), `contains(${s.s}, '${p}')`);
  }

  expr(src: Source): Ex {
    const r = this.r();
    return r < 0.45 ? this.int(src) : r < 0.8 ? this.double(src) : this.str(src);
  }

  agg(src: Source, n: number): Ex {
    const r = this.r();
    const alias = (c: Column, s: string): Ex => ({ c: c.alias(`g${n}`), s, kind: 'int' });
    if (r < 0.12) return alias(F.count('*'), 'count(*)');
    if (r < 0.22) { const e = this.expr(src); return alias(F.count(e.c), `count(${e.s})`); }
    // Spark: sum(int) is bigint and avg is always double; DuckDB agrees on values (its hugeint sum compares exactly)
    if (r < 0.4) { const e = this.num(src); return alias(F.sum(e.c), `sum(${e.s})`); }
    if (r < 0.55) { const e = this.num(src); return alias(F.avg(e.c), `avg(${e.s})`); }
    if (r < 0.7) { const e = this.expr(src); return alias(F.min(e.c), `min(${e.s})`); }
    if (r < 0.85) { const e = this.expr(src); return alias(F.max(e.c), `max(${e.s})`); }
    if (r < 0.93) { const e = this.int(src); return alias(F.countDistinct(e.c), `count(DISTINCT ${e.s})`); }
    const e = this.num(src);
    return alias(F.stddev(e.c), `stddev_samp(${e.s})`);
  }

  source(): Source {
    const r = this.r();
    const c1: [string, Kind][] = [['id', 'int'], ['a', 'int'], ['b', 'int'], ['x', 'double'], ['s', 'string']];
    const c2: [string, Kind][] = [['id2', 'int'], ['a', 'int'], ['c', 'int'], ['y', 'double'], ['t', 'string']];
    if (r < 0.45) return { df: r1, sql: 'r1', cols: c1, big: false };
    if (r < 0.55) return { df: r2, sql: 'r2', cols: c2, big: false };
    if (r < 0.65) {
      const how = pick(this.r, ['left_semi', 'left_anti']);
      const not = how === 'left_anti' ? 'NOT ' : '';
      return { df: r1.join(r2, 'a', how), sql: `(SELECT * FROM r1 WHERE ${not}EXISTS (SELECT 1 FROM r2 WHERE r2.a = r1.a)) q`, cols: c1, big: false };
    }
    const how = pick(this.r, ['inner', 'left', 'right', 'full']);
    const cols: [string, Kind][] = [['a', 'int'], ...c1.filter(([n]) => n !== 'a'), ...c2.filter(([n]) => n !== 'a')];
    if (this.r() < 0.5) {
      // a USING join's key is the left key, or the right one where the left row is missing
      return { df: r1.join(r2, 'a', how), sql: `(SELECT coalesce(r1.a, r2.a) AS a, id, b, x, s, id2, c, y, t FROM r1 ${how.toUpperCase()} JOIN r2 ON r1.a = r2.a) j`, cols, big: true };
    }
    const l = r1.withColumnRenamed('a', 'a1');
    const rr = r2.withColumnRenamed('a', 'a2');
    const k = randInt(this.r, -50, 50);
    const df = l.join(rr, l.col('a1').eq(rr.col('a2')).and(l.col('b').gt(rr.col('c')).or(rr.col('c').lt(k))), how);
    const cols2: [string, Kind][] = [['a1', 'int'], ...c1.filter(([n]) => n !== 'a'), ['a2', 'int'], ...c2.filter(([n]) => n !== 'a')];
    return { df, sql: `(SELECT r1.a AS a1, id, b, x, s, r2.a AS a2, id2, c, y, t FROM r1 ${how.toUpperCase()} JOIN r2 ON r1.a = r2.a AND (r1.b > r2.c OR r2.c < ${k})) j`, cols: cols2, big: true };
  }

  /** One query: the Quiver DataFrame, the SQL, and whether the SQL orders every row. */
  query(): { df: DataFrame; sql: string; ordered: boolean } {
    const src = this.source();
    let df = src.df;
    let where = '';
    if (this.r() < 0.6) { const p = this.pred(src); df = df.filter(p.c); where = ` WHERE ${p.s}`; }
    const shape = this.r();
    if (src.big || shape < 0.45) {
      const keys: Ex[] = [];
      for (let i = randInt(this.r, 0, 2); i > 0; i--) {
        const kr = this.r();
        const k = kr < 0.5 ? this.colOf(src, 'int')! : kr < 0.8 ? this.colOf(src, 'string')! : (() => { const e = this.int(src, 1); return { c: e.c.mod(5), s: `(${e.s} % 5)`, kind: 'int' as Kind }; })();
        keys.push({ ...k, c: k.c.alias(`k${i}`) });
      }
      const aggs = Array.from({ length: randInt(this.r, 1, 3) }, (_, n) => this.agg(src, n));
      const grouped = df.groupBy(...keys.map((k) => k.c)).agg(...aggs.map((a) => a.c));
      const group = keys.length ? ` GROUP BY ${keys.map((k) => k.s).join(', ')}` : '';
      return { df: grouped, sql: `SELECT ${[...keys.map((k) => k.s), ...aggs.map((a) => a.s)].join(', ')} FROM ${src.sql}${where}${group}`, ordered: false };
    }
    const exprs = Array.from({ length: randInt(this.r, 1, 4) }, () => this.expr(src));
    const idCol = src.cols[0]![0];
    const projected = df.select(...exprs.map((e, n) => e.c.alias(`e${n}`)));
    const list = exprs.map((e) => e.s).join(', ');
    if (shape < 0.7) return { df: projected, sql: `SELECT ${list} FROM ${src.sql}${where}`, ordered: false };
    if (shape < 0.85) return { df: projected.distinct(), sql: `SELECT DISTINCT ${list} FROM ${src.sql}${where}`, ordered: false };
    // sort by a random expression then the unique id, so the order (and the limit) is fully determined
    const key = this.num(src);
    const desc = this.r() < 0.5;
    const n = randInt(this.r, 0, 50);
    const sorted = df.orderBy(desc ? key.c.desc() : key.c.asc(), col(idCol)).limit(n).select(...exprs.map((e, i) => e.c.alias(`e${i}`)));
    // Spark sorts nulls first ascending and last descending
    return { df: sorted, sql: `SELECT ${list} FROM ${src.sql}${where} ORDER BY ${key.s} ${desc ? 'DESC NULLS LAST' : 'ASC NULLS FIRST'}, "${idCol}" LIMIT ${n}`, ordered: true };
  }
}

it(`${QUERIES} random queries agree with DuckDB (seed ${SEED})`, async () => {
  const gen = new Gen(rng(SEED));
  const failures: string[] = [];
  for (let n = 0; n < QUERIES; n++) {
    let sql = '(query not built)';
    try {
      const query = gen.query();
      sql = query.sql;
      await checkQuery(oracle, query.df, query.sql, { ordered: query.ordered });
    } catch (err) {
      failures.push(`#${n}: ${(err as Error).message.includes('disagree') ? (err as Error).message : `${(err as Error).name}: ${(err as Error).message}\nSQL: ${sql}`}`);
    }
  }
  expect(failures, `${failures.length} of ${QUERIES} queries failed:\n\n${failures.slice(0, 8).join('\n\n')}`).toEqual([]);
}, 120_000);
