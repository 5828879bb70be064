"""Independent Python oracle for Sluice's factor expression language (docs/factors.md).

The Swift `Factors` module is tested against this script. It is written from docs/factors.md
alone: its own tokenizer and recursive-descent parser (Qlib syntax: `$field`, numbers, strings,
`+ - * /`, comparisons, `& |`, unary minus, operator calls) and its own numpy evaluator.

Evaluation model
- The input is a long panel (one row per ticker and date). It is laid out as a (tickers x
  positions) matrix: row t holds ticker t's series in date order, left-aligned, NaN after its
  last row. Time-series operators work along a row, so a ticker never sees another's values.
- Rolling windows (and EMA) skip +-inf as they skip NaN, as pandas does.
- Rolling windows are numpy `sliding_window_view`s of the row padded in front with N-1 NaN, so a
  short window at the start of a series is a full-length window whose first slots are NaN; every
  aggregate skips NaN (min_periods=1). N=0 (expanding) is a window as long as the longest series.
- Moments are computed two-pass (mean first, then deviations) in numpy's extended precision
  (`np.longdouble`, 64-bit mantissa on x86-64), then rounded once to float64. Sums of up to 2048
  doubles of one value are exact there, so a flat window's mean is that value exactly and its
  standard deviation is exactly 0 (its Rsquare, Skew and Kurt NaN), as the contract requires.
- Cross-sectional operators scatter the values into a (tickers x dates) matrix and reduce down
  each date's column.
- EMA replays pandas' own `ewm(adjust=True, ignore_na=False).mean()` recursion (vectorised over
  tickers), so it agrees with pandas bit for bit.

CLI
    python interop/factor_oracle.py eval --input DIR --exprs FILE.json --output OUT.parquet \
        [--tickers N] [--start YYYY-MM-DD] [--end YYYY-MM-DD]

FILE.json is a list of {"name": ..., "expr": ...}. DIR holds per-ticker CSVs (columns
Date,High,Low,Open,Close,Volume,Adj Close,Name, matched case-insensitively; other columns become
`$lower_snake_case`; `$vwap`, when absent, is (high+low+close)/3). `--start/--end` keep the rows in
that date range (inclusive) *before* evaluating; `--tickers N` then keeps the first N tickers in
sorted order. Duplicate (ticker, date) rows keep the last occurrence, with a warning on stderr.
`Mask(x, "T")` of a ticker T absent from the input is NaN everywhere.
Output: Parquet with `ticker` (string), `date` (date32), then one float64 column per expression,
sorted by ticker then date.

Library use: `load_market(...)` -> DataFrame, `Panel(df)`, `Evaluator(panel).evaluate(expr)` ->
(tickers x positions) float64 matrix, `panel.to_long(matrix)` -> values in output row order. The
rolling helpers (`rolling`, `ref`, `ema`, ...) are shared with alpha158_oracle.py.
"""
from __future__ import annotations

import argparse
import glob
import json
import math
import os
import re
import sys
import time

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

LD = np.longdouble
# Elements of one block of windows (tickers x positions x window length); bounds the memory of
# the extended-precision temporaries (16 bytes each).
BLOCK_ELEMS = 1 << 21

# --------------------------------------------------------------------------------------------
# Data loading
# --------------------------------------------------------------------------------------------


def _column_key(name: str) -> str:
    key = re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")
    return {"name": "ticker"}.get(key, key)


def _parse_floats(texts: np.ndarray) -> np.ndarray:
    """CSV fields -> float64 through Python's correctly rounded float(); empty or unparsable
    fields are NaN."""
    try:
        return np.where(texts == "", "nan", texts).astype(object).astype(np.float64)
    except ValueError:
        out = np.full(len(texts), np.nan)
        for i, t in enumerate(texts):
            try:
                out[i] = float(t)
            except ValueError:
                pass
        return out


