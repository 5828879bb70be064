#!/usr/bin/env python3
"""Run one DAG once with Apache Airflow 3's `dag.test()`, as `airflow dags test` does.

    airflow_run.py DAG_FOLDER DAG_ID [--keep-home] [--log-level LEVEL]

Run it with the interpreter of the venv made by bench/lib/airflow-venv.sh.
It prints one JSON line on stdout:

    {"tool": "airflow", "airflow_version": ..., "dag_id": ..., "run_id": ...,
     "state": "success", "task_count": N, "seconds": S,
     "tasks": [{"task_id", "state", "try_number", "start", "end"}, ...],
     "gaps": {"median_ms", "p90_ms", ...}, ...}

`tasks` has the same form as the list in `sluice dags test --json`, read from
Airflow's metadata database after the run (start_date and end_date of every
task instance, ISO-8601 UTC with microseconds). `gaps` is computed from them
with gaps.py: for each task with upstreams, its start minus the latest end of
its upstreams.

What happens, in the order `airflow dags test DAG_ID` does it:
  1. AIRFLOW_HOME is a fresh temporary folder (removed on exit unless
     --keep-home) with a SQLite metadata database and DAGS_FOLDER=DAG_FOLDER.
  2. `import airflow`, then the database is migrated (`airflow db migrate`).
  3. The DAG is loaded exactly as the CLI loads it (`get_bagged_dag`: parse the
     bundle, write the serialized DAG to the database).
  4. `dag.test(logical_date=now)` runs one DAG run in this process: a loop that
     updates the run's state, picks the schedulable task instances and runs
     each one in-process through the Task SDK (a BashOperator forks
     `bash -c true`), one after another.

Only step 4 is `seconds`, the timed figure. Steps 1-3 are reported separately
(`startup_seconds`, `migrate_seconds`, `load_seconds`); `process_seconds` is
the whole script. Airflow's log level is WARNING here rather than the INFO
that `airflow dags test` uses; on the 100-task chain the two timed within
noise of each other, and WARNING keeps the log short. Airflow writes its
console log to stdout; this script sends it to stderr, so stdout carries
only the JSON line.

Exit status: 0 when the run and every task instance succeeded, 1 otherwise
(the JSON line is printed in both cases), 2 on bad arguments.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gaps import gap_stats  # noqa: E402


def configure_env(home: str, dag_dir: Path, log_level: str) -> None:
    """Self-contained Airflow configuration; must be set before `import airflow`."""
    env = {
        "AIRFLOW_HOME": home,
        "AIRFLOW__CORE__DAGS_FOLDER": str(dag_dir),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": log_level,
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": f"{home}/logs",
    }
    os.environ.update(env)


def iso(ts) -> str | None:
    return ts.isoformat(timespec="microseconds") if ts is not None else None


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dag_folder", type=Path, help="folder holding the DAG file")
    ap.add_argument("dag_id")
    ap.add_argument("--keep-home", action="store_true", help="keep the temporary AIRFLOW_HOME and say where")
    ap.add_argument("--log-level", default="WARNING", help="Airflow logging level (default WARNING)")
    args = ap.parse_args(argv)
    dag_dir = args.dag_folder.resolve()
    if not dag_dir.is_dir():
        ap.error(f"not a folder: {dag_dir}")

    # Airflow logs to stdout; keep stdout for the JSON line alone by sending
    # everything else written to file descriptor 1 to stderr.
    sys.stdout.flush()
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)

    home = tempfile.mkdtemp(prefix="sluice-bench-airflow-home-")
    try:
        configure_env(home, dag_dir, args.log_level.upper())
        return run(dag_dir, args.dag_id, out)
    finally:
        if args.keep_home:
            print(f"airflow_run: AIRFLOW_HOME kept at {home}", file=sys.stderr)
        else:
            shutil.rmtree(home, ignore_errors=True)


def run(dag_dir: Path, dag_id: str, out) -> int:
    import airflow
    from airflow.utils import db

    startup = time.perf_counter() - T_START

    t0 = time.perf_counter()
    db.upgradedb()  # what `airflow db migrate` does; a new database is created from the ORM
    migrate = time.perf_counter() - t0

    from sqlalchemy import select

    from airflow.models.taskinstance import TaskInstance
    from airflow.sdk import timezone
    from airflow.utils.cli import get_bagged_dag
    from airflow.utils.session import create_session

    t0 = time.perf_counter()
    dag = get_bagged_dag(None, dag_id)
    load = time.perf_counter() - t0

    t0 = time.perf_counter()
    dr = dag.test(logical_date=timezone.utcnow())
    seconds = time.perf_counter() - t0

    with create_session() as session:
        tis = session.scalars(
            select(TaskInstance).where(TaskInstance.dag_id == dag_id, TaskInstance.run_id == dr.run_id)
        ).all()
        tasks = [
            {
                "task_id": ti.task_id,
                "state": str(ti.state.value if hasattr(ti.state, "value") else ti.state),
                "try_number": ti.try_number,
                "start": iso(ti.start_date),
                "end": iso(ti.end_date),
            }
            for ti in sorted(tis, key=lambda ti: (ti.start_date is None, ti.start_date, ti.task_id))
        ]
    state = str(dr.state.value if hasattr(dr.state, "value") else dr.state)

    states: dict[str, int] = {}
    for t in tasks:
        states[t["state"]] = states.get(t["state"], 0) + 1
    upstream = {t.task_id: sorted(t.upstream_task_ids) for t in dag.tasks}

    result = {
        "tool": "airflow",
        "airflow_version": airflow.__version__,
        "python": sys.version.split()[0],
        "dag_id": dag_id,
        "run_id": dr.run_id,
        "state": state,
        "task_count": len(tasks),
        "dag_tasks": len(dag.tasks),
        "task_states": states,
        "seconds": round(seconds, 4),
        "startup_seconds": round(startup, 4),
        "migrate_seconds": round(migrate, 4),
        "load_seconds": round(load, 4),
        "process_seconds": round(time.perf_counter() - T_START, 4),
        "gaps": gap_stats(tasks, upstream),
        "tasks": tasks,
    }
    print(json.dumps(result), file=out, flush=True)

    ok = state == "success" and len(tasks) == len(dag.tasks) and states == {"success": len(tasks)}
    if not ok:
        print(
            f"airflow_run: {dag_id} ended {state}; task states {states}, "
            f"{len(tasks)} task instances for {len(dag.tasks)} tasks",
            file=sys.stderr,
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
