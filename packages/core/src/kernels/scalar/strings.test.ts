import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { BoundExpr } from '../../expr/bound.js';
import { AnalysisError } from '../../errors.js';
import { type DataType, Int32Type, ListType, Utf8Type, typesEqual } from '../../types/data-type.js';
import { makeBatch } from '../../types/batch.js';
import { Schema, field } from '../../types/schema.js';
import { getValue, vecFromValues } from '../../types/vec.js';
import { evaluate } from '../evaluate.js';
import { lookupScalar } from './registry.js';

let duck: DuckDBConnection;
beforeAll(async () => { duck = await (await DuckDBInstance.create(':memory:')).connect(); });
afterAll(() => duck.closeSync());

const S = (index: number): BoundExpr => ({ op: 'ref', index, type: Utf8Type });
const I = (index: number): BoundExpr => ({ op: 'ref', index, type: Int32Type });
const lit = (value: unknown, type: DataType = typeof value === 'number' ? Int32Type : Utf8Type): BoundExpr => ({ op: 'lit', value, type });

/** Binds a call the way the analyzer does: the function's implicit casts, then its return type. */
function call(fn: string, ...args: BoundExpr[]): BoundExpr {
  const f = lookupScalar(fn)!;
  const want = f.coerce ? f.coerce(args.map((a) => a.type)) : args.map((a) => a.type);
  const cast = args.map((a, i): BoundExpr => (typesEqual(a.type, want[i]!) ? a : { op: 'cast', child: a, type: want[i]! }));
  return { op: 'call', fn, args: cast, type: f.returnType(cast.map((a) => a.type)) };
}

interface Column { readonly type: DataType; readonly sqlType: string; readonly values: readonly unknown[] }

const sqlLiteral = (x: unknown, sqlType: string): string =>
  x === null ? `NULL::${sqlType}` : `'${String(x).replaceAll("'", "''")}'::${sqlType}`;

function run(columns: readonly Column[], e: BoundExpr): unknown[] {
  const vecs = columns.map((c) => vecFromValues(c.type, c.values));
  const batch = makeBatch(new Schema(columns.map((c, i) => field(`c${i}`, c.type))), vecs, columns[0]!.values.length);
  const out = evaluate(e, batch);
  return Array.from({ length: out.length }, (_, i) => getValue(out, i));
}

/** Runs `sql` over columns c0, c1, ... in DuckDB, row order kept; a dummy row keeps VALUES valid for empty input. */
async function duckdb(columns: readonly Column[], sql: string): Promise<unknown[]> {
  const n = columns[0]!.values.length;
  const rows = [-1, ...Array.from({ length: n }, (_, i) => i)].map((i) =>
    `(${i}, ${columns.map((c) => sqlLiteral(i < 0 ? null : c.values[i], c.sqlType)).join(', ')})`);
  const names = columns.map((_, i) => `c${i}`).join(', ');
  const r = await duck.runAndReadAll(`SELECT ${sql} AS r FROM (VALUES ${rows.join(', ')}) t(i, ${names}) WHERE i >= 0 ORDER BY i`);
  return r.getRowObjectsJS().map((o) => o.r);
}

async function expectLikeDuckDB(columns: readonly Column[], e: BoundExpr, sql: string): Promise<void> {
  expect(run(columns, e)).toEqual(await duckdb(columns, sql));
}

const str = (values: readonly (string | null)[]): Column => ({ type: Utf8Type, sqlType: 'VARCHAR', values });
const int = (values: readonly (number | null)[]): Column => ({ type: Int32Type, sqlType: 'INTEGER', values });

const WORDS = str(['Hello World', '', null, 'ÄÖü éà', '日本語テキスト', 'emoji 😀🎉 x', '  padded  ', '\tTab ', 'MiXeD CaSe', 'a,b,,c,', 'abc123def456']);
const EMPTY = str([]);

