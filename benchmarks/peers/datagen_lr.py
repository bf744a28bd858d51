"""Logistic-regression data for `pnpm bench:peers` (workload `lr`, the scaling fit).

numpy's PCG64, seed 2027, drawn chunk after chunk in one stream, so every run and every engine gets the same
rows, and 5e7 rows (about 3.4 GB of Parquet) are written without ever being held in memory at once.

Columns (one row per example):
  f0 .. f7   double features: correlated normals (each mixes in a quarter of its neighbour) with their own
             means and scales (0.5 to 3): varied, yet conditioned well enough that every engine's solver,
             standardizing (Spark, Quiver, dask-glm) or not (scikit-learn), converges within 100 iterations,
             so the engines' AUCs agree and the comparison is of the same fitted model
  label      double 1.0 or 0.0, drawn from a logistic model of the features (about 42% positive; test AUC about 0.80)
  is_test    boolean, 20% of the rows at random: every engine trains on the other rows and is scored on these

A directory lr-like-<N>/ of part files, one row group of min(1e6, N/4) rows each: at least four, so every engine
splits the data over its 2 cores. Part files, the usual layout of data this size (3.4 GB at 5e7 rows), which every
engine reads as one table; one 3.4 GB file would also pass Node's 2 GiB readFileSync limit, which readers that take
a whole file at once (Quiver's did) cannot read.

Usage: python datagen_lr.py <N> <out_dir>; prints {"points": directory} as JSON.
"""
import json
import os
import shutil
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

SEED = 2027
FEATURES = 8
MEANS = np.array([0.0, 1.0, -0.5, 0.0, 2.0, 0.5, 0.0, -1.0])
SCALES = np.array([1.0, 2.0, 0.5, 3.0, 1.5, 1.0, 2.5, 0.8])
# Effect of one standard deviation of each feature on the log-odds; f6 carries none.
EFFECTS = np.array([0.8, -0.6, 0.4, 0.5, -0.3, 0.9, 0.0, 0.25])
INTERCEPT = -0.45
CHUNK_ROWS = 1_000_000


def chunk(rng, n):
    z = rng.standard_normal((n, FEATURES))
    z[:, 1:] += 0.25 * z[:, :-1]
    x = MEANS + SCALES * z
    log_odds = INTERCEPT + z @ EFFECTS
    label = (rng.random(n) < 1 / (1 + np.exp(-log_odds))).astype(np.float64)
    is_test = rng.random(n) < 0.2
    columns = {f"f{j}": pa.array(x[:, j]) for j in range(FEATURES)}
    return pa.table({**columns, "label": pa.array(label), "is_test": pa.array(is_test)})


def generate(n, out_dir):
    if n < 1000:
        raise ValueError(f"the lr data needs at least 1000 rows (got {n})")
    path = os.path.join(out_dir, f"lr-like-{n}")
    if os.path.exists(path):
        return {"points": path}
    rng = np.random.default_rng(SEED)
    step = min(CHUNK_ROWS, -(-n // 4))
    tmp = f"{path}.{os.getpid()}.tmp"
    os.makedirs(tmp)
    try:
        for i, start in enumerate(range(0, n, step)):
            pq.write_table(chunk(rng, min(step, n - start)), os.path.join(tmp, f"part-{i:05d}.parquet"), compression="zstd")
        os.replace(tmp, path)  # an interrupted run never leaves a partial directory in the cache
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"points": path}


if __name__ == "__main__":
    n, out_dir = int(float(sys.argv[1])), sys.argv[2]
    t0 = time.perf_counter()
    paths = generate(n, out_dir)
    print(f"lr-like {n} rows ready in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    print(json.dumps(paths))
