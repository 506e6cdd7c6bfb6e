"""Validation of the factory engine against closed-form queueing theory.

Every check compares replication means to theory through ``check_theory`` (tests/conftest.py):
theory must lie within mean ± max(1.5 x 95 % half-width, a small relative floor), and the
half-width itself must be small, so a wrong engine cannot hide behind noise. Seeds are fixed
for determinism; run lengths are sized so the intervals are a few percent wide.

Units: times in minutes (process rate ``mu`` per minute), failures in hours.
"""

from __future__ import annotations

import math
import os

import pytest
from scipy import special, stats

from twin.config import parse_factory_spec
from twin.experiment import run_factory

SEED = int(os.environ.get("TWIN_VALIDATION_SEED", "20240611"))  # override to re-check
WARMUP_DAYS = 0.25  # 360 min: several relaxation times, and a whole number of 15-min bins


def expo(mean: float) -> dict:
    return {"dist": "exponential", "mean": mean}


def const(value: float) -> dict:
    return {"dist": "constant", "value": value}


def factory(stations: list[dict], interarrival: dict, name: str = "q"):
    """A FactorySpec from station dicts (serial routing unless ``next`` is given)."""
    return parse_factory_spec(
        {"name": name, "source": {"interarrival_min": interarrival}, "stations": stations},
        "test",
    )


def station(name: str, pt: dict, **extra) -> dict:
    return {"name": name, "process_time_min": pt, **extra}


def reps_of(spec, *, days: float, reps: int, warmup_days: float = WARMUP_DAYS, seed: int = SEED):
    return run_factory(spec, days=days, warmup_days=warmup_days, replications=reps, seed=seed).reps


def col(reps, kpi: str, st: str | None = None) -> list[float]:
    """One KPI (factory-level, or of station ``st``) per replication."""
    return [r.kpis[kpi] if st is None else r.stations[st][kpi] for r in reps]


