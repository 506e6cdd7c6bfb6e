"""Predictive maintenance: the degradation form, training data, features, training, lever file."""

from pathlib import Path

import numpy as np
import pytest

from twin.ai import pdm
from twin.config import parse_factory_spec
from twin.config.distributions import Empirical
from twin.config.lever import load_lever
from twin.core.streams import stream
from twin.des import simulate

LEVER = Path(__file__).resolve().parents[2] / "data" / "levers" / "predictive_maintenance.yaml"
SMALL = pdm.Budget(readings=20_000, min_lives=40, max_lives=120, fit_rows=20_000)


def one_machine(mtbf=20.0, mttr=1.0, pt=6.0, shape=1.3, **extra):
    """A saturated machine with Weibull breakdowns (always a part waiting)."""
    return parse_factory_spec(
        {
            "source": {"interarrival_min": {"dist": "constant", "value": pt / 3}},
            "stations": [
                {
                    "name": "m",
                    "process_time_min": {"dist": "lognormal", "mean": pt, "cv": 0.2},
                    "buffer_capacity": 2,
                    "failure": {
                        "mtbf_h": {"dist": "weibull", "mean": mtbf, "shape": shape},
                        "mttr_h": {"dist": "lognormal", "mean": mttr, "cv": 0.5},
                    },
                    **extra,
                }
            ],
        }
    )


@pytest.mark.parametrize("mtbf", [30.0, 150.0, 500.0])
@pytest.mark.parametrize("sudden", [0.0, 0.5])
def test_wear_increments_solve_mean_life_and_sudden_share(mtbf, sudden):
    wear = pdm.wear_increments(mtbf, sudden)
    assert isinstance(wear, Empirical)
    assert pdm.expected_life_h(wear) == pytest.approx(mtbf, rel=1e-6)
    assert pdm.sudden_share(wear) == pytest.approx(sudden, abs=0.01)
    shocks = sum(v >= 1.0 for v in wear.values)
    assert (shocks > 0) == (sudden > 0)
    assert sum(v < 1.0 for v in wear.values) >= pdm.MIN_GRADUAL_VALUES


def test_wear_increments_reject_bad_input():
    with pytest.raises(ValueError):
        pdm.wear_increments(40.0, 1.0)
    with pytest.raises(ValueError):
        pdm.wear_increments(0.5, 0.3)


@pytest.mark.parametrize("mtbf", [30.0, 200.0])
def test_simulated_lives_have_the_mean_mtbf(mtbf):
    """Monte Carlo over the engine's first-passage rule (replicated in station_lives)."""
    form = pdm.degradation_form(one_machine(mtbf=mtbf, pt=60.0), 0.1, sudden_failure_share=0.5)
    lives = pdm.station_lives(form, form.stations[0], 3000, stream(3, "test-lives"))
    se = lives.life_h.std() / np.sqrt(lives.life_h.size)
    assert lives.life_h.mean() == pytest.approx(mtbf, abs=max(3 * se, 0.005 * mtbf))
    # about half the breakdowns sudden: a life much shorter than the gradual wear-out
    assert 0.3 < lives.life_h.std() / lives.life_h.mean() < 0.7


def test_degradation_form_rewrites_failures_only():
    spec = parse_factory_spec(
        {
            "source": {"interarrival_min": {"dist": "exponential", "mean": 2.0}},
            "stations": [
                {
                    "name": "a",
                    "machines": 2,
                    "process_time_min": {"dist": "exponential", "mean": 3.0},
                    "failure": {
                        "mtbf_h": {"dist": "exponential", "mean": 50},
                        "mttr_h": {"dist": "lognormal", "mean": 2.0, "cv": 0.8},
                    },
                    "power_kw": {"processing": 5.0},
                },
                {"name": "b", "process_time_min": {"dist": "constant", "value": 1.0}},
                {
                    "name": "c",
                    "process_time_min": {"dist": "constant", "value": 1.0},
                    "degradation": {
                        "wear_per_h": {"dist": "constant", "value": 0.01},
                        "sensor_sd": 0.5,
                        "mttr_h": {"dist": "constant", "value": 1.0},
                        "planned_h": {"dist": "constant", "value": 0.2},
                    },
                },
            ],
        }
    )
    form = pdm.degradation_form(spec, 0.2, planned_repair_ratio=0.4, sudden_failure_share=0.5)
    a, b, c = form.stations
    assert a.failure is None and a.degradation is not None
    assert a.degradation.mttr_h == spec.stations[0].failure.mttr_h
    assert a.degradation.planned_h.value == pytest.approx(0.4 * 2.0)
    assert a.degradation.sensor_sd == 0.2
    assert pdm.nominal_life_h(a) == pytest.approx(50.0, rel=1e-6)
    assert (a.machines, a.power_kw, a.process_time_min) == (
        spec.stations[0].machines,
        spec.stations[0].power_kw,
        spec.stations[0].process_time_min,
    )
    assert b == spec.stations[1]
    assert c.degradation.sensor_sd == 0.2  # new sensors; wear and repairs kept
    assert c.degradation.wear_per_h == spec.stations[2].degradation.wear_per_h
    assert form.source == spec.source


