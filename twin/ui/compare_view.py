"""Presentation helpers for the Compare page (and the Overview's yearly lines).

Nothing here imports streamlit or computes model results: these functions turn the tables of
:mod:`twin.compare` (paired differences, waterfalls, differing assumptions) into labels,
tables, CSV text and plotly figures, so they can be unit-tested without a browser.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from twin.viz import KPIS, scenario_colour

__all__ = [
    "CHART_FONT_SIZE",
    "LOWER_IS_BETTER",
    "assumptions_table",
    "band_colour",
    "difference_bars_figure",
    "differences_csv",
    "differences_table",
    "fmt_number",
    "kpi_axis_title",
    "kpi_lines_figure",
    "readable_setting",
    "readable_value",
    "scenario_colours",
    "step_label",
    "waterfall_figure",
    "waterfall_table",
]

CHART_FONT_SIZE = 16
"""Base font size of every chart (readable when projected)."""
_TICK_FONT_SIZE = 15
#: KPIs where a fall is an improvement (the cards and bars colour a fall green).
LOWER_IS_BETTER = frozenset({"electricity_mwh", "peak_mw", "co2_t", "ai_compute_mwh"})
_MINUS = "−"  # a real minus sign reads better than a hyphen on a projector


def fmt_number(value: float | None, *, signed: bool = False) -> str:
    """A number with as many decimals as its size needs (3 significant digits, thousands
    separated); ``signed`` puts ``+`` before positive numbers. ``None``/NaN give ``—``."""
    if value is None or not math.isfinite(value):
        return "—"
    size = abs(value)
    if size >= 100 or size == 0:
        text = f"{size:,.0f}"
    elif size >= 10:
        text = f"{size:,.1f}"
    elif size >= 1:
        text = f"{size:,.2f}"
    else:  # 3 significant digits, trailing zeros kept (0.600, 0.0123)
        text = f"{size:.{2 - math.floor(math.log10(size))}f}"
    if value < 0 and text.strip("0.,") != "":
        return _MINUS + text
    return ("+" + text) if signed and value > 0 else text


def kpi_axis_title(kpi: str) -> str:
    """Axis title of a KPI: its label and unit."""
    k = KPIS[kpi]
    return f"{k.label} ({k.unit})"


def scenario_colours(names: Sequence[str]) -> dict[str, str]:
    """Colour of each scenario, in the order shown (grey for ``baseline``)."""
    return {n: scenario_colour(i, n) for i, n in enumerate(names)}


def band_colour(hex_colour: str, alpha: float = 0.18) -> str:
    """``#rrggbb`` as an ``rgba`` string with transparency (interval bands)."""
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _style(fig: go.Figure, title: str, *, height: int = 460) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": CHART_FONT_SIZE + 2}},
        font={"size": CHART_FONT_SIZE},
        height=height,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        hoverlabel={"font_size": CHART_FONT_SIZE},
        legend={"orientation": "h", "y": -0.18, "font": {"size": _TICK_FONT_SIZE}},
        plot_bgcolor="white",
    )
    axis = {
        "tickfont": {"size": _TICK_FONT_SIZE},
        "title_font": {"size": CHART_FONT_SIZE},
        "automargin": True,
        "gridcolor": "#e5e5e5",
        "zerolinecolor": "#999999",
    }
    fig.update_xaxes(**axis)
    fig.update_yaxes(**axis)
    return fig


