"""Qlib's Alpha158 in pandas, the way a quant writes it for a long panel: one groupby('ticker')
and the rolling built-ins (mean, sum, std, max, min, quantile, rank(pct=True), corr), with
rolling.apply only where pandas has no built-in (IdxMax / IdxMin: np.argmax / np.argmin + 1 on
raw windows). Slope / Rsquare / Resi use the closed-form OLS from rolling sums. Feature names
and definitions are Qlib's (Alpha158DL.get_feature_config with its default config: kbar, price
OPEN0 HIGH0 LOW0 VWAP0, and 29 rolling operators x windows 5, 10, 20, 30, 60); every rolling
window has min_periods=1, as in Qlib. $vwap is not in the input, so it is (high + low + close) / 3.

Input: a long Parquet panel (ticker, date, open, high, low, close, volume) or a folder of
per-ticker CSVs (Date,High,Low,Open,Close,Volume,Adj Close,Name). Output: Parquet with ticker,
date and the 158 features as float64 columns, rows sorted by (ticker, date).

Prints one JSON object per line: the seconds of load, compute and write, the work with the load
excluded (compute + write) and included (load + compute + write, comparable with
`sluice factors compute --timing`), then rows, factors and the peak RSS.

Usage: alpha158_pandas.py --input PATH --output OUT.parquet
"""
import argparse
import glob
import json
import os
import resource
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

WINDOWS = [5, 10, 20, 30, 60]


def load(path):
    if os.path.isdir(path):
        frames = [pd.read_csv(f) for f in sorted(glob.glob(os.path.join(path, "*.csv")))]
        df = pd.concat(frames, ignore_index=True).rename(columns={
            "Name": "ticker", "Date": "date", "Open": "open", "High": "high", "Low": "low",
            "Close": "close", "Volume": "volume"})
    else:
        df = pd.read_parquet(path, columns=["ticker", "date", "open", "high", "low", "close", "volume"])
    df = df[["ticker", "date", "open", "high", "low", "close", "volume"]]
    df["date"] = pd.to_datetime(df["date"])
    for c in ["open", "high", "low", "close", "volume"]:
        df[c] = df[c].astype("float64")
    return df


