"""Flight-delay-like data for the end-to-end pipelines of `pnpm bench:peers` (workload `pipeline`).

The same question as examples/ml-pipeline.ts asks of its 20,000 real flights (will a US domestic
flight leave more than 15 minutes late?), at the benchmark's --rows scale. numpy's PCG64, seed 2001,
so every run and every engine gets the same file.

Columns (one row per flight):
  carrier, origin, dest   strings: 14 carriers and 30 busy US airports (their real coordinates),
                          drawn by rough traffic share; dest != origin
  distance                double, great-circle miles between the airports
  dep_hour                int32 5..23, the scheduled departure hour (morning and evening banks)
  month, day_of_week      int32 1..12 and 1..7 (1 = Sunday, Spark's dayofweek)
  label                   double 1.0 when the flight leaves more than 15 minutes late
  is_test                 boolean, 20% of the rows at random: every engine trains on the other
                          rows and is scored on these, so the split is not each engine's own

The label is drawn from a logistic model with real structure, not noise: per-carrier and per-hub
congestion effects, delays building through the day, summer and December peaks, busy days of the
week, and two interactions (summer-afternoon storms, hubs at the evening bank) that a linear model
can only approximate, so trees have something to find. About 24% of flights are late.

Row groups hold a quarter of the rows, so each engine can split the file across its 2 cores.

Usage: python datagen_pipeline.py <N> <out_dir>; prints {"flights": path} as JSON.
"""
import json
import math
import os
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

SEED = 2001

# (code, latitude, longitude, traffic weight, congestion effect on the log-odds of a late departure)
AIRPORTS = [
    ("ATL", 33.64, -84.43, 10, 0.25), ("DFW", 32.90, -97.04, 8, 0.20), ("DEN", 39.86, -104.67, 8, 0.15),
    ("ORD", 41.98, -87.90, 8, 0.45), ("LAX", 33.94, -118.41, 7, 0.10), ("JFK", 40.64, -73.78, 6, 0.40),
    ("LAS", 36.08, -115.15, 5, 0.05), ("MCO", 28.43, -81.31, 5, 0.15), ("CLT", 35.21, -80.94, 5, 0.05),
    ("SEA", 47.45, -122.31, 5, -0.10), ("PHX", 33.43, -112.01, 5, -0.15), ("MIA", 25.79, -80.29, 4, 0.20),
    ("SFO", 37.62, -122.38, 4, 0.35), ("EWR", 40.69, -74.17, 4, 0.50), ("IAH", 29.98, -95.34, 4, 0.15),
    ("BOS", 42.36, -71.01, 4, 0.25), ("MSP", 44.88, -93.22, 3, -0.05), ("FLL", 26.07, -80.15, 3, 0.15),
    ("DTW", 42.21, -83.35, 3, 0.00), ("PHL", 39.87, -75.24, 3, 0.20), ("LGA", 40.78, -73.87, 3, 0.45),
    ("BWI", 39.18, -76.67, 3, 0.05), ("SLC", 40.79, -111.98, 3, -0.25), ("SAN", 32.73, -117.19, 2, -0.10),
    ("DCA", 38.85, -77.04, 2, 0.10), ("TPA", 27.98, -82.53, 2, 0.00), ("MDW", 41.79, -87.75, 2, 0.20),
    ("PDX", 45.59, -122.60, 2, -0.30), ("HNL", 21.32, -157.92, 1, -0.40), ("STL", 38.75, -90.37, 1, -0.05),
]
# (code, traffic weight, effect on the log-odds of a late departure)
CARRIERS = [
    ("WN", 18, 0.15), ("DL", 16, -0.35), ("AA", 15, 0.10), ("UA", 12, 0.05), ("OO", 8, -0.05), ("B6", 5, 0.45),
    ("AS", 5, -0.30), ("NK", 5, 0.30), ("YX", 4, -0.15), ("MQ", 4, 0.05), ("9E", 3, -0.10), ("F9", 3, 0.40),
    ("G4", 1, 0.35), ("HA", 1, -0.50),
]
# Scheduled departures per hour from 05:00 to 23:00: a morning bank, a midday lull, an evening bank.
HOUR_WEIGHTS = [2, 6, 8, 7, 6, 5, 5, 5, 6, 6, 6, 7, 7, 6, 5, 4, 3, 2, 1]
MONTH_EFFECT = [0.05, -0.15, 0.0, -0.1, 0.05, 0.35, 0.4, 0.3, -0.3, -0.25, -0.1, 0.35]
DAY_EFFECT = [0.15, 0.05, -0.1, -0.05, 0.1, 0.2, -0.25]  # Sunday .. Saturday
BASE_LOG_ODDS = -2.55


