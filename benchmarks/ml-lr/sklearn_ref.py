"""scikit-learn reference for `pnpm bench ml-lr`: fits LogisticRegression(lbfgs) on the same file and prints JSON.

The objective equals Quiver's (Spark's) with standardization off: mean log-loss + regParam/2 * ||w||^2, i.e.
C = 1 / (rows * regParam). Only fit() is timed.
"""
import json
import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression


def main():
    path, rows, features, reg, tol = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
    data = np.fromfile(path, dtype=np.float32).reshape(rows, features + 1).astype(np.float64)
    y, x = data[:, 0], np.ascontiguousarray(data[:, 1:])
    model = LogisticRegression(solver='lbfgs', C=1.0 / (rows * reg), tol=tol, max_iter=1000)
    t0 = time.perf_counter()
    model.fit(x, y)
    seconds = time.perf_counter() - t0
    print(json.dumps(dict(seconds=seconds, iterations=int(model.n_iter_[0]), coefficients=model.coef_[0].tolist(), intercept=float(model.intercept_[0]))))


if __name__ == '__main__':
    main()
