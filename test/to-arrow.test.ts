// DataFrame.toArrow reads the result blocks' Arrow IPC as it is, without a round trip through Quiver vectors.
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session, col } from '@quiver/core';

let spark: Session;
beforeAll(async () => { spark = await Session.builder().master('local[2]').getOrCreate(); });
afterAll(async () => { await spark.stop(); });

const roundTrip = (t: arrow.Table) => arrow.tableFromIPC(arrow.tableToIPC(t, 'stream'));
const column = (t: arrow.Table, name: string) => t.getChild(name)!.toArray() as unknown[];

describe('toArrow', () => {
  it('joins dictionary-encoded string blocks of several partitions (ids numbered per worker) into one table that survives IPC', async () => {
    const rows = Array.from({ length: 4000 }, (_, i) => ({ id: i, s: `k${i % 7}`, n: i % 3 === 0 ? null : `v${i % 5}` }));
    const df = spark.createDataFrame(rows).repartition(4).orderBy('id');
    const t = await df.toArrow();
    expect(t.numRows).toBe(4000);
    expect(arrow.DataType.isDictionary(t.schema.fields[1]!.type)).toBe(true);
    for (const table of [t, roundTrip(t)]) {
      expect(Array.from(column(table, 's'), String)).toEqual(rows.map((r) => r.s));
      expect(Array.from(column(table, 'n'))).toEqual(rows.map((r) => r.n));
      expect(Array.from(column(table, 'id'), Number)).toEqual(rows.map((r) => r.id));
    }
  });

  it('falls back to one common encoding when one partition wrote a string column plain and another as a dictionary', async () => {
    const repeated = Array.from({ length: 1000 }, (_, i) => ({ id: i, s: `same${i % 2}` }));
    const distinct = Array.from({ length: 1000 }, (_, i) => ({ id: 1000 + i, s: `distinct${i}` }));
    const df = spark.createDataFrame(repeated).union(spark.createDataFrame(distinct));
    const t = await df.toArrow();
    const expected = [...repeated, ...distinct].sort((a, b) => a.id - b.id);
    const got = Array.from({ length: t.numRows }, (_, i) => ({ id: Number(t.getChild('id')!.get(i)), s: String(t.getChild('s')!.get(i)) }))
      .sort((a, b) => a.id - b.id);
    expect(got).toEqual(expected);
    expect(roundTrip(t).numRows).toBe(2000);
  });

  it('an empty result keeps the plan schema', async () => {
    const t = await spark.createDataFrame([{ id: 1, s: 'a' }]).filter(col('id').gt(5)).toArrow();
    expect(t.numRows).toBe(0);
    expect(t.schema.fields.map((f) => f.name)).toEqual(['id', 's']);
  });
});
