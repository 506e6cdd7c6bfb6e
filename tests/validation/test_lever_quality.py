"""AI levers in the loop: behaviour against theory and monotonicity under common random numbers.

Predictive maintenance on a saturated machine (always busy, so availability is the whole
story): a better preset or a less noisy sensor never loses availability on the same seeds,
the typical preset beats running to failure, and a perfect-information oracle (which knows
each machine's remaining life from the engine's ground truth) bounds what any policy can
reach. The lever's offline test quality matches what the engine measures in the loop, and
the lever's replica of the wear-and-reading process matches the engine's recorded readings.
AI vision: a second gate never lets more defects through than the human check on the same
seeds, and the escapes in the run match the model's measured detection rate.
"""

from pathlib import Path

import numpy as np
import pytest

from twin.ai import pdm, vision
from twin.config import parse_factory_spec
from twin.config.lever import LEVELS, load_lever
from twin.core.policy import Policy
from twin.core.streams import stream
from twin.des import simulate

LEVERS = Path(__file__).resolve().parents[2] / "data" / "levers"
MTBF, MTTR = 20.0, 2.0
REPS, DAYS, WARMUP = 4, 60, 5
SEED = 11


def saturated():
    return parse_factory_spec(
        {
            "source": {"interarrival_min": {"dist": "constant", "value": 2.0}},
            "stations": [
                {
                    "name": "m",
                    "process_time_min": {"dist": "lognormal", "mean": 6.0, "cv": 0.2},
                    "buffer_capacity": 2,
                    "failure": {
                        "mtbf_h": {"dist": "weibull", "mean": MTBF, "shape": 1.3},
                        "mttr_h": {"dist": "lognormal", "mean": MTTR, "cv": 0.5},
                    },
                }
            ],
        }
    )


def availability(spec, policy_factory=lambda: None):
    """Availability of machine m per replication (same seed and replications every time)."""
    out = []
    for rep in range(REPS):
        pol = policy_factory()
        r = simulate(spec, days=DAYS, warmup_days=WARMUP, seed=SEED, replication=rep, policy=pol)
        out.append(r.stations["m"]["availability"])
    return np.array(out)


class Oracle(Policy):
    """Knows the remaining life (engine ground truth): repairs just before every breakdown."""

    def __init__(self, margin_h: float) -> None:
        self.margin_h = margin_h
        self._remaining = np.inf

    def observe(self, station, machine, age_h, reading, remaining_h):
        self._remaining = remaining_h

    def on_sensor(self, station, machine, age_h, reading):
        return self._remaining <= self.margin_h


@pytest.fixture(scope="module")
def applied():
    lever = load_lever(LEVERS / "predictive_maintenance.yaml")
    return {lv: pdm.apply(saturated(), lever, lv, 3) for lv in LEVELS}


@pytest.fixture(scope="module")
def level_runs(applied):
    base = availability(applied["typical"].spec)
    runs = {
        lv: availability(a.spec, lambda a=a: pdm.PdmPolicy(a.policy.models))
        for lv, a in applied.items()
    }
    return base, runs


def test_baseline_is_the_same_for_every_level(applied):
    """Run to failure, the levels' forms agree exactly: they differ only in sensors and
    planned repairs, which the baseline never uses."""
    runs = [availability(a.spec) for a in applied.values()]
    for r in runs[1:]:
        np.testing.assert_array_equal(r, runs[0])


def test_pdm_typical_beats_running_to_failure(level_runs):
    base, runs = level_runs
    assert base.mean() == pytest.approx(MTBF / (MTBF + MTTR), abs=0.01)
    assert np.all(runs["typical"] > base)
    assert runs["typical"].mean() - base.mean() > 0.005


def test_a_better_preset_never_loses_availability(level_runs):
    _, runs = level_runs
    tol = 0.002  # per replication, same seeds
    assert np.all(runs["typical"] >= runs["low"] - tol)
    assert np.all(runs["high"] >= runs["typical"] - tol)
    assert runs["high"].mean() > runs["low"].mean()


def test_a_less_noisy_sensor_never_loses_availability(applied):
    """Same planned repairs and coverage, only the sensor noise differs."""
    lever = load_lever(LEVERS / "predictive_maintenance.yaml")
    out = {}
    for sd in (0.05, 1.0):
        form = pdm.degradation_form(saturated(), sd, planned_repair_ratio=0.45)
        m = pdm.train(form, lead_horizon_h=lever.value("lead_horizon_h", "typical"), seed=3)
        out[sd] = (availability(form, m.policy), m.quality)
    assert np.all(out[0.05][0] >= out[1.0][0] - 0.002)
    assert out[0.05][0].mean() > out[1.0][0].mean()
    assert out[0.05][1]["auc"] > out[1.0][1]["auc"]


