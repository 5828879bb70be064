#!/usr/bin/env bash
# bench/factors: Qlib's Alpha158 (158 features) over a long panel of daily bars through Sluice
# (`sluice factors compute --set alpha158`), pandas (alpha158_pandas.py) and polars
# (alpha158_polars.py), in one run, on two panels: the 482 real tickers of shared/data/market
# (592,355 rows) and a seeded synthetic panel 4x its size (1,928 tickers on the same calendars,
# 2,369,420 rows), both Parquet files made once by make_panel.py. Checks that the three outputs
# have the same shape and rows and roughly agree (compare.py: disagreeing columns are reported,
# not fatal), then prints seconds, the ratios pandas/Sluice and polars/Sluice, rows/s (linear
# scaling shows as equal rows/s on both panels) and peak memory.
# Sluice is timed by its own --timing (the work after start-up: reading the panel, computing,
# writing the output), comparable with the Python sides' in-process "work (load included)":
# read + compute + write after the imports. With a binary that has no `sluice factors`, the Sluice
# column says "sluice factors not available" and the pandas / polars sides still run.
# Usage: bench/factors/run.sh   (SLUICE_BIN=path skips the release build; REPS=3 keeps the best
#        of 3 runs per tool and panel, default 1; MARKET_DIR=folder of the per-ticker CSVs,
#        default ../shared/data/market beside the repo; SLUICE_THREADS=N passes --threads N;
#        PANELS="real" runs one panel only, default "real synthetic"; OVERWRITE=1 leaves each tool's
#        previous output in place, to be replaced by the timed run)
# Before each timed run the disk is synced and, unless OVERWRITE=1, the tool's previous output is
# deleted, so no run pays for the one before it: replacing a 600 MB file frees its blocks, which
# on a file system with online discard and no journal (this VM's root) waits for the disk inside
# the replacing process, ~0.1 s on top of the work for every tool (at O_TRUNC or at the rename).
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
sluice_ok=1
"$SLUICE_BIN" factors --help >/dev/null 2>&1 || sluice_ok=0
reps=${REPS:-1}
panels=(${PANELS:-real synthetic})
market=${MARKET_DIR:-$(dirname "$repo")/shared/data/market}
out=bench/out/factors
if [[ ! -f $out/synthetic.parquet ]]; then
    log "generating the panels from $market"
    "$python" "$here/make_panel.py" "$market" "$out"
fi
printf 'machine: %s cpus, %s, %s\n' "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" "$(free -g | awk '/Mem:/ {print $2 " GiB"}')"
if [[ -n ${OVERWRITE:-} ]]; then echo "outputs: each run replaces the previous run's file"; else echo "outputs: each run writes a new file (the previous one deleted off the clock)"; fi
"$python" -c 'import sys, pandas, numpy, polars; print(f"python {sys.version.split()[0]}, pandas {pandas.__version__}, numpy {numpy.__version__}, polars {polars.__version__} ({polars.thread_pool_size()} threads)")'

# Runs a command with /usr/bin/time's peak RSS (KiB) written to $rss_file when it is there.
# Its output file ($1) is removed first (unless OVERWRITE=1) and the disk synced, off the clock.
timed() {
    local output=$1; shift
    [[ -n ${OVERWRITE:-} ]] || rm -f "$output"
    sync
    local wall_start=$(date +%s.%N)
    if [[ -x /usr/bin/time ]]; then /usr/bin/time -f '%M' -o "$rss_file" "$@"; else echo - > "$rss_file"; "$@"; fi
    wall=$(echo "$(date +%s.%N) - $wall_start" | bc)
}
results=$out/results.tsv
: > "$results"
for panel in "${panels[@]}"; do
    input=$out/$panel.parquet
    for rep in $(seq "$reps"); do
        if [[ $sluice_ok == 1 ]]; then
            log "$panel: Sluice (run $rep of $reps)"
            rss_file=$out/sluice-$panel.rss
            threads=(); [[ -n ${SLUICE_THREADS:-} ]] && threads=(--threads "$SLUICE_THREADS")
            timed "$out/sluice-$panel.parquet" "$SLUICE_BIN" factors compute --set alpha158 --input "$input" --output "$out/sluice-$panel.parquet" \
                "${threads[@]}" --timing > "$out/sluice-$panel.stdout" 2> "$out/sluice-$panel.stderr" \
                || { cat "$out/sluice-$panel.stderr" >&2; die "sluice factors compute failed on $input"; }
            took=$(grep -oE 'took [0-9.]+ s' "$out/sluice-$panel.stderr" | grep -oE '[0-9.]+' | tail -1)
            printf '%s\tsluice\t%s\t\t%s\t%s\n' "$panel" "${took:-nan}" "$wall" "$(cat "$rss_file")" >> "$results"
        fi
        for side in pandas polars; do
            log "$panel: $side (run $rep of $reps)"
            rss_file=$out/$side-$panel.rss
            timed "$out/$side-$panel.parquet" "$python" "$here/alpha158_$side.py" --input "$input" --output "$out/$side-$panel.parquet" > "$out/$side-$panel.jsonl"
            "$python" - "$out/$side-$panel.jsonl" "$panel" "$side" "$wall" "$(cat "$rss_file")" >> "$results" <<'PY'
