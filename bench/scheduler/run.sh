#!/usr/bin/env bash
# scheduler: run the same three DAGs once each with Sluice (`sluice dags test`)
# and with Apache Airflow 3 (`dag.test()`, what `airflow dags test` runs), and
# print wall time, tasks per second, the ratio Airflow/Sluice and the median
# gap between a task ending and its downstream starting.
#
# Usage: bench/scheduler/run.sh [--reps N] [--skip-airflow]
#
#   --reps N         runs per shape and tool (default 3); Airflow runs a shape
#                    only once if N of its runs would take over 60 s
#   --skip-airflow   time Sluice only
#
# Shapes (bench/scheduler/gen.py): bench_chain_100 (100 bash `true` in a
# chain), bench_fan_100 (start -> 100 bash `true` -> join), bench_empty_1000
# (1,000 empty tasks as 10 chains of 100).
#
# Environment:
#   SLUICE_BIN       use this sluice binary instead of `swift build -c release`
#   AIRFLOW_VENV     passed on to bench/lib/airflow-venv.sh (default bench/.venv)
#
# Every Sluice run gets a fresh temporary folder holding its scheduler.yaml,
# metadata database, home and logs; it is removed after a good run and kept
# (its path is printed) after a failed one. Work files go to
# bench/out/scheduler/ (gitignored); the summary is bench/out/scheduler/result.json.
set -euo pipefail
export LC_ALL=C

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bench_dir="$(dirname "$here")"
repo="$(dirname "$bench_dir")"

reps=3
skip_airflow=0
sluice_guard=600     # seconds: a hung Sluice run must not hang the benchmark
airflow_guard=1800   # seconds: the same for Airflow
airflow_budget=60    # seconds: repeat an Airflow shape only if all repetitions fit in this

usage() { awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "${BASH_SOURCE[0]}"; }
die() { printf 'scheduler: %s\n' "$*" >&2; exit 1; }
log() { printf 'scheduler: %s\n' "$*" >&2; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --reps) reps="${2:?--reps needs a number}"; shift 2 ;;
        --skip-airflow) skip_airflow=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done
[[ "$reps" =~ ^[1-9][0-9]*$ ]] || die "--reps must be a positive integer, got '$reps'"

out="$bench_dir/out/scheduler"
mkdir -p "$out"
loadavg="$(cut -d' ' -f1-3 /proc/loadavg)"

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

# ---------------------------------------------------------------- DAGs
python3 "$here/gen.py" --out "$out"
shapes="$out/shapes.json"
mapfile -t dag_ids < <(python3 -c 'import json, sys; print("\n".join(json.load(open(sys.argv[1]))))' "$shapes")
folder_of() {  # folder_of DAG_ID yaml|python
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]][sys.argv[3] + "_folder"])' \
        "$shapes" "$1" "$2"
}

# wall-clock seconds since the epoch, without forking (bash 5)
now() { printf '%s' "$EPOCHREALTIME"; }
elapsed() { python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.6f}")' "$1" "$2"; }
yaml_str() { local s="${1//\\/\\\\}"; printf '"%s"' "${s//\"/\\\"}"; }
field() { python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

# ---------------------------------------------------------------- sluice runs
sluice_jsonl="$out/sluice.jsonl"
: > "$sluice_jsonl"
for dag in "${dag_ids[@]}"; do
    yaml_dir="$(folder_of "$dag" yaml)"
    for ((i = 1; i <= reps; i++)); do
        tmp="$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-scheduler.XXXXXX")"
        cat > "$tmp/scheduler.yaml" <<EOF
core:
  dags_folder: $(yaml_str "$yaml_dir")
  home: $(yaml_str "$tmp/home")
metadata:
  database: $(yaml_str "$tmp/sluice.db")
logging:
  base_log_folder: $(yaml_str "$tmp/logs")
executor:
  parallelism: 16
