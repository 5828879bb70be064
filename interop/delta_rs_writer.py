#!/usr/bin/env python3
"""Writes a Delta table with delta-rs (the other engine, for interop tests).

    delta_rs_writer.py PATH --seed S

Creates PATH with random rows (id int64, day date32, ticker string, close float64 with nulls,
qty int32, flag bool, amount decimal(10,2)), partitioned by ticker or day or not at all, then
appends, overwrites one partition or range with a predicate, deletes, merges, and writes a
checkpoint, so that the log holds every kind of action delta-rs writes. Prints the final version.
"""
import argparse, datetime, decimal, random
import pyarrow as pa, pyarrow.compute as pc
from deltalake import DeltaTable, write_deltalake

TICKERS = ["AAPL", "MSFT", "a b", "x=y", "é"]

def rows(rng, start, count):
    ids = list(range(start, start + count))
    days = [datetime.date(2024, 1, 1) + datetime.timedelta(days=rng.randrange(30)) for _ in ids]
    return pa.table({
        "id": pa.array(ids, pa.int64()),
        "day": pa.array(days, pa.date32()),
        "ticker": pa.array([rng.choice(TICKERS) for _ in ids], pa.string()),
        "close": pa.array([None if rng.random() < 0.1 else round(rng.uniform(1, 500), 4) for _ in ids], pa.float64()),
        "qty": pa.array([rng.randrange(-1000, 1000) for _ in ids], pa.int32()),
        "flag": pa.array([rng.random() < 0.5 for _ in ids], pa.bool_()),
        "amount": pa.array([decimal.Decimal(rng.randrange(-10**6, 10**6)).scaleb(-2) for _ in ids], pa.decimal128(10, 2)),
    })

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("--seed", type=int, required=True)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    partition = rng.choice([None, ["ticker"], ["day"]])
    write_deltalake(args.path, rows(rng, 0, 200), partition_by=partition, mode="error")
    write_deltalake(args.path, rows(rng, 200, 150), mode="append")
    table = DeltaTable(args.path)
    table.delete("qty < -900")
    source = rows(rng, 100, 150)  # ids 100..249: half update, half already there
    (table.merge(source, predicate="t.id = s.id", source_alias="s", target_alias="t")
        .when_matched_update_all().when_not_matched_insert_all().execute())
    write_deltalake(args.path, rows(rng, 1000, 50).filter(pc.field("flag")),
                    mode="overwrite", predicate="flag = true")
    DeltaTable(args.path).create_checkpoint()
    write_deltalake(args.path, rows(rng, 2000, 30), mode="append")
    print(DeltaTable(args.path).version())

if __name__ == "__main__":
    main()
