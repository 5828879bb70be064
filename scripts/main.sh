#!/usr/bin/env bash
# Sluice's main job on a fresh Debian 12 machine with Swift 6.3: builds the release binary and
# runs the reference DAGs on the embedded defaults.
#
# Today the scheduler is not built yet, so this validates every DAG in dags/ and shows each one
# (tasks, dependencies, schedule, next fire times). It grows into the full quant pipeline
# (generate -> bronze -> silver -> gold -> train -> register -> promote -> infer -> report).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh

ensure_swift
ensure_apt_packages "${SLUICE_APT_PACKAGES[@]}"

log "building sluice (release)"
swift build -c release --product sluice 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' || true
sluice="$(swift build -c release --show-bin-path)/sluice"
[[ -x "$sluice" ]] || die "the build did not produce $sluice"

log "sluice version"
"$sluice" version

log "validating dags/"
"$sluice" dags validate dags

log "DAGs"
"$sluice" dags list

for dag in $("$sluice" dags list --json | python3 -c 'import json,sys; print(" ".join(d["dag_id"] for d in json.load(sys.stdin)["dags"]))'); do
    log "dag $dag"
    "$sluice" dags show "$dag"
done

log "effective configuration"
"$sluice" config show
