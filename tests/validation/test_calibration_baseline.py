"""The calibrated baseline reproduces Gumi's published figures within the stated bounds.

Production (within 10 %), employment (5 %), electricity (10 %) and production by sector
(5 points), with the shipped calibration settings (deterministic: fixed seed).
"""

import pytest

from twin.baseline import calibration_report


@pytest.fixture(scope="module")
def report():
    return calibration_report()


@pytest.mark.slow
def test_every_published_figure_within_bounds(report):
    bad = [r for r in report["figures"] if not r["within"]]
    assert not bad, bad


@pytest.mark.slow
def test_bounds_are_the_ones_promised(report):
    tol = {r["figure"]: r["tolerance"] for r in report["figures"]}
    assert tol["production_krw"] <= 0.10
    assert tol["employees"] <= 0.05
    assert tol["electricity_mwh"] <= 0.10
    published = {r["figure"]: r for r in report["figures"]}
    assert published["production_krw"]["published"] == pytest.approx(46.1778e12)
    assert published["electricity_mwh"]["published"] == pytest.approx(7.516e6)
    assert published["production_krw"]["status"] == "published"


@pytest.mark.slow
def test_archetypes_run_below_saturation(report):
    """Fitted demand keeps every line out of saturation (utilisation at most 1.2)."""
    for a in report["archetypes"]:
        assert 0.3 <= a["utilisation"] <= 1.2, a
        assert a["firms"] > 0
