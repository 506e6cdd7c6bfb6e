"""Projection details: vectorised ramps, effect ranges, value added, substations, supply cap.

Runs are built by hand from arrays (no simulation); expectations are hand-computed.
"""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from twin.network import SupplyLinks
from twin.projection import (
    DIRECT,
    ArchetypeRuns,
    GridLinks,
    LeverSetRuns,
    ValueAdded,
    project,
    ramp_factor,
    ramp_factors,
)
from twin.scenario_run import effect_draws

KPIS = ("output_krw", "good_units", "consumed_units", "escaped_units", "energy_mwh", "peak_kw")


def side(output, good, consumed, escaped, energy, peak):
    vals = (output, good, consumed, escaped, energy, peak)
    return {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in zip(KPIS, vals, strict=True)}


def runs_of(base, sat):
    """LeverSetRuns from two tuples (output, good, consumed, escaped, energy, peak_kw)."""
    return LeverSetRuns(side(*base), side(*sat))


def firms_frame(rows):
    """Firm layer from (firm_id, archetype, scale, sector, complex_id) rows."""
    df = pd.DataFrame(rows, columns=["firm_id", "archetype", "scale", "sector", "complex_id"])
    df["employees"] = 10
    return df


def row_of(tidy, complex_id, year=None):
    t = tidy[tidy["complex_id"] == complex_id]
    if year is not None:
        t = t[t["year"] == year]
    assert len(t) == 1
    return t.iloc[0]


# --- ramps -------------------------------------------------------------------------------


@pytest.mark.parametrize("months", [0, 1, 6, 12, 18, 24, 30, 36])
@pytest.mark.parametrize("year", [2023, 2024, 2025, 2026, 2027, 2029, 2032])
def test_ramp_factors_match_ramp_factor(months, year):
    adopted = [2022, 2024, 2025, 2026, 2027, 2030, None]
    first = np.array([np.nan if a is None else float(a) for a in adopted])
    got = ramp_factors(first, year, months)
    want = [ramp_factor(a, year, months) for a in adopted]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    assert got[-1] == 0.0  # NaN: never adopted


def test_ramp_factors_hand_values():
    """24-month ramp: 1/4 in the adoption year, 3/4 in the next, then 1."""
    got = ramp_factors(np.array([2026.0, 2026.0, 2026.0, 2026.0]), 2026, 24)
    assert got[0] == pytest.approx(0.25)
    np.testing.assert_allclose(
        [ramp_factors(np.array([2026.0]), y, 24)[0] for y in (2025, 2026, 2027, 2028)],
        [0.0, 0.25, 0.75, 1.0],
    )


# --- effect ranges -----------------------------------------------------------------------


def test_delta_between_presets():
    none = runs_of((100, 10, 11, 1, 20, 500), (150, 15, 16, 1.5, 26, 600))
    level = runs_of((100, 10, 11, 1, 18, 500), (160, 16, 17, 1.6, 24, 600))  # -2 base energy
    low = runs_of((100, 10, 11, 1, 19, 500), (155, 15, 16, 1.5, 25, 600))  # -1
    high = runs_of((100, 10, 11, 1, 14, 500), (170, 17, 18, 1.7, 22, 600))  # -6
    ar = ArchetypeRuns(none, {"a": level}, {}, {"a": (low, high)})
    assert ar.delta("a", "base", "energy_mwh")[0] == pytest.approx(-2.0)
    t = np.array([0.0, -1.0, 1.0, 0.5, -0.5])

    def rep(x):
        return np.full(5, float(x))

    ar5 = ArchetypeRuns(
        LeverSetRuns({k: rep(v[0]) for k, v in none.base.items()}, none.sat),
        {"a": LeverSetRuns({k: rep(v[0]) for k, v in level.base.items()}, level.sat)},
        {},
        {
            "a": (
                LeverSetRuns({k: rep(v[0]) for k, v in low.base.items()}, low.sat),
                LeverSetRuns({k: rep(v[0]) for k, v in high.base.items()}, high.sat),
            )
        },
    )
    d = ar5.delta("a", "base", "energy_mwh", t)
    np.testing.assert_allclose(d, [-2.0, -1.0, -6.0, -4.0, -1.5])
    # sat output: level +10, low +5, high +20
    assert ar.delta("a", "sat", "output_krw", np.array([0.0]))[0] == pytest.approx(10.0)
    assert ar.delta("a", "sat", "output_krw", np.array([-1.0]))[0] == pytest.approx(5.0)
    assert ar.delta("a", "sat", "output_krw", np.array([1.0]))[0] == pytest.approx(20.0)
    assert ar.delta("a", "sat", "output_krw", np.array([0.5]))[0] == pytest.approx(15.0)
    assert ar.delta("a", "sat", "output_krw", np.array([-0.5]))[0] == pytest.approx(7.5)


