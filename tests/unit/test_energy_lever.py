"""Energy lever: facility loads fall by the stated share; learned standby timeouts save idle
energy on a lightly loaded machine without costing output."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.ai import energy
from twin.config import parse_factory_spec
from twin.config.lever import LEVELS, load_lever
from twin.core.policy import Policy
from twin.des.engine import simulate

LEVER_FILE = Path(__file__).resolve().parents[2] / "data" / "levers" / "energy_optimisation.yaml"

# One oven-like machine, lightly loaded (~10 % utilisation), long idle gaps, no standby timer
# configured; two 8-hour shifts with a facility load that drops off shift.
LIGHT = {
    "name": "light",
    "source": {"interarrival_min": {"dist": "lognormal", "mean": 60.0, "cv": 0.6}},
    "stations": [
        {
            "name": "oven",
            "process_time_min": {"dist": "lognormal", "mean": 6.0, "cv": 0.2},
            "power_kw": {"processing": 20.0, "idle": 10.0, "standby": 1.0, "off": 0.2},
            "warmup_min": 5.0,
        },
        {
            "name": "pack",  # no cheaper standby: left alone
            "process_time_min": {"dist": "constant", "value": 2.0},
            "power_kw": {"processing": 2.0, "idle": 1.0, "standby": 1.0},
            "warmup_min": 1.0,
        },
        {
            "name": "label",  # no warm-up data: left alone
            "process_time_min": {"dist": "constant", "value": 1.0},
            "power_kw": {"processing": 1.0, "idle": 0.5, "standby": 0.1},
            "standby_after_idle_min": 10.0,
        },
    ],
    "calendar": {"shifts_per_day": 2, "hours_per_shift": 8.0},
    "facility": {"base_kw": 100.0, "off_shift_kw": 40.0, "kwh_per_unit": 0.5},
}


def idle_kwh(res, name="oven"):
    e = res.stations[name]["state_min"]
    pw = {"idle": 10.0, "standby": 1.0, "warmup": 10.0}
    return sum(e[k] * pw[k] for k in pw) / 60.0


@pytest.fixture(scope="module")
def lever():
    return load_lever(LEVER_FILE)


@pytest.fixture(scope="module")
def applied(lever):
    energy._TAIL_CACHE.clear()
    return energy.apply(parse_factory_spec(LIGHT), lever, "typical", seed=4)


def test_lever_file_validates(lever):
    assert lever.name == "energy_optimisation"
    cuts = [energy.facility_reduction(lever, lv) for lv in LEVELS]
    assert cuts == sorted(cuts) and 0 < cuts[0] and cuts[-1] < 0.5
    for key in ("hvac_cda_saving", "facility_controllable_share", "warmup_delay_penalty"):
        lever.value(key, "typical")


def test_facility_energy_falls_by_exactly_the_stated_share(lever):
    """Common random numbers: the flow is identical, so the facility energy without the
    per-unit part falls by exactly the lever's share, on shift and off shift."""
    spec = parse_factory_spec(LIGHT)
    r = energy.facility_reduction(lever, "high")
    assert r == pytest.approx(
        lever.value("facility_controllable_share", "high") * lever.value("hvac_cda_saving", "high")
    )
    new = energy.reduce_facility(spec, r)
    assert new.facility.base_kw == pytest.approx(100.0 * (1 - r))
    assert new.facility.off_shift_kw == pytest.approx(40.0 * (1 - r))
    assert new.stations == spec.stations and new.source == spec.source
    a = simulate(spec, days=7, warmup_days=1, seed=2)
    b = simulate(new, days=7, warmup_days=1, seed=2)
    assert a.kpis["good_units"] == b.kpis["good_units"]
    shipped = a.kpis["good_units"] + a.kpis["escaped_defects"]
    per_unit = 0.5 * shipped
    fa, fb = a.energy_by_state_kwh["facility"], b.energy_by_state_kwh["facility"]
    assert fb - per_unit == pytest.approx((fa - per_unit) * (1 - r), rel=1e-12)
    for state in ("processing", "idle", "standby", "warmup", "off"):
        assert a.energy_by_state_kwh[state] == b.energy_by_state_kwh[state]


def test_apply_reduces_the_facility_and_reports_it(applied, lever):
    r = energy.facility_reduction(lever, "typical")
    assert applied.name == "energy_optimisation"
    assert applied.quality["facility_load_reduction"] == pytest.approx(r)
    assert applied.spec.facility.base_kw == pytest.approx(100.0 * (1 - r))


def test_only_eligible_stations_get_a_timeout(applied):
    spec = parse_factory_spec(LIGHT)
    assert energy.eligible_stations(spec) == ["oven"]
    policy = applied.policy
    assert set(policy.timeouts) == {"oven"}
    assert policy.standby_after_min("pack", None) is None
    assert policy.standby_after_min("label", 10.0) == 10.0


