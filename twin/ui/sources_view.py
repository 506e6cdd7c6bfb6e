"""Presentation helpers for the Sources and assumptions page: every parameter table with its
sources and status (published / estimate / synthetic), as tables and figures.

Reads the shipped files (``data/sources.csv``, ``data/archetypes/sources.csv``, the lever,
tariff, value-added, firm-base and network YAML files, ``scenarios/defaults.yaml``) through the
project's loaders; nothing here imports streamlit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from twin.config.lever import load_lever
from twin.config.loader import parse_yaml_text
from twin.io.paths import data_dir, repo_root
from twin.viz import STATUS_COLOURS

__all__ = [
    "CHART_FONT_SIZE",
    "COLUMNS",
    "PLAINLY",
    "STATUSES",
    "YAML_TABLES",
    "all_tables",
    "filter_rows",
    "header_comment",
    "lever_table",
    "lever_tables",
    "read_sources_csv",
    "sourced_rows",
    "status_counts",
    "status_figure",
    "status_styler",
    "tariff_tables",
    "topic_of",
    "yaml_table",
]

STATUSES = ("published", "estimate", "synthetic")
CHART_FONT_SIZE = 16
#: Columns of every sources table shown on the page (CSV tables and flattened YAML alike).
COLUMNS = ["file", "field", "value", "unit", "year", "source", "status"]
#: YAML parameter files with sources inline: the page's name for each, and its path (relative
#: to the repository).
YAML_TABLES = {
    "Value added": "data/value_added.yaml",
    "Scenario defaults": "scenarios/defaults.yaml",
    "Firm base": "data/firmbase.yaml",
    "Supply network": "data/network.yaml",
}

PLAINLY = {
    "published": (
        "Published: stated by the cited source. The complex's 2023 totals (2,151 operating "
        "firms, 80,968 employees, KRW 46.18 tn production, exports), the 2020 electricity use, "
        "the official complex areas, the grid emission factor, the KEPCO time-of-use hours, "
        "the climate-environment and fuel-cost charges, and a few literature figures (e.g. "
        "human visual inspection rates)."
    ),
    "estimate": (
        "Estimate: an assumption or a figure derived from published ranges, with the reasoning "
        "next to it. The complex outlines are approximate (drawn around published anchor "
        "points and scaled to the official areas, not surveyed); the eight archetypes are "
        "representative lines, not models of real firms; lever effects are placed in ranges "
        "from the literature and vendor cases (low / typical / high); adoption curves, "
        "anchor years and the data cluster's size are the scenarios' assumptions; the KEPCO "
        "energy rates are reconstructed from the 2013 table plus announced changes."
    ),
    "synthetic": (
        "Synthetic: invented for illustration, not a fact about any firm. The firm base "
        "(2,151 generated firms matched to the published totals; the named anchor firms carry "
        "real names but estimated sizes and approximate sites), the sample products' prices, "
        "and a few model presets calibrated to land in published ranges."
    ),
}


# --------------------------------------------------------------------------- reading


def topic_of(file: str) -> str:
    """The topic of a file named in a sources table: its folder, or its stem at the top."""
    parts = Path(str(file)).parts
    return parts[0] if len(parts) > 1 else Path(str(file)).stem


def read_sources_csv(path: str | Path) -> pd.DataFrame:
    """A sources CSV (``file, field, value, unit, year, source, status``) with a ``topic``.

    Every column is read as text (values such as ``"800-1,500"`` are ranges, not numbers).
    """
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    table = table[COLUMNS].copy()
    table.insert(1, "topic", [topic_of(f) for f in table["file"]])
    return table


def header_comment(path: str | Path) -> str:
    """The comment block at the top of a YAML file, without the ``#`` marks."""
    lines = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[1:].removeprefix(" "))
    return "\n".join(lines).strip()


def _read_yaml(path: Path) -> Any:
    return parse_yaml_text(path.read_text(encoding="utf-8"))


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 1_000 else str(value)
    return str(value)


def _summary(block: Mapping[str, Any]) -> str:
    """The figure(s) of a sourced block as short text."""
    if "value" in block:
        return _fmt(block["value"])
    if {"low", "typical", "high"} <= set(block):
        return " / ".join(_fmt(block[k]) for k in ("low", "typical", "high"))
    if isinstance(block.get("values"), Mapping):
        return ", ".join(f"{y}: {_fmt(v)}" for y, v in block["values"].items())
    if isinstance(block.get("rates"), Mapping):
        return ", ".join(f"{k} {_fmt(v)}" for k, v in block["rates"].items())
    if "statement" in block:
        return str(block["statement"])
    if "months" in block:
        return "months " + ", ".join(str(m) for m in block["months"])
    figures = {k: v for k, v in block.items() if isinstance(v, int | float | bool)}
    return ", ".join(f"{k} {_fmt(v)}" for k, v in figures.items())


