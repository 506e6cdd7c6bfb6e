"""The Map page: the complexes, firms, substations and the Nakdong, coloured by a KPI.

Layout only: results come from :mod:`twin.ui.results` (the results store), every value,
colour, tooltip and table from :mod:`twin.ui.map_view`. The map draws no basemap tiles by
default, so it works offline; its view is fixed from the geometry's bounds and the chart has a
stable key, so a widget change recolours the map without moving it.
"""

from __future__ import annotations

import logging

import streamlit as st

from twin.core.errors import InputError
from twin.scenario_run import ScenarioResult
from twin.ui import map_view as view
from twin.ui.results import DEFAULT_SCENARIO, load_results, scenario_files, scenario_label

__all__ = ["RESULT_KEY", "render"]

log = logging.getLogger(__name__)

RESULT_KEY = "map_result"  # (scenario name, ScenarioResult) last shown
MAP_HEIGHT = 640


@st.cache_data(show_spinner=False)
def _geometry() -> view.Geometry:
    return view.load_geometry()


def render() -> None:
    """Draw the Map page."""
    st.title("Map")
    st.markdown(
        "The complexes, their firms, the substations that feed them and the Nakdong River, "
        "coloured by a KPI of a scenario in a year, as a level or as the change against the "
        "same scenario without any AI adoption. Hover over a complex, firm or substation for "
        "its figures."
    )
    try:
        geo = _geometry()
    except InputError as err:
        st.error(err.line(), icon=":material/error:")
        return

    sb = st.sidebar
    sb.header("Map")
    names = list(scenario_files())
    if not names:
        st.error("No shipped scenarios found in scenarios/.")
        return
    name = sb.selectbox(
        "Scenario",
        names,
        index=names.index(DEFAULT_SCENARIO) if DEFAULT_SCENARIO in names else 0,
        format_func=scenario_label,
        key="map_scenario",
        persist_state="session",
    )
    result = _result(str(name))
    if result is None:
        return

    kpi = sb.selectbox(
        "Colour by",
        list(view.MAP_KPIS),
        format_func=lambda k: view.MAP_KPIS[k].label,
        key="map_kpi",
        persist_state="session",
    )
    mode = sb.radio(
        "Show",
        view.MODES,
        key="map_mode",
        persist_state="session",
        help="Change vs baseline: against the same scenario with no AI adoption (paired runs).",
    )
    years = sorted(int(y) for y in result.tidy["year"].unique())
    if st.session_state.get("map_year") not in years:
        st.session_state["map_year"] = years[-1]
    year = int(
        sb.select_slider("Year", years, key="map_year", help="Projection year (end of the year).")
    )
    size_by = sb.radio(
        "Firm point size",
        list(view.SIZE_BY),
        format_func=view.SIZE_BY.get,
        key="map_size",
        horizontal=True,
        persist_state="session",
    )
    show_firms = sb.toggle("Firms", value=True, key="map_show_firms", persist_state="session")
    show_subs = sb.toggle(
        "Substations", value=True, key="map_show_substations", persist_state="session"
    )
    basemap = sb.toggle(
        "Street basemap (needs internet)",
        value=False,
        key="map_basemap",
        persist_state="session",
        help="Carto's light basemap under the layers. Off by default: the map then needs "
        "no network; with it on and no network, the layers still draw.",
    )
    try:
        _show(result, geo, kpi, mode, year, size_by, show_firms, show_subs, basemap)
    except InputError as err:
        st.error(err.line(), icon=":material/error:")
    except Exception as exc:  # last resort: a message, never a traceback, on the page
        log.exception("map page failed for %s", name)
        st.error(
            f"The map could not be drawn ({type(exc).__name__}: {exc}). Details are in the "
            "server log.",
            icon=":material/error:",
        )


def _result(name: str) -> ScenarioResult | None:
    """The scenario's result (kept in the session, so a failed load shows the last one)."""
    results = load_results([name])
    if results:
        st.session_state[RESULT_KEY] = (name, results[0])
        return results[0]
    last = st.session_state.get(RESULT_KEY)
    if last is None:
        return None
    st.caption(f"Showing the last result that loaded: {scenario_label(last[0])}.")
    return last[1]


def _show(
    result: ScenarioResult,
    geo: view.Geometry,
    kpi: str,
    mode: str,
    year: int,
    size_by: str,
    show_firms: bool,
    show_subs: bool,
    basemap: bool,
) -> None:
    spec = view.MAP_KPIS[kpi]
    complexes = view.complex_values(result, geo, kpi, year)
    firms = view.firm_values(result, geo, kpi, year)
    subs = view.substation_display(result, geo, year)
    necks = view.bottleneck_display(result, geo, year)
    cscale, fscale = view.scales(complexes, firms, spec, mode)

    label = scenario_label(result.scenario.name)
    st.subheader(f"{spec.label}, {year}: {label}" + (" vs baseline" if mode == view.CHANGE else ""))
    st.warning(view.NOTICE, icon=":material/map:")
    deck = view.deck(
        geo,
        complexes,
        firms if show_firms else None,
        subs.dropna(subset=["lon", "lat"]) if show_subs else None,
        necks,
        spec,
        year,
        mode,
        cscale,
        fscale,
        size_by=size_by,
        basemap=basemap,
    )
    st.pydeck_chart(
        deck,
        height=MAP_HEIGHT,
        key="map_deck",
        alt="Map of the Gumi complexes coloured by the chosen KPI, with firms and substations",
    )
    left, mid, right = st.columns(3, gap="large")
    for col, legend in zip((left, mid), view.legends(spec, mode, cscale, fscale), strict=True):
        col.html(legend.html())
    right.html(view.load_legend_html())
    reps = result.settings.replications
    st.caption(view.map_caption(spec, mode, size_by, year, reps))
    st.html(view.status_badges(view.map_status(geo, result)))

    st.subheader(f"Supply bottlenecks, {year}")
    if necks.empty:
        st.info(
            f"No supply bottlenecks in {year}: no firm's growth was held back by a supplier "
            "short of capacity in this scenario.",
            icon=":material/check_circle:",
        )
    else:
        st.markdown(
            "Suppliers whose spare capacity ran out first, ringed in red on the map with their "
            "rank (by the customers' output they held back)."
        )
        _table(view.bottleneck_table_view(necks))

    st.subheader(f"Complexes, {year}")
    _table(view.complex_table(complexes, spec, year))
    st.caption(view.complex_caption(spec, reps))

    st.subheader(f"Substations: sum of peaks vs capacity, {year}")
    _table(view.substation_table_view(subs))
    st.caption(view.SUBSTATION_CAPTION)


def _table(table: object) -> None:
    formats = view.number_formats(table)  # type: ignore[arg-type]
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={c: st.column_config.NumberColumn(format=f) for c, f in formats.items()},
    )
