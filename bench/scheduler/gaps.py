"""Scheduling gaps from per-task timestamps (shared by airflow_run.py and report.py).

The gap of a task that has upstreams is

    start(task) - max(end(u) for u in upstreams(task))

that is, how long the task waited after its last upstream finished. In a chain
this is "start of task i+1 minus end of task i". In the fan-out of
bench_fan_100 it also contains queueing: 100 tasks become ready together and
only so many run at once (Airflow's `dag.test()` runs them one after another),
so only the chain measures the scheduler's reaction time alone.

Standard library only; runs under the system python3 and the Airflow venv.
"""

from __future__ import annotations

import re
import statistics
from datetime import datetime, timezone

_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_ts(value: str | None) -> datetime | None:
    """ISO-8601 to an aware UTC datetime; 'Z' and more than 6 fraction digits accepted."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    text = _FRACTION.sub(r"\1", text)
    ts = datetime.fromisoformat(text)
    if ts.tzinfo is None:  # assume UTC, as both tools store UTC
        ts = ts.replace(tzinfo=timezone.utc)
    return ts.astimezone(timezone.utc)


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile, q in [0, 100]."""
    s = sorted(values)
    if len(s) == 1:
        return s[0]
    k = (len(s) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def gap_stats(tasks: list[dict], upstream: dict[str, list[str]]) -> dict | None:
    """Gap statistics in milliseconds.

    tasks: [{"task_id", "start", "end", ...}] with ISO-8601 strings.
    upstream: task_id -> list of upstream task ids.
    Returns None when no task with upstreams has usable timestamps.
    """
    by_id = {t["task_id"]: t for t in tasks}
    gaps = []
    missing = 0
    for tid, ups in upstream.items():
        if not ups:
            continue
        t = by_id.get(tid)
        start = parse_ts(t.get("start")) if t else None
        ends = [parse_ts(by_id[u].get("end")) if u in by_id else None for u in ups]
        if start is None or any(e is None for e in ends):
            missing += 1
            continue
        gaps.append((start - max(ends)).total_seconds() * 1000)
    if not gaps:
        return None
    return {
        "count": len(gaps),
        "missing": missing,
        "median_ms": round(statistics.median(gaps), 3),
        "p90_ms": round(percentile(gaps, 90), 3),
        "min_ms": round(min(gaps), 3),
        "max_ms": round(max(gaps), 3),
        "mean_ms": round(statistics.fmean(gaps), 3),
    }
