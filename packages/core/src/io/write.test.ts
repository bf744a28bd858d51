import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AnalysisError } from '../errors.js';
import { type Batch, makeBatch } from '../types/batch.js';
import { DateType, Float64Type, Int64Type, TimestampType, Utf8Type } from '../types/data-type.js';
import { Schema, field } from '../types/schema.js';
import { vecFromValues } from '../types/vec.js';
import { fileFormat, listFiles, writeFiles } from './index.js';
import { collect, duckRows, rowsOf, tempDir } from './test-util.js';

const schema = new Schema([field('id', Int64Type), field('s', Utf8Type), field('x', Float64Type), field('d', DateType), field('ts', TimestampType)]);
const batch = (ids: (bigint | null)[]): Batch => makeBatch(schema, [
  vecFromValues(Int64Type, ids),
  vecFromValues(Utf8Type, ids.map((i) => (i === null ? null : i === 2n ? 'a,"b"\nc' : i === 3n ? '' : `s${i}`))),
  vecFromValues(Float64Type, ids.map((i) => (i === null ? null : Number(i) + 0.5))),
  vecFromValues(DateType, ids.map((i) => (i === null ? null : new Date(Date.UTC(2024, 0, Number(i)))))),
  vecFromValues(TimestampType, ids.map((i) => (i === null ? null : new Date(Date.UTC(2024, 0, 1, 12, 0, Number(i)))))),
]);

async function readBack(format: 'csv' | 'json' | 'parquet', dir: string, options: Record<string, string>) {
  const f = fileFormat(format);
  const files = listFiles(dir, format);
  const batches = [];
  for (const p of f.planPartitions(files, schema, options, [], 2)) batches.push(...(await collect(f.read(p, schema, [0, 1, 2, 3, 4], options))));
  return rowsOf(batches).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

describe('writeFiles', () => {
  const expected = rowsOf([batch([1n, 2n, 3n, null])]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  for (const format of ['csv', 'json', 'parquet'] as const) {
    it(`writes ${format} part files and _SUCCESS that Quiver and DuckDB read back`, async () => {
      const dir = path.join(tempDir(), 'out');
      const options = format === 'csv' ? { header: 'true', escape: '"' } : {};
      await writeFiles(format, dir, schema, [[batch([1n, 2n])], { index: 1, batches: [batch([3n, null])] }], options, 'error');
      const names = fs.readdirSync(dir).sort();
      expect(names[0]).toBe('_SUCCESS');
      expect(names.slice(1)).toHaveLength(2);
      expect(names[1]).toMatch(new RegExp(`^part-00000-[0-9a-f-]{36}\\.${format}$`));
      expect(await readBack(format, dir, options)).toEqual(expected);
      const reader = format === 'csv' ? `read_csv('${dir}/*.csv', header=true, escape='"', allow_quoted_nulls=false, types={'d':'DATE'})` : format === 'json' ? `read_json('${dir}/*.json', columns={id:'BIGINT', s:'VARCHAR', x:'DOUBLE', d:'DATE', ts:'VARCHAR'})` : `read_parquet('${dir}/*.parquet')`;
      const duck = await duckRows(`SELECT id, s, x, d FROM ${reader} ORDER BY id::VARCHAR NULLS LAST`);
      expect(duck).toEqual(expected.map((r) => r.slice(0, 4)));
    });
  }

  it('refuses to write over an existing path in error mode, naming it, and does nothing in ignore mode', async () => {
    const dir = path.join(tempDir(), 'exists');
    await writeFiles('json', dir, schema, [[batch([1n])]], {}, 'error');
    await expect(writeFiles('json', dir, schema, [[batch([2n])]], {}, 'error')).rejects.toThrow(AnalysisError);
    await expect(writeFiles('json', dir, schema, [[batch([2n])]], {}, 'errorifexists')).rejects.toThrow(new RegExp(`Path ${dir} already exists`));
    await writeFiles('json', dir, schema, [[batch([2n])]], {}, 'ignore');
    expect(await readBack('json', dir, {})).toEqual(rowsOf([batch([1n])]));
  });

  it('overwrite replaces the output and append adds part files', async () => {
    const dir = path.join(tempDir(), 'modes');
    await writeFiles('parquet', dir, schema, [[batch([1n])]], {}, 'error');
    await writeFiles('parquet', dir, schema, [[batch([2n])]], {}, 'overwrite');
    expect((await readBack('parquet', dir, {})).map((r) => r[0])).toEqual(['2']);
    await writeFiles('parquet', dir, schema, [[batch([3n])]], {}, 'append');
    expect((await readBack('parquet', dir, {})).map((r) => r[0])).toEqual(['2', '3']);
  });

  it('leaves no partial output when a partition fails midway', async () => {
    const parent = tempDir();
    const dir = path.join(parent, 'failing');
    async function* failing() {
      yield [batch([1n])];
      throw new Error('task 1 failed');
    }
    await expect(writeFiles('csv', dir, schema, failing(), {}, 'error')).rejects.toThrow('task 1 failed');
    expect(fs.readdirSync(parent)).toEqual([]);
    await writeFiles('csv', dir, schema, [[batch([1n])]], {}, 'error');
    await expect(writeFiles('csv', dir, schema, failing(), {}, 'overwrite')).rejects.toThrow('task 1 failed');
    expect(fs.readdirSync(parent)).toEqual(['failing']);
    expect(await readBack('csv', dir, {})).toEqual(rowsOf([batch([1n])]));
  });
});
