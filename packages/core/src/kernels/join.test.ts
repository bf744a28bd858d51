import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { type DataType, BooleanType, DateType, Float64Type, Int32Type, Int64Type, Utf8Type } from '../types/data-type.js';
import { type Vec, sliceVec, vecFromValues } from '../types/vec.js';
import { type JoinType, JoinHashTable } from './join.js';

let duck: DuckDBConnection;
beforeAll(async () => { duck = await (await DuckDBInstance.create(':memory:')).connect(); });
afterAll(() => duck.closeSync());

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
}

interface KeyColumn { readonly sqlType: string; readonly type: DataType; readonly domain: readonly unknown[] }

const KEY_COLUMNS: Record<string, KeyColumn> = {
  int: { sqlType: 'INTEGER', type: Int32Type, domain: [0, 1, 2, 3, -5, 2147483647] },
  str: { sqlType: 'VARCHAR', type: Utf8Type, domain: ['a', 'b', '', 'é', '😀', 'only-left', 'only-right'] },
  big: { sqlType: 'BIGINT', type: Int64Type, domain: [2n ** 53n, 2n ** 53n + 1n, -(2n ** 63n), 4294967296n, 1n] },
  dbl: { sqlType: 'DOUBLE', type: Float64Type, domain: [NaN, 0, -0, 1.5, -Infinity] },
  bool: { sqlType: 'BOOLEAN', type: BooleanType, domain: [true, false] },
  day: { sqlType: 'INTEGER', type: DateType, domain: [0, 19000, -1] },
};

function sqlLiteral(x: unknown, sqlType: string): string {
  if (x === null) return `NULL::${sqlType}`;
  if (typeof x === 'string') return `'${x.replaceAll("'", "''")}'::${sqlType}`;
  if (typeof x === 'number' && Object.is(x, -0)) return `'-0.0'::${sqlType}`;
  return `'${String(x)}'::${sqlType}`;
}

interface Side { readonly name: string; readonly columns: readonly unknown[][]; readonly numRows: number }

function makeSide(name: string, keyNames: readonly string[], numRows: number, seed: number): Side {
  const r = random(seed);
  const columns = keyNames.map((k) => Array.from({ length: numRows }, () => {
    const domain = KEY_COLUMNS[k]!.domain.filter((x) => x !== (name === 'l' ? 'only-right' : 'only-left'));
    return r() < 0.1 ? null : domain[Math.floor(r() * domain.length)]!;
  }));
  return { name, columns, numRows };
}

async function createTable(side: Side, keyNames: readonly string[]): Promise<void> {
  const cols = keyNames.map((k, c) => `k${c}`);
  if (side.numRows === 0) {
    await duck.run(`CREATE OR REPLACE TABLE ${side.name} (id INTEGER, ${cols.map((c, i) => `${c} ${KEY_COLUMNS[keyNames[i]!]!.sqlType}`).join(', ')})`);
    return;
  }
  const rows = Array.from({ length: side.numRows }, (_, i) => `(${i}, ${keyNames.map((k, c) => sqlLiteral(side.columns[c]![i], KEY_COLUMNS[k]!.sqlType)).join(', ')})`);
  await duck.run(`CREATE OR REPLACE TABLE ${side.name} AS SELECT * FROM (VALUES ${rows.join(',')}) v(id, ${cols.join(', ')})`);
}

const keyVecs = (side: Side, keyNames: readonly string[]): Vec[] => keyNames.map((k, c) => vecFromValues(KEY_COLUMNS[k]!.type, side.columns[c]!));

async function duckPairs(type: JoinType, numKeys: number): Promise<string[]> {
  const on = Array.from({ length: numKeys }, (_, c) => `l.k${c} = r.k${c}`).join(' AND ');
  const sql = {
    inner: `SELECT l.id, r.id FROM l JOIN r ON ${on}`,
    left: `SELECT l.id, r.id FROM l LEFT JOIN r ON ${on}`,
    right: `SELECT l.id, r.id FROM l RIGHT JOIN r ON ${on}`,
    full: `SELECT l.id, r.id FROM l FULL JOIN r ON ${on}`,
    semi: `SELECT l.id, NULL FROM l WHERE EXISTS (SELECT 1 FROM r WHERE ${on})`,
    anti: `SELECT l.id, NULL FROM l WHERE NOT EXISTS (SELECT 1 FROM r WHERE ${on})`,
    cross: 'SELECT l.id, r.id FROM l CROSS JOIN r',
  }[type];
  const rows = (await duck.runAndReadAll(sql)).getRows();
  return rows.map((row) => `${row[0] ?? -1}:${row[1] ?? -1}`).sort();
}

