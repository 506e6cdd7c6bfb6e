"""Presentation helpers for the Factory page: parsing uploads, labels, tables and figures.

Nothing here imports streamlit; these functions turn the engine's outputs
(:meth:`twin.experiment.FactoryRun.to_dict`, the replications' state times and the load
profile) into text, tables and plotly figures, so they can be unit-tested without a browser.
Two helpers do more than draw: :func:`measure_lever_effects` runs the line with and without
each lever through the domain API (the page calls it on demand), and :func:`stored` keeps the
page's finished results under ``.cache/``, keyed by the data and the model code.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import pickle
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import yaml

from twin.config import FactorySpec, parse_factory_spec
from twin.config.loader import MAX_SPEC_BYTES, parse_yaml_text
from twin.core.errors import InputError
from twin.io.digest import data_digest
from twin.io.paths import repo_root
from twin.lever_effects import EFFECT_KPIS, measure_lever_effects, paired_change

__all__ = [
    "BOTTLENECK_MARK",
    "CHART_EFFECT_KPIS",
    "CHART_FONT_SIZE",
    "EFFECT_KPIS",
    "HEADLINE_KPIS",
    "KPIS",
    "MAX_UPLOAD_BYTES",
    "TIME_GROUPS",
    "KpiFormat",
    "card_texts",
    "data_status",
    "effect_colour",
    "energy_figure",
    "energy_sankey",
    "fmt_half_width",
    "fmt_kpi",
    "half_width",
    "kpi_table",
    "lever_effects_figure",
    "lever_effects_table",
    "load_stored",
    "md_escape",
    "mean_state_minutes",
    "measure_lever_effects",
    "paired_change",
    "parse_upload",
    "profile_figure",
    "short_label",
    "spec_summary",
    "station_energy_kwh",
    "station_styler",
    "station_table",
    "station_time_figure",
    "store_dir",
    "stored",
    "time_shares",
]

MAX_UPLOAD_BYTES = MAX_SPEC_BYTES
"""Largest accepted upload, in bytes (the same limit as spec files read from disk)."""

CHART_FONT_SIZE = 16
"""Base font size of every chart (readable when projected)."""

_TICK_FONT_SIZE = 15
_DASH = "—"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|$~])")


def md_escape(text: str) -> str:
    """Backslash-escape Markdown (and ``$`` math) so user text shows literally in streamlit."""
    return _MD_SPECIAL.sub(r"\\\1", text)


# --------------------------------------------------------------------------- uploads


def parse_upload(name: str, data: bytes) -> tuple[FactorySpec | None, str | None]:
    """Validate an uploaded factory spec.

    Parameters
    ----------
    name
        The uploaded file's name, used in messages.
    data
        The file's bytes.

    Returns
    -------
    tuple
        ``(spec, None)`` when the upload is a valid spec, else ``(None, message)`` where the
        message is one line ``"file: field: problem"`` as :meth:`InputError.line` gives it.
    """
    try:
        return _parse_upload(name, data), None
    except InputError as exc:
        return None, exc.line()


def _parse_upload(name: str, data: bytes) -> FactorySpec:
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError(
            name,
            None,
            f"file is {len(data) / 1e6:.1f} MB; uploads are limited to "
            f"{MAX_UPLOAD_BYTES / 1e6:g} MB",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(name, None, "not a UTF-8 text file") from None
    try:
        parsed = parse_yaml_text(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise InputError(name, where, f"not valid YAML ({problem})") from None
    if parsed is None:
        raise InputError(name, None, "the file is empty; expected a factory spec mapping")
    if isinstance(parsed, dict) and "extends" in parsed:
        raise InputError(
            name,
            "extends",
            "an uploaded spec cannot extend another file; upload the complete spec",
        )
    return parse_factory_spec(parsed, name)


def spec_summary(spec: FactorySpec) -> dict[str, Any]:
    """What the page shows about a spec beside its results (plain data, cache-friendly)."""
    prov = spec.provenance
    return {
        "name": spec.name,
        "description": spec.description.strip(),
        "provenance": None
        if prov is None
        else {"status": prov.status, "source": prov.source, "notes": prov.notes},
        "machines": {st.name: st.machines for st in spec.stations},
        "power_kw": {st.name: st.power_kw.by_state() for st in spec.stations},
    }


_STATUS_TEXT = {
    "estimate": (
        "warning",
        "**Data status: estimate.** Factory parameters are estimates for a typical line, "
        "not data from a real firm.",
    ),
    "published": (
        "info",
        "**Data status: published.** Factory parameters are taken from published sources "
        "(not measured by this project).",
    ),
    "synthetic": (
        "warning",
        "**Data status: synthetic.** Factory parameters are invented for illustration or "
        "testing; they describe no real line and no real firm.",
    ),
}


def data_status(provenance: Mapping[str, Any] | None) -> tuple[str, str]:
    """The data-status notice for a spec's provenance.

    Returns
    -------
    tuple
        ``(level, markdown)``: level is ``"info"`` or ``"warning"`` (the streamlit call to use).
    """
    if not provenance:
        return (
            "warning",
            "**Data status: not stated.** This spec has no `provenance` block, so its "
            "parameters are unverified; do not read them as data from a real firm.",
        )
    level, text = _STATUS_TEXT[provenance["status"]]
    text += f" Source: {md_escape(provenance['source'])}."
    if provenance.get("notes"):
        text += f" {md_escape(provenance['notes'])}"
    return level, text


# --------------------------------------------------------------------------- KPIs


@dataclass(frozen=True)
class KpiFormat:
    """How one KPI is labelled and printed.

    Attributes
    ----------
    label
        Human name.
    unit
        Unit after scaling (``""`` for none).
    decimals
        Decimals of the mean.
    scale
        Factor applied before printing (100 turns a fraction into %).
    help
        One-sentence definition.
    short_unit
        Unit on a headline card, where space is short (defaults to ``unit``).
    """

    label: str
    unit: str
    decimals: int
    scale: float = 1.0
    help: str = ""
    short_unit: str | None = None

    @property
    def card_unit(self) -> str:
        """The unit printed on a headline card."""
        return self.unit if self.short_unit is None else self.short_unit


KPIS: dict[str, KpiFormat] = {
    "throughput_per_h": KpiFormat(
        "Throughput",
        "good units/h",
        1,
        help="Good units per scheduled (working) hour.",
        short_unit="/h",
    ),
    "oee": KpiFormat(
        "OEE",
        "%",
        1,
        100.0,
        "Overall equipment effectiveness: good units × ideal bottleneck cycle time / "
        "scheduled time.",
    ),
    "mean_lead_time_min": KpiFormat(
        "Lead time", "min", 1, help="Mean time from release to leaving as a good unit."
    ),
    "kwh_per_good_unit": KpiFormat(
        "Energy per unit",
        "kWh/good unit",
        2,
        help="All energy (machines and facility) divided by good units.",
        short_unit="kWh",
    ),
    "peak_kw_15min": KpiFormat(
        "Peak 15-min load", "kW", 1, help="Highest mean load over any 15-minute interval."
    ),
    "mean_kw": KpiFormat("Mean load", "kW", 1, help="Mean electric load over the measured window."),
    "energy_kwh": KpiFormat(
        "Energy", "kWh", 0, help="Machine and facility energy over the measured window."
    ),
    "good_units": KpiFormat("Good units", "units", 1, help="Units leaving as good."),
    "scrap_units": KpiFormat("Scrap", "units", 1, help="Units scrapped."),
    "escaped_defects": KpiFormat(
        "Escaped defects", "units", 1, help="Defective units that left as good."
    ),
    "mean_wip": KpiFormat("Work in process", "units", 1, help="Time-average number of parts."),
    "released": KpiFormat("Released", "units", 1, help="Parts released into the line."),
    "wip_start": KpiFormat("WIP at start", "units", 1, help="Parts in the line at warm-up end."),
    "wip_end": KpiFormat("WIP at end", "units", 1, help="Parts in the line at the end."),
    "failures": KpiFormat("Failures", "count", 1, help="Machine breakdowns started."),
    "planned_repairs": KpiFormat(
        "Planned repairs", "count", 1, help="Repairs triggered by a maintenance alarm."
    ),
    "mean_sojourn_min": KpiFormat(
        "Time in system (all exits)", "min", 1, help="Mean time in the line, scrap included."
    ),
    "scheduled_h": KpiFormat("Scheduled time", "h", 0, help="Working hours in the window."),
    "revenue_krw": KpiFormat("Revenue", "million KRW", 1, 1e-6, help="Price × good units."),
    "material_cost_krw": KpiFormat(
        "Material cost", "million KRW", 1, 1e-6, help="Material cost of released parts."
    ),
}

HEADLINE_KPIS = (
    "throughput_per_h",
    "oee",
    "mean_lead_time_min",
    "kwh_per_good_unit",
    "peak_kw_15min",
)


def _finite(value: Any) -> bool:
    return value is not None and math.isfinite(float(value))


def _fmt(key: str) -> KpiFormat:
    return KPIS.get(key, KpiFormat(key, "", 3))


def fmt_kpi(key: str, value: float | None, *, card: bool = False) -> str:
    """The mean of a KPI as text (scaled, thousands separators); with its unit on a card.

    Cards are narrow: there, values of 100 and more lose their decimals.
    """
    if not _finite(value):
        return _DASH
    return _format(_fmt(key), float(value), card=card)


def _format(f: KpiFormat, value: float, *, card: bool) -> str:
    scaled = value * f.scale
    decimals = 0 if card and abs(scaled) >= 100 else f.decimals
    text = f"{scaled:,.{decimals}f}"
    if not card or not f.card_unit:
        return text
    return f"{text}{f.card_unit}" if f.card_unit.startswith("/") else f"{text} {f.card_unit}"


#: Larger units a headline card switches to when a value reaches 1,000 of the base unit.
_CARD_UPSCALE = {"min": ("h", 60.0), "kWh": ("MWh", 1000.0), "kW": ("MW", 1000.0)}
_CARD_CHARS = 7  # what a fifth of a wide page shows at the metric font size


def card_texts(key: str, interval: Mapping[str, float | None]) -> tuple[str, str | None]:
    """A headline card's value and its half-width (95 % CI), in one unit that fits the card.

    Minutes become hours, kWh become MWh and kW become MW from 1,000 upwards, so that a
    wafer fab's 2,064 min lead time reads 34.4 h instead of being cut off.
    """
    f = _fmt(key)
    mean = interval.get("mean")
    if not _finite(mean):
        return _DASH, None
    if f.card_unit in _CARD_UPSCALE and abs(float(mean) * f.scale) >= 1000:
        unit, div = _CARD_UPSCALE[f.card_unit]
        f = KpiFormat(f.label, unit, 1, f.scale / div, f.help)
        if len(_format(f, float(mean), card=True)) > _CARD_CHARS:  # "12.3 MWh" is cut off
            f = KpiFormat(f.label, unit, 0, f.scale, f.help)
    half = half_width(interval)
    return _format(f, float(mean), card=True), None if half is None else _fmt_half(half * f.scale)


def _fmt_half(h: float) -> str:
    if h == 0:
        return "0"
    decimals = min(max(1 - math.floor(math.log10(abs(h))), 0), 4)
    return f"{h:,.{decimals}f}"


def half_width(interval: Mapping[str, float | None]) -> float | None:
    """Half-width of a ``{mean, ci_low, ci_high}`` interval (``None`` without bounds)."""
    lo, hi = interval.get("ci_low"), interval.get("ci_high")
    if not (_finite(lo) and _finite(hi)):
        return None
    return (float(hi) - float(lo)) / 2.0


def fmt_half_width(key: str, half: float | None) -> str:
    """A half-width with two significant digits (scaled like its KPI), or a dash."""
    if not _finite(half):
        return _DASH
    return _fmt_half(float(half) * _fmt(key).scale)


def kpi_table(summary: Mapping[str, Mapping[str, float | None]]) -> pd.DataFrame:
    """All KPIs of a run summary as text rows: KPI, mean, ± half-width, 95 % CI, unit."""
    keys = [k for k in KPIS if k in summary] + [k for k in summary if k not in KPIS]
    rows = []
    for key in keys:
        iv = summary[key]
        lo, hi = iv.get("ci_low"), iv.get("ci_high")
        ci = f"{fmt_kpi(key, lo)} to {fmt_kpi(key, hi)}" if _finite(lo) and _finite(hi) else _DASH
        rows.append(
            {
                "KPI": _fmt(key).label,
                "Mean": fmt_kpi(key, iv.get("mean")),
                "± half-width": fmt_half_width(key, half_width(iv)),
                "95 % CI": ci,
                "Unit": _fmt(key).unit,
            }
        )
    return pd.DataFrame(rows, columns=["KPI", "Mean", "± half-width", "95 % CI", "Unit"])


# --------------------------------------------------------------------------- stations

_STATION_COLUMNS = {
    "utilization": ("Utilization %", 100.0),
    "availability": ("Availability %", 100.0),
    "blocked_share": ("Blocked %", 100.0),
    "starved_share": ("Starved %", 100.0),
    "setup_share": ("Setup %", 100.0),
    "mean_queue": ("Mean queue (parts)", 1.0),
    "mean_wait_min": ("Mean wait (min)", 1.0),
}
BOTTLENECK_MARK = "◀ bottleneck"


def station_table(
    stations: Mapping[str, Mapping[str, Mapping[str, float | None]]],
    bottleneck: str,
    machines: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Station KPIs (means) in route order; shares in %, the bottleneck marked in a column."""
    rows = []
    for name, kpis in stations.items():
        row: dict[str, Any] = {"Station": name}
        if machines is not None:
            row["Machines"] = machines.get(name)
        for key, (label, scale) in _STATION_COLUMNS.items():
            mean = kpis.get(key, {}).get("mean")
            row[label] = float(mean) * scale if _finite(mean) else np.nan
        row["Bottleneck"] = BOTTLENECK_MARK if name == bottleneck else ""
        rows.append(row)
    return pd.DataFrame(rows)


def station_styler(table: pd.DataFrame) -> Any:
    """A pandas Styler: one decimal, dashes for undefined values, the bottleneck row shaded."""
    formats = {label: "{:.1f}" for label, _ in _STATION_COLUMNS.values()}
    formats["Mean queue (parts)"] = "{:.2f}"

    def shade(row: pd.Series) -> list[str]:
        hit = row.get("Bottleneck") == BOTTLENECK_MARK
        style = "background-color: #fde68a; font-weight: bold" if hit else ""
        return [style] * len(row)

    return table.style.format(formats, na_rep=_DASH).apply(shade, axis=1)


# --------------------------------------------------------------------------- figures

_STATE_COLORS = {
    "processing": "#2ca02c",
    "setup": "#9467bd",
    "idle": "#7f9fbf",
    "standby": "#aec7e8",
    "warmup": "#ff7f0e",
    "blocked": "#e7ba52",
    "failed": "#d62728",
    "off": "#7f7f7f",
    "facility": "#8c564b",
}
_STATE_LABELS = {"warmup": "warm-up"}


def _style(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": CHART_FONT_SIZE + 2}},
        font={"size": CHART_FONT_SIZE},
        height=height,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        showlegend=False,
        hoverlabel={"font_size": CHART_FONT_SIZE},
    )
    fig.update_xaxes(
        tickfont={"size": _TICK_FONT_SIZE}, title_font={"size": CHART_FONT_SIZE}, automargin=True
    )
    fig.update_yaxes(
        tickfont={"size": _TICK_FONT_SIZE}, title_font={"size": CHART_FONT_SIZE}, automargin=True
    )
    return fig


