"""Presentation helpers for the Overview page: headline cards, the AX plan beside the model.

Nothing here imports streamlit. :func:`load_ax_plan` reads the plan's published targets
(``data/ax_plan.yaml``); the other functions turn scenario results and the tables of
:mod:`twin.compare` into card texts, tables and plotly figures, testable without a browser.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from twin.ai.registry import LEVER_ORDER
from twin.config.loader import read_yaml
from twin.config.scenario import Scenario, interpolate_years
from twin.core.errors import InputError
from twin.io.paths import data_dir
from twin.projection import RunSettings
from twin.ui.compare_view import (
    _TICK_FONT_SIZE,
    CHART_FONT_SIZE,
    LOWER_IS_BETTER,
    fmt_number,
    scenario_colours,
)
from twin.viz import KPIS, STATUS_COLOURS

__all__ = [
    "HEADLINE_KPIS",
    "REPRESENTED",
    "AxPlan",
    "Card",
    "Target",
    "ai_use_by_year",
    "assumption_statuses",
    "company_name",
    "headline_cards",
    "load_ax_plan",
    "plan_figure",
    "plan_table",
    "settings_text",
    "status_badge",
]

#: The 2032 headline KPIs, in card order.
HEADLINE_KPIS = ("output_krw", "productivity_mkrw", "electricity_mwh", "peak_mw", "co2_t")
#: How the model relates to a plan target (``represented`` in data/ax_plan.yaml).
REPRESENTED = {
    "modelled": "Modelled",
    "assumed": "Scenario input (not predicted)",
    "reported": "Reported only (not modelled)",
    "none": "Outside the model",
}
_STATUSES = ("published", "estimate", "synthetic")
_PLANT = re.compile(r"\s+Gumi Plant \d+$")


# --------------------------------------------------------------------------- the AX plan


@dataclass(frozen=True)
class Target:
    """One published target of the AX plan and how the model treats it."""

    key: str
    label: str
    value: float | None
    unit: str
    year: int
    represented: str
    model: str
    source: str
    status: str


@dataclass(frozen=True)
class AxPlan:
    """The city's AX plan: its name, date, source and targets."""

    plan: str
    proclaimed: str
    source: str
    targets: tuple[Target, ...]

    def target(self, key: str) -> Target | None:
        """The target named ``key`` (``None`` if the plan has none)."""
        return next((t for t in self.targets if t.key == key), None)


def load_ax_plan(path: str | Path | None = None) -> AxPlan:
    """Read the AX plan's targets (default ``data/ax_plan.yaml``).

    Raises
    ------
    InputError
        When the file is missing, or a target lacks a field or has a value out of range.
    """
    path = Path(path) if path is not None else data_dir() / "ax_plan.yaml"
    name = str(path)
    if not path.is_file():
        raise InputError(name, None, "file not found; the Overview needs the AX plan's targets")
    raw = read_yaml(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("targets"), dict):
        raise InputError(name, "targets", "a mapping of target name to its fields")
    targets = []
    for key, t in raw["targets"].items():
        if not isinstance(t, dict):
            raise InputError(name, f"targets.{key}", "a mapping with label, year, source ...")
        for field in ("label", "unit", "year", "represented", "model", "source", "status"):
            if t.get(field) in (None, ""):
                raise InputError(name, f"targets.{key}.{field}", "required")
        if t["represented"] not in REPRESENTED:
            raise InputError(name, f"targets.{key}.represented", f"one of {', '.join(REPRESENTED)}")
        if t["status"] not in _STATUSES:
            raise InputError(name, f"targets.{key}.status", f"one of {', '.join(_STATUSES)}")
        value = t.get("value")
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or value < 0
        ):
            raise InputError(name, f"targets.{key}.value", "a number >= 0, or left out")
        targets.append(
            Target(
                key=str(key),
                label=str(t["label"]),
                value=None if value is None else float(value),
                unit=str(t["unit"]),
                year=int(t["year"]),
                represented=str(t["represented"]),
                model=" ".join(str(t["model"]).split()),
                source=" ".join(str(t["source"]).split()),
                status=str(t["status"]),
            )
        )
    return AxPlan(
        plan=str(raw.get("plan", "AX plan")),
        proclaimed=str(raw.get("proclaimed", "")),
        source=" ".join(str(raw.get("source", "")).split()),
        targets=tuple(targets),
    )


