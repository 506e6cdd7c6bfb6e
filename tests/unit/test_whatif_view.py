"""The What-if page's helpers: slider ranges, number formats, where the surrogate is found,
the simulated-vs-surrogate table."""

from __future__ import annotations

import os
import time

import pandas as pd
import pytest

from twin.surrogate import FILE_NAME, Prediction
from twin.ui import whatif_view as view


def test_slider_range_reaches_beyond_the_sweep_on_round_steps():
    assert view.slider_range(-1.0, 1.0) == (-1.5, 1.5, 0.01)
    lo, hi, step = view.slider_range(0.5, 1.5)
    assert (lo, hi, step) == (0.25, 1.75, 0.01)
    lo, hi, step = view.slider_range(0.0, 2000.0, margin=0.0)
    assert (lo, hi, step) == (0.0, 2000.0, 10.0)


def test_fmt_change_in_display_units_with_a_95_band():
    assert view.fmt_change(412.3e9, "value_added_krw") == "+412 bn KRW"
    assert view.fmt_change(-1.5e3, "co2_t") == "-1.5 kt"
    assert view.fmt_change(412e9, "value_added_krw", 10e9) == "+412 ± 20 bn KRW"
    assert view.fmt_change(12_345e9, "output_krw") == "+12,345 bn KRW"
    assert view.fmt_change(float("nan"), "co2_t") == "-"


def test_labels():
    assert view.kpi_label("value_added_krw") == "Value added (bn KRW)"
    assert "Vision quality control" in view.param_label("levers.vision_qc.effect")
    assert "-1 low" in view.param_label("levers.vision_qc.effect")
    assert "ceiling" in view.param_label("adoption.ceiling_multiplier")
    assert view.param_label("unknown.thing") == "unknown.thing"
    assert view.query_text({"levers.vision_qc.effect": 0.5}) == "vision_qc.effect = 0.5"


def test_find_folder_takes_the_newest_surrogate(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert view.find_folder([a, b, c]) is None
    for f in (a, b):
        f.mkdir()
        (f / FILE_NAME).write_bytes(b"x")
    now = time.time()
    os.utime(a / FILE_NAME, (now, now))
    os.utime(b / FILE_NAME, (now - 100, now - 100))
    assert view.find_folder([a, b, c]) == a
    folders = view.candidate_folders("s", root=tmp_path, cache=tmp_path / "cache")
    assert folders == [tmp_path / "results" / "sweeps" / "s", tmp_path / "cache" / "whatif" / "s"]


def test_baselines_from_the_sweep_table():
    t = pd.DataFrame({"kpi": ["co2_t"] * 3, "year": [2032] * 3, "baseline": [10.0, 10.0, 11.0]})
    assert view.baselines(t) == {("co2_t", 2032): 10.0}
    assert view.baselines(None) == {}
    assert view.baselines(t.drop(columns="baseline")) == {}


def test_comparison_table_agreement_within_the_bands():
    pred = Prediction(
        pd.DataFrame(
            {
                "kpi": ["co2_t", "co2_t"],
                "year": [2030, 2032],
                "diff": [-100.0, -200.0],
                "sd": [5.0, 5.0],
            }
        ),
        True,
        [],
        0.001,
    )
    sim = pd.DataFrame(
        {
            "kpi": ["co2_t", "co2_t"],
            "year": [2030, 2032],
            "diff": [-104.0, -250.0],
            "diff_low": [-106.0, -252.0],
            "diff_high": [-102.0, -248.0],
        }
    )
    t = view.comparison_table(pred, sim)
    # 2030: 4 apart, bands 10 + 2 wide; 2032: 50 apart.
    assert list(t["within the surrogate's band"]) == [True, False]
    assert t["surrogate - simulated"].iloc[1] == "+0.05 kt"
    assert view.comparison_table(pred, sim, ["value_added_krw"]).empty


def test_prediction_figure_has_units_and_readable_fonts():
    pred = Prediction(
        pd.DataFrame({"kpi": ["co2_t"], "year": [2032], "diff": [-2000.0], "sd": [100.0]}),
        True,
        [],
        0.0,
    )
    fig = view.prediction_figure(pred, "co2_t", pred)
    assert fig.layout.font.size >= 14
    assert "kt" in fig.layout.yaxis.title.text
    assert len(fig.data) == 2
    assert fig.data[1].y[0] == pytest.approx(-2.0)


def test_kpi_order_and_delta_text():
    assert view.kpi_order(["co2_t", "value_added_krw", "co2_t", "x"]) == [
        "value_added_krw",
        "co2_t",
        "x",
    ]
    assert view.delta_text(1e-9, 1e9, "co2_t") == "no change from the plan as written"
    assert view.delta_text(-2e3, 1e5, "co2_t") == "-2 kt vs the plan as written"