def erlang_c(c: int, a: float) -> float:
    """Erlang C: probability an arrival waits in M/M/c with offered load ``a = lambda/mu``."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


# -- M/M/1 ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("rho", "days", "n"), [(0.5, 12, 16), (0.8, 18, 16)])
def test_mm1_against_closed_form(rho, days, n, check_theory):
    """M/M/1: Wq = rho/(mu - lambda), Lq = rho^2/(1 - rho), L = rho/(1 - rho),
    W = 1/(mu - lambda), utilization = rho, throughput = lambda, and OEE (good units x ideal
    cycle / scheduled time) = rho."""
    mu, lam = 1.0, rho
    spec = factory([station("s1", expo(1 / mu))], expo(1 / lam), "mm1")
    reps = reps_of(spec, days=days, reps=n)
    check_theory(col(reps, "mean_wait_min", "s1"), rho / (mu - lam), what="Wq")
    check_theory(col(reps, "mean_queue", "s1"), rho**2 / (1 - rho), what="Lq")
    check_theory(col(reps, "mean_wip"), rho / (1 - rho), what="L")
    check_theory(col(reps, "mean_sojourn_min"), 1 / (mu - lam), what="W")
    check_theory(col(reps, "mean_lead_time_min"), 1 / (mu - lam), what="lead time")
    check_theory(col(reps, "utilization", "s1"), rho, rel_floor=0.005, what="utilization")
    check_theory(col(reps, "throughput_per_h"), 60 * lam, rel_floor=0.005, what="throughput")
    check_theory(col(reps, "oee"), rho, rel_floor=0.005, what="OEE = rho")


# -- M/M/c ---------------------------------------------------------------------------------
def test_mmc_erlang_c(check_theory):
    """M/M/3 at rho = 0.7: Wq = C(c, a)/(c mu - lambda) (Erlang C), Lq = lambda Wq,
    L = Lq + a, per-machine utilization = lambda/(c mu)."""
    c, mu, lam = 3, 1 / 3.0, 0.7  # process 3 min, offered load a = 2.1
    a = lam / mu
    wq = erlang_c(c, a) / (c * mu - lam)
    spec = factory([station("s1", expo(1 / mu), machines=c)], expo(1 / lam), "mm3")
    reps = reps_of(spec, days=18, reps=16)
    check_theory(col(reps, "mean_wait_min", "s1"), wq, what="Wq (Erlang C)")
    check_theory(col(reps, "mean_queue", "s1"), lam * wq, what="Lq")
    check_theory(col(reps, "mean_wip"), lam * wq + a, what="L")
    check_theory(col(reps, "utilization", "s1"), lam / (c * mu), rel_floor=0.005, what="util")


# -- Jackson tandem ------------------------------------------------------------------------
def test_jackson_tandem_of_three(check_theory):
    """Tandem of three ./M/1 stations with unlimited buffers and Poisson arrivals (Jackson
    network, product form): each station is an M/M/1 with the same lambda, so
    Wq_i = rho_i/(mu_i - lambda), total sojourn W = sum 1/(mu_i - lambda), L = lambda W; the
    most loaded station is the bottleneck."""
    lam = 0.75
    means = [1.0, 0.8, 0.6]
    spec = factory(
        [station(f"s{i}", expo(m)) for i, m in enumerate(means, 1)], expo(1 / lam), "tandem"
    )
    run = run_factory(spec, days=11, warmup_days=WARMUP_DAYS, replications=16, seed=SEED)
    reps = run.reps
    assert run.bottleneck() == "s1"
    total = 0.0
    for i, m in enumerate(means, 1):
        mu = 1 / m
        total += 1 / (mu - lam)
        check_theory(col(reps, "mean_wait_min", f"s{i}"), lam * m / (mu - lam), what=f"Wq s{i}")
        check_theory(col(reps, "utilization", f"s{i}"), lam * m, rel_floor=0.005, what=f"u s{i}")
    check_theory(col(reps, "mean_sojourn_min"), total, what="total sojourn")
    check_theory(col(reps, "mean_wip"), lam * total, what="L = lambda W")


# -- M/G/1: Pollaczek-Khinchine ------------------------------------------------------------
_TN = stats.truncnorm(-1 / 0.5, math.inf, loc=1.0, scale=0.5)  # normal(1, 0.5) cut at 0

MG1_CASES = {
    # name: (distribution, E[S], E[S^2])
    "constant (M/D/1)": (const(1.0), 1.0, 1.0),
    "lognormal cv .75": ({"dist": "lognormal", "mean": 1.0, "cv": 0.75}, 1.0, 1 + 0.75**2),
    "weibull k=2": (
        {"dist": "weibull", "mean": 1.0, "shape": 2.0},
        1.0,
        special.gamma(2.0) / special.gamma(1.5) ** 2,
    ),
    "triangular": (
        {"dist": "triangular", "low": 0.2, "mode": 0.8, "high": 2.0},
        1.0,
        1.0 + (0.2**2 + 0.8**2 + 2.0**2 - 0.2 * 0.8 - 0.2 * 2.0 - 0.8 * 2.0) / 18,
    ),
    "normal truncated": (
        {"dist": "normal", "mean": 1.0, "sd": 0.5},
        float(_TN.mean()),
        float(_TN.var() + _TN.mean() ** 2),
    ),
    "empirical": (
        {"dist": "empirical", "values": [0.25, 0.5, 1.0, 2.25]},
        1.0,
        (0.25**2 + 0.5**2 + 1.0 + 2.25**2) / 4,
    ),
}


@pytest.mark.parametrize("case", list(MG1_CASES))
def test_mg1_pollaczek_khinchine(case, check_theory):
    """M/G/1 (Pollaczek-Khinchine): Wq = lambda E[S^2] / (2 (1 - rho)), rho = lambda E[S];
    also checks the sampler's first two moments through rho and Wq."""
    dist, m1, m2 = MG1_CASES[case]
    lam = 0.6 / m1
    rho = lam * m1
    spec = factory([station("s1", dist)], expo(1 / lam), "mg1")
    reps = reps_of(spec, days=8, reps=16)
    wq = lam * m2 / (2 * (1 - rho))
    check_theory(col(reps, "mean_wait_min", "s1"), wq, what=f"Wq {case}")
    check_theory(col(reps, "mean_sojourn_min"), wq + m1, what=f"W {case}")
    check_theory(col(reps, "utilization", "s1"), rho, rel_floor=0.005, what=f"rho {case}")


