"""The briefing's charts: matplotlib figures rendered to PNG bytes, big enough for a projector.

Each function takes plain tables (from :class:`twin.report.gather.BriefingData`) and returns
PNG bytes; colours and KPI labels come from :mod:`twin.viz`, Hangul from the NanumGothic font
shipped with ``koreanize-matplotlib`` (registered with matplotlib's font manager; the global
style is left alone: every chart draws inside an ``rc_context``).
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from twin.report.labels import archetype_label, kpi_label, lever_label, t
from twin.spatial import METRIC_CRS
from twin.viz import KPIS, NOTICE, ring_bottlenecks, scenario_colour

__all__ = [
    "DPI",
    "KOREAN_FONT",
    "figure_png",
    "map_png",
    "peak_png",
    "roi_png",
    "sources_png",
    "tornado_png",
    "trajectories_png",
    "waterfall_png",
]

DPI = 150
#: Width x height (inches) of a full-width chart on a 16:9 slide (13.33 x 7.5 in).
WIDE = (12.4, 5.3)
KOREAN_FONT = "NanumGothic"
#: Shorter chart titles where a KPI's label does not fit a small panel.
SHORT = {
    "productivity_mkrw": {
        "en": "Labour productivity (M KRW per employee)",
        "ko": "노동생산성 (1인당 부가가치, 백만 원)",
    }
}
BASE_FONT = 15


@cache
def _register_fonts() -> bool:
    """Add the NanumGothic files of ``koreanize-matplotlib`` to the font manager (once)."""
    # Located, not imported: importing koreanize_matplotlib sets the global font family.
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return False
    folder = Path(next(iter(spec.submodule_search_locations))) / "fonts"
    for f in sorted(folder.glob("NanumGothic*.ttf")):
        font_manager.fontManager.addfont(str(f))
    return any(folder.glob("NanumGothic*.ttf"))


@contextmanager
def style(lang: str = "en") -> Iterator[None]:
    """Fonts and sizes of the deck's charts (Hangul-capable font for Korean)."""
    has_nanum = _register_fonts()
    family = [KOREAN_FONT, "DejaVu Sans"] if lang == "ko" and has_nanum else ["DejaVu Sans"]
    rc = {
        "font.family": family,
        "font.size": BASE_FONT,
        "axes.titlesize": BASE_FONT + 2,
        "axes.labelsize": BASE_FONT,
        "xtick.labelsize": BASE_FONT - 1,
        "ytick.labelsize": BASE_FONT - 1,
        "legend.fontsize": BASE_FONT - 2,
        "axes.unicode_minus": False,  # NanumGothic lacks U+2212
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
    }
    with matplotlib.rc_context(rc):
        yield


