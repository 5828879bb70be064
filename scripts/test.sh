#!/usr/bin/env bash
# Runs Sluice's whole test suite from a fresh Debian 12 machine with Swift 6.3:
# installs missing system packages, builds warning-free, runs `swift test`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh

ensure_swift
ensure_apt_packages "${SLUICE_APT_PACKAGES[@]}"

if [[ ! -d ../shared ]]; then
    log "note: ../shared is absent; tests that need the shared data and conformance corpora will skip"
fi

log "building (warnings are errors for Sluice's own modules)"
swift build --build-tests -Xswiftc -warnings-as-errors 2>&1 | tee /tmp/sluice-build.log | grep -Ev '^\[[0-9]+/[0-9]+\]' || true
[[ ${PIPESTATUS[0]} -eq 0 ]] || die "build failed (full log: /tmp/sluice-build.log)"

log "running the test suite"
swift test --skip-build --parallel 2>&1 | tee /tmp/sluice-test.log | grep -Ev '^(􀟈|◇|↳)|Test .* started\.$' || true
status=${PIPESTATUS[0]}
[[ $status -eq 0 ]] || die "tests failed (full log: /tmp/sluice-test.log)"
log "all tests passed"
