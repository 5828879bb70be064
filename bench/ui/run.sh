#!/usr/bin/env bash
# Web UI grid rendering: a DAG of 50 tasks with 500 finished runs (25,000 task instances), served by
# `sluice api-server`; times `GET /ui/dags/ui_bench?runs=500` (signed in, curl's time_total over
# loopback, so server-side rendering plus the transfer) and prints the median of 10 requests and
# the page size against the target (under 300 ms).
# Usage: bench/ui/run.sh [--runs 500] [--reps 10]
#        SLUICE_BIN=.build/release/sluice bench/ui/run.sh   # skip the release build
#        BENCH_KEEP=1 ...                                    # keep the work folder (printed) to look at
# Needs sqlite3 and curl (Debian packages, in scripts/lib.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
runs=500
reps=10
while [[ $# -gt 0 ]]; do
    case $1 in
        --runs) runs=$2; shift 2 ;;
        --reps) reps=$2; shift 2 ;;
        *) echo "usage: bench/ui/run.sh [--runs N] [--reps N]" >&2; exit 2 ;;
    esac
done
target_ms=300

if [[ -z ${SLUICE_BIN:-} ]]; then
    swift build -c release --product sluice >/dev/null
    SLUICE_BIN=$PWD/.build/release/sluice
fi
sluice=$(realpath "$SLUICE_BIN")
home=$(mktemp -d /tmp/sluice-bench-ui.XXXXXX)
server_pid=""
cleanup() {
    [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    if [[ -n ${BENCH_KEEP:-} ]]; then echo "work folder kept: $home"; else rm -rf "$home"; fi
}
trap cleanup EXIT

# 50 bash tasks: 5 chains (c1..c5) of 10 steps (s01..s10).
mkdir -p "$home/dags"
{
    echo "dag_id: ui_bench"
    echo "description: 50 tasks, for the grid benchmark"
    echo "schedule: \"@daily\""
    echo "start_date: 2023-01-01"
    echo "catchup: false"
    echo "tasks:"
    for c in 1 2 3 4 5; do
        for s in $(seq -w 1 10); do
            echo "  - id: c${c}_s$s"
            echo "    operator: bash"
            [[ $s != 01 ]] && echo "    depends_on: [c${c}_s$(printf '%02d' $((10#$s - 1)))]"
            echo "    with: {command: 'true'}"
        done
    done
} > "$home/dags/ui_bench.yaml"
cd "$home"
"$sluice" dags test ui_bench --logical-date 2023-01-01 > seed.log 2>&1 || { cat seed.log; exit 1; }

# The other runs copy the real run's rows (dag_run, task_instance, task_try) one day apart, each
# starting when its data interval ends: every 10th failed at c3_s05 (its downstream in chain c3
# upstream_failed, never tried), every 7th needed a second try of c1_s02.
sqlite3 .sluice/sluice.db <<SQL
BEGIN;
CREATE TEMP TABLE first AS SELECT id, logical_date, queued_at FROM dag_run WHERE dag_id = 'ui_bench';
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $runs - 1)
INSERT INTO dag_run (dag_id, run_id, run_type, state, logical_date, data_interval_start, data_interval_end, conf,
                     dag_hash, queued_at, start_date, end_date)
SELECT r.dag_id, 'scheduled__' || strftime('%Y-%m-%dT%H:%M:%SZ', r.logical_date + i * 86400, 'unixepoch'), 'scheduled',
       CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'success' END,
       r.logical_date + i * 86400, r.data_interval_start + i * 86400, r.data_interval_end + i * 86400, r.conf, r.dag_hash,
       r.data_interval_end + i * 86400, r.start_date - r.queued_at + r.data_interval_end + i * 86400,
       r.end_date - r.queued_at + r.data_interval_end + i * 86400
FROM dag_run r, n WHERE r.id = (SELECT id FROM first);
-- shift: how far each new run's times lie from the real run's
CREATE TEMP TABLE shifted AS
SELECT r.id AS run_pk, r.run_id, r.state, r.queued_at - f.queued_at AS shift, (r.id - f.id) % 7 = 0 AS retried
FROM dag_run r, first f WHERE r.id <> f.id;
INSERT INTO task_instance (run_pk, dag_id, run_id, task_id, state, try_number, max_tries, next_retry_at, pool, pool_slots,
                           priority_weight, queue, start_date, end_date)
SELECT s.run_pk, t.dag_id, s.run_id, t.task_id, x.state,
       CASE WHEN x.state = 'upstream_failed' THEN 0 WHEN s.retried AND t.task_id = 'c1_s02' THEN 2 ELSE t.try_number END,
       CASE WHEN s.retried AND t.task_id = 'c1_s02' THEN 2 ELSE t.max_tries END, NULL, t.pool, t.pool_slots, t.priority_weight, t.queue,
       CASE WHEN x.state = 'upstream_failed' THEN NULL ELSE t.start_date + s.shift END,
       CASE WHEN x.state = 'upstream_failed' THEN NULL ELSE t.end_date + s.shift END
