"""DEV AID — checks what python_side.py left behind after a backfill, reading the Delta tables back
with deltalake and the registry with MLflow; not part of the timed benchmark.

  bronze      every landing row is in bronze or in the quarantine of its run date, never both;
              bronze has no bad row, one row per (ticker, date)
  silver      one row per (ticker, date), equal to Alpha158 computed over the whole bronze history
              (exact when the backfill is shorter than the 120-day lookback)
  gold        every label equals the same ticker's next bronze close / close - 1; every bronze row
              but each ticker's last has its gold row; gold features equal silver's
  signals     rank 1..n per date by descending score, deciles and sides from the ranks, the
              champion of the last date re-scores that date identically
  registry    champion = the version with the best logged rank_ic; every training used dates
              before its run date only
  reports     one per date with an evaluated signal date; the last one's metrics recomputed

Prints one line per check and exits 1 if any fails.
Usage: check_lake.py LANDING LAKE TRACKING_URI
"""
import datetime as dt
import sys
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from deltalake import DeltaTable
from mlflow.tracking import MlflowClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "factors"))
from alpha158_pandas import alpha158  # noqa: E402

KEY = ["ticker", "date"]
MODEL_NAME = "quant_alpha158_xgb"
failures = []


def check(name, ok, detail=""):
    print(f"{'PASS' if ok else 'FAIL'} {name}" + (f": {detail}" if detail else ""))
    if not ok:
        failures.append(name)


def table(path):
    df = DeltaTable(path).to_pandas()
    for c in ("date", "run_date"):
        if c in df:
            df[c] = pd.to_datetime(df[c])
    return df


def close_enough(a, b):
    """Max abs difference of two float frames, NaN matching NaN (inf matching inf)."""
    a, b = a.to_numpy(dtype="float64"), b.to_numpy(dtype="float64")
    same_missing = np.array_equal(np.isnan(a), np.isnan(b))
    diff = np.abs(np.where(np.isfinite(a) & np.isfinite(b), a - b, 0.0)).max()
    return same_missing and np.array_equal(np.isinf(a), np.isinf(b)), float(diff)


