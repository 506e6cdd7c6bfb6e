"""The Factory page, driven headlessly with Streamlit's AppTest, and its helpers in twin.ui
(more helper tests: tests/unit/test_factory_view.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from twin.config import load_factory_spec
from twin.io.paths import factory_specs
from twin.ui import factory_view as view
from twin.ui.factory_page import UPLOAD

HEADLINE_LABELS = ["Throughput", "OEE", "Lead time", "Energy per unit", "Peak 15-min load"]


def _page() -> None:
    from twin.ui.factory_page import render

    render()


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The page after its first load (the default factory is run on page load), with the
    page's results store in a fresh folder."""
    monkeypatch.setenv("GUMI_TWIN_CACHE", str(tmp_path))
    at = AppTest.from_function(_page, default_timeout=60)
    at.run()
    return at


def _assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _small_settings(at: AppTest, *, days: int = 2, replications: int = 2) -> None:
    at.number_input(key="factory_days").set_value(days)
    at.number_input(key="factory_warmup_days").set_value(1)
    at.number_input(key="factory_replications").set_value(replications)


def _run(at: AppTest) -> AppTest:
    return at.button(key="factory_run").click().run()


def _headers(at: AppTest) -> list[str]:
    return [h.value for h in at.header]


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


# --------------------------------------------------------------------------- the page


def test_default_factory_renders_kpis_without_clicking(app: AppTest) -> None:
    _assert_clean(app)
    assert not app.error
    assert app.title[0].value == "Factory"
    assert app.selectbox(key="factory_name").value == "smt-line"
    assert [app.number_input(key=f"factory_{k}").value for k in ("days", "warmup_days")] == [7, 1]
    assert app.number_input(key="factory_replications").value == 5
    assert app.number_input(key="factory_seed").value == 1
    assert "Results: smt-line" in _headers(app)

    assert [m.label for m in app.metric] == HEADLINE_LABELS
    values = [m.value for m in app.metric]
    assert all(v and v != "—" for v in values), values
    assert values[0].endswith("/h") and values[1].endswith("%")
    assert _markdown(app).count("(95 % CI)") == 5

    status = " ".join(w.value for w in app.warning)
    assert "Data status: estimate" in status
    assert "not data from a real firm" in status

    stations = app.dataframe[0].value
    assert list(stations["Station"]) == ["printer", "placement", "reflow", "aoi", "rework"]
    assert (stations["Bottleneck"] == view.BOTTLENECK_MARK).sum() == 1
    assert "Bottleneck: **" in _markdown(app)

    kpis = app.table[0].value
    assert {"Throughput", "OEE", "Good units", "Scrap"} <= set(kpis["KPI"])
    # station time, energy flow, energy by state and load profile; lever effects on demand
    assert len(app.get("plotly_chart")) == 4
    assert app.button(key="factory_levers_run").label == "Measure lever effects"
    assert "Effect of each lever on this line" in [h.value for h in app.subheader]


def test_changing_factory_and_running_changes_output(app: AppTest) -> None:
    before = app.metric[0].value
    _small_settings(app)
    app.selectbox(key="factory_name").set_value("machining-shop")
    _run(app)
    _assert_clean(app)
    assert not app.error
    assert "Results: machining-shop" in _headers(app)
    assert app.metric[0].value != before
    caption = app.caption[0].value
    assert "2 measured days after 1 warm-up days" in caption
    assert "2 replications" in caption
    assert list(app.dataframe[0].value["Station"])[:2] == ["saw", "cnc"]


def test_widget_change_keeps_the_last_result(app: AppTest) -> None:
    before = [m.value for m in app.metric]
    app.number_input(key="factory_days").set_value(3).run()
    app.selectbox(key="factory_name").set_value("machining-shop").run()
    _assert_clean(app)
    assert "Results: smt-line" in _headers(app)
    assert [m.value for m in app.metric] == before
    assert any("differs from the result below" in i.value for i in app.info)


def test_single_replication_has_no_interval(app: AppTest) -> None:
    _small_settings(app, replications=1)
    _run(app)
    _assert_clean(app)
    assert "1 replication ·" in app.caption[0].value
    assert _markdown(app).count("1 replication: no CI") == 5
    assert set(app.table[0].value["± half-width"]) == {"—"}


