#!/usr/bin/env bash
# dag_parse: validate N generated DAG files of T tasks with Sluice and parse the
# same DAGs, written as Python, with Apache Airflow 3; print both timings and
# the ratio Airflow/Sluice.
#
# Usage: bench/dag_parse/run.sh [--files N] [--tasks T] [--reps R] [--skip-airflow]
#
#   --files N        DAG files per corpus (default 1000)
#   --tasks T        tasks per DAG (default 20)
#   --reps R         repetitions per tool (default 3); Airflow runs only once
#                    if R of its runs would take over 60 s
#   --skip-airflow   time Sluice only
#
# Environment:
#   SLUICE_BIN       use this sluice binary instead of `swift build -c release`
#   AIRFLOW_VENV     passed on to bench/lib/airflow-venv.sh (default bench/.venv)
#
# Work files go to bench/out/dag_parse/ (gitignored); a JSON summary of the
# run is left in bench/out/dag_parse/result.json.
set -euo pipefail
export LC_ALL=C

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bench_dir="$(dirname "$here")"
repo="$(dirname "$bench_dir")"

files=1000
tasks=20
reps=3
skip_airflow=0
airflow_guard=1800   # seconds: a hung Airflow parse must not hang the benchmark
airflow_budget=60    # seconds: repeat Airflow only if all repetitions fit in this

usage() { awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "${BASH_SOURCE[0]}"; }
die() { printf 'dag_parse: %s\n' "$*" >&2; exit 1; }
log() { printf 'dag_parse: %s\n' "$*" >&2; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --files) files="${2:?--files needs a number}"; shift 2 ;;
        --tasks) tasks="${2:?--tasks needs a number}"; shift 2 ;;
        --reps) reps="${2:?--reps needs a number}"; shift 2 ;;
        --skip-airflow) skip_airflow=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done
