"""The Python side of bench/pipeline: Sluice's daily quant pipeline as a quant team would write it
without Sluice, with pandas + deltalake (delta-rs) + xgboost + mlflow, run over a backfill.

For each business day D (Mon-Fri) in [START, END] that has a landing folder LANDING/date=D/:

  ingest     landing bars -> data-quality checks -> LAKE/bronze (partition date=D replaced);
             bad rows with their reason -> LAKE/bronze_quarantine (partition run_date=D replaced)
  features   bronze over [D-120 days, D] -> Alpha158 per ticker (bench/factors/alpha158_pandas.py)
             -> rows of D MERGEd into LAKE/silver on (ticker, date)
  gold       bronze over [D-10 days, D] -> label = the ticker's next close / close - 1 where that
             next row exists by D -> joined to silver -> MERGEd into LAKE/gold on (ticker, date)
  train      Mondays (and any day until the model has a version) once gold has MIN_DATES dates
             before D: walk-forward grid search with xgboost over the last 120 of them, nested
             MLflow runs, refit, register, aliases challenger / champion
  inference  the champion (models:/quant_alpha158_xgb@champion) scores silver of D -> LAKE/signals
  report     signals of the last 60 days vs next-day returns -> LAKE/reports/signal_report_D.html
             with SVG charts, logged to the MLflow experiment 'quant_daily_reports'

Prints progress to stderr and, at the end, one JSON line on stdout with the seconds per phase
(summed over days), the total (process start included), the number of trainings and the peak RSS.
Start from an empty LAKE and a fresh tracking database: the champion alias is read from the
registry, so an old registry would serve an old model. Where this note and Sluice's operators
could differ, the code follows Sluice's (train_grid_search, promote_model, batch_inference).

Usage: python_side.py LANDING LAKE TRACKING_URI START END [--min-dates 20]
       e.g. python_side.py out/landing out/lake sqlite:///out/mlflow/mlflow.db 2023-01-02 2023-12-29
"""
import time

STARTED = time.perf_counter()  # before the heavy imports: "total" includes them

import argparse
import datetime as dt
import html
import itertools
import json
import math
import os
import resource
import sys
from pathlib import Path

import mlflow
import mlflow.pyfunc
import mlflow.xgboost
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import xgboost as xgb
from deltalake import DeltaTable, write_deltalake
from mlflow.models import infer_signature
from mlflow.tracking import MlflowClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "factors"))
from alpha158_pandas import alpha158  # noqa: E402  (the factors benchmark's pandas Alpha158)

FEATURE_LOOKBACK_DAYS = 120   # calendar days of bronze history for Alpha158 (60-row windows + shift)
GOLD_LOOKBACK_DAYS = 10       # calendar days whose labels may have matured by D
HORIZON = 1                   # label horizon in rows (trading days) of the same ticker
WINDOW_DATES = 120            # training window: the last 120 gold dates
GRID = {"max_depth": [3, 5], "eta": [0.1], "n_estimators": [60]}
FOLDS, PURGE = 3, 1
# Sluice's grid search stops after 20 rounds without improvement unless the grid sets
# early_stopping_rounds, and dags/quant_daily.yaml does not set it.
EARLY_STOPPING = 20
REPORT_DAYS = 60
# The names Sluice's reference DAG (dags/quant_daily.yaml) uses.
MODEL_NAME = "quant_alpha158_xgb"
TRAINING_EXPERIMENT = "quant_daily"
REPORT_EXPERIMENT = "quant_daily_reports"
KEY = ["ticker", "date"]
PRICES = ["open", "high", "low", "close"]
COLUMNS = ["ticker", "date", *PRICES, "volume"]


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Delta helpers

