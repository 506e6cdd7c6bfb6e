"""The Compare page in Streamlit's AppTest, on small made-up results with known differences.

``load_results`` and the waterfall are replaced by made-up results and steps (seconds, not
minutes); the assumptions table uses the real scenario files. One slow test runs the page on
the real stored results.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import twin.ui.compare_page as page
from twin.ai.registry import LEVER_ORDER
from twin.config.scenario import load_scenario
from twin.projection import RunSettings
from twin.scenario_run import ScenarioResult
from twin.ui.results import scenario_files
from twin.viz import KPIS

YEARS = range(2025, 2033)
REPS = 3
SETTINGS = RunSettings(replications=REPS, seed=535_353)  # not the explorer's: no cache clash
#: Production gained by 2032 over the baseline (tn KRW), paired per replication.
OFFSET = {"baseline": 0.0, "gumi-ax-2032": 1.0, "conservative": 0.4, "aggressive": 1.5}
SPREAD = np.array([0.9, 1.0, 1.1])


def fake_result(name: str) -> ScenarioResult:
    """Production: a shared baseline plus ``OFFSET[name]`` tn KRW x ramp x ``SPREAD``."""
    rows = []
    for case in ("scenario", "baseline"):
        gain = OFFSET[name] if case == "scenario" else 0.0
        for year in YEARS:
            ramp = (year - 2024) / 8
            for r in range(REPS):
                out = (40 + 0.5 * (year - 2025) + 0.1 * r + gain * ramp * SPREAD[r]) * 1e12
                rows.append(
                    {
                        "case": case,
                        "year": year,
                        "complex_id": "1",
                        "sector": "electronics",
                        "replication": r,
                        "output_krw": out,
                        "value_added_krw": 0.3 * out,
                        "good_units": 1e9,
                        "electricity_mwh": 8e6 - gain * 2e5 * ramp,
                        "peak_mw": 1200.0 - 20 * gain * ramp,
                        "employees": 80_000.0,
                        "ai_compute_mwh": 1e4 * gain * ramp,
                        "co2_t": 3.4e6 - gain * 8e4 * ramp,
                    }
                )
    return ScenarioResult(
        scenario=load_scenario(scenario_files()[name]),
        tidy=pd.DataFrame(rows),
        quality={},
        settings=SETTINGS,
        substations=pd.DataFrame(),
        bottlenecks=pd.DataFrame(),
        firms=pd.DataFrame(),
    )


def fake_waterfall(scenario, settings, *, kpis, progress=None) -> pd.DataFrame:
    """Steps of 1 unit (model units x divisor) each: non-lever, then each active lever."""
    del settings, progress
    adopted = [n for n in LEVER_ORDER if n in scenario.levers.active()]
    names = ["non-lever changes", *[f"+ {n}" for n in adopted]]
    rows = []
    for kpi in kpis:
        for year in YEARS:
            for step, name in enumerate(names):
                rows.append(
                    {
                        "scenario": scenario.name,
                        "step": step,
                        "name": name,
                        "year": year,
                        "kpi": kpi,
                        "change": KPIS[kpi].divisor,
                        "change_low": 0.5 * KPIS[kpi].divisor,
                        "change_high": 1.5 * KPIS[kpi].divisor,
                        "cumulative": (step + 1) * KPIS[kpi].divisor,
                    }
                )
    return pd.DataFrame(rows)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[list[str]]:
    """Made-up results and waterfalls; the page's waterfall store in a fresh folder."""
    monkeypatch.setenv("GUMI_TWIN_CACHE", str(tmp_path))
    asked: list[list[str]] = []

    def load(names: list[str]) -> list[ScenarioResult]:
        asked.append(list(names))
        return [fake_result(n) for n in names]

    monkeypatch.setattr(page, "load_results", load)
    monkeypatch.setattr(page, "waterfall", fake_waterfall)
    page._waterfall_memo.clear()
    return asked


def _script() -> None:
    from twin.ui.compare_page import render

    render()


@pytest.fixture
def app(fake: list[list[str]]) -> AppTest:
    at = AppTest.from_function(_script, default_timeout=60)
    at.run()
    return at


def _clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _line_names(fig: dict) -> list[str]:
    return [t["name"] for t in fig["data"] if t.get("mode") == "lines+markers"]


