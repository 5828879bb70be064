"""The Python side of bench/training: the same walk-forward grid search Sluice runs, as a quant
would write it with pandas + xgboost + mlflow: read the gold Parquet, cut the same folds (sorted
dates, the first 1/(folds+1) for training only, consecutive test blocks, a purge gap, the last 20%
of each fold's training dates for early stopping), train every trial on every fold, compute the
same metrics (per-date Pearson/Spearman IC...), log each trial as a nested MLflow run, refit the
best on all dates and log the model. Prints JSON lines with the timings."""
import json, sys, time, itertools

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import xgboost as xgb
import mlflow


def folds(n_dates, k, purge):
    initial = n_dates // (k + 1)
    block = (n_dates - initial) // k
    out = []
    for f in range(k):
        test_start = initial + f * block
        test_end = n_dates if f == k - 1 else test_start + block
        train_end = test_start - purge
        validation = max(1, int(train_end * 0.2))
        inner_end = train_end - validation - purge
        out.append(((0, inner_end), (train_end - validation, train_end), (test_start, test_end)))
    return out


def metrics(pred, frame):
    frame = frame.assign(pred=pred)
    g = frame.groupby("date")
    ic = g.apply(lambda d: d["pred"].corr(d["label"]), include_groups=False).dropna()
    ric = g.apply(lambda d: d["pred"].rank().corr(d["label"].rank()), include_groups=False).dropna()
    return {"rmse": float(np.sqrt(((frame["pred"] - frame["label"]) ** 2).mean())), "ic": float(ic.mean()),
            "rank_ic": float(ric.mean()), "icir": float(ic.mean() / ic.std()), "rank_icir": float(ric.mean() / ric.std())}


def main(gold, tracking_dir, grid_text, k, purge):
    start = time.perf_counter()
    frame = pq.read_table(gold).to_pandas()
    frame = frame[np.isfinite(frame["label"])]
    features = [c for c in frame.columns if c not in ("ticker", "date", "label")]
    frame[features] = frame[features].replace([np.inf, -np.inf], np.nan)
    dates = np.sort(frame["date"].unique())
    date_index = pd.Series(np.arange(len(dates)), index=dates)
    frame["d"] = frame["date"].map(date_index).to_numpy()
    parts = []
    for (a, b), (c, d), (e, f) in folds(len(dates), k, purge):
        sel = lambda lo, hi: frame[(frame["d"] >= lo) & (frame["d"] < hi)]
        parts.append((sel(a, b), sel(c, d), sel(e, f)))
    prepared = time.perf_counter()
    mlflow.set_tracking_uri(f"sqlite:///{tracking_dir}/mlflow.db")
    mlflow.set_experiment("bench")
    grid = [dict(zip([p.split("=")[0] for p in grid_text.split(";")], values))
            for values in itertools.product(*[p.split("=")[1].split(",") for p in grid_text.split(";")])]
    results = []
    with mlflow.start_run(run_name="grid-search") as parent:
        for t, params in enumerate(grid):
            rounds = int(params.get("n_estimators", 100))
            booster_params = {"max_depth": int(params["max_depth"]), "eta": float(params["eta"]), "tree_method": "hist",
                              "nthread": 2, "seed": 0, "verbosity": 0, "base_score": float(frame["label"].mean())}
            fold_metrics, best_rounds = [], []
            with mlflow.start_run(run_name=f"trial-{t + 1}", nested=True):
                mlflow.log_params(params)
                for i, (train, valid, test) in enumerate(parts):
                    dtrain = xgb.DMatrix(train[features], label=train["label"], missing=np.nan)
                    dvalid = xgb.DMatrix(valid[features], label=valid["label"], missing=np.nan)
                    booster = xgb.train(booster_params, dtrain, rounds, evals=[(dvalid, "valid")], early_stopping_rounds=20, verbose_eval=False)
                    best_rounds.append(booster.best_iteration + 1)
                    pred = booster.predict(xgb.DMatrix(test[features], missing=np.nan), iteration_range=(0, booster.best_iteration + 1))
                    m = metrics(pred, test[["date", "label"]])
                    fold_metrics.append(m)
                    mlflow.log_metrics({f"fold_{key}": value for key, value in m.items() if np.isfinite(value)}, step=i)
                mean = {key: float(np.mean([m[key] for m in fold_metrics])) for key in fold_metrics[0]}
                mlflow.log_metrics({key: value for key, value in mean.items() if np.isfinite(value)})
            results.append((mean["rank_ic"], params, int(round(np.mean(best_rounds))), booster_params))
        best = max(results, key=lambda r: r[0] if np.isfinite(r[0]) else -np.inf)
        refit = xgb.train(best[3], xgb.DMatrix(frame[features], label=frame["label"], missing=np.nan), max(1, best[2]))
        mlflow.xgboost.log_model(refit, name="model")
    done = time.perf_counter()
    print(json.dumps({"label": "python", "seconds": done - start, "preparation": prepared - start, "training": done - prepared}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
