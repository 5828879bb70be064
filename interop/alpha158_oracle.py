"""Qlib's Alpha158 features written directly in numpy, as an oracle for Sluice's Alpha158.

Each feature is written out by hand from Qlib's definitions (`Alpha158DL.get_feature_config` in
qlib/contrib/data/loader.py, default config), *not* through the expression parser, with Qlib's
names and order: KMID KLEN KMID2 KUP KUP2 KLOW KLOW2 KSFT KSFT2, OPEN0 HIGH0 LOW0 VWAP0, then
ROC MA STD BETA RSQR RESI MAX MIN QTLU QTLD RANK RSV IMAX IMIN IMXD CORR CORD CNTP CNTN CNTD SUMP
SUMN SUMD VMA VSTD WVMA VSUMP VSUMN VSUMD, each for the windows 5, 10, 20, 30, 60 (158 in all).

Semantics are docs/factors.md's (Sluice's deliberate differences from Qlib included): windows
per ticker in date order with min_periods=1 and NaN skipped, exact two-pass moments (a flat
window's Std is exactly 0, so WVMA/VSTD there are 0, not Qlib's 1e10 residue), comparisons 1/0
with NaN -> 0, Corr NaN where either input's own rolling std is <= 2e-5. `$vwap` is absent from
the CSVs, so VWAP0 uses the typical price (high+low+close)/3. The window arithmetic comes from
factor_oracle.py's helpers (`rolling`, `rolling_pair`, `ref`), which factor_oracle_selftest.py
checks against per-window loops in exact rational arithmetic; the selftest also checks this file
against the expression evaluator on Qlib's expression strings.

CLI
    python interop/alpha158_oracle.py --input DIR --output OUT.parquet [--tickers N]
        [--start YYYY-MM-DD --end YYYY-MM-DD]

Output: Parquet with `ticker` (string), `date` (date32), then the 158 float64 features, sorted by
ticker then date (input handling as factor_oracle.py: duplicates keep the last row, with a
warning).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from factor_oracle import (Panel, add_data_args, load_market, ref, rolling, rolling_pair,  # noqa: E402
                           rolling_regression, write_output)

WINDOWS = (5, 10, 20, 30, 60)
ROLLING_NAMES = ("ROC MA STD BETA RSQR RESI MAX MIN QTLU QTLD RANK RSV IMAX IMIN IMXD CORR CORD "
                 "CNTP CNTN CNTD SUMP SUMN SUMD VMA VSTD WVMA VSUMP VSUMN VSUMD").split()
KBAR_NAMES = ["KMID", "KLEN", "KMID2", "KUP", "KUP2", "KLOW", "KLOW2", "KSFT", "KSFT2"]
PRICE_NAMES = ["OPEN0", "HIGH0", "LOW0", "VWAP0"]
NAMES = KBAR_NAMES + PRICE_NAMES + [f"{n}{d}" for n in ROLLING_NAMES for d in WINDOWS]


def _flag(cond: np.ndarray) -> np.ndarray:
    """A comparison as 1.0 / 0.0 (a NaN operand compares false)."""
    return cond.astype(np.float64)


def alpha158(panel: Panel) -> dict[str, np.ndarray]:
    """The 158 features as (tickers x positions) matrices, in Qlib's order."""
    o, h, l, c, v = (panel.column(k) for k in ("open", "high", "low", "close", "volume"))
    vwap = panel.column("vwap")
    f: dict[str, np.ndarray] = {}
    with np.errstate(all="ignore"):
        rng = h - l + 1e-12
        body_top = np.maximum(o, c)
        body_bottom = np.minimum(o, c)
        f["KMID"] = (c - o) / o
        f["KLEN"] = (h - l) / o
        f["KMID2"] = (c - o) / rng
        f["KUP"] = (h - body_top) / o
        f["KUP2"] = (h - body_top) / rng
        f["KLOW"] = (body_bottom - l) / o
        f["KLOW2"] = (body_bottom - l) / rng
        f["KSFT"] = (2 * c - h - l) / o
        f["KSFT2"] = (2 * c - h - l) / rng
        f["OPEN0"] = o / c
        f["HIGH0"] = h / c
        f["LOW0"] = l / c
        f["VWAP0"] = vwap / c

        c1 = ref(c, 1)
        v1 = ref(v, 1)
        up = _flag(c > c1)
        down = _flag(c < c1)
        gain = np.maximum(c - c1, 0)
        loss = np.maximum(c1 - c, 0)
        move = np.abs(c - c1)
        vgain = np.maximum(v - v1, 0)
        vloss = np.maximum(v1 - v, 0)
        vmove = np.abs(v - v1)
        logv = np.log(v + 1)
        cret = c / c1
        vchg = np.log(v / v1 + 1)
        wv = np.abs(c / c1 - 1) * v
        vol = v + 1e-12

        per = {}
        for d in WINDOWS:
            mx_h = rolling("Max", h, d)
            mn_l = rolling("Min", l, d)
            imax = rolling("IdxMax", h, d)
            imin = rolling("IdxMin", l, d)
            cntp = rolling("Mean", up, d)
            cntn = rolling("Mean", down, d)
            sump = rolling("Sum", gain, d)
            sumn = rolling("Sum", loss, d)
            summ = rolling("Sum", move, d) + 1e-12
            vsump = rolling("Sum", vgain, d)
            vsumn = rolling("Sum", vloss, d)
            vsumm = rolling("Sum", vmove, d) + 1e-12
            reg = rolling_regression(c, d)
            per[d] = {
                "ROC": ref(c, d) / c,
                "MA": rolling("Mean", c, d) / c,
                "STD": rolling("Std", c, d) / c,
                "BETA": reg["Slope"] / c,
                "RSQR": reg["Rsquare"],
                "RESI": reg["Resi"] / c,
                "MAX": mx_h / c,
                "MIN": mn_l / c,
                "QTLU": rolling("Quantile", c, d, q=0.8) / c,
                "QTLD": rolling("Quantile", c, d, q=0.2) / c,
                "RANK": rolling("Rank", c, d),
                "RSV": (c - mn_l) / (mx_h - mn_l + 1e-12),
                "IMAX": imax / d,
                "IMIN": imin / d,
                "IMXD": (imax - imin) / d,
                "CORR": rolling_pair("Corr", c, logv, d),
                "CORD": rolling_pair("Corr", cret, vchg, d),
                "CNTP": cntp,
                "CNTN": cntn,
                "CNTD": cntp - cntn,
                "SUMP": sump / summ,
                "SUMN": sumn / summ,
                "SUMD": (sump - sumn) / summ,
                "VMA": rolling("Mean", v, d) / vol,
                "VSTD": rolling("Std", v, d) / vol,
                "WVMA": rolling("Std", wv, d) / (rolling("Mean", wv, d) + 1e-12),
                "VSUMP": vsump / vsumm,
                "VSUMN": vsumn / vsumm,
                "VSUMD": (vsump - vsumn) / vsumm,
            }
        for name in ROLLING_NAMES:
            for d in WINDOWS:
                f[f"{name}{d}"] = per[d][name]
    assert list(f) == NAMES, "feature order"
    return f


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_args(ap)
    a = ap.parse_args(argv)
    t0 = time.time()
    panel = Panel(load_market(a.input, a.tickers, a.start, a.end))
    t1 = time.time()
    feats = alpha158(panel)
    t2 = time.time()
    write_output(panel, {k: panel.to_long(m) for k, m in feats.items()}, a.output)
    print(f"{len(panel.df)} rows, {panel.T} tickers, {len(feats)} features: load {t1 - t0:.1f}s, "
          f"compute {t2 - t1:.1f}s, write {time.time() - t2:.1f}s -> {a.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