def figure_png(fig: Figure) -> bytes:
    """The figure as PNG bytes (the figure is closed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white")
    plt.close(fig)
    return buf.getvalue()


def fmt_value(value: float) -> str:
    """A signed figure for a slide: about 3 significant digits, separators, no exponent."""
    a = abs(value)
    if a >= 100:
        text = f"{value:,.0f}"
    elif a >= 10:
        text = f"{value:,.1f}"
    elif a >= 1:
        text = f"{value:,.2f}"
    elif a >= 0.1:
        text = f"{value:.2f}"
    elif a == 0:
        return "0"
    else:
        text = f"{value:.2g}"
    return ("+" if value > 0 else "") + text


def _colour(i: int, name: str) -> str:
    return "#7f7f7f" if name == "__baseline__" else scenario_colour(i, name)


# --- map ------------------------------------------------------------------------------------


def map_png(
    complexes: gpd.GeoDataFrame,
    values: pd.Series,
    kpi: str,
    *,
    lang: str = "en",
    title: str = "",
    caption: str = "",
    substations: gpd.GeoDataFrame | None = None,
    river: gpd.GeoDataFrame | None = None,
    firms: gpd.GeoDataFrame | None = None,
    bottlenecks: Sequence[str] = (),
) -> bytes:
    """The complexes coloured by ``values`` (complex_id -> value in the KPI's display unit).

    Diverging colours centred on zero when values have both signs (a change), else sequential;
    each complex is labelled with its value. Substations, the Nakdong and the top supply
    bottlenecks (``firm_id``, ringed) are drawn when given; :data:`twin.viz.NOTICE` below.
    """
    with style(lang):
        fig, ax = plt.subplots(figsize=(7.2, 6.4))
        cx = complexes.to_crs(METRIC_CRS).copy()
        cx["value"] = [values.get(str(c), np.nan) for c in cx["complex_id"]]
        v = cx["value"].to_numpy(dtype=float)
        finite = v[np.isfinite(v)]
        lim = float(np.max(np.abs(finite))) if finite.size else 1.0
        if (finite.size and finite.min() < 0 < finite.max()) or (finite.size and finite.max() <= 0):
            cmap, vmin, vmax = "RdBu_r", -lim or -1.0, lim or 1.0
        else:
            cmap, vmin, vmax = "YlOrRd", 0.0, lim or 1.0
        cx.plot(
            ax=ax,
            column="value",
            cmap=cmap,
            vmin=vmin,
            vmax=vmax,
            edgecolor="#333333",
            linewidth=1.0,
            legend=True,
            legend_kwds={"label": kpi_label(kpi, lang), "shrink": 0.8},
            missing_kwds={"color": "#eeeeee"},
        )
        if river is not None and len(river):
            river.to_crs(METRIC_CRS).plot(ax=ax, color="#4a90d9", linewidth=3, alpha=0.7, zorder=1)
        if substations is not None and len(substations):
            ss = substations.to_crs(METRIC_CRS)
            ax.scatter(ss.geometry.x, ss.geometry.y, marker="^", s=110, color="#444444", zorder=4)
            for row in ss.itertuples():
                ax.annotate(
                    row.substation_id,
                    (row.geometry.x, row.geometry.y),
                    xytext=(5, -12),
                    textcoords="offset points",
                    fontsize=BASE_FONT - 4,
                    color="#333333",
                )
        if firms is not None and bottlenecks:
            ring_bottlenecks(ax, firms, bottlenecks, size=240, zorder=6)
        for row in cx.itertuples():
            p = row.geometry.representative_point()
            val = "–" if not np.isfinite(row.value) else fmt_value(row.value)
            ax.text(
                p.x,
                p.y,
                f"{row.complex_id}\n{val}",
                ha="center",
                va="center",
                fontsize=BASE_FONT - 2,
                weight="bold",
                color="#111111",
                zorder=7,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "alpha": 0.75, "lw": 0},
            )
        xmin, ymin, xmax, ymax = cx.total_bounds
        pad = 1200
        ax.set_xlim(xmin - pad, xmax + pad)
        ax.set_ylim(ymin - pad, ymax + pad)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.grid(False)
        for s in ax.spines.values():
            s.set_visible(False)
        sx, sy = xmin - pad + 500, ymin - pad + 500
        ax.plot([sx, sx + 2000], [sy, sy], color="black", linewidth=3)
        ax.text(sx + 1000, sy + 200, "2 km", ha="center", fontsize=BASE_FONT - 4)
        if title:
            ax.set_title(title)
        handles = [
            Line2D(
                [],
                [],
                marker="^",
                linestyle="",
                color="#444444",
                markersize=9,
                label="substation" if lang == "en" else "변전소",
            ),
            Line2D(
                [],
                [],
                color="#4a90d9",
                linewidth=3,
                label="Nakdong River" if lang == "en" else "낙동강",
            ),
        ]
        if bottlenecks:
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="",
                    markerfacecolor="none",
                    markeredgecolor="#d62728",
                    markersize=11,
                    markeredgewidth=2,
                    label="supply bottleneck" if lang == "en" else "공급 병목",
                )
            )
        ax.legend(handles=handles, loc="upper left", fontsize=BASE_FONT - 4, framealpha=0.9)
        notice = caption + ("\n" if caption else "") + NOTICE
        fig.text(0.01, 0.01, notice, fontsize=BASE_FONT - 7, color="#444444", wrap=True)
        fig.tight_layout(rect=(0, 0.12, 1, 1))
        return figure_png(fig)


# --- trajectories ---------------------------------------------------------------------------


def trajectories_png(
    diffs: pd.DataFrame,
    kpis: Sequence[str],
    labels: dict[str, str],
    *,
    lang: str = "en",
    source: str = "",
) -> bytes:
    """Small multiples: each KPI per year, one line per scenario (mean over replications).

    ``diffs`` has ``scenario, year, kpi, mean, ci_low, ci_high``; ``labels`` maps scenario
    names to legend labels, in drawing order.
    """
    with style(lang):
        n = len(kpis)
        cols = 2 if n > 1 else 1
        rows = int(np.ceil(n / cols))
        fig, axes = plt.subplots(rows, cols, figsize=(12.4, 5.6), squeeze=False)
        for ax, kpi in zip(axes.flat, kpis, strict=False):
            div = KPIS[kpi].divisor
            for i, (name, label) in enumerate(labels.items()):
                d = diffs[(diffs["scenario"] == name) & (diffs["kpi"] == kpi)].sort_values("year")
                if d.empty:
                    continue
                c = _colour(i, name)
                ax.plot(
                    d["year"],
                    d["mean"] / div,
                    color=c,
                    linewidth=2.6,
                    label=label,
                    linestyle="--" if name == "__baseline__" else "-",
                )
            ax.set_title(SHORT.get(kpi, {}).get(lang) or kpi_label(kpi, lang), fontsize=BASE_FONT)
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, nbins=5))
            ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=4))
        for ax in list(axes.flat)[n:]:
            ax.set_visible(False)
        handles, names = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, names, loc="lower center", ncol=min(len(names), 4), frameon=False)
        if source:
            fig.text(0.99, 0.005, source, ha="right", fontsize=BASE_FONT - 6, color="#555555")
        fig.tight_layout(rect=(0, 0.08, 1, 1))
        return figure_png(fig)


# --- peak demand ----------------------------------------------------------------------------


def peak_png(
    diffs: pd.DataFrame,
    substations: dict[str, pd.DataFrame],
    labels: dict[str, str],
    *,
    lang: str = "en",
    source: str = "",
) -> bytes:
    """Left: peak demand per year by scenario; right: each substation's peak load in the year
    of ``substations`` (bars per scenario) against its capacity (black tick)."""
    with style(lang):
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(12.4, 5.4), width_ratios=(1, 1.5))
        for i, (name, label) in enumerate(labels.items()):
            d = diffs[(diffs["scenario"] == name) & (diffs["kpi"] == "peak_mw")].sort_values("year")
            if len(d):
                a1.plot(
                    d["year"],
                    d["mean"],
                    color=_colour(i, name),
                    linewidth=2.6,
                    label=label,
                    linestyle="--" if name == "__baseline__" else "-",
                )
        a1.set_title(kpi_label("peak_mw", lang), fontsize=BASE_FONT)
        a1.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, nbins=4))
        shown = [n for n in labels if n in substations]
        first = substations[shown[0]]
        subs = [s for s in first["substation_id"] if s != "154kV-direct"]
        x = np.arange(len(subs))
        width = 0.8 / max(len(shown), 1)
        for i, name in enumerate(shown):
            tab = substations[name].set_index("substation_id")
            a2.bar(
                x + (i - (len(shown) - 1) / 2) * width,
                [tab.loc[s, "load_mw"] for s in subs],
                width,
                color=_colour(list(labels).index(name), name),
                label=labels[name],
            )
        caps = first.set_index("substation_id").loc[subs, "capacity_mw"].to_numpy()
        a2.scatter(
            x,
            caps,
            marker="_",
            s=900,
            color="black",
            linewidths=3,
            zorder=5,
            label=t("capacity", lang),
        )
        for xi, (s, cap) in enumerate(zip(subs, caps, strict=True)):
            load = substations[shown[-1]].set_index("substation_id").loc[s, "load_mw"]
            if cap > 0:
                a2.text(
                    xi,
                    max(load, cap) * 1.03,
                    f"{load / cap:.0%}",
                    ha="center",
                    fontsize=BASE_FONT - 3,
                    color="#b30000" if load > cap else "#333333",
                    weight="bold" if load > cap else "normal",
                )
        a2.set_xticks(x, subs)
        a2.set_ylabel("MW")
        a2.set_title(t("peak_load", lang) + " / " + t("capacity", lang), fontsize=BASE_FONT)
        a2.legend(loc="upper left", fontsize=BASE_FONT - 4, ncol=2)
        a2.set_ylim(0, max(caps.max(), first["load_mw"].max()) * 1.25)
        if source:
            fig.text(0.99, 0.005, source, ha="right", fontsize=BASE_FONT - 6, color="#555555")
        fig.tight_layout(rect=(0, 0.04, 1, 1))
        return figure_png(fig)


# --- waterfall ------------------------------------------------------------------------------


def waterfall_png(
    steps: pd.DataFrame,
    kpis: Sequence[str],
    *,
    lang: str = "en",
    source: str = "",
) -> bytes:
    """One panel per KPI: each step's change (bar from the running total) and the total.

    ``steps`` has ``step, name, kpi, change, change_low, change_high`` for one scenario and
    year.
    """
    with style(lang):
        fig, axes = plt.subplots(1, len(kpis), figsize=(12.4, 5.4), squeeze=False)
        for ax, kpi in zip(axes.flat, kpis, strict=True):
            div = KPIS[kpi].divisor
            w = steps[steps["kpi"] == kpi].sort_values("step")
            names = [lever_label(n, lang).removeprefix("+ ") for n in w["name"]]
            change = w["change"].to_numpy() / div
            start = np.concatenate([[0.0], np.cumsum(change)[:-1]])
            colours = ["#009E73" if c >= 0 else "#D55E00" for c in change]
            y = np.arange(len(change) + 1)[::-1]
            ax.barh(y[:-1], change, left=start, color=colours, height=0.6)
            total = change.sum()
            ax.barh(y[-1], total, color="#0072B2", height=0.6)
            lows = w["change_low"].to_numpy() / div
            highs = w["change_high"].to_numpy() / div
            for yi, s, lo, hi in zip(y[:-1], start, lows, highs, strict=True):
                if np.isfinite(lo) and np.isfinite(hi):
                    ax.plot([s + lo, s + hi], [yi, yi], color="#222222", linewidth=1.5)
            span = max(abs(np.cumsum(change)).max(), abs(total), 1e-12)
            ends = [
                *zip(y[:-1], start, change, lows, highs, strict=True),
                (y[-1], 0.0, total, 0, 0),
            ]
            for yi, s, c, lo, hi in ends:
                lo_end = s + min(c, lo if np.isfinite(lo) else c, 0)
                hi_end = s + max(c, hi if np.isfinite(hi) else c, 0)
                right = c >= 0
                ax.text(
                    hi_end + 0.03 * span if right else lo_end - 0.03 * span,
                    yi,
                    fmt_value(c),
                    va="center",
                    ha="left" if right else "right",
                    fontsize=BASE_FONT - 3,
                )
            ax.set_yticks(y, [*names, "Total" if lang == "en" else "합계"])
            ax.axvline(0, color="#333333", linewidth=1)
            lo_i = np.where(np.isfinite(lows), lows, change)
            hi_i = np.where(np.isfinite(highs), highs, change)
            lo_x = min(0.0, np.min(start + np.minimum(np.minimum(change, lo_i), 0)), total)
            hi_x = max(0.0, np.max(start + np.maximum(np.maximum(change, hi_i), 0)), total)
            ax.set_xlim(lo_x - 0.45 * span, hi_x + 0.45 * span)
            ax.set_title(kpi_label(kpi, lang), fontsize=BASE_FONT)
            ax.grid(axis="y", visible=False)
        if source:
            fig.text(0.99, 0.005, source, ha="right", fontsize=BASE_FONT - 6, color="#555555")
        fig.tight_layout(rect=(0, 0.04, 1, 1))
        return figure_png(fig)


# --- ROI ------------------------------------------------------------------------------------


def roi_png(
    roi: dict[str, dict[str, dict]],
    *,
    lang: str = "en",
    source: str = "",
) -> bytes:
    """Per archetype (panel) and lever (row): NPV P10-P90 whisker and P50 dot, bn KRW, with the
    chance of payback within 3 years written beside it."""
    with style(lang):
        archs = list(roi)
        fig, axes = plt.subplots(1, len(archs), figsize=(12.4, 5.4), squeeze=False, sharey=True)
        for ax, arch in zip(axes.flat, archs, strict=True):
            sets = roi[arch]
            names = list(sets)
            y = np.arange(len(names))[::-1]
            for yi, n in zip(y, names, strict=True):
                s = sets[n]
                p10, p50, p90 = (s[k] / 1e9 for k in ("npv_p10", "npv_p50", "npv_p90"))
                c = "#009E73" if p50 > 0 else "#D55E00"
                ax.plot([p10, p90], [yi, yi], color=c, linewidth=4, solid_capstyle="round")
                ax.scatter([p50], [yi], color="white", edgecolor=c, s=110, zorder=5, linewidths=2.5)
                ax.text(
                    1.0,
                    yi,
                    f"{s['p_payback_within_3y']:.0%}",
                    transform=ax.get_yaxis_transform(),
                    ha="right",
                    va="center",
                    fontsize=BASE_FONT - 3,
                    color="#333333",
                )
            ax.axvline(0, color="#333333", linewidth=1)
            ax.set_yticks(y, [lever_label(n, lang) for n in names])
            ax.set_title(archetype_label(arch, lang), fontsize=BASE_FONT)
            ax.set_xlabel(t("npv_axis", lang), fontsize=BASE_FONT - 2)
            ax.grid(axis="y", visible=False)
            lo, hi = ax.get_xlim()
            ax.set_xlim(lo, hi + 0.25 * (hi - lo))  # room for the payback share
        if source:
            fig.text(0.99, 0.005, source, ha="right", fontsize=BASE_FONT - 6, color="#555555")
        fig.tight_layout(rect=(0, 0.04, 1, 1))
        return figure_png(fig)


# --- tornado --------------------------------------------------------------------------------


def tornado_png(
    tornado: pd.DataFrame,
    kpi: str,
    input_labels: dict[str, str],
    *,
    lang: str = "en",
    source: str = "",
) -> bytes:
    """Horizontal bars from the centre value to the KPI change at each input's low (light)
    and high (dark) end, largest swing on top."""
    with style(lang):
        fig, ax = plt.subplots(figsize=(12.4, 5.3))
        div = KPIS[kpi].divisor
        tor = tornado.head(8)
        y = np.arange(len(tor))[::-1]
        centre = float(tor["diff_at_centre"].iloc[0]) / div if len(tor) else 0.0
        for yi, row in zip(y, tor.itertuples(), strict=True):
            lo, hi = row.diff_at_low / div, row.diff_at_high / div
            ax.barh(yi, lo - centre, left=centre, color="#56B4E9", height=0.6)
            ax.barh(yi, hi - centre, left=centre, color="#0072B2", height=0.6)
        ax.axvline(centre, color="#333333", linewidth=1.2)
        ax.set_yticks(y, [input_labels.get(n, n) for n in tor["input"]], fontsize=BASE_FONT + 1)
        ax.set_xlabel(("Change in " if lang == "en" else "변화: ") + kpi_label(kpi, lang))
        ax.grid(axis="y", visible=False)
        ax.legend(
            handles=[
                plt.Rectangle(
                    (0, 0), 1, 1, color="#56B4E9", label="low" if lang == "en" else "하한"
                ),
                plt.Rectangle(
                    (0, 0), 1, 1, color="#0072B2", label="high" if lang == "en" else "상한"
                ),
            ],
            loc="lower right",
        )
        if source:
            fig.text(0.99, 0.005, source, ha="right", fontsize=BASE_FONT - 6, color="#555555")
        fig.tight_layout(rect=(0, 0.04, 1, 1))
        return figure_png(fig)


# --- sources --------------------------------------------------------------------------------


def sources_png(counts: pd.DataFrame, colours: dict[str, str], *, lang: str = "en") -> bytes:
    """Stacked horizontal bars: source rows per status (columns) for each table (rows)."""
    with style(lang):
        fig, ax = plt.subplots(figsize=(6.2, 4.6))
        left = np.zeros(len(counts))
        y = np.arange(len(counts))[::-1]
        for status in counts.columns:
            v = counts[status].to_numpy(dtype=float)
            ax.barh(y, v, left=left, color=colours.get(status, "#999999"), label=status, height=0.6)
            for yi, lft, vi in zip(y, left, v, strict=True):
                if vi > 0:
                    ax.text(
                        lft + vi / 2,
                        yi,
                        f"{vi:.0f}",
                        ha="center",
                        va="center",
                        color="white",
                        weight="bold",
                        fontsize=BASE_FONT - 2,
                    )
            left += v
        ax.set_yticks(y, list(counts.index))
        ax.grid(axis="y", visible=False)
        ax.legend(loc="lower right", fontsize=BASE_FONT - 3)
        fig.tight_layout()
        return figure_png(fig)