def test_bad_upload_shows_one_line_error_and_keeps_result(app: AppTest) -> None:
    before = [m.value for m in app.metric]
    app.radio(key="factory_source").set_value(UPLOAD).run()
    app.file_uploader(key="factory_upload").set_value(
        ("broken.yaml", b"name: x\nsource: [\n", "application/x-yaml")
    ).run()
    _assert_clean(app)
    errors = [e.value for e in app.sidebar.error]
    assert len(errors) == 1 and errors[0].startswith("broken.yaml: line 3: not valid YAML")
    assert "Traceback" not in errors[0]
    assert app.button(key="factory_run").disabled
    assert [m.value for m in app.metric] == before


def test_valid_upload_runs(app: AppTest) -> None:
    text = factory_specs()["machining-shop"].read_text(encoding="utf-8")
    text = text.replace("name: machining-shop", "name: my-shop")
    app.radio(key="factory_source").set_value(UPLOAD).run()
    app.file_uploader(key="factory_upload").set_value(
        ("my-shop.yaml", text.encode("utf-8"), "application/x-yaml")
    ).run()
    assert not app.sidebar.error
    _small_settings(app)
    _run(app)
    _assert_clean(app)
    assert not app.error
    assert "Results: my-shop" in _headers(app)
    assert "from upload my-shop.yaml" in app.caption[0].value


@pytest.mark.parametrize("exc", [ValueError("boom"), RuntimeError("boom")])
def test_failed_run_shows_error_not_traceback(
    app: AppTest, monkeypatch: pytest.MonkeyPatch, exc: Exception
) -> None:
    import twin.ui.factory_page as page

    def fail(*args: object, **kwargs: object) -> None:
        raise exc

    before = [m.value for m in app.metric]
    monkeypatch.setattr(page, "run_factory", fail)
    app.number_input(key="factory_seed").set_value(987_654)  # not in the cache
    _run(app)
    _assert_clean(app)
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and "boom" in errors[0] and "Traceback" not in errors[0]
    assert [m.value for m in app.metric] == before  # the last good result stays


