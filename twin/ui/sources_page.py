"""The Sources and assumptions page: every parameter table with its sources and status.

Layout only: the tables, counts and the chart come from :mod:`twin.ui.sources_view`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from twin.io.paths import data_dir
from twin.ui import sources_view as view
from twin.ui.editor_view import status_badge
from twin.ui.factory_view import md_escape
from twin.viz import NOTICE

__all__ = ["render"]

_WIDE = {"source": st.column_config.TextColumn("source", width="large")}


@st.cache_data(show_spinner=False)
def _tables(stamp: float) -> dict[str, pd.DataFrame]:
    del stamp  # part of the cache key: an edited data file is read again
    return view.all_tables()


def _stamp() -> float:
    """Latest modification time of the files the page reads (the cache key)."""
    paths = [
        *data_dir().rglob("*.csv"),
        *data_dir().glob("*.yaml"),
        *(data_dir() / "levers").glob("*.yaml"),
        data_dir().parent / "scenarios" / "defaults.yaml",
    ]
    return max((p.stat().st_mtime for p in paths if p.exists()), default=0.0)


def render() -> None:
    """Draw the Sources and assumptions page."""
    st.title("Sources and assumptions")
    st.markdown(
        "Every number Gumi Twin ships has a source and a status. No figure here is firm-level "
        "data from Gumi: none is public. What that means, plainly:"
    )
    for status, text in view.PLAINLY.items():
        st.markdown(f"- {status_badge(status)} {md_escape(text.split(': ', 1)[1])}")
    st.warning(NOTICE, icon=":material/map:")

    tables = _tables(_stamp())
    total = {s: sum(view.status_counts(t)[s] for t in tables.values()) for s in view.STATUSES}
    cols = st.columns([1, 1, 1, 3])
    for col, status in zip(cols, view.STATUSES, strict=False):
        col.metric(f"{status.capitalize()} rows", f"{total[status]:,}")
    with cols[3]:
        st.plotly_chart(
            view.status_figure(tables),
            width="stretch",
            config={"displaylogo": False},
            key="sources_chart",
        )
        st.caption(
            "Rows with a source in each table below (a row may hold several figures, e.g. a "
            "lever parameter's low, typical and high). Source: the shipped files themselves."
        )

    tabs = st.tabs(list(tables))
    for tab, (name, table) in zip(tabs, tables.items(), strict=True):
        with tab:
            if name == "AI levers":
                _levers(table)
            elif name == "Tariff":
                _tariff()
            elif name in ("Parameter sources", "Archetypes"):
                _csv(name, table)
            else:
                _yaml(name, table)


def _key(name: str, what: str) -> str:
    return "sources_" + name.lower().replace(" ", "_") + "_" + what


def _filters(name: str, table: pd.DataFrame, column: str, label: str) -> pd.DataFrame:
    a, b, c = st.columns([2, 3, 2])
    statuses = a.multiselect(
        "Status", list(view.STATUSES), key=_key(name, "status"), placeholder="all statuses"
    )
    options = sorted(table[column].unique()) if column in table.columns else []
    topics = b.multiselect(label, options, key=_key(name, "topic"), placeholder="all")
    text = c.text_input("Search", key=_key(name, "search"), placeholder="word in any column")
    shown = view.filter_rows(table, statuses, topics, text, column=column)
    counts = view.status_counts(shown)
    st.markdown(
        f"**{len(shown)} of {len(table)} rows** · "
        + " · ".join(f"{status_badge(s)} {counts[s]}" for s in view.STATUSES)
    )
    return shown


def _show(table: pd.DataFrame, key: str, height: Any = "auto") -> None:
    # Status before the long source text, so the coloured status is always in view.
    cols = [c for c in table.columns if c not in ("source", "note")]
    cols += [c for c in ("source", "note") if c in table.columns]
    st.dataframe(
        view.status_styler(table[cols].reset_index(drop=True)),
        hide_index=True,
        width="stretch",
        height=height,
        column_config=_WIDE,
        key=key,
    )


def _csv(name: str, table: pd.DataFrame) -> None:
    path = "data/sources.csv" if name == "Parameter sources" else "data/archetypes/sources.csv"
    st.caption(f"`{path}`: one row per figure of the shipped factory specs.")
    column = "file" if name == "Archetypes" else "topic"
    shown = _filters(name, table, column, "File" if column == "file" else "Topic")
    _show(shown, _key(name, "table"), height=520)


def _levers(table: pd.DataFrame) -> None:
    st.caption(
        "`data/levers/*.yaml`: each AI lever's effect parameters, costs, ramp-up and compute "
        "at the three presets a scenario picks from (low: average adopters, typical: competent "
        "large-firm deployments, high: Lighthouse-grade sites)."
    )
    shown = _filters("AI levers", table, "lever", "Lever")
    cols = ["lever", *[c for c in shown.columns if c != "lever"]]
    _show(shown[cols], _key("AI levers", "table"), height=520)


def _tariff() -> None:
    path = data_dir() / "tariff.yaml"
    rates, rules = view.tariff_tables(path)
    st.caption(
        "`data/tariff.yaml`: KEPCO industrial (을) high-voltage A, option II time-of-use tariff, "
        "as priced by the ROI model. Rates exclude VAT, the power-industry fund and the "
        "power-factor charge; *effective* is the date each rate took effect."
    )
    st.subheader("Rates")
    _show(rates, "sources_tariff_rates")
    st.subheader("Load periods and billing rules")
    _show(rules, "sources_tariff_rules")
    with st.expander("How the rates were reconstructed (from the file's header)"):
        st.code(view.header_comment(path), language=None)


def _yaml(name: str, table: pd.DataFrame) -> None:
    rel = view.YAML_TABLES[name]
    st.caption(f"`{rel}`: every figure with its source and status, as written in the file.")
    shown = _filters(name, table, "section", "Section") if len(table) > 12 else table
    _show(shown, _key(name, "table"), height=520 if len(shown) > 12 else "auto")