def test_a_perfect_information_oracle_bounds_the_availability(applied, level_runs):
    """The oracle repairs (planned) just before each breakdown, sudden ones included: its
    availability is E[L] / (E[L] + planned) and no policy using the readings can beat it."""
    _, runs = level_runs
    for lv, a in applied.items():
        planned = a.spec.stations[0].degradation.planned_h.value
        oracle = availability(a.spec, lambda: Oracle(0.25))
        assert np.all(oracle >= runs[lv])
        # a life loses at most the last job (< 0.25 h) to the early repair
        assert oracle.mean() == pytest.approx(MTBF / (MTBF + planned), abs=0.006)


def test_offline_test_quality_matches_the_engine(applied):
    """The lever's quality (test lives) agrees with the quality measured in the loop."""
    a = applied["typical"]
    loop = pdm.in_loop_quality(a.spec, a.policy.models, seed=21, days=150, replications=4)
    for key in ("precision", "recall"):
        assert loop[key] == pytest.approx(a.quality[key], abs=0.08), key
    assert loop["false_alarms_per_1000h"] == pytest.approx(
        a.quality["false_alarms_per_1000h"], rel=0.35, abs=3.0
    )
    assert loop["alarms"] > 100 and loop["breakdowns"] > 100


def test_training_replica_matches_the_engine_readings():
    """station_lives replays the engine's wear and readings: same lives, same cadence."""
    form = pdm.degradation_form(saturated(), 0.3)
    rec = pdm.RecordingPolicy()
    simulate(form, days=200, seed=5, policy=rec)
    age = np.array([r[2] for r in rec.rows])
    reading = np.array([r[3] for r in rec.rows])
    remaining = np.array([r[4] for r in rec.rows])
    new = np.flatnonzero(np.diff(age) <= 0) + 1
    life_engine = (age + remaining)[np.concatenate([[0], new])][:-1]  # the last is censored
    per_life_engine = np.diff(np.concatenate([[0], new]))
    lives = pdm.station_lives(form, form.stations[0], 2000, stream(5, "replica"))
    per_life = np.diff(np.append(lives.starts, lives.age_h.size))
    se = lives.life_h.std() / np.sqrt(life_engine.size)
    assert life_engine.mean() == pytest.approx(lives.life_h.mean(), abs=3 * se)
    assert per_life_engine.mean() == pytest.approx(per_life.mean(), rel=0.08)
    near = remaining <= 2.0  # readings in the last two hours before a breakdown
    near_replica = lives.remaining_h <= 2.0
    assert reading[near].mean() == pytest.approx(lives.reading[near_replica].mean(), abs=0.03)
    assert reading[~near].std() == pytest.approx(lives.reading[~near_replica].std(), rel=0.05)


# -- AI vision ------------------------------------------------------------------------------
def inspected_line(defect_rate=0.1):
    return parse_factory_spec(
        {
            "source": {"interarrival_min": {"dist": "constant", "value": 1.0}},
            "stations": [
                {
                    "name": "make",
                    "process_time_min": {"dist": "constant", "value": 0.5},
                    "defect_rate": defect_rate,
                },
                {
                    "name": "check",
                    "process_time_min": {"dist": "constant", "value": 0.5},
                    "inspection": {"detection_rate": 0.77, "false_reject_rate": 0.02},
                },
            ],
        }
    )


@pytest.fixture(scope="module")
def vision_runs():
    lever = load_lever(LEVERS / "vision_qc.yaml")
    spec = inspected_line()
    out = {"human": [simulate(spec, days=20, seed=s) for s in (1, 2, 3)]}
    for lv in LEVELS:
        a = vision.apply(spec, lever, lv, 2)
        out[lv] = (a, [simulate(a.spec, days=20, seed=s, policy=a.policy) for s in (1, 2, 3)])
    return out


def test_vision_lets_fewer_defects_escape_than_the_human_check(vision_runs):
    human = [r.kpis["escaped_defects"] for r in vision_runs["human"]]
    for lv in LEVELS:
        a, runs = vision_runs[lv]
        ai = [r.kpis["escaped_defects"] for r in runs]
        assert all(x < h for x, h in zip(ai, human, strict=True)), lv
        assert a.quality["detection_rate"] > a.quality["human_detection_rate"]


def test_vision_escapes_and_rejects_match_the_model(vision_runs):
    """Escapes ~ parts x defect rate x (1 - detection); rejects add false rejects of good parts."""
    for lv in LEVELS:
        a, runs = vision_runs[lv]
        q = a.quality
        # the station's own check is the 0.77 / 0.02 human of the lever file
        d, f = q["detection_rate"], q["false_reject_rate"]
        n = sum(r.kpis["released"] for r in runs)
        escaped = sum(r.kpis["escaped_defects"] for r in runs)
        scrap = sum(r.kpis["scrap_units"] for r in runs)
        p_escape = 0.1 * (1 - d)
        assert escaped == pytest.approx(n * p_escape, abs=4 * np.sqrt(n * p_escape) + 2), lv
        p_reject = 0.1 * d + 0.9 * f
        assert scrap == pytest.approx(n * p_reject, abs=4 * np.sqrt(n * p_reject)), lv
