"""Compares Alpha158 outputs of bench/factors: the same shape, the same (ticker, date) rows in
the same order, the same feature columns, and per feature column how far the values are apart.

A column agrees when, against the first (reference) file: its median relative difference
|a - b| / max(|a|, |b|) over the rows where both are finite is below 1e-6, the same rows are
missing (null or NaN) in both, and at most 0.1% of the rows differ by more than 1e-6 relatively.
Disagreeing columns are listed with the number of rows off and the worst row; they are reported,
not treated as a failure (pandas' running sums leave rounding residue in flat windows, which
features dividing by `x + 1e-12` turn into large values). Exits non-zero only when the shapes,
rows or columns differ.

Usage: compare.py LABEL=FILE LABEL=FILE [LABEL=FILE ...]   (the first is the reference)
"""
import sys

import numpy as np
import pyarrow.parquet as pq

REL = 1e-6
ROW_SHARE = 0.001


def load(path):
    table = pq.read_table(path)
    keys = (table["ticker"].cast("string").to_numpy(zero_copy_only=False),
            table["date"].cast("date32").cast("int32").to_numpy(zero_copy_only=False))
    return table, keys


def values(table, name):
    return table[name].cast("double").to_numpy(zero_copy_only=False)  # nulls become NaN


@np.errstate(invalid="ignore")  # inf - inf where both are the same infinity
def compare_column(a, b):
    both_missing = np.isnan(a) & np.isnan(b)
    one_missing = np.isnan(a) ^ np.isnan(b)
    finite = np.isfinite(a) & np.isfinite(b)
    same = (a == b) | both_missing
    scale = np.maximum(np.abs(a[finite]), np.abs(b[finite]))
    rel = np.zeros(finite.sum())
    nz = scale > 0
    rel[nz] = np.abs(a[finite][nz] - b[finite][nz]) / scale[nz]
    off_rel = np.zeros(len(a), dtype=bool)
    off_rel[np.flatnonzero(finite)[rel > REL]] = True
    off = off_rel | (~finite & ~same)  # includes one missing, inf vs finite, +inf vs -inf
    return {
        "median_rel": float(np.median(rel)) if rel.size else 0.0,
        "missing_mismatch": int(one_missing.sum()),
        "rows_off": int(off.sum()),
        "worst": int(np.argmax(np.where(off_rel, np.abs(a - b), 0))) if off_rel.any() else
                 (int(np.argmax(off)) if off.any() else None),
    }


def main(specs):
    labels, paths = zip(*(s.split("=", 1) for s in specs))
    loaded = [load(p) for p in paths]
    ref_table, ref_keys = loaded[0]
    names = [c for c in ref_table.column_names if c not in ("ticker", "date")]
    print(f"reference {labels[0]}: {ref_table.num_rows:,} rows x {len(names)} factors")
    ok = True
    for label, (table, keys) in zip(labels[1:], loaded[1:]):
        other = [c for c in table.column_names if c not in ("ticker", "date")]
        if table.num_rows != ref_table.num_rows or set(other) != set(names):
            print(f"{label}: SHAPE DIFFERS: {table.num_rows:,} rows x {len(other)} factors; "
                  f"missing columns {sorted(set(names) - set(other))}, extra {sorted(set(other) - set(names))}")
            ok = False
            continue
        if not (np.array_equal(keys[0], ref_keys[0]) and np.array_equal(keys[1], ref_keys[1])):
            print(f"{label}: ROWS DIFFER: the (ticker, date) keys are not the reference's, in its order")
            ok = False
            continue
        lines, agree, worst_median = [], 0, 0.0
        for n in names:
            a, b = values(ref_table, n), values(table, n)
            r = compare_column(a, b)
            worst_median = max(worst_median, r["median_rel"])
            if r["median_rel"] < REL and r["missing_mismatch"] == 0 and r["rows_off"] <= ROW_SHARE * table.num_rows:
                agree += 1
                continue
            line = (f"  {n:8} median rel {r['median_rel']:.1e}, {r['rows_off']:,} rows off "
                    f"({100 * r['rows_off'] / table.num_rows:.2f}%), {r['missing_mismatch']:,} missing in one only")
            if r["worst"] is not None:
                i = r["worst"]
                line += f"; e.g. {ref_keys[0][i]} {np.datetime64(int(ref_keys[1][i]), 'D')}: {a[i]:.6g} vs {b[i]:.6g}"
            lines.append(line)
        print(f"{label} vs {labels[0]}: same shape and rows; {agree} of {len(names)} columns agree "
              f"(largest median relative difference {worst_median:.1e})")
        for line in lines:
            print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
