"""Presentation helpers for the Company ROI page: tables, a tornado, figures and downloads.

Nothing here imports streamlit or simulates: these functions turn a finished
:class:`twin.roi.RoiResult` (and its JSON document, :meth:`~twin.roi.RoiResult.to_dict`) into
tables, plotly figures and files, so they can be unit-tested without a browser.

The tornado re-prices what the API returns rather than re-simulating: every cash-flow column
of a lever set (capex, opex, and each benefit kind) is linear in its price input (tariff,
material cost, cost of an escape, repair cost per hour, carbon price), so scaling a column
and discounting again gives the NPV at another price exactly, replication by replication.
The levers' effect sizes cannot be re-priced: their swings (from the P10 to the P90 of each
lever's effect draws) are estimated by regressing the replications' NPV on the draws (the
model places every quantity linearly between a lever's presets, so a straight line on each
side of ``typical`` fits).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import yaml

from twin.config import FactorySpec
from twin.config.lever import LeverSpec
from twin.roi import BENEFITS, BUNDLE, KPIS, PAYBACK_YEARS, RoiResult, SetResult
from twin.viz import SCENARIO_COLOURS, STATUS_COLOURS

__all__ = [
    "BENEFIT_COLOURS",
    "CHART_FONT_SIZE",
    "DRAW_P90",
    "KPI_SHOWN",
    "MKRW",
    "TornadoInput",
    "cash_flow_figure",
    "cash_flow_frame",
    "clean",
    "effect_swings",
    "fmt_mkrw",
    "fmt_pct",
    "inputs_yaml",
    "kpi_figure",
    "kpi_frame",
    "lever_cost_table",
    "npv_figure",
    "replications_csv",
    "reprice",
    "results_json",
    "set_colour",
    "set_label",
    "summary_table",
    "tornado_figure",
    "tornado_frame",
    "tornado_inputs",
]

MKRW = 1e6
CHART_FONT_SIZE = 16
_TICK = 15
_DASH = "—"

#: Colours of the cash-flow kinds (costs in greys, benefits in Okabe-Ito colours).
BENEFIT_COLOURS = {
    "capex": "#4d4d4d",
    "opex": "#a6a6a6",
    "energy": "#E69F00",
    "scrap": "#56B4E9",
    "escapes": "#CC79A7",
    "repairs": "#D55E00",
    "margin": "#009E73",
    "carbon": "#0072B2",
}
_KIND_LABELS = {
    "capex": "investment (capex)",
    "opex": "running cost (opex)",
    "energy": "electricity bill saved",
    "scrap": "scrap materials saved",
    "escapes": "escaped defects avoided",
    "repairs": "repair hours saved",
    "margin": "margin on added output",
    "carbon": "carbon value",
}
#: KPI changes shown on the chart, in order (keys of :data:`twin.roi.KPIS`).
KPI_SHOWN = ("throughput_per_h", "oee", "energy_mwh", "peak_kw", "scrap_units", "escaped_units")


def set_label(name: str) -> str:
    """A lever set's display name (``bundle`` spelled out)."""
    return "all chosen levers (bundle)" if name == BUNDLE else name.replace("_", " ")


def set_colour(index: int) -> str:
    """Colour of the ``index``-th lever set (the same on every chart)."""
    return SCENARIO_COLOURS[index % len(SCENARIO_COLOURS)]


def _finite(x: Any) -> bool:
    return x is not None and isinstance(x, int | float) and math.isfinite(x)


def fmt_mkrw(x: float | None, signed: bool = False) -> str:
    """An amount in million KRW (one decimal below 10, else whole millions)."""
    if not _finite(x):
        return _DASH
    v = float(x) / MKRW
    sign = "+" if signed else ""
    return f"{v:{sign},.1f}" if abs(v) < 10 else f"{v:{sign},.0f}"


def fmt_pct(x: float | None, decimals: int = 0) -> str:
    """A share as a percentage."""
    return _DASH if not _finite(x) else f"{float(x) * 100:.{decimals}f} %"


def clean(obj: Any) -> Any:
    """NaN and infinities as ``None``, numpy scalars as floats: strict JSON."""
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return clean(obj.tolist())
    if isinstance(obj, np.floating | np.integer):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


# --------------------------------------------------------------------------- tables