import json, sys
lines = {o["label"]: o for o in map(json.loads, open(sys.argv[1]))}
print("\t".join([sys.argv[2], sys.argv[3], str(lines["work (load included)"]["seconds"]),
                 str(lines["work (load excluded)"]["seconds"]), sys.argv[4], sys.argv[5]]))
PY
        done
    done
    log "$panel: comparing the outputs"
    if [[ $sluice_ok == 1 ]]; then
        "$python" "$here/compare.py" "sluice=$out/sluice-$panel.parquet" "pandas=$out/pandas-$panel.parquet" "polars=$out/polars-$panel.parquet" \
            | tee "$out/compare-$panel.txt" || log "the outputs' shapes or rows differ (above)"
    else
        "$python" "$here/compare.py" "pandas=$out/pandas-$panel.parquet" "polars=$out/polars-$panel.parquet" \
            | tee "$out/compare-$panel.txt" || log "the outputs' shapes or rows differ (above)"
    fi
done

"$python" - "$results" "$out" "$sluice_ok" "${panels[@]}" <<'PY'
import json, math, sys
from collections import defaultdict
results, out, sluice_ok, panels = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4:]
best = defaultdict(lambda: None)  # (panel, tool) -> (work s, work without load s, wall s, rss KiB): best run
for line in open(results):
    panel, tool, work, inner, wall, rss = line.rstrip("\n").split("\t")
    row = (float(work), float(inner or "nan"), float(wall), float(rss) if rss not in ("", "-") else math.nan)
    if best[panel, tool] is None or row[0] < best[panel, tool][0]:
        best[panel, tool] = row
rows = {p: json.loads(open(f"{out}/pandas-{p}.jsonl").read().splitlines()[-1])["rows"] for p in panels}
na = "sluice factors not available"
print()
print(f"{'panel':10} {'rows':>10} {'Sluice s':>9} {'pandas s':>9} {'polars s':>9} {'pandas/Sluice':>14} {'polars/Sluice':>14}"
      f" {'Sluice rows/s':>14} {'pandas rows/s':>14} {'polars rows/s':>14}")
for p in panels:
    s, pd_, pl_ = (best[p, t][0] if best[p, t] else math.nan for t in ("sluice", "pandas", "polars"))
    fmt = lambda x, f: (f.format(x) if not math.isnan(x) else "-")
    print(f"{p:10} {rows[p]:>10,} {fmt(s, '{:9.3f}'):>9} {pd_:9.3f} {pl_:9.3f} {fmt(pd_ / s, '{:13.2f}x'):>14} {fmt(pl_ / s, '{:13.2f}x'):>14}"
          f" {fmt(rows[p] / s, '{:14,.0f}'):>14} {rows[p] / pd_:14,.0f} {rows[p] / pl_:14,.0f}")
if not sluice_ok:
    print(f"Sluice: {na}")
print()
print(f"{'panel':10} {'tool':7} {'work s':>9} {'load excl. s':>13} {'command s':>10} {'peak RSS MiB':>13}")
for p in panels:
    for t in ("sluice", "pandas", "polars"):
        if best[p, t]:
            work, inner, wall, rss = best[p, t]
            print(f"{p:10} {t:7} {work:9.3f} {'-' if math.isnan(inner) else f'{inner:.3f}':>13} {wall:10.3f}"
                  f" {'-' if math.isnan(rss) else f'{rss / 1024:.0f}':>13}")
print()
print("Sluice s: the work inside `sluice factors compute` by its --timing (read, compute, write); pandas s / polars s:")
print("the same work in-process after the imports (load excluded: compute + write); command s: the whole process,")
print("interpreter start and imports included. Ratios above 1: Sluice faster.")
PY
