"""TPC-H-like data generator for the peers benchmark, written as Parquet (one file per table).

Not dbgen: the tables, keys, cardinalities (per scale factor SF: supplier 10k, customer 150k,
orders 1.5M, lineitem ~6M, part 200k; nation 25 and region 5 fixed) and the value rules the
five queries depend on follow the TPC-H specification (2.x, clause 4.2.3), drawn with numpy
(seed 108) instead of dbgen's streams, and the text columns the queries never read are left out:

  orders:   o_orderdate uniform in [1992-01-01, 1998-08-02]; o_custkey never a multiple of 3
            (a third of the customers have no orders); o_orderpriority, o_shippriority = 0;
            o_orderstatus from its lines' statuses; o_totalprice = sum of the lines' charge.
  lineitem: 1..7 lines per order; l_quantity 1..50; l_extendedprice = quantity * retail price
            of the part (p_retailprice = (90000 + (partkey/10 mod 20001) + 100 (partkey mod 1000))/100);
            l_discount 0.00..0.10; l_tax 0.00..0.08; l_shipdate = orderdate + 1..121 days;
            l_commitdate = orderdate + 30..90; l_receiptdate = shipdate + 1..30;
            l_returnflag R or A (even odds) when receiptdate <= 1995-06-17, else N;
            l_linestatus O when shipdate > 1995-06-17, else F; l_suppkey any supplier.
  customer: c_nationkey 0..24, c_mktsegment one of the five segments, c_acctbal -999.99..9999.99.
  supplier: s_nationkey 0..24, s_acctbal as customers'.
Money is float64 with two decimals (the peers compare sums at 1e-9 relative).

Usage: python datagen_tpch.py <sf> <out_dir>; prints {table: path} as JSON.
"""
import json
import os
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

SEED = 108
ROW_GROUP = 1 << 20
NATIONS = [("ALGERIA", 0), ("ARGENTINA", 1), ("BRAZIL", 1), ("CANADA", 1), ("EGYPT", 4), ("ETHIOPIA", 0),
           ("FRANCE", 3), ("GERMANY", 3), ("INDIA", 2), ("INDONESIA", 2), ("IRAN", 4), ("IRAQ", 4), ("JAPAN", 2),
           ("JORDAN", 4), ("KENYA", 0), ("MOROCCO", 0), ("MOZAMBIQUE", 0), ("PERU", 1), ("CHINA", 2), ("ROMANIA", 3),
           ("SAUDI ARABIA", 4), ("VIETNAM", 2), ("RUSSIA", 3), ("UNITED KINGDOM", 3), ("UNITED STATES", 1)]
REGIONS = ["AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"]
SEGMENTS = ["AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY"]
PRIORITIES = ["1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"]
SHIPMODES = ["REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"]
EPOCH = np.datetime64("1970-01-01", "D")
START = (np.datetime64("1992-01-01", "D") - EPOCH).astype(int)
END = (np.datetime64("1998-08-02", "D") - EPOCH).astype(int)
CURRENT = (np.datetime64("1995-06-17", "D") - EPOCH).astype(int)


def sf_name(sf):
    return f"{sf:g}".replace(".", "p")


def money(rng, lo, hi, n):
    return np.round(rng.integers(int(lo * 100), int(hi * 100) + 1, n) / 100, 2)


def dates(days):
    return pa.array(days.astype(np.int32), pa.date32())


def strings(choices, idx):
    return pa.DictionaryArray.from_arrays(pa.array(idx.astype(np.int32)), pa.array(choices)).cast(pa.string())


def labels(prefix, keys):
    return pa.array([f"{prefix}#{k:09d}" for k in keys]) if len(keys) < 1_000_000 else pa.array(
        np.char.add(f"{prefix}#", np.char.zfill(keys.astype(str), 9)))


def write(tbl, path):
    tmp = f"{path}.{os.getpid()}.tmp"
    pq.write_table(tbl, tmp, compression="zstd", row_group_size=ROW_GROUP)
    os.replace(tmp, path)


