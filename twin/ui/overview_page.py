"""The Overview page (landing page): one AX scenario against a comparison, 2025-2032.

Layout only: results come from :mod:`twin.ui.results` (the results store), the paired
differences from :func:`twin.compare.paired_differences`, and every card text, table and
figure from :mod:`twin.ui.overview_view` and :mod:`twin.ui.compare_view`. Derived tables are
cached per scenario pair and run settings, so a stored pair shows in a second or two.
"""

from __future__ import annotations

from dataclasses import astuple
from typing import Any

import pandas as pd
import streamlit as st

from twin.compare import paired_differences
from twin.config.loader import canonical_json
from twin.core.errors import InputError
from twin.io.geo import read_layer
from twin.scenario_run import ScenarioResult
from twin.ui import compare_view as cview
from twin.ui import overview_view as view
from twin.ui.export import export_panel
from twin.ui.factory_view import md_escape
from twin.ui.results import (
    DEFAULT_COMPARISON,
    DEFAULT_SCENARIO,
    load_results,
    scenario_files,
    scenario_label,
)
from twin.viz import KPIS

__all__ = ["LAST_KEY", "render"]

#: Card names that must fit a fifth of the page (the full label is in the card's help).
_SHORT = {"productivity_mkrw": "Productivity"}

LAST_KEY = "overview_last"


@st.cache_data(max_entries=16, show_spinner=False)
def _derived(
    key: tuple[Any, ...], _results: list[ScenarioResult], _named: pd.DataFrame
) -> dict[str, Any]:
    """Paired differences and AI use per scenario (``key``: scenarios and settings)."""
    del key  # the cache key; the results themselves are not hashed
    return {
        "diffs": paired_differences(_results),
        "uses": {r.scenario.name: view.ai_use_by_year(r.firms, _named) for r in _results},
    }


@st.cache_data(show_spinner=False)
def _named_firms() -> pd.DataFrame:
    """The named anchor sites of the firm base (``firm_id``, ``name``)."""
    firms = read_layer("firms")
    named = firms[~firms["synthetic"].astype(bool)]
    return pd.DataFrame(named[["firm_id", "name"]]).reset_index(drop=True)


@st.cache_data(show_spinner=False)
def _plan() -> view.AxPlan:
    return view.load_ax_plan()


def render() -> None:
    """Draw the Overview page."""
    st.title("Gumi Twin: AI transformation of the Gumi National Industrial Complex")
    st.markdown(
        "What would the city's AX plan change by 2032? Pick a scenario and what to compare it "
        "with; every change below is paired (both scenarios share their random numbers) and "
        "shown with its 95 % interval."
    )
    names = list(scenario_files())
    if not names:
        st.error("No scenario files found in scenarios/.")
        return
    left, right = st.columns(2)
    scenario = left.selectbox(
        "Scenario",
        names,
        index=names.index(DEFAULT_SCENARIO) if DEFAULT_SCENARIO in names else 0,
        format_func=scenario_label,
        key="overview_scenario",
    )
    comparison = right.selectbox(
        "Compared with",
        names,
        index=names.index(DEFAULT_COMPARISON) if DEFAULT_COMPARISON in names else 0,
        format_func=scenario_label,
        key="overview_comparison",
    )
    results = load_results([comparison, scenario])
    shown = _prepare(results)
    if shown is None:
        shown = st.session_state.get(LAST_KEY)
        if shown is None:
            return
        st.caption("The figures below are the last pair that loaded.")
    else:
        st.session_state[LAST_KEY] = shown
    _show(shown)
    export_panel(list(dict.fromkeys([comparison, scenario])), "overview")


def _prepare(results: list[ScenarioResult] | None) -> dict[str, Any] | None:
    if results is None:
        return None
    try:
        named, plan = _named_firms(), _plan()
    except InputError as err:
        st.error(md_escape(err.line()))
        return None
    comp, scen = results
    key = (
        canonical_json(comp.scenario),
        canonical_json(scen.scenario),
        astuple(scen.settings),
    )
    derived = _derived(key, results, named)
    return {
        "scenario": scen.scenario,
        "comparison": comp.scenario,
        "settings": scen.settings,
        "labels": {
            comp.scenario.name: scenario_label(comp.scenario.name),
            scen.scenario.name: scenario_label(scen.scenario.name),
        },
        "plan": plan,
        **derived,
    }