def energy_figure(energy_by_state: Mapping[str, float], days: float) -> go.Figure:
    """Horizontal bars of kWh by machine state (and facility load) over the measured window."""
    states = list(energy_by_state)[::-1]  # first state on top
    values = [float(energy_by_state[s]) for s in states]
    fig = go.Figure(
        go.Bar(
            y=[_STATE_LABELS.get(s, s) for s in states],
            x=values,
            orientation="h",
            marker_color=[_STATE_COLORS.get(s, "#636efa") for s in states],
            text=[f"{v:,.0f}" for v in values],
            textposition="outside",
            textfont={"size": _TICK_FONT_SIZE},
            constraintext="none",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:,.0f} kWh<extra></extra>",
        )
    )
    top = max(values, default=0.0)
    fig.update_xaxes(title_text="Energy (kWh)", range=[0, top * 1.35 if top > 0 else 1])
    return _style(fig, f"kWh by state, {days:g} measured days", 460)


def profile_figure(
    profile_kw: np.ndarray,
    *,
    warmup_days: float,
    max_days: float | None = 7.0,
    mean_kw: float | None = None,
) -> go.Figure:
    """Line chart of the 15-minute load profile (kW) from the start of measurement.

    Parameters
    ----------
    profile_kw
        Mean kW per 15-minute interval of the measured window.
    warmup_days
        Warm-up length, to print the clock time of each interval (the run starts at 00:00).
    max_days
        Show only this many days from the start (``None``: all).
    mean_kw
        Draw this mean load as a dashed line, if given.
    """
    y = np.asarray(profile_kw, dtype=float)
    limit = None if max_days is None else round(max_days * 96)
    truncated = limit is not None and y.size > limit
    if truncated:
        y = y[:limit]
    x = np.arange(y.size) / 96.0
    first = round(warmup_days * 96)  # the run starts at 00:00; measurement after the warm-up
    clock = []
    for i in range(y.size):
        minute = ((first + i) % 96) * 15
        clock.append(f"day {i // 96 + 1}, {minute // 60:02d}:{minute % 60:02d}")
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=y,
            mode="lines",
            line={"width": 2, "color": "#1f77b4"},
            customdata=clock,
            hovertemplate="%{customdata}: %{y:,.1f} kW<extra></extra>",
            name="load",
        )
    )
    if _finite(mean_kw):
        fig.add_hline(
            y=float(mean_kw),
            line_dash="dash",
            line_color="#555555",
            annotation_text=f"mean {float(mean_kw):,.0f} kW",
            annotation_position="top left",
            annotation_font_size=_TICK_FONT_SIZE,
        )
    shown = y.size / 96.0
    fig.update_xaxes(title_text="Days since start of measurement", dtick=1, range=[0, shown])
    fig.update_yaxes(title_text="Electric load (kW)", rangemode="tozero")
    span = f"first {shown:g} days" if truncated else f"all {shown:g} measured days"
    title = f"15-minute load profile, {span} (kW)"
    return _style(fig, title, 420)


