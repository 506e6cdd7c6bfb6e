"""The What-if page in Streamlit's AppTest, on a small surrogate fitted in the test.

The surrogate is fitted on a made-up sweep table whose change is a known smooth function of
two parameters, so the page's numbers can be checked against that function; the full
simulation is replaced by the same function (the real one needs the archetype runs). One slow
test confirms a point on the real stored runs.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import qmc
from streamlit.testing.v1 import AppTest

import twin.ui.whatif_page as page
from twin.surrogate import FILE_NAME, fit_surrogate, save_surrogate

EFFECT = "levers.vision_qc.effect"
REACH = "adoption.ceiling_multiplier"
BASE = 20e12  # the no-AI baseline's value added, KRW


def truth(t: float, m: float, year: int) -> float:
    """Value added gained over the baseline (KRW): linear in the effect, saturating in reach."""
    scale = {2030: 0.5, 2032: 1.0}[year]
    return scale * (300e9 + 150e9 * t + 400e9 * (1 - np.exp(-1.5 * (m - 0.5))))


def _table(n: int = 30) -> pd.DataFrame:
    u = qmc.LatinHypercube(d=2, rng=np.random.default_rng(7)).random(n)
    rows = []
    for i, (a, b) in enumerate(u):
        t, m = -1 + 2 * a, 0.5 + b
        for year in (2030, 2032):
            d = truth(t, m, year)
            rows.append(
                {
                    "point": i,
                    EFFECT: t,
                    REACH: m,
                    "year": year,
                    "kpi": "value_added_krw",
                    "mean": BASE + d,
                    "baseline": BASE,
                    "diff": d,
                    "diff_low": d - 1e9,
                    "diff_high": d + 1e9,
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sweep folder with the table and its fitted surrogate."""
    out = tmp_path_factory.mktemp("whatif") / "ax-effects"
    out.mkdir()
    table = _table()
    s = fit_surrogate(
        table,
        [EFFECT, REACH],
        neutral={EFFECT: 0.0, REACH: 1.0},
        bounds={EFFECT: (-1.0, 1.0), REACH: (0.5, 1.5)},
        meta={"sweep": "test"},
    )
    save_surrogate(s, out)
    table.to_parquet(out / "sweep.parquet", index=False)
    return out


def fake_simulate(query: dict[str, float]) -> pd.DataFrame:
    """The known function at the point, as :func:`twin.study.evaluate_point` tabulates it."""
    rows = []
    for year in (2030, 2032):
        d = truth(query[EFFECT], query[REACH], year)
        rows.append(
            {
                "year": year,
                "kpi": "value_added_krw",
                "diff": d,
                "diff_low": d - 2e9,
                "diff_high": d + 2e9,
                "mean": BASE + d,
                "baseline": BASE,
            }
        )
    return pd.DataFrame(rows)


def _script() -> None:
    from twin.ui.whatif_page import render

    render()