def to_arrow(df):
    """A pandas frame as the Arrow table the lake stores: dates as date32, tickers as string."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    for name, type_ in (("date", pa.date32()), ("run_date", pa.date32()), ("ticker", pa.string())):
        if name in table.column_names:
            i = table.column_names.index(name)
            table = table.set_column(i, name, table[name].cast(type_))
    return table


def read_dates(path, first, last, columns=None):
    """Rows of a date-partitioned table with first <= date <= last (only those partitions are read),
    with `date` as datetime64."""
    df = DeltaTable(path).to_pandas(
        partitions=[("date", ">=", first.isoformat()), ("date", "<=", last.isoformat())], columns=columns)
    df["date"] = pd.to_datetime(df["date"])
    return df


def replace_partition(path, table, column, day):
    write_deltalake(path, table, mode="overwrite", predicate=f"{column} = '{day.isoformat()}'",
                    partition_by=[column])


def upsert(path, table):
    """MERGE on (ticker, date); the first call creates the table partitioned by date."""
    if not DeltaTable.is_deltatable(path):
        write_deltalake(path, table, partition_by=["date"])
        return
    (DeltaTable(path)
     .merge(table, predicate="t.ticker = s.ticker AND t.date = s.date", source_alias="s", target_alias="t")
     .when_matched_update_all()
     .when_not_matched_insert_all()
     .execute())


# ---------------------------------------------------------------------------------------------
# 1. ingest

def quality_reasons(df, day):
    """Each row's problems joined with '; ' ('' for a good row), with Sluice's wording."""
    missing = df[[*PRICES, "volume", "ticker"]].isna()  # NaN counts as missing
    missing_text = "missing " + missing.dot(missing.columns + ",").str.rstrip(",")
    checks = [
        (missing.any(axis=1), missing_text),
        ((df[PRICES] <= 0).any(axis=1), "non-positive price"),
        (df["high"] < df["low"], "high below low"),
        (df.duplicated(KEY, keep=False), "duplicate key"),  # every copy of a repeated key is bad
        (df["date"].isna(), "missing date"),
        (df["date"].notna() & (df["date"] != day), "stale date " + df["date"].astype(str)),
    ]
    parts = pd.DataFrame({i: pd.Series(text, index=df.index).where(mask, "") for i, (mask, text) in enumerate(checks)})
    return parts.apply(lambda row: "; ".join(p for p in row if p), axis=1) if len(df) else pd.Series([], dtype=str)


def ingest(landing, lake, day):
    table = pq.read_table(landing / f"date={day.isoformat()}" / "bars.parquet")
    table = table.rename_columns([c.lower() for c in table.column_names]).select(COLUMNS)
    df = table.to_pandas()  # date as datetime.date objects
    reason = quality_reasons(df, day)
    good = (reason == "").to_numpy()
    replace_partition(lake / "bronze", table.filter(pa.array(good)), "date", day)
    bad = df[~good].assign(reason=reason[~good], run_date=day)
    if len(bad):
        # Partitioned by the run's date, not the row's: a stale row's own date differs from D and
        # would break the replaceWhere predicate, and a re-run must replace its own bad rows.
        replace_partition(lake / "bronze_quarantine", to_arrow(bad), "run_date", day)
    return f"{int(good.sum())} rows, {len(bad)} quarantined"


# ---------------------------------------------------------------------------------------------
# 2. features

def features(lake, day):
    history = read_dates(lake / "bronze", day - dt.timedelta(days=FEATURE_LOOKBACK_DAYS), day, COLUMNS)
    factors = alpha158(history)
    today = factors[factors["date"] == pd.Timestamp(day)]
    if today.empty:
        raise RuntimeError(f"bronze has no rows of {day}")
    upsert(lake / "silver", to_arrow(today))
    return f"{len(today)} rows from {len(history)} bronze rows"


# ---------------------------------------------------------------------------------------------
# 3. gold

def gold(lake, day):
    first = day - dt.timedelta(days=GOLD_LOOKBACK_DAYS)
    bars = read_dates(lake / "bronze", first, day, ["ticker", "date", "close"])
    bars = bars.sort_values(KEY, ignore_index=True)
    # The ticker's own next row (never another ticker's): known only if it exists by D.
    bars["label"] = bars.groupby("ticker", sort=False)["close"].shift(-HORIZON) / bars["close"] - 1
    labels = bars.dropna(subset=["label"])[["ticker", "date", "label"]]
    silver = read_dates(lake / "silver", first, day)
    rows = silver.merge(labels, on=KEY, how="inner")
    if rows.empty:
        return "no labelled rows yet"
    upsert(lake / "gold", to_arrow(rows))
    return f"{len(rows)} labelled rows over {rows['date'].nunique()} dates"


# ---------------------------------------------------------------------------------------------
# 4. train

def folds(n_dates, k, purge):
    """bench/training/python_side.py's cut: the first 1/(k+1) of the sorted dates trains only,
    then k consecutive test blocks; each fold trains on the dates before its test block less a
    purge gap, holding out the last 20% of them (after another purge) for early stopping.
    Returns ((train), (validation) or None, (test)) date-index ranges [lo, hi), or None when
    there are too few dates. As Sluice's WalkForward, a fold that would keep fewer than 2 dates to
    train on trains on all its dates without early stopping (never the case with 20 dates or
    more, 3 folds and a purge of 1)."""
    initial = n_dates // (k + 1)
    block = (n_dates - initial) // k
    if block < 1 or initial <= purge + 1:
        return None
    out = []
    for f in range(k):
        test_start = initial + f * block
        test_end = n_dates if f == k - 1 else test_start + block
        train_end = test_start - purge
        validation = max(1, int(train_end * 0.2))
        inner_end = train_end - validation - purge
        if inner_end >= 2:
            out.append(((0, inner_end), (train_end - validation, train_end), (test_start, test_end)))
        else:
            out.append(((0, train_end), None, (test_start, test_end)))
    return out


def scores(pred, frame):
    """RMSE, IC and RankIC (means over dates of the per-date Pearson / Spearman correlation)."""
    frame = frame.assign(pred=pred)
    by_date = frame.groupby("date")
    ic = by_date.apply(lambda d: d["pred"].corr(d["label"]), include_groups=False).dropna()
    rank_ic = by_date.apply(lambda d: d["pred"].rank().corr(d["label"].rank()), include_groups=False).dropna()
    return {"rmse": float(np.sqrt(((frame["pred"] - frame["label"]) ** 2).mean())),
            "ic": float(ic.mean()), "rank_ic": float(rank_ic.mean())}


def finite(metrics):
    return {k: v for k, v in metrics.items() if np.isfinite(v)}


def has_versions():
    return bool(MlflowClient().search_model_versions(f"name = '{MODEL_NAME}'"))


def is_retraining_day(day):
    """Mondays; and, as Sluice's train_grid_search with a model_name, any day while the registered
    model has no version yet (so the first model comes as soon as gold is deep enough)."""
    return day.isocalendar().weekday == 1 or not has_versions()


def train(lake, day, min_dates, experiment_id):
    # Called every day, like Sluice's train task, which decides from the date whether to train.
    if not DeltaTable.is_deltatable(lake / "gold"):
        return None, "skipped: no gold yet"
    if not is_retraining_day(day):
        return None, "not a retraining day"
    table = DeltaTable(lake / "gold")
    gold_version = table.version()  # everything below reads this one snapshot
    # Point in time, as Sluice's train_grid_search: the gold dates before D (a date's label is
    # known at the next date, so every one of them is known by D), less the last HORIZON - 1,
    # then the last WINDOW_DATES of them. The dates come from the partition values in the log.
    dates = sorted(d for d in {p["date"] for p in table.partitions()} if d < day.isoformat())
    dates = dates[:len(dates) - (HORIZON - 1)][-WINDOW_DATES:]
    if len(dates) < min_dates:
        return None, f"skipped: gold has {len(dates)} usable dates before {day}, fewer than {min_dates}"
    frame = table.to_pandas(partitions=[("date", ">=", dates[0]), ("date", "<=", dates[-1])])
    frame["date"] = pd.to_datetime(frame["date"])
    frame = frame[np.isfinite(frame["label"])].replace([np.inf, -np.inf], np.nan)
    features = [c for c in frame.columns if c not in ("ticker", "date", "label")]
    index = pd.Series(np.arange(len(dates)), index=pd.to_datetime(dates))
    frame["d"] = frame["date"].map(index)
    cuts = folds(len(dates), FOLDS, PURGE)
    if cuts is None:  # Sluice skips too (only possible with a small --min-dates)
        return None, f"skipped: {len(dates)} dates are too few for {FOLDS} folds with a purge of {PURGE}"
    select = lambda lo, hi: frame[(frame["d"] >= lo) & (frame["d"] < hi)]
    parts = [(select(*fit), select(*valid) if valid else None, select(*test)) for fit, valid, test in cuts]

    grid = [dict(zip(GRID, values)) for values in itertools.product(*GRID.values())]
    base = {"tree_method": "hist", "nthread": 2, "seed": 0, "verbosity": 0,
            "base_score": float(frame["label"].mean())}
    results = []
    with mlflow.start_run(experiment_id=experiment_id, run_name=f"train-{day}") as parent:
        mlflow.log_params({"run_date": day.isoformat(), "gold_version": gold_version, "window_dates": len(dates),
                           "first_date": dates[0], "last_date": dates[-1], "rows": len(frame),
                           "features": len(features), "folds": FOLDS, "purge": PURGE, "early_stopping_rounds": EARLY_STOPPING})
        for t, params in enumerate(grid):
            booster_params = {**base, "max_depth": params["max_depth"], "eta": params["eta"]}
            fold_scores, best_rounds = [], []
            with mlflow.start_run(experiment_id=experiment_id, run_name=f"trial-{t + 1}", nested=True):
                mlflow.log_params(params)
                for i, (fit, valid, test) in enumerate(parts):
                    dtrain = xgb.DMatrix(fit[features], label=fit["label"])
                    if valid is None:
                        booster = xgb.train(booster_params, dtrain, params["n_estimators"])
                        rounds = params["n_estimators"]
                    else:
                        booster = xgb.train(booster_params, dtrain, params["n_estimators"],
                                            evals=[(xgb.DMatrix(valid[features], label=valid["label"]), "valid")],
                                            early_stopping_rounds=EARLY_STOPPING, verbose_eval=False)
                        rounds = booster.best_iteration + 1
                    best_rounds.append(rounds)
                    pred = booster.predict(xgb.DMatrix(test[features]), iteration_range=(0, rounds))
                    s = scores(pred, test[["date", "label"]])
                    fold_scores.append(s)
                    mlflow.log_metrics(finite({f"fold_{k}": v for k, v in s.items()}), step=i)
                mean = {k: float(np.mean([s[k] for s in fold_scores])) for k in fold_scores[0]}
                mlflow.log_metrics(finite(mean))
            # mean best rounds rounded half up, as Sluice's refit does
            results.append((mean, t, params, booster_params, math.floor(np.mean(best_rounds) + 0.5)))
        mean, t, params, booster_params, rounds = max(
            results, key=lambda r: r[0]["rank_ic"] if np.isfinite(r[0]["rank_ic"]) else -np.inf)
        rank_ic = mean["rank_ic"]
        # Refit the best trial on every window date, with its mean early-stopped round count.
        refit = xgb.train(booster_params, xgb.DMatrix(frame[features], label=frame["label"]), max(1, rounds))
        mlflow.log_params({f"best_{k}": v for k, v in params.items()} | {"best_trial": t + 1, "refit_rounds": rounds})
        mlflow.log_metrics(finite(mean))  # the best trial's out-of-sample means: promotion reads rank_ic
        sample = frame[features].head(50)
        info = mlflow.xgboost.log_model(refit, name="model",
                                        signature=infer_signature(sample, refit.predict(xgb.DMatrix(sample))))
    version = mlflow.register_model(info.model_uri, MODEL_NAME).version
    return promote(version, rank_ic), f"rank_ic {rank_ic:.4f} (trial {t + 1}), gold v{gold_version}, {len(dates)} dates"


def promote(version, rank_ic):
    """challenger = the new version; champion moves to it when there is none yet or when its
    RankIC beats the champion's logged one. Returns the version."""
    client = MlflowClient()
    client.set_registered_model_alias(MODEL_NAME, "challenger", version)
    aliases = client.get_registered_model(MODEL_NAME).aliases
    if "champion" in aliases:
        champion = client.get_model_version_by_alias(MODEL_NAME, "champion")
        champion_ic = client.get_run(champion.run_id).data.metrics.get("rank_ic", -math.inf)
        if not rank_ic > champion_ic:
            log(f"    v{version} rank_ic {rank_ic:.4f} <= champion v{champion.version}'s {champion_ic:.4f}: challenger only")
            return version
    client.set_registered_model_alias(MODEL_NAME, "champion", version)
    log(f"    v{version} is the champion")
    return version


