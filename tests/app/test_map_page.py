"""The Map page in Streamlit's AppTest, on a small made-up result with known figures.

The page's results layer (``load_results``) is replaced by the made-up result of the map
helpers' unit tests (every second firm adopts two levers and gains 5 % output; two supply
bottlenecks in 2032; S3 loaded to 120 %), so the tests take seconds; one slow test runs the
page on the real stored results.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import twin.ui.map_page as page
from twin.ui import map_view as view


def _builder():
    # The made-up result lives with the helpers' unit tests; load it from there rather than
    # keep two copies in step.
    path = Path(__file__).resolve().parents[1] / "unit" / "test_map_view.py"
    spec = importlib.util.spec_from_file_location("_map_view_fixture", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.fake_result


@pytest.fixture(scope="module")
def results() -> dict:
    geo = view.load_geometry()
    build = _builder()
    return {n: build(geo, n) for n in ("gumi-ax-2032", "baseline")}


@pytest.fixture
def fake(monkeypatch, results):
    calls = []

    def load(names):
        calls.append(list(names))
        return [results.get(n, results["gumi-ax-2032"]) for n in names]

    monkeypatch.setattr(page, "load_results", load)
    return calls


def _script() -> None:
    from twin.ui.map_page import render

    render()


def _app() -> AppTest:
    at = AppTest.from_function(_script, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _deck(at: AppTest) -> dict:
    charts = at.get("deck_gl_json_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.json)


def _layer(spec: dict, layer_id: str) -> dict | None:
    return next((layer for layer in spec["layers"] if layer["id"] == layer_id), None)


def _html(at: AppTest) -> str:
    return "\n".join(h.proto.body for h in at.get("html"))


def test_map_renders_offline_with_every_layer(fake) -> None:
    at = _app()
    assert not at.error
    assert fake == [["gumi-ax-2032"]]
    spec = _deck(at)
    assert spec.get("mapStyle", "__MAP_STYLE__") == "__MAP_STYLE__"  # no basemap fetched
    firms = _layer(spec, "firms")
    assert firms is not None and len(firms["data"]) == 2151
    assert len(_layer(spec, "complexes")["data"]) >= 6
    assert _layer(spec, "river") is not None
    assert len(_layer(spec, "substation-load")["data"]) == 6  # 154kV-direct has no site
    assert [r["label"] for r in _layer(spec, "bottlenecks")["data"]] == ["1", "2"]
    assert "APPROXIMATE" in at.warning[0].value and "SYNTHETIC" in at.warning[0].value
    assert at.subheader[0].value.startswith("Production, 2032")
    tables = [d.value for d in at.dataframe]
    necks, complexes, subs = tables
    assert list(necks["Firm id"]) == ["F0020", "F0010"]
    assert len(complexes) == 6 and "Production 2032 (tn KRW)" in complexes
    s3 = subs.loc[subs["Substation"] == "S3"].iloc[0]
    assert s3["Load share (%)"] > 100 and s3["Band"] == "above 100 %"
    legends = _html(at)
    assert "tn KRW" in legends and "log scale" in legends and "above 100 %" in legends
    assert "synthetic" in legends  # the data status badges


def test_controls_recolour_the_map_without_moving_it(fake) -> None:
    at = _app()
    first = _deck(at)

    at.selectbox(key="map_kpi").set_value("co2_t").run()
    co2 = _deck(at)
    assert co2["initialViewState"] == first["initialViewState"]
    assert "kt" in _layer(co2, "complexes")["data"][0]["body"]
    assert " t" in _layer(co2, "firms")["data"][0]["body"]
    assert "CO2 2032 (kt)" in at.dataframe[1].value
    fills = {tuple(r["fill"]) for r in _layer(first, "complexes")["data"]}
    assert fills != {tuple(r["fill"]) for r in _layer(co2, "complexes")["data"]}

    at.radio(key="map_mode").set_value(view.CHANGE).run()
    assert "% vs baseline" in _html(at)
    assert "vs baseline" in at.subheader[0].value
    assert _deck(at)["initialViewState"] == first["initialViewState"]

    at.select_slider(key="map_year").set_value(2031).run()
    assert at.subheader[0].value.startswith("CO2, 2031")
    assert any("No supply bottlenecks in 2031" in i.value for i in at.info)
    assert _layer(_deck(at), "bottlenecks") is None

    at.toggle(key="map_show_firms").set_value(False).run()
    at.toggle(key="map_show_substations").set_value(False).run()
    ids = {layer["id"] for layer in _deck(at)["layers"]}
    assert "firms" not in ids and "substation-load" not in ids and "complexes" in ids
    assert not at.exception


def test_firm_size_follows_the_choice(fake) -> None:
    at = _app()
    by_staff = {r["title"]: r["radius"] for r in _layer(_deck(at), "firms")["data"]}
    at.radio(key="map_size").set_value("output_krw").run()
    by_output = {r["title"]: r["radius"] for r in _layer(_deck(at), "firms")["data"]}
    assert by_staff.keys() == by_output.keys() and by_staff != by_output


def test_scenario_choice_loads_that_scenario(fake) -> None:
    at = _app()
    at.selectbox(key="map_scenario").set_value("baseline").run()
    assert fake[-1] == ["baseline"]
    assert not at.exception


def test_a_failed_load_keeps_the_last_map(fake, monkeypatch) -> None:
    at = _app()
    monkeypatch.setattr(page, "load_results", lambda names: None)
    at.selectbox(key="map_scenario").set_value("baseline").run()
    assert not at.exception
    assert any("last result that loaded" in c.value for c in at.caption)
    assert _layer(_deck(at), "complexes") is not None


@pytest.mark.slow
def test_map_on_the_stored_results() -> None:
    """The real page on the shipped scenario (from the results store; computed if absent)."""
    at = AppTest.from_function(_script, default_timeout=900)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error
    spec = _deck(at)
    assert len(_layer(spec, "firms")["data"]) == 2151
    assert len(at.dataframe) >= 2
