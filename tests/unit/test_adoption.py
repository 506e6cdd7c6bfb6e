"""Adoption curves and firm-level adoption (twin.adoption)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import solve_ivp

from twin.adoption import (
    adoption_share,
    adoption_table,
    adoption_thresholds,
    adoption_years,
    bass_cumulative,
    firm_adoption,
)
from twin.config.firmbase import SECTORS
from twin.config.scenario import LEVER_NAMES, SIZE_CLASSES, AdoptionCurve, parse_scenario

BASS = {"p": 0.03, "q": 0.35, "ceiling": 0.6, "start_year": 2023}


def scenario(levers=None, anchors=None, seed=11):
    data = {
        "name": "test",
        "description": "unit-test scenario",
        "assumptions": {"a": {"statement": "test", "source": "test", "status": "synthetic"}},
        "horizon": {"start_year": 2025, "end_year": 2032},
        "base_year": 2023,
        "seed": seed,
        "demand_growth": {
            "rates": dict.fromkeys(SECTORS, 0.0),
            "source": "test",
            "status": "synthetic",
        },
        "grid_factor_t_per_mwh": {"value": 0.4173, "source": "test", "status": "synthetic"},
        "carbon_price_krw_per_t": {"value": 1e4, "source": "test", "status": "synthetic"},
        "levers": levers or {},
        "anchors": anchors or [],
    }
    return parse_scenario(data, "test.yaml")


def rule(curve, sectors="all", size_classes="all"):
    return {
        "sectors": sectors,
        "size_classes": size_classes,
        "curve": curve,
        "source": "test",
        "status": "synthetic",
    }


def firms_frame(n, sector="electronics", size_class="300+", prefix="F"):
    return pd.DataFrame(
        {
            "firm_id": [f"{prefix}{i:05d}" for i in range(n)],
            "name": [f"{prefix} firm {i}" for i in range(n)],
            "sector": sector,
            "size_class": size_class,
            "employees": 100,
        }
    )


def mixed_frame(n=600):
    rows = []
    for i in range(n):
        rows.append(
            {
                "firm_id": f"M{i:05d}",
                "name": f"Mixed {i}",
                "sector": SECTORS[i % len(SECTORS)],
                "size_class": SIZE_CLASSES[(i // len(SECTORS)) % len(SIZE_CLASSES)],
                "employees": 5 + i % 400,
            }
        )
    return pd.DataFrame(rows)


# --- Bass ------------------------------------------------------------------------------------


def test_bass_starts_at_zero_and_tends_to_the_ceiling():
    assert bass_cumulative(0.03, 0.35, 0.6, 0.0) == 0.0
    assert bass_cumulative(0.03, 0.35, 0.6, -3.0) == 0.0
    assert bass_cumulative(0.03, 0.35, 0.6, 200.0) == pytest.approx(0.6, abs=1e-12)


def test_bass_is_increasing():
    f = bass_cumulative(0.03, 0.35, 0.6, np.linspace(0, 40, 401))
    assert isinstance(f, np.ndarray)
    assert np.all(np.diff(f) > 0)


@pytest.mark.parametrize(("p", "q", "m"), [(0.03, 0.35, 0.6), (0.005, 0.45, 1.0), (0.2, 0.1, 0.3)])
def test_bass_matches_the_integrated_ode(p, q, m):
    ts = np.linspace(0, 25, 26)
    sol = solve_ivp(
        lambda _t, f: (p + q * f / m) * (m - f), (0, 25), [0.0], t_eval=ts, rtol=1e-10, atol=1e-12
    )
    assert np.allclose(bass_cumulative(p, q, m, ts), sol.y[0], atol=1e-8)


def test_bass_rejects_bad_parameters():
    with pytest.raises(ValueError, match="p must be positive"):
        bass_cumulative(0.0, 0.3, 0.5, 1.0)
    with pytest.raises(ValueError, match="ceiling"):
        bass_cumulative(0.01, 0.3, 1.5, 1.0)


# --- shares ----------------------------------------------------------------------------------


def test_share_of_a_bass_curve_counts_years_from_its_start():
    curve = AdoptionCurve(bass=BASS)
    assert adoption_share(curve, 2023) == 0.0
    assert adoption_share(curve, 2032) == pytest.approx(bass_cumulative(0.03, 0.35, 0.6, 9))


def test_explicit_shares_interpolate_linearly_and_hold_after_the_last_year():
    curve = AdoptionCurve(shares={2026: 0.1, 2028: 0.3})
    assert adoption_share(curve, 2025) == 0.0  # before the first listed year
    assert adoption_share(curve, 2026) == pytest.approx(0.1)
    assert adoption_share(curve, 2027) == pytest.approx(0.2)
    assert adoption_share(curve, 2032) == pytest.approx(0.3)
    assert adoption_share({2025: 0.5}, 2030) == pytest.approx(0.5)


def test_share_of_a_rule_is_the_share_of_its_curve():
    s = scenario({"vision_qc": {"adoption": [rule({"bass": BASS})]}})
    r = s.lever_plans["vision_qc"].adoption[0]
    assert adoption_share(r, 2030) == adoption_share(r.curve, 2030) > 0


# --- firm adoption ---------------------------------------------------------------------------


def test_adoption_is_deterministic_for_a_seed_and_changes_with_it():
    firms = firms_frame(300)
    s = scenario({"vision_qc": {"adoption": [rule({"shares": {2025: 0.5}})]}})
    a = firm_adoption(firms, s, "vision_qc", 2030, seed=3)
    b = firm_adoption(firms, s, "vision_qc", 2030, seed=3)
    c = firm_adoption(firms, s, "vision_qc", 2030, seed=4)
    assert a.equals(b)
    assert not a.equals(c)
    assert firm_adoption(firms, s, "vision_qc", 2030).equals(
        firm_adoption(firms, s, "vision_qc", 2030, seed=s.seed)
    )


def test_a_firms_decision_depends_only_on_its_own_id():
    firms = firms_frame(200)
    s = scenario({"scheduling": {"adoption": [rule({"shares": {2025: 0.4}})]}})
    whole = firm_adoption(firms, s, "scheduling", 2028)
    part = firms.iloc[::-3]
    assert firm_adoption(part, s, "scheduling", 2028).equals(whole.loc[part.index])


def test_adoption_is_monotone_in_time():
    firms = mixed_frame(600)
    s = scenario({lv: {"adoption": [rule({"bass": BASS})]} for lv in LEVER_NAMES})
    table = adoption_table(firms, s)
    wide = table.pivot_table(index=["lever", "firm_id"], columns="year", values="adopted")
    values = wide.to_numpy(dtype=bool)
    assert np.all(values[:, 1:] >= values[:, :-1])
    assert values[:, -1].sum() > values[:, 0].sum() > 0


@pytest.mark.parametrize("year", [2025, 2028, 2032])
def test_realised_share_of_a_large_group_is_close_to_the_curve(year):
    n = 2000
    firms = firms_frame(n)
    s = scenario({"energy_optimisation": {"adoption": [rule({"bass": BASS})]}})
    share = adoption_share(s.lever_plans["energy_optimisation"].adoption[0], year)
    realised = firm_adoption(firms, s, "energy_optimisation", year).mean()
    sd = math.sqrt(share * (1 - share) / n)
    assert abs(realised - share) < 4 * sd + 1e-9, (realised, share)


def test_thresholds_are_uniform():
    u = adoption_thresholds([f"T{i}" for i in range(2000)], 5, "vision_qc")
    assert u.min() >= 0 and u.max() < 1
    counts, _ = np.histogram(u, bins=10, range=(0, 1))
    assert counts.min() > 140 and counts.max() < 260


def test_rules_select_groups_and_other_firms_never_adopt():
    firms = pd.concat(
        [
            firms_frame(100, "electronics", "300+", "A"),
            firms_frame(100, "textiles", "300+", "B"),
            firms_frame(100, "electronics", "1-9", "C"),
        ],
        ignore_index=True,
    )
    r = rule({"shares": {2025: 1.0}}, sectors=["electronics"], size_classes=["300+"])
    s = scenario({"vision_qc": {"adoption": [r]}})
    adopted = firm_adoption(firms, s, "vision_qc", 2025)
    assert adopted[:100].all()
    assert not adopted[100:].any()


def test_zero_adoption_scenario_adopts_nothing():
    firms = mixed_frame(300)
    base = scenario()
    for lever in LEVER_NAMES:
        for year in (2025, 2032):
            assert not firm_adoption(firms, base, lever, year).any()
    table = adoption_table(firms, base)
    assert not table["adopted"].any()
    assert set(table["lever"]) == set(LEVER_NAMES)
    assert len(table) == len(firms) * len(LEVER_NAMES) * len(base.years)


def test_a_lever_the_scenario_does_not_adopt_is_never_adopted():
    s = scenario({"vision_qc": {"adoption": [rule({"shares": {2025: 1.0}})]}})
    assert not firm_adoption(firms_frame(50), s, "scheduling", 2032).any()


def test_anchors_are_forced_in_from_their_year():
    firms = firms_frame(50)
    name = firms.loc[7, "name"]
    anchors = [{"firm": name, "levers": "all", "year": 2028, "source": "t", "status": "synthetic"}]
    s = scenario({"vision_qc": {"adoption": []}, "scheduling": {"adoption": []}}, anchors)
    for lever in ("vision_qc", "scheduling"):
        before = firm_adoption(firms, s, lever, 2027)
        after = firm_adoption(firms, s, lever, 2028)
        assert not before.any()
        assert after.sum() == 1 and after[7]
    years = adoption_years(firms, s, "vision_qc")
    assert years[7] == 2028
    assert years.drop(7).isna().all()


def test_anchor_with_listed_levers_adopts_only_those():
    firms = firms_frame(10)
    anchors = [
        {
            "firm": firms.loc[0, "name"],
            "levers": ["vision_qc"],
            "year": 2026,
            "source": "t",
            "status": "synthetic",
        }
    ]
    s = scenario({"vision_qc": {"adoption": []}, "scheduling": {"adoption": []}}, anchors)
    assert firm_adoption(firms, s, "vision_qc", 2030)[0]
    assert not firm_adoption(firms, s, "scheduling", 2030).any()


def test_unknown_anchor_names_raise_unless_not_strict():
    firms = firms_frame(10)
    anchors = [
        {"firm": "Nobody", "levers": "all", "year": 2026, "source": "t", "status": "synthetic"}
    ]
    s = scenario({"vision_qc": {"adoption": []}}, anchors)
    with pytest.raises(ValueError, match="Nobody"):
        firm_adoption(firms, s, "vision_qc", 2030)
    assert not firm_adoption(firms, s, "vision_qc", 2030, strict_anchors=False).any()


def test_bad_inputs_raise():
    s = scenario({"vision_qc": {"adoption": []}})
    with pytest.raises(ValueError, match="unknown lever"):
        firm_adoption(firms_frame(3), s, "vision", 2030)
    with pytest.raises(ValueError, match="size_class"):
        firm_adoption(firms_frame(3).drop(columns="size_class"), s, "vision_qc", 2030)
    dup = pd.concat([firms_frame(3), firms_frame(3)], ignore_index=True)
    with pytest.raises(ValueError, match="unique"):
        firm_adoption(dup, s, "vision_qc", 2030)


def test_group_table_agrees_with_firm_table():
    firms = mixed_frame(600)
    s = scenario({"predictive_maintenance": {"adoption": [rule({"bass": BASS})]}})
    by_firm = adoption_table(firms, s, years=[2027, 2032])
    groups = adoption_table(firms, s, years=[2027, 2032], by="group")
    merged = by_firm.merge(firms[["firm_id", "sector", "size_class"]], on="firm_id")
    counts = merged.groupby(["year", "lever", "sector", "size_class"])["adopted"].sum()
    g = groups.set_index(["year", "lever", "sector", "size_class"])
    assert (g["adopters"] == counts.loc[g.index]).all()
    assert g["firms"].sum() == len(firms) * 2 * len(LEVER_NAMES)
    pm = groups[groups["lever"] == "predictive_maintenance"]
    expected = adoption_share(s.lever_plans["predictive_maintenance"].adoption[0], 2032)
    assert pm.loc[pm["year"] == 2032, "curve_share"].eq(expected).all()
    assert groups["employee_share"].between(0, 1).all()