def _show(s: dict[str, Any]) -> None:
    scen, comp = s["scenario"], s["comparison"]
    names = list(dict.fromkeys([comp.name, scen.name]))
    labels = s["labels"]
    diffs: pd.DataFrame = s["diffs"]
    years = sorted(diffs["year"].unique().tolist())
    colours = {comp.name: cview.scenario_colours([scen.name, comp.name])[comp.name]}
    colours[scen.name] = cview.scenario_colours([scen.name])[scen.name]
    st.markdown(f"**{md_escape(labels[scen.name])}**: {md_escape(scen.description)}")
    if scen.name == comp.name:
        st.info("The scenario is compared with itself: every change is zero. Pick another.")

    year = years[-1]
    if len(years) > 1:
        year = st.select_slider("Year of the cards", years, value=years[-1], key="overview_year")
    st.subheader(f"{year}: {labels[scen.name]} against {labels[comp.name]}", divider="gray")
    cards = view.headline_cards(diffs, scen.name, int(year))
    for col, card in zip(st.columns(len(cards)), cards, strict=True):
        with col.container(border=True):
            st.metric(
                # the short name and the unit; the full label is in the help
                f"{_SHORT.get(card.kpi, card.label.split(' (')[0])}, {KPIS[card.kpi].unit}",
                card.value,
                card.delta or None,
                delta_color=card.delta_color,
                help=f"{card.label}, {year}; the change is the paired mean difference "
                f"from {labels[comp.name]}.",
            )
            st.caption(card.interval)

    st.subheader("Year by year, 2025-2032", divider="gray")
    kpi = st.segmented_control(
        "KPI",
        list(KPIS),
        default="output_krw",
        format_func=lambda k: KPIS[k].label,
        key="overview_kpi",
    )
    kpi = kpi or "output_krw"
    level, change = st.columns(2)
    level.plotly_chart(
        cview.kpi_lines_figure(diffs, kpi, names, labels, colours),
        width="stretch",
        config={"displaylogo": False},
        key="overview_lines",
    )
    k = KPIS[kpi]
    change.plotly_chart(
        cview.kpi_lines_figure(
            diffs,
            kpi,
            names[1:] or names,
            labels,
            colours,
            title=f"{k.label}: change vs {labels[comp.name]}",
            change=True,
        ),
        width="stretch",
        config={"displaylogo": False},
        key="overview_change",
    )
    st.caption(
        "Left: each scenario's total, mean across replications, with the 95 % confidence "
        "band of each year's total. Right: the paired change (replication by replication) "
        "with its 95 % interval. The totals' bands overlap because both scenarios share the "
        "same simulated randomness; the paired change removes it and is far tighter. "
        "Simulated by Gumi Twin on a synthetic firm base calibrated to published 2023 totals "
        "(KICOX); scenario assumptions are estimates (see the status below)."
    )
    _plan_section(s, names, labels, colours)
    _status_section(s)


def _plan_section(
    s: dict[str, Any], names: list[str], labels: dict[str, str], colours: dict[str, str]
) -> None:
    plan: view.AxPlan = s["plan"]
    scen = s["scenario"]
    st.subheader("The AX plan's targets beside the model", divider="gray")
    st.markdown(
        f"**{md_escape(plan.plan)}**, proclaimed {plan.proclaimed}: by 2032 ten anchor "
        "companies converted to AI-driven production, 100 AI companies, 1,000 AI "
        "practitioners and a manufacturing AI data cluster. The model represents the anchor "
        "companies (which ones, and when, are estimates: the plan names none) and the data "
        "cluster's electricity (its size is an estimate). **It does not model the 100 AI "
        "companies or the 1,000 practitioners**: they change no result."
    )
    uses = {n: s["uses"][n] for n in names}
    st.plotly_chart(
        view.plan_figure(uses, plan, labels, colours),
        width="stretch",
        config={"displaylogo": False},
        key="overview_plan",
    )
    st.caption(
        "Left: the ten named anchor companies of the firm base (Samsung's two Gumi plants count "
        "as one) using all five AI levers (solid) or at least one (dotted); the star is the "
        f"plan's target (published; {md_escape(plan.source)}). Right: firms of the synthetic "
        "firm base (2,151 firms) with at least one AI lever adopted after 2023. Counts are the "
        "same in every replication (adoption depends on the scenario's seed only)."
    )
    table = view.plan_table(plan, s["uses"][scen.name], scen)
    # A static table: every word visible (it is read aloud in meetings, not sorted).
    st.table(
        table[["Target", "Plan", "By", "In this scenario", "How the model treats it", "Status"]],
        hide_index=True,
    )
    with st.expander("How the model treats each target, and the sources"):
        st.markdown(
            "\n".join(
                f"- **{md_escape(r.Target)}**: {md_escape(r.Note)} *Source: "
                f"{md_escape(r.Source)} ({r.Status}).*"
                for r in table.itertuples()
            )
        )


def _status_section(s: dict[str, Any]) -> None:
    scen, comp = s["scenario"], s["comparison"]
    st.subheader("Data status and run settings", divider="gray")
    badge = view.status_badge
    lines = [
        f"{badge('synthetic')} **Firms**: the 2,151 firms are generated to match published "
        "December 2023 totals (firms, employees, production, exports); the ten named anchor "
        "companies carry real names but estimated sizes and approximate sites.",
        f"{badge('published')} **Complex totals for 2023**, the AX plan's targets and the "
        "substation capacity total are published figures.",
        f"{badge('estimate')} **Lever effects, adoption curves, anchor years and the data "
        "cluster** are estimates from published ranges (see the Sources page).",
    ]
    for sc in (scen, comp) if scen.name != comp.name else (scen,):
        counts = view.assumption_statuses(sc)
        stated = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
        lines.append(
            f"**{md_escape(sc.name)}** states {len(sc.assumptions)} assumptions: {stated}."
        )
    st.markdown("\n\n".join(lines), unsafe_allow_html=True)
    st.caption(view.settings_text(s["settings"]))
