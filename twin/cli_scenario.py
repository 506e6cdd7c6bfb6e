"""``twin run``: project an AX scenario across the complex, 2025 to 2032."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

__all__ = ["COMMANDS", "add_parsers"]

LABELS = {
    "output_krw": ("Production", 1e12, "tn KRW"),
    "value_added_krw": ("Value added", 1e12, "tn KRW"),
    "productivity_mkrw": ("Labour productivity (value added per employee)", 1.0, "M KRW"),
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
        default=None,
        help="replications per archetype run (default 5, or the scenario's samples when its "
        "lever effects are sampled)",
    )
    r.add_argument(
        "--seed",
        type=int_in(0, 2**31 - 1),
        default=None,
        help="root seed (default: the scenario's)",
    )
    r.add_argument(
        "--days", type=positive, default=7.0, help="measured days per archetype run (default 7)"
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
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.table import Table

    from twin.build import load_archetypes
    from twin.config.scenario import load_scenario
    from twin.projection import RunSettings
    from twin.scenario_run import (
        bottleneck_table,
        run_scenario,
        run_units_count,
        substation_table,
        summary_table,
        write_results,
    )

    scenario = load_scenario(args.scenario)
    reps = args.replications or scenario.uncertainty.samples or RunSettings().replications
    settings = RunSettings(
        days=args.days,
        replications=reps,
        seed=scenario.seed if args.seed is None else args.seed,
    )
    err = Console(stderr=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        total = run_units_count(scenario, len(load_archetypes()))
        task = bar.add_task("archetype x lever-set runs", total=total)

        def tick(text: str) -> None:
            bar.update(task, description=text, advance=1)

        result = run_scenario(
            args.scenario,
            settings,
            use_cache=not args.no_cache,
            progress=tick,
            workers=args.workers,
        )
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
    console = Console()
    console.print(t)
    subs = substation_table(result)
    st = Table(
        title=f"Peak load by substation, {years[-1]} (sum of the sites' peaks, an upper bound)",
        title_justify="left",
    )
    for col in ("Substation", "Firms", "Capacity MW", "Load MW", "vs baseline MW", "Load share"):
        st.add_column(col, justify="left" if col == "Substation" else "right")
    for _, row in subs.iterrows():
        direct = row["capacity_mw"] != row["capacity_mw"]
        st.add_row(
            "154 kV direct (large plants)" if direct else row["substation_id"],
            f"{row['firms']}",
            "-" if direct else f"{row['capacity_mw']:,.0f}",
            f"{row['load_mw']:,.0f} [{row['load_low']:,.0f}, {row['load_high']:,.0f}]",
            f"{row['load_mw'] - row['baseline_load_mw']:+,.1f}",
            "-" if direct else f"{row['load_share']:.0%}",
        )
    console.print(st)
    necks = bottleneck_table(result, top=5)
    if necks.empty:
        console.print("No firm's AI-driven output gain was limited by its suppliers.")
    else:
        console.print(f"Supply bottlenecks, {years[-1]}: suppliers without the spare capacity")
        for _, row in necks.iterrows():
            console.print(
                f"  {row['name']} ({row['sector']}, complex {row['complex_id']}): customers "
                f"lose {row['customer_output_lost_krw'] / 1e9:,.1f} bn KRW of output"
            )
    _print_models(console, result.quality)
    print(
        f"wrote {out}/results.parquet, substations.parquet, firms.parquet, bottlenecks.csv, "
        "summary.csv, manifest.json"
    )
    return 0


def _print_models(console: Any, quality: dict) -> None:
    """The learned lever models' measured quality per archetype (held-out runs)."""
    from rich.table import Table

    rows = []
    for arch, q in sorted(quality.items()):
        pdm, vis = q.get("predictive_maintenance"), q.get("vision_qc")
        if not pdm and not vis:
            continue
        cells = [arch]
        if pdm:
            cells += [
                f"{pdm.get('precision', float('nan')):.2f}",
                f"{pdm.get('recall', float('nan')):.2f}",
                f"{pdm.get('lead_time_h', float('nan')):.1f}",
                f"{pdm.get('availability_without', float('nan')):.1%} -> "
                f"{pdm.get('availability_with', float('nan')):.1%}",
            ]
        else:
            cells += ["-"] * 4
        if vis:
            cells += [
                f"{vis.get('ai_detection_rate', float('nan')):.1%} / "
                f"{vis.get('ai_false_reject_rate', float('nan')):.1%}",
                f"{vis.get('human_detection_rate', float('nan')):.0%} / "
                f"{vis.get('human_false_reject_rate', float('nan')):.0%}",
            ]
        else:
            cells += ["-"] * 2
        rows.append(cells)
    if not rows:
        return
    t = Table(
        title="Lever models, measured on held-out simulated data (per archetype)",
        title_justify="left",
    )
    for col in (
        "Archetype",
        "PdM precision",
        "PdM recall",
        "Lead time h",
        "Availability without -> with PdM",
        "Vision AI detect / false reject",
        "Human",
    ):
        t.add_column(col, justify="left" if col == "Archetype" else "right")
    for cells in rows:
        t.add_row(*cells)
    console.print(t)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"run": _cmd_run}