# --------------------------------------------------------------------------- station time

#: Engine states grouped for the station chart, in stacking order (left to right).
TIME_GROUPS: dict[str, tuple[str, ...]] = {
    "busy": ("processing",),
    "setup": ("setup", "warmup"),
    "blocked": ("blocked",),
    "starved": ("idle", "standby"),
    "down": ("failed", "maintenance"),
}
_GROUP_COLORS = {
    "busy": "#2ca02c",
    "setup": "#9467bd",
    "blocked": "#e7ba52",
    "starved": "#7f9fbf",
    "down": "#d62728",
}
_GROUP_HELP = {
    "busy": "processing a part",
    "setup": "setup or warm-up",
    "blocked": "done, waiting for room downstream",
    "starved": "idle or standby, waiting for parts",
    "down": "breakdown or planned repair",
}


def mean_state_minutes(reps: Sequence[Any]) -> dict[str, dict[str, float]]:
    """Machine-minutes in each engine state per station, mean across replications.

    Parameters
    ----------
    reps
        The replications (:class:`twin.des.RepResult`) of one run; each station's
        ``state_min`` sums the time of all its machines.
    """
    first = reps[0].stations
    return {
        name: {
            state: float(np.mean([r.stations[name]["state_min"][state] for r in reps]))
            for state in first[name]["state_min"]
        }
        for name in first
    }


