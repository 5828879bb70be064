"""Builds Airflow DAGs from the case descriptions that generate.py writes.

Shared by two callers:

* generate.py imports it to build the DAG object it hands to ``dag.test()``;
* the stub DAG file that generate.py drops into ``$AIRFLOW_HOME/dags`` imports
  it too, because ``dag.test()`` parses the DAG folder and needs the same DAG to
  exist there (it records a DAG version in the metadata database first).

Every task is a PythonOperator whose callable obeys the case's ``forced``
outcome: ``"fail"`` raises an ordinary exception (retries are 0, so the try
ends as ``failed``), ``"skip"`` raises ``AirflowSkipException``, anything else
returns normally.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone

SPECS_ENV = "SLUICE_ORACLE_SPECS"
SELECT_ENV = "SLUICE_ORACLE_DAG"


def dag_id_for(index: int) -> str:
    return f"sluice_tr_{index:04d}"


def act(forced: str | None) -> None:
    from airflow.sdk.exceptions import AirflowSkipException

    if forced == "fail":
        raise RuntimeError("forced failure (oracle case)")
    if forced == "skip":
        raise AirflowSkipException("forced skip (oracle case)")


def build_dag(dag_id: str, tasks: list[dict]):
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.sdk import DAG

    with DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
        catchup=False,
        default_args={"retries": 0},
    ) as dag:
        ops = {}
        for spec in tasks:
            ops[spec["id"]] = PythonOperator(
                task_id=spec["id"],
                python_callable=act,
                op_kwargs={"forced": spec["forced"]},
                trigger_rule=spec["trigger_rule"],
                retries=0,
            )
        for spec in tasks:
            for up in spec["upstream"]:
                ops[up] >> ops[spec["id"]]
    return dag


def selected_dags() -> dict:
    """The DAGs the stub file should expose: only the one being tested, to keep parsing cheap."""
    path = os.environ.get(SPECS_ENV)
    wanted = os.environ.get(SELECT_ENV)
    if not path or not wanted:
        return {}
    with open(path, encoding="utf-8") as fh:
        cases = json.load(fh)
    for index, case in enumerate(cases):
        dag_id = dag_id_for(index)
        if dag_id == wanted:
            return {dag_id: build_dag(dag_id, case["tasks"])}
    return {}
