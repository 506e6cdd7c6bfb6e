"""Scaling archetype runs to firms and years: ramps, demand caps, additive levers."""

import numpy as np
import pandas as pd
import pytest

from twin.projection import (
    ArchetypeRuns,
    LeverSetRuns,
    ValueAdded,
    combine_sets,
    firm_year_kpis,
    project,
    project_years,
    ramp_factor,
)


def lsr(out_b, out_s, e_b, e_s, peak=(1.0, 2.0), units=(10.0, 20.0)):
    arr = np.asarray
    return LeverSetRuns(
        {
            "output_krw": arr([out_b]),
            "good_units": arr([units[0]]),
            "consumed_units": arr([units[0] * 1.1]),
            "escaped_units": arr([units[0] * 0.01]),
            "energy_mwh": arr([e_b]),
            "peak_kw": arr([peak[0]]),
        },
        {
            "output_krw": arr([out_s]),
            "good_units": arr([units[1]]),
            "consumed_units": arr([units[1] * 1.1]),
            "escaped_units": arr([units[1] * 0.01]),
            "energy_mwh": arr([e_s]),
            "peak_kw": arr([peak[1]]),
        },
    )


def test_ramp_factor_matches_linear_ramp_integral():
    """12-month ramp: half the effect in the adoption year, full after; 18 months: 1/3, 11/12."""
    assert ramp_factor(2026, 2025, 12) == 0.0
    assert ramp_factor(2026, 2026, 12) == pytest.approx(0.5)
    assert ramp_factor(2026, 2027, 12) == pytest.approx(1.0)
    assert ramp_factor(2026, 2026, 18) == pytest.approx(1 / 3)
    assert ramp_factor(2026, 2027, 18) == pytest.approx(11 / 12)
    assert ramp_factor(None, 2030, 12) == 0.0


def test_output_is_demand_capped_by_capacity_and_energy_follows_the_line():
    runs = lsr(out_b=100.0, out_s=150.0, e_b=10.0, e_s=14.0)
    k = firm_year_kpis(runs, np.array([120.0]))
    assert k["output_krw"][0] == 120.0
    assert k["energy_mwh"][0] == pytest.approx(10.0 + 0.4 * 4.0)
    capped = firm_year_kpis(runs, np.array([400.0]))
    assert capped["output_krw"][0] == 150.0
    assert capped["energy_mwh"][0] == pytest.approx(14.0)
    lower = firm_year_kpis(runs, np.array([90.0]))  # less demand: less energy, same slope
    assert lower["energy_mwh"][0] == pytest.approx(10.0 - 0.2 * 4.0)


def test_levers_add_their_own_changes():
    none = lsr(100.0, 150.0, 10.0, 14.0)
    a = lsr(100.0, 160.0, 9.0, 13.0)
    b = lsr(101.0, 150.0, 10.0, 13.5)
    both = combine_sets(none, {"a": a, "b": b}, ["a", "b"])
    assert both.base["energy_mwh"][0] == pytest.approx(10.0 - 1.0 + 0.0)
    assert both.sat["output_krw"][0] == pytest.approx(160.0)
    assert both.sat["energy_mwh"][0] == pytest.approx(14.0 - 1.0 - 0.5)
    assert combine_sets(none, {"a": a}, []).base["energy_mwh"][0] == 10.0


def test_zero_adoption_is_the_scaled_no_lever_run():
    none = lsr(100.0, 150.0, 10.0, 14.0)
    runs = {"x": ArchetypeRuns(none, {"a": lsr(100.0, 170.0, 8.0, 12.0)}, {})}
    firms = pd.DataFrame(
        {
            "firm_id": ["f1", "f2"],
            "archetype": ["x", "x"],
            "scale": [2.0, 0.5],
            "sector": ["electronics", "electronics"],
            "complex_id": ["1", "3"],
            "employees": [20, 5],
        }
    )
    never = {"a": pd.Series([pd.NA, pd.NA], dtype="Int64")}
    t = project_years(runs, firms, never, {"a": 12}, [2025], 2023, {"electronics": 0.0})
    assert t["output_krw"].sum() == pytest.approx(100.0 * 2.5)
    assert t["electricity_mwh"].sum() == pytest.approx(10.0 * 2.5)
    adopted = {"a": pd.Series([2024, pd.NA], dtype="Int64")}
    t2 = project_years(
        runs, firms, adopted, {"a": 12}, [2025], 2023, {"electronics": 0.0}, {"a": 1.0}
    )
    f1 = t2[t2["complex_id"] == "1"].iloc[0]
    assert f1["electricity_mwh"] == pytest.approx(2.0 * 8.0)  # fully ramped in year 2
    assert f1["ai_compute_mwh"] == pytest.approx(2.0 * 8.76)


def test_demand_growth_raises_output_up_to_capacity():
    none = lsr(100.0, 150.0, 10.0, 14.0)
    runs = {"x": ArchetypeRuns(none, {}, {})}
    firms = pd.DataFrame(
        {
            "firm_id": ["f"],
            "archetype": ["x"],
            "scale": [1.0],
            "sector": ["metals"],
            "complex_id": ["1"],
            "employees": [3],
        }
    )
    t = project_years(runs, firms, {}, {}, [2024, 2030], 2023, {"metals": 0.1})
    out = dict(zip(t["year"], t["output_krw"], strict=True))
    assert out[2024] == pytest.approx(110.0)
    assert out[2030] == pytest.approx(150.0)  # 100 * 1.1**7 = 195 > capacity 150


def test_escape_reductions_combine_as_shares_of_what_is_left():
    """Two levers that each halve escapes leave a quarter (not none, as adding would)."""
    none = lsr(100.0, 150.0, 10.0, 14.0)
    half = LeverSetRuns(
        {**none.base, "escaped_units": none.base["escaped_units"] * 0.5},
        {**none.sat, "escaped_units": none.sat["escaped_units"] * 0.5},
    )
    runs = {"x": ArchetypeRuns(none, {"a": half, "b": half}, {})}
    firms = pd.DataFrame(
        {
            "firm_id": ["f"],
            "archetype": ["x"],
            "scale": [1.0],
            "sector": ["metals"],
            "complex_id": ["1"],
            "employees": [3],
        }
    )
    adopted = {lv: pd.Series([2020], dtype="Int64") for lv in ("a", "b")}
    va = ValueAdded({"default": 0.25}, 1.0, escape_cost_factor=1.0)
    both = project(runs, firms, adopted, {"a": 1, "b": 1}, [2025], 2023, {}, value_added=va)
    never = {lv: pd.Series([pd.NA], dtype="Int64") for lv in ("a", "b")}
    plain = project(runs, firms, never, {"a": 1, "b": 1}, [2025], 2023, {}, value_added=va)
    price = 100.0 / 10.0  # base output / base good units
    escaped = 10.0 * 0.01  # no-lever escapes
    gained = plain.tidy["value_added_krw"].iloc[0] + price * escaped * 0.75
    assert both.tidy["value_added_krw"].iloc[0] == pytest.approx(gained)