def lever_cost_table(specs: Mapping[str, LeverSpec], names: Sequence[str]) -> pd.DataFrame:
    """What each lever costs and how fast it pays, low / typical / high presets (estimates).

    One row per lever: capex and opex in million KRW per line, ramp-up months, and the data
    status of those figures.
    """
    rows = []
    for n in names:
        lv = specs[n]

        def span(p: Any, f: float = 1.0, fmt: str = ",.0f") -> str:
            return f"{p.low / f:{fmt}} / {p.typical / f:{fmt}} / {p.high / f:{fmt}}"

        statuses = {lv.capex_krw.status, lv.opex_krw_per_year.status, lv.ramp_up_months.status}
        rows.append(
            {
                "Lever": lv.label,
                "Capex, M KRW (low / typical / high)": span(lv.capex_krw, MKRW),
                "Opex, M KRW/yr": span(lv.opex_krw_per_year, MKRW, ",.1f"),
                "Ramp-up, months": span(lv.ramp_up_months),
                "Data status": ", ".join(sorted(statuses)),
            }
        )
    return pd.DataFrame(rows)


def summary_table(doc: Mapping[str, Any]) -> pd.DataFrame:
    """One row per lever set: NPV P10/P50/P90, payback chance, IRR and BCR medians, costs.

    Parameters
    ----------
    doc
        :meth:`twin.roi.RoiResult.to_dict` (NaN allowed or already ``None``).
    """
    rows = []
    for name, s in doc["results"].items():
        bcr = s.get("bcr_median")
        rows.append(
            {
                "Lever set": set_label(name),
                "NPV P10, M KRW": fmt_mkrw(s["npv_p10"], True),
                "NPV P50": fmt_mkrw(s["npv_p50"], True),
                "NPV P90": fmt_mkrw(s["npv_p90"], True),
                "P(NPV > 0)": fmt_pct(s["p_npv_positive"]),
                f"P(payback ≤ {PAYBACK_YEARS:g} y)": fmt_pct(s["p_payback_within_3y"]),
                "IRR (median)": fmt_pct(s.get("irr_median")),
                "BCR (median)": f"{bcr:.2f}" if _finite(bcr) else _DASH,
                "Capex, M KRW": fmt_mkrw(s["capex_median"]),
                "Opex, M KRW/yr": fmt_mkrw(s["opex_median"]),
            }
        )
    return pd.DataFrame(rows)


def kpi_frame(doc: Mapping[str, Any], name: str) -> pd.DataFrame:
    """The KPI changes behind a lever set's money: one row per KPI and demand level.

    Columns: ``kpi``, ``label``, ``unit``, ``where`` (``demand``: the line's operating point,
    ``capacity``: saturating demand), ``base`` (without levers), ``mean``, ``ci_low``,
    ``ci_high`` (the change, 95 % interval across replications) and ``pct``, ``pct_low``,
    ``pct_high`` (the same relative to ``base``, in %; NaN where the base is zero).
    """
    base = doc["baseline"]["kpis"]
    changes = doc["results"][name]["kpi_changes"]
    rows = []
    for kpi, (label, unit) in KPIS.items():
        for where in ("demand", "capacity"):
            iv = changes[kpi][where]
            b = base[kpi][where]
            mean = _num(iv.get("mean"))
            lo, hi = _num(iv.get("ci_low"), mean), _num(iv.get("ci_high"), mean)
            rel = 100.0 / b if _finite(b) and b != 0 else math.nan
            rows.append(
                {
                    "kpi": kpi,
                    "label": label,
                    "unit": unit,
                    "where": where,
                    "base": _num(b),
                    "mean": mean,
                    "ci_low": lo,
                    "ci_high": hi,
                    "pct": mean * rel,
                    "pct_low": lo * rel,
                    "pct_high": hi * rel,
                }
            )
    return pd.DataFrame(rows)


def _num(x: Any, default: float = math.nan) -> float:
    return float(x) if _finite(x) else default


