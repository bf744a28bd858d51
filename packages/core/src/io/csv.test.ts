import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { Int32Type, Int64Type, Utf8Type } from '../types/data-type.js';
import { Schema, field } from '../types/schema.js';
import { fileFormat, listFiles } from './index.js';
import { collect, duckRows, rowsOf, tempDir } from './test-util.js';

const csv = fileFormat('csv');

async function readAll(file: string, options: Record<string, string>, userSchema: Schema | null = null) {
  const files = listFiles(file, 'csv');
  const schema = csv.inferSchema(files, options, userSchema);
  const all = schema.fields.map((_, i) => i);
  const batches = [];
  for (const part of csv.planPartitions(files, schema, options, [], 4)) batches.push(...(await collect(csv.read(part, schema, all, options))));
  return { schema, rows: rowsOf(batches) };
}

function writeTemp(name: string, text: string | Buffer): string {
  const file = path.join(tempDir(), name);
  fs.writeFileSync(file, text);
  return file;
}

describe('CSV reader', () => {
  it('infers Spark types and matches DuckDB on quoting, CRLF, BOM, unicode, nulls, NaN and int64 beyond 2^53', async () => {
    const text = '\ufeffid,big,x,flag,name,day\r\n'
      + '1,9007199254740993,1.5,true,"Smith, ""Jo""",2024-02-29\r\n'
      + '2,,NaN,false,"multi\nline",\r\n'
      + '3,-9223372036854775808,,,héllo 世界,1999-12-31\r\n';
    const file = writeTemp('a.csv', text);
    const { schema, rows } = await readAll(file, { header: 'true', inferschema: 'true', escape: '"' });
    expect(schema.fields.map((f) => `${f.name}:${f.type.kind}`)).toEqual(['id:int32', 'big:int64', 'x:float64', 'flag:boolean', 'name:utf8', 'day:date']);
    const duck = await duckRows(`SELECT id::INTEGER, big, x, flag, name, day FROM read_csv('${file}', header=true, quote='"', escape='"')`);
    expect(rows.map((r) => r.map((c) => (typeof c === 'number' && Number.isNaN(c) ? 'NaN' : c))))
      .toEqual(duck.map((r) => r.map((c) => (typeof c === 'number' && Number.isNaN(c) ? 'NaN' : c))));
  });

  it('reads every column as string without inferSchema, naming them _c0, _c1 without a header', async () => {
    const file = writeTemp('b.csv', 'a;1\nb;2\n');
    const { schema, rows } = await readAll(file, { sep: ';' });
    expect(schema.fields.map((f) => [f.name, f.type])).toEqual([['_c0', Utf8Type], ['_c1', Utf8Type]]);
    expect(rows).toEqual([['a', '1'], ['b', '2']]);
  });

  const bad = 'id,n\n1,10\n2,oops\n3\n4,40,extra\n5,50\n';
  const schema = new Schema([field('id', Int32Type), field('n', Int64Type)]);

  it('PERMISSIVE nulls unparsable values and pads or truncates rows with the wrong field count', async () => {
    const { rows } = await readAll(writeTemp('p.csv', bad), { header: 'true' }, schema);
    expect(rows).toEqual([[1, '10'], [2, null], [3, null], [4, '40'], [5, '50']]);
  });

  it('DROPMALFORMED drops rows with unparsable values or the wrong field count', async () => {
    const { rows } = await readAll(writeTemp('d.csv', bad), { header: 'true', mode: 'DROPMALFORMED' }, schema);
    expect(rows).toEqual([[1, '10'], [5, '50']]);
  });

  it('FAILFAST names the file, the line, the value and the column', async () => {
    const file = writeTemp('f.csv', 'id,n\n1,10\n2,oops\n');
    await expect(readAll(file, { header: 'true', mode: 'FAILFAST' }, schema)).rejects.toThrow(InputError);
    await expect(readAll(file, { header: 'true', mode: 'FAILFAST' }, schema)).rejects.toThrow(/f\.csv at line 3: cannot parse 'oops' as int64 for column 'n'/);
    const short = writeTemp('g.csv', 'id,n\n1,10\n\n3\n');
    await expect(readAll(short, { header: 'true', mode: 'FAILFAST' }, schema)).rejects.toThrow(/g\.csv at line 4: expected 2 fields, found 1/);
  });

  it('reads byte-range partitions that together hold each line exactly once', async () => {
    const lines = Array.from({ length: 500 }, (_, i) => `${i},name${i % 7},${i * 1.5}`);
    const file = writeTemp('r.csv', lines.join('\n') + '\n');
    const s = csv.inferSchema([file], {}, null);
    const size = fs.statSync(file).size;
    const cuts = [0, 1, 17, 18, 4000, 4001, size - 3, size];
    const rows = [];
    for (let k = 0; k + 1 < cuts.length; k++) {
      rows.push(...rowsOf(await collect(csv.read({ path: file, start: cuts[k]!, end: cuts[k + 1]! }, s, [0, 1, 2], {}))));
    }
    expect(rows).toEqual(lines.map((l) => l.split(',')));
  });

  it('reports a missing path as an AnalysisError naming it', () => {
    expect(() => listFiles('/nonexistent/x.csv', 'csv')).toThrow(/Path does not exist: \/nonexistent\/x\.csv/);
  });
});
