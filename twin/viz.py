"""Charts and maps as objects (matplotlib figures), shared by the CLI, the explorer and decks.

Nothing here computes model results: it draws what it is given.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")  # no display needed: figures are saved or embedded
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from twin.spatial import METRIC_CRS

__all__ = [
    "COMPLEX_COLOURS",
    "KPIS",
    "SCENARIO_COLOURS",
    "SECTOR_COLOURS",
    "STATUS_COLOURS",
    "Kpi",
    "complex_map_figure",
    "ring_bottlenecks",
    "scenario_colour",
]

SECTOR_COLOURS = {
    "electronics": "#1f77b4",
    "machinery": "#ff7f0e",
    "metals": "#7f7f7f",
    "chemicals": "#9467bd",
    "textiles": "#2ca02c",
    "other": "#8c564b",
}
COMPLEX_COLOURS = {
    "1": "#fde0c5",
    "2": "#d9f0d3",
    "3": "#d6e6f4",
    "4": "#f2d7ee",
    "4x": "#eeeeee",
    "5": "#fff2b2",
}
#: Scenario lines and bars, in the order scenarios are given (the first: the reference, grey
#: only when it is the zero-adoption baseline, see :func:`scenario_colour`). Colour-blind safe
#: (Okabe-Ito) and distinct on a projector.
SCENARIO_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
BASELINE_COLOUR = "#7f7f7f"
#: Data status of a figure (data/sources.csv): the same colours in the explorer and the deck.
STATUS_COLOURS = {"published": "#009E73", "estimate": "#E69F00", "synthetic": "#CC79A7"}


@dataclass(frozen=True)
class Kpi:
    """How a complex KPI is shown: labels (English, Korean), the divisor and the unit."""

    label: str
    label_ko: str
    divisor: float
    unit: str


#: Complex KPIs of a scenario result (columns of ``ScenarioResult.tidy`` plus the ratios of
#: :data:`twin.compare.DERIVED`), in display order, shared by the explorer and the deck.
KPIS = {
    "output_krw": Kpi("Production", "생산액", 1e12, "tn KRW"),
    "value_added_krw": Kpi("Value added", "부가가치", 1e12, "tn KRW"),
    "productivity_mkrw": Kpi(
        "Labour productivity (value added per employee)",
        "노동생산성 (1인당 부가가치)",
        1.0,
        "M KRW",
    ),
    "electricity_mwh": Kpi("Electricity (factories)", "전력 사용량 (공장)", 1e3, "GWh"),
    "peak_mw": Kpi("Peak demand (sum of sites)", "최대 수요전력 (사업장 합)", 1.0, "MW"),
    "co2_t": Kpi("CO2", "CO2 배출량", 1e3, "kt"),
    "ai_compute_mwh": Kpi("AI compute energy", "AI 연산 전력", 1e3, "GWh"),
}


def ring_bottlenecks(
    ax: Axes,
    firms: gpd.GeoDataFrame,
    bottlenecks: list[str],
    *,
    size: float = 260,
    fontsize: float | None = None,
    zorder: int = 7,
) -> None:
    """Ring the firms ``bottlenecks`` (``firm_id``, in rank order) in red and number them.

    Drawn in EPSG:5186 (the CRS of the maps here); firms not in ``firms`` are skipped.
    """
    fm = firms.to_crs(METRIC_CRS).set_index("firm_id")
    for rank, fid in enumerate(bottlenecks, start=1):
        if fid not in fm.index:
            continue
        pt = fm.geometry[fid]
        ax.scatter(
            [pt.x], [pt.y], s=size, facecolors="none", edgecolors="#d62728", linewidths=2.2,
            zorder=zorder,
        )  # fmt: skip
        ax.annotate(
            str(rank),
            (pt.x, pt.y),
            xytext=(-14, 6),
            textcoords="offset points",
            fontsize=fontsize,
            weight="bold",
            color="#d62728",
            zorder=zorder,
        )


def scenario_colour(index: int, name: str) -> str:
    """Colour of the ``index``-th scenario shown (grey for the zero-adoption ``baseline``)."""
    if name == "baseline":
        return BASELINE_COLOUR
    return SCENARIO_COLOURS[index % len(SCENARIO_COLOURS)]


NOTICE = (
    "Complex outlines are APPROXIMATE (drawn around published anchor points, scaled to the "
    "official areas; not surveyed). Firms are SYNTHETIC, matched to published 2023 totals; "
    "named anchor firms are placed in their complexes, not at their real sites."
)


def complex_map_figure(
    complexes: gpd.GeoDataFrame,
    firms: gpd.GeoDataFrame | None = None,
    substations: gpd.GeoDataFrame | None = None,
    river: gpd.GeoDataFrame | None = None,
    bottlenecks: list[str] | None = None,
    title: str = "Gumi National Industrial Complex",
    size_in: tuple[float, float] = (11.0, 11.0),
) -> Figure:
    """A static map of the complex: outlines, firms by sector, substations and the Nakdong.

    Parameters
    ----------
    complexes, firms, substations, river
        Layers of ``data/gumi.gpkg`` (any CRS; drawn in EPSG:5186 so distances are true).
    bottlenecks
        ``firm_id`` of the top supply bottlenecks, ringed and numbered in rank order.
    title
        The figure's title.
    size_in
        Figure size in inches.
    """
    fig, ax = plt.subplots(figsize=size_in, dpi=110)
    cx = complexes.to_crs(METRIC_CRS)
    colours = [COMPLEX_COLOURS.get(str(c), "#eeeeee") for c in cx["complex_id"]]
    cx.plot(ax=ax, color=colours, edgecolor="#555555", linewidth=1.2, linestyle="--")
    xmin, ymin, xmax, ymax = cx.total_bounds
    pad = 1500
    if river is not None and len(river):
        river.to_crs(METRIC_CRS).plot(ax=ax, color="#4a90d9", linewidth=4, alpha=0.8, zorder=1)
    if firms is not None and len(firms):
        fm = firms.to_crs(METRIC_CRS)
        sizes = 4 + 60 * (fm["employees"].clip(upper=10_000) / 10_000) ** 0.5
        for sector, grp in fm.groupby("sector"):
            ax.scatter(
                grp.geometry.x,
                grp.geometry.y,
                s=sizes[grp.index],
                alpha=0.7,
                color=SECTOR_COLOURS.get(str(sector), "#333333"),
                linewidths=0,
                zorder=3,
            )
        anchors = fm[~fm["synthetic"].astype(bool)] if "synthetic" in fm else fm.iloc[0:0]
        for row in anchors.itertuples():
            ax.annotate(
                row.name,
                (row.geometry.x, row.geometry.y),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=7.5,
                zorder=5,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.7, "lw": 0},
            )
    if bottlenecks and firms is not None:
        ring_bottlenecks(ax, firms, bottlenecks, size=260, fontsize=10, zorder=7)
    if substations is not None and len(substations):
        ss = substations.to_crs(METRIC_CRS)
        ax.scatter(
            ss.geometry.x,
            ss.geometry.y,
            marker="^",
            s=140,
            color="#d62728",
            edgecolor="black",
            zorder=6,
        )
        for row in ss.itertuples():
            ax.annotate(
                f"{row.substation_id} {row.capacity_mw:.0f} MW",
                (row.geometry.x, row.geometry.y),
                xytext=(6, -12),
                textcoords="offset points",
                fontsize=8,
                color="#8b0000",
                zorder=6,
            )
    for row in cx.itertuples():
        p = row.geometry.representative_point()
        ax.text(
            p.x,
            p.y,
            f"{row.complex_id}",
            fontsize=16,
            weight="bold",
            ha="center",
            va="center",
            color="#333333",
            alpha=0.55,
            zorder=2,
        )
    ax.set_xlim(xmin - pad, xmax + pad)
    ax.set_ylim(ymin - pad, ymax + pad)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    # Scale bar (2 km) and north arrow.
    sx, sy = xmin - pad + 600, ymin - pad + 600
    ax.plot([sx, sx + 2000], [sy, sy], color="black", linewidth=3)
    ax.text(sx + 1000, sy + 150, "2 km", ha="center", fontsize=9)
    ax.annotate(
        "N",
        xy=(xmax + pad - 600, ymax + pad - 400),
        xytext=(xmax + pad - 600, ymax + pad - 1400),
        ha="center",
        fontsize=12,
        weight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "black"},
    )
    handles = [
        Patch(
            facecolor=COMPLEX_COLOURS[c],
            edgecolor="#555555",
            linestyle="--",
            label=f"complex {c}" + (" (extension)" if c == "4x" else ""),
        )
        for c in COMPLEX_COLOURS
        if c in set(cx["complex_id"].astype(str))
    ]
    if firms is not None and len(firms):
        handles += [
            Line2D([], [], marker="o", linestyle="", color=col, label=f"firms: {s}")
            for s, col in SECTOR_COLOURS.items()
            if s in set(firms["sector"])
        ]
    if substations is not None and len(substations):
        handles.append(
            Line2D(
                [],
                [],
                marker="^",
                linestyle="",
                color="#d62728",
                markeredgecolor="black",
                markersize=9,
                label="substation (approximate site, capacity)",
            )
        )
    if river is not None and len(river):
        handles.append(Line2D([], [], color="#4a90d9", linewidth=3, label="Nakdong River"))
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
                label=f"top {len(bottlenecks)} supply bottlenecks (rank)",
            )
        )
    ax.legend(handles=handles, loc="upper left", fontsize=8.5, framealpha=0.9)
    ax.set_title(title, fontsize=15)
    fig.text(
        0.5,
        0.015,
        NOTICE + "\nBoundary reference: Statistics Korea SGIS (2018), KOGL "
        "Type 1. Substation sites and capacity split are estimates (total 885.2 MW published).",
        ha="center",
        fontsize=7.5,
        wrap=True,
        color="#333333",
    )
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig
