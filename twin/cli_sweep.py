"""``twin sweep``, ``twin sensitivity`` and ``twin surrogate``: studies over scenario parameters."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from twin.core.errors import InputError

__all__ = ["COMMANDS", "add_parsers"]

#: How KPIs are shown: label, divisor, unit.
UNITS = {
    "output_krw": ("Production", 1e9, "bn KRW"),
    "value_added_krw": ("Value added", 1e9, "bn KRW"),
    "employees": ("Employees", 1.0, ""),
    "electricity_mwh": ("Electricity", 1e3, "GWh"),
    "ai_compute_mwh": ("AI compute energy", 1e3, "GWh"),
    "co2_t": ("CO2", 1e3, "kt"),
    "peak_mw": ("Peak (sum of sites)", 1.0, "MW"),
    "productivity_mkrw": ("Value added per employee", 1.0, "M KRW"),
    "output_per_employee_mkrw": ("Output per employee", 1.0, "M KRW"),
    "carbon_cost_krw": ("Carbon cost", 1e9, "bn KRW"),
}


def _execution_args(p: argparse.ArgumentParser, int_in: Callable) -> None:
    how = p.add_mutually_exclusive_group()
    how.add_argument(
        "--workers",
        type=int_in(1, 256),
        default=None,
        help="project the points on a local Dask cluster of N worker processes (default: "
        "serially; results are identical)",
    )
    how.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="project the points on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (its "
        "workers need this checkout's twin package and the same library versions)",
    )
    p.add_argument(
        "--no-cache", action="store_true", help="recompute archetype runs and stored points"
    )


def add_parsers(
    sub: Any, int_in: Callable[[int, int], Callable[[str], int]], positive: Callable[[str], float]
) -> None:
    """Register ``twin sweep``, ``twin sensitivity`` and ``twin surrogate``."""
    s = sub.add_parser("sweep", help="run a grid or Latin-hypercube sweep over scenario parameters")
    s.add_argument("sweep", help="sweep YAML (see scenarios/sweeps/)")
    _execution_args(s, int_in)
    s.add_argument("--out", default=None, help="output folder (default: results/sweeps/<name>)")
    s.add_argument("--replications", type=int_in(2, 200), default=None, help="override the file's")
    s.add_argument("--days", type=positive, default=None, help="override the file's")
    s.add_argument(
        "--fit-surrogate",
        action="store_true",
        help="fit a surrogate on the results and save it beside them (surrogate.joblib)",
    )

    t = sub.add_parser(
        "sensitivity", help="rank uncertain inputs by Morris or Sobol indices (SALib)"
    )
    t.add_argument("scenario", help="scenario YAML (see scenarios/)")
    t.add_argument("--kpi", default="value_added_krw", help="KPI (default value_added_krw)")
    t.add_argument("--year", type=int_in(1900, 2200), default=None, help="default: the last")
    t.add_argument("--method", choices=("morris", "sobol"), default="morris")
    t.add_argument(
        "--samples",
        type=int_in(2, 10_000),
        default=8,
        help="Morris trajectories or Sobol base points (default 8)",
    )
    t.add_argument(
        "--input",
        action="append",
        default=None,
        metavar="NAME=LOW:HIGH",
        help="an uncertain input and its range (repeat; default: lever effects, adoption "
        "ceilings, demand growth, grid factor, data-cluster GPUs)",
    )
    t.add_argument(
        "--replications", type=int_in(2, 200), default=5, help="per archetype run (default 5)"
    )
    t.add_argument("--days", type=positive, default=7.0, help="measured days per run (default 7)")
    t.add_argument("--seed", type=int_in(0, 2**31 - 1), default=None, help="default: scenario's")
    t.add_argument(
        "--design-seed",
        type=int_in(0, 2**31 - 1),
        default=0,
        help="seed of the Morris/Sobol sample and its bootstrap intervals (default 0)",
    )
    _execution_args(t, int_in)
    t.add_argument("--out", default=None, help="default: results/sensitivity/<scenario>-<kpi>")

    q = sub.add_parser("surrogate", help="fit or query the surrogate of a sweep's results")
    q.add_argument("folder", help="a sweep's output folder (twin sweep --out)")
    q.add_argument("--fit", action="store_true", help="(re)fit and save the surrogate")
    q.add_argument(
        "--query", default=None, metavar="K=V,...", help="parameter values to predict at"
    )
    q.add_argument("--json", action="store_true", dest="as_json", help="print JSON")


@contextmanager
def _bars() -> Iterator[tuple[Callable[[str], None], Callable[[int, int, str], None]]]:
    """Progress bars on stderr: archetype runs, then points (with the time left).

    The bars appear with the first progress report, so that an error before any work
    (a bad file, an unreachable scheduler) stays one line.
    """
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    bar = Progress(*columns, console=Console(stderr=True), transient=True)
    tasks: dict[str, Any] = {}

    def started() -> Progress:
        if not tasks:
            bar.start()
            tasks["started"] = True
        return bar

    def on_run(text: str) -> None:
        if "runs" not in tasks:
            tasks["runs"] = started().add_task("archetype runs", total=None)
        bar.update(tasks["runs"], description=f"archetype runs: {text}", advance=1)

    def on_point(done: int, total: int, text: str) -> None:
        if "points" not in tasks:
            tasks["points"] = started().add_task("points", total=total, completed=0)
        bar.update(tasks["points"], description=f"points ({text})", completed=done)

    try:
        yield on_run, on_point
    finally:
        if tasks:
            bar.stop()


def _fmt(x: float, div: float) -> str:
    if x != x:
        return "-"
    v = x / div
    return f"{v:+,.3g}" if abs(v) < 1000 else f"{v:+,.0f}"


def _cmd_sweep(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from rich.console import Console
    from rich.table import Table

    from twin.sweep import load_sweep, run_sweep, sweep_table, write_sweep

    sweep = load_sweep(args.sweep)
    settings = sweep.settings
    if args.replications:
        settings = replace(settings, replications=args.replications)
    if args.days:
        settings = replace(settings, days=args.days)
    with _bars() as (on_run, on_point):
        result = run_sweep(
            sweep,
            settings=settings,
            use_cache=not args.no_cache,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=on_point,
            prepare_progress=on_run,
        )
    out = Path(args.out) if args.out else Path("results") / "sweeps" / sweep.spec.name
    table = sweep_table(result, sweep.kpis, sweep.years)
    extra = {}
    surrogate = None
    if args.fit_surrogate:
        from twin.surrogate import FILE_NAME, fit_surrogate, save_surrogate

        surrogate = fit_surrogate(
            table,
            list(sweep.designs[0]),
            neutral={n: p.neutral for n, p in sweep.params.items()},
            bounds=sweep.bounds,
            meta={"sweep": sweep.spec.name},
        )
        extra[FILE_NAME] = lambda p: save_surrogate(surrogate, p)
    write_sweep(sweep, result, out, settings, extra)
    console = Console()
    year = sweep.years[-1]
    t = Table(
        title=f"{sweep.spec.name}: {len(result.points)} points on {sweep.base.name} "
        f"({settings.replications} replications, {settings.days:g} days); difference to each "
        f"point's zero-adoption baseline in {year} across the points",
        title_justify="left",
    )
    for col in ("KPI", "min", "median", "max", "widest 95 % half-width"):
        t.add_column(col, justify="left" if col == "KPI" else "right")
    last = table[table["year"] == year]
    for kpi in sweep.kpis:
        label, div, unit = UNITS[kpi]
        d = last[last["kpi"] == kpi]
        half = float(((d["diff_high"] - d["diff_low"]) / 2).max())
        t.add_row(
            f"{label} ({unit})" if unit else label,
            _fmt(float(d["diff"].min()), div),
            _fmt(float(d["diff"].median()), div),
            _fmt(float(d["diff"].max()), div),
            _fmt(half, div).lstrip("+"),
        )
    console.print(t)
    if surrogate is not None:
        _print_cv(console, surrogate.cv)
    print(
        f"{result.computed} points computed, {result.reused} from the store, "
        f"{result.seconds:.1f} s ({result.execution}); wrote {out}/sweep.parquet, points.csv, "
        "manifest.json" + (", surrogate.joblib" if surrogate is not None else "")
    )
    return 0


def _print_cv(console: Any, cv: Any) -> None:
    from rich.table import Table

    t = Table(
        title="Surrogate (Gaussian process), k-fold cross-validated error of the difference "
        "to the baseline",
        title_justify="left",
    )
    for col in ("KPI", "year", "R²", "RMSE", "RMSE / spread"):
        t.add_column(col, justify="left" if col == "KPI" else "right")
    for _, r in cv.iterrows():
        label, div, unit = UNITS.get(r["kpi"], (r["kpi"], 1.0, ""))
        t.add_row(
            f"{label} ({unit})" if unit else label,
            str(r["year"]),
            f"{r['r2']:.3f}",
            _fmt(r["rmse"], div).lstrip("+"),
            f"{r['rmse_share']:.1%}",
        )
    console.print(t)


def _parse_inputs(items: list[str]) -> list[Any]:
    from twin.sweep import Uncertain

    out = []
    for item in items:
        name, sep, rng = item.partition("=")
        lo, sep2, hi = rng.partition(":")
        try:
            low, high = float(lo), float(hi)
        except ValueError:
            low = high = math.nan
        if not (sep and sep2 and name) or not (math.isfinite(low) and math.isfinite(high)):
            raise InputError(None, "--input", f"{item!r}: expected NAME=LOW:HIGH")
        if not low < high:
            raise InputError(None, "--input", f"{item!r}: LOW must be below HIGH")
        out.append(Uncertain(name.strip(), low, high))
    return out


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from twin.config.scenario import load_scenario
    from twin.projection import RunSettings
    from twin.sweep import KPIS, sensitivity, write_sensitivity

    if args.kpi not in KPIS:
        raise InputError(None, "--kpi", f"unknown KPI {args.kpi!r} (allowed: {', '.join(KPIS)})")
    base = load_scenario(args.scenario)
    settings = RunSettings(
        days=args.days,
        replications=args.replications,
        seed=base.seed if args.seed is None else args.seed,
    )
    inputs = _parse_inputs(args.input) if args.input else None
    with _bars() as (on_run, on_point):
        res = sensitivity(
            base,
            settings,
            kpi=args.kpi,
            year=args.year,
            method=args.method,
            samples=args.samples,
            inputs=inputs,
            seed=args.design_seed,
            source=str(args.scenario),
            use_cache=not args.no_cache,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=on_point,
            prepare_progress=on_run,
        )
    out = (
        Path(args.out)
        if args.out
        else Path("results") / "sensitivity" / f"{base.name}-{args.kpi}-{res.year}"
    )
    write_sensitivity(res, out)
    label, div, unit = UNITS[args.kpi]
    console = Console()
    r = Table(
        title=f"{base.name}: what moves the change of {label.lower()} in {res.year} "
        f"({args.method}, {len(res.samples)} points, {unit})",
        title_justify="left",
    )
    cols = (
        ("mu_star", "mu_star_conf", "sigma") if args.method == "morris" else ("ST", "ST_conf", "S1")
    )
    heads = {
        "mu_star": "mu* (effect over the range)",
        "mu_star_conf": "± 95 %",
        "sigma": "sigma",
        "ST": "total index",
        "ST_conf": "± 95 %",
        "S1": "first order",
    }
    r.add_column("rank", justify="right")
    r.add_column("input")
    for c in cols:
        r.add_column(heads[c], justify="right")
    for _, row in res.ranking.iterrows():
        cells = [
            _fmt(row[c], div).lstrip("+") if args.method == "morris" else f"{row[c]:.3f}"
            for c in cols
        ]
        r.add_row(str(row["rank"]), row["input"], *cells)
    console.print(r)
    tt = Table(
        title=f"Tornado: change of {label.lower()} in {res.year} ({unit}) with one input at "
        "its low or high end, the others at the centre of their ranges",
        title_justify="left",
    )
    for col in ("input", "range", "at low", "at high", "swing"):
        tt.add_column(col, justify="left" if col in ("input", "range") else "right")
    for _, row in res.tornado.iterrows():
        tt.add_row(
            row["input"],
            f"{row['low']:g} to {row['high']:g}",
            _fmt(row["diff_at_low"], div),
            _fmt(row["diff_at_high"], div),
            _fmt(row["swing"], div).lstrip("+"),
        )
    console.print(tt)
    centre = res.tornado["diff_at_centre"].iloc[0]
    print(
        f"at the centre of every range: {_fmt(centre, div)} {unit}; "
        f"{res.study.computed} points computed, {res.study.reused} from the store, "
        f"{res.study.seconds:.1f} s ({res.study.execution}); wrote {out}/sensitivity.csv, "
        "tornado.csv, samples.parquet, manifest.json"
    )
    return 0


def _parse_query(text: str) -> dict[str, float]:
    out = {}
    for item in text.split(","):
        if not item.strip():
            continue
        k, sep, v = item.partition("=")
        try:
            out[k.strip()] = float(v)
        except ValueError:
            sep = ""
        if not sep or not k.strip():
            raise InputError(None, "--query", f"{item!r}: expected NAME=VALUE")
    return out


def _cmd_surrogate(args: argparse.Namespace) -> int:
    import pandas as pd
    from rich.console import Console

    from twin.surrogate import fit_surrogate, load_surrogate, save_surrogate

    folder = Path(args.folder)
    if not (folder / "sweep.parquet").is_file() or not (folder / "manifest.json").is_file():
        raise InputError(str(folder), None, "not a sweep's output folder (twin sweep --out)")
    console = Console()
    if args.fit or not (folder / "surrogate.joblib").is_file():
        manifest = json.loads((folder / "manifest.json").read_text())
        params = manifest.get("parameters", {})
        s = fit_surrogate(
            pd.read_parquet(folder / "sweep.parquet"),
            list(params),
            neutral={n: v["neutral"] for n, v in params.items()},
            bounds={n: (v["low"], v["high"]) for n, v in params.items()},
            meta={"sweep": manifest.get("sweep")},
        )
        save_surrogate(s, folder)
        if not args.as_json:
            _print_cv(console, s.cv)
    else:
        s = load_surrogate(folder)
    if args.query is None:
        if not args.as_json and not args.fit:
            _print_cv(console, s.cv)
        return 0
    try:
        pred = s.predict(_parse_query(args.query))
    except ValueError as exc:
        raise InputError(None, "--query", str(exc)) from None
    if args.as_json:
        doc = {
            "in_range": pred.in_range,
            "messages": pred.messages,
            "seconds": pred.seconds,
            "predictions": pred.table.to_dict(orient="records"),
        }
        sys.stdout.write(json.dumps(doc, indent=1) + "\n")
        return 0
    for _, row in pred.table.iterrows():
        label, div, unit = UNITS.get(row["kpi"], (row["kpi"], 1.0, ""))
        print(
            f"{label} {row['year']}: {_fmt(row['diff'], div)} ± {_fmt(2 * row['sd'], div)[1:]} "
            f"{unit} vs baseline"
        )
    for m in pred.messages:
        print(f"note: {m}")
    print(
        f"({'in' if pred.in_range else 'OUTSIDE the'} sampled range; {pred.seconds * 1e3:.1f} ms)"
    )
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "sweep": _cmd_sweep,
    "sensitivity": _cmd_sensitivity,
    "surrogate": _cmd_surrogate,
}
