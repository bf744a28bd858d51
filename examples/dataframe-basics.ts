// A tour of the DataFrame API on a small flights table. Run it with
//   bin/quiver submit examples/dataframe-basics.ts --master local[2]
// No .master() here: `quiver submit --master` chooses the cluster through QUIVER_MASTER.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Session, col, F, Window } from '@quiver/core';

const spark = await Session.builder().appName('dataframe-basics').getOrCreate();

const flights = spark.read
  .option('header', true)
  .option('inferSchema', true)
  .csv(path.join(import.meta.dirname, 'data', 'flights.csv'));
flights.printSchema();

// Airports whose flights most often leave late.
const lateByOrigin = flights
  .filter(col('delay').gt(0))
  .groupBy('origin')
  .agg(F.count('*').alias('n'), F.avg('delay').alias('avg_delay'))
  .orderBy(col('n').desc(), col('origin'))
  .limit(10);
await lateByOrigin.show();

// Per carrier, with names from a small in-memory table; the null delays do not count towards the average.
const carriers = spark.createDataFrame([
  { carrier: 'AA', name: 'American Airlines' },
  { carrier: 'AS', name: 'Alaska Airlines' },
  { carrier: 'B6', name: 'JetBlue' },
  { carrier: 'DL', name: 'Delta Air Lines' },
  { carrier: 'UA', name: 'United Airlines' },
  { carrier: 'WN', name: 'Southwest Airlines' },
]);
const byCarrier = flights
  .join(carriers, 'carrier')
  .groupBy('carrier', 'name')
  .agg(F.count('*').alias('flights'), F.avg('delay').alias('avg_delay'), F.max('distance').alias('longest'))
  .orderBy(col('avg_delay').desc());
await byCarrier.show();

// Each origin's longest-delayed departures, ranked within the origin.
const byOrigin = Window.partitionBy('origin').orderBy(col('delay').desc());
const worst = flights
  .filter(col('origin').isNotNull())
  .withColumn('rank', F.row_number().over(byOrigin))
  .filter(col('rank').le(2))
  .select('origin', 'rank', 'dest', 'carrier', 'delay')
  .orderBy('origin', 'rank');
await worst.show(20);

// A round trip through Parquet.
const outDir = await mkdtemp(path.join(tmpdir(), 'quiver-dataframe-basics-'));
try {
  const parquetPath = path.join(outDir, 'late_by_origin');
  await lateByOrigin.write.mode('overwrite').parquet(parquetPath);
  const back = spark.read.parquet(parquetPath);
  const rows = await lateByOrigin.collect();
  console.log(`flights: ${await flights.count()}, late origins: ${rows.length}, read back from Parquet: ${await back.count()}`);
} finally {
  await rm(outDir, { recursive: true, force: true });
}

await spark.stop();