def _figures(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_station_chart_and_energy_flow(app: AppTest) -> None:
    """The station chart splits each station's time and marks the table's bottleneck; the
    Sankey's grid node carries all the energy of the run."""
    figs = _figures(app)
    bottleneck = app.dataframe[0].value.set_index("Bottleneck").loc[view.BOTTLENECK_MARK]
    station = bottleneck["Station"]
    time_fig = figs[0]
    assert [t["name"] for t in time_fig["data"]] == list(view.TIME_GROUPS)
    assert f"<b>{station} ◀ bottleneck</b>" in time_fig["data"][0]["y"]
    sankey = figs[1]["data"][0]
    assert sankey["type"] == "sankey"
    energy = app.table[0].value.set_index("KPI").loc["Energy", "Mean"]
    assert sankey["node"]["label"][0] == f"Grid: {energy} kWh"


def _stand_in_effects(spec, *, days, warmup_days, replications, seed, progress=None):
    """What measure_lever_effects returns, made up quickly (the page flow, not the model)."""
    if progress is not None:
        progress(0.0, "Simulating the line without levers")
        progress(1.0, "Done")
    base = [float(seed + r) for r in range(replications)]
    return {
        "settings": {"days": days, "warmup_days": warmup_days, "replications": replications},
        "without": dict.fromkeys(view.EFFECT_KPIS, base),
        "levers": {
            "energy_optimisation": {
                "label": "AI energy optimisation (standby)",
                "unchanged": False,
                "kpis": {k: [v * 0.9 for v in base] for k in view.EFFECT_KPIS},
                "quality": {"model_r2": 0.8},
                "status": {"estimate": 3, "published": 1},
            }
        },
    }


def test_lever_effects_on_click_then_from_the_store(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def stand_in(*args, **kwargs):
        calls.append(1)
        return _stand_in_effects(*args, **kwargs)

    monkeypatch.setattr(view, "measure_lever_effects", stand_in)
    _small_settings(app)
    _run(app)
    assert len(app.get("plotly_chart")) == 4
    app.button(key="factory_levers_run").click().run()
    _assert_clean(app)
    assert not app.error and calls == [1]
    assert len(app.get("plotly_chart")) == 5
    effects = app.dataframe[1].value
    assert list(effects["Lever"]) == ["Without levers (mean)", "AI energy optimisation"]
    assert effects.iloc[1, 1].endswith("(-10.0 %)")
    assert "1 published, 3 estimate" in _markdown(app)
    app.number_input(key="factory_days").set_value(3).run()  # a widget change keeps them
    assert len(app.get("plotly_chart")) == 5

    # Another visitor with the same line and settings sees them at once (results store).
    other = AppTest.from_function(_page, default_timeout=60)
    other.run()
    _small_settings(other)
    _run(other)
    assert len(other.get("plotly_chart")) == 5 and calls == [1]
    assert other.dataframe[1].value.equals(effects)

    # Other settings: a new measurement is offered, nothing stale is shown.
    app.number_input(key="factory_seed").set_value(2)
    _run(app)
    assert len(app.get("plotly_chart")) == 4
    assert app.button(key="factory_levers_run").label == "Measure lever effects"


@pytest.mark.slow
def test_real_lever_effects(app: AppTest, repo_root: Path) -> None:
    """Every lever file is trained and run; energy optimisation lowers energy per unit."""
    _small_settings(app)
    _run(app)
    app.button(key="factory_levers_run").click().run(timeout=600)
    _assert_clean(app)
    assert not app.error
    effects = app.dataframe[1].value.set_index("Lever")
    assert len(effects) == 1 + len(list((repo_root / "data" / "levers").glob("*.yaml")))
    assert "AI predictive maintenance" in effects.index
    assert effects.loc["AI energy optimisation", "Energy per unit (kWh/good unit)"][0] == "-"


def test_lever_effects_failure_is_one_line(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("no model")

    monkeypatch.setattr(view, "measure_lever_effects", fail)
    before = [m.value for m in app.metric]
    app.button(key="factory_levers_run").click().run()
    _assert_clean(app)
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and "no model" in errors[0] and "Traceback" not in errors[0]
    assert [m.value for m in app.metric] == before
    assert len(app.get("plotly_chart")) == 4


# --------------------------------------------------------------------------- upload parsing


def test_parse_upload_accepts_a_shipped_spec() -> None:
    path = factory_specs()["smt-line"]
    spec, error = view.parse_upload("smt.yaml", path.read_bytes())
    assert error is None
    assert spec == load_factory_spec(path)


def test_parse_upload_bad_yaml_names_file_and_line() -> None:
    spec, error = view.parse_upload("bad.yaml", b"name: x\nstations:\n  - name: [unclosed\n")
    assert spec is None
    assert error is not None and error.startswith("bad.yaml: line ")
    assert "not valid YAML" in error and "\n" not in error


def test_parse_upload_unknown_key_names_file_and_field() -> None:
    text = factory_specs()["smt-line"].read_text(encoding="utf-8")
    text = text.replace("  - name: printer\n", "  - name: printer\n    speed: 3\n", 1)
    spec, error = view.parse_upload("typo.yaml", text.encode("utf-8"))
    assert spec is None
    assert error is not None
    assert error.startswith("typo.yaml: stations[0]: unknown key 'speed'")
    assert "allowed:" in error and "process_time_min" in error


def test_parse_upload_invalid_value_names_field() -> None:
    text = factory_specs()["smt-line"].read_text(encoding="utf-8")
    text = text.replace("machines: 2", "machines: 0", 1)
    spec, error = view.parse_upload("zero.yaml", text.encode("utf-8"))
    assert spec is None
    assert error is not None and error.startswith("zero.yaml: stations[1].machines: ")


def test_parse_upload_too_large_is_refused_before_parsing() -> None:
    data = b"# padding\n" * (view.MAX_UPLOAD_BYTES // 10 + 1)
    spec, error = view.parse_upload("huge.yaml", data)
    assert spec is None
    assert error is not None and error.startswith("huge.yaml: file is ")
    assert "limited to 2 MB" in error


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "huge.yaml: the file is empty"),
        (b"\xff\xfe\x00bad", "huge.yaml: not a UTF-8 text file"),
        (b"- just\n- a list\n", "huge.yaml: expected a mapping"),
        (b"extends: base.yaml\n", "huge.yaml: extends: an uploaded spec cannot extend"),
    ],
)
def test_parse_upload_other_bad_inputs(data: bytes, expected: str) -> None:
    spec, error = view.parse_upload("huge.yaml", data)
    assert spec is None
    assert error is not None and error.startswith(expected)


# --------------------------------------------------------------------------- presentation


@pytest.mark.parametrize("status", ["estimate", "published", "synthetic"])
def test_data_status_names_the_status_plainly(status: str) -> None:
    level, text = view.data_status({"status": status, "source": "somewhere", "notes": ""})
    assert level in {"info", "warning"}
    assert f"Data status: {status}." in text and "somewhere" in text


def test_data_status_without_provenance_warns() -> None:
    level, text = view.data_status(None)
    assert level == "warning" and "not stated" in text


def test_md_escape_shows_user_text_literally() -> None:
    assert view.md_escape("a *b* costs $5 [x](y)") == r"a \*b\* costs \$5 \[x\]\(y\)"


def test_formatting_and_kpi_table_handle_missing_intervals() -> None:
    assert view.fmt_kpi("oee", 0.7933, card=True) == "79.3 %"
    assert view.fmt_kpi("throughput_per_h", 47.6, card=True) == "47.6/h"
    assert view.fmt_kpi("mean_lead_time_min", 102.04, card=True) == "102 min"
    assert view.fmt_kpi("mean_lead_time_min", 102.04) == "102.0"
    assert view.fmt_kpi("mean_lead_time_min", None) == "—"
    assert view.fmt_half_width("throughput_per_h", 0.1858) == "0.19"
    assert view.fmt_half_width("energy_kwh", 31.9) == "32"
    summary = {
        "throughput_per_h": {"mean": 47.6, "ci_low": None, "ci_high": None},
        "mystery": {"mean": 1.0, "ci_low": 0.5, "ci_high": 1.5},
    }
    table = view.kpi_table(summary)
    assert list(table["KPI"]) == ["Throughput", "mystery"]
    assert list(table["± half-width"]) == ["—", "0.50"]
    assert list(table["95 % CI"]) == ["—", "0.500 to 1.500"]


def test_figures_have_units_and_readable_fonts() -> None:
    energy = view.energy_figure({"processing": 10.0, "idle": 2.0, "facility": 5.0}, 14)
    assert energy.layout.xaxis.title.text == "Energy (kWh)"
    profile = view.profile_figure(np.arange(14 * 96, dtype=float), warmup_days=2, mean_kw=5.0)
    assert profile.layout.yaxis.title.text == "Electric load (kW)"
    assert len(profile.data[0].y) == 7 * 96
    assert "first 7 days" in profile.layout.title.text
    assert profile.data[0].customdata[0] == "day 1, 00:00"
    full = view.profile_figure(np.ones(96 * 3), warmup_days=0.5, max_days=None)
    assert len(full.data[0].y) == 96 * 3 and full.data[0].customdata[0] == "day 1, 12:00"
    for fig in (energy, profile):
        assert fig.layout.font.size >= 14
        assert fig.layout.xaxis.tickfont.size >= 14 and fig.layout.yaxis.tickfont.size >= 14


def test_archetypes_are_offered_and_run(app: AppTest) -> None:
    """The complex's archetypes can be picked and run like the sample lines."""
    box = app.selectbox(key="factory_name")
    assert "archetype: wafer-fab" in box.options
    box.set_value("archetype: defence-electronics").run()
    _small_settings(app)
    _run(app)
    _assert_clean(app)
    assert "Results: defence-electronics" in _headers(app)


def test_cards_switch_to_larger_units() -> None:
    """Large values move to h / MWh / MW on the cards, with the interval in the same unit."""
    assert view.card_texts(
        "mean_lead_time_min", {"mean": 2064.0, "ci_low": 2034.0, "ci_high": 2094.0}
    ) == ("34.4 h", "0.50")
    assert view.card_texts(
        "peak_kw_15min", {"mean": 22217.0, "ci_low": 21517.0, "ci_high": 22917.0}
    ) == ("22.2 MW", "0.70")
    assert view.card_texts(
        "mean_lead_time_min", {"mean": 11.2, "ci_low": 9.3, "ci_high": 13.1}
    ) == ("11.2 min", "1.9")
    assert view.card_texts("oee", {"mean": None}) == (view.fmt_kpi("oee", None), None)