def sourced_rows(node: Any, path: tuple[str, ...] = ()) -> Iterator[dict[str, str]]:
    """Every mapping with a ``source`` and a ``status`` in a parsed YAML file, as a row.

    Yields
    ------
    dict
        ``field`` (dotted path), ``value`` (the figure(s) as text), ``unit``, ``year`` (or the
        date the figure took effect), ``source``, ``status``, ``note``.
    """
    if isinstance(node, Mapping):
        if "source" in node and "status" in node:
            when = node.get("effective", node.get("year", ""))
            yield {
                "field": ".".join(path),
                "value": _summary(node),
                "unit": str(node.get("unit") or ""),
                "year": str(when or ""),
                "source": " ".join(str(node["source"]).split()),
                "status": str(node["status"]),
                "note": " ".join(str(node.get("note") or node.get("notes") or "").split()),
            }
        for key, value in node.items():
            yield from sourced_rows(value, (*path, str(key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from sourced_rows(value, (*path[:-1], f"{path[-1]}[{i}]") if path else (str(i),))


def yaml_table(path: str | Path, file: str | None = None) -> pd.DataFrame:
    """A YAML file's sourced figures (:func:`sourced_rows`) as a table with a ``file`` column."""
    p = Path(path)
    rows = list(sourced_rows(_read_yaml(p)))
    table = pd.DataFrame(
        rows, columns=["field", "value", "unit", "year", "source", "status", "note"]
    )
    table.insert(0, "file", file or p.name)
    table.insert(1, "section", [f.split(".")[0].split("[")[0] for f in table["field"]])
    return table


def lever_table(path: str | Path) -> pd.DataFrame:
    """One lever file: each parameter at low / typical / high with its unit, year, source
    and status (validated by :func:`twin.config.lever.load_lever`)."""
    spec = load_lever(path)
    params = {
        **spec.params,
        "capex_krw": spec.capex_krw,
        "opex_krw_per_year": spec.opex_krw_per_year,
        "ramp_up_months": spec.ramp_up_months,
        "compute_kw_edge": spec.compute_kw_edge,
        "compute_kw_datacentre": spec.compute_kw_datacentre,
    }
    return pd.DataFrame(
        [
            {
                "parameter": name,
                "low": _fmt(p.low),
                "typical": _fmt(p.typical),
                "high": _fmt(p.high),
                "unit": p.unit,
                "year": str(p.year),
                "source": " ".join(p.source.split()),
                "status": p.status,
            }
            for name, p in params.items()
        ]
    )


def lever_tables(folder: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """:func:`lever_table` of every ``data/levers/*.yaml``, by lever name (file stem)."""
    folder = Path(folder) if folder is not None else data_dir() / "levers"
    return {p.stem: lever_table(p) for p in sorted(folder.glob("*.yaml"))}


def tariff_tables(path: str | Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tariff file as two tables: rates and billing rules.

    Returns
    -------
    tuple of pandas.DataFrame
        Rates (``charge``, ``season``, ``period``, ``rate``, ``unit``, ``effective``, ``source``,
        ``status``, ``note``): energy rates by season and load period, the demand charge, the
        climate-environment charge and the fuel-cost adjustment. Rules (``rule``, ``applies``,
        ``source``, ``status``, ``note``): the load-period schedules and weekend and demand rules.
    """
    p = Path(path) if path is not None else data_dir() / "tariff.yaml"
    data = _read_yaml(p)
    rates, rules = [], []

    def rate(charge: str, season: str, period: str, block: Mapping[str, Any]) -> None:
        rates.append(
            {
                "charge": charge,
                "season": season,
                "period": period,
                "rate": float(block["value"]),
                "unit": str(block.get("unit", "")),
                "effective": str(block.get("effective", "")),
                "source": " ".join(str(block["source"]).split()),
                "status": str(block["status"]),
                "note": " ".join(str(block.get("note") or "").split()),
            }
        )

    def rule(name: str, applies: str, block: Mapping[str, Any]) -> None:
        rules.append(
            {
                "rule": name,
                "applies": applies,
                "source": " ".join(str(block["source"]).split()),
                "status": str(block["status"]),
                "note": " ".join(str(block.get("note") or "").split()),
            }
        )

    for season, sdata in (data.get("seasons") or {}).items():
        hours = sdata.get("hours", {})
        months = ", ".join(str(m) for m in sdata.get("months", []))
        span = "; ".join(f"{k}: {', '.join(str(h) for h in v)}" for k, v in hours.items())
        rule(f"load periods: {season}", f"months {months}; hours {span}", sdata)
        for period, block in (sdata.get("energy") or {}).items():
            rate("energy", season, period, block)
    for key, label in (
        ("demand_charge", "demand (basic) charge"),
        ("climate_environment", "climate-environment charge"),
        ("fuel_cost_adjustment", "fuel-cost adjustment"),
    ):
        if key in data:
            rate(label, "all", "all", data[key])
    for key, block in (data.get("weekend") or {}).items():
        rule(key.replace("_", " "), _fmt(block.get("value")), block)
    if "demand_excludes_off_peak" in data:
        block = data["demand_excludes_off_peak"]
        rule("demand excludes off-peak", _fmt(block.get("value")), block)
    return pd.DataFrame(rates), pd.DataFrame(rules)


def all_tables() -> dict[str, pd.DataFrame]:
    """Every sources table of the shipped data by page name, each with a ``status`` column."""
    root = repo_root()
    out = {
        "Parameter sources": read_sources_csv(data_dir() / "sources.csv"),
        "Archetypes": read_sources_csv(data_dir() / "archetypes" / "sources.csv"),
    }
    levers = lever_tables()
    out["AI levers"] = pd.concat(
        [t.assign(lever=name) for name, t in levers.items()], ignore_index=True
    )
    rates, rules = tariff_tables()
    out["Tariff"] = pd.concat([rates, rules], ignore_index=True)
    for name, rel in YAML_TABLES.items():
        out[name] = yaml_table(root / rel, rel)
    return out


# --------------------------------------------------------------------------- filtering


def filter_rows(
    table: pd.DataFrame,
    statuses: Iterable[str] | None = None,
    topics: Iterable[str] | None = None,
    text: str = "",
    column: str = "topic",
) -> pd.DataFrame:
    """Rows with one of ``statuses``, one of ``topics`` (in ``column``) and ``text``
    anywhere in them (case-insensitive); ``None`` or empty selects all."""
    mask = pd.Series(True, index=table.index)
    if statuses:
        mask &= table["status"].isin(list(statuses))
    if topics and column in table.columns:
        mask &= table[column].isin(list(topics))
    needle = text.strip().lower()
    if needle:
        blob = table.astype(str).agg(" ".join, axis=1).str.lower()
        mask &= blob.str.contains(needle, regex=False)
    return table[mask]


def status_counts(table: pd.DataFrame) -> dict[str, int]:
    """Rows per status (every status listed, zeros included; other values under ``other``)."""
    counts = table["status"].value_counts().to_dict() if len(table) else {}
    out = {s: int(counts.pop(s, 0)) for s in STATUSES}
    if counts:
        out["other"] = int(sum(counts.values()))
    return out


# --------------------------------------------------------------------------- presentation


def status_styler(table: pd.DataFrame) -> Any:
    """A pandas Styler colouring the ``status`` column with :data:`twin.viz.STATUS_COLOURS`."""

    def colour(value: Any) -> str:
        c = STATUS_COLOURS.get(str(value))
        return f"background-color: {c}; color: white; font-weight: 600" if c else ""

    styler = table.style
    if "status" in table.columns:
        styler = styler.map(colour, subset=["status"])
    return styler


def status_figure(tables: Mapping[str, pd.DataFrame]) -> go.Figure:
    """Figures per status in each table: stacked horizontal bars in the status colours."""
    names = list(tables)[::-1]  # first table on top
    counts = {n: status_counts(tables[n]) for n in names}
    fig = go.Figure()
    for status in STATUSES:
        fig.add_trace(
            go.Bar(
                y=names,
                x=[counts[n][status] for n in names],
                name=status,
                orientation="h",
                marker={"color": STATUS_COLOURS[status]},
                hovertemplate="%{y}: %{x} " + status + "<extra></extra>",
            )
        )
    fig.update_layout(
        barmode="stack",
        font={"size": CHART_FONT_SIZE},
        height=80 + 45 * len(names),
        margin={"l": 160, "r": 20, "t": 30, "b": 60},
        legend={"orientation": "h", "y": 1.12, "font": {"size": 15}},
        plot_bgcolor="white",
        xaxis_title="Rows with a source (count)",
    )
    fig.update_xaxes(tickfont={"size": 15}, gridcolor="#e5e5e5")
    fig.update_yaxes(tickfont={"size": 15})
    return fig
