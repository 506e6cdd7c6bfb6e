"""Compare page helpers: number formats, readable settings, figures that show the data given."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from twin.ui import compare_view as view
from twin.viz import KPIS


def _diffs() -> pd.DataFrame:
    """Paired differences of two scenarios against a reference, two years (model units)."""
    rows = []
    for name, level in (("baseline", 40e12), ("plan", 41e12), ("slow", 40.4e12)):
        for year in (2031, 2032):
            mean = level + (year - 2031) * 1e12
            diff = mean - (40e12 + (year - 2031) * 1e12)
            rows.append(
                {
                    "scenario": name,
                    "year": year,
                    "kpi": "output_krw",
                    "mean": mean,
                    "ci_low": mean - 0.2e12,
                    "ci_high": mean + 0.3e12,
                    "diff": diff,
                    "diff_low": diff - 0.1e12 if name != "baseline" else 0.0,
                    "diff_high": diff + 0.15e12 if name != "baseline" else 0.0,
                }
            )
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("value", "signed", "text"),
    [
        (1234.5, False, "1,234"),
        (-1234.5, True, "−1,234"),
        (12.345, True, "+12.3"),
        (1.2345, False, "1.23"),
        (0.012345, True, "+0.0123"),
        (0.0, True, "0"),
        (0.6, True, "+0.600"),
        (None, False, "—"),
        (float("nan"), True, "—"),
    ],
)
def test_fmt_number(value: float | None, signed: bool, text: str) -> None:
    assert view.fmt_number(value, signed=signed) == text


def test_lines_figure_draws_means_and_bands_in_display_units() -> None:
    diffs = _diffs()
    fig = view.kpi_lines_figure(diffs, "output_krw", ["baseline", "plan"])
    bands = [t for t in fig.data if t.fill == "toself"]
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert [t.name for t in lines] == ["baseline", "plan"]
    # tn KRW: the model's KRW divided by 1e12
    assert list(lines[1].y) == pytest.approx([41.0, 42.0])
    # the band runs up the high edge and back down the low edge, around the mean
    assert list(bands[1].y) == pytest.approx([41.3, 42.3, 41.8, 40.8])
    assert fig.layout.yaxis.title.text == "Production (tn KRW)"
    change = view.kpi_lines_figure(diffs, "output_krw", ["plan"], change=True)
    assert list(change.data[1].y) == pytest.approx([1.0, 1.0])  # the paired change, tn KRW
    assert list(change.data[0].y) == pytest.approx([1.15, 1.15, 0.9, 0.9])
    assert change.layout.yaxis.title.text == "Change vs baseline (tn KRW)"
    assert fig.layout.font.size >= 14 and fig.layout.xaxis.tickfont.size >= 14
    # the zero-adoption baseline is grey, the others in the scenario palette
    assert lines[0].line.color == "#7f7f7f" and lines[1].line.color != "#7f7f7f"


def test_difference_bars_leave_out_the_reference_and_carry_the_interval() -> None:
    fig = view.difference_bars_figure(
        _diffs(), "output_krw", 2032, ["baseline", "plan", "slow"], {"baseline": "Base"}
    )
    bar = fig.data[0]
    assert list(bar.x) == ["plan<br><b>+1.00 tn KRW</b>", "slow<br><b>+0.400 tn KRW</b>"]
    assert list(bar.y) == pytest.approx([1.0, 0.4])
    assert list(bar.error_y.array) == pytest.approx([0.15, 0.15])
    assert list(bar.error_y.arrayminus) == pytest.approx([0.1, 0.1])
    assert "vs Base" in fig.layout.yaxis.title.text and "tn KRW" in fig.layout.yaxis.title.text


def test_differences_table_and_csv() -> None:
    diffs = _diffs()
    table = view.differences_table(diffs, ["baseline", "plan", "slow"])
    row = table[(table["Scenario"] == "plan") & (table["Year"] == 2032)].iloc[0]
    assert row["Mean"] == pytest.approx(42.0) and row["Change vs baseline"] == pytest.approx(1.0)
    assert row["Unit"] == "tn KRW"
    text = view.differences_csv(diffs, ["baseline", "plan"])
    back = pd.read_csv(pd.io.common.StringIO(text))
    assert set(back["scenario"]) == {"baseline", "plan"} and set(back["reference"]) == {"baseline"}
    plan = back[(back["scenario"] == "plan") & (back["year"] == 2032)].iloc[0]
    assert plan["diff"] == pytest.approx(1e12)  # model units in the file


def _waterfall_frame() -> pd.DataFrame:
    steps = [("non-lever changes", 5.0), ("+ vision_qc", 30.0), ("+ scheduling", -10.0)]
    rows, total = [], 0.0
    for i, (name, change) in enumerate(steps):
        total += change
        rows.append(
            {
                "scenario": "plan",
                "step": i,
                "name": name,
                "year": 2032,
                "kpi": "electricity_mwh",
                "change": change * 1e3,
                "change_low": (change - 1) * 1e3,
                "change_high": (change + 1) * 1e3,
                "cumulative": total * 1e3,
            }
        )
    return pd.DataFrame(rows)


def test_waterfall_steps_add_up_to_the_total() -> None:
    fig = view.waterfall_figure(_waterfall_frame(), "electricity_mwh", 2032, "Plan")
    w = fig.data[0]
    assert list(w.x) == ["non-lever changes", "+ Vision QC", "+ Scheduling", "total change"]
    assert list(w.measure) == ["relative", "relative", "relative", "total"]
    assert sum(w.y[:-1]) == pytest.approx(w.y[-1]) == pytest.approx(25.0)  # GWh
    # electricity: a rise is bad (orange-red), a fall good (green)
    assert w.increasing.marker.color == "#D55E00" and w.decreasing.marker.color == "#009E73"
    table = view.waterfall_table(_waterfall_frame(), "electricity_mwh", 2032)
    assert table["Change (GWh)"].sum() == pytest.approx(table["After the step (GWh)"].iloc[-1])


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("compute.gpus.values.2032", "AI data cluster: GPUs in 2032"),
        ("levers.vision_qc.level", "Vision QC: effect level"),
        ("levers.scheduling.adoption", "Scheduling: adoption curves"),
        ("anchors", "Anchor companies (firm, year)"),
        ("assumptions.diffusion.statement", "Assumption 'diffusion'"),
        ("assumptions.plan_targets.source", "Assumption 'plan targets' (source)"),
        ("ecosystem.ai_firms.values.2032", "Ecosystem (reported, not modelled): AI firms in 2032"),
        ("uncertainty.mode", "Uncertainty: mode"),
    ],
)
def test_readable_setting(key: str, text: str) -> None:
    assert view.readable_setting(key) == text


def test_readable_value_summarises_lists() -> None:
    anchors = json.dumps([{"firm": "KEC", "year": 2032}, {"firm": "SK Siltron", "year": 2028}])
    assert view.readable_value(anchors) == "KEC 2032; SK Siltron 2028"
    rules = json.dumps(
        [{"size_classes": ["300+"], "curve": {"bass": {"p": 0.03, "q": 0.35, "ceiling": 0.57}}}]
    )
    assert view.readable_value(rules) == "300+: Bass p 0.03, q 0.35, ceiling 0.57"
    assert view.readable_value(None) == view.readable_value(float("nan")) == "—"
    assert view.readable_value("[]") == "none"
    long = view.readable_value("x" * 300)
    assert long.endswith("…") and len(long) == 160


def test_assumptions_table_hides_sources_unless_asked() -> None:
    raw = pd.DataFrame(
        {
            "setting": ["levers.vision_qc.level", "assumptions.diffusion.source"],
            "plan": ["typical", "A"],
            "slow": ["low", "B"],
        }
    )
    short = view.assumptions_table(raw, {"plan": "Plan"})
    assert list(short.columns) == ["Setting", "Plan", "slow"]
    assert list(short["Setting"]) == ["Vision QC: effect level"]
    full = view.assumptions_table(raw, with_sources=True)
    assert len(full) == 2


def test_every_kpi_has_an_axis_title_with_its_unit() -> None:
    for kpi, k in KPIS.items():
        assert view.kpi_axis_title(kpi).endswith(f"({k.unit})")
    assert view.band_colour("#0072B2", 0.5) == "rgba(0,114,178,0.5)"
    assert np.isclose(view._err(3.0, 1.0, 2.0), 1.0) and view._err(None, 1.0, 1.0) == 0.0
