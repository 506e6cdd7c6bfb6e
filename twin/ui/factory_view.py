"""Presentation helpers for the Factory page: parsing uploads, labels, tables and figures.

Nothing here imports streamlit or computes model results; these functions only turn the
engine's outputs (:meth:`twin.experiment.FactoryRun.to_dict` and the load profile) into text,
tables and plotly figures, so they can be unit-tested without a browser.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import yaml

from twin.config import FactorySpec, parse_factory_spec
from twin.config.loader import MAX_SPEC_BYTES, parse_yaml_text
from twin.core.errors import InputError

__all__ = [
    "BOTTLENECK_MARK",
    "CHART_FONT_SIZE",
    "HEADLINE_KPIS",
    "KPIS",
    "MAX_UPLOAD_BYTES",
    "KpiFormat",
    "card_texts",
    "data_status",
    "energy_figure",
    "fmt_half_width",
    "fmt_kpi",
    "half_width",
    "kpi_table",
    "md_escape",
    "parse_upload",
    "profile_figure",
    "spec_summary",
    "station_styler",
    "station_table",
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