def test_effect_draws_are_triangular_named_and_only_when_sampled():
    levels = SimpleNamespace(uncertainty=SimpleNamespace(mode="levels"))
    assert effect_draws(levels, ["a", "b"], 10, 7) == {}
    sampled = SimpleNamespace(uncertainty=SimpleNamespace(mode="sampled"))
    d = effect_draws(sampled, ["a", "b"], 4000, 7)
    assert set(d) == {"a", "b"}
    for v in d.values():
        assert v.shape == (4000,) and v.min() >= -1.0 and v.max() <= 1.0
        # symmetric triangular on [-1, 1]: mean 0, variance 1/6
        assert abs(v.mean()) < 0.03
        assert v.var() == pytest.approx(1 / 6, rel=0.08)
    assert not np.array_equal(d["a"], d["b"])
    # a lever's draw depends on its name, not on which other levers are drawn
    again = effect_draws(sampled, ["b", "a", "c"], 4000, 7)
    np.testing.assert_array_equal(again["a"], d["a"])
    assert not np.array_equal(effect_draws(sampled, ["a"], 4000, 8)["a"], d["a"])


def test_project_uses_draws_between_presets():
    """Per-replication draws move each replication's lever effect between low and high."""

    def rep(v, r=3):
        return np.full(r, float(v))

    def lsr3(base, sat):
        return LeverSetRuns(
            {k: rep(v) for k, v in zip(KPIS, base, strict=True)},
            {k: rep(v) for k, v in zip(KPIS, sat, strict=True)},
        )

    none = lsr3((100, 10, 11, 1, 20, 500), (150, 15, 16, 1.5, 26, 600))
    level = lsr3((100, 10, 11, 1, 18, 500), (150, 15, 16, 1.5, 24, 600))
    low = lsr3((100, 10, 11, 1, 19, 500), (150, 15, 16, 1.5, 25, 600))
    high = lsr3((100, 10, 11, 1, 14, 500), (150, 15, 16, 1.5, 20, 600))
    runs = {"x": ArchetypeRuns(none, {"a": level}, {}, {"a": (low, high)})}
    firms = firms_frame([("f", "x", 1.0, "metals", "1")])
    first = {"a": pd.Series([2020], dtype="Int64")}
    p = project(
        runs,
        firms,
        first,
        {"a": 12},
        [2025],
        2023,
        {},
        draws={"a": np.array([0.0, -1.0, 1.0])},
    )
    e = p.tidy.sort_values("replication")["electricity_mwh"].to_numpy()
    np.testing.assert_allclose(e, [18.0, 19.0, 14.0])


# --- value added -------------------------------------------------------------------------

# no lever: output 100, 10 good of 11 started, 0.5 escaped, 20 MWh; saturated 150
NONE = runs_of((100, 10, 11, 0.5, 20, 800), (150, 15, 16.5, 0.75, 26, 1000))
# lever: less scrap (10.5 started), fewer escapes (0.2), less energy (18 MWh)
LEAN = runs_of((100, 10, 10.5, 0.2, 18, 700), (150, 15, 15.75, 0.3, 24, 900))
PRICE = 0.5  # KRW per MWh (toy)
VA = ValueAdded(ratio={"default": 0.25}, electricity_krw_per_mwh=PRICE, escape_cost_factor=1.0)
# Hand-computed: unit price 100/10 = 10, an escape costs 10; base-year materials
# 0.75*100 - 20*0.5 - 0.5*10 = 60 for 11 started units
MATERIAL_PER_UNIT = 60.0 / 11.0


