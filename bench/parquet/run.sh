#!/usr/bin/env bash
# bench/parquet: the same ~5M-row table (date, ticker string, 4 float64 prices, int64 volume,
# 3 float64 factors) through Sluice and pyarrow: read all columns, read 2 columns, read + write
# (snappy). Prints seconds, the ratio and peak memory. Usage: bench/parquet/run.sh [--rows N] [--reps R]
# SLUICE_BIN=path skips the release build.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$(dirname "$here")")"
rows=5000000
reps=3
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rows) rows=$2; shift 2 ;;
        --reps) reps=$2; shift 2 ;;
        *) echo "usage: $0 [--rows N] [--reps R]" >&2; exit 2 ;;
    esac
done
cd "$repo"
source scripts/lib.sh
ensure_interop_venv
python=interop/.venv/bin/python
if [[ -z "${SLUICE_BIN:-}" ]]; then
    swift build -c release --product sluice 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' >&2 || true
    SLUICE_BIN="$(swift build -c release --show-bin-path)/sluice"
fi
out=bench/out/parquet
mkdir -p "$out"
table="$out/table-$rows.parquet"
if [[ ! -f $table ]]; then
    log "generating $rows rows with pyarrow"
    "$python" "$here/pyarrow_side.py" generate "$table" "$rows"
fi
printf 'machine: %s cpus, %s, %s\n' "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" "$(free -g | awk '/Mem:/ {print $2 " GiB"}')"
printf 'table:   %s (%s rows, %s bytes)\n' "$table" "$rows" "$(stat -c %s "$table")"

best() { sort -n | head -1; }
measure() {  # label, command...: best seconds over $reps and peak RSS in MiB
    # A scan reports its own in-process time ("... in S s"), comparable with pyarrow's in-process
    # timing; other commands are timed whole (process start included).
    local label=$1; shift
    local times=() peak=0
    for _ in $(seq "$reps"); do
        local start end rss reported
        start=$(date +%s.%N)
        rss=$( { /usr/bin/time -f '%M' "$@" > "$out/last-output.txt"; } 2>&1 | tail -1 )
        end=$(date +%s.%N)
        reported=$(grep -oE ' in [0-9.]+ s' "$out/last-output.txt" | grep -oE '[0-9.]+' || true)
        times+=("${reported:-$(echo "$end - $start" | bc)}")
        (( rss > peak )) && peak=$rss
    done
    printf '%s\t%s\t%s\n' "$label" "$(printf '%s\n' "${times[@]}" | best)" "$((peak / 1024))"
}
{
    measure "read all" "$SLUICE_BIN" parquet scan "$table"
    measure "read all (1 thread)" "$SLUICE_BIN" parquet scan "$table" --threads 1
    measure "read 2 columns" "$SLUICE_BIN" parquet scan "$table" --columns date,close
    measure "read 2 columns (1 thread)" "$SLUICE_BIN" parquet scan "$table" --columns date,close --threads 1
    measure "read + write snappy" "$SLUICE_BIN" parquet convert "$table" "$out/sluice-out.parquet" --compression snappy
} > "$out/sluice.tsv"
"$python" "$here/pyarrow_side.py" time "$table" "$reps" "$out/pyarrow-out.parquet" > "$out/pyarrow.jsonl"
peak_py=$( { /usr/bin/time -f '%M' "$python" -c "import pyarrow.parquet as pq; pq.write_table(pq.read_table('$table', use_threads=False), '$out/pyarrow-out.parquet', compression='snappy')" > /dev/null; } 2>&1 | tail -1 )
"$python" - "$out/sluice.tsv" "$out/pyarrow.jsonl" "$peak_py" <<'PY'
import json, sys
sluice = {}
for line in open(sys.argv[1]):
    label, seconds, mib = line.rstrip("\n").split("\t")
    sluice[label] = (float(seconds), int(mib))
py = {}
for line in open(sys.argv[2]):
    m = json.loads(line)
    py[m["op"]] = m["seconds"]
print(f"\n{'operation':<24}{'sluice s':>10}{'pyarrow 1t':>12}{'ratio':>8}{'pyarrow mt':>12}{'ratio':>8}{'sluice MiB':>12}")
for label, (s, mib) in sluice.items():
    # A 1-thread Sluice row is compared with pyarrow on 1 thread only.
    if label.endswith(" (1 thread)"):
        one, multi = py.get(label), None
    else:
        one, multi = py.get(label + " (1 thread)"), py.get(label)
    r1 = f"{one / s:.2f}x" if one else "-"
    rm = f"{multi / s:.2f}x" if multi else "-"
    print(f"{label:<24}{s:>10.3f}{(one or 0):>12.3f}{r1:>8}{(multi or 0):>12.3f}{rm:>8}{mib:>12}")
print(f"\npyarrow peak memory (read + write, 1 thread): {int(sys.argv[3]) // 1024} MiB")
print("ratio = pyarrow seconds / Sluice seconds (above 1: Sluice faster). Sluice reads are timed in-process (scan's own")
print("figure), read + write as a whole command (process start included); Sluice decodes a row group's columns on every core")
print("unless the row says 1 thread; pyarrow is timed in-process.")
PY