FROM shifted s JOIN task_instance t ON t.run_pk = (SELECT id FROM first)
JOIN (SELECT s2.run_pk, t2.task_id,
             CASE WHEN s2.state = 'failed' AND t2.task_id = 'c3_s05' THEN 'failed'
                  WHEN s2.state = 'failed' AND t2.task_id > 'c3_s05' AND t2.task_id LIKE 'c3_%' THEN 'upstream_failed'
                  ELSE t2.state END AS state
      FROM shifted s2 JOIN task_instance t2 ON t2.run_pk = (SELECT id FROM first)) x ON x.run_pk = s.run_pk AND x.task_id = t.task_id;
INSERT INTO task_try (ti_id, dag_id, run_id, task_id, try_number, state, job_id, hostname, pid, queued_at, start_date, end_date,
                      exit_reason, log_path)
SELECT ti.id, ti.dag_id, ti.run_id, ti.task_id, ti.try_number, ti.state, y.job_id, y.hostname, y.pid,
       y.queued_at + s.shift, y.start_date + s.shift, y.end_date + s.shift,
       CASE WHEN ti.state = 'failed' THEN 'command exited with status 1' ELSE y.exit_reason END,
       replace(replace(y.log_path, y.run_id, ti.run_id), 'try-1', 'try-' || ti.try_number)
FROM shifted s JOIN task_instance ti ON ti.run_pk = s.run_pk
JOIN task_try y ON y.task_id = ti.task_id AND y.ti_id IN (SELECT id FROM task_instance WHERE run_pk = (SELECT id FROM first))
WHERE ti.state <> 'upstream_failed';
INSERT INTO task_try (ti_id, dag_id, run_id, task_id, try_number, state, job_id, hostname, pid, queued_at, start_date, end_date,
                      exit_reason, log_path)
SELECT ti.id, ti.dag_id, ti.run_id, ti.task_id, 1, 'failed', y.job_id, y.hostname, y.pid, y.queued_at + s.shift,
       y.start_date + s.shift, y.end_date + s.shift, 'command exited with status 1', replace(y.log_path, y.run_id, ti.run_id)
FROM shifted s JOIN task_instance ti ON ti.run_pk = s.run_pk AND ti.task_id = 'c1_s02' AND ti.try_number = 2
JOIN task_try y ON y.task_id = 'c1_s02' AND y.ti_id IN (SELECT id FROM task_instance WHERE run_pk = (SELECT id FROM first));
COMMIT;
SQL
seeded=$(sqlite3 .sluice/sluice.db "SELECT COUNT(*) || ' runs (' || SUM(state = 'failed') || ' failed), ' || (SELECT COUNT(*) FROM task_instance) || ' task instances' FROM dag_run")
echo "seeded: $seeded, $(sqlite3 .sluice/sluice.db 'SELECT COUNT(*) FROM task_try') tries"

token=$("$sluice" tokens create --role viewer --name bench 2>/dev/null)
"$sluice" api-server --host 127.0.0.1 --port 0 > server.log 2>&1 &
server_pid=$!
for _ in $(seq 1 200); do grep -q "listening on" server.log && break; sleep 0.05; done
port=$(grep -o "127.0.0.1:[0-9]*" server.log | head -1 | cut -d: -f2)
[[ -n $port ]] || { cat server.log; exit 1; }
base="http://127.0.0.1:$port"
curl -fsS -c cookies -o /dev/null --data-urlencode "token=$token" "$base/ui/login"
grep -q sluice_session cookies || { echo "sign-in failed: no session cookie" >&2; exit 1; }

url="$base/ui/dags/ui_bench?runs=$runs"
curl -fsS -b cookies -o page.html "$url"   # warm-up, and the page to check
columns=$(grep -o 'class="runhead"' page.html | wc -l)
cells=$(grep -o 'class="cell s-' page.html | wc -l)
[[ $columns -eq $runs && $cells -eq $((runs * 50)) ]] \
    || { echo "the grid shows $columns run columns and $cells cells, expected $runs and $((runs * 50))" >&2; exit 1; }
for _ in $(seq 1 "$reps"); do
    curl -fsS -b cookies -o /dev/null -w '%{http_code} %{time_total} %{size_download} %{time_starttransfer}\n' "$url"
done > times.txt
grep -qv '^200 ' times.txt && { echo "a request did not answer 200:" >&2; cat times.txt >&2; exit 1; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB"
python3 - "$runs" "$reps" "$target_ms" times.txt <<'PY'
import statistics, sys
runs, reps, target = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
rows = [line.split() for line in open(sys.argv[4])]
ms = sorted(float(r[1]) * 1000 for r in rows)
first_byte = statistics.median(float(r[3]) * 1000 for r in rows)
size = int(rows[0][2])
median = statistics.median(ms)
print(f"GET /ui/dags/ui_bench?runs={runs} (50 tasks, {runs * 50:,} cells): median {median:.1f} ms of {reps} "
      f"(min {ms[0]:.1f}, max {ms[-1]:.1f}), {size / 1024:,.0f} KiB; first byte after {first_byte:.1f} ms (median)")
print(f"target: under {target:.0f} ms: {'met' if median < target else 'NOT met'}")
PY