# --------------------------------------------------------------------------- cards


@dataclass(frozen=True)
class Card:
    """Texts of one headline card."""

    kpi: str
    label: str
    value: str  # the scenario's mean, with unit
    delta: str  # the paired change vs the comparison, with unit and percent
    interval: str  # the change's 95 % interval
    delta_color: str  # "normal" (rise is good), "inverse" (fall is good) or "off"


def headline_cards(
    diffs: pd.DataFrame, scenario: str, year: int, kpis: Sequence[str] = HEADLINE_KPIS
) -> list[Card]:
    """Card texts for ``scenario`` in ``year`` from :func:`twin.compare.paired_differences`
    (whose first scenario is the comparison the change is measured against)."""
    d = diffs[(diffs["scenario"] == scenario) & (diffs["year"] == year)].set_index("kpi")
    d = d[~d.index.duplicated(keep="last")]  # a scenario compared with itself appears twice
    cards = []
    for kpi in kpis:
        k = KPIS[kpi]
        if kpi not in d.index:
            cards.append(Card(kpi, k.label, "—", "", "", "off"))
            continue
        row = d.loc[kpi]
        mean, diff = row["mean"] / k.divisor, row["diff"] / k.divisor
        ref = mean - diff
        pct = f" ({_percent(100 * diff / ref)})" if ref else ""
        low, high = row["diff_low"], row["diff_high"]
        if _finite(low) and _finite(high):
            interval = (
                f"95 % interval {fmt_number(low / k.divisor, signed=True)} to "
                f"{fmt_number(high / k.divisor, signed=True)} {k.unit}"
            )
        else:
            interval = "95 % interval: — (one replication)"
        cards.append(
            Card(
                kpi=kpi,
                label=k.label,
                # the unit goes in the card's label: a wide-page fifth shows about 8 characters
                value=fmt_number(mean),
                # st.metric reads the sign from a leading ASCII "-" (arrow and colour)
                delta=f"{fmt_number(diff, signed=True)}{pct}".replace("\u2212", "-"),
                interval=interval,
                delta_color="inverse" if kpi in LOWER_IS_BETTER else "normal",
            )
        )
    return cards


def _percent(p: float) -> str:
    """A percent change, short enough for a card: ``+1.1 %``, ``-0.05 %``."""
    return f"{p:+.1f} %" if abs(p) >= 1 else f"{p:+.2f} %"


def _finite(x: object) -> bool:
    return isinstance(x, int | float) and math.isfinite(x)


# --------------------------------------------------------------------------- AI use vs plan


def company_name(site: str) -> str:
    """The company a named site belongs to (Samsung's two Gumi plants are one company)."""
    return _PLANT.sub("", site).strip()


