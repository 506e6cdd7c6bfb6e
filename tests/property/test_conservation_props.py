"""Property tests: conservation laws hold for randomly generated valid factories.

Hypothesis draws specs with 1-4 stations, 1-3 machines, every distribution family, buffers
(unlimited, 0 or small), optional failures, defects, one optional inspection (to scrap),
probabilistic forward routing (to later stations, sink or scrap), an optional product mix with
setups, standby and warm-up, an optional calendar and facility load. Each short run must
conserve parts, machine time and energy exactly and be bit-for-bit reproducible.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twin.config import parse_factory_spec
from twin.des import simulate

STATES = ("processing", "setup", "idle", "standby", "warmup", "blocked", "failed", "off")
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- strategies -----------------------------------------------------------------------------
_f = st.floats


@st.composite
def distribution(draw, lo: float, hi: float) -> dict:
    """Any distribution family with a mean roughly in [lo, hi]."""
    mean = draw(_f(lo, hi))
    kind = draw(
        st.sampled_from(
            ["exponential", "constant", "lognormal", "weibull", "triangular", "normal", "empirical"]
        )
    )
    if kind == "exponential":
        return {"dist": kind, "mean": mean}
    if kind == "constant":
        return {"dist": kind, "value": mean}
    if kind == "lognormal":
        return {"dist": kind, "mean": mean, "cv": draw(_f(0.05, 2.0))}
    if kind == "weibull":
        return {"dist": kind, "mean": mean, "shape": draw(_f(0.6, 5.0))}
    if kind == "triangular":
        low = draw(_f(0, mean))
        high = draw(_f(mean * 1.01 + 1e-3, 3 * mean + 1e-2))
        return {"dist": kind, "low": low, "mode": draw(_f(low, high)), "high": high}
    if kind == "normal":
        return {
            "dist": kind,
            "mean": mean,
            "sd": draw(st.one_of(st.just(0.0), _f(0.01 * mean, mean))),
        }
    values = draw(st.lists(_f(0, 2 * mean), min_size=1, max_size=5))
    return {"dist": kind, "values": [*values, mean]}  # at least one positive value


def power() -> st.SearchStrategy[dict]:
    kw = _f(0, 30)
    return st.fixed_dictionaries(
        {"processing": kw, "idle": kw},
        optional={"standby": kw, "setup": kw, "failed": kw, "off": kw, "blocked": kw, "warmup": kw},
    )


@st.composite
def routes(draw, index: int, n: int):
    """None (serial), or a probabilistic split to later stations, sink or scrap."""
    if not draw(st.booleans()):
        return None
    targets = [f"s{j}" for j in range(index + 1, n)] + ["sink", "scrap"]
    chosen = draw(st.lists(st.sampled_from(targets), min_size=1, max_size=3, unique=True))
    if len(chosen) == 1:
        return chosen[0]
    weights = [draw(st.integers(1, 9)) for _ in chosen]
    probs = [w / sum(weights) for w in weights]
    return [{"station": t, "p": p} for t, p in zip(chosen, probs, strict=True)]


@st.composite
def factory(draw) -> dict:
    n = draw(st.integers(1, 4))
    products = None
    if draw(st.booleans()):
        k = draw(st.integers(1, 3))
        weights = [draw(st.integers(1, 5)) for _ in range(k)]
        products = [{"name": f"p{i}", "share": w / sum(weights)} for i, w in enumerate(weights)]
    inspected = draw(st.one_of(st.none(), st.integers(0, n - 1)))
    stations = []
    for i in range(n):
        s: dict = {
            "name": f"s{i}",
            "machines": draw(st.integers(1, 3)),
            "buffer_capacity": draw(st.one_of(st.none(), st.integers(0, 4))),
            "power_kw": draw(power()),
            "defect_rate": draw(st.one_of(st.just(0.0), _f(0, 0.3))),
        }
        if products and draw(st.booleans()):
            s["process_time_min"] = {p["name"]: draw(distribution(0.2, 4.0)) for p in products}
        else:
            s["process_time_min"] = draw(distribution(0.2, 4.0))
        if products and draw(st.booleans()):
            s["setup_min"] = draw(distribution(0.1, 3.0))
        if draw(st.booleans()):
            s["failure"] = {
                "mtbf_h": draw(distribution(0.3, 6.0)),
                "mttr_h": draw(distribution(0.02, 1.0)),
            }
        if draw(st.booleans()):
            s["standby_after_idle_min"] = draw(_f(0.5, 30))
            s["warmup_min"] = draw(_f(0, 5))
        if i == inspected:
            s["inspection"] = {
                "detection_rate": draw(_f(0, 1)),
                "false_reject_rate": draw(_f(0, 0.2)),
                "reject_to": "scrap",
            }
        nxt = draw(routes(i, n))
        if nxt is not None:
            s["next"] = nxt
        stations.append(s)
    source: dict = {"interarrival_min": draw(distribution(0.5, 5.0))}
    if products:
        source["products"] = products
    spec = {"name": "prop", "source": source, "stations": stations}
    if draw(st.booleans()):
        shifts = draw(st.integers(1, 3))
        spec["calendar"] = {
            "shifts_per_day": shifts,
            "hours_per_shift": draw(st.sampled_from([4.0, 6.0, 7.5, 8.0])),
            "days_per_week": draw(st.integers(1, 7)),
            "start_hour": draw(st.sampled_from([0.0, 5.5, 6.0, 14.0, 22.0])),
        }
    if draw(st.booleans()):
        spec["facility"] = draw(
            st.fixed_dictionaries(
                {"base_kw": _f(0, 100), "kwh_per_unit": _f(0, 1)},
                optional={"off_shift_kw": _f(0, 50)},
            )
        )
    return spec


def on_minutes(cal: dict | None, start: int, end: int) -> int:
    """Working minutes in [start, end), minute by minute (independent of the engine)."""
    if cal is None:
        return end - start
    first = round(cal["start_hour"] * 60)
    length = round(cal["shifts_per_day"] * cal["hours_per_shift"] * 60)
    if length >= 1440 and cal["days_per_week"] == 7:
        return end - start
    n = 0
    for m in range(start, end):
        for d in (m // 1440, m // 1440 - 1):
            s = d * 1440 + first
            if d % 7 < cal["days_per_week"] and s <= m < s + length:
                n += 1
                break
    return n


def _eq(x, y) -> bool:
    if isinstance(x, dict):
        return x.keys() == y.keys() and all(_eq(x[k], y[k]) for k in x)
    if isinstance(x, float) and math.isnan(x):
        return isinstance(y, float) and math.isnan(y)
    return x == y


# -- the property ---------------------------------------------------------------------------
@SETTINGS
@given(
    raw=factory(),
    window=st.sampled_from([(1.0, 0.0), (1.0, 0.2), (0.5, 0.25), (0.75, 1.0)]),
    seed=st.integers(0, 2**32 - 1),
    rep=st.integers(0, 5),
)
def test_random_factories_conserve_everything(raw, window, seed, rep, balance):
    """For any valid factory: released + wip_start == good + escaped + scrap + wip_end;
    station state minutes sum to machines x measured minutes; shares lie in [0, 1] and
    partition available time; energies are non-negative, states + facility sum to energy_kwh
    and the profile integrates to it; facility kWh = base x on + off_kw x off + per-unit x
    shipped; off minutes match the calendar; a finite buffer's mean queue never exceeds its
    capacity; and the same seed reproduces the run bit for bit."""
    spec = parse_factory_spec(raw, "property")
    days, warmup = window
    r = simulate(spec, days=days, warmup_days=warmup, seed=seed, replication=rep)
    k = r.kpis
    measured = days * 1440

    # parts
    assert balance(k) == 0, k
    for key in (
        "released",
        "wip_start",
        "wip_end",
        "good_units",
        "scrap_units",
        "escaped_defects",
        "failures",
    ):
        assert k[key] >= 0 and float(k[key]).is_integer(), key
    if all(s.get("defect_rate", 0) == 0 for s in raw["stations"]):
        assert k["escaped_defects"] == 0
    if not any("inspection" in s or "scrap" in str(s.get("next")) for s in raw["stations"]):
        assert k["scrap_units"] == 0
    if not any("failure" in s for s in raw["stations"]):
        assert k["failures"] == 0
    assert k["mean_wip"] >= 0

    # machine time and calendar
    start, end = round(warmup * 1440), round((warmup + days) * 1440)
    on = on_minutes(raw.get("calendar"), start, end)
    off = end - start - on
    assert k["scheduled_h"] * 60 == np.float64(on) or math.isclose(
        k["scheduled_h"] * 60, on, rel_tol=1e-9, abs_tol=1e-6
    )
    for s_raw, s in zip(raw["stations"], spec.stations, strict=True):
        res = r.stations[s.name]
        t = res["state_min"]
        assert min(t.values()) >= 0
        assert math.isclose(sum(t.values()), s.machines * measured, rel_tol=1e-9)
        if "failure" not in s_raw:
            assert t["failed"] == 0
            assert math.isclose(t["off"], s.machines * off, rel_tol=1e-9, abs_tol=1e-6)
        else:  # a repair may run on into off-shift time
            assert t["off"] <= s.machines * off + 1e-6
        available = sum(t.values()) - t["off"] - t["failed"]
        if available > 1e-9:
            shares = [
                res[x] for x in ("utilization", "blocked_share", "starved_share", "setup_share")
            ]
            assert all(0 <= x <= 1 + 1e-12 for x in [*shares, res["availability"]])
            assert math.isclose(sum(shares), 1.0, rel_tol=1e-9)
        assert res["mean_queue"] >= 0
        if s.buffer_capacity is not None:
            assert res["mean_queue"] <= s.buffer_capacity + 1e-9
        if res["jobs_started"] > 0:
            assert res["mean_wait_min"] >= 0

    # energy
    e = r.energy_by_state_kwh
    assert all(v >= 0 for v in e.values()), e
    total = k["energy_kwh"]
    assert math.isclose(math.fsum(e.values()), total, rel_tol=1e-9, abs_tol=1e-9)
    n = len(r.profile_kw)
    assert n == math.ceil(measured / 15 - 1e-9)
    widths = np.full(n, 15.0)
    widths[-1] = measured - 15 * (n - 1)
    assert np.all(r.profile_kw >= -1e-9)
    assert math.isclose(
        float((r.profile_kw * widths).sum()) / 60, total, rel_tol=1e-6, abs_tol=1e-6
    )
    fac = raw.get("facility") or {}
    base = fac.get("base_kw", 0.0)
    off_kw = fac.get("off_shift_kw", base)
    shipped = k["good_units"] + k["escaped_defects"]
    expected = (base * on + off_kw * off) / 60 + fac.get("kwh_per_unit", 0.0) * shipped
    assert math.isclose(e["facility"], expected, rel_tol=1e-9, abs_tol=1e-9)

    # determinism
    again = simulate(spec, days=days, warmup_days=warmup, seed=seed, replication=rep)
    assert _eq(k, again.kpis)
    assert _eq(r.stations, again.stations)
    assert _eq(e, again.energy_by_state_kwh)
    assert np.array_equal(r.profile_kw, again.profile_kw)