# ---------------------------------------------------------------------------------------------
# 5. inference

def champion_version():
    client = MlflowClient()
    if not client.search_registered_models(filter_string=f"name = '{MODEL_NAME}'"):
        return None
    return client.get_registered_model(MODEL_NAME).aliases.get("champion")


def inference(lake, day):
    version = champion_version()
    if version is None:
        return "skipped: no champion yet"
    model = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}@champion")
    silver_version = DeltaTable(lake / "silver").version()
    rows = read_dates(lake / "silver", day, day)
    features = [c for c in rows.columns if c not in KEY]
    score = np.asarray(model.predict(rows[features].replace([np.inf, -np.inf], np.nan)), dtype="float64")
    n = len(rows)
    # rank 1 = the highest score, ties by ticker, NaN scores last (as Sluice's batch_inference);
    # decile 10 = the top tenth
    signals = (rows[["date", "ticker"]].assign(score=score)
               .sort_values(["score", "ticker"], ascending=[False, True], na_position="last", ignore_index=True))
    signals["rank"] = np.arange(1, n + 1, dtype="int64")
    signals["decile"] = 10 - (signals["rank"] - 1) * 10 // n
    signals["side"] = np.select([signals["decile"] == 10, signals["decile"] == 1], ["long", "short"], "flat")
    signals["model_name"] = MODEL_NAME
    signals["model_version"] = int(version)
    signals["silver_version"] = silver_version
    replace_partition(lake / "signals", to_arrow(signals), "date", day)
    return f"{n} signals from v{version}"


