"""Benchmark: a full scenario projection (all archetypes, 2025-2032), cold and with a warm cache.

Target (issue 4): ``gumi-ax-2032`` at 30 replications in under 60 s cold and under 2 s warm
on the 2-core development machine. Run with ``.venv/bin/python benchmarks/complex.py``;
``--replications`` and ``--days`` shrink the run for a quick look. The cold run uses an empty
temporary store (lever training, every archetype x lever-set run, the projection); the warm run
repeats it, served from the results store; the re-projection run drops the stored result but
keeps the stored archetype runs (what a new scenario over simulated archetypes costs).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from twin.projection import RunSettings  # noqa: E402
from twin.scenario_run import run_scenario, summary_table  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "gumi-ax-2032.yaml"))
    ap.add_argument("--replications", type=int, default=30)
    ap.add_argument("--days", type=float, default=7.0)
    ap.add_argument("--workers", type=int, default=None, help="worker processes (default: CPUs)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    settings = RunSettings(days=args.days, replications=args.replications, seed=7)
    with tempfile.TemporaryDirectory() as cache:
        os.environ["GUMI_TWIN_CACHE"] = cache
        t0 = time.perf_counter()
        cold = run_scenario(args.scenario, settings, workers=args.workers)
        t_cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        warm = run_scenario(args.scenario, settings, workers=args.workers)
        t_warm = time.perf_counter() - t0
        # Runs stored, result not: what a new scenario over already simulated archetypes costs.
        shutil.rmtree(Path(cache) / "results")
        t0 = time.perf_counter()
        reproj = run_scenario(args.scenario, settings, workers=args.workers)
        t_reproj = time.perf_counter() - t0
    same = cold.tidy.equals(warm.tidy) and cold.tidy.equals(reproj.tidy)
    s = summary_table(cold)
    last = s[(s["year"] == s["year"].max()) & (s["kpi"] == "electricity_mwh")].iloc[0]
    doc = {
        "machine": f"{platform.platform()} ({os.cpu_count()} cpus), "
        f"Python {platform.python_version()}",
        "scenario": Path(args.scenario).stem,
        "replications": args.replications,
        "days": args.days,
        "cold_s": round(t_cold, 2),
        "warm_s": round(t_warm, 2),
        "reprojection_s": round(t_reproj, 2),
        "cold_target_s": 60,
        "warm_target_s": 2,
        "warm_equals_cold": same,
        "electricity_diff_2032_gwh": round(last["diff"] / 1000, 1),
    }
    if args.json:
        print(json.dumps(doc, indent=1))
    else:
        for k, v in doc.items():
            print(f"{k:28s} {v}")
        print(f"cold / target {t_cold / 60:.2f}   warm / target {t_warm / 2:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
