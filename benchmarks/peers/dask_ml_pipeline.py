"""The Dask pipeline of `pnpm bench:peers` (workload `pipeline`, question `dask-xgb`), end to end:

    load Parquet -> preprocess with dask-ml (Categorizer, DummyEncoder: one-hot airports and carriers)
                 -> xgboost.dask DaskXGBClassifier (hist) -> area under ROC on the test rows

on the flight-delay-like data of datagen_pipeline.py: fitted on the rows with is_test false, scored on
the others. Quiver runs the same steps with the same XGBoost parameters (pipelines.ts); the harness
checks that both reach the same AUC. The cluster is every other Dask run's of the benchmark (engines.py
DaskBase: LocalCluster, 2 workers x 1 thread, memory limit per worker).

    python dask_ml_pipeline.py <flights.parquet>       # one run on its own: prints seconds and AUC

engines.py runs it as the `dask` engine of the workload: load() once (read, persist: the load time), then
run() per timed repetition (preprocess, fit, predict the test rows, AUC), which returns the AUC.
"""
import sys
import time

from engines import DaskBase

CATEGORICAL = ["carrier", "origin", "dest"]
NUMERIC = ["distance", "dep_hour", "month", "day_of_week"]
# Fixed, not tuned: the benchmark compares engines on one model, not model selection.
XGBOOST = {"n_estimators": 50, "max_depth": 6, "learning_rate": 0.3, "tree_method": "hist", "max_bin": 256,
           "objective": "binary:logistic", "random_state": 0}


class DaskXGBPipeline(DaskBase):

    def __init__(self, threads):
        super().__init__(threads)
        self.settings["cache"] = "input read a partition per row group and persist()ed; each run preprocesses, fits and evaluates from it"
        self.settings["pipeline"] = f"dask_ml Categorizer + DummyEncoder, xgboost.dask DaskXGBClassifier({XGBOOST}, n_jobs=1)"

    def load(self, files):
        from distributed import wait

        # A partition per row group (the file has 4): independent reads that the scheduler spreads over both
        # workers, so each trains on its share. Repartitioning one partition into two would leave both on one.
        flights = self.dd.read_parquet(files["flights"], split_row_groups=True).persist()
        wait(flights)
        self.flights = flights
        return {"flights": int(len(flights))}

    def run(self, qid):
        from dask_ml.preprocessing import Categorizer, DummyEncoder
        from sklearn.metrics import roc_auc_score
        from sklearn.pipeline import make_pipeline
        from xgboost import dask as dxgb

        if qid != "dask-xgb":
            raise ValueError(f"the Dask pipeline answers dask-xgb, not {qid}")
        train = self.flights[~self.flights["is_test"]]
        test = self.flights[self.flights["is_test"]]
        preprocess = make_pipeline(Categorizer(columns=CATEGORICAL), DummyEncoder(columns=CATEGORICAL))
        x_train = preprocess.fit_transform(train[CATEGORICAL + NUMERIC])
        model = dxgb.DaskXGBClassifier(**XGBOOST, n_jobs=1)
        model.client = self.client
        model.fit(x_train, train["label"])
        scores = model.predict_proba(preprocess.transform(test[CATEGORICAL + NUMERIC]))[:, 1]
        labels, scores = test["label"].compute(), scores.compute()
        # The test rows' labels and scores fit in the client: sklearn's exact AUC, as dask-ml has none.
        return float(roc_auc_score(labels, scores))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python dask_ml_pipeline.py <flights.parquet>")
    engine = DaskXGBPipeline(2)
    t0 = time.perf_counter()
    n = engine.load({"flights": sys.argv[1]})["flights"]
    t1 = time.perf_counter()
    auc = engine.run("dask-xgb")
    t2 = time.perf_counter()
    print(f"{n} rows loaded in {t1 - t0:.2f} s; pipeline fitted and evaluated in {t2 - t1:.2f} s: AUC {auc:.4f}")
    engine.close()
