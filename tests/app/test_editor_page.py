"""The Scenario editor page, driven headlessly with Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from twin.ui import editor_view as view

W = "editor_w_"


def _page() -> None:
    from twin.ui.editor_page import render

    render()


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The editor after its first load, saving into a temporary folder."""
    monkeypatch.setenv("GUMI_TWIN_CACHE", str(tmp_path))
    at = AppTest.from_function(_page, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _text(value: str) -> str:
    """A message as the user reads it (markdown escapes removed)."""
    return value.replace("\\", "")


def _yaml(at: AppTest) -> dict:
    return view.parse_yaml_text(at.code[0].value)


def test_loads_the_plan_valid_with_curves(app: AppTest) -> None:
    assert app.title[0].value == "Scenario editor"
    assert app.selectbox(key="editor_start").value == "gumi-ax-2032"
    assert "Valid scenario **gumi-ax-2032**" in app.success[0].value
    assert not app.error
    assert len(app.get("plotly_chart")) == 5  # one adoption chart per adopted lever
    doc = _yaml(app)
    assert doc["name"] == "gumi-ax-2032" and len(doc["levers"]) == 5
    assert view.EDIT_ASSUMPTION not in doc["assumptions"]


def test_edit_is_resourced_in_the_yaml(app: AppTest) -> None:
    app.number_input(key=f"{W}grid").set_value(0.3).run()
    app.number_input(key=f"{W}predictive_maintenance_0_ceiling").set_value(0.8).run()
    _clean(app)
    doc = _yaml(app)
    assert doc["grid_factor_t_per_mwh"]["value"] == 0.3
    assert doc["grid_factor_t_per_mwh"]["status"] == "estimate"  # was published
    assert doc["levers"]["predictive_maintenance"]["adoption"][0]["curve"]["bass"]["ceiling"] == 0.8
    assert "2 edited figure group(s)" in app.success[0].value
    assert "grid_factor_t_per_mwh" in doc["assumptions"][view.EDIT_ASSUMPTION]["statement"]


def test_invalid_value_shows_the_cli_line(app: AppTest) -> None:
    app.number_input(key=f"{W}vision_qc_0_p").set_value(0.0).run()
    _clean(app)
    errors = [_text(e.value) for e in app.error]
    assert errors == [
        "gumi-ax-2032.yaml: levers.vision_qc.adoption[0].curve.bass.p: "
        "Input should be greater than 0"
    ]
    assert app.button(key="editor_run").disabled and app.button(key="editor_save").disabled
    app.number_input(key=f"{W}vision_qc_0_p").set_value(0.05).run()
    assert not app.error and app.success


def test_switching_a_lever_off_and_on_keeps_its_edits(app: AppTest) -> None:
    app.number_input(key=f"{W}scheduling_2_q").set_value(0.6).run()
    app.toggle(key=f"{W}scheduling_on").set_value(False).run()
    _clean(app)
    assert "scheduling" not in _yaml(app)["levers"]
    assert len(app.get("plotly_chart")) == 4
    app.toggle(key=f"{W}scheduling_on").set_value(True).run()
    rules = _yaml(app)["levers"]["scheduling"]["adoption"]
    assert rules[2]["curve"]["bass"]["q"] == 0.6


def test_add_and_remove_rules_and_overlap_message(app: AppTest) -> None:
    app.button(key=f"{W}yield_optimisation_add").click().run()
    _clean(app)
    assert len(_yaml(app)["levers"]["yield_optimisation"]["adoption"]) == 5
    # The new rule covers every firm, so it overlaps the existing rules, as twin run says.
    message = _text(app.error[0].value)
    assert "levers.yield_optimisation.adoption[4]: overlaps adoption[" in message
    app.button(key=f"{W}yield_optimisation_4_remove").click().run()
    assert not app.error
    assert len(_yaml(app)["levers"]["yield_optimisation"]["adoption"]) == 4


def test_demand_growth_and_mode(app: AppTest) -> None:
    app.number_input(key=f"{W}growth_textiles").set_value(2.5).run()
    app.radio(key=f"{W}mode").set_value("sampled").run()
    app.number_input(key=f"{W}samples").set_value(4).run()
    _clean(app)
    doc = _yaml(app)
    assert doc["demand_growth"]["rates"]["textiles"] == 0.025
    assert doc["uncertainty"] == {"mode": "sampled", "samples": 4}


def test_other_start_scenario_replaces_the_form(app: AppTest) -> None:
    app.number_input(key=f"{W}grid").set_value(0.3).run()
    app.selectbox(key="editor_start").set_value("only-vision-qc").run()
    _clean(app)
    doc = _yaml(app)
    assert doc["name"] == "only-vision-qc" and list(doc["levers"]) == ["vision_qc"]
    assert doc["grid_factor_t_per_mwh"]["value"] == 0.4173  # the edit went with the old start
    assert app.toggle(key=f"{W}dc").value is False


def test_bad_upload_is_one_line_and_keeps_the_form(app: AppTest) -> None:
    app.radio(key="editor_source").set_value("Upload a scenario (YAML)").run()
    app.file_uploader(key="editor_upload").set_value(
        ("broken.yaml", b"name: x\nlevers: [\n", "application/x-yaml")
    ).run()
    _clean(app)
    errors = [_text(e.value) for e in app.sidebar.error]
    assert len(errors) == 1 and errors[0].startswith("broken.yaml: line 3: not valid YAML")
    assert _yaml(app)["name"] == "gumi-ax-2032"


def test_upload_extending_a_shipped_scenario(app: AppTest) -> None:
    data = b"extends: baseline.yaml\nname: my-upload\ndescription: mine\n"
    app.radio(key="editor_source").set_value("Upload a scenario (YAML)").run()
    app.file_uploader(key="editor_upload").set_value(
        ("mine.yaml", data, "application/x-yaml")
    ).run()
    _clean(app)
    assert not app.sidebar.error
    assert _yaml(app)["name"] == "my-upload"


def test_save_to_my_scenarios_then_start_from_it(app: AppTest, tmp_path: Path) -> None:
    app.text_input(key=f"{W}name").set_value("my-plan").run()
    app.button(key="editor_save").click().run()
    _clean(app)
    saved = tmp_path / "user-scenarios" / "my-plan.yaml"
    assert saved.is_file()
    assert view.load_document(saved)["name"] == "my-plan"
    app.radio(key="editor_source").set_value("My saved scenarios").run()
    assert app.selectbox(key="editor_mine").value == "my-plan"
    assert _yaml(app)["name"] == "my-plan"


def _fake_summary(scale: float) -> pd.DataFrame:
    rows = []
    for year in range(2025, 2033):
        for kpi in ("output_krw", "electricity_mwh", "productivity_mkrw", "peak_mw", "co2_t"):
            base = {"output_krw": 5e13, "electricity_mwh": 8e6}.get(kpi, 1000.0)
            diff = -scale * base * (year - 2024) / 100
            rows.append(
                {
                    "year": year,
                    "kpi": kpi,
                    "mean": base + diff,
                    "ci_low": base,
                    "ci_high": base,
                    "baseline": base,
                    "diff": diff,
                    "diff_low": diff * 1.1,
                    "diff_high": diff * 0.9,
                }
            )
    return pd.DataFrame(rows)


def test_run_shows_2032_changes_and_keeps_them(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    import twin.ui.editor_page as page

    calls: list[str] = []

    def fake(path: str) -> tuple[pd.DataFrame, int]:
        calls.append(Path(path).read_text(encoding="utf-8"))
        return _fake_summary(0.5 if len(calls) == 1 else 1.0), 5

    monkeypatch.setattr(page, "_project", fake)
    app.button(key="editor_run").click().run()
    _clean(app)
    assert len(calls) == 1 and "name: gumi-ax-2032" in calls[0]
    assert any("2032 against the baseline" in s.value for s in app.subheader)
    cards = {m.label: m for m in app.metric}
    elec = cards["Electricity"]
    assert elec.value == "7,680" and elec.delta == "-320 (-4.0 %)"
    # A widget change keeps the result, with a note that it is stale.
    app.number_input(key=f"{W}carbon").set_value(20000.0).run()
    assert elec.value in [m.value for m in app.metric]
    assert any("changed since this projection" in i.value for i in app.info)
    app.button(key="editor_run").click().run()
    assert len(calls) == 2 and "value: 20000" in calls[1]
    assert not any("changed since this projection" in i.value for i in app.info)


def test_failed_run_is_one_line(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    import twin.ui.editor_page as page

    def boom(path: str) -> None:
        raise RuntimeError("no workers")

    monkeypatch.setattr(page, "_project", boom)
    app.button(key="editor_run").click().run()
    _clean(app)
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and "no workers" in errors[0] and "Traceback" not in errors[0]