def time_shares(state_min: Mapping[str, Mapping[str, float]]) -> pd.DataFrame:
    """Share of scheduled machine time (all but ``off``) in each group of :data:`TIME_GROUPS`.

    One row per station in route order; the groups of a row add up to 1 (NaN for a station
    that was never scheduled).
    """
    rows = []
    for name, states in state_min.items():
        scheduled = sum(v for s, v in states.items() if s != "off")
        row: dict[str, Any] = {"Station": name}
        for group, members in TIME_GROUPS.items():
            part = sum(states.get(s, 0.0) for s in members)
            row[group] = part / scheduled if scheduled > 0 else np.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=["Station", *TIME_GROUPS])


def station_time_figure(shares: pd.DataFrame, bottleneck: str) -> go.Figure:
    """Stacked horizontal bars: each station's scheduled time split by :data:`TIME_GROUPS`.

    Stations run top to bottom in route order; the bottleneck's label is bold and marked.
    """
    labels = [f"<b>{n} ◀ bottleneck</b>" if n == bottleneck else str(n) for n in shares["Station"]]
    fig = go.Figure()
    for group in TIME_GROUPS:
        pct = shares[group].to_numpy(dtype=float) * 100.0
        fig.add_trace(
            go.Bar(
                y=labels,
                x=pct,
                name=group,
                orientation="h",
                marker_color=_GROUP_COLORS[group],
                text=[f"{v:.0f} %" if v >= 7 else "" for v in np.nan_to_num(pct)],
                textposition="inside",
                insidetextanchor="middle",
                textfont={"size": _TICK_FONT_SIZE},
                hovertemplate=f"%{{y}}: %{{x:.1f}} % {group} ({_GROUP_HELP[group]})<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", bargap=0.25)
    fig.update_xaxes(title_text="Share of scheduled machine time (%)", range=[0, 100.5], dtick=20)
    fig.update_yaxes(autorange="reversed")
    _style(fig, "Where each station's time goes", 120 + 55 * max(len(labels), 2))
    fig.update_layout(
        showlegend=True,
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.0,
            "xanchor": "left",
            "x": 0.0,
            "font": {"size": _TICK_FONT_SIZE},
            "traceorder": "normal",
        },
        margin={"t": 100},
    )
    return fig


