import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Int64Type, Utf8Type } from '../types/data-type.js';
import { Schema, field } from '../types/schema.js';
import { fileFormat, listFiles } from './index.js';
import { collect, duckRows, rowsOf, tempDir } from './test-util.js';

const json = fileFormat('json');

async function readAll(file: string, options: Record<string, string> = {}, userSchema: Schema | null = null) {
  const files = listFiles(file, 'json');
  const schema = json.inferSchema(files, options, userSchema);
  const batches = [];
  for (const p of json.planPartitions(files, schema, options, [], 2)) batches.push(...(await collect(json.read(p, schema, schema.fields.map((_, i) => i), options))));
  return { schema, rows: rowsOf(batches) };
}

function writeTemp(text: string): string {
  const file = path.join(tempDir(), 'data.json');
  fs.writeFileSync(file, text);
  return file;
}

describe('JSON lines reader', () => {
  it('infers fields sorted by name with Spark types and matches DuckDB, int64 beyond 2^53 included', async () => {
    const file = writeTemp([
      '{"name":"héllo 世界","id":9007199254740993,"score":1.5,"ok":true,"tags":["a","b"]}',
      '{"id":2,"score":3,"extra":null}',
      '',
      '{"name":"","id":-9223372036854775808,"tags":[],"ok":false}',
    ].join('\n'));
    const { schema, rows } = await readAll(file);
    expect(schema.fields.map((f) => `${f.name}:${f.type.kind}`)).toEqual(['extra:utf8', 'id:int64', 'name:utf8', 'ok:boolean', 'score:float64', 'tags:list']);
    const duck = await duckRows(`SELECT NULL::VARCHAR, id, name, ok, score::DOUBLE, tags FROM read_json('${file}', format='newline_delimited')`);
    expect(rows).toEqual(duck);
  });

  const schema = new Schema([field('id', Int64Type), field('s', Utf8Type)]);
  const bad = '{"id":1,"s":"a"}\n{"id":"x","s":"b"}\n{oops\n{"id":4}\n';

  it('PERMISSIVE nulls bad values and malformed lines', async () => {
    expect((await readAll(writeTemp(bad), {}, schema)).rows).toEqual([['1', 'a'], [null, 'b'], [null, null], ['4', null]]);
  });

  it('DROPMALFORMED drops bad records', async () => {
    expect((await readAll(writeTemp(bad), { mode: 'DROPMALFORMED' }, schema)).rows).toEqual([['1', 'a'], ['4', null]]);
  });

  it('FAILFAST names the file and line', async () => {
    await expect(readAll(writeTemp(bad), { mode: 'FAILFAST' }, schema)).rejects.toThrow(/data\.json at line 2: value x of column 'id' is not a bigint/);
    await expect(readAll(writeTemp('{"id":1}\n{oops\n'), { mode: 'FAILFAST' }, schema)).rejects.toThrow(/data\.json at line 2: not a JSON object/);
  });
});