def test_baseline_of_the_form_does_not_depend_on_sensor_or_planned_time():
    """Without alarms, sensor noise and planned repair time change nothing (common numbers)."""
    spec = one_machine()
    runs = [
        simulate(pdm.degradation_form(spec, sd, planned_repair_ratio=r), days=10, seed=4)
        for sd, r in ((0.05, 0.3), (1.0, 0.6))
    ]
    assert runs[0].kpis == runs[1].kpis
    assert runs[0].stations == runs[1].stations


@pytest.mark.slow
def test_degradation_form_preserves_mean_life_and_availability_on_a_saturated_machine():
    """Failure form vs degradation form: the same life and availability MTBF / (MTBF + MTTR).

    About 3,400 lives per form; tolerances are three standard errors of the mean life (life
    cv 0.79 for Weibull shape 1.3, about 0.55 for the degradation form).
    """
    spec = one_machine(mtbf=20.0, mttr=1.0, pt=60.0)
    form = pdm.degradation_form(spec, 0.1)

    def life_and_availability(s):
        op_h = failures = 0.0
        avail = []
        for rep in range(6):
            r = simulate(s, days=500, seed=8, replication=rep)
            op_h += r.stations["m"]["state_min"]["processing"] / 60
            failures += r.kpis["failures"]
            avail.append(r.stations["m"]["availability"])
        return op_h / failures, float(np.mean(avail)), failures

    life_f, avail_f, n_f = life_and_availability(spec)
    life_d, avail_d, n_d = life_and_availability(form)
    assert life_f == pytest.approx(20.0, abs=3 * 0.79 * 20 / np.sqrt(n_f))
    assert life_d == pytest.approx(20.0, abs=3 * 0.55 * 20 / np.sqrt(n_d))
    assert avail_d == pytest.approx(20.0 / 21.0, abs=0.003)
    assert avail_d == pytest.approx(avail_f, abs=0.004)