# ---------------------------------------------------------------------------------------------
# 6. report

def report(lake, day, experiment_id):
    """Sluice's signal_report: signals of [D-60 days, D] judged by the same ticker's next close
    known by D; per date IC, RankIC, decile spread, long-short, long-book turnover; over the window
    their means, IC IRs, compounded long-short, Sharpe and max drawdown."""
    if not DeltaTable.is_deltatable(lake / "signals"):
        return "skipped: no signals yet"
    first = day - dt.timedelta(days=REPORT_DAYS)
    signals_version = DeltaTable(lake / "signals").version()
    bronze_version = DeltaTable(lake / "bronze").version()
    signals = read_dates(lake / "signals", first, day, ["date", "ticker", "score", "decile", "side"])
    signals = signals[np.isfinite(signals["score"])]
    bars = read_dates(lake / "bronze", first, day, ["ticker", "date", "close"]).sort_values(KEY, ignore_index=True)
    bars["ret"] = bars.groupby("ticker", sort=False)["close"].shift(-1) / bars["close"] - 1
    frame = signals.merge(bars[["ticker", "date", "ret"]], on=KEY, how="left")

    def per_date(d):
        known = d.dropna(subset=["ret"])
        mean_ret = lambda mask: known.loc[mask, "ret"].mean()
        return pd.Series({
            "count": len(known),
            "ic": known["score"].corr(known["ret"]) if len(known) > 1 else np.nan,
            "rank_ic": known["score"].rank().corr(known["ret"].rank()) if len(known) > 1 else np.nan,
            "decile_spread": mean_ret(known["decile"] == 10) - mean_ret(known["decile"] == 1),
            "long_short": mean_ret(known["side"] == "long") - mean_ret(known["side"] == "short"),
            # the book is what the signals say, whether or not each name's return is known
            "longs": frozenset(d.loc[d["side"] == "long", "ticker"]),
        })

    daily = frame.groupby("date").apply(per_date, include_groups=False)
    daily = daily[daily["count"] > 0]  # dates with no return known by D (D itself) are left out
    if daily.empty:
        return "skipped: no signal date has a known return yet"
    longs = daily.pop("longs")
    daily = daily.astype("float64")
    # Turnover: the share of the long book that is new since the previous evaluated date.
    daily["turnover"] = [len(now - before) / len(now) if isinstance(before, frozenset) and now else np.nan
                         for now, before in zip(longs, longs.shift(1))]
    wealth = (1 + daily["long_short"].fillna(0)).cumprod()      # compounded, starting at 1
    wealth = wealth.where(daily["long_short"].notna().cummax())  # undefined before the first long-short
    cumulative = wealth - 1
    ls, ic, rank_ic = (daily[c].dropna() for c in ("long_short", "ic", "rank_ic"))
    summary = {
        "ic": ic.mean(), "rank_ic": rank_ic.mean(), "icir": ic.mean() / ic.std(), "rank_icir": rank_ic.mean() / rank_ic.std(),
        "decile_spread": daily["decile_spread"].mean(), "long_short_mean": ls.mean(),
        "cumulative_long_short": cumulative.dropna().iloc[-1] if len(ls) else np.nan,
        "sharpe": ls.mean() / ls.std() * np.sqrt(252),
        "turnover": daily["turnover"].mean(),
        # the largest fall from a peak (the start, 1, counts as one), as a fraction of the peak
        "max_drawdown": (1 - wealth / wealth.cummax().clip(lower=1)).max() if len(ls) else np.nan,
    }
    rolling_rank_ic = daily["rank_ic"].rolling(5, min_periods=1).mean()
    path = lake / "reports" / f"signal_report_{day.isoformat()}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".html.part")
    partial.write_text(render(day, daily, cumulative, rolling_rank_ic, summary))
    os.replace(partial, path)  # readers never see half a page
    with mlflow.start_run(experiment_id=experiment_id, run_name=f"signal-report-{day}"):
        mlflow.log_params({"window_days": REPORT_DAYS, "date": day.isoformat(),
                           "signals_table": str(lake / "signals"), "signals_version": signals_version,
                           "bronze_table": str(lake / "bronze"), "bronze_version": bronze_version})
        mlflow.log_metrics(finite({k: float(v) for k, v in summary.items()}) | {"dates": len(daily)})
        mlflow.log_artifact(str(path), artifact_path="report")
    return f"{len(daily)} dates, cumulative long-short {summary['cumulative_long_short']:.4f}"


