"""``twin roi``: which AI lever pays on a company's own line, how much, how soon, how surely."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["COMMANDS", "add_parsers"]

MKRW = 1e6


def add_parsers(sub: Any) -> None:
    """Register ``twin roi`` (options are checked in the command: errors are one line)."""
    r = sub.add_parser(
        "roi",
        help="ROI of AI levers on one line: NPV range, payback, IRR, cash flows, KPI changes",
    )
    r.add_argument(
        "factory",
        help="an archetype name (e.g. smt-assembly), a data/archetypes/*.yaml file, or your "
        "own factory spec YAML",
    )
    r.add_argument(
        "--levers",
        required=True,
        help="comma-separated levers, e.g. predictive_maintenance,vision_qc (data/levers)",
    )
    r.add_argument("--years", default="7", help="evaluation horizon in years, 1-30 (default 7)")
    r.add_argument(
        "--replications",
        default="20",
        help="replications (>= 2): each simulates every lever set and draws each lever's "
        "effect size (default 20)",
    )
    r.add_argument(
        "--simulations",
        default=None,
        help="simulated replications S, a divisor of --replications (default: as many as "
        "replications). Fewer run faster: the effect draws are spread over S simulations "
        "(each carries replications / S draws), the ranges include the noise of S runs and "
        "the uncertainty of their mean, and intervals of means come from the S simulations",
    )
    r.add_argument("--seed", default="7", help="root seed (default 7)")
    r.add_argument(
        "--discount-rate", default="0.07", help="yearly discount rate, 0-0.5 (default 0.07)"
    )
    r.add_argument(
        "--headroom",
        default="0",
        help="how much more than the line makes now the market takes, as a share (0.1 = 10 %%; "
        "default 0: added capacity sells nothing)",
    )
    size = r.add_mutually_exclusive_group()
    size.add_argument("--scale", default=None, help="lines of this kind you run (default 1)")
    size.add_argument(
        "--employees",
        default=None,
        help="your employees: the scale is employees over the spec's 'employees'",
    )
    r.add_argument(
        "--carbon-price",
        default=None,
        help="KRW per tCO2 avoided (default: the K-ETS price of scenarios/defaults.yaml)",
    )
    r.add_argument(
        "--repair-cost-per-h",
        default=None,
        help="KRW per repair machine-hour (default 150,000, an estimate)",
    )
    r.add_argument("--days", default="7", help="measured days per run, 7-56 (default 7)")
    r.add_argument("--warmup-days", default="2", help="warm-up days per run, 0-14 (default 2)")
    r.add_argument(
        "--typical-only",
        action="store_true",
        help="every replication at the levers' typical presets (no effect-size uncertainty)",
    )
    r.add_argument(
        "--run-noise",
        action="store_true",
        help="scale each run to a year as it is (a lucky week counts 52 times; wider ranges) "
        "instead of the noise of a year of operation",
    )
    r.add_argument(
        "--workers",
        default=None,
        help="worker processes (default: one per CPU; results do not depend on it)",
    )
    r.add_argument(
        "--no-cache",
        action="store_true",
        help="recompute even if the results store (.cache/roi) holds this ROI",
    )
    r.add_argument("--json", action="store_true", dest="as_json", help="print one JSON object")


def _number(option: str, text: str, lo: float, hi: float, whole: bool = False) -> float:
    """``text`` as a number in [lo, hi], else an InputError naming the option."""
    from twin.core.errors import InputError

    kind = "a whole number" if whole else "a number"
    try:
        value = float(text.replace(",", "").replace("_", ""))
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not lo <= value <= hi or (whole and value != int(value)):
        top = "or more" if math.isinf(hi) else f"to {hi:g}"
        raise InputError(option, text, f"must be {kind} from {lo:g} {top}")
    return int(value) if whole else value


def _options(args: argparse.Namespace, factory: Any, known: list[str]) -> dict[str, Any]:
    """The command's options, checked (one-line errors naming the option and the value)."""
    from twin.core.errors import InputError

    names = [n.strip() for n in args.levers.split(",") if n.strip()]
    if not names:
        raise InputError("--levers", args.levers or "''", f"name levers ({', '.join(known)})")
    for n in names:
        if n not in known:
            raise InputError("--levers", n, f"unknown lever (allowed: {', '.join(known)})")
    if len(set(names)) != len(names):
        raise InputError("--levers", args.levers, "a lever is listed twice")
    scale = 1.0
    if args.scale is not None:
        scale = _number("--scale", args.scale, 0.01, 10_000)
    if args.employees is not None:
        people = _number("--employees", args.employees, 1, 1_000_000, whole=True)
        if not factory.spec.employees:
            raise InputError(
                "--employees",
                args.employees,
                f"{factory.source} gives no 'employees' per line: use --scale (lines)",
            )
        scale = people / factory.spec.employees
    reps = _number("--replications", args.replications, 2, 1000, whole=True)
    sims = reps
    if args.simulations is not None:
        sims = _number("--simulations", args.simulations, 2, reps, whole=True)
        if reps % sims:
            raise InputError(
                "--simulations", args.simulations, f"must divide --replications ({reps})"
            )
    return {
        "levers": names,
        "years": _number("--years", args.years, 1, 30, whole=True),
        "replications": reps,
        "simulations": sims,
        "seed": _number("--seed", args.seed, 0, 2**31 - 1, whole=True),
        "discount_rate": _number("--discount-rate", args.discount_rate, 0, 0.5),
        "headroom": _number("--headroom", args.headroom, 0, 10),
        "scale": scale,
        "carbon_price_krw_per_t": (
            None
            if args.carbon_price is None
            else _number("--carbon-price", args.carbon_price, 0, 1e7)
        ),
        "repair_krw_per_h": (
            None
            if args.repair_cost_per_h is None
            else _number("--repair-cost-per-h", args.repair_cost_per_h, 0, 1e8)
        ),
        "days": _number("--days", args.days, 7, 56, whole=True),
        "warmup_days": _number("--warmup-days", args.warmup_days, 0, 14, whole=True),
        "workers": (
            None if args.workers is None else _number("--workers", args.workers, 1, 64, whole=True)
        ),
        "sample_effects": not args.typical_only,
        "noise": "run" if args.run_noise else "year",
    }