def va_of(output, consumed, escaped, energy):
    return output - MATERIAL_PER_UNIT * consumed - PRICE * energy - 10.0 * escaped


def test_value_added_is_ratio_times_output_without_adoption():
    assert va_of(100, 11, 0.5, 20) == pytest.approx(25.0)  # the calibration, by hand
    runs = {"x": ArchetypeRuns(NONE, {"a": LEAN}, {})}
    firms = firms_frame([("f1", "x", 2.0, "metals", "1"), ("f2", "x", 0.5, "textiles", "2")])
    never = {"a": pd.Series([pd.NA, pd.NA], dtype="Int64")}
    p = project(runs, firms, never, {"a": 12}, [2023, 2026], 2023, {}, value_added=VA)
    t = p.tidy
    np.testing.assert_allclose(t["value_added_krw"], 0.25 * t["output_krw"])
    assert row_of(t, "1", 2023)["value_added_krw"] == pytest.approx(0.25 * 100 * 2.0)
    assert row_of(t, "2", 2026)["value_added_krw"] == pytest.approx(0.25 * 100 * 0.5)


def test_value_added_ratio_holds_on_the_replication_mean():
    """With replications that differ, the ratio calibrates the mean (materials are one
    cost per started unit for the firm, not per replication)."""
    none = LeverSetRuns(
        side([90, 110], [9, 11], [10, 12], [0.4, 0.6], [19, 21], [800, 800]),
        side([140, 160], [14, 16], [15, 17], [0.7, 0.8], [25, 27], [1000, 1000]),
    )
    runs = {"x": ArchetypeRuns(none, {}, {})}
    firms = firms_frame([("f", "x", 3.0, "metals", "1")])
    p = project(runs, firms, {}, {}, [2023], 2023, {}, value_added=VA)
    t = p.tidy
    assert t["value_added_krw"].sum() == pytest.approx(0.25 * t["output_krw"].sum())
    assert t["output_krw"].sum() == pytest.approx(3.0 * (90 + 110))


def test_value_added_sector_ratio_and_default():
    va = ValueAdded(ratio={"default": 0.25, "metals": 0.4}, electricity_krw_per_mwh=PRICE)
    runs = {"x": ArchetypeRuns(NONE, {}, {})}
    firms = firms_frame([("f1", "x", 1.0, "metals", "1"), ("f2", "x", 1.0, "textiles", "2")])
    t = project(runs, firms, {}, {}, [2024], 2023, {}, value_added=va).tidy
    assert row_of(t, "1")["value_added_krw"] == pytest.approx(40.0)
    assert row_of(t, "2")["value_added_krw"] == pytest.approx(25.0)


def test_value_added_without_parameters_is_nan():
    runs = {"x": ArchetypeRuns(NONE, {}, {})}
    firms = firms_frame([("f", "x", 1.0, "metals", "1")])
    t = project(runs, firms, {}, {}, [2023], 2023, {}).tidy
    assert t["value_added_krw"].isna().all()