def svg_line(values, title, zero_line=False, width=640, height=220, pad=30):
    """An inline SVG polyline of a series (NaN points skipped)."""
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
    svg += f'<rect width="{width}" height="{height}" fill="white" stroke="#ccc"/>'
    svg += f'<text x="{pad}" y="16" font-size="13">{html.escape(title)}</text>'
    v = np.asarray(values, dtype="float64")
    x = pad + np.arange(len(v)) * (width - 2 * pad) / max(len(v) - 1, 1)
    ok = np.isfinite(v)
    if ok.any():
        lo, hi = min(v[ok].min(), 0.0), max(v[ok].max(), 0.0)
        span = hi - lo or 1.0
        y = height - pad - (v - lo) * (height - 2 * pad) / span
        if zero_line:
            zero = height - pad - (0 - lo) * (height - 2 * pad) / span
            svg += f'<line x1="{pad}" y1="{zero:.1f}" x2="{width - pad}" y2="{zero:.1f}" stroke="#999" stroke-dasharray="4"/>'
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x[ok], y[ok]))
        svg += f'<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="{points}"/>'
        svg += f'<text x="{width - pad}" y="{pad - 4}" font-size="11" text-anchor="end">max {hi:.4f}</text>'
        svg += f'<text x="{width - pad}" y="{height - 8}" font-size="11" text-anchor="end">min {lo:.4f}</text>'
    return svg + "</svg>"