def load_market(input_dir: str, tickers: int | None = None, start: str | None = None,
                end: str | None = None, quiet: bool = False) -> pd.DataFrame:
    """Reads every *.csv in input_dir into one long frame: ticker, date (datetime64[D]) and the
    numeric columns (lower snake case). Keeps the rows in [start, end], then the first `tickers`
    tickers (in sorted order) that have rows there; drops duplicate (ticker, date) rows keeping the last occurrence (file
    order, files in name order) and warns on stderr; sorts by ticker then date; adds vwap as the
    typical price when absent."""
    files = sorted(glob.glob(os.path.join(input_dir, "*.csv")))
    if not files:
        raise SystemExit(f"no *.csv files in {input_dir}")
    frames = []
    for f in files:
        frame = pd.read_csv(f, dtype=str, keep_default_na=False)
        frame.columns = [_column_key(c) for c in frame.columns]
        frames.append(frame)
    df = pd.concat(frames, ignore_index=True)
    for needed in ("ticker", "date"):
        if needed not in df.columns:
            raise SystemExit(f"input has no {needed!r} column (columns: {list(df.columns)})")
    df["ticker"] = df["ticker"].astype(str)
    df["date"] = pd.to_datetime(df["date"]).to_numpy().astype("datetime64[D]")
    for c in df.columns:
        if c not in ("ticker", "date"):
            df[c] = _parse_floats(df[c].to_numpy(dtype=object))
    if start is not None:
        df = df[df["date"] >= np.datetime64(start, "D")]
    if end is not None:
        df = df[df["date"] <= np.datetime64(end, "D")]
    if tickers is not None:
        keep = sorted(df["ticker"].unique())[:tickers]
        df = df[df["ticker"].isin(keep)]
    dup_any = df.duplicated(["ticker", "date"], keep=False)
    if dup_any.any():
        dropped = df.duplicated(["ticker", "date"], keep="last")
        groups = df[dup_any].groupby(["ticker", "date"]).size()
        if not quiet:
            names = ", ".join(f"{t} {str(d)[:10]} (x{n})" for (t, d), n in groups.items())
            print(f"warning: {int(dropped.sum())} duplicate (ticker, date) row(s) dropped, "
                  f"keeping the last occurrence: {names}", file=sys.stderr)
        df = df[~dropped]
    df = df.sort_values(["ticker", "date"], kind="stable").reset_index(drop=True)
    if "vwap" not in df.columns and {"high", "low", "close"} <= set(df.columns):
        df["vwap"] = (df["high"] + df["low"] + df["close"]) / 3
    return df


