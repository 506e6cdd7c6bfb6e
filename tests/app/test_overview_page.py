"""The Overview page in Streamlit's AppTest, on small made-up results with known differences.

The page's results layer (``load_results``) is replaced by results built here, so the tests
take seconds and check the cards against differences computed independently (a paired t
interval from scipy); one slow test runs the page on the real stored results.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from streamlit.testing.v1 import AppTest

import twin.ui.overview_page as page
from twin.config.scenario import load_scenario
from twin.projection import RunSettings
from twin.scenario_run import ScenarioResult
from twin.ui.results import scenario_files

YEARS = range(2025, 2033)
REPS = 3
SETTINGS = RunSettings(replications=REPS, seed=424_242)  # not the explorer's: no cache clash
#: Paired change of production in 2032 per replication (tn KRW): mean 1.0, sd 0.1.
GAIN_2032 = np.array([0.9, 1.0, 1.1])
OFFSET = {"baseline": 0.0, "gumi-ax-2032": 1.0, "conservative": 0.4}


def fake_result(name: str) -> ScenarioResult:
    """A result whose production is a shared baseline plus ``OFFSET[name]`` tn KRW by 2032
    (ramping linearly from 2025), spread across replications as ``GAIN_2032``."""
    scenario = load_scenario(scenario_files()[name])
    rows, firms = [], []
    noise = np.array([-0.3, 0.1, 0.2])  # shared by scenarios: common random numbers
    for case in ("scenario", "baseline"):
        gain = OFFSET[name] if case == "scenario" else 0.0
        for year in YEARS:
            ramp = (year - 2024) / 8
            for r in range(REPS):
                out = (40 + 0.5 * (year - 2025) + noise[r] + gain * ramp * GAIN_2032[r]) * 1e12
                rows.append(
                    {
                        "case": case,
                        "year": year,
                        "complex_id": "3",
                        "sector": "electronics",
                        "replication": r,
                        "output_krw": out,
                        "value_added_krw": 0.3 * out,
                        "good_units": 1e9,
                        "electricity_mwh": 8e6 - gain * 1e5 * ramp,
                        "peak_mw": 1200.0 - 10 * gain * ramp + r,
                        "employees": 80_000.0,
                        "ai_compute_mwh": 1e4 * gain * ramp,
                        "co2_t": 3.4e6 - gain * 4e4 * ramp,
                    }
                )
            # Anchor sites F0001..F0011 take all five levers one by one from 2027 (scaled by
            # the scenario's offset); F0100..F0199 are synthetic firms, a tenth of them a year.
            converted = round(11 * min(1.0, max(0.0, (year - 2026) / 6)) * gain)
            for i in range(1, 12):
                used = 5 if i <= converted else 0
                firms.append(
                    {"case": case, "year": year, "firm_id": f"F{i:04d}", "levers_used": used}
                )
            for i in range(100, 200):
                used = 1 if gain and (i - 100) < 10 * (year - 2024) else 0
                firms.append(
                    {"case": case, "year": year, "firm_id": f"F{i:04d}", "levers_used": used}
                )
    return ScenarioResult(
        scenario=scenario,
        tidy=pd.DataFrame(rows),
        quality={},
        settings=SETTINGS,
        substations=pd.DataFrame(),
        bottlenecks=pd.DataFrame(),
        firms=pd.DataFrame(firms),
    )


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Serve made-up results to the page; records the names it asked for."""
    asked: list[list[str]] = []

    def load(names: list[str]) -> list[ScenarioResult]:
        asked.append(list(names))
        return [fake_result(n) for n in names]

    monkeypatch.setattr(page, "load_results", load)
    return asked


def _script() -> None:
    from twin.ui.overview_page import render

    render()


@pytest.fixture
def app(fake: list[list[str]]) -> AppTest:
    at = AppTest.from_function(_script, default_timeout=60)
    at.run()
    return at