def render(day, daily, cumulative, rolling_rank_ic, summary):
    """A self-contained page (no scripts): the summary, two SVG charts and the per-date table."""
    fmt = lambda v: "" if not np.isfinite(v) else f"{v:.4f}"
    facts = "".join(f"<tr><th>{html.escape(k)}</th><td>{fmt(float(v))}</td></tr>" for k, v in summary.items())
    head = "".join(f"<th>{html.escape(c)}</th>" for c in daily.columns)
    rows = "".join(f"<tr><td>{d.date()}</td>" + "".join(f"<td>{fmt(float(r[c]))}</td>" for c in daily.columns) + "</tr>"
                   for d, r in daily.iterrows())
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Signal report {day}</title></head><body>"
            f"<h1>Signal report {day}</h1><p>Signals of the last {REPORT_DAYS} days ({len(daily)} dates with a known "
            f"next-day return) against the same ticker's next close.</p><table>{facts}</table>"
            + svg_line(cumulative, "cumulative long-short (compounded)", zero_line=True)
            + svg_line(rolling_rank_ic, "RankIC, 5-date rolling mean", zero_line=True)
            + f"<h2>Per date</h2><table><tr><th>date</th>{head}</tr>{rows}</table></body></html>")


# ---------------------------------------------------------------------------------------------