def ai_use_by_year(firms: pd.DataFrame, named: pd.DataFrame) -> pd.DataFrame:
    """Firms using AI levers per year, and the named anchor companies adopting and converted.

    Parameters
    ----------
    firms
        ``ScenarioResult.firms`` (``case``, ``year``, ``firm_id``, ``levers_used``); only the
        ``scenario`` case is counted.
    named
        The named (non-synthetic) firms: ``firm_id`` and ``name`` (site names; sites of one
        company, see :func:`company_name`, count once).

    Returns
    -------
    pandas.DataFrame
        Per year: ``firms_using_ai`` (firms with at least one lever), ``firms`` (all firms),
        ``companies_adopting`` (anchor companies with a lever at any site),
        ``companies_converted`` (every site uses all levers: AI-driven production) and
        ``companies`` (named anchor companies in the firm base).
    """
    f = firms[firms["case"] == "scenario"] if "case" in firms else firms
    company = named.set_index("firm_id")["name"].map(company_name)
    n_levers = len(LEVER_ORDER)
    rows = []
    for year, g in f.groupby("year"):
        used = g.set_index("firm_id")["levers_used"]
        anchors = used.reindex(company.index).fillna(0)
        by_company = anchors.groupby(company)
        rows.append(
            {
                "year": int(year),
                "firms_using_ai": int((used > 0).sum()),
                "firms": len(used),
                "companies_adopting": int((by_company.max() > 0).sum()),
                "companies_converted": int((by_company.min() >= n_levers).sum()),
                "companies": int(company.nunique()),
            }
        )
    return pd.DataFrame(rows)