def test_mg1_product_mix(check_theory):
    """A product mix makes the process time a mixture: with shares p_i and per-product times
    S_i, E[S] = sum p_i E[S_i] and E[S^2] = sum p_i E[S_i^2]; Pollaczek-Khinchine then gives
    Wq = lambda E[S^2] / (2 (1 - rho)). Checks that each part gets its own product's time."""
    shares = {"A": 0.6, "B": 0.4}
    times = {"A": expo(0.5), "B": const(1.5)}
    m1 = 0.6 * 0.5 + 0.4 * 1.5
    m2 = 0.6 * 2 * 0.5**2 + 0.4 * 1.5**2
    lam = 0.65 / m1
    spec = parse_factory_spec(
        {
            "name": "mix",
            "source": {
                "interarrival_min": expo(1 / lam),
                "products": [{"name": k, "share": v} for k, v in shares.items()],
            },
            "stations": [station("s1", times)],
        },
        "test",
    )
    reps = reps_of(spec, days=6, reps=16)
    check_theory(col(reps, "utilization", "s1"), lam * m1, rel_floor=0.005, what="rho")
    check_theory(col(reps, "mean_wait_min", "s1"), lam * m2 / (2 * (1 - lam * m1)), what="Wq mix")


# -- finite buffer: blocked source = M/M/1/K -----------------------------------------------
@pytest.mark.parametrize("cap", [0, 3])
def test_blocked_source_is_mm1k(cap, check_theory):
    """A full first buffer blocks the source (arrival clock paused, the released part waits).
    With Poisson arrivals and one exponential machine the number of released parts
    N = in buffer + in service + held at source is birth-death on 0..K, K = cap + 2, i.e.
    M/M/1/K: pi_n ~ rho^n, throughput = lambda (1 - pi_K), L = E[N], utilization = 1 - pi_0,
    Lq = E[min(N, cap + 1) - 1]^+."""
    lam, mu = 0.9, 1.0
    k = cap + 2
    rho = lam / mu
    w = [rho**n for n in range(k + 1)]
    pi = [x / sum(w) for x in w]
    spec = factory([station("s1", expo(1 / mu), buffer_capacity=cap)], expo(1 / lam), "mm1k")
    reps = reps_of(spec, days=3, reps=16)
    check_theory(col(reps, "throughput_per_h"), 60 * lam * (1 - pi[k]), what="throughput")
    check_theory(col(reps, "mean_wip"), sum(n * p for n, p in enumerate(pi)), what="L")
    check_theory(col(reps, "utilization", "s1"), 1 - pi[0], rel_floor=0.005, what="util")
    lq = sum(max(min(n, cap + 1) - 1, 0) * p for n, p in enumerate(pi))
    if lq > 0:
        check_theory(col(reps, "mean_queue", "s1"), lq, what="Lq")
    else:
        assert max(col(reps, "mean_queue", "s1")) == 0.0


# -- Little's law --------------------------------------------------------------------------
def test_littles_law_on_a_messy_line():
    """Little's law L = lambda W holds for any stable system: per replication the time-average
    WIP equals exits per minute x mean sojourn of all exits, and each buffer's Lq equals
    (jobs started per minute) x mean buffer wait, here on a line with blocking, failures,
    scrap, non-exponential times and a multi-machine station (up to edge effects < 1 %)."""
    spec = parse_factory_spec(
        {
            "name": "messy",
            "source": {"interarrival_min": {"dist": "lognormal", "mean": 2.5, "cv": 0.8}},
            "stations": [
                station(
                    "a",
                    {"dist": "triangular", "low": 0.5, "mode": 1.2, "high": 2.5},
                    failure={
                        "mtbf_h": expo(3),
                        "mttr_h": {"dist": "lognormal", "mean": 0.2, "cv": 0.5},
                    },
                    defect_rate=0.05,
                ),
                station(
                    "b",
                    {"dist": "weibull", "mean": 3.0, "shape": 1.5},
                    machines=2,
                    buffer_capacity=2,
                ),
                station(
                    "c",
                    expo(1.3),
                    buffer_capacity=0,
                    inspection={"detection_rate": 0.9, "false_reject_rate": 0.02},
                ),
            ],
        },
        "test",
    )
    run = run_factory(spec, days=20, warmup_days=1, replications=3, seed=SEED)
    measured = 20 * 1440.0
    for r in run.reps:
        k = r.kpis
        exits = k["good_units"] + k["escaped_defects"] + k["scrap_units"]
        lam_w = exits / measured * k["mean_sojourn_min"]
        assert k["mean_wip"] == pytest.approx(lam_w, rel=0.01)
        for name in ("a", "b", "c"):
            s = r.stations[name]
            started = s["jobs_started"] / measured
            assert s["mean_queue"] == pytest.approx(
                started * s["mean_wait_min"], rel=0.01, abs=1e-3
            )