def test_lever_that_cuts_scrap_escapes_and_energy_raises_value_added():
    runs = {"x": ArchetypeRuns(NONE, {"a": LEAN}, {})}
    firms = firms_frame([("f1", "x", 2.0, "metals", "1"), ("f2", "x", 1.0, "metals", "2")])
    first = {"a": pd.Series([2023, 2025], dtype="Int64")}  # f2 half-ramped in 2025
    t = project(runs, firms, first, {"a": 12}, [2025], 2023, {}, value_added=VA).tidy
    full = va_of(100, 10.5, 0.2, 18)  # 100 - 60/11*10.5 - 9 - 2 = 31.727...
    assert full == pytest.approx(89.0 - 630.0 / 11.0)
    f1 = row_of(t, "1")
    assert f1["output_krw"] == pytest.approx(200.0)
    assert f1["electricity_mwh"] == pytest.approx(36.0)
    assert f1["value_added_krw"] == pytest.approx(2.0 * full)
    half = va_of(100, 10.75, 0.35, 19)  # half of each change in the adoption year
    assert row_of(t, "2")["value_added_krw"] == pytest.approx(half)
    assert 25.0 < half < full


def test_value_added_with_growth_brings_its_own_materials():
    """Demand +20 %: output 120 moves the KPIs 20/50 of the way to the saturated run."""
    runs = {"x": ArchetypeRuns(NONE, {}, {})}
    firms = firms_frame([("f", "x", 1.0, "metals", "1")])
    t = project(runs, firms, {}, {}, [2024], 2023, {"metals": 0.2}, value_added=VA).tidy
    f = 0.4
    want = va_of(120, 11 + f * 5.5, 0.5 + f * 0.25, 20 + f * 6)
    assert row_of(t, "1")["value_added_krw"] == pytest.approx(want)


# --- substations -------------------------------------------------------------------------


def test_substation_loads_conserve_peaks_and_big_firms_go_direct():
    none = LeverSetRuns(
        side([100, 100], [10, 10], [11, 11], [0.5, 0.5], [20, 20], [1000, 1200]),
        side([150, 150], [15, 15], [16, 16], [0.7, 0.7], [26, 26], [1400, 1500]),
    )
    lean = LeverSetRuns(
        side([100, 100], [10, 10], [11, 11], [0.5, 0.5], [18, 18], [900, 1000]),
        side([160, 160], [16, 16], [17, 17], [0.7, 0.7], [24, 24], [1300, 1400]),
    )
    runs = {"x": ArchetypeRuns(none, {"a": lean}, {})}
    # base-year peak: 1.1 MW per unit; f3 at scale 50 -> 55 MW > 40 MW: direct
    firms = firms_frame(
        [
            ("f1", "x", 2.0, "metals", "1"),
            ("f2", "x", 3.0, "electronics", "1"),
            ("f3", "x", 50.0, "electronics", "2"),
            ("f4", "x", 1.0, "textiles", "3"),
        ]
    )
    grid = GridLinks(substation_of=["S1", "S2", "S1", "S2"], capacity_mw={"S1": 30.0, "S2": 10.0})
    first = {"a": pd.Series([2024, pd.NA, 2025, 2026], dtype="Int64")}
    years = [2023, 2025, 2027]
    p = project(runs, firms, first, {"a": 12}, years, 2023, {"electronics": 0.1}, grid=grid)
    subs, tidy = p.substations, p.tidy
    load = subs.groupby(["year", "replication"])["load_mw"].sum()
    peak = tidy.groupby(["year", "replication"])["peak_mw"].sum()
    pd.testing.assert_series_equal(load, peak, check_names=False)
    assert len(load) == len(years) * 2
    y0 = subs[subs["year"] == 2023].set_index(["substation_id", "replication"])
    assert set(y0.index.get_level_values(0)) == {"S1", "S2", DIRECT}
    # base year, no lever yet on f3: its peak is the no-lever base peak x scale
    assert y0.loc[(DIRECT, 0), "load_mw"] == pytest.approx(1.0 * 50.0)
    assert y0.loc[(DIRECT, 1), "load_mw"] == pytest.approx(1.2 * 50.0)
    assert y0.loc[(DIRECT, 0), "firms"] == 1
    assert np.isnan(y0.loc[(DIRECT, 0), "capacity_mw"])
    # S1 keeps f1 only (f3 went direct); S2 holds f2 and f4
    assert y0.loc[("S1", 0), "firms"] == 1
    assert y0.loc[("S1", 0), "load_mw"] == pytest.approx(1.0 * 2.0)
    assert y0.loc[("S1", 0), "capacity_mw"] == 30.0
    assert y0.loc[("S2", 1), "firms"] == 2
    assert y0.loc[("S2", 1), "load_mw"] == pytest.approx(1.2 * 4.0)


