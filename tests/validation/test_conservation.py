"""Validation of the engine's bookkeeping: parts, machine time and energy are conserved, and the
counts that have a closed form (energy of an M/M/1 machine, calendar off-time, inspection
escapes, rework visits, setups, standby) match it.

Exact laws are checked per replication to floating-point precision; stochastic ones through
replication intervals (``check_theory`` in tests/conftest.py).
"""

from __future__ import annotations

import math
import os
from functools import cache

import numpy as np
import pytest

from twin.config import parse_factory_spec
from twin.des import simulate
from twin.experiment import run_factory

SEED = int(os.environ.get("TWIN_VALIDATION_SEED", "20240611"))  # override to re-check
STATES = (
    "processing",
    "setup",
    "idle",
    "standby",
    "warmup",
    "blocked",
    "failed",
    "off",
    "maintenance",
)


def expo(mean: float) -> dict:
    return {"dist": "exponential", "mean": mean}


def const(value: float) -> dict:
    return {"dist": "constant", "value": value}


def lognormal(mean: float, cv: float) -> dict:
    return {"dist": "lognormal", "mean": mean, "cv": cv}


POWER = {
    "processing": 12,
    "idle": 3,
    "standby": 1,
    "setup": 6,
    "failed": 0.5,
    "off": 0.2,
    "blocked": 2.5,
    "warmup": 8,
}

# -- a zoo of specs exercising every feature ------------------------------------------------
SPECS: dict[str, dict] = {
    "rework_loop": {
        "source": {"interarrival_min": lognormal(3.0, 0.5)},
        "stations": [
            {
                "name": "a",
                "process_time_min": expo(2.0),
                "buffer_capacity": 3,
                "failure": {"mtbf_h": expo(2), "mttr_h": lognormal(0.3, 0.5)},
                "defect_rate": 0.05,
                "power_kw": POWER,
            },
            {
                "name": "insp",
                "process_time_min": {"dist": "triangular", "low": 0.5, "mode": 1, "high": 2},
                "defect_rate": 0.1,
                "inspection": {
                    "detection_rate": 0.85,
                    "false_reject_rate": 0.03,
                    "reject_to": "rw",
                },
                "next": "sink",
                "power_kw": POWER,
            },
            {
                "name": "rw",
                "process_time_min": expo(4.0),
                "rework": True,
                "buffer_capacity": 2,
                "next": "insp",
                "power_kw": POWER,
            },
        ],
        "facility": {"base_kw": 20, "kwh_per_unit": 0.3},
    },
    "routing_scrap_inspection": {
        "source": {"interarrival_min": expo(1.5)},
        "stations": [
            {
                "name": "a",
                "machines": 2,
                "process_time_min": {"dist": "weibull", "mean": 2.5, "shape": 1.5},
                "next": [{"station": "b", "p": 0.7}, {"station": "c", "p": 0.3}],
                "defect_rate": 0.04,
                "power_kw": POWER,
            },
            {
                "name": "b",
                "process_time_min": expo(1.0),
                "next": "d",
                "buffer_capacity": 4,
                "power_kw": POWER,
            },
            {
                "name": "c",
                "process_time_min": lognormal(3.0, 1.0),
                "machines": 2,
                "next": [{"station": "d", "p": 0.9}, {"station": "scrap", "p": 0.1}],
                "power_kw": POWER,
            },
            {
                "name": "d",
                "process_time_min": {"dist": "normal", "mean": 1.0, "sd": 0.4},
                "inspection": {"detection_rate": 0.7, "false_reject_rate": 0.05},
                "defect_rate": 0.02,
                "power_kw": POWER,
            },
        ],
        "facility": {"base_kw": 35, "off_shift_kw": 5, "kwh_per_unit": 0.15},
    },
    "zero_buffers_blocking": {
        "source": {"interarrival_min": const(0.5)},
        "stations": [
            {"name": "a", "process_time_min": expo(1.0), "buffer_capacity": 0, "power_kw": POWER},
            {
                "name": "b",
                "process_time_min": {"dist": "empirical", "values": [0.5, 1, 2]},
                "buffer_capacity": 0,
                "failure": {"mtbf_h": expo(1), "mttr_h": const(0.1)},
                "power_kw": POWER,
            },
            {
                "name": "c",
                "machines": 2,
                "process_time_min": expo(2.0),
                "buffer_capacity": 0,
                "power_kw": POWER,
            },
        ],
    },
    "shifts_with_failures": {
        "source": {"interarrival_min": expo(2.0)},
        "stations": [
            {
                "name": "a",
                "process_time_min": expo(1.5),
                "machines": 2,
                "failure": {
                    "mtbf_h": {"dist": "weibull", "mean": 3, "shape": 1.3},
                    "mttr_h": expo(0.5),
                },
                "power_kw": POWER,
            },
            {"name": "b", "process_time_min": expo(1.2), "buffer_capacity": 1, "power_kw": POWER},
        ],
        "calendar": {
            "shifts_per_day": 2,
            "hours_per_shift": 8,
            "days_per_week": 5,
            "start_hour": 6,
        },
        "facility": {"base_kw": 50, "off_shift_kw": 10, "kwh_per_unit": 0.2},
    },
    "mix_setups_standby": {
        "source": {
            "interarrival_min": expo(4.0),
            "products": [
                {"name": "A", "share": 0.5},
                {"name": "B", "share": 0.3},
                {"name": "C", "share": 0.2},
            ],
        },
        "stations": [
            {
                "name": "a",
                "process_time_min": {"A": expo(1.0), "B": const(2.0), "C": lognormal(1.5, 0.4)},
                "setup_min": {"dist": "triangular", "low": 0.5, "mode": 1, "high": 3},
                "standby_after_idle_min": 3,
                "warmup_min": 1.5,
                "power_kw": POWER,
            },
            {
                "name": "b",
                "machines": 2,
                "process_time_min": expo(3.0),
                "setup_min": const(2.0),
                "standby_after_idle_min": 10,
                "warmup_min": 4,
                "buffer_capacity": 0,
                "power_kw": POWER,
                "defect_rate": 0.03,
                "inspection": {"detection_rate": 0.9, "false_reject_rate": 0.0},
            },
        ],
        "calendar": {
            "shifts_per_day": 3,
            "hours_per_shift": 7,
            "days_per_week": 6,
            "start_hour": 5.5,
        },
        "facility": {"base_kw": 15, "kwh_per_unit": 0.05},
    },
}
# (measured days, warm-up days): warm-ups are whole numbers of 15-minute bins
WINDOWS = [(3.0, 0.0), (2.0, 1.5)]