def main(landing, lake, tracking_uri):
    landing, lake = Path(landing), Path(lake)
    bronze, silver, gold = table(lake / "bronze"), table(lake / "silver"), table(lake / "gold")
    quarantine = table(lake / "bronze_quarantine")
    run_dates = sorted(bronze["date"].unique())

    # bronze + quarantine = landing, day by day
    counts_ok = True
    for day in run_dates:
        raw = pq.read_table(landing / f"date={pd.Timestamp(day).date()}" / "bars.parquet").num_rows
        counts_ok &= raw == (bronze["date"] == day).sum() + (quarantine["run_date"] == day).sum()
    check("bronze + quarantine rows = landing rows per day", counts_ok, f"{len(bronze)} + {len(quarantine)} rows, {len(run_dates)} days")
    prices = bronze[["open", "high", "low", "close"]]
    clean = (not bronze[["open", "high", "low", "close", "volume", "ticker"]].isna().any().any()
             and (prices > 0).all().all() and (bronze["high"] >= bronze["low"]).all()
             and not bronze.duplicated(KEY).any())
    check("bronze has no bad row and unique keys", clean)
    reasons = quarantine["reason"].str.split("; ").explode().str.replace(r" \d{4}-.*", "", regex=True).value_counts()
    check("quarantine reasons", len(quarantine) > 0, ", ".join(f"{k}: {v}" for k, v in reasons.items()))

    # silver = Alpha158 over the whole history
    full = alpha158(bronze[["ticker", "date", "open", "high", "low", "close", "volume"]].copy())
    check("silver has one row per bronze row", len(silver) == len(bronze) and not silver.duplicated(KEY).any(),
          f"{len(silver)} rows")
    merged = silver.merge(full, on=KEY, suffixes=("", "_full"))
    names = [c for c in full.columns if c not in KEY]
    same, diff = close_enough(merged[names], merged[[f"{c}_full" for c in names]])
    check("silver = Alpha158 over all history", same and diff < 1e-9 and len(merged) == len(silver),
          f"{len(names)} features, max abs diff {diff:.2e}")

    # gold labels against each ticker's next close
    bars = bronze.sort_values(KEY, ignore_index=True)
    bars["next_return"] = bars.groupby("ticker")["close"].shift(-1) / bars["close"] - 1
    expected = bars.dropna(subset=["next_return"])
    joined = gold.merge(expected[KEY + ["next_return"]], on=KEY, how="outer", indicator=True)
    both = joined[joined["_merge"] == "both"]
    check("every gold label = the ticker's next close / close - 1",
          (joined["_merge"] != "left_only").all() and np.allclose(both["label"], both["next_return"], rtol=0, atol=1e-12),
          f"{len(both)} labels, max abs diff {np.abs(both['label'] - both['next_return']).max():.2e}")
    check("every bronze row but each ticker's last is in gold", (joined["_merge"] != "right_only").all(),
          f"{(joined['_merge'] == 'right_only').sum()} missing")
    g = gold.merge(silver, on=KEY, suffixes=("", "_silver"))
    same, diff = close_enough(g[names], g[[f"{c}_silver" for c in names]])
    check("gold features = silver features", same and diff == 0)

    # signals
    if not DeltaTable.is_deltatable(lake / "signals"):
        check("signals exist", False)
        return
    signals = table(lake / "signals")
    ok = True
    for day, d in signals.groupby("date"):
        n = len(d)
        order = d.sort_values("rank")
        ok &= (sorted(d["rank"]) == list(range(1, n + 1))) and order["score"].is_monotonic_decreasing
        ok &= (d["decile"] == 10 - (d["rank"] - 1) * 10 // n).all()
        ok &= (d["side"] == np.where(d["decile"] == 10, "long", np.where(d["decile"] == 1, "short", "flat"))).all()
    check("signals: ranks, deciles and sides", ok, f"{signals['date'].nunique()} dates, versions {sorted(signals['model_version'].unique())}")

    mlflow.set_tracking_uri(tracking_uri)
    client = MlflowClient()
    versions = client.search_model_versions(f"name = '{MODEL_NAME}'")
    ics = {int(v.version): client.get_run(v.run_id).data.metrics["rank_ic"] for v in versions}
    aliases = client.get_registered_model(MODEL_NAME).aliases
    best = max(ics, key=ics.get)
    check("champion = best logged rank_ic", int(aliases["champion"]) == best and int(aliases["challenger"]) == max(ics),
          f"rank_ic by version {ics}, aliases {aliases}")
    trainings = [r for r in client.search_runs([client.get_experiment_by_name("quant_daily").experiment_id], max_results=1000)
                 if "mlflow.parentRunId" not in r.data.tags]
    before = all(r.data.params["last_date"] < r.data.params["run_date"] for r in trainings)
    check("every training used only gold dates before its run date", before and len(trainings) == len(ics),
          ", ".join(f"{r.data.params['run_date']}: {r.data.params['first_date']}..{r.data.params['last_date']}"
                    for r in sorted(trainings, key=lambda r: r.data.params["run_date"])))
    last = signals[signals["date"] == signals["date"].max()].sort_values("ticker")
    model = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}/{int(last['model_version'].iloc[0])}")
    rows = silver[silver["date"] == last["date"].iloc[0]].sort_values("ticker")
    rescored = model.predict(rows[names].replace([np.inf, -np.inf], np.nan))
    check("signals' scores = their model version re-scoring silver", np.allclose(rescored, last["score"], rtol=0, atol=1e-6))

    reports = sorted((lake / "reports").glob("signal_report_*.html"))
    experiment = client.get_experiment_by_name("quant_daily_reports")
    runs = client.search_runs([experiment.experiment_id], max_results=1000)
    # A re-run date logs another run (MLflow runs are never replaced): count the dates.
    logged = {r.data.params["date"] for r in runs if client.list_artifacts(r.info.run_id, "report")}
    evaluated = sorted(signals["date"].unique())[:-1]  # the last signal date has no next close yet
    check("one report per date with an evaluated signal date, each logged", len(reports) == len(evaluated) == len(logged),
          f"{len(reports)} files, {len(logged)} dates logged in {len(runs)} runs")

    # The last report's numbers, recomputed with plain loops over the signals and full bronze.
    day = max(logged)
    run = max((r for r in runs if r.data.params["date"] == day), key=lambda r: r.info.start_time)
    first = pd.Timestamp(day) - pd.Timedelta(days=60)
    closes = {(t, d): c for t, d, c in bronze[["ticker", "date", "close"]].itertuples(index=False)}
    following = {}
    for t, g in bronze[bronze["date"] <= pd.Timestamp(day)].sort_values("date").groupby("ticker"):
        dates = list(g["date"])
        following.update({(t, a): b for a, b in zip(dates, dates[1:])})
    wealth, peak, drawdown, spreads = 1.0, 1.0, 0.0, []
    for d, g in signals[(signals["date"] >= first) & (signals["date"] <= pd.Timestamp(day))].groupby("date"):
        rets = {t: closes[(t, following[(t, d)])] / closes[(t, d)] - 1 for t in g["ticker"] if (t, d) in following}
        if not rets:
            continue
        longs = [rets[t] for t, s in zip(g["ticker"], g["side"]) if s == "long" and t in rets]
        shorts = [rets[t] for t, s in zip(g["ticker"], g["side"]) if s == "short" and t in rets]
        spread = sum(longs) / len(longs) - sum(shorts) / len(shorts)
        spreads.append(spread)
        wealth *= 1 + spread
        peak = max(peak, wealth)
        drawdown = max(drawdown, 1 - wealth / peak)
    metrics = run.data.metrics
    check(f"report {day}: dates, compounded long-short, max drawdown, Sharpe recomputed",
          metrics["dates"] == len(spreads) and np.isclose(metrics["cumulative_long_short"], wealth - 1, atol=1e-12)
          and np.isclose(metrics["max_drawdown"], drawdown, atol=1e-12)
          # Sharpe is undefined (and not logged) under two dates
          and np.isclose(metrics.get("sharpe", np.nan), np.mean(spreads) / np.std(spreads, ddof=1) * np.sqrt(252)
                         if len(spreads) > 1 else np.nan, atol=1e-9, equal_nan=True),
          f"{len(spreads)} dates, cumulative {wealth - 1:.4f}, drawdown {drawdown:.4f}")
    for name in ("bronze", "silver", "gold", "signals", "bronze_quarantine"):
        print(f"     {name}: version {DeltaTable(lake / name).version()}, {len(table(lake / name))} rows")


if __name__ == "__main__":
    main(*sys.argv[1:4])
    print(f"{len(failures)} failed" if failures else "all checks passed")
    sys.exit(1 if failures else 0)
