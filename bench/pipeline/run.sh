#!/usr/bin/env bash
# bench/pipeline: the reference pipeline's one-year workload (1,000 generated tickers, the weekdays
# of 2023: ingest, Alpha158 features, gold, weekly walk-forward grid search with registry and
# promotion, batch inference, daily report) through Sluice (dags/quant_daily.yaml driven as a
# backfill, embedded defaults) and through the Python stack a team would write instead
# (python_side.py: pandas + deltalake + xgboost + mlflow with a SQLite store), on the same landing
# files (Sluice's generate task writes them; its time is left out of the comparison). Then one
# daily incremental run (a Tuesday after the backfill: no retraining) on each side, end to end
# from process start. Prints phase seconds, the ratios, and peak memory.
# Usage: bench/pipeline/run.sh   (START/END narrow the range; SLUICE_BIN skips the release build;
#        SKIP_PYTHON=1 re-measures Sluice only, keeping the Python results of the last run)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$(dirname "$here")")"
cd "$repo"
source scripts/lib.sh
start=${START:-2023-01-02}
end=${END:-2023-12-29}
daily=${DAILY:-2024-01-02}
py="$("$here/venv.sh")"
if [[ -z "${SLUICE_BIN:-}" ]]; then
    swift build -c release --product sluice 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' >&2 || true
    SLUICE_BIN="$(swift build -c release --show-bin-path)/sluice"
fi
out="$repo/bench/out/pipeline"
if [[ ${SKIP_PYTHON:-0} == 1 && -f $out/python.json ]]; then rm -rf "$out/sluice"; else rm -rf "$out"; fi
mkdir -p "$out/sluice/dags" "$out/python"
cp dags/quant_daily.yaml "$out/sluice/dags/"
printf 'machine: %s cpus, %s, %s\n' "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" "$(free -g | awk '/Mem:/ {print $2 " GiB"}')"
export OMP_WAIT_POLICY=passive   # both sides' OpenMP (libxgboost): no spinning threads on 2 cores

log "Sluice: quant_daily backfill $start .. $end"
(cd "$out/sluice" && "$SLUICE_BIN" dags pause quant_daily >/dev/null \
    && /usr/bin/time -f '%e %M' -o ../sluice-time.txt "$SLUICE_BIN" dags backfill quant_daily --start "$start" --end "$end" --wait >&2)
(cd "$out/sluice" && "$SLUICE_BIN" runs list --dag quant_daily --limit 100000 --json > ../sluice-runs.json)
(cd "$out/sluice" && "$py" - ../sluice-runs.json "$SLUICE_BIN" > ../sluice-phases.json) <<'PY'
import json, subprocess, sys
runs = json.load(open(sys.argv[1]))
phases = {}
for run in runs:
    tasks = json.loads(subprocess.check_output([sys.argv[2], "tasks", "list", "quant_daily", run["run_id"], "--json"]))
    for task in tasks["tasks"]:
        if task.get("duration_seconds") is not None:
            phases[task["task_id"]] = phases.get(task["task_id"], 0.0) + task["duration_seconds"]
print(json.dumps({"runs": len(runs), "phases": phases}))
PY
log "Sluice: one daily incremental run ($daily)"
(cd "$out/sluice" && /usr/bin/time -f '%e %M' -o ../sluice-daily.txt "$SLUICE_BIN" dags backfill quant_daily --start "$daily" --end "$daily" --wait >&2)

if [[ ${SKIP_PYTHON:-0} != 1 || ! -f $out/python.json ]]; then
log "Python: the same dates on Sluice's landing files"
landing="$out/sluice/lake/landing/market"
/usr/bin/time -f '%e %M' -o "$out/python-time.txt" "$py" "$here/python_side.py" "$landing" "$out/python/lake" \
    "sqlite:///$out/python/mlflow.db" "$start" "$end" > "$out/python.json"
log "Python: one daily incremental run ($daily)"
/usr/bin/time -f '%e %M' -o "$out/python-daily.txt" "$py" "$here/python_side.py" "$landing" "$out/python/lake" \
    "sqlite:///$out/python/mlflow.db" "$daily" "$daily" > "$out/python-daily.json"
fi

"$py" - "$out" <<'PY'
import json, sys
out = sys.argv[1]
def time(name):
    elapsed, rss = open(f"{out}/{name}").read().split()
    return float(elapsed), int(rss) / 1024
s_total, s_rss = time("sluice-time.txt")
s_daily, s_daily_rss = time("sluice-daily.txt")
p_total, p_rss = time("python-time.txt")
p_daily, p_daily_rss = time("python-daily.txt")
s = json.load(open(f"{out}/sluice-phases.json"))["phases"]
p = json.loads(open(f"{out}/python.json").read().strip().splitlines()[-1])
pp = p["phases"]
rows = [("ingest", ["ingest"], "ingest"), ("features", ["features"], "features"), ("gold", ["gold"], "gold"),
        ("train + register + promote", ["train", "register", "promote"], "train"), ("inference", ["inference"], "inference"),
        ("report", ["report"], "report")]
print(f"{'phase':30} {'Sluice s':>10} {'Python s':>10} {'ratio':>8}")
for label, tasks, key in rows:
    a = sum(s.get(t, 0.0) for t in tasks); b = pp.get(key, 0.0)
    print(f"{label:30} {a:10.2f} {b:10.2f} {b / a if a else float('nan'):8.1f}x")
generate = s.get("generate", 0.0)
s_work = s_total - generate
print(f"{'end to end (wall, no generate)':30} {s_work:10.2f} {p_total:10.2f} {p_total / s_work:8.1f}x   ({p['days']} dates, {p['trainings']} trainings; Sluice's generate {generate:.2f} s left out)")
print(f"{'daily incremental run (wall)':30} {s_daily:10.2f} {p_daily:10.2f} {p_daily / s_daily:8.1f}x")
print(f"peak memory: Sluice backfill {s_rss:.0f} MiB, daily {s_daily_rss:.0f} MiB; Python backfill {p_rss:.0f} MiB, daily {p_daily_rss:.0f} MiB")
PY
