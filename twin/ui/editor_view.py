"""Presentation helpers for the Scenario editor: scenario documents, validation, curves, tables.

A *document* is a scenario as a plain, YAML-ready mapping (``extends:`` resolved, defaults
filled in), the thing the editor's form changes. It validates through the same path as the
command line (:func:`twin.config.scenario.load_scenario`), so the messages are the CLI's.
Nothing here imports streamlit or runs the model.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import yaml

from twin.adoption import adoption_share
from twin.config.firmbase import SECTORS
from twin.config.loader import MAX_SPEC_BYTES, parse_yaml_text
from twin.config.scenario import (
    LEVER_NAMES,
    SIZE_CLASSES,
    AdoptionCurve,
    Scenario,
    check_anchor_names,
    load_scenario,
    scenario_files,
)
from twin.core.errors import InputError
from twin.io.paths import repo_root
from twin.viz import KPIS, SCENARIO_COLOURS

__all__ = [
    "CHART_FONT_SIZE",
    "EDIT_ASSUMPTION",
    "LEVER_LABELS",
    "MAX_UPLOAD_BYTES",
    "SECTORS",
    "SIZE_CLASSES",
    "adoption_figure",
    "adoption_frame",
    "adoption_share_of",
    "change_figure",
    "cluster_gwh_text",
    "default_cluster",
    "default_rule",
    "document_yaml",
    "edited_paths",
    "fmt_change",
    "fmt_value",
    "get_path",
    "headline_display",
    "headline_table",
    "load_document",
    "mark_edits",
    "parse_upload",
    "parse_yaml_text",
    "rule_label",
    "save_user_scenario",
    "scenario_dir",
    "set_path",
    "shares_from_table",
    "shipped_scenarios",
    "status_badge",
    "status_counts",
    "to_document",
    "user_scenario_dir",
    "user_scenarios",
    "validate_document",
]

MAX_UPLOAD_BYTES = MAX_SPEC_BYTES
CHART_FONT_SIZE = 16
#: Key of the assumption the editor adds to say what was changed, by whom and from what.
EDIT_ASSUMPTION = "scenario_editor_edits"
LEVER_LABELS = {
    "predictive_maintenance": "Predictive maintenance",
    "vision_qc": "AI vision quality inspection",
    "energy_optimisation": "Energy optimisation",
    "scheduling": "AI scheduling",
    "yield_optimisation": "Yield optimisation",
}
_SOURCE_KEYS = {"source", "status", "note", "unit", "statement"}


# --------------------------------------------------------------------------- files


def scenario_dir() -> Path:
    """The shipped ``scenarios/`` folder."""
    return repo_root() / "scenarios"


def user_scenario_dir() -> Path:
    """Where "save to my scenarios" writes: ``.cache/user-scenarios`` (outside shipped files;
    ``GUMI_TWIN_CACHE`` moves it with the results store)."""
    base = Path(os.environ.get("GUMI_TWIN_CACHE", repo_root() / ".cache"))
    return base / "user-scenarios"


def shipped_scenarios() -> dict[str, Path]:
    """The runnable shipped scenarios (``scenarios/*.yaml`` except ``defaults.yaml``) by name."""
    return {p.stem: p for p in scenario_files(scenario_dir())}


def user_scenarios() -> dict[str, Path]:
    """Scenarios saved from the editor, by file stem (empty if none)."""
    folder = user_scenario_dir()
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}


def save_user_scenario(doc: Mapping[str, Any], folder: Path | None = None) -> Path:
    """Write a document to ``<folder>/<name>.yaml`` atomically (never half-written).

    Parameters
    ----------
    doc
        A scenario document (validate it first).
    folder
        Target folder; default :func:`user_scenario_dir`.

    Returns
    -------
    Path
        The file written.
    """
    folder = user_scenario_dir() if folder is None else folder
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{doc['name']}.yaml"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{doc['name']}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(document_yaml(doc))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


# --------------------------------------------------------------------------- documents


def _plain(value: Any) -> Any:
    """Tuples to lists, numpy scalars to Python, recursively (what ``yaml.safe_dump`` takes)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def to_document(scenario: Scenario) -> dict[str, Any]:
    """A validated scenario as a self-contained, YAML-ready mapping.

    Defaults are written out and ``None`` dropped; a rule covering every sector or size class
    says ``all``. Validating the document gives back the same scenario (same hash).
    """
    doc = _plain(scenario.model_dump(mode="python", exclude_none=True))
    for plan in doc.get("levers", {}).values():
        for rule in plan.get("adoption", []):
            if tuple(rule.get("sectors", ())) == SECTORS:
                rule["sectors"] = "all"
            if tuple(rule.get("size_classes", ())) == SIZE_CLASSES:
                rule["size_classes"] = "all"
    return doc


def load_document(path: str | Path) -> dict[str, Any]:
    """Read a scenario file (``extends:`` resolved) as a document; InputError if invalid."""
    return to_document(load_scenario(path))


def document_yaml(doc: Mapping[str, Any]) -> str:
    """The document as YAML text, with a header saying where it came from."""
    header = (
        "# Gumi Twin AX scenario, written by the Scenario editor "
        f"({dt.date.today().isoformat()}).\n"
        "# Self-contained (no extends:). Check it with the explorer or run it with\n"
        f"#   twin run {doc.get('name', 'scenario')}.yaml\n"
    )
    # The C dumper when present: the form re-validates (dumps) the document on every change.
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    body = yaml.dump(_plain(doc), Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)
    return header + body


def _with_scenarios(tmp: Path) -> None:
    """Copy the shipped scenario files into ``tmp`` so ``extends: defaults.yaml`` resolves."""
    for path in scenario_dir().glob("*.yaml"):
        shutil.copy(path, tmp / path.name)


def validate_document(
    doc: Mapping[str, Any], source: str, firm_names: Iterable[str] | None = None
) -> tuple[Scenario | None, str | None]:
    """Validate a document exactly as ``twin run`` validates a file.

    Parameters
    ----------
    doc
        The document.
    source
        The name messages start with (e.g. ``my-plan.yaml``).
    firm_names
        Known firm names: when given, anchors naming other firms are an error (as in
        ``twin run``).

    Returns
    -------
    tuple
        ``(scenario, None)`` or ``(None, one-line message)``: ``file: field: what is allowed``.
    """
    try:
        return _validate_text(document_yaml(doc), source, firm_names), None
    except InputError as exc:
        return None, exc.line()


def _validate_text(text: str, source: str, firm_names: Iterable[str] | None) -> Scenario:
    with tempfile.TemporaryDirectory(prefix="gumi-editor-") as tmp:
        folder = Path(tmp)
        _with_scenarios(folder)
        path = folder / "__upload__.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            scenario = load_scenario(path)
        except InputError as exc:
            # The temporary path means nothing to the user: name their file instead.
            where = source if exc.source in (str(path), None) else Path(exc.source).name
            raise InputError(where, exc.field, exc.message) from None
    if firm_names is not None:
        unknown = check_anchor_names(scenario, firm_names)
        if unknown:
            raise InputError(
                source,
                "anchors",
                f"unknown firm {unknown[0]!r} (see the firm layer's names in data/gumi.gpkg)",
            )
    return scenario


def parse_upload(name: str, data: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """Read an uploaded scenario YAML into a document.

    ``extends:`` may name a shipped scenario file (e.g. ``defaults.yaml``). The upload is
    parsed as data (safe YAML), never executed.

    Returns
    -------
    tuple
        ``(document, None)`` or ``(None, one-line message)``.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        return None, InputError(
            name,
            None,
            f"file is {len(data) / 1e6:.1f} MB; uploads are limited to "
            f"{MAX_UPLOAD_BYTES / 1e6:g} MB",
        ).line()
    if not data.strip():
        return None, InputError(name, None, "the file is empty").line()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, InputError(name, None, "not a UTF-8 text file").line()
    try:
        return to_document(_validate_text(text, name, None)), None
    except InputError as exc:
        return None, exc.line()


# --------------------------------------------------------------------------- paths and edits


def get_path(doc: Any, path: tuple[Any, ...], default: Any = None) -> Any:
    """The value at ``path`` (keys and list indices), or ``default``."""
    node = doc
    for part in path:
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and -len(node) <= part < len(node):
            node = node[part]
        else:
            return default
    return node


def set_path(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    """Set the value at ``path``, creating mappings on the way."""
    node: Any = doc
    for part in path[:-1]:
        if isinstance(node, dict):
            node = node.setdefault(part, {})
        else:
            node = node[part]
    node[path[-1]] = value


def _sourced_blocks(node: Any, parts: tuple[Any, ...] = ()) -> Iterator[tuple[tuple, dict]]:
    """Every mapping holding ``source`` and ``status``, with its path."""
    if isinstance(node, Mapping):
        if "source" in node and "status" in node:
            yield parts, node  # type: ignore[misc]
        for key, value in node.items():
            yield from _sourced_blocks(value, (*parts, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _sourced_blocks(value, (*parts, i))


def _owned(node: Any, top: bool = True) -> Any:
    """A block's own content: without its text fields and without nested sourced blocks."""
    if isinstance(node, Mapping):
        if not top and "source" in node and "status" in node:
            return "<own block>"
        return {
            k: _owned(v, False)
            for k, v in node.items()
            if not (top and k in _SOURCE_KEYS) and k != "statement"
        }
    if isinstance(node, list):
        return [_owned(v, False) for v in node]
    if isinstance(node, float) and node.is_integer():
        return int(node)
    return node


def edited_paths(original: Mapping[str, Any], edited: Mapping[str, Any]) -> list[str]:
    """Dotted paths of the sourced blocks whose figures differ from ``original``.

    A block is a mapping with ``source`` and ``status`` (a rule, a rate, a year path); its
    figures are everything in it but its texts and the blocks nested in it. A block with no
    counterpart in ``original`` (an added rule) counts as edited. Structural settings
    outside blocks (levels, the uncertainty mode, the name) are not figures and not listed.
    """
    out = []
    for parts, block in _sourced_blocks(edited):
        if parts and parts[0] == "assumptions":
            continue
        mine = _owned(block)
        before = get_path(original, parts)
        if isinstance(before, Mapping) and _owned(before) == mine:
            continue
        siblings = get_path(original, parts[:-1]) if parts and isinstance(parts[-1], int) else None
        # A list item that only moved (an earlier rule or anchor was removed) is not edited.
        if isinstance(siblings, list) and any(_owned(b) == mine for b in siblings):
            continue
        out.append(_dotted(parts))
    return out


def _dotted(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _parts(dotted: str) -> tuple[Any, ...]:
    out: list[Any] = []
    for piece in dotted.replace("[", ".[").split("."):
        if not piece:
            continue
        out.append(int(piece[1:-1]) if piece.startswith("[") else piece)
    return tuple(out)


def mark_edits(
    original: Mapping[str, Any],
    edited: Mapping[str, Any],
    source: str,
    started_from: str,
) -> tuple[dict[str, Any], list[str]]:
    """Give every edited figure the user's source, and state the edits as an assumption.

    A changed number must not keep the source of the number it replaced (that would present
    the user's value as, say, a published figure). Each edited block (see
    :func:`edited_paths`) gets ``source`` and status ``estimate``; the assumption
    :data:`EDIT_ASSUMPTION` lists what was changed and from which scenario.

    Returns
    -------
    tuple
        The marked copy of ``edited`` and the edited paths.
    """
    out = copy.deepcopy(dict(edited))
    paths = edited_paths(original, out)
    for dotted in paths:
        block = get_path(out, _parts(dotted))
        block["source"] = source
        block["status"] = "estimate"
    assumptions = dict(out.get("assumptions") or {})
    assumptions.pop(EDIT_ASSUMPTION, None)
    changed_settings = _changed_settings(original, out)
    if paths or changed_settings:
        what = sorted(dict.fromkeys([*changed_settings, *paths]))
        assumptions[EDIT_ASSUMPTION] = {
            "statement": (
                f"Edited in the Gumi Twin Scenario editor, starting from {started_from}. "
                f"Changed: {', '.join(what)}."
            ),
            "source": source,
            "status": "estimate",
        }
    out["assumptions"] = assumptions
    return out, paths


def _changed_settings(original: Mapping[str, Any], edited: Mapping[str, Any]) -> list[str]:
    """Settings (not figures) that differ: uncertainty, levers added or removed, levels."""
    out = ["uncertainty"] if original.get("uncertainty") != edited.get("uncertainty") else []
    for n in LEVER_NAMES:
        before, after = get_path(original, ("levers", n)), get_path(edited, ("levers", n))
        if (before is None) != (after is None):
            out.append(f"levers.{n} ({'added' if after is not None else 'removed'})")
        elif before is not None and before.get("level") != after.get("level"):
            out.append(f"levers.{n}.level")
    return out


def default_rule(base_year: int, source: str) -> dict[str, Any]:
    """A new adoption rule: every firm, the plan's Bass shape, a modest ceiling."""
    return {
        "sectors": "all",
        "size_classes": "all",
        "curve": {"bass": {"p": 0.03, "q": 0.35, "ceiling": 0.3, "start_year": base_year}},
        "source": source,
        "status": "estimate",
    }


def rule_label(rule: Mapping[str, Any]) -> str:
    """A short label of the firms a rule covers, e.g. ``size 300+ · all sectors``."""

    def part(value: Any, every: tuple[str, ...], noun: str) -> str:
        names = list(every) if value == "all" else list(value or [])
        if len(names) == len(every):
            return f"all {noun}s"
        return ", ".join(names)

    sizes = part(rule.get("size_classes", "all"), SIZE_CLASSES, "size")
    sectors = part(rule.get("sectors", "all"), SECTORS, "sector")
    return f"size {sizes} · {sectors}" if not sizes.startswith("all") else f"{sizes} · {sectors}"


# --------------------------------------------------------------------------- adoption curves


def adoption_frame(rules: list[Mapping[str, Any]], years: Iterable[int]) -> pd.DataFrame:
    """Adoption share of each rule's firms by year (``twin.adoption.adoption_share``).

    Rules whose curve is not valid yet are left out (the validation message says why).

    Returns
    -------
    pandas.DataFrame
        Columns ``rule`` (its label), ``year``, ``share`` (0-1).
    """
    rows = []
    for i, rule in enumerate(rules):
        try:
            curve = AdoptionCurve.model_validate(rule.get("curve", {}))
        except ValueError:
            continue
        label = f"{i + 1}: {rule_label(rule)}"
        for year in years:
            rows.append({"rule": label, "year": int(year), "share": adoption_share(curve, year)})
    return pd.DataFrame(rows, columns=["rule", "year", "share"])


def _style(fig: go.Figure, height: int = 380) -> go.Figure:
    fig.update_layout(
        font={"size": CHART_FONT_SIZE},
        height=height,
        margin={"l": 70, "r": 20, "t": 50, "b": 60},
        legend={"font": {"size": 14}},
        plot_bgcolor="white",
    )
    fig.update_xaxes(tickfont={"size": 15}, gridcolor="#e5e5e5", dtick=1)
    fig.update_yaxes(tickfont={"size": 15}, gridcolor="#e5e5e5", zerolinecolor="#999999")
    return fig


def adoption_figure(frame: pd.DataFrame, title: str) -> go.Figure:
    """Adoption curves, one line per rule, shares in % by year."""
    fig = go.Figure()
    for i, (rule, grp) in enumerate(frame.groupby("rule", sort=False)):
        fig.add_trace(
            go.Scatter(
                x=grp["year"],
                y=grp["share"] * 100,
                mode="lines+markers",
                name=rule,
                line={"color": SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)], "width": 3},
                hovertemplate="%{x}: %{y:.1f} % of firms<extra>" + rule + "</extra>",
            )
        )
    fig.update_layout(
        title={"text": title},
        xaxis_title="Year",
        yaxis_title="Firms adopting after 2023 (%)",
        legend={"orientation": "h", "y": -0.25},
    )
    fig.update_yaxes(rangemode="tozero")
    return _style(fig, height=420)


# --------------------------------------------------------------------------- results


def headline_table(summary: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """The KPIs of :data:`twin.viz.KPIS` in ``year`` (default: the last) against the baseline.

    Parameters
    ----------
    summary
        :func:`twin.scenario_run.summary_table` of a run.
    year
        The year shown.

    Returns
    -------
    pandas.DataFrame
        One row per KPI: ``key``, ``KPI``, ``Unit``, ``Baseline``, ``Scenario``, ``Change``,
        ``Change 95 % CI`` (text) and ``Change %``; figures in the KPI's display unit.
    """
    year = int(summary["year"].max()) if year is None else year
    rows = []
    at = summary[summary["year"] == year].set_index("kpi")
    for key, kpi in KPIS.items():
        if key not in at.index:
            continue
        r = at.loc[key]
        d = kpi.divisor
        low, high = r["diff_low"], r["diff_high"]
        ci = "—" if pd.isna(low) or pd.isna(high) else f"{low / d:+,.2f} to {high / d:+,.2f}"
        pct = r["diff"] / r["baseline"] * 100 if r["baseline"] else float("nan")
        rows.append(
            {
                "key": key,
                "KPI": kpi.label,
                "Unit": kpi.unit,
                "Baseline": r["baseline"] / d,
                "Scenario": r["mean"] / d,
                "Change": r["diff"] / d,
                "Change 95 % CI": ci,
                "Change %": pct,
            }
        )
    return pd.DataFrame(rows)


def change_figure(summary: pd.DataFrame, kpi: str) -> go.Figure:
    """Yearly change against the baseline of one KPI, with its 95 % interval as a band."""
    k = KPIS[kpi]
    s = summary[summary["kpi"] == kpi].sort_values("year")
    d = k.divisor
    x = s["year"].tolist()
    fig = go.Figure()
    if s["diff_low"].notna().all():
        fig.add_trace(
            go.Scatter(
                x=x + x[::-1],
                y=(s["diff_high"] / d).tolist() + (s["diff_low"] / d).tolist()[::-1],
                mode="lines",
                fill="toself",
                fillcolor="rgba(0,114,178,0.18)",
                line={"width": 0},
                hoverinfo="skip",
                name="95 % interval",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=s["diff"] / d,
            mode="lines+markers",
            line={"color": SCENARIO_COLOURS[0], "width": 3},
            name="change vs baseline",
            hovertemplate="%{x}: %{y:+,.2f} " + k.unit + "<extra></extra>",
        )
    )
    fig.update_layout(
        title={"text": f"{k.label}: change against the baseline"},
        xaxis_title="Year",
        yaxis_title=f"Change ({k.unit})",
        showlegend=True,
        legend={"orientation": "h", "y": -0.25},
    )
    return _style(fig)


def status_counts(doc: Mapping[str, Any]) -> dict[str, int]:
    """How many sourced blocks of a document are published, estimate or synthetic."""
    out = {"published": 0, "estimate": 0, "synthetic": 0}
    for _parts, block in _sourced_blocks(doc):
        status = block.get("status")
        if status in out:
            out[status] += 1
    return out


#: Streamlit's named badge colours closest to :data:`twin.viz.STATUS_COLOURS`.
_BADGE = {"published": "green", "estimate": "orange", "synthetic": "violet"}


def status_badge(status: str) -> str:
    """A Streamlit markdown badge for a data status (``:orange-badge[estimate]``)."""
    return f":{_BADGE.get(status, 'gray')}-badge[{status or 'no status'}]"


def adoption_share_of(curve: Mapping[str, Any], year: int) -> float:
    """Share of a curve mapping (``{bass: ...}`` or ``{shares: ...}``) in ``year``; 0 if the
    curve is not valid (used to seed a shares table from a Bass curve)."""
    try:
        return adoption_share(AdoptionCurve.model_validate(curve), year)
    except (ValueError, TypeError):
        return 0.0


def shares_from_table(table: pd.DataFrame, column: str = "share") -> dict[int, float]:
    """A year mapping from an edited table (``year`` and ``column``); empty rows dropped.

    Years are rounded to integers; a repeated year keeps its last row. Values outside the
    allowed range are kept, so that validation names them.
    """
    out: dict[int, float] = {}
    if table is None or table.empty:
        return out
    for year, value in zip(table["year"], table[column], strict=True):
        if pd.isna(year) or pd.isna(value):
            continue
        out[round(float(year))] = float(value)
    return dict(sorted(out.items()))


def default_cluster(doc: Mapping[str, Any], source: str) -> dict[str, Any]:
    """A data cluster to start from when a scenario had none: the plan's shape (128 GPUs in
    2027 to 1,000 in 2032, 1 kW per GPU, PUE 1.4, 60 % load), with the user's source."""
    end = int(doc["horizon"]["end_year"])
    mid = max(int(doc["horizon"]["start_year"]), end - 5)
    block = {"source": source, "status": "estimate"}
    return {
        "label": "Manufacturing AI data cluster",
        "gpus": {"values": {mid: 128.0, end: 1000.0}, "unit": "GPUs", **block},
        "kw_per_gpu": {"value": 1.0, "unit": "kW per GPU", **block},
        "pue": {"value": 1.4, **block},
        "utilisation": {"value": 0.6, **block},
    }


def cluster_gwh_text(compute: Mapping[str, Any], year: int) -> str:
    """Electricity of a data cluster mapping in ``year``, as text in GWh."""
    from twin.config.scenario import interpolate_years

    try:
        gpus = interpolate_years(
            {int(y): float(v) for y, v in compute["gpus"]["values"].items()}, year
        )
        mwh = (
            gpus
            * float(compute["kw_per_gpu"]["value"])
            * float(compute["utilisation"]["value"])
            * float(compute["pue"]["value"])
            * 8760.0
            / 1000.0
        )
    except (KeyError, TypeError, ValueError):
        return "—"
    return f"{mwh / 1000:,.1f} GWh"


def fmt_value(value: float) -> str:
    """A KPI value in its display unit: three significant figures, thousands separated."""
    if value is None or pd.isna(value):
        return "—"
    a = abs(value)
    digits = 0 if a >= 100 else (1 if a >= 10 else 2)
    return f"{value:,.{digits}f}"


def fmt_change(change: float, pct: float) -> str:
    """A change with its sign and its percentage of the baseline, e.g. ``-289 (-3.5 %)``."""
    if change is None or pd.isna(change):
        return "—"
    a = abs(change)
    digits = 0 if a >= 100 else (1 if a >= 10 else 2)
    text = f"{change:+,.{digits}f}"
    return text if pct is None or pd.isna(pct) else f"{text} ({pct:+.1f} %)"


def headline_display(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`headline_table` as text for the page (units in the KPI column)."""
    return pd.DataFrame(
        {
            "KPI": [f"{k} ({u})" for k, u in zip(table["KPI"], table["Unit"], strict=True)],
            "Baseline": [fmt_value(v) for v in table["Baseline"]],
            "Scenario": [fmt_value(v) for v in table["Scenario"]],
            "Change": [
                fmt_change(c, p) for c, p in zip(table["Change"], table["Change %"], strict=True)
            ],
            "Change 95 % CI": table["Change 95 % CI"],
        }
    )
