"""``twin run``: project an AX scenario across the complex, 2025 to 2032."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

__all__ = ["COMMANDS", "add_parsers"]

LABELS = {
    "output_krw": ("Production", 1e12, "tn KRW"),
    "productivity_mkrw": ("Output per employee", 1.0, "M KRW"),
    "electricity_mwh": ("Electricity (factories)", 1e3, "GWh"),
    "ai_compute_mwh": ("AI compute energy", 1e3, "GWh"),
    "co2_t": ("CO2", 1e3, "kt"),
    "peak_mw": ("Peak demand (sum of sites)", 1.0, "MW"),
}


def add_parsers(
    sub: Any, int_in: Callable[[int, int], Callable[[str], int]], positive: Callable[[str], float]
) -> None:
    """Register ``twin run``."""
    r = sub.add_parser("run", help="project an AX scenario across the complex, year by year")
    r.add_argument("scenario", help="scenario YAML (see scenarios/)")
    r.add_argument(
        "--replications",
        type=int_in(2, 200),
        default=5,
        help="replications per archetype run (default 5)",
    )
    r.add_argument(
        "--seed",
        type=int_in(0, 2**31 - 1),
        default=None,
        help="root seed (default: the scenario's)",
    )
    r.add_argument(
        "--days", type=positive, default=14.0, help="measured days per archetype run (default 14)"
    )
    r.add_argument(
        "--out",
        default=None,
        help="folder for results.parquet, summary.csv, manifest.json (default: results/<scenario>)",
    )
    r.add_argument("--no-cache", action="store_true", help="recompute every archetype run")
    r.add_argument(
        "--workers",
        type=int_in(1, 64),
        default=None,
        help="worker processes (default: one per CPU; results do not depend on it)",
    )


def _cmd_run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from twin.config.scenario import load_scenario
    from twin.projection import RunSettings
    from twin.scenario_run import run_scenario, summary_table, write_results

    scenario = load_scenario(args.scenario)
    settings = RunSettings(
        days=args.days,
        replications=args.replications,
        seed=scenario.seed if args.seed is None else args.seed,
    )
    err = Console(stderr=True)
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("simulating archetypes", total=None)

        def tick(text: str) -> None:
            bar.update(task, description=text, advance=1)

        result = run_scenario(args.scenario, settings, use_cache=not args.no_cache, progress=tick)
    out = Path(args.out) if args.out else Path("results") / scenario.name
    write_results(result, out)
    table = summary_table(result)
    years = sorted(table["year"].unique())
    t = Table(
        title=f"{scenario.name} vs its zero-adoption baseline ({settings.replications} "
        "replications, 95 % intervals)",
        title_justify="left",
    )
    t.add_column("KPI")
    for y in (years[0], years[-1]):
        t.add_column(f"{y}", justify="right")
        t.add_column(f"{y} vs baseline", justify="right")
    for kpi, (label, div, unit) in LABELS.items():
        cells = []
        for y in (years[0], years[-1]):
            row = table[(table["year"] == y) & (table["kpi"] == kpi)].iloc[0]
            cells.append(f"{row['mean'] / div:,.3g}")
            if row["diff_low"] is None or row["diff_low"] != row["diff_low"]:
                cells.append(f"{row['diff'] / div:+,.3g}")
            else:
                cells.append(
                    f"{row['diff'] / div:+,.3g} [{row['diff_low'] / div:+,.3g}, "
                    f"{row['diff_high'] / div:+,.3g}]"
                )
        t.add_row(f"{label} ({unit})", *cells)
    Console().print(t)
    print(f"wrote {out}/results.parquet, summary.csv, manifest.json")
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"run": _cmd_run}
