"""The pyarrow side of bench/parquet: generates the benchmark table once, then times pyarrow on
the same operations Sluice is timed on. Prints one JSON object per measurement."""
import json
import sys
import time

import pyarrow as pa
import pyarrow.parquet as pq


def generate(path, rows, seed):
    import random
    rng = random.Random(seed)
    tickers = [f"T{i:04d}" for i in range(500)]
    days = rows // len(tickers) + 1
    # One row per (day, ticker), like a daily panel; prices follow a random walk per ticker.
    date = pa.array([18000 + (i // len(tickers)) % max(days, 1) for i in range(rows)], type=pa.int32()).cast(pa.date32())
    ticker = pa.array([tickers[i % len(tickers)] for i in range(rows)])
    base = [rng.uniform(10, 500) for _ in tickers]
    close = [base[i % len(tickers)] * (1 + rng.gauss(0, 0.02)) for i in range(rows)]
    cols = {
        "date": date, "ticker": ticker,
        "open": pa.array([c * (1 + rng.gauss(0, 0.005)) for c in close]),
        "high": pa.array([c * 1.01 for c in close]),
        "low": pa.array([c * 0.99 for c in close]),
        "close": pa.array(close),
        "volume": pa.array([rng.randrange(10_000, 50_000_000) for _ in range(rows)], type=pa.int64()),
    }
    for k in range(3):
        cols[f"f{k}"] = pa.array([rng.gauss(0, 1) for _ in range(rows)])
    table = pa.table(cols)
    pq.write_table(table, path, compression="snappy")


def timed(label, fn, reps):
    best = None
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - t
        best = elapsed if best is None else min(best, elapsed)
    print(json.dumps({"tool": "pyarrow", "op": label, "seconds": best}), flush=True)


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    if cmd == "generate":
        generate(path, int(sys.argv[3]), 42)
        return
    reps = int(sys.argv[3])
    out = sys.argv[4]
    # Single-threaded, like Sluice's reader today, and with pyarrow's default threads too.
    for threads in (False, True):
        suffix = "" if threads else " (1 thread)"
        timed("read all" + suffix, lambda: pq.read_table(path, use_threads=threads), reps)
        timed("read 2 columns" + suffix, lambda: pq.read_table(path, columns=["date", "close"], use_threads=threads), reps)
        table = pq.read_table(path)
        timed("write snappy" + suffix, lambda: pq.write_table(table, out, compression="snappy"), reps)
        timed("read + write snappy" + suffix, lambda: pq.write_table(pq.read_table(path, use_threads=threads), out, compression="snappy"), reps)


if __name__ == "__main__":
    main()
