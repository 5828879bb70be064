# Shared helpers for scripts/main.sh and scripts/test.sh (sourced, not run).

# The system packages Sluice builds against. Grows as capabilities land.
SLUICE_APT_PACKAGES=(pkg-config libyaml-dev libsqlite3-dev libsnappy-dev libzstd-dev zlib1g-dev libxgboost-dev libgomp1 curl python3 python3-venv)
# What only the test suite needs: sqlite3 and pgrep for process-level checks, headless Chromium
# for the web UI's browser tests.
SLUICE_TEST_APT_PACKAGES=(sqlite3 procps chromium chromium-driver)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs missing Debian packages; does nothing (and needs no network) when all are present.
ensure_apt_packages() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    log "installing system packages: ${missing[*]}"
    local sudo=""
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || die "need root (or sudo) to install: ${missing[*]}"
        sudo="sudo"
    fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Finds swift (PATH, then /opt/swift) or explains what is missing.
ensure_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        for candidate in /opt/swift/usr/bin /opt/swift/bin; do
            [[ -x "$candidate/swift" ]] && export PATH="$candidate:$PATH" && break
        done
    fi
    command -v swift >/dev/null 2>&1 || die "Swift 6.3 is required (https://www.swift.org/install/linux/ for Debian 12)"
    swift --version 2>&1 | head -1 >&2
}

# The Python oracles' venv (interop/.venv): pyarrow and friends, pinned in interop/requirements.txt.
# Re-installed only when the requirements change.
ensure_interop_venv() {
    local venv=interop/.venv stamp=interop/.venv/.requirements
    if [[ -x $venv/bin/python ]] && cmp -s interop/requirements.txt "$stamp"; then return 0; fi
    log "creating the interop venv ($venv) with $(tr '\n' ' ' < interop/requirements.txt)"
    python3 -m venv "$venv" || die "python3 -m venv failed (install python3-venv)"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r interop/requirements.txt \
        || die "pip could not install interop/requirements.txt"
    cp interop/requirements.txt "$stamp"
}

# MLflow and the Python model libraries, in their own venv (interop/.venv-mlflow): mlflow pins an
# older pyarrow than the Parquet oracles use. Re-installed only when its requirements change.
ensure_mlflow_venv() {
    local venv=interop/.venv-mlflow stamp=interop/.venv-mlflow/.requirements
    if [[ -x $venv/bin/python ]] && cmp -s interop/mlflow-requirements.txt "$stamp"; then return 0; fi
    log "creating the MLflow venv ($venv) with $(tr '\n' ' ' < interop/mlflow-requirements.txt)"
    python3 -m venv "$venv" || die "python3 -m venv failed (install python3-venv)"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r interop/mlflow-requirements.txt \
        || die "pip could not install interop/mlflow-requirements.txt"
    cp interop/mlflow-requirements.txt "$stamp"
}