# --------------------------------------------------------------------------- energy flow


def station_energy_kwh(
    state_min: Mapping[str, Mapping[str, float]],
    power_kw: Mapping[str, Mapping[str, float]],
) -> dict[str, dict[str, float]]:
    """kWh per station and state: machine-minutes in the state times one machine's power.

    This is the engine's own integration (time in state x power, per machine), so the
    stations' kWh of a state add up to that state's total in ``energy_by_state_kwh``.
    """
    return {
        name: {s: minutes * float(power_kw[name].get(s, 0.0)) / 60.0 for s, minutes in st.items()}
        for name, st in state_min.items()
    }


#: Machine states with less than this share of the machines' kWh are drawn as one node.
_SANKEY_MINOR_SHARE = 0.005
_OTHER = "other states"


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _spread(values: Sequence[float], fill: float = 0.7, min_gap: float = 0.075) -> list[float]:
    """Vertical centres (0 top, 1 bottom) of one Sankey column's nodes, in order: heights in
    proportion to the values over ``fill`` of the column, centres at least ``min_gap`` apart."""
    total = sum(values) or 1.0
    heights = [fill * v / total for v in values]
    centres: list[float] = []
    top = 0.0
    gap = (1.0 - fill) / max(len(values) - 1, 1)
    for h in heights:
        centre = max(top + h / 2, centres[-1] + min_gap if centres else 0.0)
        centres.append(centre)
        top = centre + h / 2 + gap
    # squeeze into [0.01, 0.99] if the minimum gaps pushed the column past the bottom
    low, high = centres[0] - heights[0] / 2, centres[-1] + heights[-1] / 2
    span = max(high - low, 1e-9)
    return [min(max(0.01 + 0.98 * (c - low) / span, 0.01), 0.99) for c in centres]


def energy_sankey(
    station_kwh: Mapping[str, Mapping[str, float]], facility_kwh: float, days: float
) -> go.Figure:
    """Sankey of electricity: the grid feeds the stations and facility loads; each station's
    energy splits by machine state. Values in kWh over the measured window.

    Every kWh is drawn (flows conserve energy); states with less than 0.5 % of the machines'
    energy share one node, ``other states``, so the small ones stay readable.
    """
    by_state: dict[str, float] = {}
    for kwh in station_kwh.values():
        for s, v in kwh.items():
            by_state[s] = by_state.get(s, 0.0) + v
    machines = sum(by_state.values())
    minor = [s for s, v in by_state.items() if 0 < v < _SANKEY_MINOR_SHARE * machines]
    group = {s: (_OTHER if s in minor else s) for s in by_state}
    states = list(dict.fromkeys(group[s] for s in by_state if by_state[s] > 0))
    grouped = {g: sum(by_state[s] for s in by_state if group[s] == g) for g in states}
    stations = [n for n, v in station_kwh.items() if sum(v.values()) > 0]
    fac = facility_kwh > 0
    total = machines + max(facility_kwh, 0.0)

    first_state = 1 + len(stations) + int(fac)
    state_node = {g: first_state + i for i, g in enumerate(states)}
    other = ", ".join(_STATE_LABELS.get(s, s) for s in minor)
    labels = [f"Grid: {total:,.0f} kWh"]
    labels += [f"{n}: {sum(station_kwh[n].values()):,.0f} kWh" for n in stations]
    labels += [f"facility loads: {facility_kwh:,.0f} kWh"] if fac else []
    labels += [
        f"{_OTHER} ({other}): {grouped[g]:,.1f} kWh"
        if g == _OTHER
        else f"{_STATE_LABELS.get(g, g)}: {grouped[g]:,.0f} kWh"
        for g in states
    ]
    colours = ["#444444"] + ["#1f77b4"] * len(stations)
    colours += [_STATE_COLORS["facility"]] if fac else []
    colours += [_STATE_COLORS.get(g, "#bbbbbb") for g in states]
    src: list[int] = []
    dst: list[int] = []
    val: list[float] = []
    col: list[str] = []

    def link(a: int, b: int, v: float, colour: str) -> None:
        src.append(a)
        dst.append(b)
        val.append(v)
        col.append(colour)

    for i, n in enumerate(stations):
        link(0, 1 + i, sum(station_kwh[n].values()), "rgba(31,119,180,0.25)")
    if fac:
        link(0, 1 + len(stations), facility_kwh, _rgba(_STATE_COLORS["facility"], 0.35))
    for i, n in enumerate(stations):
        flows: dict[str, float] = {}
        for s, v in station_kwh[n].items():
            if v > 0:
                flows[group[s]] = flows.get(group[s], 0.0) + v
        for g, v in flows.items():
            link(1 + i, state_node[g], v, _rgba(_STATE_COLORS.get(g, "#bbbbbb"), 0.4))
    # Fixed columns (grid, stations, states) and spread-out rows, so the labels of small
    # nodes (a rework bench of a few kWh, the minor states) do not sit on top of each other.
    xs = [0.001] + [0.42] * len(stations) + ([0.999] if fac else [])
    ys = [0.5, *_spread([sum(station_kwh[n].values()) for n in stations])]
    right = ([facility_kwh] if fac else []) + [grouped[g] for g in states]
    spread = _spread(right)
    xs += [0.999] * len(states)
    ys += spread
    fig = go.Figure(
        go.Sankey(
            valueformat=",.1f",
            valuesuffix=" kWh",
            arrangement="fixed",
            node={
                "x": xs,
                "y": ys,
                "label": labels,
                "color": colours,
                "pad": 24,
                "thickness": 20,
                "line": {"width": 0},
                "hovertemplate": "%{label}<extra></extra>",
            },
            link={"source": src, "target": dst, "value": val, "color": col},
            textfont={"size": _TICK_FONT_SIZE, "color": "#111111", "shadow": "none"},
        )
    )
    # Room for small nodes (a rework bench of a few kWh) to keep their labels apart.
    height = max(560, 48 * max(len(stations) + int(fac), len(states)) + 160)
    return _style(fig, f"Electricity flow, kWh over {days:g} measured days", height)


