#!/usr/bin/env python3
"""Oracle for Sluice's trigger rules: run small DAGs through Apache Airflow 3 and record the outcome.

Run it with the benchmark venv's interpreter (Airflow 3.3.2):

    bench/.venv/bin/python interop/airflow_trigger_rules/generate.py

It writes Tests/SluiceSchedulerTests/Fixtures/airflow_trigger_rules.json.
See README.md next to this file for what the cases are and how they are run.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_OUT = REPO / "Tests" / "SluiceSchedulerTests" / "Fixtures" / "airflow_trigger_rules.json"

# Sluice supports exactly these rules (Sources/SluiceCore/DAG/TriggerRule.swift).
RULES = [
    "all_success",
    "all_failed",
    "all_done",
    "one_success",
    "one_failed",
    "one_done",
    "none_failed",
    "none_failed_min_one_success",
    "none_skipped",
    "always",
]

# How each direct upstream of the task under test ends up in its state.
# Direct kinds are root tasks forced to an outcome; chain kinds put a plain
# all_success task between a forced root and the task under test, so the state
# reaches the task under test by propagation one scheduling pass later.
DIRECT_KINDS = ["success", "fail", "skip"]
CHAIN_KINDS = ["upstream_failed", "skipped_by_propagation"]


def upstream_tasks(index: int, kind: str) -> list[dict]:
    """The task(s) that produce direct upstream number ``index`` of the task under test."""
    uid = f"u{index}"
    if kind in DIRECT_KINDS:
        return [task(uid, [], "all_success", kind)]
    root_forced = "fail" if kind == "upstream_failed" else "skip"
    rid = f"r{index}"
    return [task(rid, [], "all_success", root_forced), task(uid, [rid], "all_success", None)]


def task(tid: str, upstream: list[str], rule: str, forced: str | None) -> dict:
    return {"id": tid, "upstream": upstream, "trigger_rule": rule, "forced": forced}


def fan_in_case(rule: str, kinds: tuple[str, ...]) -> dict:
    tasks: list[dict] = []
    for i, kind in enumerate(kinds, start=1):
        tasks.extend(upstream_tasks(i, kind))
    tasks.append(task("t", [f"u{i}" for i in range(1, len(kinds) + 1)], rule, None))
    return {"name": f"{rule} <- [{', '.join(kinds)}]", "tasks": tasks}


def handcrafted_cases() -> list[dict]:
    """Longer chains and several leaves: mostly about the run's final state."""
    T = task
    return [
        {"name": "run: one failed leaf among successful leaves",
         "tasks": [T("a", [], "all_success", None), T("b", ["a"], "all_success", "fail"),
                   T("c", ["a"], "all_success", None)]},
        {"name": "run: failed non-leaf, all_done leaf succeeds",
         "tasks": [T("a", [], "all_success", "fail"), T("b", ["a"], "all_done", None)]},
        {"name": "run: failed non-leaf, one_failed leaf runs, all_success leaf upstream_failed",
         "tasks": [T("a", [], "all_success", "fail"), T("b", ["a"], "one_failed", None),
                   T("c", ["a"], "all_success", None)]},
        {"name": "run: the only leaf is skipped",
         "tasks": [T("a", [], "all_success", "skip"), T("b", ["a"], "all_success", None)]},
        {"name": "run: every task is a skipped root",
         "tasks": [T("a", [], "all_success", "skip"), T("b", [], "all_success", "skip")]},
        {"name": "run: a single failing task",
         "tasks": [T("a", [], "all_success", "fail")]},
        {"name": "run: a single task with no upstream and a non-default rule runs",
         "tasks": [T("a", [], "all_failed", None)]},
        {"name": "run: all_done leaf runs after a failure and fails itself",
         "tasks": [T("a", [], "all_success", "fail"), T("b", ["a"], "all_done", "fail")]},
        {"name": "run: one_failed leaf is skipped when everything succeeded",
         "tasks": [T("a", [], "all_success", None), T("b", ["a"], "one_failed", None)]},
        {"name": "run: diamond with a failed branch and an always leaf",
         "tasks": [T("a", [], "all_success", None), T("b", ["a"], "all_success", "fail"),
                   T("c", ["a"], "all_success", None),
                   T("d", ["b", "c"], "none_failed_min_one_success", None),
                   T("e", ["d"], "always", None)]},
        {"name": "run: upstream_failed propagates down a chain of four",
         "tasks": [T("a", [], "all_success", "fail"), T("b", ["a"], "all_success", None),
                   T("c", ["b"], "all_success", None), T("d", ["c"], "all_success", None)]},
        {"name": "run: skip propagates, then none_failed runs",
         "tasks": [T("a", [], "all_success", "skip"), T("b", ["a"], "all_success", None),
                   T("c", ["b"], "none_failed", None)]},
        {"name": "run: always leaf after a failed root",
         "tasks": [T("a", [], "all_success", "fail"), T("b", ["a"], "always", None)]},
        {"name": "run: none_skipped leaf after a skipped root",
         "tasks": [T("a", [], "all_success", "skip"), T("b", ["a"], "none_skipped", None)]},
        {"name": "run: one_failed runs on an upstream_failed upstream",
         "tasks": [T("a", [], "all_success", "fail"), T("b", ["a"], "all_success", None),
                   T("c", ["b"], "one_failed", None)]},
        {"name": "run: one_done does not count upstream_failed as done work",
         "tasks": [T("a", [], "all_success", "fail"), T("b", ["a"], "all_success", None),
                   T("c", ["b"], "one_done", None)]},
        {"name": "run: one_done is skipped when its only upstream was skipped by propagation",
         "tasks": [T("a", [], "all_success", "skip"), T("b", ["a"], "all_success", None),
                   T("c", ["b"], "one_done", None)]},
        {"name": "run: all_failed leaf runs after upstream_failed and fails",
         "tasks": [T("a", [], "all_success", "fail"), T("b", ["a"], "all_success", None),
                   T("c", ["b"], "all_failed", "fail")]},
        {"name": "run: early skip beats a later failure (skip reaches all_success first)",
         "tasks": [T("s", [], "all_success", "skip"), T("r", [], "all_success", "fail"),
                   T("m", ["r"], "all_success", None), T("t", ["s", "m"], "all_success", None),
                   T("z", ["t"], "all_done", None)]},
        {"name": "run: forced skip on a task that runs through one_success",
         "tasks": [T("a", [], "all_success", "fail"), T("b", [], "all_success", None),
                   T("c", ["a", "b"], "one_success", "skip")]},
        {"name": "run: independent branches, one ends upstream_failed",
         "tasks": [T("a", [], "all_success", None), T("b", ["a"], "all_success", None),
                   T("x", [], "all_success", "fail"), T("y", ["x"], "none_failed", None)]},
        {"name": "run: wide fan-out from a skipped root with mixed rules",
         "tasks": [T("a", [], "all_success", "skip"), T("b", ["a"], "all_done", None),
                   T("c", ["a"], "none_failed_min_one_success", None),
                   T("d", ["a"], "one_success", None), T("e", ["a"], "all_failed", None),
                   T("f", ["b", "c", "d", "e"], "none_failed", None)]},
    ]


