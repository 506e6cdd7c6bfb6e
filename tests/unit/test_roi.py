"""Company ROI (twin.roi): closed-form money, determinism, and a lever off the bottleneck.

Small hand-made lines keep every test to a few seconds.
"""

import datetime as dt

import numpy as np
import pytest

from twin.ai.registry import lever_apply
from twin.config import parse_factory_spec
from twin.config.tariff import load_tariff
from twin.des import simulate
from twin.economics import annual_bill_krw, annuity_factor
from twin.io.paths import data_dir
from twin.projection import common_form
from twin.roi import BENEFITS, REFERENCE_MONDAY, _year_noise, company_roi, load_factory
from twin.scenario_run import load_levers

LEVERS = load_levers()
FAST = {"days": 7.0, "warmup_days": 1.0}


def line(defect_rate=0.0, facility=True, calendar=True):
    """A two-station line with a facility load and a shift calendar (no standby states)."""
    data = {
        "name": "two-step",
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
                "defect_rate": defect_rate,
                "power_kw": {"processing": 20.0, "idle": 8.0, "off": 1.0},
            },
            {
                "name": "check",
                "process_time_min": {"dist": "constant", "value": 1.0},
                "power_kw": {"processing": 3.0, "idle": 2.0, "off": 0.1},
            },
        ],
    }
    if defect_rate:
        data["stations"][1]["inspection"] = {"detection_rate": 0.9, "reject_to": "scrap"}
    if facility:
        data["facility"] = {"base_kw": 40.0, "off_shift_kw": 15.0}
    if calendar:
        data["calendar"] = {"shifts_per_day": 2, "hours_per_shift": 8, "days_per_week": 5}
    return parse_factory_spec(data)


def test_a_lever_with_nothing_to_act_on_costs_its_capex_and_opex_exactly():
    """Yield optimisation on a line without defects changes nothing: every benefit is zero
    and the NPV is minus the present value of capex and opex (carbon priced at zero),
    replication by replication, capex and opex drawn with the effect."""
    res = company_roi(
        line(),
        ["yield_optimisation"],
        years=5,
        replications=5,
        seed=3,
        carbon_price_krw_per_t=0,
        **FAST,
    )
    s = res.sets["yield_optimisation"]
    for k in BENEFITS:
        assert np.all(s.annual[k] == 0.0), k
    expected = -(s.capex + annuity_factor(0.07, 5) * s.opex)
    np.testing.assert_allclose(s.npv, expected, rtol=1e-12)
    cap = LEVERS["yield_optimisation"].capex_krw
    assert np.all((s.capex >= cap.low) & (s.capex <= cap.high))
    assert len(set(s.capex.tolist())) == 5  # placed per replication by its draw
    assert any("nothing to act on" in n for n in res.notes)
    assert s.summary()["p_payback_within_3y"] == 0.0
    assert np.all(np.isneginf(s.irr))  # the flows never turn positive


def test_at_a_zero_rate_npv_is_the_sum_of_the_flows():
    res = company_roi(
        line(defect_rate=0.05),
        ["yield_optimisation"],
        years=4,
        replications=3,
        seed=5,
        discount_rate=0.0,
        **FAST,
    )
    s = res.sets["yield_optimisation"]
    np.testing.assert_allclose(s.npv, s.flows["net"].sum(axis=1), rtol=1e-12)
    assert np.all(s.annual["scrap"] > 0)  # fewer defects: fewer scrapped units bought
    assert np.all(s.annual["escapes"] >= 0)


def test_energy_savings_are_the_tariff_bill_difference_of_the_two_profiles():
    """Facility control on a line whose output it leaves alone: the energy benefit is the
    KEPCO annual bill of the no-lever profile minus that of the lever's profile."""
    spec = line()
    lever = LEVERS["energy_optimisation"]
    res = company_roi(
        spec,
        ["energy_optimisation"],
        replications=3,
        seed=9,
        sample_effects=False,
        noise="run",
        **FAST,
    )
    base = common_form(spec, LEVERS["predictive_maintenance"])
    applied = lever_apply("energy_optimisation")(base, lever, "typical", 9)
    tariff = load_tariff(data_dir() / "tariff.yaml")
    start = REFERENCE_MONDAY + dt.timedelta(days=1)
    assert start.weekday() == 1  # the engine's day 0 is a Monday
    expected = []
    for r in range(3):
        a = simulate(base, days=7, warmup_days=1, seed=9, replication=r)
        b = simulate(
            applied.spec, days=7, warmup_days=1, seed=9, replication=r, policy=applied.policy
        )
        assert a.kpis["revenue_krw"] == b.kpis["revenue_krw"]
        expected.append(
            annual_bill_krw(tariff, a.profile_kw, start).total_krw
            - annual_bill_krw(tariff, b.profile_kw, start).total_krw
        )
    got = res.sets["energy_optimisation"].annual["energy"]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert np.all(got > 0)
    mwh = res.sets["energy_optimisation"].kpis["energy_mwh", "demand"]
    carbon = res.sets["energy_optimisation"].annual["carbon"]
    kw = lever.compute_kw_edge.typical
    grid, price = res.inputs["grid_factor_t_per_mwh"], res.inputs["carbon_price_krw_per_t"]
    np.testing.assert_allclose(carbon, (-mwh - kw * 8.76) * grid * price, rtol=1e-9)


