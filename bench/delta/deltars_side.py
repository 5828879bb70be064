"""The delta-rs side of bench/delta: generates the benchmark inputs once, then times delta-rs on
the operations Sluice is timed on. Prints one JSON object per measurement."""
import json, os, shutil, sys, time
import pyarrow as pa, pyarrow.compute as pc, pyarrow.parquet as pq
from deltalake import DeltaTable, write_deltalake

DAYS, TICKERS = 1250, 4000  # 5M rows


def panel(first_day, days, seed):
    """One row per (day, ticker), days from `first_day` (days since 1970), sorted by day."""
    n = days * TICKERS
    index = pa.array(range(n), pa.int64())
    day = pc.add(pc.divide(index, TICKERS), first_day).cast(pa.int32()).cast(pa.date32())
    ticker_ids = pc.remainder(index, TICKERS)
    ticker = pc.binary_join_element_wise("T", pc.cast(ticker_ids, pa.string()), "")
    noise = pc.sin(pc.multiply(pc.cast(index, pa.float64()), 0.7 + seed))
    close = pc.add(pc.multiply(noise, 50.0), 100.0)
    volume = pc.cast(pc.floor(pc.add(pc.multiply(pc.abs(noise), 1e6), 1000)), pa.int64())
    f0 = pc.cos(pc.multiply(pc.cast(index, pa.float64()), 1.3 + seed))
    return pa.table({"date": day, "ticker": ticker, "close": close, "volume": volume, "f0": f0})


def generate(out):
    os.makedirs(out, exist_ok=True)
    pq.write_table(panel(18000, DAYS, 0), f"{out}/bulk.parquet", compression="snappy")
    for i in range(100):
        pq.write_table(panel(18000 + DAYS + i, 1, i + 1), f"{out}/day-{i:03d}.parquet", compression="snappy")
    # MERGE source: 10% of the bulk keys' size, half matching existing (day, ticker) keys, half new days.
    matched = panel(18000 + 100, 63, 0.5)       # 252k rows on existing days
    new = panel(18000 + DAYS + 200, 62, 0.25)   # 248k rows on new days
    pq.write_table(pa.concat_tables([matched, new]), f"{out}/merge.parquet", compression="snappy")


def timed(label, fn):
    t = time.perf_counter()
    result = fn()
    print(json.dumps({"label": label, "seconds": time.perf_counter() - t}), flush=True)
    return result


def run(out):
    table = f"{out}/deltars-table"
    shutil.rmtree(table, ignore_errors=True)
    # Each operation starts from the input file, as `sluice delta write --from FILE` does.
    timed("bulk append (5M rows, by date)",
          lambda: write_deltalake(table, pq.read_table(f"{out}/bulk.parquet"), partition_by=["date"], mode="append"))
    def appends():
        for i in range(100):
            write_deltalake(table, pq.read_table(f"{out}/day-{i:03d}.parquet"), mode="append")
    timed("100 single-day appends", appends)
    def merge():
        source = pq.read_table(f"{out}/merge.parquet")
        dt = DeltaTable(table)
        (dt.merge(source, predicate="t.date = s.date AND t.ticker = s.ticker", source_alias="s", target_alias="t")
           .when_matched_update_all().when_not_matched_insert_all().execute())
    timed("MERGE 500k rows (half matched)", merge)
    timed("full read", lambda: DeltaTable(table).to_pyarrow_table().num_rows)
    timed("one-partition read", lambda: DeltaTable(table).to_pyarrow_table(filters=[("date", "=", __import__("datetime").date(2019, 4, 11))]).num_rows)
    timed("time travel to v0 (read)", lambda: DeltaTable(table, version=0).to_pyarrow_table().num_rows)
    # The same table Sluice compacts (a copy of Sluice's table before its OPTIMIZE, made by run.sh):
    # delta-rs's own table has nothing to compact after its MERGE rewrote whole partitions.
    metrics = timed("optimize (compact)", lambda: DeltaTable(f"{out}/optimize-copy").optimize.compact())
    print(json.dumps({"label": "optimize files", "removed": metrics["numFilesRemoved"], "added": metrics["numFilesAdded"]}), flush=True)


if __name__ == "__main__":
    {"generate": generate, "run": run}[sys.argv[1]](sys.argv[2])
