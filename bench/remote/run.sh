#!/usr/bin/env bash
# Remote-executor throughput: one DAG of N independent tasks (default 1,000) through a scheduler
# serving the API in the same process and 4 local `sluice worker` processes; prints tasks/second
# (run start to run end) and the median dispatch latency (a try queued for workers -> a worker
# leasing it, from the metadata DB). Targets: over 200 tasks/s, under 20 ms median. Then the same
# DAG through the local executor (threads in the scheduler, same parallelism) for the ratio.
# Usage: bench/remote/run.sh [TASKS] [WORKERS] [CONCURRENCY] [OPERATOR: sleep|bash]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
tasks=${1:-1000}
workers=${2:-4}
concurrency=${3:-8}
operator=${4:-sleep}

swift build -c release --product sluice >/dev/null
sluice=$PWD/.build/release/sluice
home=$(mktemp -d /tmp/sluice-bench-remote.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$home"
}
trap cleanup EXIT
mkdir -p "$home/dags"
cat > "$home/scheduler.yaml" <<YAML
executor:
  kind: remote
  parallelism: $((workers * concurrency))
  worker_heartbeat_interval: 5s
  worker_heartbeat_timeout: 60s
YAML
{
    echo "dag_id: fanout"
    echo "schedule: null"
    echo "max_active_tasks: 100000"
    echo "tasks:"
    for i in $(seq 1 "$tasks"); do
        if [[ $operator == bash ]]; then
            echo "  - {id: t$i, operator: bash, with: {command: 'true'}}"
        else
            echo "  - {id: t$i, operator: sleep, with: {duration: 0s}}"
        fi
    done
} > "$home/dags/fanout.yaml"
cd "$home"
"$sluice" dags validate >/dev/null 2>&1 || { "$sluice" dags validate; exit 1; }
"$sluice" pools set default_pool 100000 >/dev/null 2>&1 || true
"$sluice" scheduler --api --port 0 > scheduler.log 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do grep -q "listening on" scheduler.log && break; sleep 0.1; done
port=$(grep -o "127.0.0.1:[0-9]*" scheduler.log | head -1 | cut -d: -f2)
token=$("$sluice" tokens create --role worker --name bench 2>/dev/null)
for w in $(seq 1 "$workers"); do
    SLUICE_WORKER_TOKEN=$token "$sluice" worker --api "http://127.0.0.1:$port" --concurrency "$concurrency" --name "w$w" > "worker$w.log" 2>&1 &
    pids+=($!)
done
for w in $(seq 1 "$workers"); do
    for _ in $(seq 1 100); do grep -q "registered" "worker$w.log" && break; sleep 0.1; done
done
"$sluice" dags unpause fanout >/dev/null 2>&1
"$sluice" dags trigger fanout >/dev/null 2>&1
for _ in $(seq 1 6000); do
    state=$(sqlite3 .sluice/sluice.db "SELECT state FROM dag_run WHERE dag_id = 'fanout'")
    [[ $state == success || $state == failed ]] && break
    sleep 0.1
done
sqlite3 .sluice/sluice.db <<SQL
.mode list
SELECT 'run state: ' || state FROM dag_run WHERE dag_id = 'fanout';
SELECT 'tries: ' || COUNT(*) || ' (' || SUM(state = 'success') || ' succeeded) over ' || COUNT(DISTINCT job_id) || ' workers' FROM task_try;
SELECT printf('wall time (first try queued -> last try ended): %.2f s', MAX(end_date) - MIN(queued_at)) FROM task_try;
SELECT printf('throughput: %.1f tasks/s', COUNT(*) / (MAX(end_date) - MIN(queued_at))) FROM task_try;
SELECT printf('dispatch latency (queued -> leased): median %.1f ms, p90 %.1f ms',
    (SELECT (start_date - queued_at) * 1000 FROM task_try ORDER BY start_date - queued_at LIMIT 1 OFFSET (SELECT COUNT(*) / 2 FROM task_try)),
    (SELECT (start_date - queued_at) * 1000 FROM task_try ORDER BY start_date - queued_at LIMIT 1 OFFSET (SELECT COUNT(*) * 9 / 10 FROM task_try)));
SELECT printf('try duration (leased -> reported): median %.1f ms',
    (SELECT (end_date - start_date) * 1000 FROM task_try ORDER BY end_date - start_date LIMIT 1 OFFSET (SELECT COUNT(*) / 2 FROM task_try)));
SQL
remote=$(sqlite3 .sluice/sluice.db "SELECT COUNT(*) / (MAX(end_date) - MIN(queued_at)) FROM task_try")

# The same DAG on the local executor, in a fresh database.
for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
wait 2>/dev/null || true
pids=()
rm -rf .sluice logs
sed -i 's/kind: remote/kind: local/' scheduler.yaml
"$sluice" pools set default_pool 100000 >/dev/null 2>&1 || true
"$sluice" dags unpause fanout >/dev/null 2>&1
"$sluice" dags trigger fanout >/dev/null 2>&1
"$sluice" scheduler --once > local.log 2>&1
local_rate=$(sqlite3 .sluice/sluice.db "SELECT COUNT(*) / (MAX(end_date) - MIN(queued_at)) FROM task_try")
printf 'local executor (same DAG, %s threads): %.1f tasks/s\n' "$((workers * concurrency))" "$local_rate"
printf 'remote / local throughput: %.2fx\n' "$(python3 -c "print($remote / $local_rate)")"
