import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { makeBatch } from '../types/batch.js';
import { DecimalType, Float64Type, Int64Type, Utf8Type } from '../types/data-type.js';
import { Schema, field } from '../types/schema.js';
import { vecFromValues } from '../types/vec.js';
import { fileFormat, listFiles } from './index.js';
import { encodeParquet } from './parquet.js';
import { collect, duckRows, rowsOf, tempDir } from './test-util.js';

const parquet = fileFormat('parquet');

async function readParts(file: string, filters: Parameters<typeof parquet.planPartitions>[3] = [], columns?: number[]) {
  const files = listFiles(file, 'parquet');
  const schema = parquet.inferSchema(files, {}, null);
  const parts = parquet.planPartitions(files, schema, {}, filters, 8);
  const batches = [];
  for (const p of parts) batches.push(...(await collect(parquet.read(p, schema, columns ?? schema.fields.map((_, i) => i), {}))));
  return { schema, parts, rows: rowsOf(batches) };
}

describe('Parquet reader and writer', () => {
  it('reads what DuckDB writes: nulls, NaN, int64 beyond 2^53, unicode, decimals, dates', async () => {
    const file = path.join(tempDir(), 'duck.parquet');
    await duckRows(`COPY (SELECT * FROM (VALUES
      (9007199254740993::BIGINT, 'héllo 世界', 1.5::DOUBLE, 12.34::DECIMAL(10,2), DATE '2024-02-29', true),
      (NULL, NULL, 'NaN'::DOUBLE, NULL, NULL, NULL),
      ('-9223372036854775808'::BIGINT, '', -0.0::DOUBLE, -0.01::DECIMAL(10,2), DATE '1960-01-01', false)) t(l, s, d, dec, day, b))
      TO '${file}' (FORMAT parquet)`);
    const { schema, rows } = await readParts(file);
    expect(schema.fields.map((f) => f.type)).toEqual([Int64Type, Utf8Type, Float64Type, DecimalType(10, 2), { kind: 'date' }, { kind: 'boolean' }]);
    const duck = await duckRows(`SELECT l, s, d, dec::DOUBLE, day, b FROM read_parquet('${file}')`);
    expect(rows).toEqual(duck);
  });

  it('writes files DuckDB reads back identically, decimals included', async () => {
    const schema = new Schema([field('id', Int64Type), field('s', Utf8Type), field('dec', DecimalType(12, 3))]);
    const batch = makeBatch(schema, [
      vecFromValues(Int64Type, [1n, 2n ** 60n, null]),
      vecFromValues(Utf8Type, ['a', null, 'ü']),
      vecFromValues(DecimalType(12, 3), [1.5, -2.125, null]),
    ]);
    const file = path.join(tempDir(), 'q.parquet');
    fs.writeFileSync(file, encodeParquet(schema, [batch], { compression: 'zstd' }));
    expect(await duckRows(`SELECT id, s, dec::VARCHAR FROM read_parquet('${file}')`)).toEqual([['1', 'a', '1.500'], [(2n ** 60n).toString(), null, '-2.125'], [null, 'ü', null]]);
    const { schema: back, rows } = await readParts(file);
    expect(back.fields[2]!.type).toEqual(DecimalType(12, 3));
    expect(rows).toEqual([['1', 'a', 1.5], [(2n ** 60n).toString(), null, -2.125], [null, 'ü', null]]);
  });

  it('skips row groups whose min/max statistics rule out the filter, with the same matching rows', async () => {
    const n = 40_000;
    const schema = new Schema([field('k', Int64Type), field('v', Float64Type)]);
    const batch = makeBatch(schema, [vecFromValues(Int64Type, Array.from({ length: n }, (_, i) => BigInt(i))), vecFromValues(Float64Type, Array.from({ length: n }, (_, i) => i / 2))]);
    const file = path.join(tempDir(), 'groups.parquet');
    fs.writeFileSync(file, encodeParquet(schema, [batch], { rowgroupsize: '10000' }));
    const all = await readParts(file);
    expect(all.parts.flatMap((p) => p.rowGroups)).toEqual([0, 1, 2, 3]);
    const pruned = await readParts(file, [{ column: 'k', op: 'ge', value: 25_000 }, { column: 'k', op: 'lt', value: 31_000n }]);
    expect(pruned.parts.flatMap((p) => p.rowGroups)).toEqual([2, 3]);
    const keep = (r: unknown[]) => Number(r[0]) >= 25_000 && Number(r[0]) < 31_000;
    expect(pruned.rows.filter(keep)).toEqual(all.rows.filter(keep));
    expect((await readParts(file, [{ column: 'k', op: 'eq', value: 50_000 }])).parts).toEqual([]);
  });

  it('reads only the requested columns', async () => {
    const file = path.join(tempDir(), 'cols.parquet');
    await duckRows(`COPY (SELECT 1 AS a, 'x' AS b, 2.5 AS c) TO '${file}' (FORMAT parquet)`);
    const { rows } = await readParts(file, [], [2, 0]);
    expect(rows).toEqual([[2.5, 1]]);
  });

  it('names a corrupt or truncated file in an InputError', async () => {
    const dir = tempDir();
    const good = path.join(dir, 'good.parquet');
    await duckRows(`COPY (SELECT range AS a FROM range(100)) TO '${good}' (FORMAT parquet)`);
    const truncated = path.join(dir, 'truncated.parquet');
    const bytes = fs.readFileSync(good);
    fs.writeFileSync(truncated, bytes.subarray(0, bytes.length - 20));
    expect(() => parquet.inferSchema([truncated], {}, null)).toThrow(InputError);
    expect(() => parquet.inferSchema([truncated], {}, null)).toThrow(/truncated\.parquet/);
    const garbled = path.join(dir, 'garbled.parquet');
    const copy = Buffer.from(bytes);
    copy.fill(7, 4, copy.length - 100);
    fs.writeFileSync(garbled, copy);
    const schema = parquet.inferSchema([good], {}, null);
    await expect(collect(parquet.read({ path: garbled }, schema, [0], {}))).rejects.toThrow(/garbled\.parquet/);
  });
});