def build_cases(max_fan_in: int) -> list[dict]:
    cases: list[dict] = []
    for rule in RULES:
        # Direct outcomes only: every multiset of 1..max_fan_in upstreams.
        for n in range(1, max_fan_in + 1):
            for kinds in itertools.combinations_with_replacement(DIRECT_KINDS, n):
                cases.append(fan_in_case(rule, kinds))
        # At least one upstream whose state arrives by propagation (two-level chain).
        for n in range(1, max_fan_in + 1):
            for kinds in itertools.combinations_with_replacement(DIRECT_KINDS + CHAIN_KINDS, n):
                if any(k in CHAIN_KINDS for k in kinds):
                    cases.append(fan_in_case(rule, kinds))
    cases.extend(handcrafted_cases())
    return cases


def prepare_airflow_home(home: Path) -> None:
    (home / "dags").mkdir(parents=True, exist_ok=True)
    stub = home / "dags" / "sluice_oracle_stub.py"
    stub.write_text(
        "# Written by Sluice's interop/airflow_trigger_rules/generate.py.\n"
        "import sys\n"
        f"sys.path.insert(0, {str(HERE)!r})\n"
        "from oracle_dags import selected_dags\n"
        "globals().update(selected_dags())\n"
        "# airflow DAG\n",
        encoding="utf-8",
    )
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def state_name(state) -> str | None:
    """Airflow hands back enum members or plain strings depending on the code path."""
    if state is None:
        return None
    return str(getattr(state, "value", state))