def _clean(obj: Any) -> Any:
    """NaN and infinities as None: strict JSON."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _m(x: float | None, signed: bool = False) -> str:
    """An amount in million KRW."""
    if x is None or not math.isfinite(x):
        return "–"
    v = x / MKRW
    fmt = "+,.0f" if signed else ",.0f"
    if abs(v) < 10:
        fmt = "+,.1f" if signed else ",.1f"
    return f"{v:{fmt}}"


def _pct(x: float | None) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{x:.0%}"


def _g(x: float | None, signed: bool = False) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    sign = "+" if signed else ""
    if abs(x) >= 100:
        return f"{x:{sign},.0f}"
    if abs(x) >= 1:
        return f"{x:{sign},.2f}"
    return f"{x:{sign}.3g}"


def _label(name: str) -> str:
    return name.replace("_", " ")


def _times(x: float | None, f: float) -> float | None:
    return None if x is None else x * f


def _pm(iv: dict[str, float | None], f: float = 1.0) -> str:
    """``mean ± half-width`` of a symmetric 95 % interval (times ``f``)."""
    mean, lo, hi = iv["mean"], iv["ci_low"], iv["ci_high"]
    if mean is None:
        return "–"
    if mean == 0 and lo == hi:
        return "0"
    if lo is None or hi is None:
        return _g(mean * f, True)
    return f"{_g(mean * f, True)} ± {_g((hi - lo) / 2 * f)}"


def _mean_pm(iv: dict[str, float | None]) -> str:
    """A mean amount and its 95 % half-width, million KRW."""
    if iv["mean"] is None:
        return "–"
    if iv["ci_low"] is None:
        return _m(iv["mean"], True)
    return f"{_m(iv['mean'], True)} ± {_m((iv['ci_high'] - iv['ci_low']) / 2)}"


def _replications(inp: dict[str, Any]) -> str:
    """How many effect draws and simulations the result rests on."""
    reps, sims = inp["replications"], inp.get("simulations", inp["replications"])
    if sims == reps:
        return f"{reps} replications (each an effect draw on its own simulation)"
    return f"{reps} effect draws on {sims} simulated replications"


def _print(doc: dict[str, Any], console: Any) -> None:
    from rich import box
    from rich.table import Table

    from twin.roi import BENEFITS, KPIS

    inp, base, res = doc["inputs"], doc["baseline"], doc["results"]
    lines = inp["scale"]
    per = f"{lines:g} lines" if lines != 1 else "one line"
    kpi = base["kpis"]
    console.print(
        f"[bold]{inp['factory']}[/bold]: {', '.join(inp['levers'])}; {inp['years']} years at "
        f"{inp['discount_rate']:.1%}; {_replications(inp)} of {inp['days']:g} "
        f"days after {inp['warmup_days']:g} warm-up days, seed {inp['seed']}"
    )
    console.print(
        f"Without levers, one line makes {base['output_krw_per_year'] / 1e9:,.1f} bn KRW/yr "
        f"(capacity {base['capacity_output_krw_per_year'] / 1e9:,.1f} bn) and uses "
        f"{kpi['energy_mwh']['demand']:,.0f} MWh/yr (bill "
        f"{base['electricity_bill_krw_per_year'] / 1e6:,.0f} M KRW, peak "
        f"{kpi['peak_kw']['demand']:,.0f} kW); OEE {kpi['oee']['demand']:.1%}."
    )
    t = Table(
        title=f"Net present value, million KRW, {per} (across replications)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for col in ("Lever", "P10", "P50", "P90", "Mean ± 95 %", "P(NPV > 0)", "Payback ≤ 3 y"):
        t.add_column(col, justify="left" if col == "Lever" else "right")
    for name, s in res.items():
        t.add_row(
            _label(name),
            _m(s["npv_p10"], True),
            _m(s["npv_p50"], True),
            _m(s["npv_p90"], True),
            _mean_pm(s["npv_mean_interval"]),
            _pct(s["p_npv_positive"]),
            _pct(s["p_payback_within_3y"]),
        )
    console.print(t)
    b = Table(
        title=f"Costs and steady-state benefits per year, million KRW, {per}; IRR and "
        "benefit-cost ratio (medians)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    shown = [  # benefit kinds that matter somewhere (the others are zero or nearly)
        k
        for k in BENEFITS
        if any(abs(s["annual_benefit_median"][k]) >= 0.05 * MKRW for s in res.values())
    ]
    b.add_column("Lever", min_width=11)
    for col in ("capex", "opex", *shown, "IRR", "BCR"):
        b.add_column(col, justify="right")
    for name, s in res.items():
        ben = s["annual_benefit_median"]
        b.add_row(
            _label(name),
            _m(s["capex_median"]),
            _m(s["opex_median"]),
            *(_m(ben[k], True) for k in shown),
            _pct(s["irr_median"]),
            "–" if s["bcr_median"] is None else f"{s['bcr_median']:.2f}",
        )
    console.print(b)
    hidden = [k for k in BENEFITS if k not in shown]
    if hidden:
        console.print(f"(below 0.05 million KRW a year: {', '.join(hidden)})")
    for name, s in res.items():
        cf = s["cash_flows_median"]
        cols = ["capex", "opex"]
        cols += [k for k in BENEFITS if max(abs(v) for v in cf[k]) >= 0.05 * MKRW]
        c = Table(
            title=f"Cash flows of {_label(name)}, million KRW (each column's median)",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        )
        c.add_column("Year", justify="right")
        for col in [*cols, "net"]:
            c.add_column(col, justify="right")
        for y in range(inp["years"] + 1):
            c.add_row(str(y), *(_m(cf[col][y]) for col in [*cols, "net"]))
        console.print(c)
    for name, s in res.items():
        k = Table(
            title=f"KPI changes with {_label(name)}, one line (mean ± 95 % interval)",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        )
        k.add_column("KPI")
        k.add_column("at demand", justify="right")
        k.add_column("change", justify="right")
        k.add_column(f"at capacity ({inp['saturation']:.2g}x)", justify="right")
        k.add_column("change", justify="right")
        for key, (label, unit) in KPIS.items():
            ch = s["kpi_changes"][key]
            f = 100.0 if unit == "share" else 1.0  # shares in %, their changes in points
            k.add_row(
                f"{label} ({'%, change in points' if f == 100 else unit})",
                _g(_times(kpi[key]["demand"], f)),
                _pm(ch["demand"], f),
                _g(_times(kpi[key]["capacity"], f)),
                _pm(ch["capacity"], f),
            )
        console.print(k)
    console.print(
        f"Priced with {inp['tariff']} (time of use, demand charge on the peak 15-minute kW); "
        f"escapes at {inp['escape_cost_factor']:g}x the price; repairs at "
        f"{inp['repair_krw_per_h']:,.0f} KRW per machine-hour (estimate); carbon at "
        f"{inp['carbon_price_krw_per_t']:,.0f} KRW/t x {inp['grid_factor_t_per_mwh']:g} t/MWh; "
        f"headroom {inp['headroom']:.0%}"
        + (" (added capacity sells nothing)" if inp["headroom"] == 0 else "")
        + "."
    )
    for note in doc["notes"]:
        console.print(f"Note: {note}")


def _cmd_roi(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from twin.roi import REPAIR_KRW_PER_H, company_roi, load_factory
    from twin.scenario_run import load_levers

    factory = load_factory(args.factory)
    specs = load_levers()
    opts = _options(args, factory, list(specs))
    if opts["repair_krw_per_h"] is None:
        opts["repair_krw_per_h"] = REPAIR_KRW_PER_H
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("training levers, simulating runs", total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        levers = opts.pop("levers")
        result = company_roi(
            factory.spec,
            levers,
            progress=tick,
            lever_specs=specs,
            label=factory.label,
            store=not args.no_cache,
            **opts,
        )
    doc = result.to_dict()
    doc["inputs"]["source"] = factory.source
    doc["inputs"]["utilisation"] = factory.utilisation
    doc = _clean(doc)
    if args.as_json:
        sys.stdout.write(json.dumps(doc, indent=1) + "\n")
    else:
        _print(doc, Console())
    if result.from_store:
        Console(stderr=True).print(
            "Served from the results store (.cache/roi); --no-cache recomputes."
        )
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"roi": _cmd_roi}
