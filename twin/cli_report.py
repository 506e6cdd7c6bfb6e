"""``twin report``: an alliance briefing (pptx, html or pdf) from any set of scenarios."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

__all__ = ["COMMANDS", "add_parsers"]


def add_parsers(sub: Any) -> None:
    """Register ``twin report`` (option values are checked by the report: one-line errors)."""
    r = sub.add_parser(
        "report",
        help="a briefing deck (pptx), one HTML page or a PDF from scenarios, with sources",
    )
    r.add_argument(
        "scenarios",
        nargs="+",
        help="scenario YAML files or shipped names (the first is the reference; one scenario "
        "is compared with its own zero-adoption baseline)",
    )
    r.add_argument("--out", default=None, help="output file (default briefing.FORMAT)")
    r.add_argument(
        "--format",
        default=None,
        dest="fmt",
        help="pptx, html or pdf (pdf needs LibreOffice); default: from --out, else pptx",
    )
    r.add_argument("--lang", default="en", help="en or ko (default en)")
    r.add_argument(
        "--kpi",
        default="electricity_mwh",
        help="KPI the map colours the complexes by (default electricity_mwh)",
    )
    r.add_argument("--year", type=int, default=None, help="headline year (default: the last)")
    r.add_argument(
        "--replications",
        type=int,
        default=None,
        help="replications (default: as the explorer, 5 or the sampled scenarios' samples)",
    )
    r.add_argument("--no-roi", action="store_true", help="leave out the company ROI slide")
    r.add_argument(
        "--roi-archetypes",
        default=None,
        help="comma-separated archetypes for the ROI slide (default: the 3 largest employers)",
    )
    r.add_argument(
        "--roi-replications", type=int, default=3, help="ROI replications per line (default 3)"
    )
    r.add_argument("--roi-years", type=int, default=7, help="ROI horizon in years (default 7)")
    r.add_argument(
        "--sensitivity",
        default="light",
        help="light (no extra simulation; lever effect sizes left out), full (with them; "
        "simulates each lever's low and high presets) or none (default light)",
    )
    r.add_argument(
        "--sensitivity-kpi",
        default="value_added_krw",
        help="KPI of the tornado (default value_added_krw)",
    )
    r.add_argument("--workers", type=int, default=None, help="worker processes for runs")


def _cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rich.console import Console
    from rich.progress import Progress

    from twin.report import FORMATS, ReportOptions, gather, regenerate_command, render, write_atomic
    from twin.report.pdf import pdf_converter

    out = Path(args.out) if args.out else None
    fmt = args.fmt or (out.suffix.lstrip(".").lower() if out and out.suffix else "pptx")
    if fmt not in FORMATS:
        from twin.core.errors import InputError

        raise InputError("twin report", "--format", f"'{fmt}' (allowed: {', '.join(FORMATS)})")
    if fmt == "pdf" and pdf_converter() is None:
        from twin.core.errors import InputError

        raise InputError("twin report", "--format", "pdf needs LibreOffice (soffice)")
    out = out or Path(f"briefing.{fmt}")
    options = ReportOptions(
        lang=args.lang,
        map_kpi=args.kpi,
        year=args.year,
        replications=args.replications,
        roi=not args.no_roi,
        roi_archetypes=tuple(a for a in args.roi_archetypes.split(",") if a)
        if args.roi_archetypes
        else None,
        roi_replications=args.roi_replications,
        roi_years=args.roi_years,
        sensitivity=args.sensitivity,
        sensitivity_kpi=args.sensitivity_kpi,
        workers=args.workers,
    )
    err = Console(stderr=True)
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("gathering results", total=None)

        def tick(text: str) -> None:
            bar.update(task, description=text, advance=1)

        data = gather(args.scenarios, options, progress=tick)
        bar.update(task, description=f"rendering {fmt}")
        blob = render(data, fmt)
    write_atomic(out, blob)
    print(f"wrote {out} ({len(blob) / 1e6:.1f} MB)")
    print("regenerate: " + regenerate_command(data, fmt, str(out)))
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"report": _cmd_report}
