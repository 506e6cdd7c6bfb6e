"""Benchmark: one company ROI with two levers and 100 replications (``twin roi``).

Target (issue 5): under 10 s on the 2-core development machine. Run with
``.venv/bin/python benchmarks/roi.py``; ``--replications``, ``--factory`` and ``--levers``
change the case. The time covers what ``twin roi`` does after parsing its options: lever
training (each lever at ``typical`` and at the presets the effect draws need, and the bundle),
every simulation at the line's demand and at saturating demand, and the money. It also times
the same ROI at 2 replications (about the fixed cost: training and start-up) and one
simulation of the plain line, and reports the load average and the CPU seconds used (the main
process and its workers): on a busy machine the CPU seconds per worker are what the run would
take with the cores to itself.

``--simulations S`` (default 20) spreads the 100 effect draws over S simulated replications
(``company_roi(simulations=S)``; ``--simulations 100`` is one simulation per draw, the
default of ``twin roi``). The run is cold (an empty temporary results store); the benchmark
then times the repeat served from that store.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from twin.des import simulate  # noqa: E402
from twin.projection import common_form  # noqa: E402
from twin.roi import company_roi, load_factory, simulations_count  # noqa: E402
from twin.scenario_run import load_levers  # noqa: E402

TARGET_S = 10.0


def _cpu_s() -> float:
    """CPU seconds used by this process and its finished worker processes."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--factory", default="smt-assembly")
    ap.add_argument("--levers", default="predictive_maintenance,vision_qc")
    ap.add_argument("--replications", type=int, default=100)
    ap.add_argument("--simulations", type=int, default=20, help="simulated replications")
    ap.add_argument("--days", type=float, default=7.0)
    ap.add_argument("--warmup-days", type=float, default=2.0)
    ap.add_argument("--workers", type=int, default=None, help="worker processes (default: CPUs)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    levers = args.levers.split(",")
    factory = load_factory(args.factory)
    specs = load_levers()

    base = common_form(factory.spec, specs["predictive_maintenance"])
    t0 = time.perf_counter()
    simulate(base, days=args.days, warmup_days=args.warmup_days, seed=7)
    t_sim = time.perf_counter() - t0

    def run(replications: int, simulations: int | None = None, store: bool = False):
        return company_roi(
            factory.spec,
            levers,
            replications=replications,
            seed=7,
            days=args.days,
            warmup_days=args.warmup_days,
            workers=args.workers,
            lever_specs=specs,
            label=factory.label,
            simulations=simulations,
            store=store,
        )

    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    run(2)
    t_fixed = time.perf_counter() - t0
    cpu0 = _cpu_s()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:  # an empty store: the run is cold
        os.environ["GUMI_TWIN_CACHE"] = tmp
        res = run(args.replications, args.simulations, store=True)
        elapsed = time.perf_counter() - t0
        cpu = _cpu_s() - cpu0
        assert not res.from_store
        t0 = time.perf_counter()
        again = run(args.replications, args.simulations, store=True)  # a repeat: served
        t_store = time.perf_counter() - t0
    sims = simulations_count(levers, args.replications, simulations=args.simulations, seed=7)
    bundle = res.sets.get("bundle") or next(iter(res.sets.values()))
    s = bundle.summary()
    doc = {
        "machine": f"{platform.platform()} ({os.cpu_count()} cpus), "
        f"Python {platform.python_version()}",
        "load_average_before": round(load_before, 2),
        "factory": factory.label,
        "levers": levers,
        "replications": args.replications,
        "simulated_replications": args.simulations,
        "days": args.days,
        "warmup_days": args.warmup_days,
        "workers": args.workers or os.cpu_count(),
        "simulation_runs": sims,
        "one_simulation_s": round(t_sim, 3),
        "two_replications_s": round(t_fixed, 2),
        "seconds": round(elapsed, 2),
        "cpu_seconds": round(cpu, 1),
        "cpu_seconds_per_worker": round(cpu / (args.workers or os.cpu_count() or 1), 1),
        "target_s": TARGET_S,
        "ratio_to_target": round(elapsed / TARGET_S, 2),
        "repeat_from_store_s": round(t_store, 3),
        # a source edit elsewhere in the checkout between the two runs changes the store key
        "repeat_served_from_store": again.from_store,
        "bundle_npv_mean_and_95_interval_mkrw": [
            round(s["npv_mean_interval"][k] / 1e6, 1) for k in ("mean", "ci_low", "ci_high")
        ],
        "bundle_npv_p10_p50_p90_mkrw": [
            round(s[k] / 1e6, 1) for k in ("npv_p10", "npv_p50", "npv_p90")
        ],
    }
    if args.json:
        print(json.dumps(doc, indent=1))
    else:
        for k, v in doc.items():
            print(f"{k:30s} {v}")
        print(f"seconds / target {elapsed / TARGET_S:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
