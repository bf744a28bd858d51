"""db-benchmark "J1" join data generator, written as Parquet.

Follows h2oai/db-benchmark _data/join-datagen.R (seed 108, random order, K unused) with numpy's
PCG64 instead of R's stream, so the tables have the published shape, not R's exact values:

  split_xlr(n): a permutation of 1..1.1n cut into x (0.9n keys, on both sides), l (0.1n, left
    only) and r (0.1n, right only); key1 = split_xlr(N/1e6), key2 = split_xlr(N/1e3),
    key3 = split_xlr(N).
  sample_all(keys, size): every key once, the rest drawn with replacement, shuffled.
  x      (N rows):      id1..id3 = sample_all(x+l keys of key1..3, N), v1 = round(runif*100, 6)
  small  (N/1e6 rows): id1 = sample_all(x+r of key1), v2
  medium (N/1e3 rows): id1 from key1, id2 = sample_all(x+r of key2) (unique), v2
  big    (N rows):      id1, id2 from key1/key2, id3 = sample_all(x+r of key3) (unique), v2
  id4/id5/id6 = sprintf("id%.0f", id1/id2/id3) wherever id1/id2/id3 exist.
  nas > 0: in x, nas% of the distinct values of each of id1..id3 become NA on every row holding
    them, and nas% of v1; the right-hand tables never hold NA.

Deviations, stated in the report: the published generator requires N >= 1e7; below that, key1
keeps the 1e7 shape (10 keys) so `small` has max(N/1e6, 10) rows and every join still matches.
Where R prints an NA key as the string "idNA", id4..id6 are null here.

Usage: python datagen_join.py <N> <nas> <out_dir>; prints the four file paths as JSON.
"""
import json
import os
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

SEED = 108
ROW_GROUP = 1 << 20


def pretty_sci(x):
    e = len(str(int(x))) - 1
    m = int(x) // 10**e
    if m * 10**e != int(x):
        raise ValueError(f"{x} is not of the form m*10^e")
    return f"{m}e{e}"


def names(n, nas):
    """db-benchmark's names: J1_<N>_NA_<nas>_0 for x, the right-hand row count in place of NA."""
    x = f"J1_{pretty_sci(n)}_NA_{nas}_0"
    return {
        "x": x,
        "small": x.replace("NA", pretty_sci(small_rows(n)), 1),
        "medium": x.replace("NA", pretty_sci(n // 1000), 1),
        "big": x.replace("NA", pretty_sci(n), 1),
    }


def small_rows(n):
    return max(n // 1_000_000, 10)


def split_xlr(rng, n):
    tenth = n // 10
    key = rng.permutation(n + tenth) + 1
    return {"x": key[: n - tenth], "l": key[n - tenth : n], "r": key[n:]}


def sample_all(rng, keys, size):
    if len(keys) > size:
        raise ValueError(f"sample_all: {len(keys)} keys do not fit in {size} rows")
    extra = rng.choice(keys, size=size - len(keys), replace=True)
    return rng.permutation(np.concatenate([keys, extra]))


def runif_round6(rng, n):
    return np.round(rng.random(n) * 100, 6)


def label(ids):
    """sprintf("id%.0f", ids) over an Arrow int64 array, nulls staying null."""
    return pc.binary_join_element_wise(pa.scalar("id"), pc.cast(ids, pa.string()), "")


def table(cols):
    """Arrow table with id4..id6 derived from id1..id3, in db-benchmark's column order."""
    out = {}
    for i in (1, 2, 3):
        if f"id{i}" in cols:
            out[f"id{i}"] = cols[f"id{i}"]
    for i in (1, 2, 3):
        if f"id{i}" in cols:
            out[f"id{i + 3}"] = label(cols[f"id{i}"])
    for v in ("v1", "v2"):
        if v in cols:
            out[v] = cols[v]
    return pa.table(out)


def with_nas(rng, ids, nas):
    if nas == 0:
        return pa.array(ids, pa.int64())
    uniq = np.unique(ids)
    drop = rng.choice(uniq, size=int(len(uniq) * nas / 100), replace=False)
    return pa.array(ids, pa.int64(), mask=np.isin(ids, drop))


def write(tbl, path):
    tmp = f"{path}.{os.getpid()}.tmp"
    pq.write_table(tbl, tmp, compression="zstd", row_group_size=ROW_GROUP)
    os.replace(tmp, path)  # an interrupted run never leaves a truncated file in the cache


def generate(n, nas, out_dir):
    if n < 1000 or n % 1000:
        raise ValueError(f"J1 needs N a multiple of 1000 (got {n})")
    if not 0 <= nas <= 100:
        raise ValueError(f"nas is a percentage (got {nas})")
    paths = {k: os.path.join(out_dir, f"{v}.parquet") for k, v in names(n, nas).items()}
    if all(os.path.exists(p) for p in paths.values()):
        return paths
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(SEED)
    key1 = split_xlr(rng, small_rows(n))
    key2 = split_xlr(rng, n // 1000)
    key3 = split_xlr(rng, n)
    lhs = lambda k: np.concatenate([k["x"], k["l"]])
    rhs = lambda k: np.concatenate([k["x"], k["r"]])

    x = {f"id{i}": sample_all(rng, lhs(k), n) for i, k in ((1, key1), (2, key2), (3, key3))}
    v1 = runif_round6(rng, n)
    x = {c: with_nas(rng, ids, nas) for c, ids in x.items()}
    v1_mask = np.zeros(n, bool)
    if nas:
        v1_mask[rng.choice(n, size=int(n * nas / 100), replace=False)] = True
    x["v1"] = pa.array(v1, pa.float64(), mask=v1_mask if nas else None)
    write(table(x), paths["x"])
    del x

    ns = small_rows(n)
    small = {"id1": pa.array(sample_all(rng, rhs(key1), ns)), "v2": pa.array(runif_round6(rng, ns))}
    write(table(small), paths["small"])
    nm = n // 1000
    medium = {
        "id1": pa.array(sample_all(rng, rhs(key1), nm)),
        "id2": pa.array(sample_all(rng, rhs(key2), nm)),
        "v2": pa.array(runif_round6(rng, nm)),
    }
    write(table(medium), paths["medium"])
    big = {
        "id1": pa.array(sample_all(rng, rhs(key1), n)),
        "id2": pa.array(sample_all(rng, rhs(key2), n)),
        "id3": pa.array(sample_all(rng, rhs(key3), n)),
        "v2": pa.array(runif_round6(rng, n)),
    }
    write(table(big), paths["big"])
    return paths


if __name__ == "__main__":
    n, nas, out_dir = int(float(sys.argv[1])), int(sys.argv[2]), sys.argv[3]
    t0 = time.perf_counter()
    paths = generate(n, nas, out_dir)
    print(f"J1 {n} rows ready in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    print(json.dumps(paths))
