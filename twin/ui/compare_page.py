"""The Compare page: two to four scenarios side by side, the lever waterfall, the assumptions.

Layout only: results come from :mod:`twin.ui.results`; differences, waterfalls and the
assumptions that differ from :mod:`twin.compare`; tables and figures from
:mod:`twin.ui.compare_view`. Waterfalls (projections for lever subsets, seconds when the
scenario's runs are stored) are kept in memory per scenario and run settings.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import astuple
from typing import Any

import pandas as pd
import streamlit as st

from twin.build import load_archetypes
from twin.compare import differing_assumptions, paired_differences, waterfall
from twin.config.loader import canonical_json
from twin.config.scenario import Scenario
from twin.core.errors import InputError
from twin.projection import RunSettings
from twin.scenario_run import ScenarioResult, run_units_count
from twin.ui import compare_view as view
from twin.ui.export import export_panel
from twin.ui.factory_view import md_escape, stored
from twin.ui.results import Progress, load_results, scenario_files, scenario_label
from twin.viz import KPIS

__all__ = ["DEFAULT_SCENARIOS", "LAST_KEY", "render"]

log = logging.getLogger(__name__)

DEFAULT_SCENARIOS = ("baseline", "gumi-ax-2032", "conservative")
LAST_KEY = "compare_last"
CHANGES = "Change vs the first scenario"
TOTALS = "Totals"
_WATERFALL_MEMO = 16


@st.cache_data(max_entries=16, show_spinner=False)
def _differences(key: tuple[Any, ...], _results: list[ScenarioResult]) -> pd.DataFrame:
    """Paired differences vs the first scenario (``key``: scenarios and settings)."""
    del key
    return paired_differences(_results)


@st.cache_data(max_entries=16, show_spinner=False)
def _assumptions(key: tuple[str, ...], _scenarios: list[Scenario]) -> pd.DataFrame:
    del key
    return differing_assumptions(_scenarios)


@st.cache_resource(show_spinner=False)
def _waterfall_memo() -> OrderedDict[tuple[Any, ...], pd.DataFrame]:
    """Finished waterfalls held by this server process (shared by sessions)."""
    return OrderedDict()


def _waterfall(spec: Scenario, settings: RunSettings) -> pd.DataFrame:
    """The scenario's lever waterfall for every KPI (from memory, else computed with a bar)."""
    key = (canonical_json(spec), astuple(settings))
    memo = _waterfall_memo()
    if key in memo:
        memo.move_to_end(key)
        return memo[key]
    bar = Progress(
        run_units_count(spec, len(load_archetypes())),
        f"Lever waterfall of '{spec.name}' (reading its stored runs)",
    )
    try:
        # Also on disk (keyed with the data and the model code): a restarted server shows
        # a known waterfall at once.
        wf = stored(
            "waterfall",
            [key[0], *key[1], *KPIS],
            lambda: waterfall(spec, settings, kpis=tuple(KPIS), progress=bar),
        )
    finally:
        bar.close()
    memo[key] = wf
    while len(memo) > _WATERFALL_MEMO:
        memo.popitem(last=False)
    return wf


def render() -> None:
    """Draw the Compare page."""
    st.title("Compare scenarios")
    st.markdown(
        "Two to four scenarios side by side. Changes are measured against the **first** "
        "scenario chosen, replication by replication (all share their random numbers), with "
        "95 % intervals."
    )
    files = list(scenario_files())
    default = [n for n in DEFAULT_SCENARIOS if n in files]
    names = st.multiselect(
        "Scenarios (the first is the reference)",
        files,
        default=default,
        max_selections=4,
        format_func=scenario_label,
        key="compare_scenarios",
    )
    if len(names) < 2:
        st.info("Choose at least two scenarios to compare.")
        return
    results = load_results(names)
    if results is None:
        last = st.session_state.get(LAST_KEY)
        if last is None:
            return
        st.caption("The comparison below is the last one that loaded.")
        results = last
    else:
        st.session_state[LAST_KEY] = results
    _show(results)
    export_panel([r.scenario.name for r in results], "compare")


