"""Measurement: do the levers' effects add up? All levers together against the sum of each alone.

``twin run`` gives a firm that has adopted several levers its archetype's no-lever KPIs plus
the sum of each lever's own change (:func:`twin.projection.combine_sets`). This script measures
how far that holds: for each archetype it runs the line with every lever at once (chained
spec effects and combined policies, :func:`twin.ai.registry.apply_levers`) and compares its
change against the no-lever line with the sum of the single-lever changes, on the same random
numbers, at base-year and at saturating demand.

Printed per archetype and KPI: the summed single-lever change, the all-levers change, and the
interaction ``(all - sum) / sum of |single changes|`` (0: perfectly additive). Run with
``.venv/bin/python benchmarks/additivity.py [--replications R --days D --archetypes a,b]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from twin.additivity import measure  # noqa: E402
from twin.build import load_archetypes  # noqa: E402
from twin.projection import RunSettings  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=3)
    ap.add_argument("--days", type=float, default=7.0)
    ap.add_argument("--archetypes", default="")
    args = ap.parse_args()
    settings = RunSettings(days=args.days, warmup_days=2.0, replications=args.replications)
    names = args.archetypes.split(",") if args.archetypes else sorted(load_archetypes())
    print(
        f"{'archetype':20s} {'demand':6s} {'kpi':15s} {'sum of singles':>15s} "
        f"{'all levers':>12s} {'interaction':>11s}"
    )
    for arch in names:
        for r in measure(arch, settings):
            rel = r["no_lever"] or 1.0
            print(
                f"{r['archetype']:20s} {r['demand']:6s} {r['kpi']:15s} "
                f"{r['sum_of_singles'] / rel:+15.2%} {r['all_levers'] / rel:+12.2%} "
                f"{r['interaction']:+11.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