def plan_figure(
    uses: Mapping[str, pd.DataFrame],
    plan: AxPlan,
    labels: Mapping[str, str] | None = None,
    colours: Mapping[str, str] | None = None,
) -> go.Figure:
    """Two panels: anchor companies converted (and adopting) against the plan's target, and
    firms using AI levers, per scenario and year.

    Parameters
    ----------
    uses
        :func:`ai_use_by_year` per scenario name, in legend order.
    plan
        The AX plan (its ``anchor_firms`` target is marked).
    labels, colours
        Display label and colour per scenario.
    """
    names = list(uses)
    labels = dict(labels or {})
    colours = dict(colours or scenario_colours(names))
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.12,
        subplot_titles=(
            "Anchor companies in AI-driven production",
            "Firms using at least one AI lever",
        ),
    )
    for name in names:
        u = uses[name]
        colour, label = colours.get(name, "#333333"), labels.get(name, name)
        fig.add_trace(
            go.Scatter(
                x=u["year"],
                y=u["companies_converted"],
                mode="lines+markers",
                line={"color": colour, "width": 3},
                marker={"size": 9},
                name=f"{label}: all five levers",
                legendgroup=name,
                hovertemplate=f"{label}<br>%{{x}}: %{{y}} companies with all levers<extra></extra>",
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=u["year"],
                y=u["companies_adopting"],
                mode="lines",
                line={"color": colour, "width": 2, "dash": "dot"},
                name=f"{label}: at least one lever",
                legendgroup=name,
                hovertemplate=f"{label}<br>%{{x}}: %{{y}} companies with a lever<extra></extra>",
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=u["year"],
                y=u["firms_using_ai"],
                mode="lines+markers",
                line={"color": colour, "width": 3},
                marker={"size": 9},
                name=label,
                legendgroup=name,
                showlegend=False,
                hovertemplate=f"{label}<br>%{{x}}: %{{y:,}} firms<extra></extra>",
            ),
            row=1,
            col=2,
        )
    target = plan.target("anchor_firms")
    if target is not None and target.value is not None:
        fig.add_trace(
            go.Scatter(
                x=[target.year],
                y=[target.value],
                mode="markers+text",
                marker={"symbol": "star", "size": 20, "color": "#E69F00", "line": {"width": 1}},
                text=[f"plan: {target.value:g} by {target.year}"],
                textposition="top left",
                textfont={"size": _TICK_FONT_SIZE},
                name=f"Plan target ({target.status})",
                hovertemplate=f"{target.label}: %{{y:g}} by %{{x}}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    fig.update_xaxes(title_text="Year", dtick=1)
    top = max(
        [target.value if target and target.value else 0.0]
        + [float(u["companies_adopting"].max()) for u in uses.values() if len(u)]
    )
    fig.update_yaxes(
        title_text="Companies (of the named anchors)", range=[0, 1.25 * top + 0.5], col=1
    )
    fig.update_yaxes(title_text="Firms (of the synthetic firm base)", rangemode="tozero", col=2)
    fig.update_layout(
        font={"size": CHART_FONT_SIZE},
        height=470,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        hoverlabel={"font_size": CHART_FONT_SIZE},
        legend={"orientation": "h", "y": -0.22, "font": {"size": _TICK_FONT_SIZE}},
        plot_bgcolor="white",
    )
    fig.update_annotations(font_size=CHART_FONT_SIZE + 1)
    axis = {
        "tickfont": {"size": _TICK_FONT_SIZE},
        "title_font": {"size": CHART_FONT_SIZE},
        "gridcolor": "#e5e5e5",
        "automargin": True,
    }
    fig.update_xaxes(**axis)
    fig.update_yaxes(**axis)
    return fig


def plan_table(plan: AxPlan, use: pd.DataFrame | None, scenario: Scenario | None) -> pd.DataFrame:
    """The plan's targets beside what the scenario shows in the target year.

    ``use`` is the scenario's :func:`ai_use_by_year`; ``scenario`` gives the values it assumes
    (data cluster GPUs, the ecosystem paths it carries without modelling them).
    """
    rows = []
    for t in plan.targets:
        shown = _scenario_value(t, use, scenario)
        rows.append(
            {
                "Target": t.label,
                "Plan": (f"{t.value:,.0f} " if t.value is not None else "") + t.unit,
                "By": t.year,
                "In this scenario": shown,
                "How the model treats it": REPRESENTED[t.represented],
                "Note": t.model,
                "Source": t.source,
                "Status": t.status,
            }
        )
    return pd.DataFrame(rows)


def _scenario_value(t: Target, use: pd.DataFrame | None, scenario: Scenario | None) -> str:
    if t.key == "anchor_firms" and use is not None and len(use):
        at = use[use["year"] == t.year]
        row = at.iloc[0] if len(at) else use.iloc[-1]
        return (
            f"{row['companies_converted']} of {row['companies']} named anchor companies with all "
            f"five levers ({row['companies_adopting']} with at least one) in {row['year']}"
        )
    if scenario is None:
        return "—"
    if t.key == "data_cluster":
        if scenario.compute is None:
            return "no data cluster"
        gpus = interpolate_years(scenario.compute.gpus.values, t.year)
        return f"{gpus:,.0f} GPUs assumed in {t.year} ({scenario.compute.gpus.status})"
    if t.key in ("ai_firms", "ai_practitioners"):
        eco = scenario.ecosystem
        path = getattr(eco, t.key, None) if eco is not None else None
        if path is None:
            return "not set"
        return (
            f"{interpolate_years(path.values, t.year):,.0f} carried, not modelled ({path.status})"
        )
    return "—"


# --------------------------------------------------------------------------- status, settings


def assumption_statuses(scenario: Scenario) -> dict[str, int]:
    """How many of the scenario's stated assumptions are published, estimates or synthetic."""
    counts = dict.fromkeys(_STATUSES, 0)
    for a in scenario.assumptions.values():
        counts[a.status] = counts.get(a.status, 0) + 1
    return counts


def status_badge(status: str) -> str:
    """An HTML badge for a data status, in the colours of :data:`twin.viz.STATUS_COLOURS`
    (the same as in the deck); show it with ``unsafe_allow_html``."""
    colour = STATUS_COLOURS.get(status, "#7f7f7f")
    return (
        f'<span style="background:{colour};color:white;border-radius:0.4em;'
        f'padding:0.1em 0.5em;font-weight:600">{status}</span>'
    )


def settings_text(settings: RunSettings) -> str:
    """One line on how the results were computed."""
    reps = settings.replications
    return (
        f"{reps} replication{'s' if reps != 1 else ''} per scenario (paired: the same random "
        f"numbers in every scenario), seed {settings.seed}, each archetype simulated "
        f"{settings.days:g} days after {settings.warmup_days:g} warm-up days; intervals are "
        "95 % confidence intervals across replications."
    )