def test_direct_threshold_is_a_parameter():
    runs = {"x": ArchetypeRuns(NONE, {}, {})}  # base peak 0.8 MW per unit
    firms = firms_frame([("f1", "x", 10.0, "metals", "1"), ("f2", "x", 1.0, "metals", "1")])
    grid = GridLinks(["S1", "S1"], {"S1": 30.0}, direct_above_mw=5.0)
    subs = project(runs, firms, {}, {}, [2023], 2023, {}, grid=grid).substations
    loads = dict(zip(subs["substation_id"], subs["load_mw"], strict=True))
    assert loads == pytest.approx({DIRECT: 8.0, "S1": 0.8})


# --- supply cap --------------------------------------------------------------------------

# customer archetype: near capacity without the lever (sat 110); the lever raises it to 150
CUST_NONE = runs_of((100, 10, 11, 0.5, 20, 800), (110, 11, 12.1, 0.55, 21, 850))
CUST_LEVER = runs_of((100, 10, 11, 0.5, 20, 800), (150, 15, 16.5, 0.75, 26, 1000))
# supplier archetype: 5 % spare at base demand
SUPP_NONE = runs_of((100, 10, 11, 0.5, 20, 800), (105, 10.5, 11.5, 0.5, 21, 820))


def supply_case():
    runs = {
        "cust": ArchetypeRuns(CUST_NONE, {"a": CUST_LEVER}, {}),
        "supp": ArchetypeRuns(SUPP_NONE, {"a": SUPP_NONE}, {}),
    }
    firms = firms_frame(
        [
            ("c", "cust", 2.0, "electronics", "1"),
            ("s", "supp", 4.0, "metals", "2"),
            ("o", "supp", 1.0, "metals", "3"),  # unrelated firm
        ]
    )
    # supply order differs from the firm frame: s, o, c; c buys half its production locally,
    # all of it from s
    share = sparse.csr_array(np.array([[0, 0, 0], [0, 0, 0], [1.0, 0, 0]]))
    links = SupplyLinks(("s", "o", "c"), np.array([0.0, 0.0, 0.5]), share)
    return runs, firms, links


def test_customer_gain_above_supplier_spare_is_capped_and_blamed():
    runs, firms, links = supply_case()
    first = {"a": pd.Series([2020, pd.NA, pd.NA], dtype="Int64")}  # c fully ramped
    growth = {"electronics": 0.3, "metals": 0.0}
    p = project(runs, firms, first, {"a": 12}, [2024], 2023, growth, supply=links)
    free = project(runs, firms, first, {"a": 12}, [2024], 2023, growth)
    # demand 130 > no-lever capacity 110 (the reference); the lever allows 130: gain 0.2.
    # s: demand 100, capacity 105: spare 0.05. Short 0.15, times d = 0.5: 0.075 of base.
    y = 130.0 - 0.5 * (0.2 - 0.05) * 100.0  # 122.5 per unit
    assert row_of(free.tidy, "1")["output_krw"] == pytest.approx(2.0 * 130.0)
    assert row_of(p.tidy, "1")["output_krw"] == pytest.approx(2.0 * y)
    # suppliers themselves are unchanged
    for c in ("2", "3"):
        assert row_of(p.tidy, c)["output_krw"] == pytest.approx(row_of(free.tidy, c)["output_krw"])
    necks = p.bottlenecks
    assert list(necks["firm_id"]) == ["s"]
    assert necks["year"].iloc[0] == 2024
    assert necks["spare_capacity"].iloc[0] == pytest.approx(0.05)
    assert necks["customer_output_lost_krw"].iloc[0] == pytest.approx(2.0 * (130.0 - y))
    lost = row_of(free.tidy, "1")["output_krw"] - row_of(p.tidy, "1")["output_krw"]
    assert necks["customer_output_lost_krw"].sum() == pytest.approx(lost)