def _app(monkeypatch: pytest.MonkeyPatch, folders: list[Path]) -> AppTest:
    monkeypatch.setattr(page, "locations", lambda: folders)
    monkeypatch.setattr(page, "simulate", fake_simulate)
    at = AppTest.from_function(_script, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def _metric_bn(at: AppTest) -> float:
    """The headline change, bn KRW."""
    return float(at.metric[0].value.split()[0].replace(",", ""))


def test_prediction_follows_the_sliders(monkeypatch, folder):
    at = _app(monkeypatch, [folder])
    # At the plan as written (t=0, m=1), 2032: the known function, within 2 %.
    assert _metric_bn(at) == pytest.approx(truth(0.0, 1.0, 2032) / 1e9, rel=0.02)
    assert "answered in" in " ".join(m.value for m in at.markdown)
    assert not at.warning
    at.slider(key=f"whatif_{EFFECT}").set_value(0.8).run()
    assert _metric_bn(at) == pytest.approx(truth(0.8, 1.0, 2032) / 1e9, rel=0.02)
    at.slider(key=f"whatif_{REACH}").set_value(0.6).run()
    assert _metric_bn(at) == pytest.approx(truth(0.8, 0.6, 2032) / 1e9, rel=0.03)
    # The change vs the plan as written is the difference of the two answers.
    delta = float(at.metric[0].delta.split()[0].replace(",", ""))
    assert delta == pytest.approx((truth(0.8, 0.6, 2032) - truth(0, 1, 2032)) / 1e9, abs=8)
    at.radio(key="whatif_year").set_value(2030).run()
    assert _metric_bn(at) == pytest.approx(truth(0.8, 0.6, 2030) / 1e9, rel=0.03)
    # The baseline level from the table, and the CV error.
    captions = " ".join(c.value for c in at.caption)
    assert "20,000 bn KRW" in captions
    assert "R²" in captions and "SURROGATE" in captions


def test_outside_the_sampled_range_is_flagged(monkeypatch, folder):
    at = _app(monkeypatch, [folder])
    s = at.slider(key=f"whatif_{EFFECT}")
    assert s.max > 1.0  # the sliders reach a little beyond the sweep
    s.set_value(s.max).run()
    assert at.warning and "OUTSIDE the sampled range" in at.warning[0].value
    assert EFFECT in at.warning[0].value


def test_confirm_shows_simulated_beside_surrogate(monkeypatch, folder):
    at = _app(monkeypatch, [folder])
    at.slider(key=f"whatif_{EFFECT}").set_value(-0.5).run()
    at.button(key="whatif_confirm").click().run()
    assert not at.exception
    df = at.dataframe[0].value
    assert list(df["year"]) == [2030, 2032]
    assert df["within the surrogate's band"].all()
    assert "Full simulation vs surrogate" in " ".join(m.value for m in at.markdown)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [d["name"] for d in spec["data"]][-1] == "your settings (full simulation)"
    # Kept when a widget changes; marked as stale once the sliders move.
    at.slider(key=f"whatif_{EFFECT}").set_value(0.5).run()
    assert "moved since" in " ".join(m.value for m in at.markdown)


def test_missing_surrogate_explains_and_offers_the_fit(monkeypatch, tmp_path):
    at = _app(monkeypatch, [tmp_path / "a", tmp_path / "b"])
    assert "No fitted what-if model" in at.info[0].value
    assert at.button(key="whatif_fit").label == "Fit the what-if model"
    assert not at.slider


def test_fit_button_saves_then_the_sliders_answer(monkeypatch, tmp_path, folder):
    target = tmp_path / "whatif" / "ax-effects"

    def fake_fit(where: Path) -> None:
        shutil.copytree(folder, where)

    monkeypatch.setattr(page, "fit", fake_fit)
    at = _app(monkeypatch, [tmp_path / "results", target])
    at.button(key="whatif_fit").click().run()
    assert not at.exception
    assert (target / FILE_NAME).is_file()
    assert _metric_bn(at) == pytest.approx(truth(0.0, 1.0, 2032) / 1e9, rel=0.02)


@pytest.mark.slow
def test_confirm_on_the_real_runs():
    """The page's full simulation of a sweep point is the sweep's own answer there (same
    scenario variant, settings and archetype runs), when the sweep's points are stored."""
    from twin.execution import TaskStore
    from twin.study import _cache_root
    from twin.sweep import load_sweep, sweep_points

    sweep = load_sweep(page.sweep_file())
    sim = page.simulate(sweep.designs[0])
    va = sim[(sim["kpi"] == "value_added_krw") & (sim["year"] == 2032)].iloc[0]
    assert va["diff"] > 0  # the AX plan adds value in every sweep point
    stored = TaskStore(_cache_root() / "points").get(sweep_points(sweep)[0].key)
    if stored is not None:
        pd.testing.assert_frame_equal(
            sim.reset_index(drop=True), stored.reset_index(drop=True), rtol=1e-9
        )
