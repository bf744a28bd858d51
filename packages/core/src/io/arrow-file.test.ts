import fs from 'node:fs';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { Int64Type } from '../types/data-type.js';
import { Schema, field } from '../types/schema.js';
import { fileFormat } from './index.js';
import { collect, rowsOf, tempDir } from './test-util.js';

const format = fileFormat('arrow');

describe('Arrow IPC file reader', () => {
  it('reads a Feather v2 file, casting to a wider user type and selecting columns', async () => {
    const file = path.join(tempDir(), 't.arrow');
    const table = arrow.tableFromArrays({ a: Int32Array.from([1, 2, 3]), s: ['x', 'y', null] as (string | null)[] });
    fs.writeFileSync(file, arrow.tableToIPC(table, 'file'));
    const inferred = format.inferSchema([file], {}, null);
    expect(inferred.fields.map((f) => f.type.kind)).toEqual(['int32', 'utf8']);
    const wide = new Schema([field('s', inferred.fields[1]!.type), field('a', Int64Type)]);
    expect(rowsOf(await collect(format.read({ path: file }, wide, [1, 0], {})))).toEqual([['1', 'x'], ['2', 'y'], ['3', null]]);
  });

  it('names a corrupt file in an InputError', () => {
    const file = path.join(tempDir(), 'bad.arrow');
    fs.writeFileSync(file, 'ARROW1 not really');
    expect(() => format.inferSchema([file], {}, null)).toThrow(InputError);
    expect(() => format.inferSchema([file], {}, null)).toThrow(/bad\.arrow/);
  });
});
