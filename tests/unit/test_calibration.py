"""Scaling archetypes to the complex, comparing with targets, fitting utilisation."""

import math

import pandas as pd
import pytest

from twin.calibration import ArchetypeYear, Target, compare, fit_utilisation, modelled_totals
from twin.config import parse_factory_spec
from twin.config.transform import scale_distribution, with_utilisation

LINE = {
    "name": "line",
    "sector": "electronics",
    "employees": 10,
    "source": {
        "interarrival_min": {"dist": "exponential", "mean": 2.0},
        "products": [{"name": "p", "share": 1.0, "price_krw": 1000.0}],
    },
    "stations": [{"name": "s", "process_time_min": {"dist": "exponential", "mean": 1.0}}],
}


def year(name, sector, rev, mwh, emp):
    return ArchetypeYear(name, sector, emp, 1.0, rev, mwh, 0.0, 0.0)


def test_modelled_totals_are_scaled_sums():
    """Complex totals = sum over firms of archetype KPIs x scale; shares by firm sector."""
    firms = pd.DataFrame(
        {
            "archetype": ["a", "a", "b"],
            "scale": [1.0, 2.0, 0.5],
            "sector": ["electronics", "metals", "chemicals"],
        }
    )
    years = {
        "a": year("a", "electronics", 100.0, 10.0, 5),
        "b": year("b", "chemicals", 40.0, 8.0, 2),
    }
    t = modelled_totals(firms, years)
    assert t["production_krw"] == pytest.approx(100 + 200 + 20)
    assert t["electricity_mwh"] == pytest.approx(10 + 20 + 4)
    assert t["employees"] == pytest.approx(5 + 10 + 1)
    assert t["share:metals"] == pytest.approx(200 / 320)
    assert sum(v for k, v in t.items() if k.startswith("share:")) == pytest.approx(1.0)


def test_compare_relative_and_share_points():
    rows = compare(
        {"production_krw": 105.0, "share:x": 0.42},
        [
            Target("production_krw", 100.0, "KRW", 0.1, "s"),
            Target("share:x", 0.5, "share", 0.05, "s"),
            Target("share:y", 0.1, "share", 0.05, "s"),
        ],
    ).set_index("figure")
    assert rows.loc["production_krw", "error"] == pytest.approx(0.05)
    assert rows.loc["production_krw", "within"]
    assert rows.loc["share:x", "error"] == pytest.approx(-0.08)
    assert not rows.loc["share:x", "within"]
    assert rows.loc["share:y", "modelled"] == 0.0


def test_with_utilisation_scales_release_rate_only():
    spec = parse_factory_spec(LINE)
    fast = with_utilisation(spec, 1.6)
    assert fast.source.interarrival_min.mean == pytest.approx(2.0 / 1.6)
    assert fast.stations == spec.stations
    d = scale_distribution(parse_factory_spec({**LINE}).stations[0].process_time_min, 3.0)
    assert d.mean == 3.0
    with pytest.raises(ValueError):
        scale_distribution(d, 0.0)


def test_fit_utilisation_recovers_closed_form():
    """Revenue of a stable queue = release rate x price, so u* = target / (rate x price x year)."""
    spec = parse_factory_spec(LINE)
    rate_per_year = 0.5 * 60 * 24 * 365  # jobs/min at u = 1, annualised
    target = 0.8 * rate_per_year * 1000.0
    firms = pd.DataFrame({"archetype": ["line"], "scale": [2.0], "production_krw": [2 * target]})
    u = fit_utilisation(
        {"line": spec},
        firms,
        days=60,
        warmup_days=2,
        replications=2,
        seed=3,
        bounds=(0.3, 1.2),
        steps=12,
    )["line"]
    assert u == pytest.approx(0.8, abs=0.02)


def test_fit_stops_at_bound_when_out_of_reach():
    spec = parse_factory_spec(LINE)
    firms = pd.DataFrame({"archetype": ["line"], "scale": [1.0], "production_krw": [1e15]})
    u = fit_utilisation(
        {"line": spec},
        firms,
        days=5,
        warmup_days=0,
        replications=1,
        seed=1,
        bounds=(0.3, 1.2),
        steps=6,
    )["line"]
    assert math.isclose(u, 1.2, abs_tol=0.02)