def great_circle_miles(a, b):
    lat1, lon1, lat2, lon2 = map(math.radians, (a[1], a[2], b[1], b[2]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return round(2 * 3958.8 * math.asin(math.sqrt(h)))


def weights(xs):
    w = np.array(xs, dtype=np.float64)
    return w / w.sum()


def generate(n, out_dir):
    if n < 1000:
        raise ValueError(f"the pipeline data needs at least 1000 rows (got {n})")
    path = os.path.join(out_dir, f"flights-like-{n}.parquet")
    if os.path.exists(path):
        return {"flights": path}
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(SEED)
    n_airports = len(AIRPORTS)

    carrier = rng.choice(len(CARRIERS), size=n, p=weights([c[1] for c in CARRIERS]))
    airport_p = weights([a[3] for a in AIRPORTS])
    origin = rng.choice(n_airports, size=n, p=airport_p)
    # dest from the same traffic shares, never the origin: a draw over the other airports, shifted past it.
    dest = rng.choice(n_airports - 1, size=n, p=weights([a[3] for a in AIRPORTS[1:]]))
    dest = np.where(dest >= origin, dest + 1, dest)
    miles = np.array([[great_circle_miles(a, b) for b in AIRPORTS] for a in AIRPORTS], dtype=np.float64)
    distance = miles[origin, dest]
    dep_hour = 5 + rng.choice(len(HOUR_WEIGHTS), size=n, p=weights(HOUR_WEIGHTS))
    month = 1 + rng.integers(0, 12, size=n)
    day_of_week = 1 + rng.integers(0, 7, size=n)

    congestion = np.array([a[4] for a in AIRPORTS])
    carrier_effect = np.array([c[2] for c in CARRIERS])
    summer = (month >= 6) & (month <= 8)
    hub = congestion[origin] >= 0.35
    log_odds = (BASE_LOG_ODDS + carrier_effect[carrier] + congestion[origin] + 0.4 * congestion[dest]
                # Delays propagate: each hour of the day adds to the backlog, levelling off late at night.
                + 1.6 * (1 - np.exp(-(dep_hour - 5) / 7.0))
                + np.array(MONTH_EFFECT)[month - 1] + np.array(DAY_EFFECT)[day_of_week - 1]
                # Short hops are held for connections more often than long flights.
                - 0.15 * np.log(distance / 800.0)
                + 0.6 * (summer & (dep_hour >= 14) & (dep_hour <= 20))
                + 0.35 * (hub & (dep_hour >= 17)))
    label = (rng.random(n) < 1 / (1 + np.exp(-log_odds))).astype(np.float64)
    is_test = rng.random(n) < 0.2

    table = pa.table({
        "carrier": pa.array([c[0] for c in CARRIERS]).take(pa.array(carrier)),
        "origin": pa.array([a[0] for a in AIRPORTS]).take(pa.array(origin)),
        "dest": pa.array([a[0] for a in AIRPORTS]).take(pa.array(dest)),
        "distance": pa.array(distance, pa.float64()),
        "dep_hour": pa.array(dep_hour, pa.int32()),
        "month": pa.array(month, pa.int32()),
        "day_of_week": pa.array(day_of_week, pa.int32()),
        "label": pa.array(label, pa.float64()),
        "is_test": pa.array(is_test, pa.bool_()),
    })
    tmp = f"{path}.{os.getpid()}.tmp"
    pq.write_table(table, tmp, compression="zstd", row_group_size=-(-n // 4))
    os.replace(tmp, path)  # an interrupted run never leaves a truncated file in the cache
    return {"flights": path}


if __name__ == "__main__":
    n, out_dir = int(float(sys.argv[1])), sys.argv[2]
    t0 = time.perf_counter()
    paths = generate(n, out_dir)
    print(f"flights-like {n} rows ready in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    print(json.dumps(paths))