# --------------------------------------------------------------------------- lever effects

#: KPIs whose change a lever's run reports (per replication, paired with the run without).
#: The ones on the chart (the table has all).
CHART_EFFECT_KPIS = ("throughput_per_h", "oee", "kwh_per_good_unit", "scrap_units")
#: KPIs where a rise is an improvement (for the others a fall is).
HIGHER_IS_BETTER = {"throughput_per_h", "oee"}
_BETTER, _WORSE, _UNCLEAR = "#009E73", "#D55E00", "#9e9e9e"


def _change_unit(key: str) -> str:
    unit = _fmt(key).unit
    return "pp" if unit == "%" else unit


def _fmt_change(key: str, change: Mapping[str, float | None]) -> str:
    mean = change.get("mean")
    if not _finite(mean):
        return _DASH
    scale = _fmt(key).scale
    half = half_width(change)
    if half is not None and half > 0:
        decimals = min(max(1 - math.floor(math.log10(half * scale)), 0), 4)
        text = f"{float(mean) * scale:+,.{decimals}f} ± {half * scale:,.{decimals}f}"
    elif half is not None and float(mean) == 0:
        return "0 (equal in every run)"
    else:
        text = f"{float(mean) * scale:+,.{_fmt(key).decimals + 1}f}"
        if half is not None:
            text += " ± 0"
    rel = change.get("rel")
    if _finite(rel):
        text += f" ({float(rel) * 100:+.1f} %)"
    return text


def short_label(label: str) -> str:
    """A lever's label without its parenthesised detail (for narrow tables and charts)."""
    return label.split(" (")[0]


def lever_effects_table(effects: Mapping[str, Any]) -> pd.DataFrame:
    """Each lever's KPI changes as text: mean ± 95 % half-width (relative change).

    The first row holds the line without levers (means), so changes can be read against it.
    """
    columns = {k: f"{_fmt(k).label} ({_change_unit(k)})" for k in EFFECT_KPIS}
    without = effects["without"]
    first: dict[str, Any] = {"Lever": "Without levers (mean)"}
    for key, col in columns.items():
        vals = [v for v in without[key] if _finite(v)]
        first[col] = fmt_kpi(key, math.fsum(vals) / len(vals) if vals else None)
    rows = [first]
    for lever in effects["levers"].values():
        row: dict[str, Any] = {"Lever": short_label(lever["label"])}
        for key, col in columns.items():
            row[col] = (
                "no change"
                if lever["unchanged"]
                else _fmt_change(key, paired_change(without[key], lever["kpis"][key]))
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=["Lever", *columns.values()])


def effect_colour(key: str, change: Mapping[str, float | None]) -> str:
    """Green when the interval shows an improvement, orange a worsening, grey if unclear."""
    lo, hi = change.get("ci_low"), change.get("ci_high")
    if not (_finite(lo) and _finite(hi)) or float(lo) <= 0 <= float(hi):
        return _UNCLEAR
    up = float(lo) > 0
    return _BETTER if up == (key in HIGHER_IS_BETTER) else _WORSE