def test_partial_shortfall_and_supplier_with_room():
    runs, firms, links = supply_case()
    first = {"a": pd.Series([2020, pd.NA, pd.NA], dtype="Int64")}
    growth = {"electronics": 0.2, "metals": 0.0}  # gain 120 - 110 = 0.1 > spare 0.05
    p = project(runs, firms, first, {"a": 12}, [2024], 2023, growth, supply=links)
    assert row_of(p.tidy, "1")["output_krw"] == pytest.approx(2.0 * (120.0 - 0.5 * 5.0))
    assert p.bottlenecks["customer_output_lost_krw"].sum() == pytest.approx(2.0 * 2.5)
    growth = {"electronics": 0.2, "metals": -0.1}  # s makes 90 of 105: spare 0.15 >= 0.1
    p = project(runs, firms, first, {"a": 12}, [2024], 2023, growth, supply=links)
    assert row_of(p.tidy, "1")["output_krw"] == pytest.approx(2.0 * 120.0)
    assert p.bottlenecks.empty
    growth = {"electronics": 0.04, "metals": 0.0}  # demand 104 within no-lever capacity
    p = project(runs, firms, first, {"a": 12}, [2024], 2023, growth, supply=links)
    assert row_of(p.tidy, "1")["output_krw"] == pytest.approx(2.0 * 104.0)
    assert p.bottlenecks.empty


def test_no_adoption_is_never_supply_limited():
    runs, firms, links = supply_case()
    never = {"a": pd.Series([pd.NA, pd.NA, pd.NA], dtype="Int64")}
    growth = {"electronics": 0.3, "metals": 0.05}
    kw = dict(value_added=VA)
    capped = project(runs, firms, never, {"a": 12}, [2024, 2026], 2023, growth, supply=links, **kw)
    free = project(runs, firms, never, {"a": 12}, [2024, 2026], 2023, growth, **kw)
    pd.testing.assert_frame_equal(capped.tidy, free.tidy)
    assert capped.bottlenecks.empty


def test_firm_table_sums_to_the_complex_totals_and_counts_levers():
    none = LeverSetRuns(
        side([100, 100], [10, 10], [11, 11], [0.5, 0.5], [20, 20], [1000, 1200]),
        side([150, 150], [15, 15], [16, 16], [0.7, 0.7], [26, 26], [1400, 1500]),
    )
    lean = LeverSetRuns(
        side([100, 100], [10, 10], [11, 11], [0.5, 0.5], [18, 18], [900, 1000]),
        side([160, 160], [16, 16], [17, 17], [0.7, 0.7], [24, 24], [1300, 1400]),
    )
    runs = {"x": ArchetypeRuns(none, {"a": lean}, {})}
    firms = firms_frame(
        [
            ("f1", "x", 2.0, "metals", "1"),
            ("f2", "x", 3.0, "electronics", "1"),
            ("f3", "x", 5.0, "electronics", "2"),
        ]
    )
    first = {"a": pd.Series([2024, pd.NA, 2025], dtype="Int64")}
    p = project(runs, firms, first, {"a": 0}, [2023, 2025], 2023, {}, value_added=VA)
    per_firm = p.firms.groupby("year")[["output_krw", "electricity_mwh", "value_added_krw"]].sum()
    # the firm table holds replication means: its sums are the mean of the complex totals
    totals = p.tidy.groupby(["year", "replication"])[list(per_firm.columns)].sum()
    pd.testing.assert_frame_equal(per_firm, totals.groupby("year").mean(), check_exact=False)
    used = p.firms.set_index(["year", "firm_id"])["levers_used"]
    assert used.to_dict() == {
        (2023, "f1"): 0, (2023, "f2"): 0, (2023, "f3"): 0,
        (2025, "f1"): 1, (2025, "f2"): 0, (2025, "f3"): 1,
    }  # fmt: skip