EOF
        run_out="$out/sluice-$dag.out"
        run_err="$out/sluice-$dag.err"
        status=0
        t0="$(now)"
        timeout "$sluice_guard" "$sluice" --config "$tmp/scheduler.yaml" dags test "$dag" --json \
            > "$run_out" 2> "$run_err" || status=$?
        t1="$(now)"
        wall="$(elapsed "$t0" "$t1")"
        if [[ $status == 124 ]]; then
            die "sluice dags test $dag did not finish within $sluice_guard s (kept $tmp; output in $run_out, $run_err)"
        elif [[ $status != 0 ]]; then
            log "sluice dags test $dag exited with status $status; last lines of stderr:"
            tail -n 20 "$run_err" >&2
            python3 "$here/results.py" check sluice "$run_out" "$shapes" "$dag" \
                --process-seconds "$wall" --rep "$i" > /dev/null || true
            die "sluice run failed (kept $tmp; output in $run_out, $run_err)"
        fi
        if ! line="$(python3 "$here/results.py" check sluice "$run_out" "$shapes" "$dag" \
                --process-seconds "$wall" --rep "$i")"; then
            die "sluice's result for $dag does not check out (kept $tmp; output in $run_out)"
        fi
        printf '%s\n' "$line" >> "$sluice_jsonl"
        rm -rf "$tmp"
        log "sluice $dag run $i/$reps: $(field "$line" seconds) s (process $wall s)"
    done
done

# ---------------------------------------------------------------- airflow runs
airflow_jsonl="$out/airflow.jsonl"
: > "$airflow_jsonl"
if [[ $skip_airflow == 0 ]]; then
    py="$("$bench_dir/lib/airflow-venv.sh")"
    for dag in "${dag_ids[@]}"; do
        py_dir="$(folder_of "$dag" python)"
        dag_reps=$reps
        for ((i = 1; i <= dag_reps; i++)); do
            run_out="$out/airflow-$dag.out"
            run_log="$out/airflow-$dag.log"
            status=0
            t0="$(now)"
            timeout "$airflow_guard" "$py" "$here/airflow_run.py" "$py_dir" "$dag" \
                > "$run_out" 2> "$run_log" || status=$?
            t1="$(now)"
            wall="$(elapsed "$t0" "$t1")"
            if [[ $status == 124 ]]; then
                die "Airflow's run of $dag did not finish within $airflow_guard s (log: $run_log)"
            elif [[ $status != 0 ]]; then
                tail -n 20 "$run_log" >&2
                die "airflow_run.py $dag failed with status $status (log: $run_log)"
            fi
            if ! line="$(python3 "$here/results.py" check airflow "$run_out" "$shapes" "$dag" \
                    --process-seconds "$wall" --rep "$i")"; then
                die "Airflow's result for $dag does not check out (output: $run_out)"
            fi
            printf '%s\n' "$line" >> "$airflow_jsonl"
            log "airflow $dag run $i/$dag_reps: dag.test() $(field "$line" seconds) s (process $wall s)"
            if [[ $i == 1 && $reps -gt 1 ]] && python3 -c "import sys; sys.exit(0 if $wall * $reps > $airflow_budget else 1)"; then
                log "one Airflow run of $dag took $wall s: $reps runs would exceed $airflow_budget s, keeping one"
                dag_reps=1
            fi
        done
    done
fi

# ---------------------------------------------------------------- report
sluice_version="$("$sluice" --version 2>/dev/null | head -n 1 || true)"
cpu="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || true)"
mem_kb="$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)"

BENCH_NPROC="$(nproc)" BENCH_CPU="${cpu:-unknown}" BENCH_MEM_KB="$mem_kb" BENCH_KERNEL="$(uname -sr)" \
BENCH_LOADAVG="$loadavg" BENCH_SLUICE="$sluice" BENCH_SLUICE_VERSION="$sluice_version" \
python3 "$here/results.py" report "$shapes" "$sluice_jsonl" "$airflow_jsonl" "$out/result.json" --reps "$reps"
