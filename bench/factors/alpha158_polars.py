"""Qlib's Alpha158 in polars, the way a quant writes it for a long panel: one lazy query of
window expressions `.over("ticker")` with the rolling built-ins (rolling_mean / sum / std / max /
min / quantile / rank, rolling_corr). IdxMax / IdxMin have no rolling_* built-in; they are
`arg_max()` / `arg_min()` over integer-indexed rolling windows (`Expr.rolling(index_column=row,
period="Ni")`), which runs natively (rolling_map, a Python call per window, takes about
100x longer). Slope / Rsquare / Resi use the closed-form OLS from rolling sums. Feature names and
definitions are Qlib's (Alpha158DL.get_feature_config, default config); every window has
min_samples=1, as Qlib's min_periods=1. $vwap is not in the input: (high + low + close) / 3.

polars keeps null (missing) apart from NaN (a value, which poisons every window it is in), and
its comparisons order NaN above all numbers. Shifts give null; the one NaN the inputs can make
(0 / 0 in volume / Ref(volume, 1) on two zero-volume days in a row) is turned into null, so that
windows skip it as pandas and Qlib do. ±inf (a zero volume followed by a non-zero one) is kept:
pandas' rolling treats it as missing, polars as a value (see run.sh's comparison).

Input: a long Parquet panel (ticker, date, open, high, low, close, volume) or a folder of
per-ticker CSVs (Date,High,Low,Open,Close,Volume,Adj Close,Name). Output: Parquet with ticker,
date and the 158 features as float64 columns (missing values as nulls, as pandas writes them),
rows sorted by (ticker, date).

Prints one JSON object per line, as alpha158_pandas.py does.

Usage: alpha158_polars.py --input PATH --output OUT.parquet
"""
import argparse
import glob
import json
import os
import resource
import time

import polars as pl

WINDOWS = [5, 10, 20, 30, 60]
F64 = pl.Float64


def load(path):
    if os.path.isdir(path):
        schema = {"Date": pl.Date, **{c: F64 for c in ["High", "Low", "Open", "Close", "Volume", "Adj Close"]}}
        files = sorted(glob.glob(os.path.join(path, "*.csv")))
        df = pl.concat([pl.read_csv(f, schema_overrides=schema) for f in files]).rename({
            "Name": "ticker", "Date": "date", "Open": "open", "High": "high", "Low": "low",
            "Close": "close", "Volume": "volume"})
    else:
        df = pl.read_parquet(path, columns=["ticker", "date", "open", "high", "low", "close", "volume"])
    return df.select(
        pl.col("ticker").cast(pl.String), pl.col("date").cast(pl.Date),
        *(pl.col(c).cast(F64) for c in ["open", "high", "low", "close", "volume"]))


def over(e):
    return e.over("ticker")


def ref(x, d): return over(x.shift(d))
def mean(x, d): return over(x.rolling_mean(d, min_samples=1))
def total(x, d): return over(x.rolling_sum(d, min_samples=1))
def std(x, d): return over(x.rolling_std(d, min_samples=1))
def rmax(x, d): return over(x.rolling_max(d, min_samples=1))
def rmin(x, d): return over(x.rolling_min(d, min_samples=1))
def count(x, d): return over(x.is_not_null().cast(F64).rolling_sum(d, min_samples=1))


def unless_flat(value, *series_and_window):
    """Qlib: Corr and Rsquare are NaN where an input's rolling std is within 2e-5 of 0."""
    *series, d = series_and_window
    flat = pl.any_horizontal([std(s, d).abs() <= 2e-05 for s in series])
    return pl.when(flat).then(None).otherwise(value)


def corr(x, y, d):
    return unless_flat(over(pl.rolling_corr(x, y, window_size=d, min_samples=1)), x, y, d)


def arg(x, d, which):  # 1-based position of the window's max / min, oldest row first
    e = x.arg_max() if which == "max" else x.arg_min()
    return over(e.rolling(index_column="row", period=f"{d}i")).cast(F64) + 1


def ols(y, d):
    """Slope, R² and residual of y on its position t within the ticker (Qlib's positions 1..N
    shifted by a constant, which changes none of the three)."""
    t = pl.col("t")
    tx = pl.when(y.is_not_null()).then(t)
    n = count(y, d)
    sx, sy = total(tx, d), total(y, d)
    sxx, syy, sxy = total(tx * tx, d), total(y * y, d), total(tx * y, d)
    cov = n * sxy - sx * sy
    varx = n * sxx - sx * sx
    vary = n * syy - sy * sy
    slope = cov / varx
    rsquare = unless_flat(cov * cov / (varx * vary), y, d)
    resi = y - (sy / n + slope * (t - sx / n))
    return slope, rsquare, resi