def run_cases(cases: list[dict], verbose: bool) -> list[dict]:
    # Imported late: AIRFLOW_HOME and friends must be set before Airflow reads its config.
    from oracle_dags import SELECT_ENV, build_dag, dag_id_for

    results = []
    started = time.monotonic()
    for index, case in enumerate(cases):
        dag_id = dag_id_for(index)
        os.environ[SELECT_ENV] = dag_id
        dag = build_dag(dag_id, case["tasks"])
        sink = io.StringIO()
        # Task failures are expected; keep Airflow's tracebacks out of the terminal.
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            dr = dag.test(logical_date=None)
        states = {}
        for ti in dr.get_task_instances():
            states[ti.task_id] = state_name(ti.state)
        missing = {t["id"] for t in case["tasks"]} - set(states)
        if missing:
            raise SystemExit(f"{case['name']}: no task instance for {sorted(missing)}")
        run_state = state_name(dr.state)
        results.append(
            {
                "name": case["name"],
                "tasks": case["tasks"],
                "expected_task_states": {t["id"]: states[t["id"]] for t in case["tasks"]},
                "expected_run_state": run_state,
            }
        )
        if verbose or (index + 1) % 50 == 0:
            elapsed = time.monotonic() - started
            print(f"[{index + 1}/{len(cases)}] {elapsed:6.1f}s {case['name']} -> {run_state}", flush=True)
    return results


def render(results: list[dict]) -> str:
    """JSON with one task per line, so the fixture stays readable and diffs stay small."""
    blocks = []
    for case in results:
        tasks = ",\n".join("    " + json.dumps(t) for t in case["tasks"])
        blocks.append(
            "  {\n"
            f'   "name": {json.dumps(case["name"])},\n'
            f'   "tasks": [\n{tasks}\n   ],\n'
            f'   "expected_task_states": {json.dumps(case["expected_task_states"])},\n'
            f'   "expected_run_state": {json.dumps(case["expected_run_state"])}\n'
            "  }"
        )
    return "[\n" + ",\n".join(blocks) + "\n]\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="fixture to write")
    parser.add_argument("--max-fan-in", type=int, default=3, help="largest number of direct upstreams")
    parser.add_argument("--limit", type=int, default=None, help="only run the first N cases (for probing)")
    parser.add_argument("--verbose", action="store_true", help="print every case as it finishes")
    args = parser.parse_args()

    cases = build_cases(args.max_fan_in)
    if args.limit is not None:
        cases = cases[: args.limit]
    names = [c["name"] for c in cases]
    if len(names) != len(set(names)):
        raise SystemExit("case names must be unique")

    with tempfile.TemporaryDirectory(prefix="sluice-tr-oracle-") as tmp:
        home = Path(tmp)
        specs_path = home / "cases.json"
        specs_path.write_text(json.dumps(cases), encoding="utf-8")
        os.environ.update(
            {
                "AIRFLOW_HOME": str(home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
                "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",
                "SLUICE_ORACLE_SPECS": str(specs_path),
            }
        )
        prepare_airflow_home(home)
        sys.dont_write_bytecode = True  # no __pycache__ in the source tree
        sys.path.insert(0, str(HERE))
        logging.disable(logging.CRITICAL)
        results = run_cases(cases, args.verbose)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(results), encoding="utf-8")
    print(f"wrote {len(results)} cases to {args.out}")


if __name__ == "__main__":
    main()