def test_history_features_equal_the_policy_running_state():
    form = pdm.degradation_form(one_machine(pt=3.0), 0.3)
    st = form.stations[0]
    lives = pdm.station_lives(form, st, 4, stream(1, "features"))
    params = pdm.FeatureParams.of(st)
    x = pdm.history_features(lives.age_h, lives.reading, lives.starts, params)
    model = pdm.StationModel("m", (1.0,) * 5, 0.0, np.inf, params, 5.0)
    pol = pdm.PdmPolicy({"m": model})
    inc = np.array(
        [pol.update("m", 0, a, r) for a, r in zip(lives.age_h, lives.reading, strict=True)]
    )
    assert inc.shape == x.shape
    np.testing.assert_allclose(inc[:, [0, 1, 2, 4]], x[:, [0, 1, 2, 4]], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(inc[:, 3], x[:, 3], rtol=1e-5, atol=1e-6)
    first = np.unique(lives.starts[lives.starts < x.shape[0]])
    assert np.all(x[first, 3] == 0.0)  # no slope at a life's first reading
    assert np.all(x[first, 1] == lives.reading[first])  # moving averages restart


def test_policy_restarts_a_life_when_the_age_falls_and_on_reset():
    model = pdm.StationModel("m", (0.0,) * 5, 0.0, np.inf, pdm.FeatureParams(0.1, 0.5, 0.1), 5.0)
    pol = pdm.PdmPolicy({"m": model})
    pol.update("m", 0, 1.0, 0.2)
    f = pol.update("m", 0, 2.0, 0.4)
    assert f[1] == pytest.approx(0.3)  # 0.2 + 0.5 * (0.4 - 0.2)
    assert pol.update("m", 0, 0.5, 0.9)[1] == 0.9  # repaired: a new life
    pol.reset()
    assert pol.update("m", 0, 3.0, 0.1)[1] == 0.1
    assert pol.update("other", 0, 1.0, 0.5) is None
    assert pol.on_sensor("other", 0, 1.0, 0.5) is False


def test_monitored_stations_take_the_largest_downtime_first():
    spec = parse_factory_spec(
        {
            "source": {"interarrival_min": {"dist": "constant", "value": 1}},
            "stations": [
                {
                    "name": n,
                    "machines": k,
                    "process_time_min": {"dist": "constant", "value": 0.5},
                    "failure": {
                        "mtbf_h": {"dist": "exponential", "mean": mtbf},
                        "mttr_h": {"dist": "constant", "value": 1.0},
                    },
                }
                for n, k, mtbf in (("a", 1, 100), ("b", 3, 100), ("c", 1, 50))
            ],
        }
    )
    form = pdm.degradation_form(spec, 0.1)
    # downtime weights: a 0.01, b 0.03, c 0.02 (total 0.06)
    assert pdm.monitored_stations(form, 0.5) == (("b",), pytest.approx(0.5))
    assert pdm.monitored_stations(form, 0.6)[0] == ("b", "c")
    assert pdm.monitored_stations(form, 1.0) == (("b", "c", "a"), pytest.approx(1.0))
    assert pdm.monitored_stations(form, 0.0) == ((), 0.0)


def test_training_is_deterministic_for_a_seed():
    form = pdm.degradation_form(one_machine(), 0.3)
    a = pdm.train(form, lead_horizon_h=24, seed=5, budget=SMALL)
    b = pdm.train(form, lead_horizon_h=24, seed=5, budget=SMALL)
    c = pdm.train(form, lead_horizon_h=24, seed=6, budget=SMALL)
    assert a.models == b.models
    assert a.quality == b.quality
    assert a.models["m"].weights != c.models["m"].weights
    m = a.models["m"]
    assert m.horizon_h == pytest.approx(0.25 * 20.0)  # 24 h capped at a quarter of the MTBF
    assert np.isfinite(m.threshold)
    assert m.validation["availability"] >= m.validation["availability_run_to_failure"]
    q = a.quality
    for key in ("precision", "recall", "f1", "lead_time_h", "false_alarms_per_1000h", "auc"):
        assert np.isfinite(q[key]), key
    assert 0 < q["recall"] < 0.6  # half the breakdowns are sudden: recall stays below ~0.5
    assert 0.5 < q["auc"] <= 1.0


def test_horizon_is_kept_within_a_tenth_and_a_quarter_of_the_mtbf():
    for mtbf, expected in ((20.0, 5.0), (150.0, 24.0), (1000.0, 100.0)):
        st = pdm.degradation_form(one_machine(mtbf=mtbf), 0.1).stations[0]
        assert pdm.horizon_h(st, 24.0) == pytest.approx(expected, rel=1e-6)


def test_lever_file_validates_and_apply_returns_the_form_and_quality():
    lever = load_lever(LEVER)
    assert lever.name == "predictive_maintenance"
    for key in (
        "sensor_sd",
        "planned_repair_ratio",
        "sudden_failure_share",
        "monitored_downtime_share",
        "lead_horizon_h",
    ):
        lever.value(key, "typical")
    share = lever.params["sudden_failure_share"]
    assert share.low == share.typical == share.high  # one baseline form for every level
    sd = lever.params["sensor_sd"]
    assert sd.low > sd.typical > sd.high  # better sensors at higher levels
    spec = one_machine(pt=30.0)
    out = pdm.apply(spec, lever, "typical", 3)
    assert out.name == "predictive_maintenance"
    assert out.spec.stations[0].degradation is not None
    assert out.spec.stations[0].degradation.sensor_sd == sd.typical
    assert isinstance(out.policy, pdm.PdmPolicy)
    assert {"precision", "recall", "f1", "lead_time_h", "false_alarms_per_1000h"} <= set(
        out.quality
    )
    again = pdm.apply(spec, lever, "typical", 3)  # cached model, fresh policy
    assert again.policy is not out.policy
    assert again.policy.models == out.policy.models
    assert again.quality == out.quality