describe('case, trim, length, reverse', () => {
  it('lower and upper match DuckDB on unicode, empty strings and nulls', async () => {
    await expectLikeDuckDB([WORDS], call('lower', S(0)), 'lower(c0)');
    await expectLikeDuckDB([WORDS], call('upper', S(0)), 'upper(c0)');
    await expectLikeDuckDB([EMPTY], call('upper', S(0)), 'upper(c0)');
  });

  it('upper follows Java case mapping where DuckDB does not (ß becomes SS)', () => {
    expect(run([str(['straße'])], call('upper', S(0)))).toEqual(['STRASSE']);
  });

  it('trim, ltrim and rtrim strip only ASCII spaces, as Spark does', async () => {
    // DuckDB's one-argument trim also strips other whitespace; trim(s, ' ') states Spark's behaviour.
    await expectLikeDuckDB([WORDS], call('trim', S(0)), "trim(c0, ' ')");
    await expectLikeDuckDB([WORDS], call('ltrim', S(0)), "ltrim(c0, ' ')");
    await expectLikeDuckDB([WORDS], call('rtrim', S(0)), "rtrim(c0, ' ')");
  });

  it('length counts code points, so an emoji is one character', async () => {
    await expectLikeDuckDB([WORDS], call('length', S(0)), 'length(c0)::INTEGER');
  });

  it('reverse reverses code points, keeping surrogate pairs whole', async () => {
    await expectLikeDuckDB([WORDS], call('reverse', S(0)), 'reverse(c0)');
  });

  it('length and reverse cast numbers to strings first', async () => {
    const nums = int([12345, -7, null]);
    await expectLikeDuckDB([nums], call('length', I(0)), 'length(c0::VARCHAR)::INTEGER');
    await expectLikeDuckDB([nums], call('reverse', I(0)), 'reverse(c0::VARCHAR)');
  });

  it('initcap lowercases, then capitalises after each space (DuckDB has no initcap; Spark documents these outputs)', () => {
    expect(run([str(['sPark sql', 'hello  wORLD', '', null, 'éa ÄB'])], call('initcap', S(0)))).toEqual(['Spark Sql', 'Hello  World', '', null, 'Éa Äb']);
  });
});

describe('substring', () => {
  const positions = [1, 0, 3, -3, -20, 50, 2];
  const lengths = [3, 2, 100, 2, 18, 1, -1];
  const rows = (WORDS.values as readonly (string | null)[]).flatMap((s) => positions.map(() => s));
  const words = str(rows);
  const pos = int(rows.map((_, i) => positions[i % positions.length]!));
  const len = int(rows.map((_, i) => lengths[i % lengths.length]!));
  // Spark: start = pos - 1 for pos > 0, length + pos for pos < 0, 0 for pos = 0; end = start + len; then clamp.
  // DuckDB treats position 0 and far-negative positions differently, so the query computes Spark's bounds.
  const sparkStart = 'CASE WHEN c1 > 0 THEN c1 - 1 WHEN c1 < 0 THEN length(c0) + c1 ELSE 0 END';
  const sparkSql = `substring(c0, greatest(${sparkStart}, 0) + 1, greatest(${sparkStart} + c2 - greatest(${sparkStart}, 0), 0))`;

  it('uses Spark positions (1-based, 0 as 1, negative from the end) for per-row positions and lengths', async () => {
    await expectLikeDuckDB([words, pos, len], call('substring', S(0), I(1), I(2)), sparkSql);
  });

  it('takes literal positions and defaults the length to the rest of the string', async () => {
    await expectLikeDuckDB([WORDS], call('substring', S(0), lit(-4), lit(2)), 'substring(c0, -4, 2)');
    await expectLikeDuckDB([WORDS], call('substring', S(0), lit(3)), 'substring(c0, 3)');
    expect(run([str(['hello'])], call('substring', S(0), lit(0), lit(2)))).toEqual(['he']);
  });
});

describe('concat and concat_ws', () => {
  const a = str(['x', null, '', 'ÄÖ', '😀']);
  const b = str(['y', 'z', null, '日本', '']);
  const n = int([1, 2, 3, null, -5]);

  it('concat is null when any argument is null and casts numbers to strings', async () => {
    // DuckDB's concat() skips nulls; its || operator has Spark's null semantics.
    await expectLikeDuckDB([a, b, n], call('concat', S(0), S(1), I(2)), 'c0 || c1 || c2::VARCHAR');
    await expectLikeDuckDB([a, b, n], call('concat', S(0), lit('-'), S(1)), "c0 || '-' || c1");
    await expectLikeDuckDB([EMPTY, EMPTY], call('concat', S(0), S(1)), 'c0 || c1');
  });

  it('concat of a null literal is null on every row', async () => {
    await expectLikeDuckDB([a], call('concat', S(0), lit(null, Utf8Type)), 'c0 || NULL');
  });

  it('concat_ws skips null arguments and is null only for a null separator', async () => {
    await expectLikeDuckDB([a, b, n], call('concat_ws', lit(', '), S(0), S(1), I(2)), "concat_ws(', ', c0, c1, c2::VARCHAR)");
    await expectLikeDuckDB([a, b], call('concat_ws', lit('|'), S(0)), "concat_ws('|', c0)");
    await expectLikeDuckDB([a, b], call('concat_ws', S(1), S(0), S(0)), 'CASE WHEN c1 IS NULL THEN NULL ELSE concat_ws(c1, c0, c0) END');
  });
});

