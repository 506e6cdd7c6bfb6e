"""Wear-driven breakdowns, condition readings and planned repairs (the hooks PdM acts through).

Closed forms on a saturated machine (always busy): with constant wear c per operating hour a
life lasts exactly 1/c hours, so availability is L / (L + repair time); a policy that stops
the machine at wear w turns every breakdown into a planned repair after w/c hours.
"""

import pytest

from twin.config import parse_factory_spec
from twin.core.errors import InputError
from twin.core.policy import Policy
from twin.des import simulate


def saturated(wear=0.01, sd=0.0, mttr=2.0, planned=0.5, days=60.0, **deg):
    spec = parse_factory_spec(
        {
            "source": {"interarrival_min": {"dist": "constant", "value": 0.5}},
            "stations": [
                {
                    "name": "m",
                    "process_time_min": {"dist": "constant", "value": 1.0},
                    "buffer_capacity": 2,
                    "degradation": {
                        "wear_per_h": {"dist": "constant", "value": wear},
                        "sensor_sd": sd,
                        "mttr_h": {"dist": "constant", "value": mttr},
                        "planned_h": {"dist": "constant", "value": planned},
                        **deg,
                    },
                    "power_kw": {
                        "processing": 10.0,
                        "idle": 2.0,
                        "failed": 1.0,
                        "maintenance": 3.0,
                    },
                }
            ],
        }
    )
    return spec, days


class Threshold(Policy):
    """Alarm when the reading passes a threshold; records what it sees."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.seen: list[tuple[float, float, float]] = []

    def on_sensor(self, station, machine, age_h, reading):
        return reading >= self.threshold

    def observe(self, station, machine, age_h, reading, remaining_h):
        self.seen.append((age_h, reading, remaining_h))


def test_run_to_failure_availability_closed_form():
    """Life 1/c = 100 h, repair 2 h: availability 100 / 102 and one breakdown per 102 h."""
    spec, days = saturated()
    r = simulate(spec, days=days, warmup_days=0, seed=1)
    st = r.stations["m"]
    assert st["availability"] == pytest.approx(100 / 102, abs=0.003)
    assert r.kpis["failures"] == pytest.approx(days * 24 / 102, abs=1.01)
    assert r.kpis["planned_repairs"] == 0


def test_threshold_policy_replaces_breakdowns_by_planned_repairs():
    """Stopping at wear 0.8 (no noise): a planned 0.5 h repair every 80 h, no breakdowns."""
    spec, days = saturated()
    r = simulate(spec, days=days, warmup_days=0, seed=1, policy=Threshold(0.8))
    st = r.stations["m"]
    assert r.kpis["failures"] == 0
    assert r.kpis["planned_repairs"] == pytest.approx(days * 24 / 80.5, abs=1.01)
    assert st["availability"] == pytest.approx(80 / 80.5, abs=0.002)
    t = st["state_min"]
    assert r.energy_by_state_kwh["maintenance"] == pytest.approx(t["maintenance"] * 3.0 / 60)


def test_readings_and_ground_truth_are_consistent():
    """Without noise, reading = c * age and reading + c * remaining = 1 at every job."""
    spec, _ = saturated(wear=0.02)
    pol = Threshold(2.0)  # never alarms: observe a whole run to failure
    simulate(spec, days=5, warmup_days=0, seed=3, policy=pol)
    assert len(pol.seen) > 1000
    for age, reading, remaining in pol.seen[:500]:
        assert reading == pytest.approx(0.02 * age, abs=1e-9)
        assert reading + 0.02 * remaining == pytest.approx(1.0, abs=1e-9)


def test_noisy_sensor_false_alarms_cost_availability():
    """With sensor noise an early threshold fires on noise: more planned repairs, sooner."""
    spec, days = saturated(sd=0.1)
    clean = simulate(saturated()[0], days=days, seed=2, policy=Threshold(0.8))
    noisy = simulate(spec, days=days, seed=2, policy=Threshold(0.8))
    assert noisy.kpis["planned_repairs"] > clean.kpis["planned_repairs"]
    assert noisy.stations["m"]["availability"] < clean.stations["m"]["availability"]


def test_random_wear_mean_life():
    """Exponential hourly wear increments of mean c: a life lasts about 1/c + 1/2 hours."""
    spec = parse_factory_spec(
        {
            "source": {"interarrival_min": {"dist": "constant", "value": 0.5}},
            "stations": [
                {
                    "name": "m",
                    "buffer_capacity": 2,
                    "process_time_min": {"dist": "constant", "value": 1.0},
                    "degradation": {
                        "wear_per_h": {"dist": "exponential", "mean": 0.05},
                        "mttr_h": {"dist": "constant", "value": 1.0},
                        "planned_h": {"dist": "constant", "value": 0.5},
                    },
                }
            ],
        }
    )
    r = simulate(spec, days=200, warmup_days=0, seed=5)
    # Renewal: breakdowns per operating hour = 1 / E[life]; E[life] = (E[N] - 1) + E[fraction]
    # with N ~ 1 + Poisson(20) increments needed for a compound-exponential path: about 20.5 h.
    op_h = r.stations["m"]["state_min"]["processing"] / 60
    life = op_h / r.kpis["failures"]
    assert life == pytest.approx(20.5, rel=0.08)


def test_conservation_with_degradation_and_calendar():
    spec = parse_factory_spec(
        {
            "source": {"interarrival_min": {"dist": "exponential", "mean": 1.5}},
            "stations": [
                {
                    "name": "a",
                    "machines": 2,
                    "process_time_min": {"dist": "exponential", "mean": 2.0},
                    "buffer_capacity": 3,
                    "degradation": {
                        "wear_per_h": {"dist": "exponential", "mean": 0.1},
                        "sensor_sd": 0.05,
                        "mttr_h": {"dist": "exponential", "mean": 1.0},
                        "planned_h": {"dist": "constant", "value": 0.3},
                    },
                    "power_kw": {"processing": 5, "idle": 1, "failed": 0.5, "off": 0.1},
                },
                {"name": "b", "process_time_min": {"dist": "exponential", "mean": 1.0}},
            ],
            "calendar": {"shifts_per_day": 2, "hours_per_shift": 8, "days_per_week": 5},
        }
    )
    r = simulate(spec, days=14, warmup_days=2, seed=9, policy=Threshold(0.7))
    k = r.kpis
    assert k["released"] + k["wip_start"] == (
        k["good_units"] + k["escaped_defects"] + k["scrap_units"] + k["wip_end"]
    )
    assert sum(r.energy_by_state_kwh.values()) == pytest.approx(k["energy_kwh"], rel=1e-12)
    total = sum(r.stations["a"]["state_min"].values())
    assert total == pytest.approx(2 * 14 * 1440, rel=1e-9)
    assert k["planned_repairs"] > 0


def test_failure_and_degradation_together_rejected():
    with pytest.raises(InputError, match="either failure"):
        parse_factory_spec(
            {
                "source": {"interarrival_min": {"dist": "constant", "value": 1}},
                "stations": [
                    {
                        "name": "m",
                        "process_time_min": {"dist": "constant", "value": 1},
                        "failure": {
                            "mtbf_h": {"dist": "constant", "value": 10},
                            "mttr_h": {"dist": "constant", "value": 1},
                        },
                        "degradation": {
                            "wear_per_h": {"dist": "constant", "value": 0.1},
                            "mttr_h": {"dist": "constant", "value": 1},
                            "planned_h": {"dist": "constant", "value": 1},
                        },
                    }
                ],
            },
            "x.yaml",
        )