def test_a_years_noise_shrinks_each_change_towards_its_mean():
    """_year_noise: the plain line's values, each lever's change against it and each side
    preset's change against the lever's typical preset, pair by pair, keep their means and
    deviate from them by the factor given; replications a preset did not run stay empty."""
    rng = np.random.default_rng(0)
    none = {"energy_mwh": rng.normal(10, 1, 6), "profile": rng.normal(50, 5, (6, 4))}
    lever = {k: v - 0.5 + rng.normal(0, 0.2, v.shape) for k, v in none.items()}
    side = {
        k: np.where(np.arange(6).reshape((-1,) + (1,) * (v.ndim - 1)) < 3, v + 1, np.nan)
        for k, v in lever.items()
    }
    q = {
        (("none", ""), "base"): none,
        (("x", "typical"), "base"): lever,
        (("x", "high"), "base"): side,
    }
    q.update({(key, "sat"): v for (key, _), v in list(q.items())})
    out = _year_noise(q, 0.1)
    for k in none:
        n0, n1 = none[k], out[("none", ""), "base"][k]
        np.testing.assert_allclose(n1, n0.mean(0) + 0.1 * (n0 - n0.mean(0)))
        d0 = lever[k] - none[k]
        d1 = out[("x", "typical"), "base"][k] - n1
        np.testing.assert_allclose(d1, d0.mean(0) + 0.1 * (d0 - d0.mean(0)))
        e0 = (side[k] - lever[k])[:3]
        e1 = (out[("x", "high"), "base"][k] - out[("x", "typical"), "base"][k])[:3]
        np.testing.assert_allclose(e1, e0.mean(0) + 0.1 * (e0 - e0.mean(0)))
        assert np.all(np.isnan(out[("x", "high"), "base"][k][3:]))


def test_a_years_noise_narrows_the_npv_range_not_the_kpi_intervals():
    kw = dict(replications=4, seed=8, **FAST)
    run = company_roi(line(defect_rate=0.05), ["yield_optimisation"], noise="run", **kw)
    year = company_roi(line(defect_rate=0.05), ["yield_optimisation"], **kw)
    a, b = run.sets["yield_optimisation"], year.sets["yield_optimisation"]
    for key, v in a.kpis.items():
        np.testing.assert_array_equal(v, b.kpis[key])
    assert b.npv.std() < a.npv.std()
    assert b.npv.mean() == pytest.approx(a.npv.mean(), rel=0.1)


def test_same_seed_same_result_whatever_the_workers():
    kwargs = dict(years=5, replications=4, seed=21, **FAST)
    levers = ["yield_optimisation", "energy_optimisation"]
    a = company_roi(line(defect_rate=0.04), levers, workers=1, **kwargs)
    b = company_roi(line(defect_rate=0.04), levers, workers=2, **kwargs)
    assert set(a.sets) == {*levers, "bundle"}
    for name in a.sets:
        np.testing.assert_array_equal(a.sets[name].npv, b.sets[name].npv)
        for col, v in a.sets[name].flows.items():
            np.testing.assert_array_equal(v, b.sets[name].flows[col])
    c = company_roi(line(defect_rate=0.04), levers, workers=1, **{**kwargs, "seed": 22})
    assert not np.array_equal(a.sets["bundle"].npv, c.sets["bundle"].npv)


def test_the_bundle_adds_its_levers_on_separate_loss_pools():
    """Yield (scrap) and facility energy act on separate pools: the bundle's steady benefits
    are close to the sum of the two levers' and its costs are exactly their sum."""
    res = company_roi(
        line(defect_rate=0.05),
        ["yield_optimisation", "energy_optimisation"],
        replications=3,
        seed=2,
        **FAST,
    )
    y, e, b = (res.sets[k] for k in ("yield_optimisation", "energy_optimisation", "bundle"))
    np.testing.assert_allclose(b.capex, y.capex + e.capex, rtol=1e-12)
    np.testing.assert_allclose(b.opex, y.opex + e.opex, rtol=1e-12)
    total = sum(np.abs(y.annual[k]) + np.abs(e.annual[k]) for k in BENEFITS)
    for k in BENEFITS:
        gap = b.annual[k] - y.annual[k] - e.annual[k]
        assert np.all(np.abs(gap) <= 0.1 * total), k