describe('regular expressions', () => {
  const text = str(['a1b22c333', '', null, 'no digits', 'ÄÖ12ü', '😀7😀', 'x-y_z', 'AbC abc']);

  it('split keeps empty pieces between and after separators (limit -1), like DuckDB string_split_regex', async () => {
    const csv = str(['a,b,,c,', ',lead', 'one', '日本,語', null, 'x;y,z']);
    await expectLikeDuckDB([csv], call('split', S(0), lit('[,;]'), lit(-1)), "string_split_regex(c0, '[,;]')");
    await expectLikeDuckDB([text], call('split', S(0), lit('\\d+')), "string_split_regex(c0, '\\d+')");
  });

  it('split follows Java String.split for limits, empty input and empty patterns (outputs from the Spark docs)', () => {
    const s = str(['oneAtwoBthreeC', '', 'ab😀']);
    expect(run([s], call('split', S(0), lit('[ABC]'), lit(2)))).toEqual([['one', 'twoBthreeC'], [''], ['ab😀']]);
    expect(run([s], call('split', S(0), lit('[ABC]'), lit(-1)))).toEqual([['one', 'two', 'three', ''], [''], ['ab😀']]);
    expect(run([s], call('split', S(0), lit(''), lit(-1)))).toEqual([
      ['o', 'n', 'e', 'A', 't', 'w', 'o', 'B', 't', 'h', 'r', 'e', 'e', 'C'], [''], ['a', 'b', '😀'],
    ]);
    expect(run([s], call('split', S(0), lit(''), lit(2)))).toEqual([['o', 'neAtwoBthreeC'], [''], ['a', 'b😀']]);
    expect(call('split', S(0), lit(',')).type).toEqual(ListType(Utf8Type));
  });

  it('regexp_replace replaces every match and translates Java $n group references', async () => {
    await expectLikeDuckDB([text], call('regexp_replace', S(0), lit('(\\d)(\\d*)'), lit('<$2$1>')), "regexp_replace(c0, '(\\d)(\\d*)', '<\\2\\1>', 'g')");
    await expectLikeDuckDB([text], call('regexp_replace', S(0), lit('[a-c]'), lit('$0$0')), "regexp_replace(c0, '[a-c]', '\\0\\0', 'g')");
    await expectLikeDuckDB([text], call('regexp_replace', S(0), lit('\\p{L}'), lit('\\$')), "regexp_replace(c0, '\\pL', '$', 'g')");
    await expectLikeDuckDB([text], call('regexp_replace', S(0), lit('(?i)abc'), lit('*')), "regexp_replace(c0, '(?i)abc', '*', 'g')");
  });

  it('regexp_replace with the pattern in a column compiles each distinct pattern once', async () => {
    const patterns = str(['\\d', '', 'x', null, '[Ö]', '.', 'z', 'a']);
    await expectLikeDuckDB([text, patterns], call('regexp_replace', S(0), S(1), lit('#')), "regexp_replace(c0, c1, '#', 'g')");
  });

  it('regexp_replace rejects a reference to a group the pattern lacks, naming the function', () => {
    expect(() => run([text], call('regexp_replace', S(0), lit('(a)'), lit('$2')))).toThrow(/regexp_replace.*group 2/);
  });

  it('regexp_extract returns the group, or an empty string when nothing matches', async () => {
    await expectLikeDuckDB([text], call('regexp_extract', S(0), lit('([a-z])(\\d+)'), lit(2)), "regexp_extract(c0, '([a-z])(\\d+)', 2)");
    await expectLikeDuckDB([text], call('regexp_extract', S(0), lit('\\d+'), lit(0)), "regexp_extract(c0, '\\d+', 0)");
    await expectLikeDuckDB([text], call('regexp_extract', S(0), lit('(x)|(\\d)'), lit(1)), "regexp_extract(c0, '(x)|(\\d)', 1)");
  });

  it('regexp_extract rejects a group index beyond the pattern', () => {
    expect(() => run([text], call('regexp_extract', S(0), lit('(a)'), lit(3)))).toThrow(/regexp_extract.*group index 3/);
  });

  it('rlike finds a match anywhere, like DuckDB regexp_matches', async () => {
    await expectLikeDuckDB([text], call('rlike', S(0), lit('\\d{2}')), "regexp_matches(c0, '\\d{2}')");
    await expectLikeDuckDB([text], call('rlike', S(0), lit('^[^0-9]*$')), "regexp_matches(c0, '^[^0-9]*$')");
    await expectLikeDuckDB([text], call('rlike', S(0), lit('\\Qx-y\\E')), "regexp_matches(c0, 'x\\-y')");
  });

  it('translates Java-only syntax: POSIX classes, possessive quantifiers, \\Q..\\E', () => {
    const s = str(['ab12', 'a.b', '']);
    expect(run([s], call('regexp_replace', S(0), lit('\\p{Alpha}++'), lit('_')))).toEqual(['_12', '_._', '']);
    expect(run([s], call('rlike', S(0), lit('\\Qa.b\\E')))).toEqual([false, true, false]);
  });

  it('an invalid regex is an AnalysisError naming the function and pattern', () => {
    expect(() => run([text], call('rlike', S(0), lit('(')))).toThrow(AnalysisError);
    expect(() => run([text], call('rlike', S(0), lit('(')))).toThrow(/rlike.*'\('/);
  });
});