def test_learned_timeout_saves_idle_energy_without_costing_output(applied):
    """Long idle gaps (~54 min) against a 5-minute warm-up: the learned timeout is short, and
    on fresh seeds (not used in training) idle + standby + warm-up energy falls sharply
    while good units stay within noise."""
    t = applied.quality["timeout_min[oven]"]
    assert 0 < t < 30
    spec = applied.spec
    for seed in (101, 202):
        base = simulate(spec, days=28, warmup_days=2, seed=seed)
        new = simulate(spec, days=28, warmup_days=2, seed=seed, policy=applied.policy)
        assert idle_kwh(new) < 0.5 * idle_kwh(base)
        assert new.kpis["energy_kwh"] < base.kpis["energy_kwh"]
        g0, g1 = base.kpis["good_units"], new.kpis["good_units"]
        assert abs(g1 - g0) <= max(3.0, 0.01 * g0)
    q = applied.quality
    assert q["realised_idle_kwh_saved"] > 0 and q["predicted_idle_kwh_saved"] > 0
    assert q["realised_idle_kwh_saved"] == pytest.approx(q["predicted_idle_kwh_saved"], rel=0.3)
    assert q["model_r2"] > 0.8


def test_costly_warmup_keeps_the_machine_idle(lever):
    """A warm-up far longer than the gaps it would save on: the lever never switches."""
    data = {**LIGHT, "stations": [dict(LIGHT["stations"][0], warmup_min=600.0)]}
    spec = parse_factory_spec(data)
    _, quality = energy.learn_timeouts(spec, lever, "typical", seed=1, days=7)
    assert quality["timeout_min[oven]"] == float("inf")


def test_deterministic_for_a_seed(applied, lever):
    energy._TAIL_CACHE.clear()
    again = energy.apply(parse_factory_spec(LIGHT), lever, "typical", seed=4)
    assert again.quality == applied.quality
    assert again.policy.timeouts == applied.policy.timeouts
    assert again.spec == applied.spec
    runs = [
        simulate(again.spec, days=3, seed=8, policy=p).kpis for p in (again.policy, applied.policy)
    ]
    assert runs[0] == runs[1]


def test_nothing_eligible_means_no_policy(lever):
    data = {**LIGHT, "stations": LIGHT["stations"][1:]}
    applied = energy.apply(parse_factory_spec(data), lever, "low", seed=0)
    assert applied.policy is None
    assert applied.quality["eligible_stations"] == 0
    assert isinstance(Policy(), Policy)  # the base policy keeps configured timers


def test_timeouts_that_fail_validation_are_not_deployed(lever, monkeypatch):
    """Safety net: a (deliberately) bad timeout - standby after 1 minute before a 10-hour
    warm-up at three times the idle power - uses more energy on the validation runs, so the
    configured timer stays."""
    oven = LIGHT["stations"][0]
    power = {**oven["power_kw"], "warmup": 30.0}
    data = {**LIGHT, "stations": [dict(oven, warmup_min=600.0, power_kw=power)]}
    spec = parse_factory_spec(data)
    monkeypatch.setattr(energy, "_choose", lambda *args: 1.0)
    policy, quality = energy.learn_timeouts(spec, lever, "typical", seed=1, days=7)
    assert policy is None
    assert quality["deployed"] == 0.0 and quality["rejected_idle_kwh_saved"] < 0
    assert quality["timeout_min[oven]"] == float("inf")  # the configured timer: never
    assert quality["realised_idle_kwh_saved"] == 0.0


def test_training_runs_last_as_long_as_the_idle_periods_need(lever, monkeypatch):
    """A machine idling hundreds of times a day trains on runs of a few days; one idling a
    dozen times a day on runs of the full horizon."""
    horizons = []

    def spy(spec, **kw):
        horizons.append(kw["days"])
        return simulate(spec, **kw)

    monkeypatch.setattr(energy, "simulate", spy)

    def training_days(process_min: float, interarrival_min: float) -> float:
        process = {"dist": "constant", "value": process_min}
        oven = {**LIGHT["stations"][0], "process_time_min": process}
        source = {"interarrival_min": {"dist": "exponential", "mean": interarrival_min}}
        spec = parse_factory_spec({**LIGHT, "source": source, "stations": [oven]})
        horizons.clear()
        energy._TAIL_CACHE.clear()
        energy.learn_timeouts(spec, lever, "typical", seed=2, validation_replications=0)
        return max(horizons)  # the pilot run is the shortest

    busy = training_days(1.0, 2.0)  # ~480 jobs in two 8-hour shifts
    light = training_days(6.0, 60.0)  # ~16 jobs
    assert energy.MIN_TRAIN_DAYS <= busy <= 4
    assert light == 14.0
