"""``twin compare``: scenarios side by side, paired differences and lever waterfalls."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

__all__ = ["COMMANDS", "add_parsers"]

KPIS = {
    "output_krw": ("Production", 1e12, "tn KRW"),
    "value_added_krw": ("Value added", 1e12, "tn KRW"),
    "productivity_mkrw": ("Labour productivity", 1.0, "M KRW per employee"),
    "electricity_mwh": ("Electricity (factories)", 1e3, "GWh"),
    "ai_compute_mwh": ("AI compute energy", 1e3, "GWh"),
    "co2_t": ("CO2", 1e3, "kt"),
    "peak_mw": ("Peak demand (sum of sites)", 1.0, "MW"),
}


def add_parsers(
    sub: Any, int_in: Callable[[int, int], Callable[[str], int]], positive: Callable[[str], float]
) -> None:
    """Register ``twin compare``."""
    c = sub.add_parser(
        "compare",
        help="compare scenarios with the first: paired differences and lever waterfalls",
    )
    c.add_argument("scenarios", nargs="+", help="two or more scenario YAML files")
    c.add_argument("--replications", type=int_in(2, 200), default=5)
    c.add_argument("--days", type=positive, default=7.0, help="measured days per run")
    c.add_argument(
        "--seed",
        type=int_in(0, 2**31 - 1),
        default=None,
        help="root seed of the runs (default: the first scenario's), the same for all",
    )
    c.add_argument("--year", type=int_in(2000, 2100), default=None, help="default: last year")
    c.add_argument("--out", default=None, help="folder for differences.csv, waterfalls.csv, ...")
    c.add_argument("--no-cache", action="store_true")
    c.add_argument("--workers", type=int_in(1, 64), default=None)


def _cell(value: float | None, low: float | None, high: float | None, div: float) -> str:
    if value is None:
        return "–"
    if low is None or low != low:
        return f"{value / div:+,.3g}"
    return f"{value / div:+,.3g} [{low / div:+,.3g}, {high / div:+,.3g}]"


def _cmd_compare(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from twin.compare import compare
    from twin.config.scenario import load_scenario
    from twin.core.errors import InputError
    from twin.projection import RunSettings

    if len(args.scenarios) < 2:
        raise InputError("twin compare", "scenarios", "give two or more scenario files")
    for path in args.scenarios:  # every file is checked before anything runs
        load_scenario(path)
    first = load_scenario(args.scenarios[0])
    settings = RunSettings(
        days=args.days,
        replications=args.replications,
        seed=first.seed if args.seed is None else args.seed,
    )
    err = Console(stderr=True)
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("projecting scenarios", total=None)

        def tick(text: str) -> None:
            bar.update(task, description=text, advance=1)

        cmp = compare(
            args.scenarios,
            settings,
            use_cache=not args.no_cache,
            workers=args.workers,
            progress=tick,
        )
    diffs = cmp.differences
    year = args.year or int(diffs["year"].max())
    if year not in set(diffs["year"]):
        raise InputError("twin compare", "--year", f"{year} is outside the scenarios' horizon")
    names = [r.scenario.name for r in cmp.results]
    console = Console()
    t = Table(
        title=f"{year}: each scenario, and its paired difference to {names[0]} "
        f"({settings.replications} replications, seed {settings.seed}, 95 % intervals)",
        title_justify="left",
    )
    t.add_column("KPI")
    for n in names:
        t.add_column(n, justify="right")
    for kpi, (label, div, unit) in KPIS.items():
        cells = []
        for n in names:
            row = diffs[(diffs["scenario"] == n) & (diffs["year"] == year) & (diffs["kpi"] == kpi)]
            r = row.iloc[0]
            text = f"{r['mean'] / div:,.4g}"
            if n != names[0]:
                text += "\n" + _cell(r["diff"], r["diff_low"], r["diff_high"], div)
            cells.append(text)
        t.add_row(f"{label} ({unit})", *cells)
    console.print(t)
    falls = cmp.waterfalls
    for name in falls["scenario"].unique() if len(falls) else []:
        w = falls[(falls["scenario"] == name) & (falls["year"] == year)]
        wt = Table(
            title=f"{name} against its zero-adoption baseline, {year}: levers switched on one "
            "by one (order: spec levers first, then decision levers)",
            title_justify="left",
        )
        wt.add_column("Step")
        kpis = [k for k in ("value_added_krw", "electricity_mwh", "co2_t") if k in set(w["kpi"])]
        for k in kpis:
            wt.add_column(f"{KPIS[k][0]} ({KPIS[k][2]})", justify="right")
        for step in sorted(w["step"].unique()):
            rows = w[w["step"] == step].set_index("kpi")
            wt.add_row(
                rows["name"].iloc[0],
                *[
                    _cell(
                        rows.loc[k, "change"],
                        rows.loc[k, "change_low"],
                        rows.loc[k, "change_high"],
                        KPIS[k][1],
                    )
                    for k in kpis
                ],
            )
        console.print(wt)
    if len(cmp.assumptions):
        at = Table(title="Settings that differ between the scenarios", title_justify="left")
        at.add_column("Setting")
        for n in names:
            at.add_column(n)
        shown = cmp.assumptions[~cmp.assumptions["setting"].str.endswith((".source", ".note"))]
        for _, row in shown.head(25).iterrows():
            at.add_row(row["setting"], *[str(row[n])[:40] for n in names])
        console.print(at)
        if len(shown) > 25:
            console.print(f"... and {len(shown) - 25} more (see assumptions.csv with --out)")
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        diffs.to_csv(out / "differences.csv", index=False)
        falls.to_csv(out / "waterfalls.csv", index=False)
        cmp.assumptions.to_csv(out / "assumptions.csv", index=False)
        print(f"wrote {out}/differences.csv, waterfalls.csv, assumptions.csv")
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"compare": _cmd_compare}
