# Shared helpers for scripts/main.sh and scripts/test.sh (sourced, not run).

# The system packages Sluice builds against. Grows as capabilities land.
SLUICE_APT_PACKAGES=(pkg-config libyaml-dev libsqlite3-dev libsnappy-dev libzstd-dev zlib1g-dev)

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
