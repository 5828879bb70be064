#!/usr/bin/env bash
# bench/delta: the same Delta Lake work through Sluice and delta-rs, in one run: a bulk append of
# 5M rows partitioned by date (1,250 days x 4,000 tickers), 100 single-day appends, a MERGE of
# 500k rows (half matching existing keys) into the table, a full read, a one-partition read,
# time travel to version 0, and OPTIMIZE (both engines compacting the same copy of one table). Prints seconds per operation and the ratio. Sluice runs
# `sluice delta ...` commands, timed by their own --timing (and as whole commands, process start
# included); delta-rs in-process.
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
# Each row: label, wall seconds of the command(s) (process start included), and the seconds the
# commands' work took by their own --timing (comparable with delta-rs's in-process timing).
run() {  # label, then one command per remaining argument (a string run by bash)
    local label=$1; shift
    local start inside=0 took
    start=$(date +%s.%N)
    for command in "$@"; do
        took=$(bash -c "$command --timing" 2>&1 >/dev/null | grep -oE 'took [0-9.]+ s' | grep -oE '[0-9.]+' | tail -1)
        inside=$(echo "$inside + ${took:-0}" | bc)
    done
    printf '%s\t%s\t%s\n' "$label" "$(echo "$(date +%s.%N) - $start" | bc)" "$inside"
}
days=()
for i in $(seq -f '%03g' 0 99); do days+=("'$SLUICE_BIN' delta write '$table' --from '$out/day-$i.parquet'"); done
{
    run "bulk append (5M rows, by date)" "'$SLUICE_BIN' delta write '$table' --from '$out/bulk.parquet' --partition-by date"
    run "100 single-day appends" "${days[@]}"
    run "MERGE 500k rows (half matched)" "'$SLUICE_BIN' delta merge '$table' --from '$out/merge.parquet' --on date,ticker"
    run "full read" "'$SLUICE_BIN' delta scan '$table'"
    run "one-partition read" "'$SLUICE_BIN' delta scan '$table' --where \"date = '2019-04-11'\""
    run "time travel to v0 (read)" "'$SLUICE_BIN' delta scan '$table' --version 0"
    # delta-rs's own MERGE rewrites whole partitions, leaving it nothing to compact; both engines
    # therefore compact the same table: a copy of Sluice's, taken before its OPTIMIZE.
    rm -rf "$out/optimize-copy" && cp -r "$table" "$out/optimize-copy"
    run "optimize (compact)" "'$SLUICE_BIN' delta optimize '$table'"
} > "$out/sluice.tsv"
"$python" "$here/deltars_side.py" run "$out" > "$out/deltars.jsonl"
"$python" - "$out/sluice.tsv" "$out/deltars.jsonl" <<'PY'
import json, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
peer = {o["label"]: o["seconds"] for o in map(json.loads, open(sys.argv[2])) if "seconds" in o}
compacted = [o for o in map(json.loads, open(sys.argv[2])) if o["label"] == "optimize files"]
print(f"{'operation':34} {'Sluice s':>9} {'(commands)':>11} {'delta-rs s':>11} {'ratio':>7}")
for label, wall, inside in rows:
    wall, inside = float(wall), float(inside); d = peer.get(label)
    print(f"{label:34} {inside:9.3f} {wall:11.3f} {d:11.3f} {d / inside:6.2f}x" if d else f"{label:34} {inside:9.3f} {wall:11.3f}")
for o in compacted: print(f"delta-rs's OPTIMIZE removed {o['removed']} files and added {o['added']} (Sluice's: see its commit above)")
print("Sluice s: the work inside the commands (--timing), comparable with delta-rs in-process; (commands):")
print("wall time of the whole commands, process start included; ratio = delta-rs / Sluice (above 1: Sluice faster).")
PY
