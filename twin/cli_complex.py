"""``twin`` sub-commands about the complex: data build, geometry import, calibration, map."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["COMMANDS", "add_parsers"]


def add_parsers(
    sub: Any,
    int_in: Callable[[int, int], Callable[[str], int]],
    positive: Callable[[str], float],
    nonneg: Callable[[str], float],
) -> None:
    """Register the complex commands on the ``twin`` sub-parser."""
    d = sub.add_parser("data", help="build the shipped data (GeoPackage with synthetic firms)")
    dsub = d.add_subparsers(dest="data_command", metavar="WHAT", parser_class=type(d))
    b = dsub.add_parser(
        "build",
        help="rebuild data/gumi.gpkg from data/geometry, data/firmbase.yaml and data/archetypes",
    )
    b.add_argument(
        "--seed",
        type=int_in(0, 2**31 - 1),
        default=None,
        help="seed of the synthetic firm base (default: the shipped one)",
    )
    b.add_argument("--out", default=None, help="write here instead of data/gumi.gpkg")
    dsub.add_parser("build-firms", help="same as 'data build' (firms need the whole package)")

    g = sub.add_parser("import-geometry", help="replace approximate outlines with official ones")
    g.add_argument("file", help="GeoJSON, shapefile or GeoPackage with complex polygons")
    g.add_argument("--layer", choices=["complexes"], required=True, help="layer to replace")
    g.add_argument("--gpkg", default=None, help="GeoPackage to update (default data/gumi.gpkg)")

    c = sub.add_parser("calibrate", help="compare the simulated complex with published figures")
    c.add_argument("--json", action="store_true", dest="as_json", help="print one JSON object")
    c.add_argument(
        "--fit",
        action="store_true",
        help="refit archetype utilisation and write data/calibration.yaml",
    )
    c.add_argument("--days", type=positive, default=None, help="measured days per archetype run")
    c.add_argument("--replications", type=int_in(1, 100), default=None)
    c.add_argument("--seed", type=int_in(0, 2**31 - 1), default=None)

    m = sub.add_parser("map", help="draw a static map of the complex")
    m.add_argument("--out", required=True, help="image file to write (.png, .pdf or .svg)")
    m.add_argument("--no-firms", action="store_true", help="draw outlines and substations only")
    m.add_argument(
        "--bottlenecks",
        type=int_in(0, 50),
        default=5,
        help="ring the top N supply bottlenecks of the supply network (default 5)",
    )
    del nonneg


def _cmd_data(args: argparse.Namespace) -> int:
    from pathlib import Path

    from twin.build import DEFAULT_SEED, build_complex

    if args.data_command not in ("build", "build-firms"):
        print("twin data: say what to build: 'twin data build'", file=sys.stderr)
        return 2
    seed = getattr(args, "seed", None)
    out = getattr(args, "out", None)
    res = build_complex(DEFAULT_SEED if seed is None else seed, Path(out) if out else None)
    firms = res.layers["firms"]
    print(
        f"wrote {res.path}: {len(res.layers['complexes'])} complexes, {len(firms):,} firms, "
        f"{len(res.layers['substations'])} substations"
    )
    print(f"archetype clusters (silhouette {res.clusters.silhouette:.2f}):")
    print(res.clusters.clusters.to_string(index=False))
    return 0


def _cmd_import_geometry(args: argparse.Namespace) -> int:
    from pathlib import Path

    from twin.build import import_complexes

    path, outside = import_complexes(args.file, Path(args.gpkg) if args.gpkg else None)
    print(f"replaced layer 'complexes' in {path}")
    if outside:
        print(
            f"note: {outside} firms now lie outside their complex; run 'twin data build' "
            "to place the synthetic firms inside the new outlines",
            file=sys.stderr,
        )
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from twin.baseline import calibration_report, fit_and_save

    if args.fit:
        fitted = fit_and_save(
            days=args.days,
            replications=args.replications,
            seed=args.seed,
            progress=lambda s: print(f"  fitting {s}", file=sys.stderr),
        )
        print(
            "fitted utilisation: " + ", ".join(f"{k} {v:.3f}" for k, v in fitted.items()),
            file=sys.stderr,
        )
    report = calibration_report(
        days=args.days,
        replications=args.replications,
        seed=args.seed,
        progress=lambda s: print(f"  simulating {s}", file=sys.stderr),
    )
    if args.as_json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        from rich.console import Console
        from rich.table import Table

        t = Table(title="Calibration against published figures", title_justify="left")
        for col in ("figure", "modelled", "published", "error", "bound", "ok"):
            t.add_column(col, justify="left" if col == "figure" else "right")
        for row in report["figures"]:
            share = row["figure"].startswith("share:")
            fmt = (lambda v: f"{v:.1%}") if share else (lambda v: f"{v:,.4g}")
            err = f"{row['error']:+.1%}" if not share else f"{row['error'] * 100:+.1f} pts"
            bound = (
                f"±{row['tolerance']:.0%}" if not share else f"±{row['tolerance'] * 100:.0f} pts"
            )
            t.add_row(
                f"{row['figure']} ({row['unit']})",
                fmt(row["modelled"]),
                fmt(row["published"]),
                err,
                bound,
                "yes" if row["within"] else "NO",
            )
        Console().print(t)
    return 0 if all(r["within"] for r in report["figures"]) else 1


def _cmd_map(args: argparse.Namespace) -> int:
    from pathlib import Path

    from twin.baseline import top_bottlenecks
    from twin.core.errors import InputError
    from twin.io.geo import read_layer
    from twin.viz import complex_map_figure

    out = Path(args.out)
    if out.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise InputError(
            None, "--out", f"'{out.suffix}' is not an image type; allowed: .png, .pdf, .svg"
        )
    layers = {name: read_layer(name) for name in ("complexes", "firms", "substations", "river")}
    top: list[str] = []
    if args.bottlenecks and not args.no_firms:
        table = top_bottlenecks(layers["firms"], args.bottlenecks)
        top = table["firm_id"].tolist()
        ranked = zip(table["name"], table["sector"], strict=True)
        print(
            "top supply bottlenecks: "
            + "; ".join(f"{i}. {n} ({s})" for i, (n, s) in enumerate(ranked, start=1))
        )
    fig = complex_map_figure(
        layers["complexes"],
        None if args.no_firms else layers["firms"],
        layers["substations"],
        layers["river"],
        bottlenecks=top,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=150)
    print(f"wrote {out}")
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "data": _cmd_data,
    "import-geometry": _cmd_import_geometry,
    "calibrate": _cmd_calibrate,
    "map": _cmd_map,
}