def alpha158(df):
    df = df.sort_values(["ticker", "date"], kind="stable", ignore_index=True)
    # Rows are sorted by ticker, so every per-ticker result below comes back in row order.
    key = pd.Categorical(df["ticker"])
    o, h, l, c, v = (df[x] for x in ["open", "high", "low", "close", "volume"])
    vwap = (h + l + c) / 3

    def grouped(s):
        return s.groupby(key, sort=False, observed=True)

    def rolling(s, d):
        return grouped(s).rolling(d, min_periods=1)

    def series(r):  # a groupby-rolling result (ticker, row) back onto the frame's rows
        return pd.Series(r.to_numpy(), index=df.index)

    def ref(s, d):
        return grouped(s).shift(d)

    def mean(s, d): return series(rolling(s, d).mean())
    def total(s, d): return series(rolling(s, d).sum())
    def std(s, d): return series(rolling(s, d).std())
    def rmax(s, d): return series(rolling(s, d).max())
    def rmin(s, d): return series(rolling(s, d).min())
    def count(s, d): return series(rolling(s, d).count())

    def flat(s, d):  # Qlib: where the window's std is within 2e-5 of 0, Corr and Rsquare are NaN
        return np.isclose(std(s, d), 0, atol=2e-05)

    def corr(x, y, d):
        frame = pd.DataFrame({"x": x, "y": y})
        r = frame.groupby(key, sort=False, observed=True, group_keys=False)[["x", "y"]].apply(
            lambda g: g["x"].rolling(d, min_periods=1).corr(g["y"]))
        r = pd.Series(r.to_numpy(), index=df.index)
        return r.mask(flat(x, d) | flat(y, d))

    # Slope / Rsquare / Resi: OLS of y on the row's position t within its ticker (positions are
    # shifted by a constant from Qlib's 1..N, which changes neither slope, R² nor residual).
    t = pd.Series(grouped(c).cumcount().to_numpy(dtype="float64"), index=df.index)

    def ols(y, d):
        tx = t.where(y.notna())
        n = count(y, d)
        sx, sy = total(tx, d), total(y, d)
        sxx, syy, sxy = total(tx * tx, d), total(y * y, d), total(tx * y, d)
        cov = n * sxy - sx * sy
        varx = n * sxx - sx * sx
        vary = n * syy - sy * sy
        slope = cov / varx
        rsquare = (cov * cov / (varx * vary)).mask(flat(y, d))
        resi = y - (sy / n + slope * (t - sx / n))
        return slope, rsquare, resi

    f = {}
    # kbar
    f["KMID"] = (c - o) / o
    f["KLEN"] = (h - l) / o
    f["KMID2"] = (c - o) / (h - l + 1e-12)
    f["KUP"] = (h - np.maximum(o, c)) / o
    f["KUP2"] = (h - np.maximum(o, c)) / (h - l + 1e-12)
    f["KLOW"] = (np.minimum(o, c) - l) / o
    f["KLOW2"] = (np.minimum(o, c) - l) / (h - l + 1e-12)
    f["KSFT"] = (2 * c - h - l) / o
    f["KSFT2"] = (2 * c - h - l) / (h - l + 1e-12)
    # price
    f["OPEN0"] = o / c
    f["HIGH0"] = h / c
    f["LOW0"] = l / c
    f["VWAP0"] = vwap / c

    # rolling: inputs shared by several operators
    c1 = ref(c, 1)
    up = np.maximum(c - c1, 0)            # Greater($close-Ref($close, 1), 0)
    down = np.maximum(c1 - c, 0)          # Greater(Ref($close, 1)-$close, 0)
    move = (c - c1).abs()
    v1 = ref(v, 1)
    vup = np.maximum(v - v1, 0)
    vdown = np.maximum(v1 - v, 0)
    vmove = (v - v1).abs()
    log_v = np.log(v + 1)
    c_ratio = c / c1
    log_v_ratio = np.log(v / v1 + 1)
    rises = (c > c1).astype("float64")
    falls = (c < c1).astype("float64")
    wv = (c / c1 - 1).abs() * v

    ops = {}
    for d in WINDOWS:
        slope, rsquare, resi = ols(c, d)
        high_max, low_min = rmax(h, d), rmin(l, d)
        imax = series(rolling(h, d).apply(np.argmax, raw=True)) + 1
        imin = series(rolling(l, d).apply(np.argmin, raw=True)) + 1
        cntp, cntn = mean(rises, d), mean(falls, d)
        sum_up, sum_down, sum_move = total(up, d), total(down, d), total(move, d)
        vsum_up, vsum_down, vsum_move = total(vup, d), total(vdown, d), total(vmove, d)
        ops[d] = {
            "ROC": ref(c, d) / c,
            "MA": mean(c, d) / c,
            "STD": std(c, d) / c,
            "BETA": slope / c,
            "RSQR": rsquare,
            "RESI": resi / c,
            "MAX": high_max / c,
            "MIN": low_min / c,
            "QTLU": series(rolling(c, d).quantile(0.8)) / c,
            "QTLD": series(rolling(c, d).quantile(0.2)) / c,
            "RANK": series(rolling(c, d).rank(pct=True)),
            "RSV": (c - low_min) / (high_max - low_min + 1e-12),
            "IMAX": imax / d,
            "IMIN": imin / d,
            "IMXD": (imax - imin) / d,
            "CORR": corr(c, log_v, d),
            "CORD": corr(c_ratio, log_v_ratio, d),
            "CNTP": cntp,
            "CNTN": cntn,
            "CNTD": cntp - cntn,
            "SUMP": sum_up / (sum_move + 1e-12),
            "SUMN": sum_down / (sum_move + 1e-12),
            "SUMD": (sum_up - sum_down) / (sum_move + 1e-12),
            "VMA": mean(v, d) / (v + 1e-12),
            "VSTD": std(v, d) / (v + 1e-12),
            "WVMA": std(wv, d) / (mean(wv, d) + 1e-12),
            "VSUMP": vsum_up / (vsum_move + 1e-12),
            "VSUMN": vsum_down / (vsum_move + 1e-12),
            "VSUMD": (vsum_up - vsum_down) / (vsum_move + 1e-12),
        }
    for op in ops[WINDOWS[0]]:  # Qlib's order: operator by operator, each over all windows
        for d in WINDOWS:
            f[f"{op}{d}"] = ops[d][op]

    out = pd.DataFrame({"ticker": df["ticker"], "date": df["date"]})
    features = pd.DataFrame({name: s.to_numpy(dtype="float64") for name, s in f.items()}, index=df.index)
    return pd.concat([out, features], axis=1)


def write(out, path):
    table = pa.Table.from_pandas(out, preserve_index=False)
    table = table.set_column(1, "date", table["date"].cast(pa.date32()))
    pq.write_table(table, path, compression="snappy")


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
    write(out, args.output)
    t3 = time.perf_counter()
    emit(label="load", seconds=t1 - t0)
    emit(label="compute", seconds=t2 - t1)
    emit(label="write", seconds=t3 - t2)
    emit(label="work (load excluded)", seconds=t3 - t1)
    emit(label="work (load included)", seconds=t3 - t0)
    emit(label="shape", rows=len(out), factors=out.shape[1] - 2,
         peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


if __name__ == "__main__":
    main()