def kpi_table(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`kpi_frame` as a readable table: one row per KPI, both demand levels."""
    rows = []
    for _, grp in frame.groupby("kpi", sort=False):
        row: dict[str, str] = {}
        for _, r in grp.iterrows():
            share = r["unit"] == "share"
            f = 100.0 if share else 1.0
            row["KPI"] = f"{r['label']} ({'%, change in points' if share else r['unit']})"
            where = "at your demand" if r["where"] == "demand" else "at capacity"
            row[f"Without levers, {where}"] = _g(r["base"] * f)
            half = (r["ci_high"] - r["ci_low"]) / 2 * f
            change = _g(r["mean"] * f, True)
            if _finite(half) and half > 0:
                change += f" ± {_g(half)}"
            row[f"Change, {where}"] = change
        rows.append(row)
    return pd.DataFrame(rows)


def _g(x: float, signed: bool = False) -> str:
    if not _finite(x):
        return _DASH
    sign = "+" if signed else ""
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:{sign},.0f}"
    if abs(x) >= 1:
        return f"{x:{sign},.2f}"
    return f"{x:{sign}.3g}"


# --------------------------------------------------------------------------- re-pricing


def reprice(s: SetResult, rate: float, factors: Mapping[str, float] | None = None) -> np.ndarray:
    """Each replication's NPV with cash-flow columns scaled and discounted at ``rate``.

    Parameters
    ----------
    s
        A lever set's result (its ``flows``: columns of shape (replications, years + 1)).
    rate
        Yearly discount rate.
    factors
        Column (``capex``, ``opex`` or a benefit kind) -> multiplier (default 1).

    Returns
    -------
    numpy.ndarray
        NPV per replication: ``sum_y (benefits - capex - opex)[y] / (1 + rate) ** y``.
    """
    factors = factors or {}
    years = s.flows["capex"].shape[1]
    disc = (1.0 + rate) ** -np.arange(years)
    net = sum(factors.get(k, 1.0) * s.flows[k] for k in BENEFITS)
    net = net - factors.get("capex", 1.0) * s.flows["capex"]
    net = net - factors.get("opex", 1.0) * s.flows["opex"]
    return np.asarray(net @ disc, dtype=float)


@dataclass(frozen=True)
class TornadoInput:
    """One bar of the tornado: an input at a low and a high setting.

    Attributes
    ----------
    key
        What the input scales (a cash-flow column, or ``discount_rate``).
    label
        The input's name with its two settings.
    low, high
        Multipliers of the column (or the two discount rates).
    """

    key: str
    label: str
    low: float
    high: float


def tornado_inputs(inputs: Mapping[str, Any]) -> list[TornadoInput]:
    """The money inputs the tornado moves, with the ranges it moves them over.

    The ranges are Gumi Twin's choices for a stress test (estimates, stated on the chart):
    prices a year or two of drift could bring, not forecasts.
    """
    rate = float(inputs["discount_rate"])
    lo_rate, hi_rate = max(0.0, rate - 0.03), rate + 0.03
    escape = float(inputs["escape_cost_factor"])
    return [
        TornadoInput(
            "discount_rate",
            f"Discount rate {lo_rate:.0%} / {hi_rate:.0%}",
            lo_rate,
            hi_rate,
        ),
        TornadoInput("capex", "Investment (capex) −25 % / +25 %", 0.75, 1.25),
        TornadoInput("opex", "Running cost (opex) −25 % / +25 %", 0.75, 1.25),
        TornadoInput("energy", "Electricity prices −20 % / +20 %", 0.8, 1.2),
        TornadoInput("scrap", "Material cost of scrap −20 % / +20 %", 0.8, 1.2),
        TornadoInput(
            "escapes",
            f"Cost of an escaped defect 1x / 10x the price (now {escape:g}x)",
            1.0 / escape if escape > 0 else 1.0,
            10.0 / escape if escape > 0 else 1.0,
        ),
        TornadoInput("repairs", "Repair cost per hour −50 % / +50 %", 0.5, 1.5),
        TornadoInput("carbon", "Carbon price 0 / 2x", 0.0, 2.0),
        TornadoInput("margin", "Margin on added output −20 % / +20 %", 0.8, 1.2),
    ]


#: P90 of the effect draws' symmetric triangular distribution on [-1, 1] (P10 is minus it).
DRAW_P90 = 1.0 - math.sqrt(0.2)
#: A side of ``typical`` gets its own slope with at least this many draws reaching this far.
_SIDE_DRAWS, _SIDE_REACH = 3, 0.25


def effect_swings(
    npv: np.ndarray, draws: Mapping[str, np.ndarray], at: float = DRAW_P90
) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], np.ndarray] | None:
    """Each replication's NPV with one lever's effect draw moved to ``-at`` and to ``+at``.

    Fits ``NPV = a + sum_i (b_i- min(t_i, 0) + b_i+ max(t_i, 0)) + e`` by least squares over
    the replications (``t_i``: lever i's effect draw in [-1, 1]; one slope per side, because
    the presets are not symmetric around ``typical``, unless a side has too few draws or
    draws too close to zero to fit, then one slope through both), then moves lever i's draw
    to ``-at`` and ``+at`` in every replication, the others as drawn. The default ``at`` is
    the draws' P90, so the swing stays inside the range the replications sampled.

    Returns
    -------
    tuple or None
        ``({lever: (npv_at_minus, npv_at_plus)}, residuals)``, or ``None`` when the draws are
        all zero (effects not sampled) or there are too few replications to fit.
    """
    names = [n for n, t in draws.items() if np.any(t != 0)]
    if not names:
        return None
    cols = [np.ones_like(npv)]
    index: dict[str, tuple[int, int]] = {}
    for n in names:
        t = np.asarray(draws[n], dtype=float)
        neg, pos = np.minimum(t, 0.0), np.maximum(t, 0.0)
        if all(np.sum(np.abs(side) >= _SIDE_REACH) >= _SIDE_DRAWS for side in (neg, pos)):
            index[n] = (len(cols), len(cols) + 1)
            cols += [neg, pos]
        else:
            index[n] = (len(cols), len(cols))
            cols.append(t)
    x = np.column_stack(cols)
    if npv.size < x.shape[1] + 2:
        return None
    coef, *_ = np.linalg.lstsq(x, npv, rcond=None)
    resid = npv - x @ coef
    out = {}
    for n in names:
        t = np.asarray(draws[n], dtype=float)
        i_neg, i_pos = index[n]
        own = coef[i_neg] * np.minimum(t, 0) + coef[i_pos] * np.maximum(t, 0)
        out[n] = (npv - own - coef[i_neg] * at, npv - own + coef[i_pos] * at)
    return out, resid


def tornado_frame(result: RoiResult, name: str) -> pd.DataFrame:
    """What moves a lever set's median NPV most: one row per input, largest swing first.

    Money inputs are re-priced exactly (:func:`reprice`); the levers' effect sizes and the
    year-to-year variation left over are estimated (:func:`effect_swings`). Inputs that move
    the median by less than 0.1 % of the largest swing are left out.

    Returns
    -------
    pandas.DataFrame
        Columns ``input``, ``kind`` (``price``, ``effect`` or ``noise``), ``low``, ``high``
        (median NPV, KRW, with the input at its low and at its high setting) and ``swing``
        (``|high - low|``); the attribute ``base`` holds the median NPV as run.
    """
    s = result.sets[name]
    rate = float(result.inputs["discount_rate"])
    base = float(np.median(s.npv))
    rows = []
    for inp in tornado_inputs(result.inputs):
        if inp.key == "discount_rate":
            lo, hi = reprice(s, inp.low), reprice(s, inp.high)
        else:
            lo = reprice(s, rate, {inp.key: inp.low})
            hi = reprice(s, rate, {inp.key: inp.high})
        rows.append((inp.label, "price", float(np.median(lo)), float(np.median(hi))))
    fitted = effect_swings(s.npv, {n: result.draws[n] for n in s.levers if n in result.draws})
    if fitted is not None:
        swings, resid = fitted
        for n, (lo, hi) in swings.items():
            label = f"Effect size of {n.replace('_', ' ')}: P10 / P90 of its draws"
            rows.append((label, "effect", float(np.median(lo)), float(np.median(hi))))
        q10, q90 = np.percentile(resid, [10, 90])
        rows.append(
            (
                "Year-to-year variation: P10 / P90",
                "noise",
                float(np.median(s.npv - resid + q10)),
                float(np.median(s.npv - resid + q90)),
            )
        )
    df = pd.DataFrame(rows, columns=["input", "kind", "low", "high"])
    df["swing"] = (df["high"] - df["low"]).abs()
    top = float(df["swing"].max()) if len(df) else 0.0
    df = df[df["swing"] > 1e-3 * top] if top > 0 else df.iloc[0:0]
    df = df.sort_values("swing", ascending=False).reset_index(drop=True)
    df.attrs["base"] = base
    return df


# --------------------------------------------------------------------------- figures


def _style(fig: go.Figure, title: str, height: int, legend: bool = False) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": CHART_FONT_SIZE + 2}},
        font={"size": CHART_FONT_SIZE},
        height=height,
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
        showlegend=legend,
        hoverlabel={"font_size": CHART_FONT_SIZE},
        legend={"font": {"size": _TICK}, "orientation": "h", "y": -0.18, "x": 0},
    )
    fig.update_xaxes(
        tickfont={"size": _TICK}, title_font={"size": CHART_FONT_SIZE}, automargin=True
    )
    fig.update_yaxes(
        tickfont={"size": _TICK}, title_font={"size": CHART_FONT_SIZE}, automargin=True
    )
    return fig


def npv_figure(result: RoiResult) -> go.Figure:
    """NPV of each lever set over the replications: a box with every replication as a dot."""
    names = list(result.sets)
    fig = go.Figure()
    for i, name in enumerate(names):
        v = result.sets[name].npv / MKRW
        fig.add_trace(
            go.Box(
                x=v,
                name=set_label(name),
                orientation="h",
                boxpoints="all",
                jitter=0.4,
                pointpos=0,
                marker={"color": set_colour(i), "size": 8, "opacity": 0.7},
                line={"color": set_colour(i)},
                hovertemplate="%{x:,.0f} M KRW<extra>%{fullData.name}</extra>",
            )
        )
    fig.add_vline(x=0, line_dash="dash", line_color="#333333")
    fig.update_xaxes(title_text="Net present value (million KRW)", zeroline=False)
    fig.update_yaxes(autorange="reversed")
    reps = int(result.inputs["replications"])
    title = f"NPV over {reps} replications, {result.inputs['years']} years at " + fmt_pct(
        result.inputs["discount_rate"], 1
    )
    return _style(fig, title, 120 + 80 * len(names))


def cash_flow_frame(s: SetResult, rate: float) -> pd.DataFrame:
    """Per year: each cash-flow column's median (costs negative) and the cumulative
    discounted net flow's P10 / P50 / P90 across replications, KRW."""
    years = s.flows["capex"].shape[1]
    df = pd.DataFrame({"year": np.arange(years)})
    for k in ("capex", "opex"):
        df[k] = -np.median(s.flows[k], axis=0)
    for k in BENEFITS:
        df[k] = np.median(s.flows[k], axis=0)
    disc = (1.0 + rate) ** -np.arange(years)
    cum = np.cumsum(s.flows["net"] * disc, axis=1)
    for q in (10, 50, 90):
        df[f"cum_p{q}"] = np.percentile(cum, q, axis=0)
    return df


def cash_flow_figure(frame: pd.DataFrame, title: str) -> go.Figure:
    """Stacked bars of costs (below zero) and benefits by kind per year, and the cumulative
    discounted net flow (median, with its P10-P90 band), million KRW."""
    x = frame["year"]
    fig = go.Figure()
    for k in ("capex", "opex", *BENEFITS):
        v = frame[k] / MKRW
        if not np.any(np.abs(v) >= 0.05):  # a kind that is zero here clutters the legend
            continue
        fig.add_trace(
            go.Bar(
                x=x,
                y=v,
                name=_KIND_LABELS[k],
                marker_color=BENEFIT_COLOURS[k],
                hovertemplate=f"{_KIND_LABELS[k]}, year %{{x}}: %{{y:,.1f}} M KRW<extra></extra>",
            )
        )
    lo, mid, hi = (frame[f"cum_p{q}"] / MKRW for q in (10, 50, 90))
    fig.add_trace(
        go.Scatter(
            x=pd.concat([x, x[::-1]]),
            y=pd.concat([hi, lo[::-1]]),
            fill="toself",
            mode="lines",
            fillcolor="rgba(0,0,0,0.12)",
            line={"width": 0},
            name="cumulative, P10–P90",
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=mid,
            mode="lines+markers",
            line={"color": "#000000", "width": 3},
            marker={"size": 8},
            name="cumulative discounted net (median)",
            hovertemplate="cumulative, year %{x}: %{y:,.0f} M KRW<extra></extra>",
        )
    )
    fig.add_hline(y=0, line_color="#333333", line_width=1)
    fig.update_layout(barmode="relative")
    fig.update_xaxes(title_text="Year after the investment", dtick=1)
    fig.update_yaxes(title_text="Million KRW per year / cumulative")
    return _style(fig, title, 520, legend=True)


def kpi_figure(frame: pd.DataFrame, title: str) -> go.Figure:
    """Relative KPI changes (%) with 95 % intervals, at the line's demand and at capacity."""
    shown = frame[frame["kpi"].isin(KPI_SHOWN)]
    fig = go.Figure()
    for where, colour, label in (
        ("demand", "#0072B2", "at your demand"),
        ("capacity", "#D55E00", "at capacity (saturating demand)"),
    ):
        d = shown[shown["where"] == where].set_index("kpi").reindex(list(KPI_SHOWN))
        fig.add_trace(
            go.Bar(
                y=d["label"],
                x=d["pct"],
                orientation="h",
                name=label,
                marker_color=colour,
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": (d["pct_high"] - d["pct"]).clip(lower=0),
                    "arrayminus": (d["pct"] - d["pct_low"]).clip(lower=0),
                    "thickness": 2,
                    "width": 6,
                },
                hovertemplate="%{y}: %{x:+.2f} %<extra>" + label + "</extra>",
            )
        )
    fig.add_vline(x=0, line_color="#333333", line_width=1)
    fig.update_layout(barmode="group")
    fig.update_xaxes(title_text="Change against the line without levers (%)")
    fig.update_yaxes(autorange="reversed")
    return _style(fig, title, 480, legend=True)


