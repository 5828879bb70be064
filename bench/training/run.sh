#!/usr/bin/env bash
# bench/training: the same 8-trial walk-forward grid search (max_depth 3,5 x eta 0.05,0.1 x
# n_estimators 100,200; 3 folds, a 2-date purge, early stopping on each fold's last 20% of training
# dates) on the same gold data (Alpha158-style features and a cross-sectionally ranked next-day
# return label over the 482 tickers, made once by `sluice factors compute`), through Sluice
# (`sluice train`, embedded tracking) and through Python (pandas + xgboost + mlflow logging to a
# local SQLite store, python_side.py), in one run. Prints seconds, the ratio, and each side's
# data-preparation share.
# Usage: bench/training/run.sh   (SLUICE_BIN=path skips the release build)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$(dirname "$here")")"
cd "$repo"
source scripts/lib.sh
ensure_mlflow_venv
python=interop/.venv-mlflow/bin/python
if [[ -z "${SLUICE_BIN:-}" ]]; then
    swift build -c release --product sluice 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' >&2 || true
    SLUICE_BIN="$(swift build -c release --show-bin-path)/sluice"
fi
market=${MARKET_DIR:-$(dirname "$repo")/shared/data/market}
out=bench/out/training
mkdir -p "$out"
grid="max_depth=3,5;eta=0.05,0.1;n_estimators=100,200"
if [[ ! -f $out/gold.parquet ]]; then
    log "making the gold data with sluice factors compute"
    cat > "$out/gold.yaml" <<'YAML'
name: gold
factors:
  - {name: ROC5, expr: "Ref($close, 5)/$close"}
  - {name: ROC20, expr: "Ref($close, 20)/$close"}
  - {name: MA5, expr: "Mean($close, 5)/$close"}
  - {name: MA20, expr: "Mean($close, 20)/$close"}
  - {name: STD5, expr: "Std($close, 5)/$close"}
  - {name: STD20, expr: "Std($close, 20)/$close"}
  - {name: BETA20, expr: "Slope($close, 20)/$close"}
  - {name: RSQR20, expr: "Rsquare($close, 20)"}
  - {name: RSV10, expr: "($close-Min($low, 10))/(Max($high, 10)-Min($low, 10)+1e-12)"}
  - {name: CORR20, expr: "Corr($close, Log($volume+1), 20)"}
  - {name: VMA5, expr: "Mean($volume, 5)/($volume+1e-12)"}
  - {name: VSTD20, expr: "Std($volume, 20)/($volume+1e-12)"}
  - {name: KMID, expr: "($close-$open)/$open"}
  - {name: KLEN, expr: "($high-$low)/$open"}
  - {name: label, expr: "CSRank(Ref($close, -1) / $close - 1) - 0.5"}
YAML
    "$SLUICE_BIN" factors compute --set "$out/gold.yaml" --input "$market" --output "$out/gold.parquet" >&2
fi
printf 'machine: %s cpus, %s, %s\n' "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" "$(free -g | awk '/Mem:/ {print $2 " GiB"}')"
rm -rf "$out/sluice-tracking" "$out/python-tracking" && mkdir -p "$out/python-tracking"
log "Sluice"
"$SLUICE_BIN" train --input "$out/gold.parquet" --label label --grid "$grid" --folds 3 --purge-days 2 --experiment bench \
    --tracking-uri "$out/sluice-tracking" --timing > "$out/sluice.txt" 2> "$out/sluice-timing.txt"
log "Python (pandas + xgboost + mlflow)"
"$python" "$here/python_side.py" "$out/gold.parquet" "$out/python-tracking" "$grid" 3 2 > "$out/python.jsonl" 2> "$out/python-stderr.txt"
"$python" - "$out/sluice-timing.txt" "$out/python.jsonl" "$out/sluice.txt" <<'PY'
import json, re, sys
timing = open(sys.argv[1]).read()
part = lambda label: float(re.search(label + r" ([0-9.]+) s", timing).group(1))
sluice_total, sluice_prep = float(re.search(r"took ([0-9.]+) s", timing).group(1)), part("data preparation")
py = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])
print(open(sys.argv[3]).read().strip())
print(f"{'side':8} {'seconds':>8} {'data prep s':>12} {'prep share':>11}")
print(f"{'sluice':8} {sluice_total:8.2f} {sluice_prep:12.3f} {sluice_prep / (sluice_total - sluice_prep):10.1%}")
print(f"{'python':8} {py['seconds']:8.2f} {py['preparation']:12.3f} {py['preparation'] / py['training']:10.1%}")
print(f"ratio python/sluice: {py['seconds'] / sluice_total:.2f}x (above 1: Sluice faster); prep share = data preparation / training")
PY