# -- availability with operating-time-based failures ---------------------------------------
FAILURE_CASES = {
    "exp/exp": (expo(2.0), expo(0.5)),
    "exp/lognormal": (expo(2.0), {"dist": "lognormal", "mean": 0.5, "cv": 0.8}),
    "weibull/constant": ({"dist": "weibull", "mean": 2.0, "shape": 2.5}, const(0.5)),
    "triangular/triangular": (
        {"dist": "triangular", "low": 0.5, "mode": 1.5, "high": 4.0},
        {"dist": "triangular", "low": 0.1, "mode": 0.3, "high": 1.1},
    ),
}


def _mean(d: dict) -> float:
    from twin.config.distributions import Constant, Exponential, Lognormal, Triangular, Weibull

    cls = {
        "exponential": Exponential,
        "lognormal": Lognormal,
        "weibull": Weibull,
        "triangular": Triangular,
        "constant": Constant,
    }[d["dist"]]
    return cls(**d).mean_value


@pytest.mark.parametrize("case", list(FAILURE_CASES))
@pytest.mark.parametrize("machines", [1, 3])
def test_saturated_availability(case, machines, check_theory):
    """A machine that always has work (fast source, small buffer) alternates operating time to
    failure and repair; by renewal-reward its availability is MTBF/(MTBF + MTTR) for any
    distributions, throughput = c * A / E[process time] (so OEE = A), failures per operating hour =
    1/MTBF and mean repair = MTTR (also with c = 3 parallel machines). The preempted job
    resumes its remaining work: restarting it would lose work and throughput."""
    mtbf, mttr = FAILURE_CASES[case]
    a = _mean(mtbf) / (_mean(mtbf) + _mean(mttr))
    pt = 30.0  # non-exponential: only preempt-resume keeps throughput = c A / E[S]
    spec = factory(
        [
            station(
                "s1",
                {"dist": "triangular", "low": 15.0, "mode": 30.0, "high": 45.0},
                machines=machines,
                buffer_capacity=1,
                failure={"mtbf_h": mtbf, "mttr_h": mttr},
            )
        ],
        const(0.05),
        "saturated",
    )
    reps = reps_of(spec, days=60 / machines, reps=12, warmup_days=0.5)
    check_theory(col(reps, "availability", "s1"), a, what=f"availability {case}")
    check_theory(col(reps, "utilization", "s1"), 1.0, rel_floor=0.002, what="busy when up")
    check_theory(col(reps, "throughput_per_h"), machines * a * 60 / pt, what="throughput")
    check_theory(col(reps, "oee"), a, what="OEE = availability")
    per_op_h = [
        r.kpis["failures"] / (r.stations["s1"]["state_min"]["processing"] / 60) for r in reps
    ]
    check_theory(per_op_h, 1 / _mean(mtbf), what="failures per operating hour")
    repair_h = [r.stations["s1"]["state_min"]["failed"] / 60 / r.kpis["failures"] for r in reps]
    check_theory(repair_h, _mean(mttr), what="mean repair")


def test_failures_count_operating_time_only(check_theory):
    """Operating-time-based failures on a half-loaded machine: failures accrue per processing
    hour (1/MTBF), so the failed share of time is rho * MTTR/MTBF (rho = lambda E[S], work is
    conserved under preempt-resume) and availability = 1 - rho MTTR/MTBF, not
    MTBF/(MTBF + MTTR) as calendar-time failures would give."""
    lam, pt, mtbf, mttr = 0.1, 5.0, 4.0, 1.0
    rho = lam * pt
    spec = factory(
        [station("s1", expo(pt), failure={"mtbf_h": expo(mtbf), "mttr_h": expo(mttr)})],
        expo(1 / lam),
        "half",
    )
    reps = reps_of(spec, days=80, reps=12, warmup_days=1)
    check_theory(col(reps, "availability", "s1"), 1 - rho * mttr / mtbf, what="availability")
    hours = 80 * 24
    check_theory([r.kpis["failures"] / hours for r in reps], rho / mtbf, what="failures/h")
    share = [r.stations["s1"]["state_min"]["processing"] / (hours * 60) for r in reps]
    check_theory(share, rho, rel_floor=0.01, what="processing share = rho")