/** Probes in several batches, as the join operator does, and collects (probe, build) id pairs. */
function ourPairs(probe: Side, build: Side, keyNames: readonly string[], type: JoinType, batchSize: number): string[] {
  const table = new JoinHashTable(keyVecs(build, keyNames), build.numRows);
  const probeKeys = keyVecs(probe, keyNames);
  const pairs: string[] = [];
  for (let start = 0; start < probe.numRows; start += batchSize) {
    const batch = probeKeys.map((v) => sliceVec(v, start, start + batchSize));
    const n = Math.min(batchSize, probe.numRows - start);
    const { probeIdx, buildIdx } = table.probe(batch, n, type);
    for (let i = 0; i < probeIdx.length; i++) {
      pairs.push(`${start + probeIdx[i]!}:${type === 'semi' || type === 'anti' ? -1 : buildIdx[i]!}`);
    }
  }
  if (type === 'right' || type === 'full') for (const b of table.unmatchedBuildRows()) pairs.push(`-1:${b}`);
  return pairs.sort();
}

const JOIN_TYPES: JoinType[] = ['inner', 'left', 'right', 'full', 'semi', 'anti', 'cross'];

const CASES: { label: string; keys: string[]; probeRows: number; buildRows: number }[] = [
  { label: 'one int key', keys: ['int'], probeRows: 120, buildRows: 60 },
  { label: 'string keys with different dictionaries', keys: ['str'], probeRows: 90, buildRows: 70 },
  { label: 'int64 keys beyond 2^53', keys: ['big'], probeRows: 80, buildRows: 50 },
  { label: 'double keys with NaN and -0.0', keys: ['dbl'], probeRows: 80, buildRows: 40 },
  { label: 'three key columns', keys: ['str', 'int', 'bool'], probeRows: 150, buildRows: 100 },
  { label: 'date and double keys', keys: ['day', 'dbl'], probeRows: 70, buildRows: 70 },
  { label: 'an empty build side', keys: ['int', 'str'], probeRows: 30, buildRows: 0 },
  { label: 'an empty probe side', keys: ['str'], probeRows: 0, buildRows: 30 },
];

describe('JoinHashTable', () => {
  CASES.forEach((c, caseNo) => {
    describe(c.label, () => {
      const probe = makeSide('l', c.keys, c.probeRows, 100 + caseNo);
      const build = makeSide('r', c.keys, c.buildRows, 200 + caseNo);
      beforeAll(async () => { await createTable(probe, c.keys); await createTable(build, c.keys); });
      for (const type of JOIN_TYPES) {
        it(`${type} join matches DuckDB`, async () => {
          const expected = await duckPairs(type, c.keys.length);
          expect(ourPairs(probe, build, c.keys, type, 37)).toEqual(expected);
        });
      }
    });
  });

  it('returns pairs in probe order with build rows ascending', () => {
    const table = new JoinHashTable([vecFromValues(Utf8Type, ['x', 'y', 'x', null, 'x'])], 5);
    const { probeIdx, buildIdx } = table.probe([vecFromValues(Utf8Type, ['x', null, 'z', 'y'])], 4, 'left');
    expect(Array.from(probeIdx)).toEqual([0, 0, 0, 1, 2, 3]);
    expect(Array.from(buildIdx)).toEqual([0, 2, 4, -1, -1, 1]);
    expect(Array.from(table.unmatchedBuildRows())).toEqual([3]);
  });

  it('joins a large build side with many distinct keys', () => {
    const n = 50_000;
    const build = new Int32Array(n);
    for (let i = 0; i < n; i++) build[i] = i * 7;
    const probe = new Int32Array(2 * n);
    for (let i = 0; i < probe.length; i++) probe[i] = i * 3;
    const vec = (values: Int32Array): Vec => ({ type: Int32Type, length: values.length, values, validity: null });
    const table = new JoinHashTable([vec(build)], n);
    const { probeIdx, buildIdx } = table.probe([vec(probe)], probe.length, 'inner');
    expect(probeIdx.length).toBe(Math.floor((3 * (2 * n - 1)) / 21) + 1);
    let mismatches = 0;
    for (let i = 0; i < probeIdx.length; i++) if (probe[probeIdx[i]!] !== build[buildIdx[i]!]) mismatches++;
    expect(mismatches).toBe(0);
  });
});
