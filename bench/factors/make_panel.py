"""Writes the inputs of bench/factors: two long panels of daily bars as Parquet files with the
columns ticker (string), date (date32), open, high, low, close, volume (float64), sorted by
(ticker, date).

- real.parquet: the 482 tickers of the per-ticker CSVs in MARKET_DIR (Date,High,Low,Open,Close,
  Volume,Adj Close,Name; 2015-01-12 .. 2020-01-10, 1,259 trading days). The CSVs hold 3 repeated
  (ticker, date) rows (CBS and VIAB on 2019-12-04, STI on 2019-12-06; CBS's second row is all
  zeros); the first of each is kept, so the panel has 592,355 rows.
- synthetic.parquet: 4x the rows: 4 x 482 = 1,928 tickers on the same 1,259-day calendar.
  Synthetic ticker i (SYN0000 .. SYN1927) has the dates of real ticker i % 482 (so the panel
  has the same mix of full and short histories, 2,369,420 rows) and prices from a seeded
  geometric random walk (daily log-return N(0.0003, 0.02), open gapping from the previous
  close by N(0, 0.005), high/low stretched beyond open/close by |N(0, 0.008)|, prices rounded
  to cents as exchanges quote them), volume log-normal around a per-ticker level, whole shares.

Usage: make_panel.py MARKET_DIR OUT_DIR
"""
import glob
import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

COPIES = 4
SEED = 158


def real_panel(market_dir):
    tables = []
    for path in sorted(glob.glob(os.path.join(market_dir, "*.csv"))):
        t = pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(
            column_types={"Date": pa.date32(), "Name": pa.string(), "Volume": pa.float64()}))
        tables.append(pa.table({
            "ticker": t["Name"], "date": t["Date"], "open": t["Open"], "high": t["High"],
            "low": t["Low"], "close": t["Close"], "volume": t["Volume"]}))
    panel = pa.concat_tables(tables).combine_chunks()
    # Stable sort by (ticker, date), then drop repeated (ticker, date) rows, keeping the first.
    panel = panel.take(pc.sort_indices(panel, [("ticker", "ascending"), ("date", "ascending")]))
    ticker, date = panel["ticker"].to_numpy(zero_copy_only=False), panel["date"].to_numpy(zero_copy_only=False)
    keep = np.ones(len(panel), dtype=bool)
    keep[1:] = (ticker[1:] != ticker[:-1]) | (date[1:] != date[:-1])
    dropped = int((~keep).sum())
    return panel.filter(pa.array(keep)), dropped


def synthetic_panel(real):
    rng = np.random.default_rng(SEED)
    ticker = real["ticker"].to_numpy(zero_copy_only=False)
    starts = np.flatnonzero(np.r_[True, ticker[1:] != ticker[:-1]])
    lengths = np.diff(np.r_[starts, len(ticker)])
    real_dates = real["date"]
    names, dates, lens = [], [], []
    for i in range(COPIES * len(starts)):
        j = i % len(starts)
        names.append(f"SYN{i:04d}")
        dates.append(real_dates.slice(starts[j], lengths[j]))
        lens.append(lengths[j])
    lens = np.array(lens)
    n = int(lens.sum())
    first = np.r_[0, np.cumsum(lens)[:-1]]
    group = np.repeat(np.arange(len(lens)), lens)
    # log close: a random walk per ticker from a per-ticker starting level
    steps = rng.normal(0.0003, 0.02, n)
    steps[first] = 0.0
    walk = np.cumsum(steps)
    walk -= np.repeat(walk[first], lens)
    log_close = np.log(rng.uniform(10, 300, len(lens)))[group] + walk
    close = np.exp(log_close)
    prev_close = np.r_[close[0], close[:-1]]
    prev_close[first] = close[first]
    open_ = prev_close * np.exp(rng.normal(0, 0.005, n))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, 0.008, n)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, 0.008, n)))
    cents = lambda x: np.maximum(np.round(x, 2), 0.01)
    open_, high, low, close = cents(open_), cents(high), cents(low), cents(close)
    high = np.maximum(high, np.maximum(open_, close))
    low = np.minimum(low, np.minimum(open_, close))
    level = np.exp(rng.uniform(np.log(2e5), np.log(2e7), len(lens)))[group]
    volume = np.round(level * rng.lognormal(0, 0.5, n))
    return pa.table({
        "ticker": pa.array(np.repeat(np.array(names, dtype=object), lens), pa.string()),
        "date": pa.concat_arrays([d.combine_chunks() for d in dates]),
        "open": open_, "high": high, "low": low, "close": close, "volume": volume})


def main(market_dir, out):
    os.makedirs(out, exist_ok=True)
    real, dropped = real_panel(market_dir)
    pq.write_table(real, f"{out}/real.parquet", compression="snappy")
    print(f"real.parquet: {len(real):,} rows, {len(pc.unique(real['ticker'])):,} tickers "
          f"({dropped} repeated (ticker, date) rows dropped)")
    synthetic = synthetic_panel(real)
    pq.write_table(synthetic, f"{out}/synthetic.parquet", compression="snappy")
    print(f"synthetic.parquet: {len(synthetic):,} rows, {len(pc.unique(synthetic['ticker'])):,} tickers")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
