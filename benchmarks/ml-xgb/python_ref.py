"""Python peers of `pnpm bench ml-xgb`: XGBoost in one process (nthread 2) and xgboost.dask on a 2-worker
LocalCluster, on the same data file and parameters as Quiver. Prints one JSON object.

    .venv/bin/python benchmarks/ml-xgb/python_ref.py DATA_PREFIX ROUNDS DEPTH REPS [--dask]

Each engine runs REPS times; every run's time is reported (the caller takes the minimum).

DATA_PREFIX.train.f32 / .test.f32: float32 rows of 29 values (label, then 28 features).
"""
import json
import sys
import time

import numpy as np
import xgboost as xgb
from sklearn.metrics import roc_auc_score

COLS = 29


def load(path):
    a = np.fromfile(path, dtype="<f4").reshape(-1, COLS)
    return a[:, 1:], a[:, 0]


def main():
    prefix, rounds, depth, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    x, y = load(prefix + ".train.f32")
    xt, yt = load(prefix + ".test.f32")
    params = {"objective": "binary:logistic", "tree_method": "hist", "max_depth": depth, "eta": 0.3,
              "max_bin": 256, "seed": 0, "eval_metric": "auc"}
    out = {"xgboost": xgb.__version__}

    runs = []
    for _ in range(reps):
        t0 = time.perf_counter()
        dm = xgb.DMatrix(x, label=y, nthread=2)
        t1 = time.perf_counter()
        booster = xgb.train({**params, "nthread": 2}, dm, num_boost_round=rounds)
        t2 = time.perf_counter()
        runs.append({"dmatrix_s": t1 - t0, "train_s": t2 - t1, "total_s": t2 - t0})
        del dm
    out["single"] = {"runs": runs, "auc": float(roc_auc_score(yt, booster.predict(xgb.DMatrix(xt))))}

    if "--dask" in sys.argv:
        import dask
        import dask.array as da
        from distributed import Client, LocalCluster, wait
        from xgboost import dask as dxgb

        out["dask_version"] = dask.__version__
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            # Two chunks, one per worker, persisted before timing: the timed part is DaskDMatrix + train,
            # as Quiver's is fit() on a cached 2-partition DataFrame.
            dx = da.from_array(x, chunks=(len(x) // 2 + 1, x.shape[1])).persist()
            dy = da.from_array(y, chunks=(len(y) // 2 + 1,)).persist()
            client.wait_for_workers(2)
            wait([dx, dy])
            runs = []
            for _ in range(reps):
                t0 = time.perf_counter()
                ddm = dxgb.DaskDMatrix(client, dx, dy)
                res = dxgb.train(client, {**params, "nthread": 1}, ddm, num_boost_round=rounds)
                t1 = time.perf_counter()
                runs.append({"total_s": t1 - t0})
                del ddm
            out["dask"] = {"runs": runs,
                           "auc": float(roc_auc_score(yt, res["booster"].predict(xgb.DMatrix(xt))))}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
