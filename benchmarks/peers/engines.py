"""The Python peer engines of `pnpm bench:peers`: PySpark, Dask, DuckDB and pandas.

    python engines.py <engine> <spec.json>

runs one engine on one workload in this process. spec.json (written by peers.ts) holds
{"workload", "files": {table: parquet path}, "questions": [ids], "reps", "threads"}. Results go
to stdout as one JSON object per line, each prefixed with RESULT_PREFIX so that library chatter
on stdout can never be mistaken for a result:
  {"event": "engine", "name", "version", "settings", "startup": seconds to start (JVM, cluster)}
  {"event": "load", "seconds", "rows": {table: n}}
  {"event": "question", "id", "warmup", "runs": [s...], "checksum": {"rows", "sums", "missing"}}
  {"event": "question", "id", "warmup", "runs": [s...], "metric": {"name", "value", "runs": [...]}}
                                                   (a pipeline: the metric of the warm-up and each timed run)
  {"event": "question", "id", "error"}            (the engine cannot answer it; a failure)
  {"event": "unsupported", "id", "reason"}         (the workload has no such question here)
Timed: computing the answer and materializing it in the engine's own form, as db-benchmark
does (DuckDB: CREATE TABLE ans AS; Spark: persist + count; Dask: compute() to pandas; pandas:
the result frame). The checksum (row count; per column the sum of defined values and the count
of null/NaN values) is read from the materialized answer afterwards and never timed.

A workload is a class per engine in WORKLOADS[workload][engine] with load(files), run(qid) and
checksum(qid, chk); adding a workload means adding such classes here and its description in
workloads.ts. A pipeline question (its spec entry has "metric") is answered by run(qid) itself, which
returns the metric; those classes live in spark_ml_pipeline.py and dask_ml_pipeline.py, the lr
workload's here.
"""
import json
import math
import os
import statistics
import sys
import time
import traceback

RESULT_PREFIX = "@@quiver-bench "


def emit(**obj):
    sys.stdout.write(RESULT_PREFIX + json.dumps(obj, allow_nan=False) + "\n")
    sys.stdout.flush()