def tornado_figure(frame: pd.DataFrame, title: str) -> go.Figure:
    """Horizontal bars from the median NPV to its value with each input low and high."""
    base = float(frame.attrs.get("base", 0.0)) / MKRW
    colours = {"price": ("#56B4E9", "#0072B2"), "effect": ("#E69F00", "#D55E00")}
    colours["noise"] = ("#bbbbbb", "#777777")
    fig = go.Figure()
    for side, idx in (("low", 0), ("high", 1)):
        vals = frame[side] / MKRW
        fig.add_trace(
            go.Bar(
                y=frame["input"],
                x=vals - base,
                base=base,
                orientation="h",
                name=f"input at its {side} setting",
                marker_color=[colours[k][idx] for k in frame["kind"]],
                customdata=vals,
                hovertemplate="%{y}<br>" + side + ": %{customdata:,.0f} M KRW<extra></extra>",
            )
        )
    fig.add_vline(
        x=base,
        line_color="#000000",
        line_width=2,
        annotation_text=f"median {base:,.0f}",
        annotation_position="top",
        annotation_font_size=_TICK,
    )
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(title_text="Median NPV (million KRW)")
    fig.update_yaxes(autorange="reversed")
    return _style(fig, title, 140 + 48 * max(len(frame), 1))


# --------------------------------------------------------------------------- downloads