def lever_effects_figure(effects: Mapping[str, Any]) -> go.Figure:
    """Per KPI of :data:`CHART_EFFECT_KPIS`, each lever's relative change (%) with its 95 %
    interval as error bars; bars coloured by :func:`effect_colour`."""
    from plotly.subplots import make_subplots

    keys = CHART_EFFECT_KPIS
    fig = make_subplots(
        rows=2,
        cols=2,
        shared_yaxes=True,
        subplot_titles=[f"{_fmt(k).label}: change (%)" for k in keys],
        horizontal_spacing=0.06,
        vertical_spacing=0.2,
    )
    levers = list(effects["levers"].values())
    labels = [short_label(lv["label"]) for lv in levers]
    for i, key in enumerate(keys):
        row, col = divmod(i, 2)
        changes = [
            paired_change(effects["without"][key], lv["kpis"][key]) if not lv["unchanged"] else {}
            for lv in levers
        ]
        rel = [100 * float(c["rel"]) if _finite(c.get("rel")) else 0.0 for c in changes]
        plus = [
            100 * (float(c["rel_high"]) - float(c["rel"])) if _finite(c.get("rel_high")) else 0.0
            for c in changes
        ]
        minus = [
            100 * (float(c["rel"]) - float(c["rel_low"])) if _finite(c.get("rel_low")) else 0.0
            for c in changes
        ]
        text = [
            "no change" if lv["unchanged"] else (f"{r:+.1f} %" if _finite(c.get("rel")) else "n/a")
            for lv, c, r in zip(levers, changes, rel, strict=True)
        ]
        fig.add_trace(
            go.Bar(
                y=labels,
                x=rel,
                orientation="h",
                marker_color=[effect_colour(key, c) for c in changes],
                error_x={
                    "type": "data",
                    "array": plus,
                    "arrayminus": minus,
                    "visible": True,
                    "thickness": 2,
                    "color": "#333333",
                },
                text=text,
                textposition="outside",
                textfont={"size": _TICK_FONT_SIZE - 1},
                cliponaxis=False,
                hovertemplate="%{y}: %{x:+.2f} %<extra></extra>",
                name=_fmt(key).label,
            ),
            row=row + 1,
            col=col + 1,
        )
        fig.add_vline(x=0, line_color="#555555", line_width=1, row=row + 1, col=col + 1)
        span = max([abs(r) + max(p, m) for r, p, m in zip(rel, plus, minus, strict=True)] + [0.5])
        fig.update_xaxes(range=[-span * 1.6, span * 1.6], row=row + 1, col=col + 1)
    fig.update_yaxes(autorange="reversed")
    fig.update_annotations(font_size=CHART_FONT_SIZE)
    _style(fig, "Effect of each lever on this line (typical preset, 95 % CI)", 640)
    fig.update_layout(margin={"t": 90})
    return fig


# --------------------------------------------------------------------------- stored results

#: Bumped when what the page stores changes, so old entries are not served.
STORE_FORMAT = 1


def store_dir() -> Path:
    """Where the page keeps finished results: ``.cache/explorer-factory`` (``GUMI_TWIN_CACHE``
    moves it with the results store)."""
    base = Path(os.environ.get("GUMI_TWIN_CACHE", repo_root() / ".cache"))
    return base / "explorer-factory"


def _store_path(kind: str, parts: Sequence[Any]) -> Path:
    blob = json.dumps([STORE_FORMAT, data_digest(), kind, *parts], sort_keys=True, default=str)
    return store_dir() / f"{kind}-{hashlib.sha256(blob.encode()).hexdigest()[:24]}.pkl"


def load_stored(kind: str, parts: Sequence[Any]) -> Any | None:
    """The stored result for ``kind`` and ``parts``, or ``None`` (absent or damaged)."""
    path = _store_path(kind, parts)
    if not path.is_file():
        return None
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except Exception:  # a damaged or foreign entry: as if absent
        return None


def stored(kind: str, parts: Sequence[Any], compute: Callable[[], Any]) -> Any:
    """The stored result for ``kind`` and ``parts`` (keyed with the data and model code,
    :func:`twin.io.digest.data_digest`), computed and written atomically when absent or damaged."""
    value = load_stored(kind, parts)
    if value is not None:
        return value
    value = compute()
    path = _store_path(kind, parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return value
