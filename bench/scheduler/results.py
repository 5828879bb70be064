#!/usr/bin/env python3
"""Check one run's output, and print the scheduler benchmark's report.

    results.py check TOOL OUTPUT_FILE SHAPES_JSON DAG_ID --process-seconds S --rep N
    results.py report SHAPES_JSON SLUICE_JSONL AIRFLOW_JSONL RESULT_JSON --reps N

`check` reads the stdout of one run, `sluice ... dags test DAG_ID --json`
(TOOL=sluice) or `airflow_run.py` (TOOL=airflow), and checks it against the
generated DAG (shapes.json from gen.py): the run succeeded, every task of the
DAG ran exactly once and succeeded on its first try, each has a start and an
end, and no task started before all of its upstreams had ended. On success it
prints one compact JSON line (the run's figures and gap statistics) for
run.sh to append to the tool's .jsonl file, and exits 0; otherwise it names
each problem on stderr and exits 1.

The output may hold other lines besides the JSON object (Sluice prints task
states as they finish); the last JSON object in it that has a "dag_id" is the
one used, whether printed on one line or spread over several.

`report` prints the table and writes RESULT_JSON. Machine details come from
the BENCH_* environment variables that run.sh sets. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gaps import gap_stats, parse_ts  # noqa: E402

GAP_TARGET_MS = 5.0
RATIO_TARGET = 100.0
TOLERANCE_S = 0.0  # a task may not start before its upstream ended, not even by a microsecond


def last_json_object(text: str) -> dict | None:
    """The last JSON object with a "dag_id" key whose text starts at the beginning of a line."""
    decoder = json.JSONDecoder()
    found = None
    pos = 0
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    for start in starts:
        i = start
        while i < len(text) and text[i] in " \t\r":
            i += 1
        if i >= len(text) or text[i] != "{" or i < pos:
            continue
        try:
            obj, end = decoder.raw_decode(text, i)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict) and "dag_id" in obj:
            found, pos = obj, end
    return found


def check(args: argparse.Namespace) -> int:
    text = Path(args.output).read_text(encoding="utf-8", errors="replace")
    shapes = json.loads(Path(args.shapes).read_text())
    spec = shapes[args.dag_id]
    upstream: dict[str, list[str]] = spec["upstream"]
    problems: list[str] = []

    obj = last_json_object(text)
    if obj is None:
        print(f"check: no JSON object with a dag_id in {args.output}", file=sys.stderr)
        return 1
    if obj.get("dag_id") != args.dag_id:
        problems.append(f"dag_id is {obj.get('dag_id')!r}, expected {args.dag_id!r}")
    if obj.get("state") != "success":
        problems.append(f"run state is {obj.get('state')!r}, expected 'success'")
    seconds = obj.get("seconds")
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds <= 0:
        problems.append(f"'seconds' is {seconds!r}, expected a positive number")
    tasks = obj.get("tasks")
    if not isinstance(tasks, list):
        problems.append("'tasks' is missing or not a list")
        tasks = []

    seen: dict[str, dict] = {}
    for t in tasks:
        tid = t.get("task_id") if isinstance(t, dict) else None
        if tid is None:
            problems.append(f"task entry without task_id: {t!r}")
            continue
        if tid in seen:
            problems.append(f"task {tid} is listed twice")
        seen[tid] = t
        if tid not in upstream:
            problems.append(f"task {tid} is not in the DAG")
        if t.get("state") != "success":
            problems.append(f"task {tid} ended {t.get('state')!r}")
        if t.get("try_number") != 1:
            problems.append(f"task {tid} has try_number {t.get('try_number')!r}, expected 1")
        try:
            start, end = parse_ts(t.get("start")), parse_ts(t.get("end"))
        except (TypeError, ValueError) as e:
            problems.append(f"task {tid}: unreadable timestamp ({e})")
            continue
        if start is None or end is None:
            problems.append(f"task {tid} has no start or no end")
        elif end < start:
            problems.append(f"task {tid} ends before it starts")
    missing = sorted(set(upstream) - set(seen))
    if missing:
        problems.append(f"{len(missing)} of the DAG's {len(upstream)} tasks are missing, e.g. {missing[:3]}")

    # Dependency order: a task starts only after every upstream has ended.
    if not problems:
        for tid, ups in upstream.items():
            start = parse_ts(seen[tid]["start"])
            for u in ups:
                end = parse_ts(seen[u]["end"])
                if (start - end).total_seconds() < -TOLERANCE_S:
                    problems.append(f"task {tid} started {(end - start).total_seconds() * 1000:.3f} ms before upstream {u} ended")
                    break

    if problems:
        for p in problems[:20]:
            print(f"check: {args.tool} {args.dag_id}: {p}", file=sys.stderr)
        if len(problems) > 20:
            print(f"check: ... and {len(problems) - 20} more problems", file=sys.stderr)
        return 1

    starts = [parse_ts(t["start"]) for t in tasks]
    ends = [parse_ts(t["end"]) for t in tasks]
    line = {
        "tool": args.tool,
        "dag_id": args.dag_id,
        "rep": args.rep,
        "run_id": obj.get("run_id"),
        "tasks": len(tasks),
        "seconds": float(seconds),
        "process_seconds": args.process_seconds,
        # first task start to last task end: the part of `seconds` spent running tasks
        "span_seconds": round((max(ends) - min(starts)).total_seconds(), 6),
        "gaps": gap_stats(tasks, upstream),
    }
    for key in ("airflow_version", "startup_seconds", "migrate_seconds", "load_seconds"):
        if key in obj:
            line[key] = obj[key]
    print(json.dumps(line))
    return 0


def read_jsonl(path: str) -> list[dict]:
    p = Path(path)
    if not p.is_file():
        return []
    return [json.loads(line) for line in p.read_text().splitlines() if line.strip()]


def summarize(runs: list[dict], tasks: int) -> dict | None:
    if not runs:
        return None
    secs = [r["seconds"] for r in runs]
    procs = [r["process_seconds"] for r in runs]
    med = statistics.median(secs)
    gaps = [r["gaps"]["median_ms"] for r in runs if r.get("gaps")]
    return {
        "runs": secs,
        "best": min(secs),
        "median": med,
        "tasks_per_second": tasks / med if med > 0 else None,
        "process_runs": procs,
        "process_median": statistics.median(procs),
        "span_median": statistics.median(r["span_seconds"] for r in runs),
        # median over the runs of each run's median gap
        "gap_median_ms": statistics.median(gaps) if gaps else None,
        "gap_p90_ms": statistics.median(r["gaps"]["p90_ms"] for r in runs if r.get("gaps")) if gaps else None,
        "gaps_per_run": [r.get("gaps") for r in runs],
    }


def fmt(value, width: int, decimals: int, suffix: str = "") -> str:
    text = "-" if value is None else f"{value:.{decimals}f}{suffix}"
    return f"{text:>{width}}"


def report(args: argparse.Namespace) -> int:
    env = os.environ
    shapes = json.loads(Path(args.shapes).read_text())
    sluice_runs = read_jsonl(args.sluice_jsonl)
    airflow_runs = read_jsonl(args.airflow_jsonl)
    machine = {
        "nproc": int(env.get("BENCH_NPROC", "0")),
        "cpu": env.get("BENCH_CPU", "unknown"),
        "memory_gib": round(int(env.get("BENCH_MEM_KB", "0")) / 1048576, 1),
        "kernel": env.get("BENCH_KERNEL", ""),
        "loadavg_at_start": env.get("BENCH_LOADAVG", ""),
    }
    sluice_version = env.get("BENCH_SLUICE_VERSION") or None
    airflow_version = next((r["airflow_version"] for r in airflow_runs if r.get("airflow_version")), None)

    print(f"scheduler: one DAG run per shape, Sluice `dags test` vs Airflow `dag.test()`, {args.reps} rep(s)")
    print(f"machine:   {machine['nproc']} cpus, {machine['cpu']}, {machine['memory_gib']} GiB RAM, "
          f"{machine['kernel']}, load average at start {machine['loadavg_at_start']}")
    print(f"sluice:    {sluice_version or 'version unknown'} ({env.get('BENCH_SLUICE', '?')}), "
          f"executor.parallelism 16, fresh metadata DB per run")
    if airflow_version:
        print(f"airflow:   apache-airflow {airflow_version}, dag.test() in-process (see bench/README.md)")
    print()

    rows = {}
    head = (f"{'shape':<17} {'tasks':>5} {'runs':>7} {'sluice s':>9} {'airflow s':>9} "
            f"{'sluice t/s':>10} {'airflow t/s':>11} {'ratio':>8} {'gap sluice':>10} {'gap airflow':>11}")
    print(head)
    for dag_id, spec in shapes.items():
        n = spec["tasks"]
        s = summarize([r for r in sluice_runs if r["dag_id"] == dag_id], n)
        a = summarize([r for r in airflow_runs if r["dag_id"] == dag_id], n)
        ratio = a["median"] / s["median"] if s and a and s["median"] > 0 else None
        proc_ratio = a["process_median"] / s["process_median"] if s and a and s["process_median"] > 0 else None
        rows[dag_id] = {"shape": spec["shape"], "tasks": n, "edges": spec["edges"], "sluice": s, "airflow": a,
                        "ratio": ratio, "process_ratio": proc_ratio}
        runs = f"{len(s['runs']) if s else 0}/{len(a['runs']) if a else 0}"
        print(f"{dag_id:<17} {n:>5} {runs:>7} {fmt(s and s['median'], 9, 3)} {fmt(a and a['median'], 9, 3)} "
              f"{fmt(s and s['tasks_per_second'], 10, 1)} {fmt(a and a['tasks_per_second'], 11, 1)} "
              f"{fmt(ratio, 8, 1, 'x')} {fmt(s and s['gap_median_ms'], 10, 3, 'ms')} "
              f"{fmt(a and a['gap_median_ms'], 11, 3, 'ms')}")
    print()
    print("seconds: median wall time of the run (Sluice's reported `seconds`; Airflow's dag.test() call);")
    print("runs: Sluice/Airflow repetitions; ratio: Airflow / Sluice; t/s: tasks per second;")
    print("gap: median over the runs of the median of start(task) - latest end(upstreams). The chain")
    print("measures scheduling latency alone; the fan's gaps include waiting for a free slot.")
    print()
    print(f"{'whole process, median s':<25} {'sluice':>9} {'airflow':>9} {'ratio':>8}")
    for dag_id, row in rows.items():
        s, a = row["sluice"], row["airflow"]
        print(f"{dag_id:<25} {fmt(s and s['process_median'], 9, 3)} {fmt(a and a['process_median'], 9, 3)} "
              f"{fmt(row['process_ratio'], 8, 1, 'x')}")
    print("(Sluice: the whole `sluice dags test` command; Airflow: airflow_run.py, including Python start-up,")
    print(" `import airflow`, the database migration and loading the DAG)")

    targets = {}
    if all(r["ratio"] is not None for r in rows.values()):
        worst = min(r["ratio"] for r in rows.values())
        worst_proc = min(r["process_ratio"] for r in rows.values())
        targets["ratio_at_least_100x"] = {"met": worst >= RATIO_TARGET, "worst_ratio": worst,
                                          "met_whole_process": worst_proc >= RATIO_TARGET,
                                          "worst_process_ratio": worst_proc}
    chain = next((r for r in rows.values() if r["shape"] == "chain"), None)
    if chain and chain["sluice"] and chain["sluice"]["gap_median_ms"] is not None:
        g = chain["sluice"]["gap_median_ms"]
        targets["chain_gap_below_5ms"] = {"met": g < GAP_TARGET_MS, "gap_median_ms": g}
    print()
    if "ratio_at_least_100x" in targets:
        t = targets["ratio_at_least_100x"]
        print(f"target: Sluice at least {RATIO_TARGET:.0f}x faster on every shape: "
              f"{'met' if t['met'] else 'MISSED'} (lowest ratio {t['worst_ratio']:.1f}x; "
              f"whole process: {'met' if t['met_whole_process'] else 'missed'}, {t['worst_process_ratio']:.1f}x)")
    if "chain_gap_below_5ms" in targets:
        t = targets["chain_gap_below_5ms"]
        print(f"target: median task-to-downstream gap below {GAP_TARGET_MS:.0f} ms (chain): "
              f"{'met' if t['met'] else 'MISSED'} ({t['gap_median_ms']:.3f} ms)")

    summary = {"machine": machine, "reps": args.reps, "sluice_version": sluice_version,
               "airflow_version": airflow_version, "shapes": rows, "targets": targets}
    Path(args.result_json).write_text(json.dumps(summary, indent=2) + "\n")
    return 0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check", help="check one run's output and print its summary line")
    c.add_argument("tool", choices=["sluice", "airflow"])
    c.add_argument("output")
    c.add_argument("shapes")
    c.add_argument("dag_id")
    c.add_argument("--process-seconds", type=float, required=True)
    c.add_argument("--rep", type=int, required=True)
    r = sub.add_parser("report", help="print the table and write result.json")
    r.add_argument("shapes")
    r.add_argument("sluice_jsonl")
    r.add_argument("airflow_jsonl")
    r.add_argument("result_json")
    r.add_argument("--reps", type=int, required=True)
    args = ap.parse_args(argv)
    return check(args) if args.cmd == "check" else report(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
