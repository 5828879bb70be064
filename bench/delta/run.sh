#!/usr/bin/env bash
# bench/delta: the same Delta Lake work through Sluice and delta-rs, in one run: a bulk append of
# 5M rows partitioned by date (1,250 days x 4,000 tickers), 100 single-day appends, a MERGE of
# 500k rows (half matching existing keys) into the table, a full read, a one-partition read,
# time travel to version 0, and OPTIMIZE. Prints seconds per operation and the ratio.
# Sluice is timed as whole commands (process start included); delta-rs in-process.
# Usage: bench/delta/run.sh    (SLUICE_BIN=path skips the release build)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$(dirname "$here")")"
cd "$repo"
source scripts/lib.sh
ensure_interop_venv
python=interop/.venv/bin/python
if [[ -z "${SLUICE_BIN:-}" ]]; then
    swift build -c release --product sluice 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' >&2 || true
    SLUICE_BIN="$(swift build -c release --show-bin-path)/sluice"
fi
out=bench/out/delta
if [[ ! -f $out/merge.parquet ]]; then
    log "generating the inputs with pyarrow"
    "$python" "$here/deltars_side.py" generate "$out"
fi
printf 'machine: %s cpus, %s, %s\n' "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" "$(free -g | awk '/Mem:/ {print $2 " GiB"}')"

table="$out/sluice-table"
rm -rf "$table"
seconds() { local start=$1; echo "$(date +%s.%N) - $start" | bc; }
{
    start=$(date +%s.%N); "$SLUICE_BIN" delta write "$table" --from "$out/bulk.parquet" --partition-by date > /dev/null
    printf 'bulk append (5M rows, by date)\t%s\n' "$(seconds "$start")"
    start=$(date +%s.%N)
    for i in $(seq -f '%03g' 0 99); do "$SLUICE_BIN" delta write "$table" --from "$out/day-$i.parquet" > /dev/null; done
    printf '100 single-day appends\t%s\n' "$(seconds "$start")"
    start=$(date +%s.%N); "$SLUICE_BIN" delta merge "$table" --from "$out/merge.parquet" --on date,ticker > /dev/null
    printf 'MERGE 500k rows (half matched)\t%s\n' "$(seconds "$start")"
    start=$(date +%s.%N); "$SLUICE_BIN" delta scan "$table" > /dev/null
    printf 'full read\t%s\n' "$(seconds "$start")"
    start=$(date +%s.%N); "$SLUICE_BIN" delta scan "$table" --where "date = '2019-04-11'" > /dev/null
    printf 'one-partition read\t%s\n' "$(seconds "$start")"
    start=$(date +%s.%N); "$SLUICE_BIN" delta scan "$table" --version 0 > /dev/null
    printf 'time travel to v0 (read)\t%s\n' "$(seconds "$start")"
    start=$(date +%s.%N); "$SLUICE_BIN" delta optimize "$table" > /dev/null
    printf 'optimize (compact)\t%s\n' "$(seconds "$start")"
} > "$out/sluice.tsv"
"$python" "$here/deltars_side.py" run "$out" > "$out/deltars.jsonl"
"$python" - "$out/sluice.tsv" "$out/deltars.jsonl" <<'PY'
import json, sys
sluice = dict(line.rstrip("\n").split("\t") for line in open(sys.argv[1]))
peer = {o["label"]: o["seconds"] for o in map(json.loads, open(sys.argv[2]))}
print(f"{'operation':34} {'Sluice s':>9} {'delta-rs s':>11} {'ratio':>7}")
for label, s in sluice.items():
    s = float(s); d = peer.get(label)
    print(f"{label:34} {s:9.3f} {d:11.3f} {d / s:6.2f}x" if d else f"{label:34} {s:9.3f} {'-':>11}")
PY
