#!/usr/bin/env bash
# Create (once) the virtualenv of bench/pipeline's Python side: pandas + deltalake + xgboost +
# mlflow, pinned in bench/pipeline/requirements.txt.
#
# Usage: bench/pipeline/venv.sh
#   Prints the venv's python path on stdout and nothing else (py="$(bench/pipeline/venv.sh)");
#   progress goes to stderr. The venv is reinstalled only when requirements.txt changes: a copy of
#   the requirements it was built from is kept in the venv as a stamp.
#
# Environment:
#   PIPELINE_VENV   where the venv lives (default: bench/.venv-pipeline)
#   PIPELINE_PYTHON interpreter that creates it (default: python3)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${PIPELINE_VENV:-$(dirname "$here")/.venv-pipeline}"
requirements="$here/requirements.txt"
stamp="$venv/.requirements"

if [[ -x $venv/bin/python ]] && cmp -s "$requirements" "$stamp"; then
    echo "$venv/bin/python"
    exit 0
fi
echo "==> creating $venv from $requirements" >&2
"${PIPELINE_PYTHON:-python3}" -m venv "$venv" >&2
rm -f "$stamp"  # a failed install below must not leave a stale stamp behind
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
cp "$requirements" "$stamp"
echo "$venv/bin/python"