describe('like and substring predicates', () => {
  const text = str(['abc', 'a_c', 'a%c', '', null, 'ÄbÖ', '😀bc', 'ab\nc', 'xabcx']);

  it('like supports %, _ and backslash escapes; _ matches one code point', async () => {
    for (const p of ['a%', '%b%', '_bc', 'a\\_c', 'a\\%c', '%', '', '__', 'ab%c', '%c']) {
      await expectLikeDuckDB([text], call('like', S(0), lit(p)), `c0 LIKE '${p}' ESCAPE '\\'`);
    }
  });

  it('like with the pattern in a column', async () => {
    const patterns = str(['a%', '_\\_c', 'a\\%%', '', '%', null, '%bc', '%', 'x%']);
    await expectLikeDuckDB([text, patterns], call('like', S(0), S(1)), "c0 LIKE c1 ESCAPE '\\'");
  });

  it('like rejects an escape before an ordinary character', () => {
    expect(() => run([text], call('like', S(0), lit('a\\bc')))).toThrow(/like.*escape/);
  });

  it('startswith, endswith and contains match DuckDB, including the empty needle', async () => {
    for (const needle of ['a', 'bc', '', 'Ä', '😀', 'zz']) {
      await expectLikeDuckDB([text], call('startswith', S(0), lit(needle)), `starts_with(c0, '${needle}')`);
      await expectLikeDuckDB([text], call('endswith', S(0), lit(needle)), `ends_with(c0, '${needle}')`);
      await expectLikeDuckDB([text], call('contains', S(0), lit(needle)), `contains(c0, '${needle}')`);
    }
    const needles = str(['a', 'x', '', 'c', 'q', 'Ö', '😀', null, 'abc']);
    await expectLikeDuckDB([text, needles], call('contains', S(0), S(1)), 'contains(c0, c1)');
  });

  it('instr is the 1-based code point position of the first occurrence, 0 when absent', async () => {
    for (const needle of ['b', 'c', '', 'Ö', 'zz']) {
      await expectLikeDuckDB([text], call('instr', S(0), lit(needle)), `instr(c0, '${needle}')::INTEGER`);
    }
  });
});

describe('lpad and rpad', () => {
  const text = str(['hi', '', null, 'ÄÖü', '😀', 'longer text']);

  it('pad with a repeated pad string and truncate past the length, counting code points', async () => {
    for (const [len, padding] of [[5, '*'], [6, 'ab'], [1, 'x'], [4, '😀é'], [0, '-']] as const) {
      await expectLikeDuckDB([text], call('lpad', S(0), lit(len), lit(padding)), `lpad(c0, ${len}, '${padding}')`);
      await expectLikeDuckDB([text], call('rpad', S(0), lit(len), lit(padding)), `rpad(c0, ${len}, '${padding}')`);
    }
  });

  it('an empty pad or negative length follow Spark (DuckDB rejects an empty pad)', () => {
    expect(run([text], call('lpad', S(0), lit(5), lit('')))).toEqual(['hi', '', null, 'ÄÖü', '😀', 'longe']);
    expect(run([text], call('rpad', S(0), lit(-1), lit('x')))).toEqual(['', '', null, '', '', '']);
  });
});

describe('argument checking', () => {
  it('rejects an array argument to a string function, naming the function', () => {
    expect(() => call('lower', { op: 'ref', index: 0, type: ListType(Utf8Type) })).toThrow(/'lower' expects string for argument 1, got array<string>/);
  });

  it('rejects a wrong number of arguments', () => {
    expect(() => call('substring', S(0))).toThrow(/'substring' takes 2 to 3 arguments, got 1/);
    expect(() => call('like', S(0))).toThrow(AnalysisError);
  });
});