def inputs_yaml(choices: Mapping[str, Any], spec: FactorySpec) -> str:
    """The page's choices and the line's spec as one YAML document (for the record).

    ``spec`` is the line as run (for an archetype: at its calibrated utilisation), so its
    ``spec`` block saved to a file and uploaded reproduces the run.
    """
    doc = {"roi_inputs": clean(dict(choices)), "spec": spec.model_dump(mode="json")}
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def results_json(doc: Mapping[str, Any]) -> str:
    """The result document as strict JSON (NaN and infinities as ``null``)."""
    return json.dumps(clean(dict(doc)), indent=1)


def replications_csv(result: RoiResult) -> str:
    """One row per lever set and replication: NPV, IRR, payback, BCR, costs, steady annual
    benefits by kind (KRW) and each lever's effect draw."""
    rows = []
    for name, s in result.sets.items():
        for r in range(s.npv.size):
            row: dict[str, Any] = {
                "lever_set": name,
                "replication": r,
                "npv_krw": s.npv[r],
                "irr": s.irr[r],
                "payback_years": s.payback_years[r],
                "bcr": s.bcr[r],
                "capex_krw": s.capex[r],
                "opex_krw_per_year": s.opex[r],
            }
            row.update({f"annual_{k}_krw": s.annual[k][r] for k in BENEFITS})
            row.update({f"draw_{n}": result.draws[n][r] for n in s.levers if n in result.draws})
            rows.append(row)
    return pd.DataFrame(rows).to_csv(index=False)


def status_colour(status: str) -> str:
    """Colour of a data status (published / estimate / synthetic)."""
    return STATUS_COLOURS.get(status, "#7f7f7f")