for v in files tasks reps; do
    [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "--$v must be a positive integer, got '${!v}'"
done

out="$bench_dir/out/dag_parse"
yaml_dir="$out/yaml"
py_dir="$out/python"
mkdir -p "$out"
results="$out/times.tsv"   # tool <TAB> seconds, one line per repetition
: > "$results"

# ---------------------------------------------------------------- sluice binary
if [[ -n "${SLUICE_BIN:-}" ]]; then
    sluice="$SLUICE_BIN"
    [[ -x "$sluice" ]] || die "SLUICE_BIN is not an executable file: $sluice"
    log "using SLUICE_BIN=$sluice"
else
    command -v swift >/dev/null || die "swift not found (or set SLUICE_BIN)"
    log "building sluice (swift build -c release --product sluice)"
    (cd "$repo" && swift build -c release --product sluice >&2)
    sluice="$(cd "$repo" && swift build -c release --show-bin-path)/sluice"
    [[ -x "$sluice" ]] || die "build finished but $sluice is missing"
fi

# ---------------------------------------------------------------- corpora
log "generating $files DAGs x $tasks tasks in $out"
python3 "$here/gen_dags.py" --out "$yaml_dir" --files "$files" --tasks "$tasks" --format yaml
if [[ $skip_airflow == 0 ]]; then
    python3 "$here/gen_dags.py" --out "$py_dir" --files "$files" --tasks "$tasks" --format python
else
    rm -rf "$py_dir"   # do not leave a corpus of another size lying around
fi
expect_tasks=$((files * tasks))

# wall-clock seconds since the epoch, without forking (bash 5)
now() { printf '%s' "$EPOCHREALTIME"; }
elapsed() { python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.6f}")' "$1" "$2"; }

# ---------------------------------------------------------------- sluice runs
sluice_log="$out/sluice.log"
for ((i = 1; i <= reps; i++)); do
    t0="$(now)"
    status=0
    "$sluice" dags validate "$yaml_dir" > "$sluice_log" 2>&1 || status=$?
    t1="$(now)"
    if [[ $status != 0 ]] || grep -q ': error: ' "$sluice_log"; then
        log "sluice dags validate exited with status $status; first lines of its output:"
        head -n 20 "$sluice_log" >&2
        die "sluice rejected the generated corpus (full output: $sluice_log)"
    fi
    s="$(elapsed "$t0" "$t1")"
    printf 'sluice\t%s\n' "$s" >> "$results"
    log "sluice run $i/$reps: ${s} s"
done
# If Sluice reports how many files/tasks it checked, those must match the corpus.
for pair in "files:$files" "tasks:$expect_tasks"; do
    word="${pair%%:*}"; want="${pair#*:}"
    said="$(grep -Eo "\b[0-9]+ ${word%s}s?\b" "$sluice_log" | tail -n 1 | grep -Eo '^[0-9]+' || true)"
    if [[ -n "$said" && "$said" != "$want" ]]; then
        die "sluice reported $said $word, the corpus has $want (see $sluice_log)"
    fi
done

# ---------------------------------------------------------------- airflow runs
airflow_json="$out/airflow.jsonl"
: > "$airflow_json"
airflow_version=""
if [[ $skip_airflow == 0 ]]; then
    py="$("$bench_dir/lib/airflow-venv.sh")"
    airflow_reps=$reps
    for ((i = 1; i <= airflow_reps; i++)); do
        t0="$(now)"
        status=0
        timeout "$airflow_guard" "$py" "$here/airflow_parse.py" --serialize "$py_dir" \
            > "$out/airflow.out" 2> "$out/airflow.log" || status=$?
        t1="$(now)"
        if [[ $status == 124 ]]; then
            die "Airflow's parse did not finish within $airflow_guard s"
        elif [[ $status != 0 ]]; then
            tail -n 20 "$out/airflow.log" >&2
            die "airflow_parse.py failed with status $status (log: $out/airflow.log)"
        fi
        line="$(tail -n 1 "$out/airflow.out")"
        printf '%s\n' "$line" >> "$airflow_json"
        read -r a_files a_dags a_tasks a_errors a_secs a_ser airflow_version < <(
            python3 -c 'import json, sys; r = json.loads(sys.argv[1]); print(r["files"], r["dags"], r["tasks"], r["import_errors"], r["seconds"], r.get("serialize_seconds", 0), r["airflow_version"])' "$line")
        if [[ "$a_files" != "$files" || "$a_dags" != "$files" || "$a_tasks" != "$expect_tasks" || "$a_errors" != 0 ]]; then
            tail -n 20 "$out/airflow.log" >&2
            die "Airflow saw $a_files files, $a_dags dags, $a_tasks tasks, $a_errors import errors; expected $files, $files, $expect_tasks, 0"
        fi
        printf 'airflow\t%s\n' "$a_secs" >> "$results"
        printf 'airflow+serialize\t%s\n' "$(python3 -c "print($a_secs + $a_ser)")" >> "$results"
        wall="$(elapsed "$t0" "$t1")"
        log "airflow run $i/$airflow_reps: DagBag ${a_secs} s, +serialize ${a_ser} s (process ${wall} s)"
        if [[ $i == 1 && $reps -gt 1 ]] && python3 -c "import sys; sys.exit(0 if $wall * $reps > $airflow_budget else 1)"; then
            log "one Airflow run took ${wall} s: $reps runs would exceed ${airflow_budget} s, keeping one"
            airflow_reps=1
        fi
    done
fi

# ---------------------------------------------------------------- report
sluice_version="$("$sluice" --version 2>/dev/null | head -n 1 || true)"
cpu="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || true)"
mem_kb="$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)"

BENCH_NPROC="$(nproc)" BENCH_CPU="${cpu:-unknown}" BENCH_MEM_KB="$mem_kb" BENCH_KERNEL="$(uname -sr)" \
BENCH_SLUICE="$sluice" BENCH_SLUICE_VERSION="$sluice_version" BENCH_AIRFLOW_VERSION="$airflow_version" \
python3 - "$results" "$out/result.json" "$files" "$tasks" <<'EOF'
import json, os, statistics, sys
from collections import defaultdict

results, result_json, files, tasks = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
env = os.environ
times = defaultdict(list)
for line in open(results):
    tool, secs = line.split("\t")
    times[tool].append(float(secs))

machine = {
    "nproc": int(env["BENCH_NPROC"]),
    "cpu": env["BENCH_CPU"],
    "memory_gib": round(int(env["BENCH_MEM_KB"]) / 1048576, 1),
    "kernel": env["BENCH_KERNEL"],
}
sluice_version = env["BENCH_SLUICE_VERSION"] or None
airflow_version = env["BENCH_AIRFLOW_VERSION"] or None
print(f"dag_parse: {files} DAG files x {tasks} tasks ({files * tasks} tasks)")
print(f"machine:   {machine['nproc']} cpus, {machine['cpu']}, {machine['memory_gib']} GiB RAM, {machine['kernel']}")
print(f"sluice:    {sluice_version or 'version unknown'} ({env['BENCH_SLUICE']})")
if airflow_version:
    print(f"airflow:   apache-airflow {airflow_version} (DagBag in one process; see bench/README.md)")
print()

labels = {
    "sluice": "sluice dags validate",
    "airflow": "airflow DagBag",
    "airflow+serialize": "airflow DagBag+serialize",
}
rows = {}
print(f"{'tool':<26} {'files':>6} {'tasks':>7} {'runs':>4} {'best s':>9} {'median s':>9} {'ms/file':>8}")
for tool, label in labels.items():
    t = times.get(tool)
    if not t:
        continue
    best, med = min(t), statistics.median(t)
    rows[tool] = {"runs": t, "best": best, "median": med, "ms_per_file": med * 1000 / files}
    print(f"{label:<26} {files:>6} {files * tasks:>7} {len(t):>4} {best:>9.3f} {med:>9.3f} {med * 1000 / files:>8.2f}")

summary = {"files": files, "tasks_per_dag": tasks, "machine": machine, "tools": rows,
           "sluice_version": sluice_version, "airflow_version": airflow_version}
if "sluice" in rows and "airflow" in rows:
    s = rows["sluice"]
    print()
    for tool in ("airflow", "airflow+serialize"):
        a = rows[tool]
        r_med = a["median"] / s["median"] if s["median"] > 0 else float("inf")
        r_best = a["best"] / s["best"] if s["best"] > 0 else float("inf")
        summary[f"ratio_{tool}_over_sluice"] = {"median": r_med, "best": r_best}
        print(f"ratio {labels[tool]} / sluice: {r_med:.1f}x (median), {r_best:.1f}x (best)")
if files == 1000 and tasks == 20 and "sluice" in rows:
    med = rows["sluice"]["median"]
    print(f"target: 1000 x 20 validated in under 1 s: sluice {'meets' if med < 1.0 else 'MISSES'} it ({med:.3f} s median)")
with open(result_json, "w") as f:
    json.dump(summary, f, indent=2)
EOF
