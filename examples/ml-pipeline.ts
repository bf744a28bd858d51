// The main job: will a US domestic flight leave more than 15 minutes late? A Spark ML pipeline over real
// flight records (20,000 flights of January-March 2001 from the US Bureau of Transportation Statistics, as
// shipped in the npm package vega-datasets), tuned by cross-validation, evaluated, saved and reloaded.
// Run it with
//   bin/quiver submit examples/ml-pipeline.ts --master local[2]
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session, col, F } from '@quiver/core';
import {
  BinaryClassificationEvaluator, CrossValidator, LogisticRegression, MulticlassClassificationEvaluator, OneHotEncoder,
  ParamGridBuilder, Pipeline, PipelineModel, StandardScaler, StringIndexer, VectorAssembler,
} from '@quiver/ml';

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const spark = await Session.builder().appName('ml-pipeline').getOrCreate();

// Load: vega-datasets ships the records as one JSON array (the JSON reader reads JSON lines), so the rows are
// parsed here and handed to the engine; everything after this line runs on the cluster.
const dataFile = fileURLToPath(new URL('../data/flights-20k.json', import.meta.resolve('vega-datasets')));
const records = JSON.parse(readFileSync(dataFile, 'utf8')) as { date: string; delay: number; distance: number; origin: string; destination: string }[];
const flights = spark.createDataFrame(records)
  .withColumn('ts', F.to_timestamp(col('date'), 'yyyy/MM/dd HH:mm'))
  .select(
    col('origin'), col('destination'), col('distance').cast('double').alias('distance'),
    F.hour(col('ts')).cast('double').alias('dep_hour'), F.dayofweek(col('ts')).cast('double').alias('day_of_week'),
    col('delay').gt(15).cast('double').alias('label'),
  );
const [train, test] = flights.randomSplit([0.8, 0.2], 42);
const trainRows = await train!.count(), testRows = await test!.count();
console.log(`${records.length} flights from ${path.relative(process.cwd(), dataFile)}: ${trainRows} to train on, ${testRows} to test on`);

// Features: the airports one-hot encoded (sparse; an airport not seen in training gets its own slot), the numbers
// as they are, all scaled to unit variance.
const lr = new LogisticRegression({ featuresCol: 'features', labelCol: 'label', maxIter: 100 });
const pipeline = new Pipeline({ stages: [
  new StringIndexer({ inputCols: ['origin', 'destination'], outputCols: ['origin_idx', 'destination_idx'], handleInvalid: 'keep' }),
  new OneHotEncoder({ inputCols: ['origin_idx', 'destination_idx'], outputCols: ['origin_vec', 'destination_vec'], handleInvalid: 'keep' }),
  new VectorAssembler({ inputCols: ['origin_vec', 'destination_vec', 'distance', 'dep_hour', 'day_of_week'], outputCol: 'raw' }),
  new StandardScaler({ inputCol: 'raw', outputCol: 'features' }),
  lr,
] });

// A small grid, 3-fold cross-validated on area under ROC; each line is one model scored on one fold.
const grid = new ParamGridBuilder().addGrid(lr, 'regParam', [0.001, 0.01, 0.1]).addGrid(lr, 'elasticNetParam', [0, 0.5]).build();
const auc = new BinaryClassificationEvaluator({ metricName: 'areaUnderROC' });
const cv = new CrossValidator({ estimator: pipeline, estimatorParamMaps: grid, evaluator: auc, numFolds: 3, seed: 42 });
cv.onProgress = (p) => console.log(`  [${elapsed()}] fold ${p.split + 1}/${p.numSplits}, model ${p.paramMap + 1}/${p.numParamMaps} (${p.description}): AUC ${p.metric.toFixed(4)}`);
console.log(`Cross-validating ${grid.length} settings of ${pipeline.getStages().length} stages over 3 folds`);
const cvModel = await cv.fit(train!);
const bestIndex = cvModel.avgMetrics.indexOf(Math.max(...cvModel.avgMetrics));
console.log(`Best setting: model ${bestIndex + 1}, mean cross-validated AUC ${cvModel.avgMetrics[bestIndex]!.toFixed(4)}; refitted on all training rows`);

const model = cvModel.bestModel as PipelineModel;
const predictions = (await model.transform(test!)).cache();
const testAuc = await auc.evaluate(predictions);
const accuracy = await new MulticlassClassificationEvaluator({ metricName: 'accuracy' }).evaluate(predictions);
const baseline = 1 - (await test!.filter(col('label').eq(1)).count()) / testRows;
console.log(`Test set: AUC ${testAuc.toFixed(4)}, accuracy ${accuracy.toFixed(4)} (always predicting "on time": ${baseline.toFixed(4)})`);

// Save, load, and check the reloaded pipeline predicts exactly the same.
const dir = await mkdtemp(path.join(tmpdir(), 'quiver-ml-pipeline-'));
const modelPath = path.join(dir, 'flight-delay');
await model.write().overwrite().save(modelPath);
const again = await PipelineModel.load(modelPath);
const before = (await predictions.select('probability', 'prediction').collect());
const after = (await (await again.transform(test!)).select('probability', 'prediction').collect());
const same = before.length === after.length && before.every((r, i) => r.prediction === after[i]!.prediction
  && Array.from(r.probability as Float64Array).every((p, j) => p === (after[i]!.probability as Float64Array)[j]));
console.log(`Saved to ${modelPath} and loaded again: ${same ? 'identical' : 'DIFFERENT'} predictions on ${after.length} test rows`);
await rm(dir, { recursive: true, force: true });
await spark.stop();
console.log(`Done in ${elapsed()}`);
if (!same) process.exit(1);