def experiment(client, name, artifact_root):
    found = client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    location = (artifact_root / name).as_uri() if artifact_root else None
    return client.create_experiment(name, artifact_location=location)


def business_days(landing, start, end):
    day, out = start, []
    while day <= end:
        if day.weekday() < 5 and (landing / f"date={day.isoformat()}").is_dir():
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("landing", type=Path)
    parser.add_argument("lake", type=Path)
    parser.add_argument("tracking_uri")
    parser.add_argument("start", type=dt.date.fromisoformat)
    parser.add_argument("end", type=dt.date.fromisoformat)
    parser.add_argument("--min-dates", type=int, default=20)
    args = parser.parse_args()

    days = business_days(args.landing, args.start, args.end)
    if not days:
        raise SystemExit(f"no business day with a landing folder in {args.landing} from {args.start} to {args.end}")
    args.lake.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(args.tracking_uri)
    # Artifacts beside a SQLite database (DIR/mlflow.db -> DIR/artifacts/EXPERIMENT); for any other
    # tracking URI, the server's default location.
    artifact_root = None
    if args.tracking_uri.startswith("sqlite:///"):
        artifact_root = Path(args.tracking_uri[len("sqlite:///"):]).resolve().parent / "artifacts"
    client = MlflowClient()
    training_experiment = experiment(client, TRAINING_EXPERIMENT, artifact_root)
    reports_experiment = experiment(client, REPORT_EXPERIMENT, artifact_root)

    phases = dict.fromkeys(["ingest", "features", "gold", "train", "inference", "report"], 0.0)
    trainings = 0
    for day in days:
        line = []

        def timed(name, fn, *fn_args):
            begin = time.perf_counter()
            result = fn(*fn_args)
            seconds = time.perf_counter() - begin
            phases[name] += seconds
            line.append(f"{name} {seconds:.2f}s")
            return result

        notes = [timed("ingest", ingest, args.landing, args.lake, day),
                 timed("features", features, args.lake, day),
                 timed("gold", gold, args.lake, day)]
        version, note = timed("train", train, args.lake, day, args.min_dates, training_experiment)
        trainings += version is not None
        notes.append(note)
        notes += [timed("inference", inference, args.lake, day),
                  timed("report", report, args.lake, day, reports_experiment)]
        log(f"{day} " + ", ".join(line) + " | " + "; ".join(notes))

    total = time.perf_counter() - STARTED
    peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    print(json.dumps({"days": len(days), "phases": {k: round(v, 3) for k, v in phases.items()},
                      "total": round(total, 3), "trainings": trainings, "peak_rss_mib": round(peak, 1)}), flush=True)


if __name__ == "__main__":
    main()
