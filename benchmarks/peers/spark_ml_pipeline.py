"""The Spark MLlib pipeline of `pnpm bench:peers` (workload `pipeline`, question `spark-ml-lr`), end to end:

    load Parquet -> StringIndexer -> OneHotEncoder -> VectorAssembler -> StandardScaler
                 -> LogisticRegression -> BinaryClassificationEvaluator (area under ROC)

on the flight-delay-like data of datagen_pipeline.py: fitted on the rows with is_test false, scored on
the others. Quiver runs the same stages with the same parameters (pipelines.ts); the harness checks
that both reach the same AUC. The session has the settings of every other PySpark run of the
benchmark (engines.py SparkBase: local[2], driver memory, shuffle partitions).

    python spark_ml_pipeline.py <flights.parquet>      # one run on its own: prints seconds and AUC

engines.py runs it as the `spark` engine of the workload: load() once (read + persist + count, the
load time), then run() per timed repetition (fit on the training rows, transform and evaluate the
test rows), which returns the AUC.
"""
import sys
import time

from engines import SparkBase

CATEGORICAL = ["carrier", "origin", "dest"]
NUMERIC = ["distance", "dep_hour", "month", "day_of_week"]
# Fixed, not tuned: the benchmark compares engines on one model, not model selection.
LOGISTIC_REGRESSION = {"maxIter": 100, "regParam": 0.01, "elasticNetParam": 0.0, "tol": 1e-6}


def pipeline():
    from pyspark.ml import Pipeline
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.feature import OneHotEncoder, StandardScaler, StringIndexer, VectorAssembler

    indexed = [f"{c}_idx" for c in CATEGORICAL]
    encoded = [f"{c}_vec" for c in CATEGORICAL]
    return Pipeline(stages=[
        # handleInvalid="keep": a category first seen in the test rows gets its own slot, not an error.
        StringIndexer(inputCols=CATEGORICAL, outputCols=indexed, handleInvalid="keep"),
        OneHotEncoder(inputCols=indexed, outputCols=encoded, handleInvalid="keep"),
        VectorAssembler(inputCols=encoded + NUMERIC, outputCol="raw"),
        StandardScaler(inputCol="raw", outputCol="features"),
        LogisticRegression(featuresCol="features", labelCol="label", **LOGISTIC_REGRESSION),
    ])


class SparkMLPipeline(SparkBase):

    def __init__(self, threads):
        super().__init__(threads)
        self.settings["cache"] = "input persist(MEMORY_ONLY) and counted; each run fits and evaluates from it"
        self.settings["pipeline"] = f"StringIndexer, OneHotEncoder, VectorAssembler, StandardScaler, LogisticRegression({LOGISTIC_REGRESSION})"

    def load(self, files):
        from pyspark import StorageLevel
        from pyspark.sql import functions as F

        flights = self.spark.read.parquet(files["flights"]).persist(StorageLevel.MEMORY_ONLY)
        rows = flights.count()
        self.train = flights.filter(~F.col("is_test"))
        self.test = flights.filter(F.col("is_test"))
        return {"flights": rows}

    def run(self, qid):
        from pyspark.ml.evaluation import BinaryClassificationEvaluator

        if qid != "spark-ml-lr":
            raise ValueError(f"the Spark MLlib pipeline answers spark-ml-lr, not {qid}")
        model = pipeline().fit(self.train)
        return BinaryClassificationEvaluator(labelCol="label", metricName="areaUnderROC").evaluate(model.transform(self.test))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python spark_ml_pipeline.py <flights.parquet>")
    engine = SparkMLPipeline(2)
    t0 = time.perf_counter()
    n = engine.load({"flights": sys.argv[1]})["flights"]
    t1 = time.perf_counter()
    auc = engine.run("spark-ml-lr")
    t2 = time.perf_counter()
    print(f"{n} rows loaded in {t1 - t0:.2f} s; pipeline fitted and evaluated in {t2 - t1:.2f} s: AUC {auc:.4f}")
    engine.close()
