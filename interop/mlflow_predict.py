"""Loads a model with MLflow (`mlflow.pyfunc.load_model`, a local directory or a models:/ URI) and
prints its predictions for a feature matrix, one per line: the interop check that MLflow serves
what Sluice trained. Runs in interop/.venv-mlflow.

    python interop/mlflow_predict.py MODEL_URI FEATURES.json [--tracking-uri URI]

FEATURES.json: {"columns": [...], "rows": [[...], ...]} (null for missing)."""
import argparse, json, sys, tempfile

import mlflow
import numpy as np
import pandas as pd


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("features")
    ap.add_argument("--tracking-uri")
    args = ap.parse_args()
    # Without a server, point MLflow at a throwaway store so loading a local directory does not
    # leave an ./mlruns folder behind.
    mlflow.set_tracking_uri(args.tracking_uri or "file:" + tempfile.mkdtemp(prefix="sluice-mlruns-"))
    spec = json.load(open(args.features))
    frame = pd.DataFrame(np.array(spec["rows"], dtype=np.float64), columns=spec["columns"])
    model = mlflow.pyfunc.load_model(args.model)
    predictions = np.asarray(model.predict(frame), dtype=np.float64).reshape(-1)
    sys.stdout.write("".join(f"{float(p)!r}\n" for p in predictions))


if __name__ == "__main__":
    main()