def finite(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


# --------------------------------------------------------------------------------------------
# Questions. Column lists to checksum (db-benchmark's `chk`) live in workloads.ts and arrive in
# the spec; the SQL below is verbatim from db-benchmark's duckdb/*.R and spark/*.py.

GROUPBY_SQL = {
    "q1": "SELECT id1, sum(v1) AS v1 FROM x GROUP BY id1",
    "q2": "SELECT id1, id2, sum(v1) AS v1 FROM x GROUP BY id1, id2",
    "q3": "SELECT id3, sum(v1) AS v1, avg(v3) AS v3 FROM x GROUP BY id3",
    "q4": "SELECT id4, avg(v1) AS v1, avg(v2) AS v2, avg(v3) AS v3 FROM x GROUP BY id4",
    "q5": "SELECT id6, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3 FROM x GROUP BY id6",
    "q6": "SELECT id4, id5, quantile_cont(v3, 0.5) AS median_v3, stddev(v3) AS sd_v3 FROM x GROUP BY id4, id5",
    "q7": "SELECT id3, max(v1)-min(v2) AS range_v1_v2 FROM x GROUP BY id3",
    "q8": "SELECT id6, v3 AS largest2_v3 FROM (SELECT id6, v3, row_number() OVER (PARTITION BY id6 ORDER BY v3 DESC) AS order_v3 FROM x WHERE v3 IS NOT NULL) sub_query WHERE order_v3 <= 2",
    "q9": "SELECT id2, id4, pow(corr(v1, v2), 2) AS r2 FROM x GROUP BY id2, id4",
    "q10": "SELECT id1, id2, id3, id4, id5, id6, sum(v3) AS v3, count(*) AS count FROM x GROUP BY id1, id2, id3, id4, id5, id6",
}
# Spark has no quantile_cont; median() is the exact percentile(v3, 0.5) with linear
# interpolation, i.e. quantile_cont's answer. stddev is the sample deviation in both, and both
# give NULL for a one-row group (spark.sql.legacy.statisticalAggregate=false, the default).
SPARK_GROUPBY_SQL = dict(GROUPBY_SQL, q6="SELECT id4, id5, median(v3) AS median_v3, stddev(v3) AS sd_v3 FROM x GROUP BY id4, id5")

JOIN_SQL = {
    "q1": "SELECT x.*, small.id4 AS small_id4, v2 FROM x JOIN small USING (id1)",
    "q2": "SELECT x.*, medium.id1 AS medium_id1, medium.id4 AS medium_id4, medium.id5 AS medium_id5, v2 FROM x JOIN medium USING (id2)",
    "q3": "SELECT x.*, medium.id1 AS medium_id1, medium.id4 AS medium_id4, medium.id5 AS medium_id5, v2 FROM x LEFT JOIN medium USING (id2)",
    "q4": "SELECT x.*, medium.id1 AS medium_id1, medium.id2 AS medium_id2, medium.id4 AS medium_id4, v2 FROM x JOIN medium USING (id5)",
    "q5": "SELECT x.*, big.id1 AS big_id1, big.id2 AS big_id2, big.id4 AS big_id4, big.id5 AS big_id5, big.id6 AS big_id6, v2 FROM x JOIN big USING (id3)",
}
# TPC-H-like Q1/Q3/Q5/Q6/Q10 (datagen_tpch.py): the specification's queries with their validation
# parameters, date arithmetic folded into literals, and the text columns the generator leaves out
# (Q10's c_address, c_phone, c_comment) left out of the select list. Spark runs the same SQL.
TPCH_SQL = {
    "q1": """SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice) AS sum_base_price,
        sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
        sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge, avg(l_quantity) AS avg_qty,
        avg(l_extendedprice) AS avg_price, avg(l_discount) AS avg_disc, count(*) AS count_order
      FROM lineitem WHERE l_shipdate <= DATE '1998-09-02'
      GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus""",
    "q3": """SELECT l_orderkey, sum(l_extendedprice * (1 - l_discount)) AS revenue, o_orderdate, o_shippriority
      FROM customer, orders, lineitem
      WHERE c_mktsegment = 'BUILDING' AND c_custkey = o_custkey AND l_orderkey = o_orderkey
        AND o_orderdate < DATE '1995-03-15' AND l_shipdate > DATE '1995-03-15'
      GROUP BY l_orderkey, o_orderdate, o_shippriority ORDER BY revenue DESC, o_orderdate LIMIT 10""",
    "q5": """SELECT n_name, sum(l_extendedprice * (1 - l_discount)) AS revenue
      FROM customer, orders, lineitem, supplier, nation, region
      WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey AND l_suppkey = s_suppkey
        AND c_nationkey = s_nationkey AND s_nationkey = n_nationkey AND n_regionkey = r_regionkey
        AND r_name = 'ASIA' AND o_orderdate >= DATE '1994-01-01' AND o_orderdate < DATE '1995-01-01'
      GROUP BY n_name ORDER BY revenue DESC""",
    "q6": """SELECT sum(l_extendedprice * l_discount) AS revenue FROM lineitem
      WHERE l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1995-01-01'
        AND l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24""",
    "q10": """SELECT c_custkey, c_name, sum(l_extendedprice * (1 - l_discount)) AS revenue, c_acctbal, n_name
      FROM customer, orders, lineitem, nation
      WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey AND o_orderdate >= DATE '1993-10-01'
        AND o_orderdate < DATE '1994-01-01' AND l_returnflag = 'R' AND c_nationkey = n_nationkey
      GROUP BY c_custkey, c_name, c_acctbal, n_name ORDER BY revenue DESC LIMIT 20""",
}

# For the frame APIs (pandas, Dask): join key, right table, how, and the right columns kept
# (renamed as in the SQL's select list).
JOIN_SPEC = {
    "q1": ("id1", "small", "inner", {"id4": "small_id4"}),
    "q2": ("id2", "medium", "inner", {"id1": "medium_id1", "id4": "medium_id4", "id5": "medium_id5"}),
    "q3": ("id2", "medium", "left", {"id1": "medium_id1", "id4": "medium_id4", "id5": "medium_id5"}),
    "q4": ("id5", "medium", "inner", {"id1": "medium_id1", "id2": "medium_id2", "id4": "medium_id4"}),
    "q5": ("id3", "big", "inner", {"id1": "big_id1", "id2": "big_id2", "id4": "big_id4", "id5": "big_id5", "id6": "big_id6"}),
}


def right_side(df, key, keep):
    return df[[key, *keep.keys(), "v2"]].rename(columns=keep)


def r2_from_sums(g):
    """q9 for the frame APIs: squared Pearson correlation from grouped sums. v1, v2 are small
    integers, so n*Sxy - Sx*Sy and the variances are exact in float64 (below 2^53 at 1e7 rows);
    zero variance gives NaN, as DuckDB's corr does."""
    n, sx, sy = g["n"], g["sx"], g["sy"]
    cov = n * g["sxy"] - sx * sy
    vx = n * g["sxx"] - sx * sx
    vy = n * g["syy"] - sy * sy
    with_nan = (vx * vy).where((vx * vy) != 0)
    return (cov * cov) / with_nan


# --------------------------------------------------------------------------------------------
# DuckDB


class DuckDBBase:
    name = "DuckDB"

    def __init__(self, threads):
        import duckdb

        self.con = duckdb.connect(":memory:", config={"threads": threads})
        self.version = duckdb.__version__
        self.settings = {"threads": threads, "storage": "in-memory tables loaded from Parquet"}

    def load(self, files):
        rows = {}
        for t, p in files.items():
            self.con.execute(f"CREATE OR REPLACE TABLE {t} AS SELECT * FROM read_parquet(?)", [p])
            rows[t] = self.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        return rows

    def run(self, qid):
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE ans AS {self.SQL[qid]}")
        return self.con.execute("SELECT count(*) FROM ans").fetchone()[0]

    def checksum(self, qid, chk):
        parts = []
        for c in chk:
            parts.append(f'sum("{c}"::DOUBLE) FILTER (WHERE NOT isnan("{c}"::DOUBLE))')
            parts.append(f'count(*) FILTER (WHERE "{c}" IS NULL OR isnan("{c}"::DOUBLE))')
        r = self.con.execute(f"SELECT count(*), {', '.join(parts)} FROM ans").fetchone()
        return {
            "rows": r[0],
            "sums": {c: finite(r[1 + 2 * i]) or 0.0 for i, c in enumerate(chk)},
            "missing": {c: r[2 + 2 * i] for i, c in enumerate(chk)},
        }

    def close(self):
        self.con.close()


class DuckDBGroupby(DuckDBBase):
    SQL = GROUPBY_SQL


class DuckDBJoin(DuckDBBase):
    SQL = JOIN_SQL


class DuckDBTpch(DuckDBBase):
    SQL = TPCH_SQL


# --------------------------------------------------------------------------------------------
# PySpark

SPARK_MEMORY = os.environ.get("QUIVER_BENCH_SPARK_MEMORY", "8g")


class SparkBase:
    name = "PySpark"

    def __init__(self, threads):
        import pyspark
        from pyspark.sql import SparkSession

        conf = {
            # local mode runs executors inside the driver JVM: its heap is the engine's memory.
            "spark.driver.memory": SPARK_MEMORY,
            # 200 shuffle partitions (the default) is tuned for clusters; 2 cores want few.
            # AQE (on by default) coalesces further.
            "spark.sql.shuffle.partitions": str(2 * threads),
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.sql.autoBroadcastJoinThreshold": "10485760",
        }
        b = SparkSession.builder.master(f"local[{threads}]").appName("quiver-bench-peers")
        for k, v in conf.items():
            b = b.config(k, v)
        self.spark = b.getOrCreate()
        self.spark.sparkContext.setLogLevel("ERROR")
        self.version = pyspark.__version__
        self.settings = dict(conf, master=f"local[{threads}]", java=os.environ.get("JAVA_HOME", "java on PATH"),
                             cache="input DataFrames persist(MEMORY_ONLY) and counted; answers persist + count")
        self.ans = None

    def load(self, files):
        from pyspark import StorageLevel

        rows = {}
        for t, p in files.items():
            df = self.spark.read.parquet(p).persist(StorageLevel.MEMORY_ONLY)
            rows[t] = df.count()
            df.createOrReplaceTempView(t)
        return rows

    def run(self, qid):
        from pyspark import StorageLevel

        if self.ans is not None:
            self.ans.unpersist(blocking=True)
        self.ans = self.spark.sql(self.SQL[qid]).persist(StorageLevel.MEMORY_ONLY)
        return self.ans.count()

    def checksum(self, qid, chk):
        from pyspark.sql import functions as F

        aggs = [F.count(F.lit(1)).alias("n")]
        for i, c in enumerate(chk):
            v = F.col(f"`{c}`").cast("double")
            aggs.append(F.sum(F.when(~F.isnan(v), v)).alias(f"s{i}"))
            aggs.append(F.sum(F.when(v.isNull() | F.isnan(v), 1).otherwise(0)).alias(f"m{i}"))
        r = self.ans.agg(*aggs).collect()[0]
        return {
            "rows": r["n"],
            "sums": {c: finite(r[f"s{i}"]) or 0.0 for i, c in enumerate(chk)},
            "missing": {c: int(r[f"m{i}"] or 0) for i, c in enumerate(chk)},
        }

    def close(self):
        self.spark.stop()


class SparkGroupby(SparkBase):
    SQL = SPARK_GROUPBY_SQL


class SparkJoin(SparkBase):
    SQL = JOIN_SQL


class SparkTpch(SparkBase):
    SQL = TPCH_SQL


# --------------------------------------------------------------------------------------------
# pandas and Dask share the frame-API questions: functions of (tables, groupby options) that
# return a pandas frame (pandas) or a lazy Dask frame; engine-specific ones override.


def with_datetimes(df, path):
    """Parquet DATE columns as datetime64: pandas reads them as Python date objects, which compare
    neither fast nor with Timestamps. Done while loading, so it counts as load time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    dates = [f.name for f in pq.read_schema(path) if pa.types.is_date(f.type)]
    return df.astype({c: "datetime64[s]" for c in dates}) if dates else df


def one_row_if_series(ans):
    """A global aggregate comes back as a Series of named values; the SQL engines answer one row."""
    import pandas as pd

    return ans.to_frame().T if isinstance(ans, pd.Series) else ans


def frame_checksum(df, chk):
    import numpy as np

    out = {"rows": int(len(df)), "sums": {}, "missing": {}}
    for c in chk:
        col = df[c] if c in df.columns else df.index.get_level_values(c)
        v = col.astype("float64").to_numpy(na_value=np.nan)
        nan = np.isnan(v)
        out["sums"][c] = float(v[~nan].sum())
        out["missing"][c] = int(nan.sum())
    return out


def _q7(t, gb):
    a = t["x"].groupby("id3", **gb).agg({"v1": "max", "v2": "min"})
    return a.assign(range_v1_v2=a["v1"] - a["v2"])[["range_v1_v2"]]


def _q9(t, gb):
    y = t["x"][["id2", "id4", "v1", "v2"]].astype({"v1": "float64", "v2": "float64"})
    y = y.assign(n=1.0, sxx=y["v1"] * y["v1"], syy=y["v2"] * y["v2"], sxy=y["v1"] * y["v2"])
    g = y.groupby(["id2", "id4"], **gb).sum()
    return g.assign(r2=r2_from_sums(g.rename(columns={"v1": "sx", "v2": "sy"})))[["r2"]]


FRAME_GROUPBY = {
    "q1": lambda t, gb: t["x"].groupby("id1", **gb).agg({"v1": "sum"}),
    "q2": lambda t, gb: t["x"].groupby(["id1", "id2"], **gb).agg({"v1": "sum"}),
    "q3": lambda t, gb: t["x"].groupby("id3", **gb).agg({"v1": "sum", "v3": "mean"}),
    "q4": lambda t, gb: t["x"].groupby("id4", **gb).agg({"v1": "mean", "v2": "mean", "v3": "mean"}),
    "q5": lambda t, gb: t["x"].groupby("id6", **gb).agg({"v1": "sum", "v2": "sum", "v3": "sum"}),
    "q6": lambda t, gb: t["x"].groupby(["id4", "id5"], **gb).agg(median_v3=("v3", "median"), sd_v3=("v3", "std")),
    "q7": _q7,
    "q9": _q9,
    "q10": lambda t, gb: t["x"].groupby(["id1", "id2", "id3", "id4", "id5", "id6"], **gb)
    .agg(v3=("v3", "sum"), count=("v3", "size")),
}


def _pandas_q8(t, gb):
    x = t["x"]
    s = x[~x["v3"].isna()][["id6", "v3"]].sort_values("v3", ascending=False)
    return s.groupby("id6", **gb).head(2).rename(columns={"v3": "largest2_v3"})


def _dask_q8(t, gb):
    x = t["x"]
    y = x[~x["v3"].isna()][["id6", "v3"]]
    # pandas hands apply() each group without its key column; the key comes back as the index.
    return y.groupby("id6", **gb).apply(lambda g: g.nlargest(2, "v3").rename(columns={"v3": "largest2_v3"}),
                                        meta={"largest2_v3": "float64"})


def _frame_join(qid):
    key, rt, how, keep = JOIN_SPEC[qid]
    return lambda t, gb: t["x"].merge(right_side(t[rt], key, keep), on=key, how=how)


FRAME_JOIN = {q: _frame_join(q) for q in JOIN_SPEC}


def _day(s):
    import pandas as pd

    return pd.Timestamp(s)


def _revenue(li):
    return li.assign(revenue=li["l_extendedprice"] * (1 - li["l_discount"]))


def _tpch_q1(t, gb):
    li = t["lineitem"]
    li = li[li["l_shipdate"] <= _day("1998-09-02")]
    li = li.assign(disc_price=li["l_extendedprice"] * (1 - li["l_discount"]))
    li = li.assign(charge=li["disc_price"] * (1 + li["l_tax"]))
    a = li.groupby(["l_returnflag", "l_linestatus"], **gb).agg(
        sum_qty=("l_quantity", "sum"), sum_base_price=("l_extendedprice", "sum"), sum_disc_price=("disc_price", "sum"),
        sum_charge=("charge", "sum"), avg_qty=("l_quantity", "mean"), avg_price=("l_extendedprice", "mean"),
        avg_disc=("l_discount", "mean"), count_order=("l_quantity", "size"))
    return a.reset_index().sort_values(["l_returnflag", "l_linestatus"])


def _tpch_q3(t, gb):
    c, o, li = t["customer"], t["orders"], t["lineitem"]
    c = c[c["c_mktsegment"] == "BUILDING"][["c_custkey"]]
    o = o[o["o_orderdate"] < _day("1995-03-15")][["o_orderkey", "o_custkey", "o_orderdate", "o_shippriority"]]
    li = _revenue(li[li["l_shipdate"] > _day("1995-03-15")][["l_orderkey", "l_extendedprice", "l_discount"]])
    j = c.merge(o, left_on="c_custkey", right_on="o_custkey").merge(li, left_on="o_orderkey", right_on="l_orderkey")
    a = j.groupby(["l_orderkey", "o_orderdate", "o_shippriority"], **gb).agg(revenue=("revenue", "sum")).reset_index()
    return a.nlargest(10, "revenue")


def _tpch_q5(t, gb):
    r, n, s, c, o, li = (t[k] for k in ("region", "nation", "supplier", "customer", "orders", "lineitem"))
    n = n.merge(r[r["r_name"] == "ASIA"], left_on="n_regionkey", right_on="r_regionkey")[["n_nationkey", "n_name"]]
    o = o[(o["o_orderdate"] >= _day("1994-01-01")) & (o["o_orderdate"] < _day("1995-01-01"))][["o_orderkey", "o_custkey"]]
    j = (_revenue(li[["l_orderkey", "l_suppkey", "l_extendedprice", "l_discount"]])
         .merge(o, left_on="l_orderkey", right_on="o_orderkey")
         .merge(c[["c_custkey", "c_nationkey"]], left_on="o_custkey", right_on="c_custkey")
         .merge(s[["s_suppkey", "s_nationkey"]], left_on=["l_suppkey", "c_nationkey"], right_on=["s_suppkey", "s_nationkey"])
         .merge(n, left_on="s_nationkey", right_on="n_nationkey"))
    return j.groupby("n_name", **gb).agg(revenue=("revenue", "sum")).reset_index().sort_values("revenue", ascending=False)


def _tpch_q6(t, gb):
    li = t["lineitem"]
    li = li[(li["l_shipdate"] >= _day("1994-01-01")) & (li["l_shipdate"] < _day("1995-01-01"))
            & (li["l_discount"] >= 0.05) & (li["l_discount"] <= 0.07) & (li["l_quantity"] < 24)]
    # A Series {revenue: x}, which run() turns into the one-row frame the SQL engines answer.
    return (li["l_extendedprice"] * li["l_discount"]).to_frame("revenue").sum()


def _tpch_q10(t, gb):
    n, c, o, li = (t[k] for k in ("nation", "customer", "orders", "lineitem"))
    o = o[(o["o_orderdate"] >= _day("1993-10-01")) & (o["o_orderdate"] < _day("1994-01-01"))][["o_orderkey", "o_custkey"]]
    li = _revenue(li[li["l_returnflag"] == "R"][["l_orderkey", "l_extendedprice", "l_discount"]])
    j = (li.merge(o, left_on="l_orderkey", right_on="o_orderkey")
         .merge(c[["c_custkey", "c_name", "c_acctbal", "c_nationkey"]], left_on="o_custkey", right_on="c_custkey")
         .merge(n[["n_nationkey", "n_name"]], left_on="c_nationkey", right_on="n_nationkey"))
    a = j.groupby(["c_custkey", "c_name", "c_acctbal", "n_name"], **gb).agg(revenue=("revenue", "sum")).reset_index()
    return a.nlargest(20, "revenue")


FRAME_TPCH = {"q1": _tpch_q1, "q3": _tpch_q3, "q5": _tpch_q5, "q6": _tpch_q6, "q10": _tpch_q10}


class PandasBase:
    name = "pandas"
    gb = {"sort": False, "observed": True, "dropna": False}

    def __init__(self, threads):
        import pandas

        self.pd = pandas
        self.version = pandas.__version__
        self.settings = {"threads": "1 (pandas is single-threaded)", "read": "read_parquet, pyarrow engine"}
        self.t = {}
        self.ans = None

    def load(self, files):
        self.t = {t: with_datetimes(self.pd.read_parquet(p, engine="pyarrow"), p) for t, p in files.items()}
        return {t: len(df) for t, df in self.t.items()}

    def run(self, qid):
        self.ans = None  # let the previous answer go before computing the next
        self.ans = one_row_if_series(self.QUESTIONS[qid](self.t, self.gb))
        return len(self.ans)

    def checksum(self, qid, chk):
        return frame_checksum(self.ans, chk)

    def close(self):
        pass


class PandasGroupby(PandasBase):
    QUESTIONS = dict(FRAME_GROUPBY, q8=_pandas_q8)


class PandasJoin(PandasBase):
    QUESTIONS = FRAME_JOIN


class PandasTpch(PandasBase):
    QUESTIONS = FRAME_TPCH


class DaskBase(PandasBase):
    name = "Dask"

    def __init__(self, threads):
        import dask
        import dask.dataframe as dd
        from distributed import Client, LocalCluster

        self.dd = dd
        mem = os.environ.get("QUIVER_BENCH_DASK_MEMORY", "4GiB")
        self.cluster = LocalCluster(n_workers=threads, threads_per_worker=1, processes=True, memory_limit=mem,
                                    dashboard_address=None)
        self.client = Client(self.cluster)
        self.version = dask.__version__
        self.settings = {"cluster": f"LocalCluster(n_workers={threads}, threads_per_worker=1, processes=True)",
                         "memory_limit": f"{mem} per worker",
                         "cache": "inputs persist()ed on the workers; answers compute()d to a pandas frame in the client"}
        self.t = {}
        self.ans = None

    def load(self, files):
        from distributed import wait

        self.t = {t: with_datetimes(self.dd.read_parquet(p), p).persist() for t, p in files.items()}
        wait(list(self.t.values()))
        return {t: int(len(df)) for t, df in self.t.items()}

    def run(self, qid):
        self.ans = None
        self.ans = one_row_if_series(self.QUESTIONS[qid](self.t, self.gb).compute())
        return len(self.ans)

    def close(self):
        self.client.close()
        self.cluster.close()


class DaskGroupby(DaskBase):
    QUESTIONS = dict(FRAME_GROUPBY, q8=_dask_q8)


class DaskJoin(DaskBase):
    QUESTIONS = FRAME_JOIN


class DaskTpch(DaskBase):
    QUESTIONS = FRAME_TPCH


# --------------------------------------------------------------------------------------------
# The lr workload: one logistic-regression fit on the 8 features of datagen_lr.py, trained on the rows with
# is_test false and scored (area under ROC) on the others; run(qid) returns that AUC. No penalty: Spark's
# regParam is on the mean loss, scikit-learn's C and dask-glm's lamduh on the sum, and only zero means the
# same in all of them. Quiver's twin is pipelines.ts LR_QUESTIONS.

LR_FEATURES = [f"f{j}" for j in range(8)]
LR_FIT = {"max_iter": 100, "tol": 1e-6}


class SparkLR(SparkBase):

    def __init__(self, threads):
        super().__init__(threads)
        self.settings["cache"] = "input persist(MEMORY_ONLY) and counted; each run assembles, fits and evaluates from it"
        self.settings["lr"] = (f"VectorAssembler, LogisticRegression(maxIter={LR_FIT['max_iter']}, regParam=0, tol={LR_FIT['tol']}), "
                               "BinaryClassificationEvaluator (1000 bins)")

    def load(self, files):
        from pyspark import StorageLevel
        from pyspark.sql import functions as F

        points = self.spark.read.parquet(files["points"]).persist(StorageLevel.MEMORY_ONLY)
        rows = points.count()
        self.train = points.filter(~F.col("is_test"))
        self.test = points.filter(F.col("is_test"))
        return {"points": rows}

    def run(self, qid):
        from pyspark.ml import Pipeline
        from pyspark.ml.classification import LogisticRegression
        from pyspark.ml.evaluation import BinaryClassificationEvaluator
        from pyspark.ml.feature import VectorAssembler

        model = Pipeline(stages=[
            VectorAssembler(inputCols=LR_FEATURES, outputCol="features"),
            LogisticRegression(featuresCol="features", labelCol="label", maxIter=LR_FIT["max_iter"], regParam=0.0,
                               tol=LR_FIT["tol"]),
        ]).fit(self.train)
        return BinaryClassificationEvaluator(labelCol="label", metricName="areaUnderROC").evaluate(model.transform(self.test))


class PandasLR(PandasBase):

    def __init__(self, threads):
        super().__init__(threads)
        import sklearn

        self.version = f"{self.version}, scikit-learn {sklearn.__version__}"
        self.settings["lr"] = (f"sklearn LogisticRegression(C=inf (no penalty), solver=lbfgs, max_iter={LR_FIT['max_iter']}, "
                               f"tol={LR_FIT['tol']}) on to_numpy() of the training rows; exact roc_auc_score")

    def load(self, files):
        self.t = {"points": self.pd.read_parquet(files["points"], engine="pyarrow")}
        return {"points": len(self.t["points"])}

    def run(self, qid):
        import numpy as np
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import roc_auc_score

        points = self.t["points"]
        train, test = points[~points["is_test"]], points[points["is_test"]]
        model = LogisticRegression(C=np.inf, solver="lbfgs", **LR_FIT)
        model.fit(train[LR_FEATURES].to_numpy(), train["label"].to_numpy())
        return float(roc_auc_score(test["label"].to_numpy(), model.predict_proba(test[LR_FEATURES].to_numpy())[:, 1]))


class DaskLR(DaskBase):

    def __init__(self, threads):
        super().__init__(threads)
        import dask_ml

        self.version = f"{self.version}, dask-ml {dask_ml.__version__}"
        self.settings["cache"] = "input read a partition per row group and persist()ed; each run assembles, fits and evaluates from it"
        self.settings["lr"] = (f"dask_ml LogisticRegression(penalty=None, solver=lbfgs, max_iter={LR_FIT['max_iter']}, tol={LR_FIT['tol']}) "
                               "on dask arrays persist()ed from the training rows; exact roc_auc_score in the client")

    def load(self, files):
        from distributed import wait

        # A partition per row group: independent reads that the scheduler spreads over both workers.
        self.t = {"points": self.dd.read_parquet(files["points"], split_row_groups=True).persist()}
        wait(self.t["points"])
        return {"points": int(len(self.t["points"]))}

    def run(self, qid):
        import dask
        from dask_ml.linear_model import LogisticRegression
        from sklearn.metrics import roc_auc_score

        points = self.t["points"]
        columns = LR_FEATURES + ["label"]
        # One array per split, its chunk lengths computed once (dask-glm needs them), features and label sliced from it.
        train = points[~points["is_test"]][columns].to_dask_array(lengths=True)
        test = points[points["is_test"]][columns].to_dask_array(lengths=True)
        train, test = dask.persist(train, test)
        model = LogisticRegression(penalty=None, solver="lbfgs", **LR_FIT)
        model.fit(train[:, :-1], train[:, -1])
        labels, scores = dask.compute(test[:, -1], model.predict_proba(test[:, :-1])[:, 1])
        # The test rows' labels and scores fit in the client: sklearn's exact AUC, as dask-ml has none.
        return float(roc_auc_score(labels, scores))


def spark_ml_pipeline():
    from spark_ml_pipeline import SparkMLPipeline

    return SparkMLPipeline


def dask_ml_pipeline():
    from dask_ml_pipeline import DaskXGBPipeline

    return DaskXGBPipeline


WORKLOADS = {
    "groupby": {"duckdb": DuckDBGroupby, "spark": SparkGroupby, "dask": DaskGroupby, "pandas": PandasGroupby},
    "join": {"duckdb": DuckDBJoin, "spark": SparkJoin, "dask": DaskJoin, "pandas": PandasJoin},
    "tpch": {"duckdb": DuckDBTpch, "spark": SparkTpch, "dask": DaskTpch, "pandas": PandasTpch},
    "lr": {"spark": SparkLR, "dask": DaskLR, "pandas": PandasLR},
}
# The pipeline scripts build on this module's engine set-up (SparkBase, DaskBase), so they are imported
# when asked for, not at the top, where importing each other would be circular.
PIPELINE_ENGINES = {"spark": spark_ml_pipeline, "dask": dask_ml_pipeline}


def engine_class(workload, engine):
    if workload == "pipeline":
        return PIPELINE_ENGINES[engine]() if engine in PIPELINE_ENGINES else None
    return WORKLOADS.get(workload, {}).get(engine)


def time_answer(e, qid, chk, reps):
    """One warm-up and `reps` timed runs of a query; the answer checksummed after the warm-up."""
    t0 = time.perf_counter()
    e.run(qid)
    warmup = time.perf_counter() - t0
    ck = e.checksum(qid, chk)
    runs = []
    for _ in range(reps):
        t0 = time.perf_counter()
        e.run(qid)
        runs.append(time.perf_counter() - t0)
        again = e.checksum(qid, chk)
        if again["rows"] != ck["rows"] or again["missing"] != ck["missing"]:
            raise RuntimeError(f"answer changed between runs: {ck} then {again}")
    return {"warmup": warmup, "runs": runs, "median": statistics.median(runs), "checksum": ck}


def time_metric(e, qid, name, reps):
    """One warm-up and `reps` timed runs of a pipeline; every run's metric is reported (the harness checks each)."""
    t0 = time.perf_counter()
    value = e.run(qid)
    warmup = time.perf_counter() - t0
    runs, values = [], []
    for _ in range(reps):
        t0 = time.perf_counter()
        values.append(e.run(qid))
        runs.append(time.perf_counter() - t0)
    return {"warmup": warmup, "runs": runs, "median": statistics.median(runs),
            "metric": {"name": name, "value": value, "runs": values}}


def main(engine, spec_path):
    with open(spec_path) as f:
        spec = json.load(f)
    cls = engine_class(spec["workload"], engine)
    if cls is None:
        raise SystemExit(f"engines.py: no {engine} engine for workload {spec['workload']}")
    t0 = time.perf_counter()
    e = cls(spec["threads"])
    emit(event="engine", name=e.name, version=e.version, settings=e.settings, startup=time.perf_counter() - t0)
    t0 = time.perf_counter()
    rows = e.load(spec["files"])
    emit(event="load", seconds=time.perf_counter() - t0, rows=rows)
    for q in spec["questions"]:
        qid = q["id"]
        try:
            if q.get("metric"):
                emit(event="question", id=qid, **time_metric(e, qid, q["metric"], spec["reps"]))
            else:
                emit(event="question", id=qid, **time_answer(e, qid, q["chk"], spec["reps"]))
        except Exception as err:  # one question failing must not hide the others' results
            traceback.print_exc(file=sys.stderr)
            emit(event="question", id=qid, error=f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}")
    e.close()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: python engines.py <duckdb|spark|dask|pandas> <spec.json>")
    main(sys.argv[1], sys.argv[2])
