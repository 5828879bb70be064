"""DEV AID ONLY — not used by the benchmark. Writes small synthetic landing files for developing
and checking python_side.py until Sluice's market-data generator is callable from the command
line; the benchmark itself must use that generator's files.

Same layout and schema as Sluice's generate_market_data: OUT/date=YYYY-MM-DD/bars.parquet with
ticker string, date date32, open/high/low/close/volume double, one file per business day (Mon-Fri).
Prices are a per-ticker random walk (volume carries a weak hint of the next return, so a model has
something to find). Unlike the real generator, some days also hold bad rows, so the ingest
quality checks have work: a NaN close, a non-positive open, high below low, a duplicated
(ticker, date) key and a stale date; a few tickers also miss a day (labels must skip the gap
within the ticker, never cross tickers).

Usage: fake_landing.py OUT [--tickers 50] [--days 40] [--start 2023-01-02] [--seed 1]
"""
import argparse
import datetime as dt
import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA = pa.schema([("ticker", pa.string()), ("date", pa.date32()), ("open", pa.float64()),
                    ("high", pa.float64()), ("low", pa.float64()), ("close", pa.float64()),
                    ("volume", pa.float64())])


def business_days(start, n):
    day, out = start, []
    while len(out) < n:
        if day.weekday() < 5:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out")
    parser.add_argument("--tickers", type=int, default=50)
    parser.add_argument("--days", type=int, default=40)
    parser.add_argument("--start", default="2023-01-02")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    n = args.tickers
    tickers = np.array([f"T{i:04d}" for i in range(n)], dtype=object)
    sigma = rng.uniform(0.01, 0.03, n)
    close = 50 * np.exp(rng.uniform(-0.4, 0.4, n))
    hint = rng.standard_normal(n)  # today's volume hint, tomorrow's return tilt
    days = business_days(dt.date.fromisoformat(args.start), args.days)
    for t, day in enumerate(days):
        ret = 0.0002 + sigma * (0.1 * hint + np.sqrt(1 - 0.01) * rng.standard_normal(n))
        prev = close
        close = prev * np.exp(ret)
        open_ = prev * np.exp(0.3 * sigma * rng.standard_normal(n))
        high = np.maximum(open_, close) * np.exp(np.abs(0.5 * sigma * rng.standard_normal(n)))
        low = np.minimum(open_, close) * np.exp(-np.abs(0.5 * sigma * rng.standard_normal(n)))
        hint = rng.standard_normal(n)
        volume = 1e6 * np.exp(0.5 * hint + 0.3 * rng.standard_normal(n))
        cols = {"ticker": tickers.copy(), "date": np.full(n, day, dtype=object), "open": open_.copy(),
                "high": high.copy(), "low": low.copy(), "close": close.copy(), "volume": volume}
        keep = np.ones(n, dtype=bool)
        if t % 3 == 1:  # bad rows on every third day
            cols["close"][1] = np.nan
            cols["open"][2] = -1.0
            cols["high"][3], cols["low"][3] = cols["low"][3], cols["high"][3] * 1.01
        if t % 7 == 5:
            keep[rng.integers(5, n)] = False  # a ticker missing today
        table = pa.table({k: v[keep] for k, v in cols.items()}, schema=SCHEMA)
        if t % 3 == 1:
            dup = table.slice(4, 1)  # the same (ticker, date) twice: both copies are bad
            stale = table.slice(6, 1).set_column(1, "date", pa.array([day - dt.timedelta(days=7)], pa.date32()))
            table = pa.concat_tables([table, dup, stale])
        folder = os.path.join(args.out, f"date={day.isoformat()}")
        os.makedirs(folder, exist_ok=True)
        pq.write_table(table, os.path.join(folder, "bars.parquet"))
    print(f"{len(days)} days x {n} tickers -> {args.out} ({days[0]} .. {days[-1]})")


if __name__ == "__main__":
    main()
