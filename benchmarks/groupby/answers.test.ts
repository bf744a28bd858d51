// Correctness half of the groupby benchmark: at 1e4 rows, Quiver's answer to every
// db-benchmark question must equal DuckDB's row for row (keys exactly, aggregates within
// REL_TOL / ABS_TOL). No timing here: speed is measured only by `pnpm bench groupby`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffAnswers } from './compare.ts';
import { ensureG1Parquet } from './datagen.ts';
import { DuckDBEngine, QuiverEngine } from './engines.ts';
import { QUESTIONS } from './questions.ts';

describe('db-benchmark groupby answers: Quiver agrees with DuckDB on G1 1e4', () => {
  let duck: DuckDBEngine;
  let quiver: QuiverEngine;

  beforeAll(async () => {
    const path = ensureG1Parquet({ rows: 1e4, k: 1e2 });
    duck = await DuckDBEngine.create(2);
    await duck.load(path);
    quiver = await QuiverEngine.create('local[2]');
    expect(await quiver.load(path)).toBe(1e4);
  });

  afterAll(async () => {
    await Promise.all([duck?.close(), quiver?.close()]);
  });

  for (const q of QUESTIONS) {
    it(`${q.id} ${q.name}`, async () => {
      await duck.run(q);
      await quiver.run(q);
      expect(diffAnswers(await duck.answer(), await quiver.answer())).toEqual([]);
    });
  }
});