def _clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_renders_default_pair_with_cards(app: AppTest, fake: list[list[str]]) -> None:
    _clean(app)
    assert fake[-1] == ["baseline", "gumi-ax-2032"]  # comparison first: differences vs it
    assert app.selectbox(key="overview_scenario").value == "gumi-ax-2032"
    assert app.selectbox(key="overview_comparison").value == "baseline"
    labels = [m.label for m in app.metric]
    assert labels[0] == "Production, tn KRW" and len(labels) == 5
    assert "CO2, kt" in labels and any("productivity" in x.lower() for x in labels)
    prod = app.metric[0]
    assert prod.value == "44.5"  # 40 + 0.5 x 7 + mean noise 0 + 1.0 x mean gain 1
    assert prod.delta.startswith("+1.00 (")
    # The card's interval is the paired t interval of the per-replication changes.
    half = stats.t.ppf(0.975, REPS - 1) * GAIN_2032.std(ddof=1) / np.sqrt(REPS)
    expected = f"95 % interval +{1 - half:.3g} to +{1 + half:.3g} tn KRW"
    assert app.caption[0].value == expected


def test_controls_change_the_output(app: AppTest, fake: list[list[str]]) -> None:
    before = app.metric[0].delta
    app.selectbox(key="overview_comparison").set_value("conservative").run()
    _clean(app)
    assert fake[-1] == ["conservative", "gumi-ax-2032"]
    assert app.metric[0].delta.startswith("+0.600 (") and app.metric[0].delta != before

    app.select_slider(key="overview_year").set_value(2028).run()
    _clean(app)
    assert app.metric[0].delta.startswith("+0.300 (")  # (1.0 - 0.4) x 4/8

    assert _chart_specs(app)[0]["layout"]["yaxis"]["title"]["text"] == "Production (tn KRW)"
    app.segmented_control(key="overview_kpi").set_value("co2_t").run()
    _clean(app)
    level, change = _chart_specs(app)[:2]
    assert level["layout"]["yaxis"]["title"]["text"] == "CO2 (kt)"
    assert change["layout"]["yaxis"]["title"]["text"] == "Change vs Conservative (kt)"


def test_plan_targets_beside_the_model_and_honest_about_scope(app: AppTest) -> None:
    text = " ".join(m.value for m in app.markdown)
    assert "does not model the 100 AI companies or the 1,000 practitioners" in text
    table = app.table[0].value
    rows = table.set_index("Target")
    assert rows.loc["AI practitioners", "How the model treats it"] == "Reported only (not modelled)"
    assert rows.loc["AI practitioners", "Plan"] == "1,000 people"
    anchors = rows.loc["Anchor companies converted to AI-driven production"]
    # 11 sites convert by 2032; Samsung's two plants are one company: 10 of 10.
    assert anchors["How the model treats it"] == "Modelled"
    assert anchors["In this scenario"].startswith("10 of 10 named anchor companies")
    plan = _chart_specs(app)[2]
    star = [t for t in plan["data"] if t.get("marker", {}).get("symbol") == "star"]
    assert star and star[0]["x"] == [2032] and star[0]["y"] == [10]
    panels = {t.get("xaxis", "x") for t in plan["data"]}
    assert panels == {"x", "x2"}  # anchors and firms using AI


def test_data_status_and_settings_are_stated(app: AppTest) -> None:
    text = " ".join(m.value for m in app.markdown)
    assert "synthetic" in text and "estimate" in text and "published" in text
    captions = " ".join(c.value for c in app.caption)
    assert "3 replications" in captions and "seed 424242" in captions


def test_same_scenario_twice_says_so(app: AppTest) -> None:
    app.selectbox(key="overview_comparison").set_value("gumi-ax-2032").run()
    assert not app.exception
    assert any("compared with itself" in i.value for i in app.info)
    assert app.metric[0].delta.startswith("0 (")


def test_failed_load_keeps_the_last_pair(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit as st

    before = [m.value for m in app.metric]

    def broken(names: list[str]) -> None:
        st.error("scenarios/conservative.yaml: seed: must be >= 0")
        return None

    monkeypatch.setattr(page, "load_results", broken)
    app.selectbox(key="overview_comparison").set_value("conservative").run()
    assert not app.exception
    errors = [e.value for e in app.error]
    assert errors == ["scenarios/conservative.yaml: seed: must be >= 0"]
    assert [m.value for m in app.metric] == before
    assert any("last pair that loaded" in c.value for c in app.caption)


@pytest.mark.slow
def test_real_results_render(app_path: object) -> None:
    """The landing page of the real app on the shipped scenarios (stored, else computed)."""
    at = AppTest.from_file(str(app_path), default_timeout=900)
    at.run()
    _clean(at)
    assert at.title[0].value.startswith("Gumi Twin")
    assert len(at.metric) == 5 and all(m.value != "—" for m in at.metric)
    assert "1,000 GPUs assumed in 2032" in " ".join(at.table[0].value["In this scenario"])