class Panel:
    """A long frame sorted by (ticker, date) laid out as a (T tickers x D positions) matrix."""

    def __init__(self, df: pd.DataFrame):
        self.df = df
        tick = df["ticker"].to_numpy()
        self.tickers, t_idx, counts = np.unique(tick, return_inverse=True, return_counts=True)
        self.tickers = [str(t) for t in self.tickers]
        self.T = len(self.tickers)
        self.lengths = counts
        self.D = int(counts.max()) if len(counts) else 0
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.row_t = t_idx
        self.row_pos = np.arange(len(df)) - starts[t_idx]
        self.valid = np.zeros((self.T, self.D), dtype=bool)
        self.valid[self.row_t, self.row_pos] = True
        dates = df["date"].to_numpy().astype("datetime64[D]")
        self.dates, date_id = np.unique(dates, return_inverse=True)
        self.date_id = np.full((self.T, self.D), -1, dtype=np.int64)
        self.date_id[self.row_t, self.row_pos] = date_id
        self.row_date_id = date_id
        self.columns = [c for c in df.columns if c not in ("ticker", "date")]
        self._cache: dict[str, np.ndarray] = {}
        self.ticker_index = {t: i for i, t in enumerate(self.tickers)}

    def column(self, name: str) -> np.ndarray:
        if name not in self._cache:
            if name not in self.columns:
                raise KeyError(name)
            self._cache[name] = self.to_matrix(self.df[name].to_numpy(dtype=np.float64))
        return self._cache[name]

    def to_matrix(self, values: np.ndarray) -> np.ndarray:
        out = np.full((self.T, self.D), np.nan)
        out[self.row_t, self.row_pos] = values
        return out

    def to_long(self, matrix: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(matrix[self.row_t, self.row_pos], dtype=np.float64)

    def by_date(self, X: np.ndarray) -> np.ndarray:
        """(T x D positions) -> (T x dates) matrix, NaN where a ticker has no row."""
        out = np.full((self.T, len(self.dates)), np.nan)
        out[self.row_t, self.row_date_id] = X[self.row_t, self.row_pos]
        return out

    def from_date(self, Y: np.ndarray) -> np.ndarray:
        out = np.full((self.T, self.D), np.nan)
        out[self.row_t, self.row_pos] = Y[self.row_t, self.row_date_id]
        return out

    def clean(self, X) -> np.ndarray:
        """Broadcasts a scalar and puts NaN after each series' end."""
        X = np.array(np.broadcast_to(np.asarray(X, dtype=np.float64), (self.T, self.D)))
        X[~self.valid] = np.nan
        return X


# --------------------------------------------------------------------------------------------
# Rolling windows
# --------------------------------------------------------------------------------------------


def _windows(X: np.ndarray, N: int):
    """Yields (row slice, windows (t x D x N), offsets (D,)) over blocks of tickers. offsets[i]
    is how many leading slots of row i's window lie before the series start."""
    T, D = X.shape
    # Windows skip +-inf as they skip NaN (pandas' rolling functions turn inf into NaN first).
    X = np.where(np.isinf(X), np.nan, X)
    P = np.concatenate([np.full((T, N - 1), np.nan), X], axis=1) if N > 1 else X
    off = np.maximum(0, N - 1 - np.arange(D))
    rows = max(1, BLOCK_ELEMS // max(1, D * N))
    for a in range(0, T, rows):
        sl = slice(a, min(T, a + rows))
        yield sl, sliding_window_view(P[sl], N, axis=1), off


def window_length(N: int, D: int) -> int:
    """The window length actually needed: N=0 (expanding) or N>D cover every row so far."""
    return D if N == 0 or N > D else N


def _masked_ld(W, m, fill=0):
    Z = W.astype(LD)
    Z[~m] = fill
    return Z


def _nan_where(res, cond):
    res = np.asarray(res, dtype=np.float64)
    res[cond] = np.nan
    return res


def _moments(W):
    """Count, mean (LD) and the masked deviations (LD, 0 where NaN) of each window."""
    m = ~np.isnan(W)
    n = m.sum(-1)
    Z = _masked_ld(W, m)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = Z.sum(-1) / n
        d = Z - mean[..., None]
    d[~m] = 0
    return m, n, mean, d


def _blk_sum(W, off, **_):
    m = ~np.isnan(W)
    n = m.sum(-1)
    return _nan_where(_masked_ld(W, m).sum(-1), n == 0)


def _blk_mean(W, off, **_):
    m = ~np.isnan(W)
    n = m.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _nan_where(_masked_ld(W, m).sum(-1) / n, n == 0)


def _blk_count(W, off, **_):
    n = (~np.isnan(W)).sum(-1).astype(np.float64)
    n[n == 0] = np.nan
    return n


def _blk_var(W, off, **_):
    m, n, mean, d = _moments(W)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _nan_where((d * d).sum(-1) / (n - 1), n < 2)


def _blk_std(W, off, **_):
    m, n, mean, d = _moments(W)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _nan_where(np.sqrt((d * d).sum(-1) / (n - 1)), n < 2)


def _blk_skew(W, off, **_):
    m, n, mean, d = _moments(W)
    with np.errstate(invalid="ignore", divide="ignore"):
        d2 = d * d
        m2 = d2.sum(-1) / n
        m3 = (d2 * d).sum(-1) / n
        nl = n.astype(LD)
        res = np.sqrt(nl * (nl - 1)) / (nl - 2) * m3 / (m2 * np.sqrt(m2))
    return _nan_where(res, (n < 3) | (m2 == 0))


def _blk_kurt(W, off, **_):
    m, n, mean, d = _moments(W)
    with np.errstate(invalid="ignore", divide="ignore"):
        d2 = d * d
        m2 = d2.sum(-1) / n
        m4 = (d2 * d2).sum(-1) / n
        nl = n.astype(LD)
        res = ((nl * nl - 1) * m4 / (m2 * m2) - 3 * (nl - 1) ** 2) / ((nl - 2) * (nl - 3))
    return _nan_where(res, (n < 4) | (m2 == 0))


def _blk_mad(W, off, **_):
    m, n, mean, d = _moments(W)
    with np.errstate(invalid="ignore", divide="ignore"):
        res = np.abs(d).sum(-1) / n
    # an infinite value makes the mean infinite and every deviation undefined
    res[~np.isfinite(mean)] = np.nan
    return _nan_where(res, n == 0)


def _blk_max(W, off, **_):
    return np.fmax.reduce(W, axis=-1)


def _blk_min(W, off, **_):
    return np.fmin.reduce(W, axis=-1)


def _sorted_pick(W, q):
    """The q-quantile (linear interpolation at q*(n-1)) of each window's non-NaN values."""
    S = np.sort(W, axis=-1)  # NaN sort last
    n = (~np.isnan(W)).sum(-1)
    pos = q * (np.maximum(n, 1) - 1)
    lo = np.floor(pos).astype(np.int64)
    frac = pos - lo
    hi = np.minimum(lo + 1, np.maximum(n, 1) - 1)
    a = np.take_along_axis(S, lo[..., None], -1)[..., 0].astype(LD)
    b = np.take_along_axis(S, hi[..., None], -1)[..., 0].astype(LD)
    with np.errstate(invalid="ignore"):
        # pandas' vlow + (vhigh - vlow) * frac; equal neighbours (also two equal infinities) give vlow
        res = np.where((frac == 0) | (a == b), a, a + (b - a) * frac)
    return _nan_where(res, n == 0)


def _blk_quantile(W, off, q, **_):
    return _sorted_pick(W, q)


def _blk_med(W, off, **_):
    S = np.sort(W, axis=-1)
    n = (~np.isnan(W)).sum(-1)
    nn = np.maximum(n, 1)
    a = np.take_along_axis(S, ((nn - 1) // 2)[..., None], -1)[..., 0].astype(LD)
    b = np.take_along_axis(S, (nn // 2)[..., None], -1)[..., 0].astype(LD)
    with np.errstate(invalid="ignore"):
        return _nan_where((a + b) / 2, n == 0)


def _avg_rank(W):
    cur = W[..., -1]
    less = (W < cur[..., None]).sum(-1)
    eq = (W == cur[..., None]).sum(-1)
    return cur, less + (eq + 1) / 2.0


def _blk_rank(W, off, **_):
    cur, r = _avg_rank(W)
    n = (~np.isnan(W)).sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _nan_where(r / n, np.isnan(cur))


def _blk_tsrank(W, off, **_):
    cur, r = _avg_rank(W)
    return _nan_where(r, np.isnan(cur))


def _blk_idx(W, off, reducer, **_):
    ext = reducer.reduce(W, axis=-1)
    first = np.argmax(W == ext[..., None], axis=-1)
    res = (first - off[None, :] + 1).astype(np.float64)
    return _nan_where(res, np.isnan(ext))


def _blk_idxmax(W, off, **_):
    return _blk_idx(W, off, np.fmax)


def _blk_idxmin(W, off, **_):
    return _blk_idx(W, off, np.fmin)


def _blk_wma(W, off, **_):
    m = ~np.isnan(W)
    N = W.shape[-1]
    w = (np.arange(N)[None, :] - off[:, None] + 1).astype(LD)  # (D, N): 1..n from the oldest row
    Z = _masked_ld(W, m)
    wm = np.where(m, w[None], LD(0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return _nan_where((Z * w[None]).sum(-1) / wm.sum(-1), m.sum(-1) == 0)


def _blk_product(W, off, **_):
    m = ~np.isnan(W)
    return _nan_where(_masked_ld(W, m, fill=1).prod(-1), m.sum(-1) == 0)


def _regression(W):
    """Centred sums of the regression of each window's non-NaN values on their positions."""
    m, n, ybar, dy = _moments(W)
    N = W.shape[-1]
    k = np.arange(N, dtype=LD)
    km = np.where(m, k, LD(0))
    with np.errstate(invalid="ignore", divide="ignore"):
        tbar = km.sum(-1) / n
        dt = np.where(m, k - tbar[..., None], LD(0))
        stt = (dt * dt).sum(-1)
        sty = (dt * dy).sum(-1)
        syy = (dy * dy).sum(-1)
    return n, ybar, tbar, stt, sty, syy


def _regression_results(W):
    """(slope, rsquare, resi) of each window from one pass over it."""
    n, ybar, tbar, stt, sty, syy = _regression(W)
    cur = W[..., -1]
    N = W.shape[-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = sty / stt
        rsq = sty * sty / (stt * syy)
        resi = (cur.astype(LD) - ybar) - slope * (LD(N - 1) - tbar)
    few = n < 2
    return (_nan_where(slope, few), _nan_where(rsq, few | (syy == 0)),
            _nan_where(resi, few | np.isnan(cur)))


def _blk_slope(W, off, **_):
    return _regression_results(W)[0]


def _blk_rsquare(W, off, **_):
    return _regression_results(W)[1]


def _blk_resi(W, off, **_):
    return _regression_results(W)[2]


REGRESSION = ("Slope", "Rsquare", "Resi")


def rolling_regression(X: np.ndarray, N: int) -> dict[str, np.ndarray]:
    """Slope, Rsquare and Resi of window N in one pass: {"Slope": ..., "Rsquare": ..., "Resi": ...}."""
    T, D = X.shape
    out = {k: np.full((T, D), np.nan) for k in REGRESSION}
    if T == 0 or D == 0:
        return out
    for sl, W, off in _windows(X, window_length(N, D)):
        for k, r in zip(REGRESSION, _regression_results(W)):
            out[k][sl] = r
    return out


ROLLING_BLOCKS = {
    "Sum": _blk_sum, "Mean": _blk_mean, "Count": _blk_count, "Std": _blk_std, "Var": _blk_var,
    "Skew": _blk_skew, "Kurt": _blk_kurt, "Max": _blk_max, "Min": _blk_min, "Med": _blk_med,
    "Mad": _blk_mad, "Quantile": _blk_quantile, "Rank": _blk_rank, "IdxMax": _blk_idxmax,
    "IdxMin": _blk_idxmin, "Slope": _blk_slope, "Rsquare": _blk_rsquare, "Resi": _blk_resi,
    "WMA": _blk_wma, "TsRank": _blk_tsrank, "TsArgMax": _blk_idxmax, "TsArgMin": _blk_idxmin,
    "DecayLinear": _blk_wma, "Product": _blk_product,
}


def rolling(op: str, X: np.ndarray, N: int, **kw) -> np.ndarray:
    """Rolling `op` (a key of ROLLING_BLOCKS) of window N (0 = expanding) along each row."""
    T, D = X.shape
    out = np.full((T, D), np.nan)
    if T == 0 or D == 0:
        return out
    fn = ROLLING_BLOCKS[op]
    for sl, W, off in _windows(X, window_length(N, D)):
        out[sl] = fn(W, off, **kw)
    return out


def _pair_sums(Wx, Wy):
    m = ~np.isnan(Wx) & ~np.isnan(Wy)
    n = m.sum(-1)
    X = _masked_ld(Wx, m)
    Y = _masked_ld(Wy, m)
    with np.errstate(invalid="ignore", divide="ignore"):
        dx = X - (X.sum(-1) / n)[..., None]
        dy = Y - (Y.sum(-1) / n)[..., None]
    dx[~m] = 0
    dy[~m] = 0
    return n, (dx * dx).sum(-1), (dx * dy).sum(-1), (dy * dy).sum(-1)


def rolling_pair(op: str, X: np.ndarray, Y: np.ndarray, N: int) -> np.ndarray:
    """Corr / Cov of window N over the rows where both X and Y are non-NaN. Corr is NaN where
    either input's own rolling std (over its own non-NaN values) is <= 2e-5 (Qlib's
    np.isclose(std, 0, atol=2e-5)) or undefined."""
    T, D = X.shape
    out = np.full((T, D), np.nan)
    if T == 0 or D == 0:
        return out
    Nw = window_length(N, D)
    for (sl, Wx, off), (_, Wy, _) in zip(_windows(X, Nw), _windows(Y, Nw)):
        n, sxx, sxy, syy = _pair_sums(Wx, Wy)
        with np.errstate(invalid="ignore", divide="ignore"):
            if op == "Cov":
                out[sl] = _nan_where(sxy / (n - 1), n < 2)
            else:
                res = _nan_where(sxy / np.sqrt(sxx * syy), n < 2)
                sx = _blk_std(Wx, off)
                sy = _blk_std(Wy, off)
                bad = ~(np.abs(sx) > 2e-5) | ~(np.abs(sy) > 2e-5)
                res[bad] = np.nan
                out[sl] = res
    return out


def ref(X: np.ndarray, N: int) -> np.ndarray:
    """X N rows back along each row (N < 0 looks ahead); NaN where that row does not exist (the
    caller's padding after a series' end is NaN, so looking past the end gives NaN)."""
    out = np.full_like(X, np.nan)
    D = X.shape[1]
    if N == 0:
        out[:] = X
    elif 0 < N < D:
        out[:, N:] = X[:, :-N]
    elif -D < N < 0:
        out[:, :N] = X[:, -N:]
    return out


def ema(X: np.ndarray, N: float) -> np.ndarray:
    """pandas ewm(span=N, adjust=True, min_periods=1, ignore_na=False).mean() along each row
    (ewm(alpha=N) for 0 < N < 1), replaying pandas' own recursion (`old_wt *= 1 - alpha;
    weighted = (old_wt * weighted + cur) / (old_wt + 1) unless weighted == cur; old_wt += 1`)
    vectorised over rows, so it matches pandas bit for bit. +-inf are skipped like NaN, as pandas
    (and docs/factors.md) do."""
    X = np.where(np.isinf(X), np.nan, X)
    com = (N - 1) / 2.0 if N >= 1 else 1.0 / N - 1.0
    alpha = 1.0 / (1.0 + com)
    factor = 1.0 - alpha
    T, D = X.shape
    out = np.full((T, D), np.nan)
    if D == 0:
        return out
    weighted = X[:, 0].copy()
    old_wt = np.ones(T)
    out[:, 0] = weighted
    # pandas tests `weighted == weighted` for "started"; that is the same as "an observation has
    # been seen" on pandas' domain (it turns +-inf into NaN first). Sluice keeps +-inf as values,
    # so a mean that became NaN (inf - inf) must stay NaN, not restart: track it separately.
    started = ~np.isnan(weighted)
    for i in range(1, D):
        cur = X[:, i]
        obs = ~np.isnan(cur)
        old_wt = np.where(started, old_wt * factor, old_wt)
        upd = started & obs & (weighted != cur)
        with np.errstate(invalid="ignore", over="ignore"):
            newv = (old_wt * weighted + cur) / (old_wt + 1.0)
        weighted = np.where(upd, newv, weighted)
        old_wt = np.where(started & obs, old_wt + 1.0, old_wt)
        first = ~started & obs
        weighted = np.where(first, cur, weighted)
        started = started | obs
        out[:, i] = weighted
    return out


# --------------------------------------------------------------------------------------------
# Cross-sectional operators
# --------------------------------------------------------------------------------------------


def _col_stats(Y):
    m = ~np.isnan(Y)
    n = m.sum(0)
    Z = _masked_ld(Y, m)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = Z.sum(0) / n
    return m, n, Z, mean


def cs_op(panel: Panel, op: str, X: np.ndarray, G: np.ndarray | None = None) -> np.ndarray:
    Y = panel.by_date(X)
    with np.errstate(invalid="ignore", divide="ignore"):
        if op == "CSRank":
            R = np.array(pd.DataFrame(Y).rank(axis=0, method="average", pct=True), dtype=np.float64)
        elif op == "CSDemean":
            m, n, Z, mean = _col_stats(Y)
            R = np.asarray(Y.astype(LD) - mean[None, :], dtype=np.float64)
        elif op == "CSZScore":
            m, n, Z, mean = _col_stats(Y)
            d = Z - mean[None, :]
            d[~m] = 0
            std = np.sqrt((d * d).sum(0) / (n - 1))
            R = np.asarray((Y.astype(LD) - mean[None, :]) / std[None, :], dtype=np.float64)
            R[:, (n < 2) | (std == 0)] = np.nan
        elif op == "CSScale":
            m, n, Z, mean = _col_stats(Y)
            s = np.abs(Z).sum(0)
            R = np.asarray(Y.astype(LD) / s[None, :], dtype=np.float64)
            R[:, s == 0] = np.nan
        elif op == "CSNeutralize":
            R = _cs_neutralize(Y, panel.by_date(G))
        else:
            raise ValueError(op)
    R[np.isnan(Y)] = np.nan
    return panel.from_date(R)


def _cs_neutralize(Y, G):
    """Y minus the mean of Y over the tickers with the same G on the same date (NaN G or Y: NaN)."""
    T, nd = Y.shape
    ok = ~np.isnan(Y) & ~np.isnan(G)
    ti, di = np.nonzero(ok)
    y = Y[ti, di]
    g = G[ti, di]
    order = np.lexsort((g, di))
    y, g, dis, ti, di = y[order], g[order], di[order], ti[order], di[order]
    out = np.full((T, nd), np.nan)
    if len(y) == 0:
        return out
    newgrp = np.ones(len(y), dtype=bool)
    newgrp[1:] = (dis[1:] != dis[:-1]) | (g[1:] != g[:-1])
    starts = np.nonzero(newgrp)[0]
    sums = np.add.reduceat(y.astype(LD), starts)
    counts = np.diff(np.append(starts, len(y)))
    means = sums / counts
    gid = np.cumsum(newgrp) - 1
    out[ti, di] = np.asarray(y.astype(LD) - means[gid], dtype=np.float64)
    return out


# --------------------------------------------------------------------------------------------
# Tokenizer and parser
# --------------------------------------------------------------------------------------------


class ParseError(ValueError):
    pass


_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<field>\$[A-Za-z_][A-Za-z0-9_]*)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<str>"[^"]*"|'[^']*')
  | (?P<op>>=|<=|==|!=|[-+*/()<>,&|])
""", re.VERBOSE)


def tokenize(src: str):
    toks = []
    i = 0
    while i < len(src):
        mt = _TOKEN.match(src, i)
        if not mt:
            raise ParseError(f"column {i + 1}: unexpected character {src[i]!r}")
        kind = mt.lastgroup
        if kind != "ws":
            toks.append((kind, mt.group(), i + 1))
        i = mt.end()
    toks.append(("end", "", len(src) + 1))
    return toks


class Parser:
    """Precedence, loosest first: |, &, comparisons, + -, * /, unary -. Binary operators are
    left-associative. AST: ("num", v) ("str", s) ("field", name) ("neg", a) ("bin", op, a, b)
    ("call", name, (args...))."""

    def __init__(self, src):
        self.toks = tokenize(src)
        self.i = 0

    def peek(self):
        return self.toks[self.i]

    def take(self):
        t = self.toks[self.i]
        self.i += 1
        return t

    def expect(self, value, what):
        t = self.take()
        if t[1] != value or t[0] not in ("op",):
            raise ParseError(f"column {t[2]}: expected {what}, found {t[1] or 'end of input'!r}")
        return t

    def parse(self):
        e = self.binary(0)
        t = self.peek()
        if t[0] != "end":
            raise ParseError(f"column {t[2]}: expected an operator or end of input, found {t[1]!r}")
        return e

    # Python's precedence (Qlib evaluates expressions as Python): comparisons bind loosest, then
    # `|`, then `&`. A chain of comparisons (Python would read a < b < c as a < b and b < c) is refused.
    COMPARISONS = (">", ">=", "<", "<=", "==", "!=")
    LEVELS = [COMPARISONS, ("|",), ("&",), ("+", "-"), ("*", "/")]

    def binary(self, level):
        if level == len(self.LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        compared = False
        while self.peek()[0] == "op" and self.peek()[1] in self.LEVELS[level]:
            t = self.take()
            op = t[1]
            if op in self.COMPARISONS:
                if compared:
                    raise ParseError(f"column {t[2]}: chained comparisons are not supported; add parentheses")
                compared = True
            left = ("bin", op, left, self.binary(level + 1))
        return left

    def unary(self):
        if self.peek()[0] == "op" and self.peek()[1] == "-":
            self.take()
            return ("neg", self.unary())
        return self.primary()

    def primary(self):
        t = self.take()
        kind, text, col = t
        if kind == "num":
            return ("num", float(text))
        if kind == "str":
            return ("str", text[1:-1])
        if kind == "field":
            return ("field", text[1:])
        if kind == "ident":
            if not (self.peek()[0] == "op" and self.peek()[1] == "("):
                raise ParseError(f"column {self.peek()[2]}: expected '(' after {text}")
            self.take()
            args = []
            if not (self.peek()[0] == "op" and self.peek()[1] == ")"):
                while True:
                    args.append(self.binary(0))
                    if self.peek()[0] == "op" and self.peek()[1] == ",":
                        self.take()
                        continue
                    break
            self.expect(")", "',' or ')'")
            return ("call", text, tuple(args))
        if kind == "op" and text == "(":
            e = self.binary(0)
            self.expect(")", "')'")
            return e
        raise ParseError(f"column {col}: expected a value, found {text or 'end of input'!r}")


def parse(src: str):
    return Parser(src).parse()


def unparse(node) -> str:
    kind = node[0]
    if kind == "num":
        return repr(node[1])
    if kind == "str":
        return json.dumps(node[1])
    if kind == "field":
        return "$" + node[1]
    if kind == "neg":
        return f"(-{unparse(node[1])})"
    if kind == "bin":
        return f"({unparse(node[2])} {node[1]} {unparse(node[3])})"
    return f"{node[1]}({', '.join(unparse(a) for a in node[2])})"


# --------------------------------------------------------------------------------------------
# Evaluator
# --------------------------------------------------------------------------------------------

ELEMENTWISE = {"Abs": 1, "Sign": 1, "Log": 1, "Not": 1, "Power": 2, "SignedPower": 2,
               "Greater": 2, "Less": 2, "If": 3}
WINDOWED = set(ROLLING_BLOCKS) | {"EMA"}  # (x, N)
PAIRED = {"Corr", "Cov"}  # (x, y, N)
CROSS = {"CSRank": 1, "CSZScore": 1, "CSDemean": 1, "CSScale": 1, "CSNeutralize": 2}
OPERATORS = sorted(set(ELEMENTWISE) | WINDOWED | PAIRED | set(CROSS) | {"Ref", "Delta", "Mask"})


class EvalError(ValueError):
    pass


def _literal(node):
    if node[0] == "num":
        return node[1]
    if node[0] == "neg" and node[1][0] == "num":
        return -node[1][1]
    return None


class Evaluator:
    """Evaluates parsed expressions over a Panel; results are (T x D) float64 matrices with NaN
    after each series' end. Window, cross-sectional and Mask results are cached by expression."""

    def __init__(self, panel: Panel):
        self.p = panel
        self.cache: dict[str, np.ndarray] = {}

    def evaluate(self, expr) -> np.ndarray:
        node = parse(expr) if isinstance(expr, str) else expr
        with np.errstate(all="ignore"):
            return self.p.clean(self.ev(node))

    def full(self, node):
        return self.p.clean(self.ev(node))

    def _window_arg(self, op, node, allow_negative=False, allow_fraction=False):
        v = _literal(node)
        if v is None:
            raise EvalError(f"{op}: the window must be a number written literally")
        if allow_fraction and 0 < v < 1:
            return v
        if v != math.floor(v):
            raise EvalError(f"{op}: the window must be a whole number, got {v}")
        if v < 0 and not allow_negative:
            raise EvalError(f"{op}: the window must be non-negative, got {v}")
        return int(v)

    def ev(self, node):
        kind = node[0]
        if kind == "num":
            return node[1]
        if kind == "str":
            raise EvalError(f"a string ({node[1]!r}) is only allowed as Mask's ticker argument")
        if kind == "field":
            try:
                return self.p.column(node[1])
            except KeyError:
                raise EvalError(f"unknown column ${node[1]} (columns: {', '.join(self.p.columns)})")
        if kind == "neg":
            return -np.asarray(self.ev(node[1]), dtype=np.float64)
        if kind == "bin":
            a = np.asarray(self.ev(node[2]), dtype=np.float64)
            b = np.asarray(self.ev(node[3]), dtype=np.float64)
            op = node[1]
            if op == "+":
                return a + b
            if op == "-":
                return a - b
            if op == "*":
                return a * b
            if op == "/":
                return a / b
            if op == "&":
                return np.logical_and(a != 0, b != 0).astype(np.float64)
            if op == "|":
                return np.logical_or(a != 0, b != 0).astype(np.float64)
            fn = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal,
                  "==": np.equal, "!=": np.not_equal}[op]
            return fn(a, b).astype(np.float64)
        name, args = node[1], node[2]
        if name in ("Ref", "Delta", "Mask") or name in WINDOWED or name in PAIRED or name in CROSS:
            key = unparse(node)
            if key in self.cache:
                return self.cache[key]
            if name in REGRESSION and len(args) == 2:
                # one pass gives all three; cache the siblings too
                N = self._window_arg(name, args[1])
                for sib, res in rolling_regression(self.full(args[0]), N).items():
                    self.cache[unparse(("call", sib, args))] = self.p.clean(res)
                return self.cache[key]
            res = self.p.clean(self.call(name, args))
            self.cache[key] = res
            return res
        return self.call(name, args)

    def _arity(self, name, args, n):
        if len(args) != n:
            raise EvalError(f"{name} takes {n} argument(s), got {len(args)}")

    def call(self, name, args):
        if name in ELEMENTWISE:
            self._arity(name, args, ELEMENTWISE[name])
            v = [np.asarray(self.ev(a), dtype=np.float64) for a in args]
            if name == "Abs":
                return np.abs(v[0])
            if name == "Sign":
                return np.sign(v[0])
            if name == "Log":
                return np.log(v[0])
            if name == "Not":
                return (v[0] == 0).astype(np.float64)
            if name == "Power":
                return np.power(v[0], v[1])
            if name == "SignedPower":
                return np.sign(v[0]) * np.power(np.abs(v[0]), v[1])
            if name == "Greater":
                return np.maximum(v[0], v[1])
            if name == "Less":
                return np.minimum(v[0], v[1])
            if name == "If":
                return np.where(v[0] != 0, v[1], v[2])
        if name == "Mask":
            self._arity(name, args, 2)
            if args[1][0] != "str":
                raise EvalError("Mask: the second argument must be a ticker string")
            return self.mask(self.full(args[0]), args[1][1])
        if name in ("Ref", "Delta"):
            self._arity(name, args, 2)
            N = self._window_arg(name, args[1], allow_negative=True)
            x = self.full(args[0])
            r = ref(x, N)
            return r if name == "Ref" else x - r
        if name == "EMA":
            self._arity(name, args, 2)
            N = self._window_arg(name, args[1], allow_fraction=True)
            if N == 0:
                raise EvalError("EMA: N = 0 (an expanding EMA) is not defined by docs/factors.md")
            return ema(self.full(args[0]), N)
        if name == "Quantile":
            self._arity(name, args, 3)
            N = self._window_arg(name, args[1])
            q = _literal(args[2])
            if q is None or not 0 <= q <= 1:
                raise EvalError("Quantile: q must be a number in [0, 1] written literally")
            return rolling(name, self.full(args[0]), N, q=q)
        if name in WINDOWED:
            self._arity(name, args, 2)
            N = self._window_arg(name, args[1])
            return rolling(name, self.full(args[0]), N)
        if name in PAIRED:
            self._arity(name, args, 3)
            N = self._window_arg(name, args[2])
            return rolling_pair(name, self.full(args[0]), self.full(args[1]), N)
        if name in CROSS:
            self._arity(name, args, CROSS[name])
            g = self.full(args[1]) if name == "CSNeutralize" else None
            return cs_op(self.p, name, self.full(args[0]), g)
        raise EvalError(f"unknown operator {name} (operators: {', '.join(OPERATORS)})")

    def mask(self, X, ticker):
        p = self.p
        t = p.ticker_index.get(ticker)
        byd = np.full(len(p.dates), np.nan)
        if t is not None:
            L = p.lengths[t]
            byd[p.date_id[t, :L]] = X[t, :L]
        out = byd[np.maximum(p.date_id, 0)]
        out[~p.valid] = np.nan
        return out


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def write_output(panel: Panel, columns: dict, path: str):
    """Parquet: ticker (string), date (date32), then the float64 columns, in (ticker, date)
    order."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    df = panel.df
    arrays = [pa.array(df["ticker"].to_numpy().astype(str).tolist(), type=pa.string()),
              pa.array(df["date"].to_numpy().astype("datetime64[D]"), type=pa.date32())]
    names = ["ticker", "date"]
    for name, values in columns.items():
        arrays.append(pa.array(np.asarray(values, dtype=np.float64), type=pa.float64()))
        names.append(name)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    pq.write_table(pa.Table.from_arrays(arrays, names=names), path)


def add_data_args(ap: argparse.ArgumentParser):
    ap.add_argument("--input", required=True, help="folder of per-ticker CSV files")
    ap.add_argument("--output", required=True, help="Parquet file to write")
    ap.add_argument("--tickers", type=int, help="keep the first N tickers in sorted order")
    ap.add_argument("--start", help="first date kept (YYYY-MM-DD, inclusive)")
    ap.add_argument("--end", help="last date kept (YYYY-MM-DD, inclusive)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    ev = sub.add_parser("eval", help="evaluate a list of expressions over a folder of CSVs")
    add_data_args(ev)
    ev.add_argument("--exprs", required=True, help='JSON list of {"name": ..., "expr": ...}')
    ev.add_argument("--timing", action="store_true", help="print per-expression times to stderr")
    a = ap.parse_args(argv)

    with open(a.exprs) as f:
        exprs = json.load(f)
    names = [e["name"] for e in exprs]
    if len(set(names)) != len(names) or {"ticker", "date"} & set(names):
        raise SystemExit("expression names must be unique and not 'ticker' or 'date'")
    parsed = []
    for e in exprs:
        try:
            parsed.append(parse(e["expr"]))
        except ParseError as err:
            raise SystemExit(f"{e['name']}: parse error: {err}")
    t0 = time.time()
    panel = Panel(load_market(a.input, a.tickers, a.start, a.end))
    ev_ = Evaluator(panel)
    out = {}
    for e, node in zip(exprs, parsed):
        t1 = time.time()
        try:
            out[e["name"]] = panel.to_long(ev_.evaluate(node))
        except EvalError as err:
            raise SystemExit(f"{e['name']}: {err}")
        if a.timing:
            print(f"{e['name']}: {time.time() - t1:.3f}s", file=sys.stderr)
    write_output(panel, out, a.output)
    print(f"{len(panel.df)} rows, {panel.T} tickers, {len(out)} expressions in "
          f"{time.time() - t0:.1f}s -> {a.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
