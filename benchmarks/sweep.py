"""Benchmark: the 64-point sweep (scenarios/sweeps/ax-effects.yaml) serially and on 2 Dask workers.

Target (issue 5): a speed-up of at least 1.7x with ``--workers 2`` on 2 cores. Run with
``.venv/bin/python benchmarks/sweep.py``. The archetype runs are simulated (or loaded from
the run store) once, untimed, and their loading from the store is timed once: that is the
fixed cost every mode shares. Each timed sweep then starts with an empty point store, so
all 64 points are projected, and is the whole ``run_study`` call on those inputs:

- serial: 64 projections in this process;
- ``--workers 2``: a new Dask ``LocalCluster`` of 2 forked processes, the inputs scattered
  to both, 64 projections in 8 tasks, the cluster closed;
- on a running 2-worker cluster (``--scheduler``): the cluster's start is not timed, as for
  a study sent to a cluster that is already up.

The tables must be identical in all three. The inputs are prepared once for all modes
because the store keys hold a digest of every source file: on a shared checkout another
edit during the benchmark would otherwise re-simulate the archetypes inside one timing.
The load average before and after each mode is reported: on a shared 2-core machine other
work slows the parallel runs more than the serial one. So are CPU seconds (this process and
its finished children: a local cluster's workers once it has closed; for the running cluster
also its start and close), which other work does not inflate. ``--table`` writes the serial
table, to compare two versions of the code bit for bit.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from twin.execution import TaskStore  # noqa: E402
from twin.scenario_run import prepare  # noqa: E402
from twin.sweep import load_sweep, run_study, sweep_points, sweep_table  # noqa: E402


def _cpu() -> float:
    """CPU seconds of this process and of its finished child processes (the workers of a
    local cluster count once it has closed)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _timed(label, sweep, points, settings, store, inputs, **kw):
    load = os.getloadavg()[0]
    cpu = _cpu()
    res = run_study(sweep.base, points, settings, store=store, inputs=inputs, **kw)
    assert res.computed == len(points)
    return {
        "mode": label,
        "seconds": round(res.seconds, 2),
        "points_seconds": round(res.points_seconds, 2),
        "ms_per_point": round(1000 * res.points_seconds / len(points), 1),
        "cpu_seconds": round(_cpu() - cpu, 2),
        "load_before": round(load, 2),
        "load_after": round(os.getloadavg()[0], 2),
    }, sweep_table(res)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sweep", default=str(ROOT / "scenarios" / "sweeps" / "ax-effects.yaml"))
    ap.add_argument("--replications", type=int, default=None, help="default: the file's")
    ap.add_argument("--days", type=float, default=None, help="default: the file's")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--table", default=None, help="write the serial sweep table here (Parquet), to compare"
    )
    args = ap.parse_args()
    sweep = load_sweep(args.sweep)
    settings = sweep.settings
    if args.replications:
        settings = replace(settings, replications=args.replications)
    if args.days:
        settings = replace(settings, days=args.days)
    points = sweep_points(sweep, settings)
    t0 = time.perf_counter()
    prepare(sweep.base, settings, with_ranges=True)  # simulate once if not stored (untimed)
    t_sim = time.perf_counter() - t0
    t0 = time.perf_counter()
    inputs = prepare(sweep.base, settings, with_ranges=True)  # now from the store
    t_load = time.perf_counter() - t0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        row, serial = _timed("serial", sweep, points, settings, TaskStore(Path(tmp) / "s"), inputs)
        rows.append(row)
        row, local = _timed(
            f"--workers {args.workers} (new LocalCluster)",
            sweep,
            points,
            settings,
            TaskStore(Path(tmp) / "w"),
            inputs,
            workers=args.workers,
        )
        rows.append(row)
        from dask.distributed import LocalCluster

        cpu = _cpu()
        with LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # any free port: 8787 may be another cluster's
            silence_logs=logging.ERROR,
        ) as cluster:
            row, running = _timed(
                f"--scheduler (running {args.workers}-worker cluster)",
                sweep,
                points,
                settings,
                TaskStore(Path(tmp) / "c"),
                inputs,
                scheduler=cluster.scheduler_address,
            )
        # The workers' CPU counts once they have exited: the cluster's start and close too.
        row["cpu_seconds"] = round(_cpu() - cpu, 2)
        rows.append(row)
    same = serial.equals(local) and serial.equals(running)
    if args.table:
        serial.to_parquet(args.table, index=False)
    base = rows[0]
    for r in rows:
        r["speed_up"] = round(base["seconds"] / r["seconds"], 2)
        r["points_speed_up"] = round(base["points_seconds"] / r["points_seconds"], 2)
        r["speed_up_with_loading"] = round((t_load + base["seconds"]) / (t_load + r["seconds"]), 2)
    doc = {
        "machine": f"{platform.platform()} ({os.cpu_count()} cpus), "
        f"Python {platform.python_version()}",
        "sweep": sweep.spec.name,
        "points": len(points),
        "replications": settings.replications,
        "days": settings.days,
        "simulation_seconds_untimed": round(t_sim, 1),
        "load_runs_seconds": round(t_load, 2),
        "runs": rows,
        "identical_tables": bool(same),
        "target_speed_up": 1.7,
    }
    if args.json:
        print(json.dumps(doc, indent=1))
    else:
        print(
            f"{doc['sweep']}: {doc['points']} points, {settings.replications} replications, "
            f"{settings.days:g} days ({doc['machine']})"
        )
        print(
            f"inputs prepared first (simulated or loaded, untimed): {t_sim:.1f} s; loading "
            f"the stored runs (a fixed cost of every mode): {t_load:.1f} s"
        )
        for r in rows:
            print(
                f"  {r['mode']:<42} {r['seconds']:6.1f} s  (projecting "
                f"{r['points_seconds']:.1f} s = {r['ms_per_point']:.0f} ms/point)  "
                f"speed-up {r['speed_up']:.2f}x (points {r['points_speed_up']:.2f}x, with "
                f"loading {r['speed_up_with_loading']:.2f}x)  "
                f"CPU {r['cpu_seconds']:.1f} s  load avg {r['load_before']} -> {r['load_after']}"
            )
        print(f"identical tables: {same}; target speed-up >= 1.7x with --workers 2")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