def _show(results: list[ScenarioResult]) -> None:
    names = [r.scenario.name for r in results]
    labels = {n: scenario_label(n) for n in names}
    colours = view.scenario_colours(names)
    settings = results[0].settings
    key = (*(canonical_json(r.scenario) for r in results), astuple(settings))
    diffs = _differences(key, results)
    years = sorted(diffs["year"].unique().tolist())

    left, right = st.columns([2, 1])
    kpi = left.selectbox("KPI", list(KPIS), format_func=lambda k: KPIS[k].label, key="compare_kpi")
    year = right.select_slider("Year", years, value=years[-1], key="compare_year")

    st.subheader(f"{KPIS[kpi].label} by scenario", divider="gray")
    mode = st.radio(
        "Lines show",
        [CHANGES, TOTALS],
        horizontal=True,
        key="compare_lines_mode",
        help="Totals of close scenarios lie on top of each other; their paired changes do not.",
    )
    change = mode != TOTALS
    a, b = st.columns([3, 2])
    with a:
        title = f"{KPIS[kpi].label}: change vs {labels[names[0]]}" if change else None
        st.plotly_chart(
            view.kpi_lines_figure(
                diffs, kpi, names[1:] if change else names, labels, colours, title, change=change
            ),
            width="stretch",
            config={"displaylogo": False},
            key="compare_lines",
        )
    with b:
        st.plotly_chart(
            view.difference_bars_figure(diffs, kpi, int(year), names, labels, colours),
            width="stretch",
            config={"displaylogo": False},
            key="compare_bars",
        )
    st.caption(
        f"Lines: mean across {settings.replications} replications with 95 % confidence bands "
        "(changes: paired, replication by replication). "
        f"Bars: the paired change against {labels[names[0]]} in {year}, with its 95 % "
        "interval. Simulated by Gumi Twin on a synthetic firm base calibrated to published "
        "2023 totals; scenario assumptions are estimates (table below)."
    )
    table = view.differences_table(diffs, names, labels)
    shown = table[(table["KPI"] == KPIS[kpi].label) & (table["Year"] == int(year))]
    st.dataframe(shown, hide_index=True, width="stretch")
    st.download_button(
        "Download all differences (CSV)",
        view.differences_csv(diffs, names),
        file_name="gumi-twin-differences-" + "-vs-".join(names[1:]) + f"-vs-{names[0]}.csv",
        mime="text/csv",
        on_click="ignore",
        key="compare_download",
        icon=":material/download:",
    )
    _waterfall_section(results, labels, kpi, int(year))
    _assumptions_section(results, labels)


def _waterfall_section(
    results: list[ScenarioResult], labels: dict[str, str], kpi: str, year: int
) -> None:
    st.subheader("Where the change comes from: the lever waterfall", divider="gray")
    with_levers = [r for r in results if r.scenario.levers.active()]
    if not with_levers:
        st.info("None of these scenarios adopts an AI lever: there is no waterfall to show.")
        return
    by_name = {r.scenario.name: r for r in with_levers}
    choice = st.selectbox(
        "Scenario",
        list(by_name),
        index=1 if len(by_name) > 1 and results[0].scenario.name in by_name else 0,
        format_func=lambda n: labels.get(n, n),
        key="compare_waterfall_scenario",
    )
    res = by_name[choice]
    try:
        wf = _waterfall(res.scenario, res.settings)
    except InputError as err:
        st.error(md_escape(err.line()))
        return
    except Exception as exc:  # a message, never a traceback, on the page
        log.exception("waterfall failed for %s", choice)
        st.error(
            md_escape(f"The waterfall of {choice} failed ({type(exc).__name__}: {exc}).")
            + " Details are in the server log."
        )
        return
    st.plotly_chart(
        view.waterfall_figure(wf, kpi, year, labels.get(choice, choice)),
        width="stretch",
        config={"displaylogo": False},
        key="compare_waterfall",
    )
    st.dataframe(view.waterfall_table(wf, kpi, year), hide_index=True, width="stretch")
    st.caption(
        "The scenario's change against the same complex with no new AI, split into steps: "
        "first the changes that are not levers (the AI data cluster's electricity), then each "
        "lever switched on in a fixed order (spec-changing levers first), each step the paired "
        "change it adds. The steps add up to the total; where levers interact, a step's size "
        "depends on the order."
    )


def _assumptions_section(results: list[ScenarioResult], labels: dict[str, str]) -> None:
    st.subheader("Assumptions that differ", divider="gray")
    scenarios = [r.scenario for r in results]
    raw = _assumptions(tuple(canonical_json(s) for s in scenarios), scenarios)
    sources = st.toggle("Show sources and statuses", value=False, key="compare_sources")
    table = view.assumptions_table(raw, labels, with_sources=sources)
    if table.empty:
        st.info("These scenarios state the same settings.")
        return
    st.dataframe(table, hide_index=True, width="stretch", height=min(35 * len(table) + 40, 600))
    hidden = len(view.assumptions_table(raw, labels, with_sources=True)) - len(table)
    note = f" {hidden} rows on sources and statuses are hidden." if hidden and not sources else ""
    st.caption(
        "Every scenario setting whose value differs between the scenarios (names and "
        f"descriptions left out); '—' means the scenario does not set it.{note}"
    )