def kpi_lines_figure(
    diffs: pd.DataFrame,
    kpi: str,
    names: Sequence[str],
    labels: Mapping[str, str] | None = None,
    colours: Mapping[str, str] | None = None,
    title: str | None = None,
    *,
    change: bool = False,
) -> go.Figure:
    """Yearly lines of one KPI per scenario, each with its 95 % interval as a band.

    Parameters
    ----------
    diffs
        :func:`twin.compare.paired_differences` output.
    kpi
        A key of :data:`twin.viz.KPIS`.
    names
        Scenarios to draw, in legend order.
    labels, colours
        Display label and colour per scenario (defaults: the name; :func:`scenario_colours`).
    title
        Chart title (default: the KPI's label).
    change
        Draw each scenario's paired change against the first scenario of ``diffs`` (columns
        ``diff``, ``diff_low``, ``diff_high``) instead of its level.
    """
    k = KPIS[kpi]
    labels = dict(labels or {})
    colours = dict(colours or scenario_colours(names))
    cols = ("diff", "diff_low", "diff_high") if change else ("mean", "ci_low", "ci_high")
    series = []
    for name in names:
        d = diffs[(diffs["scenario"] == name) & (diffs["kpi"] == kpi)].sort_values("year")
        d = d.drop_duplicates("year", keep="last")
        if d.empty:
            continue
        mean = d[cols[0]].astype(float) / k.divisor
        low = (d[cols[1]].astype(float).fillna(d[cols[0]]) / k.divisor).tolist()
        high = (d[cols[2]].astype(float).fillna(d[cols[0]]) / k.divisor).tolist()
        series.append((name, d["year"].tolist(), mean.tolist(), low, high))
    fig = go.Figure()
    # Bands first, so that no band hides another scenario's line.
    for name, years, _, low, high in series:
        fig.add_trace(
            go.Scatter(
                x=years + years[::-1],
                y=high + low[::-1],
                mode="lines",
                fill="toself",
                fillcolor=band_colour(colours.get(name, "#333333")),
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                name=f"{labels.get(name, name)} 95 % interval",
                legendgroup=name,
            )
        )
    for name, years, mean, low, high in series:
        label = labels.get(name, name)
        fig.add_trace(
            go.Scatter(
                x=years,
                y=mean,
                mode="lines+markers",
                line={"color": colours.get(name, "#333333"), "width": 3},
                marker={"size": 8},
                name=label,
                legendgroup=name,
                customdata=list(zip(low, high, strict=True)),
                hovertemplate=(
                    f"{label}<br>%{{x}}: %{{y:,.3~g}} {k.unit}"
                    "<br>95 % interval %{customdata[0]:,.3~g} to %{customdata[1]:,.3~g}"
                    "<extra></extra>"
                ),
            )
        )
    fig.update_xaxes(title_text="Year", dtick=1)
    if change:
        fig.add_hline(y=0, line_color="#555555", line_width=1)
        ref = diffs["scenario"].iloc[0] if len(diffs) else ""
        fig.update_yaxes(title_text=f"Change vs {labels.get(ref, ref)} ({k.unit})")
    else:
        fig.update_yaxes(title_text=kpi_axis_title(kpi))
    return _style(fig, title or k.label)


def difference_bars_figure(
    diffs: pd.DataFrame,
    kpi: str,
    year: int,
    names: Sequence[str],
    labels: Mapping[str, str] | None = None,
    colours: Mapping[str, str] | None = None,
) -> go.Figure:
    """Bars: each scenario's paired change against the first in ``year``, with its 95 %
    interval as error bars (the first scenario, the reference, is left out)."""
    k = KPIS[kpi]
    labels = dict(labels or {})
    colours = dict(colours or scenario_colours(names))
    d = diffs[(diffs["kpi"] == kpi) & (diffs["year"] == year)].set_index("scenario")
    shown = [n for n in names[1:] if n in d.index]
    mean = [d.at[n, "diff"] / k.divisor for n in shown]
    plus = [_err(d.at[n, "diff_high"], d.at[n, "diff"], k.divisor) for n in shown]
    minus = [_err(d.at[n, "diff"], d.at[n, "diff_low"], k.divisor) for n in shown]
    text = [fmt_number(m, signed=True) for m in mean]
    fig = go.Figure(
        go.Bar(
            # the value sits under the scenario's name: text on the bar would collide with
            # the error bar
            x=[
                f"{labels.get(n, n)}<br><b>{t} {k.unit}</b>"
                for n, t in zip(shown, text, strict=True)
            ],
            y=mean,
            marker_color=[colours.get(n, "#333333") for n in shown],
            error_y={
                "type": "data",
                "symmetric": False,
                "array": plus,
                "arrayminus": minus,
                "thickness": 2,
                "width": 10,
                "color": "#222222",
            },
            text=text,
            textposition="none",
            hovertemplate="%{x}<extra></extra>",
        )
    )
    ref = labels.get(names[0], names[0]) if names else ""
    fig.update_yaxes(title_text=f"Change vs {ref} ({k.unit})")
    fig.add_hline(y=0, line_color="#555555", line_width=1)
    return _style(fig, f"{year}: change vs {ref}")


def _err(upper: float | None, lower: float | None, divisor: float) -> float:
    if upper is None or lower is None or not (math.isfinite(upper) and math.isfinite(lower)):
        return 0.0
    return (upper - lower) / divisor