def test_headroom_sells_the_added_capacity_only_where_demand_takes_it():
    """No headroom: no margin. A market taking 30 % more pays the yield lever's extra good
    units on a saturated line."""
    spec = line(defect_rate=0.2)
    kw = dict(replications=3, seed=4, sample_effects=False, **FAST)
    none = company_roi(spec, ["yield_optimisation"], **kw)
    more = company_roi(spec, ["yield_optimisation"], headroom=2.0, **kw)
    assert np.all(none.sets["yield_optimisation"].annual["margin"] == 0.0)
    assert np.all(more.sets["yield_optimisation"].annual["margin"] > 0)


# -- a lever off the bottleneck ------------------------------------------------------------
def failing(fail: bool) -> dict:
    if not fail:
        return {}
    return {
        "failure": {
            "mtbf_h": {"dist": "weibull", "mean": 12.0, "shape": 1.2},
            "mttr_h": {"dist": "lognormal", "mean": 1.5, "cv": 0.5},
        }
    }


def two_stations(fail_fast: bool, fail_slow: bool):
    """A fast feeder (1 min) before a slow bottleneck (3 min) with a large buffer between."""
    return parse_factory_spec(
        {
            "name": "neck",
            "source": {
                "interarrival_min": {"dist": "exponential", "mean": 4.5},
                "products": [
                    {"name": "p", "share": 1.0, "price_krw": 50_000, "material_cost_krw": 30_000}
                ],
            },
            "stations": [
                {
                    "name": "feeder",
                    "process_time_min": {"dist": "lognormal", "mean": 1.0, "cv": 0.2},
                    "buffer_capacity": 10,
                    "power_kw": {"processing": 5.0, "idle": 2.0},
                    **failing(fail_fast),
                },
                {
                    "name": "neck",
                    "process_time_min": {"dist": "lognormal", "mean": 3.0, "cv": 0.2},
                    "buffer_capacity": 200,
                    "power_kw": {"processing": 10.0, "idle": 4.0},
                    **failing(fail_slow),
                },
            ],
        }
    )


@pytest.fixture(scope="module")
def neck_results():
    """PdM on each station of the line, with a market that takes twice the output."""
    kw = dict(replications=8, seed=12, sample_effects=False, headroom=1.0, **FAST)
    return {
        where: company_roi(
            two_stations(where == "feeder", where == "neck"), ["predictive_maintenance"], **kw
        )
        for where in ("feeder", "neck")
    }


def test_maintenance_off_the_bottleneck_shows_the_small_gain_it_really_has(neck_results):
    """PdM on the fast feeder (idle two thirds of the time, a buffer of 200 before the
    bottleneck) barely moves capacity; on the bottleneck it raises it clearly, and only
    there does the added output earn a margin."""
    gain, cap, margin = {}, {}, {}
    for where, r in neck_results.items():
        s = r.sets["predictive_maintenance"]
        gain[where] = s.kpi_table()["throughput_per_h"]["capacity"]
        cap[where] = r.baseline["kpis"]["throughput_per_h"]["capacity"]
        margin[where] = float(np.mean(s.annual["margin"]))
    assert gain["neck"]["ci_low"] > 0  # a real gain on the bottleneck
    assert gain["neck"]["mean"] > 0.01 * cap["neck"]
    # off the bottleneck: within 0.3 % of capacity, and its interval holds zero
    assert abs(gain["feeder"]["mean"]) < 0.003 * cap["feeder"]
    assert gain["feeder"]["ci_low"] <= 0 <= gain["feeder"]["ci_high"]
    assert gain["neck"]["mean"] > 5 * abs(gain["feeder"]["mean"])
    assert margin["neck"] > 0
    assert abs(margin["feeder"]) < 0.2 * margin["neck"]


def test_load_factory_resolves_archetypes_and_rejects_unknown_names(tmp_path):
    f = load_factory("smt-assembly")
    assert f.archetype == "smt-assembly" and 0.3 <= f.utilisation <= 1.2
    g = load_factory(str(data_dir() / "factories" / "smt-line.yaml"))
    assert g.archetype is None and g.utilisation == 1.0
    from twin.core.errors import InputError

    with pytest.raises(InputError, match="not an archetype"):
        load_factory("no-such-line")
    bad = tmp_path / "bad.yaml"
    bad.write_text("source: [1, 2\n")
    with pytest.raises(InputError, match=r"bad\.yaml"):
        load_factory(str(bad))
