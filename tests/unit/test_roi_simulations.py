"""Company ROI with fewer simulated replications than effect draws, and the ROI store key."""

import numpy as np
import pytest

from twin.config import parse_factory_spec
from twin.config.tariff import load_tariff
from twin.io.paths import data_dir
from twin.roi import company_roi, simulations_count
from twin.roi.results import _mean_interval
from twin.roi.runs import effect_draws, hosts, plan_units
from twin.roi.store import result_key
from twin.scenario_run import load_levers

LEVERS = load_levers()
FAST = {"days": 7.0, "warmup_days": 1.0, "years": 4}


def line():
    """One station with defects and an inspection (yield optimisation acts on it)."""
    return parse_factory_spec(
        {
            "name": "one-step",
            "source": {
                "interarrival_min": {"dist": "exponential", "mean": 3.0},
                "products": [
                    {"name": "a", "share": 1.0, "price_krw": 100_000, "material_cost_krw": 60_000}
                ],
            },
            "stations": [
                {
                    "name": "make",
                    "process_time_min": {"dist": "lognormal", "mean": 2.0, "cv": 0.3},
                    "defect_rate": 0.05,
                    "power_kw": {"processing": 20.0, "idle": 8.0, "off": 1.0},
                },
                {
                    "name": "check",
                    "process_time_min": {"dist": "constant", "value": 1.0},
                    "inspection": {"detection_rate": 0.9, "reject_to": "scrap"},
                    "power_kw": {"processing": 3.0, "idle": 2.0},
                },
            ],
        }
    )


@pytest.fixture(scope="module")
def pair():
    """8 draws on 8 simulations and the same 8 draws on 2 simulations."""
    kw = dict(replications=8, seed=5, noise="run", **FAST)
    return (
        company_roi(line(), ["yield_optimisation"], **kw),
        company_roi(line(), ["yield_optimisation"], simulations=2, **kw),
    )


def test_draws_are_the_same_whatever_the_simulations(pair):
    full, few = pair
    np.testing.assert_array_equal(full.draws["yield_optimisation"], few.draws["yield_optimisation"])
    assert few.inputs["replications"] == 8 and few.inputs["simulations"] == 2
    np.testing.assert_array_equal(few.simulation_of, [0, 1, 0, 1, 0, 1, 0, 1])
    assert any("8 effect draws on 2 simulated replications" in n for n in few.notes)
    assert full.simulation_of is None and full.inputs["simulations"] == 8


def test_draws_on_a_shared_simulation_equal_the_full_run_where_they_share_it(pair):
    """Draws 0 and 1 sit on simulations 0 and 1 in both runs (same random numbers, same
    presets where the draw's side was simulated): their NPVs under run noise are equal;
    costs follow the draws alone, so they are equal for every draw."""
    full, few = pair
    a, b = full.sets["yield_optimisation"], few.sets["yield_optimisation"]
    np.testing.assert_array_equal(a.capex, b.capex)
    np.testing.assert_array_equal(a.opex, b.opex)
    np.testing.assert_allclose(a.npv[:2], b.npv[:2], rtol=1e-12)


def test_the_mean_interval_counts_the_simulations_not_the_draws():
    """Values in two groups (two simulations): the interval is that of the two group means
    (Student t with 1 degree of freedom), wider than that of eight independent values."""
    v = np.array([1.0, 3.0, 1.2, 3.2, 0.8, 2.8, 1.0, 3.0])
    g = np.arange(8) % 2
    iv = _mean_interval(v, g)
    means = np.array([1.0, 3.0])
    half = 12.706 * means.std(ddof=1) / np.sqrt(2)
    assert iv["mean"] == pytest.approx(v.mean())
    assert iv["ci_high"] - iv["ci_low"] == pytest.approx(2 * half, rel=1e-3)
    naive = _mean_interval(v, None)
    assert naive["ci_high"] - naive["ci_low"] < 0.2 * (iv["ci_high"] - iv["ci_low"])


def test_units_and_counts_follow_the_draws_carried():
    names = ["predictive_maintenance", "vision_qc"]
    draws = effect_draws(names, 100, 7)
    units = plan_units(names, draws, hosts(100, 20), 20)
    runs = 2 * sum(len(u.reps) for u in units)
    assert runs == simulations_count(names, 100, simulations=20, seed=7)
    assert runs <= simulations_count(names, 100, simulations=20) == 2 * 20 * 8
    # one simulation per draw: one side preset per lever and replication, as before
    assert simulations_count(names, 100, seed=7) == simulations_count(names, 100) == 1200


def test_bad_simulations_are_refused():
    with pytest.raises(ValueError, match="divides replications"):
        company_roi(line(), ["yield_optimisation"], replications=6, simulations=4, **FAST)
    with pytest.raises(ValueError, match="simulations"):
        company_roi(line(), ["yield_optimisation"], replications=6, simulations=1, **FAST)


def test_the_store_key_changes_with_every_input():
    tariff = load_tariff(data_dir() / "tariff.yaml")
    names = ("vision_qc",)
    settings = {"seed": 7, "replications": 20, "simulations": 20, "discount_rate": 0.07}
    k = result_key(line(), names, LEVERS, tariff, settings)
    assert k == result_key(line(), names, LEVERS, tariff, dict(settings))
    assert k != result_key(line(), names, LEVERS, tariff, {**settings, "seed": 8})
    assert k != result_key(line(), ("energy_optimisation",), LEVERS, tariff, settings)
    other = parse_factory_spec({**line().model_dump(mode="json"), "name": "renamed"})
    assert k != result_key(other, names, LEVERS, tariff, settings)
    lever = LEVERS["vision_qc"].model_copy(update={"ramp_up_months": LEVERS["vision_qc"].capex_krw})
    assert k != result_key(line(), names, {**LEVERS, "vision_qc": lever}, tariff, settings)