def differences_table(
    diffs: pd.DataFrame, names: Sequence[str], labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The paired differences in display units: one row per scenario, KPI and year."""
    labels = dict(labels or {})
    rows = []
    ref = labels.get(names[0], names[0]) if names else ""
    for row in diffs.itertuples(index=False):
        if row.kpi not in KPIS or row.scenario not in names:
            continue
        k = KPIS[row.kpi]
        rows.append(
            {
                "Scenario": labels.get(row.scenario, row.scenario),
                "KPI": k.label,
                "Unit": k.unit,
                "Year": int(row.year),
                "Mean": _scaled(row.mean, k.divisor),
                "95 % CI low": _scaled(row.ci_low, k.divisor),
                "95 % CI high": _scaled(row.ci_high, k.divisor),
                f"Change vs {ref}": _scaled(row.diff, k.divisor),
                "Change 95 % CI low": _scaled(row.diff_low, k.divisor),
                "Change 95 % CI high": _scaled(row.diff_high, k.divisor),
            }
        )
    return pd.DataFrame(rows)


def _scaled(value: float | None, divisor: float) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value) / divisor


def differences_csv(diffs: pd.DataFrame, names: Sequence[str]) -> str:
    """The paired differences as CSV in model units (KRW, MWh, MW, t; ratios in M KRW),
    with the reference scenario named in a column, for a spreadsheet."""
    d = diffs[diffs["scenario"].isin(names)].copy()
    d.insert(1, "reference", names[0] if names else "")
    return d.to_csv(index=False, float_format="%.6g")


# --------------------------------------------------------------------------- waterfall


def step_label(name: str) -> str:
    """A waterfall step's name in words (``+ vision_qc`` -> ``+ Vision QC``)."""
    lever = str(name).removeprefix("+ ")
    return f"+ {_LEVER_WORDS[lever]}" if lever in _LEVER_WORDS else str(name)


def waterfall_table(wf: pd.DataFrame, kpi: str, year: int) -> pd.DataFrame:
    """One scenario's lever steps for a KPI and year, in display units (``change``,
    ``change_low``, ``change_high``, ``cumulative`` divided by the KPI's divisor)."""
    k = KPIS[kpi]
    d = wf[(wf["kpi"] == kpi) & (wf["year"] == year)].sort_values("step")
    out = pd.DataFrame(
        {
            "Step": [step_label(n) for n in d["name"]],
            f"Change ({k.unit})": (d["change"] / k.divisor).tolist(),
            "95 % CI low": (d["change_low"] / k.divisor).tolist(),
            "95 % CI high": (d["change_high"] / k.divisor).tolist(),
            f"After the step ({k.unit})": (d["cumulative"] / k.divisor).tolist(),
        }
    )
    return out


def waterfall_figure(wf: pd.DataFrame, kpi: str, year: int, label: str) -> go.Figure:
    """A plotly waterfall: the scenario's change against its zero-adoption baseline in
    ``year``, step by step (non-lever changes, then each lever), ending in the total."""
    k = KPIS[kpi]
    d = wf[(wf["kpi"] == kpi) & (wf["year"] == year)].sort_values("step")
    steps = [step_label(n) for n in d["name"]]
    change = (d["change"] / k.divisor).tolist()
    total = float(d["cumulative"].iloc[-1] / k.divisor) if len(d) else 0.0
    good, bad = "#009E73", "#D55E00"
    up, down = (bad, good) if kpi in LOWER_IS_BETTER else (good, bad)
    fig = go.Figure(
        go.Waterfall(
            x=[*steps, "total change"],
            y=[*change, total],
            measure=["relative"] * len(steps) + ["total"],
            text=[fmt_number(v, signed=True) for v in [*change, total]],
            textposition="outside",
            textfont={"size": _TICK_FONT_SIZE},
            cliponaxis=False,
            increasing={"marker": {"color": up}},
            decreasing={"marker": {"color": down}},
            totals={"marker": {"color": "#0072B2"}},
            connector={"line": {"color": "#888888", "dash": "dot"}},
            hovertemplate="%{x}: %{y:+,.3~g} " + k.unit + "<extra></extra>",
        )
    )
    fig.update_yaxes(title_text=f"Change vs no new AI ({k.unit})")
    fig.add_hline(y=0, line_color="#555555", line_width=1)
    return _style(fig, f"{label}: {k.label}, {year}, step by step", height=480)


# --------------------------------------------------------------------------- assumptions

_LEVER_WORDS = {
    "predictive_maintenance": "Predictive maintenance",
    "vision_qc": "Vision QC",
    "energy_optimisation": "Energy optimisation",
    "scheduling": "Scheduling",
    "yield_optimisation": "Yield optimisation",
}
_WORDS = {
    "levers": "Lever",
    "level": "effect level",
    "adoption": "adoption curves",
    "anchors": "Anchor companies (firm, year)",
    "assumptions": "Assumption",
    "statement": "",
    "source": "source",
    "status": "status",
    "note": "note",
    "compute": "AI data cluster",
    "gpus": "GPUs",
    "kw_per_gpu": "kW per GPU",
    "pue": "PUE",
    "utilisation": "utilisation",
    "ecosystem": "Ecosystem (reported, not modelled)",
    "ai_practitioners": "AI practitioners",
    "ai_firms": "AI firms",
    "uncertainty": "Uncertainty",
    "mode": "mode",
    "samples": "samples",
    "seed": "Random seed",
    "horizon": "Horizon",
    "start_year": "first year",
    "end_year": "last year",
    "base_year": "Base year",
    "demand_growth": "Demand growth",
    "rates": "rate",
    "grid_factor_t_per_mwh": "Grid emission factor (t CO2/MWh)",
    "carbon_price_krw_per_t": "Carbon price (KRW/t)",
    "value": "",
    "values": "",
    "unit": "unit",
    "label": "label",
}


def readable_setting(key: str) -> str:
    """A flattened scenario setting (``compute.gpus.values.2032``) in words
    (``AI data cluster: GPUs in 2032``)."""
    parts = key.split(".")
    head, rest = parts[0], parts[1:]
    if head == "levers" and rest:
        words = [_LEVER_WORDS.get(rest[0], rest[0]), *[_word(p) for p in rest[1:]]]
        title = words[0]
        detail = " ".join(w for w in words[1:] if w)
        return f"{title}: {detail}" if detail else title
    if head == "assumptions" and rest:
        title = "Assumption '" + rest[0].replace("_", " ") + "'"
        detail = " ".join(w for w in (_word(p) for p in rest[1:]) if w)
        return f"{title} ({detail})" if detail else title
    title = _WORDS.get(head, head.replace("_", " "))
    detail = " ".join(w for w in (_word(p) for p in rest) if w)
    return f"{title}: {detail}" if detail else title


def _word(part: str) -> str:
    if re.fullmatch(r"\d{4}", part):
        return f"in {part}"
    return _WORDS.get(part, _LEVER_WORDS.get(part, part.replace("_", " ")))


def readable_value(value: object, limit: int = 160) -> str:
    """A setting's value as short text: anchor lists as ``firm year``, adoption rules as
    size classes and curve, long text shortened; ``None`` as ``—`` (not set)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"  # not set by this scenario (a missing cell of the table)
    if isinstance(value, str) and value[:1] in "[{":
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            text = "; ".join(_item(v) for v in parsed) or "none"
            return _shorten(text, limit)
    if isinstance(value, float):
        return f"{value:g}"
    return _shorten(str(value), limit)


def _item(item: object) -> str:
    if not isinstance(item, dict):
        return str(item)
    if "firm" in item:
        return f"{item['firm']} {item.get('year', '')}".strip()
    if "curve" in item:
        who = "/".join(item.get("size_classes", []) or ["all"])
        curve = item["curve"] or {}
        bass = curve.get("bass")
        if bass:
            return f"{who}: Bass p {bass['p']:g}, q {bass['q']:g}, ceiling {bass['ceiling']:g}"
        shares = curve.get("shares") or {}
        return f"{who}: shares " + ", ".join(f"{y} {s:g}" for y, s in shares.items())
    return json.dumps(item, sort_keys=True)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def assumptions_table(
    table: pd.DataFrame,
    labels: Mapping[str, str] | None = None,
    *,
    with_sources: bool = False,
) -> pd.DataFrame:
    """:func:`twin.compare.differing_assumptions` with readable setting names and values.

    Rows about a source, status or note are dropped unless ``with_sources``.
    """
    labels = dict(labels or {})
    names = [c for c in table.columns if c != "setting"]
    rows = []
    for row in table.to_dict("records"):
        key = str(row["setting"])
        last = key.rsplit(".", 1)[-1]
        if not with_sources and last in ("source", "status", "note", "unit"):
            continue
        rows.append(
            {
                "Setting": readable_setting(key),
                **{labels.get(n, n): readable_value(row[n]) for n in names},
            }
        )
    return pd.DataFrame(rows, columns=["Setting", *[labels.get(n, n) for n in names]])