@cache
def spec_of(name: str):
    return parse_factory_spec({"name": name, **SPECS[name]}, "test")


@cache
def run_of(name: str, days: float, warmup: float, rep: int = 0):
    return simulate(spec_of(name), days=days, warmup_days=warmup, seed=SEED, replication=rep)


CASES = [(n, d, w) for n in SPECS for d, w in WINDOWS]
IDS = [f"{n}-{d:g}d-w{w:g}" for n, d, w in CASES]


def on_minutes(cal: dict | None, start: int, end: int) -> int:
    """Working minutes in [start, end), counted minute by minute (independent of the engine):
    working day d (d % 7 < days_per_week, weeks start at minute 0) works from start_hour for
    shifts x hours, possibly past midnight."""
    if cal is None:
        return end - start
    first = round(cal["start_hour"] * 60)
    length = round(cal["shifts_per_day"] * cal["hours_per_shift"] * 60)
    n = 0
    for m in range(start, end):
        for d in (m // 1440, m // 1440 - 1):
            s = d * 1440 + first
            if d % 7 < cal["days_per_week"] and s <= m < s + length:
                n += 1
                break
    return n


# -- conservation of parts -------------------------------------------------------------------
@pytest.mark.parametrize(("name", "days", "warmup"), CASES, ids=IDS)
def test_parts_are_conserved(name, days, warmup, balance):
    """Job balance: released + wip_start == good + escaped + scrap + wip_end, exactly."""
    for rep in (0, 1):
        k = run_of(name, days, warmup, rep).kpis
        assert balance(k) == 0, k
        assert k["released"] > 0 and k["good_units"] > 0
        assert min(k["wip_start"], k["wip_end"], k["scrap_units"], k["escaped_defects"]) >= 0


# -- conservation of machine time ------------------------------------------------------------
@pytest.mark.parametrize(("name", "days", "warmup"), CASES, ids=IDS)
def test_machine_time_is_conserved(name, days, warmup):
    """Each station's state minutes sum to machines x measured minutes; the shares
    (utilization, blocked, starved, setup) lie in [0, 1] and partition available time."""
    r = run_of(name, days, warmup)
    measured = days * 1440
    for st in spec_of(name).stations:
        s = r.stations[st.name]
        t = s["state_min"]
        assert set(t) == set(STATES)
        assert min(t.values()) >= 0
        assert sum(t.values()) == pytest.approx(st.machines * measured, rel=1e-9)
        shares = [s[k] for k in ("utilization", "blocked_share", "starved_share", "setup_share")]
        assert all(0 <= x <= 1 for x in [*shares, s["availability"]])
        assert sum(shares) == pytest.approx(1.0, rel=1e-9)
        if st.failure is None:
            assert t["failed"] == 0 and s["availability"] == 1


# -- conservation of energy ------------------------------------------------------------------
@pytest.mark.parametrize(("name", "days", "warmup"), CASES, ids=IDS)
def test_energy_is_conserved(name, days, warmup):
    """Energy: each state's kWh = machine-minutes in that state x its power / 60; the states and
    facility sum to energy_kwh; the 15-minute profile integrates to the same total
    (sum x 0.25 h) and has one bin per 15 minutes of the measured window; mean_kw and peak
    follow from it."""
    spec = spec_of(name)
    r = run_of(name, days, warmup)
    e = r.energy_by_state_kwh
    for state in STATES:
        expected = sum(
            r.stations[st.name]["state_min"][state] * st.power_kw.by_state()[state] / 60
            for st in spec.stations
        )
        assert e[state] == pytest.approx(expected, rel=1e-9, abs=1e-9), state
    assert min(e.values()) >= 0
    total = r.kpis["energy_kwh"]
    assert math.fsum(e.values()) == pytest.approx(total, rel=1e-12)
    assert len(r.profile_kw) == math.ceil(days * 1440 / 15)
    assert r.profile_kw.sum() * 0.25 == pytest.approx(total, rel=1e-6)
    assert r.kpis["mean_kw"] == pytest.approx(r.profile_kw.mean(), rel=1e-6)
    assert r.kpis["peak_kw_15min"] == r.profile_kw.max()
    assert r.kpis["kwh_per_good_unit"] == pytest.approx(total / r.kpis["good_units"], rel=1e-12)


@pytest.mark.parametrize(("name", "days", "warmup"), CASES, ids=IDS)
def test_facility_energy_and_schedule(name, days, warmup):
    """Facility kWh = base_kw x on-shift h + off_shift_kw (default base_kw) x off-shift h +
    kwh_per_unit x shipped units; the engine counts every shipped unit, good or escaped
    defect (twin/des/engine.py ``_exit``), never scrap. scheduled_h is the calendar's working
    time in the window, counted here minute by minute."""
    raw = SPECS[name]
    r = run_of(name, days, warmup)
    start, end = round(warmup * 1440), round((warmup + days) * 1440)
    on = on_minutes(raw.get("calendar"), start, end)
    off = end - start - on
    assert r.kpis["scheduled_h"] == pytest.approx(on / 60, rel=1e-12)
    fac = raw.get("facility") or {}
    base = fac.get("base_kw", 0.0)
    off_kw = fac.get("off_shift_kw", base)
    shipped = r.kpis["good_units"] + r.kpis["escaped_defects"]
    expected = base * on / 60 + off_kw * off / 60 + fac.get("kwh_per_unit", 0.0) * shipped
    assert r.energy_by_state_kwh["facility"] == pytest.approx(expected, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(("days", "warmup"), [(1.0, 0.2), (1.0, 0.1), (1.01, 0.2001), (0.005, 0.0)])
def test_profile_integrates_for_any_window(days, warmup):
    """The profile covers exactly the measured window, whatever its alignment: bin i spans
    [warmup + 15 i, warmup + 15 (i + 1)), the last bin may be shorter and holds its own mean
    kW, so sum(profile x bin width) / 60 == energy_kwh (warm-up energy excluded)."""
    spec = parse_factory_spec(
        {
            "name": "mm1",
            "source": {"interarrival_min": expo(1.25)},
            "stations": [
                {
                    "name": "s1",
                    "process_time_min": expo(1.0),
                    "power_kw": {"processing": 10, "idle": 2},
                }
            ],
            "facility": {"base_kw": 5, "kwh_per_unit": 0.1},
        },
        "test",
    )
    r = simulate(spec, days=days, warmup_days=warmup, seed=SEED)
    measured = days * 1440
    n = math.ceil(measured / 15 - 1e-9)
    assert len(r.profile_kw) == n
    widths = np.full(n, 15.0)
    widths[-1] = measured - 15 * (n - 1)
    assert (r.profile_kw * widths).sum() / 60 == pytest.approx(r.kpis["energy_kwh"], rel=1e-6)
    # nothing but idle + facility power before the first arrival can be missing or extra
    assert r.profile_kw.min() >= 2 + 5 - 1e-9


# -- calendar ---------------------------------------------------------------------------------
CALENDARS = {
    "2x8h 5d from 06:00": {
        "shifts_per_day": 2,
        "hours_per_shift": 8,
        "days_per_week": 5,
        "start_hour": 6,
    },
    "2x6h 5d from 20:00 (past midnight)": {
        "shifts_per_day": 2,
        "hours_per_shift": 6,
        "days_per_week": 5,
        "start_hour": 20,
    },
    "1x7.5h 3d from 08:30": {
        "shifts_per_day": 1,
        "hours_per_shift": 7.5,
        "days_per_week": 3,
        "start_hour": 8.5,
    },
}


@pytest.mark.parametrize("cal", list(CALENDARS))
@pytest.mark.parametrize(("days", "warmup"), [(14.0, 7.0), (9.0, 2.25)])
def test_calendar_off_time_and_energy(cal, days, warmup):
    """Outside the calendar every machine is off and nothing runs: per station, off minutes
    = machines x off-shift minutes of the window (exactly, no failures), off kWh =
    off_kw x off time, every 15-minute bin lying wholly off-shift draws exactly the machines'
    off power + off_shift_kw, and scheduled_h is the on-shift time."""
    calendar = CALENDARS[cal]
    pw = {"processing": 9, "idle": 2, "off": 0.5, "blocked": 3}
    raw = {
        "name": "cal",
        "source": {"interarrival_min": expo(1.0)},
        "stations": [
            {"name": "a", "machines": 2, "process_time_min": expo(1.5), "power_kw": pw},
            {
                "name": "b",
                "process_time_min": expo(0.8),
                "buffer_capacity": 0,
                "power_kw": pw,
                "standby_after_idle_min": 5,
                "warmup_min": 1,
            },
        ],
        "calendar": calendar,
        "facility": {"base_kw": 40, "off_shift_kw": 7, "kwh_per_unit": 0.1},
    }
    r = simulate(parse_factory_spec(raw, "test"), days=days, warmup_days=warmup, seed=SEED)
    start, end = round(warmup * 1440), round((warmup + days) * 1440)
    on = on_minutes(calendar, start, end)
    off = end - start - on
    assert 0 < off < end - start
    assert r.kpis["scheduled_h"] == pytest.approx(on / 60, rel=1e-12)
    assert r.stations["a"]["state_min"]["off"] == pytest.approx(2 * off, rel=1e-9)
    assert r.stations["b"]["state_min"]["off"] == pytest.approx(off, rel=1e-9)
    assert r.energy_by_state_kwh["off"] == pytest.approx(3 * 0.5 * off / 60, rel=1e-9)
    assert r.energy_by_state_kwh["facility"] == pytest.approx(
        (40 * on + 7 * off) / 60 + 0.1 * (r.kpis["good_units"] + r.kpis["escaped_defects"]),
        rel=1e-9,
    )
    off_bins = [
        i
        for i in range(len(r.profile_kw))
        if on_minutes(calendar, start + 15 * i, start + 15 * (i + 1)) == 0
    ]
    assert len(off_bins) > 0
    np.testing.assert_allclose(r.profile_kw[off_bins], 3 * 0.5 + 7, rtol=1e-9)


def test_calendar_pauses_the_arrival_clock(check_theory):
    """No part is released off-shift: the first arrival falling off-shift is held and released
    when the next shift starts, and the (exponential) arrival clock restarts from there. By
    memorylessness each on-window of length L then releases 1 + lambda L parts on average:
    released = lambda x on-time + number of windows starting in the measured window."""
    lam = 1 / 30
    spec = parse_factory_spec(
        {
            "name": "held",
            "source": {"interarrival_min": expo(1 / lam)},
            "stations": [{"name": "s1", "process_time_min": expo(5.0), "machines": 2}],
            "calendar": {
                "shifts_per_day": 1,
                "hours_per_shift": 4,
                "days_per_week": 7,
                "start_hour": 9,
            },
        },
        "test",
    )
    days, warmup = 90, 1
    run = run_factory(spec, days=days, warmup_days=warmup, replications=40, seed=SEED)
    on_min = days * 4 * 60
    expected = lam * on_min + days  # one window per day, each starting after the warm-up
    check_theory(
        [r.kpis["released"] for r in run.reps],
        expected,
        rel_floor=0.005,
        max_rel_half=0.04,
        what="released",
    )
    assert expected / (lam * on_min) > 1.1  # the held part is visible above the noise


def test_routing_probabilities(check_theory):
    """Probabilistic routing: a -> b (0.7) | c (0.3); c -> d (0.9) | scrap (0.1); b -> d.
    Visit ratios per part started at a: b 0.7, c 0.3, d 0.97, and scrap / exits = 0.03."""
    spec = parse_factory_spec(
        {
            "name": "routes",
            "source": {"interarrival_min": expo(1.0)},
            "stations": [
                {
                    "name": "a",
                    "process_time_min": expo(0.5),
                    "next": [{"station": "b", "p": 0.7}, {"station": "c", "p": 0.3}],
                },
                {"name": "b", "process_time_min": expo(0.5), "next": "d"},
                {
                    "name": "c",
                    "process_time_min": expo(0.5),
                    "next": [{"station": "d", "p": 0.9}, {"station": "scrap", "p": 0.1}],
                },
                {"name": "d", "process_time_min": expo(0.5)},
            ],
        },
        "test",
    )
    run = run_factory(spec, days=3, warmup_days=0.25, replications=12, seed=SEED)
    for name, v in (("b", 0.7), ("c", 0.3), ("d", 0.97)):
        ratio = [
            r.stations[name]["jobs_started"] / r.stations["a"]["jobs_started"] for r in run.reps
        ]
        check_theory(ratio, v, rel_floor=0.005, what=f"visits {name}")
    k = [r.kpis for r in run.reps]
    scrap = [x["scrap_units"] / (x["good_units"] + x["scrap_units"]) for x in k]
    check_theory(scrap, 0.03, what="scrap share")


# -- energy from queueing theory -------------------------------------------------------------
def test_mm1_energy_from_theory(check_theory):
    """An M/M/1 machine is busy a fraction rho of the time, so over T hours it uses
    T (rho P_proc + (1 - rho) P_idle) kWh, the facility T base_kw + kwh_per_unit lambda T,
    and the mean load is rho P_proc + (1 - rho) P_idle + base_kw (+ per-unit share)."""
    lam, rho, p_proc, p_idle, base, unit = 0.7, 0.7, 15.0, 4.0, 30.0, 0.25
    spec = parse_factory_spec(
        {
            "name": "mm1e",
            "source": {"interarrival_min": expo(1 / lam)},
            "stations": [
                {
                    "name": "s1",
                    "process_time_min": expo(rho / lam),
                    "power_kw": {"processing": p_proc, "idle": p_idle},
                }
            ],
            "facility": {"base_kw": base, "kwh_per_unit": unit},
        },
        "test",
    )
    days = 3
    hours = days * 24
    run = run_factory(spec, days=days, warmup_days=0.25, replications=16, seed=SEED)
    machine = [r.kpis["energy_kwh"] - r.energy_by_state_kwh["facility"] for r in run.reps]
    check_theory(
        machine,
        hours * (rho * p_proc + (1 - rho) * p_idle),
        rel_floor=0.005,
        max_rel_half=0.02,
        what="machine kWh",
    )
    total = hours * (rho * p_proc + (1 - rho) * p_idle + base) + unit * lam * hours * 60
    check_theory(
        [r.kpis["energy_kwh"] for r in run.reps],
        total,
        rel_floor=0.005,
        max_rel_half=0.02,
        what="total kWh",
    )
    check_theory(
        [r.kpis["mean_kw"] for r in run.reps],
        total / hours,
        rel_floor=0.005,
        max_rel_half=0.02,
        what="mean kW",
    )


def test_standby_share_and_warmups(check_theory):
    """Standby after tau idle minutes with Poisson arrivals: idle periods are Exp(lambda), so
    E[min(I, tau)] = (1 - e^{-lambda tau})/lambda and E[(I - tau)^+] = e^{-lambda tau}/lambda.
    Hence standby/(idle + standby) = e^{-lambda tau}, and warm-ups (one per idle period that
    reached standby) total warmup_min x lambda (idle + standby) e^{-lambda tau}."""
    lam, tau, warm = 0.5, 1.5, 0.7
    spec = parse_factory_spec(
        {
            "name": "sb",
            "source": {"interarrival_min": expo(1 / lam)},
            "stations": [
                {
                    "name": "s1",
                    "process_time_min": expo(0.8),
                    "standby_after_idle_min": tau,
                    "warmup_min": warm,
                    "power_kw": {"processing": 10, "idle": 3, "standby": 0.5, "warmup": 6},
                }
            ],
        },
        "test",
    )
    run = run_factory(spec, days=4, warmup_days=0.25, replications=12, seed=SEED)
    q = math.exp(-lam * tau)
    t = [r.stations["s1"]["state_min"] for r in run.reps]
    check_theory([x["standby"] / (x["idle"] + x["standby"]) for x in t], q, what="standby share")
    check_theory(
        [x["warmup"] / (warm * lam * (x["idle"] + x["standby"])) for x in t], q, what="warm-ups"
    )
    for r, x in zip(run.reps, t, strict=True):
        assert r.energy_by_state_kwh["standby"] == pytest.approx(0.5 * x["standby"] / 60)
        assert r.energy_by_state_kwh["warmup"] == pytest.approx(6 * x["warmup"] / 60)


def test_setups_follow_product_changes(check_theory):
    """FIFO on one machine with i.i.d. products (shares p_i): consecutive jobs differ with
    probability 1 - sum p_i^2, so setup minutes = jobs x (1 - sum p_i^2) x E[setup]."""
    shares = {"A": 0.5, "B": 0.3, "C": 0.2}
    setup = {"dist": "triangular", "low": 1, "mode": 2, "high": 6}
    spec = parse_factory_spec(
        {
            "name": "mix",
            "source": {
                "interarrival_min": expo(6.0),
                "products": [{"name": k, "share": v} for k, v in shares.items()],
            },
            "stations": [
                {
                    "name": "s1",
                    "process_time_min": expo(1.5),
                    "setup_min": setup,
                    "power_kw": {"processing": 10, "setup": 4},
                }
            ],
        },
        "test",
    )
    run = run_factory(spec, days=5, warmup_days=0.25, replications=12, seed=SEED)
    p_change = 1 - sum(v * v for v in shares.values())
    per_job = [
        r.stations["s1"]["state_min"]["setup"] / r.stations["s1"]["jobs_started"] for r in run.reps
    ]
    check_theory(per_job, p_change * 3.0, what="setup minutes per job")
    for r in run.reps:
        assert r.energy_by_state_kwh["setup"] == pytest.approx(
            4 * r.stations["s1"]["state_min"]["setup"] / 60
        )


# -- inspection and rework -------------------------------------------------------------------
def test_inspection_escapes_closed_form(check_theory):
    """Defects made upstream (d1) and at the inspecting station (d2) reach the inspection
    with probability d = 1 - (1 - d1)(1 - d2); it rejects a defect with probability q and a
    good part with probability f (to scrap). Shipped parts are escaped with probability
    d (1 - q) / (d (1 - q) + (1 - d)(1 - f)) and scrap / exits = d q + (1 - d) f."""
    d1, d2, q, f = 0.06, 0.04, 0.8, 0.05
    d = 1 - (1 - d1) * (1 - d2)
    spec = parse_factory_spec(
        {
            "name": "insp",
            "source": {"interarrival_min": expo(0.25)},
            "stations": [
                {"name": "a", "process_time_min": const(0.1), "defect_rate": d1},
                {
                    "name": "b",
                    "process_time_min": const(0.1),
                    "defect_rate": d2,
                    "inspection": {"detection_rate": q, "false_reject_rate": f},
                },
            ],
        },
        "test",
    )
    run = run_factory(spec, days=2, warmup_days=0.25, replications=12, seed=SEED)
    k = [r.kpis for r in run.reps]
    escaped = [x["escaped_defects"] / (x["good_units"] + x["escaped_defects"]) for x in k]
    check_theory(escaped, d * (1 - q) / (d * (1 - q) + (1 - d) * (1 - f)), what="escape share")
    exits = [x["good_units"] + x["escaped_defects"] + x["scrap_units"] for x in k]
    scrap = [x["scrap_units"] / n for x, n in zip(k, exits, strict=True)]
    check_theory(scrap, d * q + (1 - d) * f, what="scrap share")


def test_rework_loop_visits_and_escapes(check_theory):
    """Inspection rejects to a rework station that repairs the part and sends it back: each
    pass rejects with r = d q + (1 - d) f, so rework visits / inspection visits = r; no part is
    scrapped, and the escape share of shipped parts is d (1 - q)/(d (1 - q) + (1 - d)(1 - f))
    (each pass draws a fresh defect at the inspecting station)."""
    d, q, f = 0.1, 0.85, 0.03
    spec = parse_factory_spec(
        {
            "name": "rw",
            "source": {"interarrival_min": expo(1.0)},
            "stations": [
                {
                    "name": "insp",
                    "process_time_min": const(0.3),
                    "defect_rate": d,
                    "inspection": {"detection_rate": q, "false_reject_rate": f, "reject_to": "rw"},
                    "next": "sink",
                },
                {"name": "rw", "process_time_min": expo(1.0), "rework": True, "next": "insp"},
            ],
        },
        "test",
    )
    run = run_factory(spec, days=4, warmup_days=0.25, replications=12, seed=SEED)
    r_rej = d * q + (1 - d) * f
    ratio = [
        r.stations["rw"]["jobs_started"] / r.stations["insp"]["jobs_started"] for r in run.reps
    ]
    check_theory(ratio, r_rej, what="rework visits per inspection")
    k = [r.kpis for r in run.reps]
    assert all(x["scrap_units"] == 0 for x in k)
    escaped = [x["escaped_defects"] / (x["good_units"] + x["escaped_defects"]) for x in k]
    check_theory(
        escaped,
        d * (1 - q) / (d * (1 - q) + (1 - d) * (1 - f)),
        max_rel_half=0.1,
        what="escape share",
    )


# -- reproducibility --------------------------------------------------------------------------
def _same(a, b) -> bool:
    """Bit-identical results (NaN equal to NaN)."""

    def eq(x, y) -> bool:
        if isinstance(x, dict):
            return x.keys() == y.keys() and all(eq(x[k], y[k]) for k in x)
        if isinstance(x, float) and math.isnan(x):
            return isinstance(y, float) and math.isnan(y)
        return x == y

    return (
        eq(a.kpis, b.kpis)
        and eq(a.stations, b.stations)
        and eq(a.energy_by_state_kwh, b.energy_by_state_kwh)
        and np.array_equal(a.profile_kw, b.profile_kw)
        and a.bottleneck == b.bottleneck
    )


@pytest.mark.parametrize("name", list(SPECS))
def test_reproducible_and_independent(name):
    """Named random streams: the same (seed, replication) gives bit-identical KPIs, station
    statistics, energies and profiles, whatever ran before and whether through simulate()
    or run_factory(); another replication index or seed gives different results."""
    spec = spec_of(name)
    a = simulate(spec, days=1, warmup_days=0.25, seed=SEED, replication=2)
    simulate(spec_of("zero_buffers_blocking"), days=0.5, seed=SEED + 1)  # unrelated run between
    b = simulate(spec, days=1, warmup_days=0.25, seed=SEED, replication=2)
    assert _same(a, b)
    via_run = run_factory(spec, days=1, warmup_days=0.25, replications=3, seed=SEED).reps[2]
    assert _same(a, via_run)
    other_rep = simulate(spec, days=1, warmup_days=0.25, seed=SEED, replication=3)
    other_seed = simulate(spec, days=1, warmup_days=0.25, seed=SEED + 7, replication=2)
    for other in (other_rep, other_seed):
        assert not _same(a, other)
        assert a.kpis["energy_kwh"] != other.kpis["energy_kwh"]
