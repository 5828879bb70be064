#!/usr/bin/env bash
# Sluice's main job on a fresh Debian 12 machine with Swift 6.3: builds the release binary and
# runs the reference DAGs on the embedded defaults (SQLite metadata in .sluice/, local executor,
# task logs in logs/).
#
# Today it validates every DAG in dags/, shows each one, runs the example DAG for one week of
# weekdays as a backfill driven to completion, and lands the market data (../shared/data/market,
# when present) in a Delta table under the lake root, then upserts a correction, time-travels and
# reads one day with data skipping. It grows into the full quant pipeline
# (generate -> bronze -> silver -> gold -> train -> register -> promote -> infer -> report).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh

ensure_swift
ensure_apt_packages "${SLUICE_APT_PACKAGES[@]}" python3

log "building sluice (release)"
swift build -c release --product sluice 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' || true
sluice="$(swift build -c release --show-bin-path)/sluice"
[[ -x "$sluice" ]] || die "the build did not produce $sluice"

log "sluice version"
"$sluice" version

log "validating dags/"
"$sluice" dags validate dags

log "DAGs"
"$sluice" dags list

for dag in $("$sluice" dags list --json | python3 -c 'import json,sys; print(" ".join(d["dag_id"] for d in json.load(sys.stdin)["dags"]))'); do
    log "dag $dag"
    "$sluice" dags show "$dag"
done

log "effective configuration"
"$sluice" config show

log "running hello_bash for the week of 2024-01-08 (a backfill, driven here)"
"$sluice" dags backfill hello_bash --start 2024-01-08 --end 2024-01-12 --reprocess all --wait

log "runs"
"$sluice" runs list --dag hello_bash --limit 5

last_run=$("$sluice" runs list --dag hello_bash --limit 1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["run_id"])')
log "tasks of $last_run"
"$sluice" tasks list hello_bash "$last_run"

log "log of window_start in $last_run"
"$sluice" tasks logs hello_bash "$last_run" window_start

market=../shared/data/market
if [[ -d $market ]]; then
    table=stockdata.bronze_market_data
    log "market data into the Delta table $table (lake/stockdata/bronze_market_data), partitioned by ticker"
    rm -rf lake/stockdata/bronze_market_data
    for ticker in AAPL MSFT AMZN GOOGL JPM; do
        "$sluice" delta write "$table" --from "$market/${ticker}_data.csv" --partition-by Name \
            --schema "Date:date,High:double,Low:double,Open:double,Close:double,Volume:double,Adj Close:double,Name:string"
    done
    log "a correction for one row, upserted on (Date, Name)"
    printf 'Date,High,Low,Open,Close,Volume,Adj Close,Name\n2019-12-31,300,290,291,293.65,1,290,AAPL\n' > /tmp/sluice-correction.csv
    "$sluice" delta merge "$table" --from /tmp/sluice-correction.csv --on Date,Name
    "$sluice" delta history "$table"
    log "AAPL's last closes, now and as of version 0"
    "$sluice" delta read "$table" --where "Name = 'AAPL' AND Date >= '2019-12-30'" --columns Date,Name,Close,Volume
    "$sluice" delta read "$table" --version 0 --where "Date >= '2019-12-30'" --columns Date,Name,Close,Volume
    "$sluice" delta describe "$table"
    log "Alpha158 over the bronze table into stockdata.silver_features (2019 written; earlier rows feed the windows)"
    rm -rf lake/stockdata/silver_features
    "$sluice" factors compute --set alpha158 --input "$table" --output stockdata.silver_features --start 2019-01-02
    "$sluice" delta read stockdata.silver_features --where "ticker = 'AAPL' AND date >= '2019-12-30'" \
        --columns ticker,date,KMID,MA5,STD20,RSQR60,CORD30
    log "Alpha158 over the whole market (482 tickers) into lake/alpha158.parquet"
    "$sluice" factors compute --set alpha158 --input "$market" --output lake/alpha158.parquet --timing
else
    log "skipping the Delta demo: $market is not present"
fi
