#!/usr/bin/env bash
# Runs Sluice's whole test suite from a fresh Debian 12 machine with Swift 6.3:
# installs missing system packages, builds warning-free, runs `swift test`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh

ensure_swift
ensure_apt_packages "${SLUICE_APT_PACKAGES[@]}" "${SLUICE_TEST_APT_PACKAGES[@]}"

ensure_interop_venv
ensure_mlflow_venv

# A real MLflow server on loopback for the tracking contract and the registry interop tests.
mlflow_dir=$(mktemp -d /tmp/sluice-mlflow.XXXXXX)
mlflow_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
interop/.venv-mlflow/bin/mlflow server --backend-store-uri "sqlite:///$mlflow_dir/mlflow.db" --artifacts-destination "$mlflow_dir/artifacts" \
    --host 127.0.0.1 --port "$mlflow_port" --workers 1 > "$mlflow_dir/server.log" 2>&1 &
mlflow_pid=$!
trap 'kill "$mlflow_pid" 2>/dev/null || true; rm -rf "$mlflow_dir"' EXIT
for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$mlflow_port/health" >/dev/null 2>&1 && break
    kill -0 "$mlflow_pid" 2>/dev/null || die "the MLflow server did not start (log: $(tail -5 "$mlflow_dir/server.log"))"
    sleep 0.5
done
curl -fsS "http://127.0.0.1:$mlflow_port/health" >/dev/null 2>&1 || die "the MLflow server did not answer within 60 s"
export SLUICE_TEST_MLFLOW_URI="http://127.0.0.1:$mlflow_port"
log "MLflow server on $SLUICE_TEST_MLFLOW_URI"

if [[ ! -d ../shared ]]; then
    log "note: ../shared is absent; tests that need the shared data and conformance corpora will skip"
fi

# Runs "$@", showing its output minus progress noise, and returns the command's own exit status
# (not grep's, and not masked by a `|| true`).
filtered() {
    local pattern=$1 logfile=$2
    shift 2
    set +e
    "$@" 2>&1 | tee "$logfile" | grep -Ev "$pattern"
    local status=${PIPESTATUS[0]}
    set -e
    return "$status"
}

log "building (warnings are errors for Sluice's own modules)"
filtered '^\[[0-9]+/[0-9]+\]' /tmp/sluice-build.log swift build --build-tests -Xswiftc -warnings-as-errors \
    || die "build failed (full log: /tmp/sluice-build.log)"

# Two runs: the data libraries' tests (CPU-heavy, synchronous: they hold Swift's cooperative
# threads for seconds at a time), and the CLI's 2,000-factor run (both cores for ~20 s), apart
# from the scheduler's and the CLI's other tests, whose timing checks (a timeout fires on time, a
# task starts promptly) need the machine free.
data='ParquetTests|DeltaLakeTests|ColumnarTests|FactorsTests|LearningTests|TrackingTests|SluiceOperatorsTests|FactorsScaleTests|QuantPipelineTests'
log "running the test suite: data libraries"
filtered '^(◇|↳)|Test .* started\.$' /tmp/sluice-test-data.log swift test --skip-build --parallel --filter "$data" \
    || die "tests failed (full log: /tmp/sluice-test-data.log)"
log "running the test suite: everything else"
filtered '^(◇|↳)|Test .* started\.$' /tmp/sluice-test.log swift test --skip-build --parallel --skip "$data|RemoteWorkerTests" \
    || die "tests failed (full log: /tmp/sluice-test.log)"
# Last, alone: scheduler, API server and worker processes on loopback, whose heartbeat timeouts
# (seconds, to keep the kill and pause scenarios short) need the machine to themselves.
log "running the test suite: remote workers"
filtered '^(◇|↳)|Test .* started\.$' /tmp/sluice-test-remote.log swift test --skip-build --filter RemoteWorkerTests \
    || die "tests failed (full log: /tmp/sluice-test-remote.log)"
log "all tests passed"
