#!/usr/bin/env python3
"""Parse a folder of Airflow DAG files the way Airflow's DAG processor does.

    airflow_parse.py DIR [--serialize]

Run it with the interpreter of the venv made by bench/lib/airflow-venv.sh.
Prints one JSON line on stdout:

    {"tool": "airflow", "airflow_version": ..., "files": N, "dags": N,
     "tasks": N, "import_errors": N, "seconds": S, ...}

What is timed (`seconds`): building a DagBag over DIR, which for every file
lists it, applies the safe-mode "airflow"/"dag" text check, imports it as a
module (executing the DAG definition), validates each DAG (`dag.validate()`,
executor fields), checks it for cycles and applies cluster policies. That is
the work Airflow 3's DAG processor does per file before serializing the result
for the database (see airflow/dag_processing/processor.py: `_parse_file`).

What is not timed, to give Airflow its best case:
  * interpreter start-up and `import airflow` (reported as `startup_seconds`);
  * the Airflow modules the DAG files import: the real processor pre-imports
    them in its long-lived parent process ([dag_processor]
    parsing_pre_import_modules, on by default), so we do the same up front;
  * the subprocess Airflow forks for each file, and the database writes.
Compiled bytecode for the DAG files is never cached (no __pycache__ written
next to them), so every run compiles every file from source, just as Sluice
reads and parses every YAML file on each run.

With --serialize, the DAGs are also serialized as the processor does
(`DagSerialization.to_dict`), timed separately as `serialize_seconds`.

AIRFLOW_HOME is pointed at a fresh temporary folder that is removed on exit;
no database is created or needed.
"""

from __future__ import annotations

import time

T_START = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402


def configure_env(home: str, dag_dir: Path) -> None:
    """Minimal, self-contained Airflow configuration (must run before `import airflow`)."""
    env = {
        "AIRFLOW_HOME": home,
        "AIRFLOW__CORE__DAGS_FOLDER": str(dag_dir),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": f"{home}/logs",
    }
    for key, value in env.items():
        os.environ[key] = value


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path, help="folder of Airflow DAG files")
    ap.add_argument("--serialize", action="store_true", help="also time DAG serialization")
    args = ap.parse_args(argv)
    dag_dir = args.dir.resolve()
    if not dag_dir.is_dir():
        ap.error(f"not a folder: {dag_dir}")

    home = tempfile.mkdtemp(prefix="sluice-bench-airflow-home-")
    try:
        configure_env(home, dag_dir)
        return run(dag_dir, args.serialize)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def pre_import(dag_dir: Path) -> None:
    """Import what the DAG files import, as the processor's parent does."""
    import importlib

    try:
        from airflow.utils.file import iter_airflow_imports
    except ImportError:  # older layout: fall back to the modules we generate
        iter_airflow_imports = None

    modules = {
        "pendulum",
        "airflow.sdk",
        "airflow.providers.standard.operators.bash",
        "airflow.providers.standard.operators.empty",
    }
    if iter_airflow_imports is not None:
        first = next(iter(sorted(dag_dir.glob("*.py"))), None)
        if first is not None:
            modules.update(iter_airflow_imports(str(first)))
    for name in sorted(modules):
        importlib.import_module(name)


def run(dag_dir: Path, serialize: bool) -> int:
    import inspect

    import airflow

    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 3.0 kept it in airflow.models
        from airflow.models.dagbag import DagBag

    pre_import(dag_dir)

    kwargs = {"dag_folder": str(dag_dir)}
    if "include_examples" in inspect.signature(DagBag.__init__).parameters:
        kwargs["include_examples"] = False  # gone in 3.1+, where DagBag never adds examples

    # Cold compile every run: do not drop __pycache__ beside the DAG files.
    sys.dont_write_bytecode = True

    startup = time.perf_counter() - T_START
    t0 = time.perf_counter()
    bag = DagBag(**kwargs)
    seconds = time.perf_counter() - t0

    result = {
        "tool": "airflow",
        "airflow_version": airflow.__version__,
        "python": sys.version.split()[0],
        "dir": str(dag_dir),
        "files": len(getattr(bag, "dagbag_stats", [])) or len(bag.file_last_changed),
        "dags": len(bag.dags),
        "tasks": sum(len(dag.tasks) for dag in bag.dags.values()),
        "import_errors": len(bag.import_errors),
        "seconds": round(seconds, 4),
        "startup_seconds": round(startup, 4),
    }

    if serialize:
        try:
            from airflow.serialization.serialized_objects import DagSerialization as ser
        except ImportError:
            from airflow.serialization.serialized_objects import SerializedDAG as ser
        t1 = time.perf_counter()
        for dag in bag.dags.values():
            ser.to_dict(dag)
        result["serialize_seconds"] = round(time.perf_counter() - t1, 4)

    for path, err in list(bag.import_errors.items())[:5]:
        last = err.strip().splitlines()[-1] if err.strip() else "?"
        print(f"airflow_parse: import error in {path}: {last}", file=sys.stderr)

    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
