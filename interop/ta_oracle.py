"""Technical-indicator oracle (the `ta` features) computed with TA-Lib's own C library.

Per ticker, over its rows in date order (input handling as factor_oracle.py: per-ticker CSVs,
duplicates keep the last row with a warning, `--start/--end` filter the rows first, then `--tickers N`
keeps the first N tickers in sorted order):

| column | definition |
|---|---|
| rsi_14_wilder | `talib.RSI(close, 14)`: Wilder's RSI, seeded with the simple mean of the first 14 changes (NaN for the first 14 rows) |
| rsi_14 | the seed's variant: `delta = close.diff(); gain = delta.clip(lower=0); loss = -delta.clip(upper=0)`; `100 - 100 / (1 + g / l)` with g, l the `ewm(com=13, adjust=False).mean()` of gain and loss (pandas) |
| macd, macd_signal, macd_hist | `talib.MACD(close, 12, 26, 9)` |
| bb_upper, bb_middle, bb_lower | `talib.BBANDS(close, 20, 2, 2, MA_Type.SMA)`: SMA(20) +- 2 population standard deviations |
| atr_14 | `talib.ATR(high, low, close, 14)` (Wilder smoothing of the true range) |
| obv | `talib.OBV(close, volume)` (starts at the first row's volume) |
| ret_1, ret_5, ret_20 | `close / close.shift(k) - 1` (no filling) |
| vol_20 | sample std (ddof=1) of ret_1 over the last 20 rows, NaN until 20 returns exist (pandas `rolling(20).std()`, computed two-pass in extended precision so a flat stretch gives exactly 0) |
| volume_ratio_20 | `volume / mean(volume over the last 20 rows)`, NaN until 20 rows exist (pandas `rolling(20).mean()`, extended precision) |

NOTES.md: the seed's rsi_14 and TA-Lib's Wilder RSI differ only in the seed value (up to 35 RSI
points at bar 14, < 0.55 after 100 bars, < 2e-6 after 250).

CLI
    python interop/ta_oracle.py --input DIR --output OUT.parquet [--tickers N]
        [--start YYYY-MM-DD --end YYYY-MM-DD]

Output: Parquet with `ticker` (string), `date` (date32), then the columns above as float64,
sorted by ticker then date.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd
import talib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from factor_oracle import Panel, add_data_args, load_market, rolling, write_output  # noqa: E402

COLUMNS = ["rsi_14_wilder", "rsi_14", "macd", "macd_signal", "macd_hist", "bb_upper", "bb_middle",
           "bb_lower", "atr_14", "obv", "ret_1", "ret_5", "ret_20", "vol_20", "volume_ratio_20"]


def seed_rsi(close: np.ndarray, period: int = 14) -> np.ndarray:
    """The seed document's RSI: ewm(com=period-1, adjust=False) of gains and losses."""
    delta = pd.Series(close).diff()
    gain = delta.clip(lower=0)
    loss = -delta.clip(upper=0)
    g = gain.ewm(com=period - 1, adjust=False).mean()
    lo = loss.ewm(com=period - 1, adjust=False).mean()
    with np.errstate(all="ignore"):
        return (100 - 100 / (1 + g / lo)).to_numpy(np.float64)


def full_window(X: np.ndarray, N: int) -> np.ndarray:
    """True where the window of N rows ending here has N non-NaN values (min_periods=N)."""
    return rolling("Count", X, N) >= N


def ta_features(panel: Panel) -> dict[str, np.ndarray]:
    """The columns above in output row order."""
    df = panel.df
    out = {k: np.full(len(df), np.nan) for k in COLUMNS}
    starts = np.concatenate([[0], np.cumsum(panel.lengths)])
    o = {k: df[k].to_numpy(np.float64) for k in ("high", "low", "close", "volume")}
    with np.errstate(all="ignore"):
        for t in range(panel.T):
            s = slice(starts[t], starts[t + 1])
            hi, lo, cl, vo = (np.ascontiguousarray(o[k][s]) for k in ("high", "low", "close", "volume"))
            out["rsi_14_wilder"][s] = talib.RSI(cl, timeperiod=14)
            out["rsi_14"][s] = seed_rsi(cl, 14)
            m, sig, hist = talib.MACD(cl, fastperiod=12, slowperiod=26, signalperiod=9)
            out["macd"][s], out["macd_signal"][s], out["macd_hist"][s] = m, sig, hist
            up, mid, dn = talib.BBANDS(cl, timeperiod=20, nbdevup=2, nbdevdn=2,
                                       matype=talib.MA_Type.SMA)
            out["bb_upper"][s], out["bb_middle"][s], out["bb_lower"][s] = up, mid, dn
            out["atr_14"][s] = talib.ATR(hi, lo, cl, timeperiod=14)
            out["obv"][s] = talib.OBV(cl, vo)
            for k in (1, 5, 20):
                r = np.full(len(cl), np.nan)
                if len(cl) > k:
                    r[k:] = cl[k:] / cl[:-k] - 1
                out[f"ret_{k}"][s] = r
        # rolling statistics on the (ticker x position) matrix, full windows only
        ret1 = panel.to_matrix(out["ret_1"])
        vol = panel.column("volume")
        std = rolling("Std", ret1, 20)
        std[~full_window(ret1, 20)] = np.nan
        out["vol_20"] = panel.to_long(std)
        mean = rolling("Mean", vol, 20)
        mean[~full_window(vol, 20)] = np.nan
        out["volume_ratio_20"] = panel.to_long(vol / mean)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_args(ap)
    a = ap.parse_args(argv)
    t0 = time.time()
    panel = Panel(load_market(a.input, a.tickers, a.start, a.end))
    feats = ta_features(panel)
    write_output(panel, feats, a.output)
    print(f"{len(panel.df)} rows, {panel.T} tickers, {len(feats)} columns in "
          f"{time.time() - t0:.1f}s -> {a.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
