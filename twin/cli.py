"""The ``twin`` command line. Thin: parse arguments, call orchestration, print.

Bad input never shows a traceback: it prints one line naming the file, the field and what is
allowed, and exits with code 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from twin.cli_compare import COMMANDS as COMPARE_COMMANDS
from twin.cli_compare import add_parsers as add_compare_parsers
from twin.cli_complex import COMMANDS, add_parsers
from twin.cli_report import COMMANDS as REPORT_COMMANDS
from twin.cli_report import add_parsers as add_report_parsers
from twin.cli_roi import COMMANDS as ROI_COMMANDS
from twin.cli_roi import add_parsers as add_roi_parsers
from twin.cli_scenario import COMMANDS as SCENARIO_COMMANDS
from twin.cli_scenario import add_parsers as add_scenario_parsers
from twin.cli_sweep import COMMANDS as SWEEP_COMMANDS
from twin.cli_sweep import add_parsers as add_sweep_parsers
from twin.config.loader import load_factory_spec
from twin.core.errors import InputError

KPI_LABELS = {
    "throughput_per_h": ("Throughput", "good units / scheduled h"),
    "mean_lead_time_min": ("Lead time", "min"),
    "mean_wip": ("WIP", "units"),
    "good_units": ("Good units", "units"),
    "scrap_units": ("Scrap", "units"),
    "escaped_defects": ("Escaped defects", "units"),
    "oee": ("OEE", "share"),
    "energy_kwh": ("Energy", "kWh"),
    "kwh_per_good_unit": ("Energy per good unit", "kWh"),
    "peak_kw_15min": ("Peak demand (15 min)", "kW"),
    "mean_kw": ("Mean load", "kW"),
}


def _json_default(value: Any) -> Any:
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _clean(obj: Any) -> Any:
    """Replace NaN and infinities by None so the output is strict JSON."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _fmt(x: float | None, digits: int = 3) -> str:
    if x is None:
        return "–"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}" if abs(x) < 1 else f"{x:,.{digits - 1}f}"


def _print_tables(doc: dict[str, Any], console: Console) -> None:
    title = (
        f"{doc['factory']}: {doc['days']:g} days after {doc['warmup_days']:g} warm-up days, "
        f"{doc['replications']} replications, seed {doc['seed']}"
    )
    t = Table(title=title, title_justify="left")
    for col in ("KPI", "unit", "mean", "95 % CI"):
        t.add_column(col, justify="right" if col in ("mean", "95 % CI") else "left")
    for key, (label, unit) in KPI_LABELS.items():
        s = doc["summary"][key]
        ci = "–" if s["ci_low"] is None else f"{_fmt(s['ci_low'])} – {_fmt(s['ci_high'])}"
        t.add_row(label, unit, _fmt(s["mean"]), ci)
    console.print(t)
    st = Table(title=f"Stations (bottleneck: {doc['bottleneck']})", title_justify="left")
    cols = (
        "utilization",
        "availability",
        "blocked_share",
        "starved_share",
        "mean_queue",
        "mean_wait_min",
    )
    st.add_column("station")
    for c in cols:
        st.add_column(c.replace("_", " "), justify="right")
    for name, kpis in doc["stations"].items():
        st.add_row(name, *(_fmt(kpis[c]["mean"]) for c in cols))
    console.print(st)
    et = Table(title="Energy by state (kWh, mean)", title_justify="left")
    et.add_column("state")
    et.add_column("kWh", justify="right")
    for state, kwh in doc["energy_by_state_kwh"].items():
        if kwh:
            et.add_row(state, f"{kwh:,.1f}")
    console.print(et)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


class _UsageError(Exception):
    pass


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _nonneg_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more, got {text}")
    return value


def _int_in(lo: int, hi: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"must be from {lo} to {hi}, got {text}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    """The ``twin`` argument parser with its sub-commands."""
    parser = _Parser(
        prog="twin",
        description="Gumi Twin: simulate factories of the Gumi National Industrial Complex.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    f = sub.add_parser("factory", help="simulate a factory and print its KPIs with 95 %% intervals")
    f.add_argument("spec", help="factory spec YAML (see data/factories/)")
    f.add_argument(
        "--days",
        type=_positive_float,
        default=14.0,
        help="measured days per replication (default 14)",
    )
    f.add_argument(
        "--warmup-days",
        type=_nonneg_float,
        default=2.0,
        help="warm-up days left out of the statistics (default 2)",
    )
    f.add_argument(
        "--replications",
        type=_int_in(1, 1000),
        default=5,
        help="independent replications (default 5)",
    )
    f.add_argument("--seed", type=_int_in(0, 2**63 - 1), default=0, help="root seed (default 0)")
    f.add_argument("--json", action="store_true", dest="as_json", help="print one JSON object")
    v = sub.add_parser("validate", help="check factory spec files")
    v.add_argument("specs", nargs="+", help="factory spec YAML files")
    add_parsers(sub, _int_in, _positive_float, _nonneg_float)
    add_scenario_parsers(sub, _int_in, _positive_float)
    add_sweep_parsers(sub, _int_in, _positive_float)
    add_compare_parsers(sub, _int_in, _positive_float)
    add_roi_parsers(sub)
    add_report_parsers(sub)
    return parser


def _cmd_factory(args: argparse.Namespace) -> int:
    from twin.experiment import run_factory

    model = load_factory_spec(args.spec)
    run = run_factory(
        model,
        days=args.days,
        warmup_days=args.warmup_days,
        replications=args.replications,
        seed=args.seed,
    )
    doc = _clean(run.to_dict())
    if args.as_json:
        sys.stdout.write(json.dumps(doc, indent=2, default=_json_default) + "\n")
    else:
        _print_tables(doc, Console())
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.specs:
        try:
            load_factory_spec(path)
            print(f"{path}: OK")
        except InputError as exc:
            print(f"twin: {exc.line()}", file=sys.stderr)
            failed += 1
    return 2 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``twin`` console script; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 0
        commands = {
            "factory": _cmd_factory,
            "validate": _cmd_validate,
            **COMMANDS,
            **SCENARIO_COMMANDS,
            **SWEEP_COMMANDS,
            **COMPARE_COMMANDS,
            **ROI_COMMANDS,
            **REPORT_COMMANDS,
        }
        return commands[args.command](args)
    except _UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except InputError as exc:
        print(f"twin: {exc.line()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("twin: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
