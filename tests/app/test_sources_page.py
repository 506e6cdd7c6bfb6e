"""The Sources and assumptions page, driven headlessly with Streamlit's AppTest."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from twin.io.paths import data_dir
from twin.ui import sources_view as view


def _page() -> None:
    from twin.ui.sources_page import render

    render()


@pytest.fixture(scope="module")
def app() -> AppTest:
    at = AppTest.from_function(_page, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _count_line(at: AppTest, marker: str) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**") and marker in m.value)


def test_renders_every_table_with_counts(app: AppTest) -> None:
    assert app.title[0].value == "Sources and assumptions"
    assert [t.label for t in app.tabs] == list(view.all_tables())
    tables = view.all_tables()
    totals = {s: sum(view.status_counts(t)[s] for t in tables.values()) for s in view.STATUSES}
    metrics = {m.label: m.value for m in app.metric}
    assert metrics == {f"{s.capitalize()} rows": f"{totals[s]:,}" for s in view.STATUSES}
    assert "APPROXIMATE" in app.warning[0].value
    text = " ".join(m.value for m in app.markdown)
    assert "synthetic" in text and "representative lines" in text
    assert len(app.get("plotly_chart")) == 1


def test_all_rows_of_sources_csv_shown_then_filtered() -> None:
    at = AppTest.from_function(_page, default_timeout=60)
    at.run()
    n = sum(1 for _ in open(data_dir() / "sources.csv", encoding="utf-8")) - 1
    assert f"**{n} of {n} rows**" in _count_line(at, f"of {n} rows")
    at.multiselect(key="sources_parameter_sources_status").set_value(["synthetic"]).run()
    assert not at.exception
    synthetic = view.status_counts(view.read_sources_csv(data_dir() / "sources.csv"))["synthetic"]
    line = _count_line(at, f"of {n} rows")
    assert line.startswith(f"**{synthetic} of {n} rows**")
    at.multiselect(key="sources_parameter_sources_status").set_value([]).run()
    at.text_input(key="sources_parameter_sources_search").set_value("machining").run()
    line = _count_line(at, f"of {n} rows")
    assert not line.startswith(f"**{n} of")


def test_lever_filter_selects_one_lever() -> None:
    at = AppTest.from_function(_page, default_timeout=60)
    at.run()
    at.multiselect(key="sources_ai_levers_topic").set_value(["vision_qc"]).run()
    assert not at.exception
    n = len(view.lever_tables()["vision_qc"])
    total = sum(len(t) for t in view.lever_tables().values())
    assert _count_line(at, f"of {total} rows").startswith(f"**{n} of {total} rows**")


def test_tariff_tab_shows_rates_and_dates(app: AppTest) -> None:
    frames = [d.value for d in app.dataframe]
    rates = next(f for f in frames if "effective" in getattr(f, "columns", []))
    assert "2024-10-24" in set(rates["effective"])