def generate(sf, out_dir):
    if not sf > 0:
        raise ValueError(f"scale factor must be positive (got {sf})")
    tables = ["region", "nation", "supplier", "customer", "orders", "lineitem"]
    paths = {t: os.path.join(out_dir, f"tpch_sf{sf_name(sf)}_{t}.parquet") for t in tables}
    if all(os.path.exists(p) for p in paths.values()):
        return paths
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(SEED)
    n_supp, n_cust, n_ord, n_part = (max(int(sf * n), 10) for n in (10_000, 150_000, 1_500_000, 200_000))

    write(pa.table({"r_regionkey": pa.array(range(5), pa.int32()), "r_name": REGIONS}), paths["region"])
    write(pa.table({"n_nationkey": pa.array(range(25), pa.int32()), "n_name": [n for n, _ in NATIONS],
                    "n_regionkey": pa.array([r for _, r in NATIONS], pa.int32())}), paths["nation"])

    suppkey = np.arange(1, n_supp + 1)
    write(pa.table({"s_suppkey": suppkey, "s_name": labels("Supplier", suppkey),
                    "s_nationkey": rng.integers(0, 25, n_supp).astype(np.int32),
                    "s_acctbal": money(rng, -999.99, 9999.99, n_supp)}), paths["supplier"])

    custkey = np.arange(1, n_cust + 1)
    write(pa.table({"c_custkey": custkey, "c_name": labels("Customer", custkey),
                    "c_nationkey": rng.integers(0, 25, n_cust).astype(np.int32),
                    "c_acctbal": money(rng, -999.99, 9999.99, n_cust),
                    "c_mktsegment": strings(SEGMENTS, rng.integers(0, 5, n_cust))}), paths["customer"])

    # Orders: customers whose key is a multiple of 3 never order.
    ordering = custkey[custkey % 3 != 0]
    orderkey = np.arange(1, n_ord + 1)
    o_cust = ordering[rng.integers(0, len(ordering), n_ord)]
    o_date = rng.integers(START, END - 151 + 1, n_ord)  # dbgen keeps the last ship/receipt date in range
    nlines = rng.integers(1, 8, n_ord)

    n_li = int(nlines.sum())
    l_order = np.repeat(orderkey, nlines)
    first = np.repeat(np.cumsum(nlines) - nlines, nlines)
    l_number = (np.arange(n_li) - first + 1).astype(np.int32)
    l_odate = np.repeat(o_date, nlines)
    partkey = rng.integers(1, n_part + 1, n_li)
    retail = (90000 + (partkey // 10) % 20001 + 100 * (partkey % 1000)) / 100
    qty = rng.integers(1, 51, n_li).astype(np.float64)
    ext = np.round(qty * retail, 2)
    disc = rng.integers(0, 11, n_li) / 100
    tax = rng.integers(0, 9, n_li) / 100
    ship = l_odate + rng.integers(1, 122, n_li)
    commit = l_odate + rng.integers(30, 91, n_li)
    receipt = ship + rng.integers(1, 31, n_li)
    flag = np.where(receipt <= CURRENT, np.where(rng.random(n_li) < 0.5, 0, 1), 2)  # R, A, N
    status = (ship > CURRENT).astype(np.int64)  # 1 = O, 0 = F
    charge = ext * (1 - disc) * (1 + tax)

    # An order is F when all its lines are F, O when all are O, else P.
    n_open = np.add.reduceat(status, np.cumsum(nlines) - nlines)
    o_status = np.where(n_open == 0, 0, np.where(n_open == nlines, 1, 2))
    write(pa.table({"o_orderkey": orderkey, "o_custkey": o_cust,
                    "o_orderstatus": strings(["F", "O", "P"], o_status),
                    "o_totalprice": np.round(np.add.reduceat(charge, np.cumsum(nlines) - nlines), 2),
                    "o_orderdate": dates(o_date),
                    "o_orderpriority": strings(PRIORITIES, rng.integers(0, 5, n_ord)),
                    "o_shippriority": np.zeros(n_ord, np.int32)}), paths["orders"])
    write(pa.table({"l_orderkey": l_order, "l_partkey": partkey, "l_suppkey": rng.integers(1, n_supp + 1, n_li),
                    "l_linenumber": l_number, "l_quantity": qty, "l_extendedprice": ext, "l_discount": disc,
                    "l_tax": tax, "l_returnflag": strings(["R", "A", "N"], flag),
                    "l_linestatus": strings(["F", "O"], status),
                    "l_shipdate": dates(ship), "l_commitdate": dates(commit), "l_receiptdate": dates(receipt),
                    "l_shipmode": strings(SHIPMODES, rng.integers(0, 7, n_li))}), paths["lineitem"])
    return paths


if __name__ == "__main__":
    sf, out_dir = float(sys.argv[1]), sys.argv[2]
    t0 = time.perf_counter()
    paths = generate(sf, out_dir)
    print(f"TPC-H-like SF {sf:g} ready in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    print(json.dumps(paths))