def test_default_three_scenarios(app: AppTest, fake: list[list[str]]) -> None:
    _clean(app)
    assert fake[-1] == ["baseline", "gumi-ax-2032", "conservative"]
    lines, bars, fall = _charts(app)
    ytitle = lines["layout"]["yaxis"]["title"]["text"]
    assert ytitle == "Change vs Baseline (no new AI) (tn KRW)"
    assert _line_names(lines) == ["Gumi AX plan 2032", "Conservative"]
    app.radio(key="compare_lines_mode").set_value(page.TOTALS).run()
    lines = _charts(app)[0]
    assert lines["layout"]["yaxis"]["title"]["text"] == "Production (tn KRW)"
    assert _line_names(lines) == ["Baseline (no new AI)", "Gumi AX plan 2032", "Conservative"]
    assert [x.split("<br>")[0] for x in bars["data"][0]["x"]] == [
        "Gumi AX plan 2032",
        "Conservative",
    ]
    assert bars["data"][0]["text"] == ["+1.00", "+0.400"]  # the paired means in 2032
    assert "2032" in bars["layout"]["title"]["text"]
    # The waterfall: non-lever changes, five levers, the total of six unit steps.
    assert fall["data"][0]["x"][0] == "non-lever changes"
    assert fall["data"][0]["x"][-1] == "total change" and len(fall["data"][0]["x"]) == 7
    diffs = app.dataframe[0].value
    assert set(diffs["Year"]) == {2032} and set(diffs["KPI"]) == {"Production"}
    row = diffs.set_index("Scenario").loc["Conservative"]
    assert row["Change vs Baseline (no new AI)"] == pytest.approx(0.4)
    assert app.get("download_button")


def test_kpi_and_year_change_the_charts(app: AppTest) -> None:
    app.selectbox(key="compare_kpi").set_value("electricity_mwh").run()
    app.select_slider(key="compare_year").set_value(2028).run()
    _clean(app)
    lines, bars, fall = _charts(app)
    assert lines["layout"]["yaxis"]["title"]["text"] == "Change vs Baseline (no new AI) (GWh)"
    assert "2028" in bars["layout"]["title"]["text"]
    assert bars["data"][0]["text"] == ["−100", "−40.0"]  # -200 GWh x 4/8 and x 0.4
    assert (
        "Electricity" in fall["layout"]["title"]["text"]
        and "2028" in fall["layout"]["title"]["text"]
    )


def test_waterfall_scenario_choice(app: AppTest) -> None:
    box = app.selectbox(key="compare_waterfall_scenario")
    assert box.options == ["Gumi AX plan 2032", "Conservative"]  # the baseline has no levers
    assert box.value == "gumi-ax-2032"
    box.set_value("conservative").run()
    _clean(app)
    assert _charts(app)[2]["layout"]["title"]["text"].startswith("Conservative:")


def test_assumptions_that_differ_are_readable(app: AppTest) -> None:
    table = app.dataframe[-1].value
    assert list(table.columns) == [
        "Setting",
        "Baseline (no new AI)",
        "Gumi AX plan 2032",
        "Conservative",
    ]
    rows = table.set_index("Setting")
    assert rows.loc["Vision QC: effect level", "Gumi AX plan 2032"] == "typical"
    assert rows.loc["Vision QC: effect level", "Conservative"] == "low"
    assert rows.loc["Vision QC: effect level", "Baseline (no new AI)"] == "—"
    n = len(table)
    app.toggle(key="compare_sources").set_value(True).run()
    _clean(app)
    assert len(app.dataframe[-1].value) > n


def test_fewer_than_two_scenarios_asks_for_more(app: AppTest, fake: list[list[str]]) -> None:
    calls = len(fake)
    app.multiselect(key="compare_scenarios").set_value(["gumi-ax-2032"]).run()
    assert not app.exception
    assert any("at least two" in i.value for i in app.info)
    assert len(fake) == calls  # nothing loaded


def test_four_scenarios_and_reference_change(app: AppTest, fake: list[list[str]]) -> None:
    app.multiselect(key="compare_scenarios").set_value(
        ["conservative", "gumi-ax-2032", "aggressive", "baseline"]
    ).run()
    _clean(app)
    assert fake[-1] == ["conservative", "gumi-ax-2032", "aggressive", "baseline"]
    bars = _charts(app)[1]
    assert bars["data"][0]["text"] == ["+0.600", "+1.10", "−0.400"]  # against conservative


def test_failed_waterfall_is_one_line(
    app: AppTest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("runs missing")

    monkeypatch.setattr(page, "waterfall", boom)
    page._waterfall_memo.clear()
    monkeypatch.setenv("GUMI_TWIN_CACHE", str(tmp_path / "empty"))  # nothing stored
    app.select_slider(key="compare_year").set_value(2030).run()
    assert not app.exception
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and "runs missing" in errors[0] and "Traceback" not in errors[0]
    assert len(_charts(app)) == 2  # the lines and bars still show


@pytest.mark.slow
def test_real_results_render() -> None:
    """The Compare page on the shipped scenarios' real results (stored, else computed)."""
    page._waterfall_memo.clear()
    at = AppTest.from_function(_script, default_timeout=1800)
    at.run()
    _clean(at)
    _lines, bars, fall = _charts(at)
    assert len(bars["data"][0]["x"]) == 2
    total = fall["data"][0]
    assert total["x"][-1] == "total change"
    assert len(at.dataframe[-1].value) > 5  # the assumptions that differ
