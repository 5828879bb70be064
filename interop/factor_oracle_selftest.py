"""Self-check of the factor oracles (run by hand, not by CI).

    interop/.venv/bin/python interop/factor_oracle_selftest.py [--data DIR] [--quick]

1. Every operator of factor_oracle.py's evaluator against slow, obviously-correct per-window
   Python loops written again from docs/factors.md: each row's window is sliced out of the
   ticker's series as a list, NaN dropped, and the aggregate computed in exact rational
   arithmetic (`fractions.Fraction`), rounded once at the end. The data: a few real tickers
   (first half of 2015) with calendar gaps, plus synthetic columns with injected NaN (scattered
   and a run longer than the windows), flat stretches, heavy ties, zeros and negative values,
   and a three-row ticker. Windows 1, 2, 3, 5, 10 and 0 (expanding). A result must agree to
   1e-12 of its scale, and be exactly 0 where the exact value is 0 (flat windows).
2. The same operators against pandas' rolling functions (min_periods=1, which also skip NaN) and
   `ewm`, where pandas defines the semantics (loose tolerance: pandas' running sums leave
   residue; EMA must agree bit for bit).
3. Cross-sectional operators against per-date loops, Mask, element-wise operators and the
   parser (precedence, literals, error columns).
4. alpha158_oracle.py's hand-written features against the evaluator running Qlib's expression
   strings (kept here, in Python only) on real tickers over the full date range.
5. ta_oracle.py sanity checks (rolling pieces against pandas, the RSI variants converging).

Prints one line per check group and `N passed, N failed`; exit status 1 on any failure.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from fractions import Fraction as Fr

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import factor_oracle as fo  # noqa: E402
from alpha158_oracle import NAMES as A158_NAMES, alpha158  # noqa: E402

NAN = float("nan")
RESULTS = {"passed": 0, "failed": 0}


def report(group, problems, checked):
    ok = not problems
    RESULTS["passed" if ok else "failed"] += 1
    print(f"{'ok  ' if ok else 'FAIL'} {group}: {checked} values checked"
          + ("" if ok else f", {len(problems)} mismatches"))
    for p in problems[:8]:
        print("       ", p)


def isnan(v):
    return v != v


def to_float(fr):
    try:
        return float(fr)
    except OverflowError:
        return math.inf if fr > 0 else -math.inf


# --------------------------------------------------------------------------------------------
# Test data
# --------------------------------------------------------------------------------------------


def test_frame(data_dir):
    df = fo.load_market(data_dir, tickers=None, start="2015-01-01", end="2015-07-31", quiet=True)
    keep = ["A", "AAL", "AAPL", "ABBV", "ACN"]
    df = df[df["ticker"].isin(keep)].copy()
    rng = np.random.default_rng(7)
    # calendar gaps: AAL misses some dates, ABBV starts late
    df = df[~((df["ticker"] == "AAL") & (rng.random(len(df)) < 0.08))]
    df = df[~((df["ticker"] == "ABBV") & (df["date"] < np.datetime64("2015-03-02")))]
    n = len(df)
    x = df["close"].to_numpy().copy()
    x[rng.random(n) < 0.1] = np.nan
    y = np.round(df["volume"].to_numpy() / 1e6, 1)
    y[rng.random(n) < 0.07] = np.nan
    z = rng.integers(-1, 3, n).astype(float)
    z[rng.random(n) < 0.1] = np.nan
    g = rng.integers(0, 3, n).astype(float)
    g[rng.random(n) < 0.05] = np.nan
    pos = df.groupby("ticker").cumcount().to_numpy()
    t = df["ticker"].to_numpy()
    # a flat stretch and a run of NaN longer than every finite window
    x[(t == "A") & (pos >= 20) & (pos < 32)] = 41.37
    x[(t == "ACN") & (pos >= 60) & (pos < 90)] = 0.7
    x[(t == "ABBV") & (pos < 10)] = 0.7  # a series that starts flat (pandas' EMA keeps it exact)
    x[(t == "AAPL") & (pos >= 40) & (pos < 53)] = np.nan
    y[(t == "ACN") & (pos >= 10) & (pos < 25)] = 0.1
    z[(t == "AAL") & (pos >= 30) & (pos < 45)] = 0.0
    # tiny variation: rolling stds either side of Corr's 2e-5 cut-off
    e = 3.0 + np.round(rng.normal(0, 1, n) * np.where(pos % 40 < 20, 1e-5, 1e-4), 7)
    df["x"], df["y"], df["z"], df["g"], df["e"] = x, y, z, g, e
    extra = pd.DataFrame({
        "ticker": ["ZZ"] * 3,
        "date": np.array(["2015-01-13", "2015-01-14", "2015-01-16"], dtype="datetime64[D]"),
        "open": [1.0, 2.0, 3.0], "high": [1.0, 2.0, 3.0], "low": [1.0, 2.0, 3.0],
        "close": [1.0, 2.0, 3.0], "volume": [5.0, 5.0, 5.0], "adj_close": [1.0, 2.0, 3.0],
        "vwap": [1.0, 2.0, 3.0], "x": [0.5, NAN, 0.25], "y": [1.0, 1.0, 1.0],
        "z": [2.0, NAN, 2.0], "g": [1.0, 1.0, NAN], "e": [3.0, 3.00001, 3.00003]})
    df = pd.concat([df, extra], ignore_index=True)
    return df.sort_values(["ticker", "date"], kind="stable").reset_index(drop=True)


def series_of(df, col):
    """{ticker: list of floats in date order}"""
    return {t: g[col].tolist() for t, g in df.groupby("ticker", sort=True)}


# --------------------------------------------------------------------------------------------
# Slow references: f(window list incl. NaN, oldest first) -> value
# --------------------------------------------------------------------------------------------


def vals(w):
    return [Fr(a) for a in w if not isnan(a)]


def r_sum(w):
    v = vals(w)
    return to_float(sum(v)) if v else NAN


def r_mean(w):
    v = vals(w)
    return to_float(sum(v) / len(v)) if v else NAN


def r_count(w):
    v = vals(w)
    return float(len(v)) if v else NAN


def _var(v):
    mu = sum(v) / len(v)
    return sum((a - mu) ** 2 for a in v) / (len(v) - 1)


def r_var(w):
    v = vals(w)
    return to_float(_var(v)) if len(v) >= 2 else NAN


def r_std(w):
    v = vals(w)
    return math.sqrt(to_float(_var(v))) if len(v) >= 2 else NAN


def _cm(v, k):
    mu = sum(v) / len(v)
    return sum((a - mu) ** k for a in v) / len(v)


def r_skew(w):
    v = vals(w)
    n = len(v)
    if n < 3 or _cm(v, 2) == 0:
        return NAN
    m2, m3 = to_float(_cm(v, 2)), to_float(_cm(v, 3))
    return math.sqrt(n * (n - 1)) / (n - 2) * m3 / m2 ** 1.5


def r_kurt(w):
    v = vals(w)
    n = len(v)
    if n < 4 or _cm(v, 2) == 0:
        return NAN
    m2, m4 = _cm(v, 2), _cm(v, 4)
    return to_float(((n * n - 1) * m4 / (m2 * m2) - 3 * (n - 1) ** 2) / ((n - 2) * (n - 3)))


def r_max(w):
    v = vals(w)
    return float(max(v)) if v else NAN


def r_min(w):
    v = vals(w)
    return float(min(v)) if v else NAN


def r_med(w):
    v = sorted(vals(w))
    n = len(v)
    if not n:
        return NAN
    return to_float(v[n // 2]) if n % 2 else to_float((v[n // 2 - 1] + v[n // 2]) / 2)


def r_mad(w):
    v = vals(w)
    if not v:
        return NAN
    mu = sum(v) / len(v)
    return to_float(sum(abs(a - mu) for a in v) / len(v))


def r_quantile(q):
    def f(w):
        v = sorted(vals(w))
        n = len(v)
        if not n:
            return NAN
        pos = q * (n - 1)
        lo = math.floor(pos)
        frac = pos - lo
        if frac == 0:
            return float(v[lo])
        return to_float(v[lo] + (v[lo + 1] - v[lo]) * Fr(frac))
    return f


def _avg_rank(w):
    cur = w[-1]
    v = [a for a in w if not isnan(a)]
    less = sum(1 for a in v if a < cur)
    eq = sum(1 for a in v if a == cur)
    return less + (eq + 1) / 2, len(v)


def r_rank(w):
    if isnan(w[-1]):
        return NAN
    r, n = _avg_rank(w)
    return r / n


def r_tsrank(w):
    if isnan(w[-1]):
        return NAN
    return _avg_rank(w)[0]


def r_idx(best):
    def f(w):
        v = [a for a in w if not isnan(a)]
        if not v:
            return NAN
        b = best(v)
        return float(next(i for i, a in enumerate(w) if a == b) + 1)
    return f


def _reg(w):
    pts = [(Fr(i + 1), Fr(a)) for i, a in enumerate(w) if not isnan(a)]
    n = len(pts)
    if n < 2:
        return None
    tb = sum(p for p, _ in pts) / n
    yb = sum(y for _, y in pts) / n
    stt = sum((p - tb) ** 2 for p, _ in pts)
    sty = sum((p - tb) * (y - yb) for p, y in pts)
    syy = sum((y - yb) ** 2 for _, y in pts)
    return n, tb, yb, stt, sty, syy


def r_slope(w):
    r = _reg(w)
    return NAN if r is None else to_float(r[4] / r[3])


def r_rsquare(w):
    r = _reg(w)
    if r is None or r[5] == 0:
        return NAN
    return to_float(r[4] ** 2 / (r[3] * r[5]))


def r_resi(w):
    r = _reg(w)
    if r is None or isnan(w[-1]):
        return NAN
    n, tb, yb, stt, sty, syy = r
    line = yb + sty / stt * (len(w) - tb)
    return to_float(Fr(w[-1]) - line)


def r_wma(w):
    pairs = [(i + 1, Fr(a)) for i, a in enumerate(w) if not isnan(a)]
    if not pairs:
        return NAN
    return to_float(sum(i * a for i, a in pairs) / sum(i for i, _ in pairs))


def r_product(w):
    v = vals(w)
    if not v:
        return NAN
    p = Fr(1)
    for a in v:
        p *= a
    return to_float(p)


def r_pair(kind):
    def f(wx, wy):
        pairs = [(Fr(a), Fr(b)) for a, b in zip(wx, wy) if not isnan(a) and not isnan(b)]
        n = len(pairs)
        if n < 2:
            return NAN
        mx = sum(a for a, _ in pairs) / n
        my = sum(b for _, b in pairs) / n
        sxy = sum((a - mx) * (b - my) for a, b in pairs)
        if kind == "Cov":
            return to_float(sxy / (n - 1))
        for own in (wx, wy):
            v = vals(own)
            if len(v) < 2 or math.sqrt(to_float(_var(v))) <= 2e-5:
                return NAN
        sxx = sum((a - mx) ** 2 for a, _ in pairs)
        syy = sum((b - my) ** 2 for _, b in pairs)
        if sxx == 0 or syy == 0:
            return NAN
        c2 = to_float(sxy * sxy / (sxx * syy))
        return math.copysign(math.sqrt(c2), sxy)
    return f


ROLLING_REFS = {
    "Sum": r_sum, "Mean": r_mean, "Count": r_count, "Std": r_std, "Var": r_var, "Skew": r_skew,
    "Kurt": r_kurt, "Max": r_max, "Min": r_min, "Med": r_med, "Mad": r_mad, "Rank": r_rank,
    "IdxMax": r_idx(max), "IdxMin": r_idx(min), "Slope": r_slope, "Rsquare": r_rsquare,
    "Resi": r_resi, "WMA": r_wma, "TsRank": r_tsrank, "TsArgMax": r_idx(max),
    "TsArgMin": r_idx(min), "DecayLinear": r_wma, "Product": r_product,
}


def window(series, i, N):
    return series[0 if N == 0 else max(0, i - N + 1): i + 1]


def agree(got, want, scale=None, rtol=1e-12, exact_zero=True):
    """got == want within rtol * max(|want|, scale). A zero want must be met exactly when
    exact_zero (a flat window's Std, say); otherwise within rtol * scale (a tiny exact value that
    is only cancellation residue of the data's representation)."""
    if isnan(want):
        return isnan(got)
    if isnan(got):
        return False
    if math.isinf(want) or math.isinf(got):
        return got == want
    if want == 0 and (exact_zero or not scale):
        return got == 0
    s = abs(want) if scale is None else max(abs(want), float(scale))
    return abs(got - want) <= rtol * s


def _mag(w):
    v = [abs(a) for a in w if not isnan(a)]
    return max(v) if v else 0.0


def _flat(w):
    v = [a for a in w if not isnan(a)]
    return len(v) > 0 and all(a == v[0] for a in v)


# The scale a result's error is measured against: its own magnitude for most; the data's for
# results that cancel (deviations, slopes, residuals); 1 for dimensionless ratios of moments.
SCALES = {
    "Sum": lambda w: sum(abs(a) for a in w if not isnan(a)),
    "Skew": lambda w: 1.0, "Kurt": lambda w: 1.0, "Rsquare": lambda w: 1.0,
    "Slope": _mag, "Resi": _mag,
}


def long_result(ev, panel, expr):
    return panel.to_long(ev.evaluate(expr))


def check_rolling(df, panel, ev, windows):
    for op, fn in ROLLING_REFS.items():
        problems, checked = [], 0
        for col in ("x", "y", "z"):
            ser = series_of(df, col)
            for N in windows:
                got = long_result(ev, panel, f"{op}(${col}, {N})")
                k = 0
                for t, s in ser.items():
                    for i in range(len(s)):
                        w = window(s, i, N)
                        want = fn(w)
                        scale = SCALES[op](w) if op in SCALES else None
                        checked += 1
                        if not agree(got[k], want, scale, exact_zero=_flat(w)):
                            problems.append(f"{op}(${col}, {N}) {t}[{i}]: got {got[k]!r}, want {want!r}")
                        k += 1
        report(f"{op} vs exact per-window loop", problems, checked)
    # Quantile
    problems, checked = [], 0
    for col in ("x", "z"):
        ser = series_of(df, col)
        for N in windows:
            for q in (0.0, 0.2, 0.5, 0.8, 1.0):
                got = long_result(ev, panel, f"Quantile(${col}, {N}, {q})")
                k = 0
                for t, s in ser.items():
                    for i in range(len(s)):
                        want = r_quantile(q)(window(s, i, N))
                        checked += 1
                        if not agree(got[k], want):
                            problems.append(f"Quantile(${col},{N},{q}) {t}[{i}]: got {got[k]!r}, want {want!r}")
                        k += 1
    report("Quantile vs exact per-window loop", problems, checked)
    # Corr / Cov
    for op in ("Corr", "Cov"):
        problems, checked = [], 0
        for a, b in (("x", "y"), ("x", "z"), ("z", "y"), ("close", "x"), ("e", "y"), ("x", "e")):
            sa, sb = series_of(df, a), series_of(df, b)
            for N in windows:
                got = long_result(ev, panel, f"{op}(${a}, ${b}, {N})")
                k = 0
                for t in sa:
                    for i in range(len(sa[t])):
                        wx, wy = window(sa[t], i, N), window(sb[t], i, N)
                        want = r_pair(op)(wx, wy)
                        scale = 1.0 if op == "Corr" else _mag(wx) * _mag(wy)
                        checked += 1
                        if not agree(got[k], want, scale, exact_zero=_flat(wx) or _flat(wy)):
                            problems.append(f"{op}(${a},${b},{N}) {t}[{i}]: got {got[k]!r}, want {want!r}")
                        k += 1
        report(f"{op} vs exact per-window loop", problems, checked)


def check_ref_ema(df, panel, ev):
    problems, checked = [], 0
    for col in ("x", "close"):
        ser = series_of(df, col)
        for N in (0, 1, 3, -1, -2, 500):
            for op in ("Ref", "Delta"):
                got = long_result(ev, panel, f"{op}(${col}, {N})")
                k = 0
                for t, s in ser.items():
                    for i in range(len(s)):
                        j = i - N
                        r = s[j] if 0 <= j < len(s) else NAN
                        want = r if op == "Ref" else s[i] - r
                        checked += 1
                        if not agree(got[k], want, rtol=0):
                            problems.append(f"{op}(${col},{N}) {t}[{i}]: got {got[k]!r}, want {want!r}")
                        k += 1
    report("Ref / Delta (incl. look-ahead)", problems, checked)

    problems, checked = [], 0
    for col in ("x", "z", "y"):
        ser = series_of(df, col)
        for N in (1, 2, 5, 12, 0.3):
            got = long_result(ev, panel, f"EMA(${col}, {N})")
            k = 0
            for t, s in ser.items():
                e = pd.Series(s)
                pd_ = (e.ewm(alpha=N, adjust=True, min_periods=1, ignore_na=False) if N < 1 else
                       e.ewm(span=N, adjust=True, min_periods=1, ignore_na=False)).mean().to_numpy()
                alpha = Fr(N) if N < 1 else Fr(2, N + 1)
                for i in range(len(s)):
                    obs = [(i - j, Fr(s[j])) for j in range(i + 1) if not isnan(s[j])]
                    if obs:
                        wts = [(1 - alpha) ** age for age, _ in obs]
                        # alpha = 1 on a NaN row: every weight is 0; the limit is the last value
                        want = (to_float(sum(w * v for w, (_, v) in zip(wts, obs)) / sum(wts))
                                if sum(wts) else float(obs[-1][1]))
                    else:
                        want = NAN
                    checked += 1
                    bit = (isnan(got[k]) and isnan(pd_[i])) or got[k] == pd_[i]
                    if not bit or not agree(got[k], want, rtol=1e-12):
                        problems.append(f"EMA(${col},{N}) {t}[{i}]: got {got[k]!r}, pandas {pd_[i]!r}, exact {want!r}")
                    k += 1
    report("EMA: bitwise pandas ewm, and the exact weighted mean", problems, checked)


def check_vs_pandas(df, panel, ev):
    """Where docs/factors.md says 'as pandas': rolling(N, min_periods=1) on the same NaN data."""
    problems, checked = [], 0
    for col in ("x", "y"):
        for N in (2, 5, 10):
            for op, fn in (("Mean", "mean"), ("Sum", "sum"), ("Std", "std"), ("Var", "var"),
                           ("Skew", "skew"), ("Kurt", "kurt"), ("Max", "max"), ("Min", "min"),
                           ("Med", "median"), ("Count", "count")):
                got = long_result(ev, panel, f"{op}(${col}, {N})")
                r = df.groupby("ticker", sort=True)[col].rolling(N, min_periods=1)
                want = getattr(r, fn)().to_numpy()
                if op == "Count":
                    want = np.where(want == 0, np.nan, want)
                for k in range(len(got)):
                    checked += 1
                    a, b = got[k], want[k]
                    scale = abs(df[col].iloc[k]) if not isnan(df[col].iloc[k]) else 1.0
                    if isnan(a) != isnan(b):
                        # pandas leaves residue where the exact value is flat: std ~1e-8, skew/kurt finite
                        if op in ("Skew", "Kurt") and isnan(a):
                            continue
                        problems.append(f"{op}(${col},{N}) row {k}: got {a!r}, pandas {b!r}")
                    elif not isnan(a) and abs(a - b) > 1e-6 * max(1.0, abs(b), scale):
                        problems.append(f"{op}(${col},{N}) row {k}: got {a!r}, pandas {b!r}")
            for q in (0.2, 0.8):
                got = long_result(ev, panel, f"Quantile(${col}, {N}, {q})")
                want = df.groupby("ticker", sort=True)[col].rolling(N, min_periods=1).quantile(q).to_numpy()
                for k in range(len(got)):
                    checked += 1
                    if not agree(got[k], want[k], rtol=1e-12) and not (got[k] == 0 and abs(want[k]) < 1e-12):
                        problems.append(f"Quantile(${col},{N},{q}) row {k}: got {got[k]!r}, pandas {want[k]!r}")
            got = long_result(ev, panel, f"Rank(${col}, {N})")
            want = df.groupby("ticker", sort=True)[col].rolling(N, min_periods=1).rank(pct=True).to_numpy()
            want = np.where(df[col].isna().to_numpy(), np.nan, want)
            for k in range(len(got)):
                checked += 1
                if not agree(got[k], want[k], rtol=1e-12):
                    problems.append(f"Rank(${col},{N}) row {k}: got {got[k]!r}, pandas {want[k]!r}")
            for op in ("Corr", "Cov"):
                got = long_result(ev, panel, f"{op}($x, $y, {N})")
                parts = []
                for t, g in df.groupby("ticker", sort=True):
                    rx = g["x"].rolling(N, min_periods=1)
                    parts.append((rx.corr(g["y"]) if op == "Corr" else rx.cov(g["y"])).to_numpy())
                want = np.concatenate(parts)
                for k in range(len(got)):
                    checked += 1
                    a, b = got[k], want[k]
                    if isnan(a) and (isnan(b) or op == "Corr"):
                        continue  # Corr's own-std rule and exact flat windows make NaN where pandas has residue
                    if isnan(a) != isnan(b) or abs(a - b) > 1e-6 * max(1.0, abs(b)):
                        problems.append(f"{op}($x,$y,{N}) row {k}: got {a!r}, pandas {b!r}")
    report("rolling ops vs pandas rolling(min_periods=1)", problems, checked)


def check_cross_section(df, panel, ev):
    problems, checked = [], 0
    got = {op: long_result(ev, panel, f"{op}($x)") for op in ("CSRank", "CSZScore", "CSDemean", "CSScale")}
    got["CSNeutralize"] = long_result(ev, panel, "CSNeutralize($x, $g)")
    got["CSRankZ"] = long_result(ev, panel, "CSRank($z)")
    for d, g in df.groupby("date"):
        idx = g.index.to_numpy()
        xs = g["x"].tolist()
        v = [Fr(a) for a in xs if not isnan(a)]
        n = len(v)
        mu = sum(v) / n if n else None
        var = _var(v) if n >= 2 else None
        sabs = sum(abs(a) for a in v)
        for k, a, gg in zip(idx, xs, g["g"].tolist()):
            if isnan(a):
                w = {op: NAN for op in ("CSRank", "CSZScore", "CSDemean", "CSScale", "CSNeutralize")}
            else:
                less = sum(1 for b in v if b < Fr(a))
                eq = sum(1 for b in v if b == Fr(a))
                w = {"CSRank": (less + (eq + 1) / 2) / n,
                     "CSZScore": NAN if var is None or var == 0 else to_float(Fr(a) - mu) / math.sqrt(to_float(var)),
                     "CSDemean": to_float(Fr(a) - mu),
                     "CSScale": NAN if sabs == 0 else to_float(Fr(a) / sabs)}
                if isnan(gg):
                    w["CSNeutralize"] = NAN
                else:
                    grp = [Fr(b) for b, h in zip(xs, g["g"].tolist()) if not isnan(b) and h == gg]
                    w["CSNeutralize"] = to_float(Fr(a) - sum(grp) / len(grp))
            for op, want in w.items():
                checked += 1
                scale = max(abs(float(b)) for b in v) if v and op in ("CSDemean", "CSNeutralize") else None
                if not agree(got[op][k], want, scale, exact_zero=len(set(v)) <= 1):
                    problems.append(f"{op} {d} row {k}: got {got[op][k]!r}, want {want!r}")
        zs = [a for a in g["z"].tolist() if not isnan(a)]
        for k, a in zip(idx, g["z"].tolist()):
            want = NAN if isnan(a) else (sum(b < a for b in zs) + (sum(b == a for b in zs) + 1) / 2) / len(zs)
            checked += 1
            if not agree(got["CSRankZ"][k], want):
                problems.append(f"CSRank($z) {d} row {k}: got {got['CSRankZ'][k]!r}, want {want!r}")
    # pandas' own groupby rank
    want = df.groupby("date")["x"].rank(pct=True).to_numpy()
    for k in range(len(want)):
        checked += 1
        if not agree(got["CSRank"][k], want[k]):
            problems.append(f"CSRank vs pandas row {k}: got {got['CSRank'][k]!r}, pandas {want[k]!r}")
    report("cross-sectional ops vs per-date loops", problems, checked)

    problems, checked = [], 0
    for tick in ("AAPL", "ZZ", "NOPE"):
        got = long_result(ev, panel, f'Mask(Mean($x, 3), "{tick}") - $close * 0')
        src = {}
        if tick in set(df["ticker"]):
            s = df[df["ticker"] == tick]
            xs = s["x"].tolist()
            src = {d: r_mean(window(xs, i, 3)) for i, d in enumerate(s["date"].tolist())}
        for k, d in enumerate(df["date"].tolist()):
            checked += 1
            want = src.get(d, NAN)
            if not agree(got[k], want):
                problems.append(f"Mask(.., {tick}) row {k}: got {got[k]!r}, want {want!r}")
    report("Mask aligned by date", problems, checked)


def check_elementwise_and_parser(df, panel, ev):
    problems, checked = [], 0
    x = df["x"].to_numpy()
    z = df["z"].to_numpy()
    c = df["close"].to_numpy()
    with np.errstate(all="ignore"):
        cases = {
            "Abs($z)": np.abs(z), "Sign($z)": np.sign(z), "Log($z)": np.log(z),
            "Power($z, 2)": z ** 2, "Power($x, 0.5)": np.power(x, 0.5),
            "Power($z, $z)": np.power(z, z),
            "SignedPower($z, 3)": np.sign(z) * np.abs(z) ** 3,
            "Greater($x, $z)": np.maximum(x, z), "Less($x, $z)": np.minimum(x, z),
            "If($z, $x, -$x)": np.where(np.isnan(z) | (z != 0), x, -x),
            "Not($z)": (z == 0).astype(float),
            "$x > $z": (x > z).astype(float), "$x >= $z": (x >= z).astype(float),
            "$z < 1": (z < 1).astype(float), "$z <= 1": (z <= 1).astype(float),
            "$z == 0": (z == 0).astype(float), "$z != 0": (z != 0).astype(float),
            "$z & $x": ((z != 0) & (x != 0)).astype(float),
            "$z | $x": ((z != 0) | (x != 0)).astype(float),
            "$z / 0": z / 0.0, "-$z / 0": -z / 0.0, "0 * $z / 0": 0 * z / 0.0,
            "1 + 2 * 3 - 4 / 2": np.full(len(z), 5.0),
            "-2 * -3": np.full(len(z), 6.0), "10 - 2 - 3": np.full(len(z), 5.0),
            "2 > 1 & 0": np.zeros(len(z)), "0 & 0 | 1": np.ones(len(z)),
            "1 | 0 & 0": np.ones(len(z)), "1 + 1 == 2": np.ones(len(z)),
            "1e-12 * 1e12": np.ones(len(z)), ".5 + 0.5": np.ones(len(z)),
            "-(3 - 5) * 2": np.full(len(z), 4.0),
            "$close - -$close": c + c, "(($close))": c,
            "  Mean( $close , 1 )/$close": c / c,
        }
    for expr, want in cases.items():
        got = long_result(ev, panel, expr)
        for k in range(len(got)):
            checked += 1
            if not agree(got[k], want[k], rtol=0):
                problems.append(f"{expr} row {k}: got {got[k]!r}, want {want[k]!r}")
                break
    errors = {
        "Mean($close, )": 14, "$close +": 9, "($close": 8, "Mean $close": 6, "$close # 2": 8,
        "Mean($close, 5))": 16, "": 1,
    }
    for expr, col in errors.items():
        checked += 1
        try:
            fo.parse(expr)
            problems.append(f"{expr!r}: parsed, expected an error at column {col}")
        except fo.ParseError as e:
            if f"column {col}:" not in str(e):
                problems.append(f"{expr!r}: {e} (expected column {col})")
    for expr in ("Mean($close, 2.5)", "Mean($close, $close)", "Std($close, -1)", "Foo($close)",
                 "Mean($close)", '"AAPL"', "$nope", "EMA($close, 0)", "Quantile($close, 5, 2)",
                 'Mask($close, $close)', "mean($close, 5)"):
        checked += 1
        try:
            ev.evaluate(expr)
            problems.append(f"{expr!r}: evaluated, expected an error")
        except fo.EvalError:
            pass
    report("element-wise ops, parser precedence and errors", problems, checked)


# --------------------------------------------------------------------------------------------
# Alpha158: the hand-written features against the evaluator on Qlib's strings
# --------------------------------------------------------------------------------------------


def qlib_alpha158_exprs():
    """Qlib's Alpha158DL.get_feature_config() (default config) as (name, expression) pairs."""
    f = [("KMID", "($close-$open)/$open"), ("KLEN", "($high-$low)/$open"),
         ("KMID2", "($close-$open)/($high-$low+1e-12)"),
         ("KUP", "($high-Greater($open, $close))/$open"),
         ("KUP2", "($high-Greater($open, $close))/($high-$low+1e-12)"),
         ("KLOW", "(Less($open, $close)-$low)/$open"),
         ("KLOW2", "(Less($open, $close)-$low)/($high-$low+1e-12)"),
         ("KSFT", "(2*$close-$high-$low)/$open"),
         ("KSFT2", "(2*$close-$high-$low)/($high-$low+1e-12)"),
         ("OPEN0", "$open/$close"), ("HIGH0", "$high/$close"), ("LOW0", "$low/$close"),
         ("VWAP0", "$vwap/$close")]
    t = {
        "ROC": "Ref($close, {d})/$close", "MA": "Mean($close, {d})/$close",
        "STD": "Std($close, {d})/$close", "BETA": "Slope($close, {d})/$close",
        "RSQR": "Rsquare($close, {d})", "RESI": "Resi($close, {d})/$close",
        "MAX": "Max($high, {d})/$close", "MIN": "Min($low, {d})/$close",
        "QTLU": "Quantile($close, {d}, 0.8)/$close", "QTLD": "Quantile($close, {d}, 0.2)/$close",
        "RANK": "Rank($close, {d})",
        "RSV": "($close-Min($low, {d}))/(Max($high, {d})-Min($low, {d})+1e-12)",
        "IMAX": "IdxMax($high, {d})/{d}", "IMIN": "IdxMin($low, {d})/{d}",
        "IMXD": "(IdxMax($high, {d})-IdxMin($low, {d}))/{d}",
        "CORR": "Corr($close, Log($volume+1), {d})",
        "CORD": "Corr($close/Ref($close,1), Log($volume/Ref($volume, 1)+1), {d})",
        "CNTP": "Mean($close>Ref($close, 1), {d})", "CNTN": "Mean($close<Ref($close, 1), {d})",
        "CNTD": "Mean($close>Ref($close, 1), {d})-Mean($close<Ref($close, 1), {d})",
        "SUMP": "Sum(Greater($close-Ref($close, 1), 0), {d})/(Sum(Abs($close-Ref($close, 1)), {d})+1e-12)",
        "SUMN": "Sum(Greater(Ref($close, 1)-$close, 0), {d})/(Sum(Abs($close-Ref($close, 1)), {d})+1e-12)",
        "SUMD": "(Sum(Greater($close-Ref($close, 1), 0), {d})-Sum(Greater(Ref($close, 1)-$close, 0), {d}))"
                "/(Sum(Abs($close-Ref($close, 1)), {d})+1e-12)",
        "VMA": "Mean($volume, {d})/($volume+1e-12)", "VSTD": "Std($volume, {d})/($volume+1e-12)",
        "WVMA": "Std(Abs($close/Ref($close, 1)-1)*$volume, {d})/(Mean(Abs($close/Ref($close, 1)-1)*$volume, {d})+1e-12)",
        "VSUMP": "Sum(Greater($volume-Ref($volume, 1), 0), {d})/(Sum(Abs($volume-Ref($volume, 1)), {d})+1e-12)",
        "VSUMN": "Sum(Greater(Ref($volume, 1)-$volume, 0), {d})/(Sum(Abs($volume-Ref($volume, 1)), {d})+1e-12)",
        "VSUMD": "(Sum(Greater($volume-Ref($volume, 1), 0), {d})-Sum(Greater(Ref($volume, 1)-$volume, 0), {d}))"
                 "/(Sum(Abs($volume-Ref($volume, 1)), {d})+1e-12)",
    }
    for name, tmpl in t.items():
        f += [(f"{name}{d}", tmpl.format(d=d)) for d in (5, 10, 20, 30, 60)]
    return f


def check_alpha158(data_dir, ntickers):
    panel = fo.Panel(fo.load_market(data_dir, tickers=ntickers, quiet=True))
    direct = alpha158(panel)
    exprs = qlib_alpha158_exprs()
    problems, checked = [], 0
    if [n for n, _ in exprs] != A158_NAMES or len(A158_NAMES) != 158:
        problems.append("alpha158_oracle.NAMES differs from Qlib's names/order")
    ev = fo.Evaluator(panel)
    identical = 0
    for name, expr in exprs:
        a = panel.to_long(direct[name])
        b = panel.to_long(ev.evaluate(expr))
        checked += len(a)
        same = (a == b) | (np.isnan(a) & np.isnan(b))
        identical += int(same.sum())
        with np.errstate(invalid="ignore"):
            close = same | (np.abs(a - b) <= 1e-12 * np.maximum(1.0, np.abs(b)))
        if not close.all():
            k = int(np.nonzero(~close)[0][0])
            problems.append(f"{name}: {int((~close).sum())} rows differ, e.g. row {k}: direct {a[k]!r}, evaluator {b[k]!r}")
    report(f"alpha158_oracle vs evaluator on Qlib's strings ({panel.T} tickers; {identical} of {checked} bitwise equal)",
           problems, checked)
    # flat windows give exact zeros, not pandas' residue blown up by +1e-12
    problems = []
    c = panel.column("close")
    flat5 = fo.rolling("Max", c, 5) == fo.rolling("Min", c, 5)
    flat6 = fo.rolling("Max", c, 6) == fo.rolling("Min", c, 6)  # WVMA5 also sees the close before
    n_flat = int(flat5.sum())
    for name, flat in (("STD5", flat5), ("WVMA5", flat6)):
        v = direct[name][flat & ~np.isnan(direct[name])]
        if (v != 0).any():
            problems.append(f"{name} not exactly 0 on a flat close window: {v[v != 0][:3]}")
    v = direct["RSQR5"][flat5]
    if (~np.isnan(v)).any():
        problems.append("RSQR5 not NaN on a flat window")
    report(f"Alpha158 flat windows ({n_flat} flat 5-day close windows, {int(flat6.sum())} of 6 days)",
           problems, n_flat)


def check_ta(data_dir):
    import ta_oracle
    panel = fo.Panel(fo.load_market(data_dir, tickers=6, quiet=True))
    out = ta_oracle.ta_features(panel)
    df = panel.df
    problems, checked = [], 0
    for t, g in df.groupby("ticker", sort=True):
        idx = g.index.to_numpy()
        cl = g["close"]
        ret1 = cl / cl.shift(1) - 1
        want = {"ret_1": ret1, "ret_5": cl / cl.shift(5) - 1, "ret_20": cl / cl.shift(20) - 1,
                "vol_20": ret1.rolling(20).std(), "volume_ratio_20": g["volume"] / g["volume"].rolling(20).mean(),
                "bb_middle": cl.rolling(20).mean()}
        for name, w in want.items():
            a, b = out[name][idx], w.to_numpy()
            checked += len(a)
            with np.errstate(invalid="ignore"):
                bad = (np.isnan(a) != np.isnan(b)) | (np.abs(a - b) > 1e-9 * np.maximum(1, np.abs(b)))
            if bad.any():
                k = int(np.nonzero(bad)[0][0])
                problems.append(f"{name} {t}[{k}]: got {a[k]!r}, want {b[k]!r}")
        up, mid, lo = out["bb_upper"][idx], out["bb_middle"][idx], out["bb_lower"][idx]
        pstd = cl.rolling(20).std(ddof=0).to_numpy()
        with np.errstate(invalid="ignore"):
            if np.nanmax(np.abs(up - mid - 2 * pstd)) > 1e-6 or np.nanmax(np.abs(mid - lo - 2 * pstd)) > 1e-6:
                problems.append(f"bb bands {t}: not middle +- 2 population std")
        d = np.abs(out["rsi_14"][idx] - out["rsi_14_wilder"][idx])
        if len(d) > 300 and np.nanmax(d[250:]) > 1e-5:
            problems.append(f"rsi variants {t}: differ by {np.nanmax(d[250:])} after 250 bars")
    report("ta_oracle vs pandas pieces", problems, checked)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "data", "market"))
    ap.add_argument("--quick", action="store_true", help="fewer windows and Alpha158 tickers")
    a = ap.parse_args()
    t0 = time.time()
    df = test_frame(a.data)
    panel = fo.Panel(df)
    ev = fo.Evaluator(panel)
    windows = (1, 3, 10, 0) if a.quick else (1, 2, 3, 5, 10, 0)
    print(f"test panel: {panel.T} tickers, {len(df)} rows")
    check_elementwise_and_parser(df, panel, ev)
    check_ref_ema(df, panel, ev)
    check_rolling(df, panel, ev, windows)
    check_vs_pandas(df, panel, ev)
    check_cross_section(df, panel, ev)
    check_alpha158(a.data, 12 if a.quick else 40)
    check_ta(a.data)
    print(f"{time.time() - t0:.0f}s")
    print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed")
    sys.exit(1 if RESULTS["failed"] else 0)


if __name__ == "__main__":
    main()