def alpha158(df):
    o, h, l, c, v = (pl.col(x) for x in ["open", "high", "low", "close", "volume"])
    c1, v1 = pl.col("c1"), pl.col("v1")
    base = (
        df.lazy()
        .sort(["ticker", "date"], maintain_order=True)
        .with_columns(
            row=pl.int_range(pl.len(), dtype=pl.Int64),
            t=over(pl.int_range(pl.len())).cast(F64),
            c1=ref(c, 1),
            v1=ref(v, 1),
        )
        .with_columns(
            up=(c - c1).clip(lower_bound=0),        # Greater($close-Ref($close, 1), 0)
            down=(c1 - c).clip(lower_bound=0),      # Greater(Ref($close, 1)-$close, 0)
            move=(c - c1).abs(),
            vup=(v - v1).clip(lower_bound=0),
            vdown=(v1 - v).clip(lower_bound=0),
            vmove=(v - v1).abs(),
            log_v=(v + 1).log(),
            c_ratio=c / c1,
            log_v_ratio=(v / v1 + 1).log().fill_nan(None),
            # Qlib's comparisons give False where an operand is missing
            rises=(c > c1).fill_null(False).cast(F64),
            falls=(c < c1).fill_null(False).cast(F64),
            wv=(c / c1 - 1).abs() * v,
        )
    )
    col = pl.col
    f = {
        "KMID": (c - o) / o,
        "KLEN": (h - l) / o,
        "KMID2": (c - o) / (h - l + 1e-12),
        "KUP": (h - pl.max_horizontal(o, c)) / o,
        "KUP2": (h - pl.max_horizontal(o, c)) / (h - l + 1e-12),
        "KLOW": (pl.min_horizontal(o, c) - l) / o,
        "KLOW2": (pl.min_horizontal(o, c) - l) / (h - l + 1e-12),
        "KSFT": (2 * c - h - l) / o,
        "KSFT2": (2 * c - h - l) / (h - l + 1e-12),
        "OPEN0": o / c,
        "HIGH0": h / c,
        "LOW0": l / c,
        "VWAP0": (h + l + c) / 3 / c,
    }
    ops = {}
    for d in WINDOWS:
        slope, rsquare, resi = ols(c, d)
        imax, imin = arg(h, d, "max"), arg(l, d, "min")
        cntp, cntn = mean(col("rises"), d), mean(col("falls"), d)
        sum_up, sum_down, sum_move = total(col("up"), d), total(col("down"), d), total(col("move"), d)
        vsum_up, vsum_down, vsum_move = total(col("vup"), d), total(col("vdown"), d), total(col("vmove"), d)
        ops[d] = {
            "ROC": ref(c, d) / c,
            "MA": mean(c, d) / c,
            "STD": std(c, d) / c,
            "BETA": slope / c,
            "RSQR": rsquare,
            "RESI": resi / c,
            "MAX": rmax(h, d) / c,
            "MIN": rmin(l, d) / c,
            "QTLU": over(c.rolling_quantile(0.8, "linear", d, min_samples=1)) / c,
            "QTLD": over(c.rolling_quantile(0.2, "linear", d, min_samples=1)) / c,
            "RANK": over(c.rolling_rank(d, "average", min_samples=1)) / count(c, d),
            "RSV": (c - rmin(l, d)) / (rmax(h, d) - rmin(l, d) + 1e-12),
            "IMAX": imax / d,
            "IMIN": imin / d,
            "IMXD": (imax - imin) / d,
            "CORR": corr(c, col("log_v"), d),
            "CORD": corr(col("c_ratio"), col("log_v_ratio"), d),
            "CNTP": cntp,
            "CNTN": cntn,
            "CNTD": cntp - cntn,
            "SUMP": sum_up / (sum_move + 1e-12),
            "SUMN": sum_down / (sum_move + 1e-12),
            "SUMD": (sum_up - sum_down) / (sum_move + 1e-12),
            "VMA": mean(v, d) / (v + 1e-12),
            "VSTD": std(v, d) / (v + 1e-12),
            "WVMA": std(col("wv"), d) / (mean(col("wv"), d) + 1e-12),
            "VSUMP": vsum_up / (vsum_move + 1e-12),
            "VSUMN": vsum_down / (vsum_move + 1e-12),
            "VSUMD": (vsum_up - vsum_down) / (vsum_move + 1e-12),
        }
    for op in ops[WINDOWS[0]]:  # Qlib's order: operator by operator, each over all windows
        for d in WINDOWS:
            f[f"{op}{d}"] = ops[d][op]
    features = [e.cast(F64).fill_nan(None).alias(name) for name, e in f.items()]
    return base.select("ticker", "date", *features).collect()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    emit = lambda **kv: print(json.dumps(kv), flush=True)
    t0 = time.perf_counter()
    df = load(args.input)
    t1 = time.perf_counter()
    out = alpha158(df)
    t2 = time.perf_counter()
    out.write_parquet(args.output, compression="snappy")
    t3 = time.perf_counter()
    emit(label="load", seconds=t1 - t0)
    emit(label="compute", seconds=t2 - t1)
    emit(label="write", seconds=t3 - t2)
    emit(label="work (load excluded)", seconds=t3 - t1)
    emit(label="work (load included)", seconds=t3 - t0)
    emit(label="shape", rows=out.height, factors=out.width - 2, threads=pl.thread_pool_size(),
         peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


if __name__ == "__main__":
    main()
