"""The Company ROI page's helpers (twin.ui.roi_view) on hand-built results with known NPVs."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from twin.economics import annuity_factor, npv
from twin.io.paths import archetype_specs
from twin.roi import BENEFITS, BUNDLE, KPIS, RoiResult, SetResult, load_factory
from twin.scenario_run import load_levers
from twin.ui import factory_view
from twin.ui import roi_view as view

YEARS = 5
RATE = 0.10


def _flows(reps: int, capex: float, opex: float, **benefits: float) -> dict[str, np.ndarray]:
    """Capex at t = 0, flat opex and benefits from year 1 (no ramp), every replication."""
    live = (np.arange(YEARS + 1) > 0).astype(float)
    out = {k: np.zeros((reps, YEARS + 1)) for k in ("capex", "opex", *BENEFITS)}
    out["capex"][:, 0] = capex
    out["opex"][:] = opex * live
    for k, v in benefits.items():
        out[k][:] = v * live
    out["net"] = sum(out[k] for k in BENEFITS) - out["capex"] - out["opex"]
    return out


def _set(name: str, levers: tuple[str, ...], flows: dict[str, np.ndarray]) -> SetResult:
    reps = flows["net"].shape[0]
    values = np.array([npv(RATE, flows["net"][r]) for r in range(reps)])
    kpis = {
        (k, w): np.linspace(-1.0, 1.0, reps) + 2.0 for k in KPIS for w in ("demand", "capacity")
    }
    return SetResult(
        name=name,
        levers=levers,
        npv=values,
        irr=np.full(reps, np.nan),
        payback_years=np.full(reps, 2.5),
        bcr=np.full(reps, 1.5),
        capex=flows["capex"][:, 0].copy(),
        opex=flows["opex"][:, 1].copy(),
        annual={k: flows[k][:, -1].copy() for k in BENEFITS},
        flows=flows,
        kpis=kpis,
        quality={"auc": 0.9},
    )


def _result(sets: dict[str, SetResult], draws: dict[str, np.ndarray]) -> RoiResult:
    reps = next(iter(sets.values())).npv.size
    base_kpis = {k: {"demand": 10.0, "capacity": 20.0} for k in KPIS}
    base_kpis["oee"] = {"demand": 0.5, "capacity": 0.0}  # a zero base has no relative change
    return RoiResult(
        inputs={
            "factory": "test-line",
            "levers": [n for n in sets if n != BUNDLE],
            "years": YEARS,
            "replications": reps,
            "seed": 1,
            "discount_rate": RATE,
            "days": 7.0,
            "warmup_days": 2.0,
            "escape_cost_factor": 3.0,
            "repair_krw_per_h": 150_000.0,
            "carbon_price_krw_per_t": 10_000.0,
            "scale": 1.0,
        },
        baseline={
            "output_krw_per_year": 1e9,
            "capacity_output_krw_per_year": 2e9,
            "electricity_bill_krw_per_year": 1e8,
            "kpis": base_kpis,
        },
        sets=sets,
        draws=draws,
        notes=[],
    )


@pytest.fixture
def simple() -> RoiResult:
    """One lever, 6 replications, the same flows in each: NPV = -100 + 30 x annuity(10 %, 5)."""
    flows = _flows(6, 100e6, 10e6, energy=25e6, repairs=10e6, carbon=5e6)
    return _result({"energy_optimisation": _set("energy_optimisation", ("x",), flows)}, {})


# --------------------------------------------------------------------------- re-pricing


def test_reprice_matches_the_annuity_closed_form(simple: RoiResult) -> None:
    s = simple.sets["energy_optimisation"]
    expected = -100e6 + 30e6 * annuity_factor(RATE, YEARS)
    assert view.reprice(s, RATE) == pytest.approx(np.full(6, expected), rel=1e-12)
    assert view.reprice(s, RATE) == pytest.approx(s.npv, rel=1e-12)


def test_reprice_scales_each_column_linearly(simple: RoiResult) -> None:
    s = simple.sets["energy_optimisation"]
    base = view.reprice(s, RATE)
    a = annuity_factor(RATE, YEARS)
    assert view.reprice(s, RATE, {"capex": 1.25}) == pytest.approx(base - 25e6)
    assert view.reprice(s, RATE, {"carbon": 0.0}) == pytest.approx(base - 5e6 * a)
    assert view.reprice(s, RATE, {"opex": 0.5}) == pytest.approx(base + 5e6 * a)
    at_zero = view.reprice(s, 0.0)  # undiscounted: plain sums
    assert at_zero == pytest.approx(np.full(6, -100e6 + 30e6 * YEARS))


def test_tornado_reprices_exactly_and_sorts_by_swing(simple: RoiResult) -> None:
    frame = view.tornado_frame(simple, "energy_optimisation")
    a = annuity_factor(RATE, YEARS)
    base = -100e6 + 30e6 * a
    assert frame.attrs["base"] == pytest.approx(base)
    rows = frame.set_index("input")
    capex = rows.loc["Investment (capex) −25 % / +25 %"]
    assert (capex["low"], capex["high"]) == pytest.approx((base + 25e6, base - 25e6))
    rate = rows.loc["Discount rate 7% / 13%"]
    assert rate["low"] == pytest.approx(-100e6 + 30e6 * annuity_factor(0.07, YEARS))
    assert rate["high"] == pytest.approx(-100e6 + 30e6 * annuity_factor(0.13, YEARS))
    assert list(frame["swing"]) == sorted(frame["swing"], reverse=True)
    # zero columns (scrap, escapes, margin) move nothing and are left out
    assert not any("scrap" in i or "escaped" in i for i in frame["input"])
    assert set(frame["kind"]) == {"price"}  # no effect draws: no effect or noise bars


def test_effect_swings_recover_known_slopes_on_each_side() -> None:
    rng = np.random.default_rng(3)  # test data only; the model uses named streams
    t1 = rng.uniform(-1, 1, 30)
    t2 = rng.uniform(-1, 1, 30)
    noise = rng.normal(0, 0.02, 30)
    values = 5.0 + 3.0 * np.minimum(t1, 0) + 7.0 * np.maximum(t1, 0) - 2.0 * t2 + noise
    fitted = view.effect_swings(values, {"a": t1, "b": t2})
    assert fitted is not None
    swings, resid = fitted
    lo, hi = swings["a"]
    p90 = view.DRAW_P90  # the triangular draws' P90: 1 - sqrt(0.2)
    assert p90 == pytest.approx(0.5528, abs=1e-4)
    # lever a at -p90 everywhere: 5 - 3 p90 - 2 t2 + noise; at +p90: 5 + 7 p90 - 2 t2 + noise
    assert np.median(lo - (5.0 - 3.0 * p90 - 2.0 * t2 + noise)) == pytest.approx(0.0, abs=0.05)
    assert np.median(hi - (5.0 + 7.0 * p90 - 2.0 * t2 + noise)) == pytest.approx(0.0, abs=0.05)
    lo_b, hi_b = swings["b"]
    assert np.median(hi_b - lo_b) == pytest.approx(-4.0 * p90, abs=0.05)
    assert np.std(resid) == pytest.approx(0.02, abs=0.01)


def test_effect_swings_use_one_slope_where_a_side_is_barely_sampled() -> None:
    # every draw but two small ones above zero: no slope can be fitted below zero alone
    t = np.array([-0.05, -0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.4])
    values = 10.0 + 4.0 * t
    swings, _ = view.effect_swings(values, {"a": t}) or ({}, None)
    lo, hi = swings["a"]
    assert lo == pytest.approx(np.full(8, 10.0 - 4.0 * view.DRAW_P90))
    assert hi == pytest.approx(np.full(8, 10.0 + 4.0 * view.DRAW_P90))


def test_effect_swings_need_draws_and_replications() -> None:
    assert view.effect_swings(np.arange(5.0), {"a": np.zeros(5)}) is None
    assert view.effect_swings(np.arange(3.0), {"a": np.array([-0.5, 0.1, 0.7])}) is None


def test_tornado_shows_effect_and_noise_bars_with_draws() -> None:
    reps = 12
    t = np.linspace(-0.9, 0.9, reps)
    flows = _flows(reps, 100e6, 10e6, energy=40e6)
    flows["energy"] = flows["energy"] * (1 + 0.5 * t)[:, None]  # effect grows with the draw
    flows["net"] = sum(flows[k] for k in BENEFITS) - flows["capex"] - flows["opex"]
    res = _result({"energy_optimisation": _set("energy_optimisation", ("lv",), flows)}, {"lv": t})
    frame = view.tornado_frame(res, "energy_optimisation")
    effect = frame[frame["kind"] == "effect"].iloc[0]
    pv = 40e6 * 0.5 * annuity_factor(RATE, YEARS)  # NPV per unit of t
    assert effect["high"] - effect["low"] == pytest.approx(2 * view.DRAW_P90 * pv, rel=1e-6)
    # the NPV is exactly linear in the draw: nothing is left for year-to-year variation
    assert "noise" not in set(frame["kind"])
    assert frame.iloc[0]["kind"] == "effect"  # the largest swing comes first


# --------------------------------------------------------------------------- tables


def test_summary_table_formats_and_marks_undefined(simple: RoiResult) -> None:
    table = view.summary_table(simple.to_dict())
    row = table.iloc[0]
    expected = (-100e6 + 30e6 * annuity_factor(RATE, YEARS)) / 1e6  # 13.72
    assert row["NPV P50"] == f"{expected:+,.0f}" == "+14"  # whole millions from 10 up
    assert row["IRR (median)"] == "—"  # NaN IRR in every replication
    assert row["BCR (median)"] == "1.50"
    assert row["P(payback ≤ 3 y)"] == "100 %"
    assert row["Lever set"] == "energy optimisation"


def test_kpi_frame_relative_changes(simple: RoiResult) -> None:
    frame = view.kpi_frame(simple.to_dict(), "energy_optimisation")
    assert len(frame) == 2 * len(KPIS)
    energy = frame[(frame["kpi"] == "energy_mwh") & (frame["where"] == "demand")].iloc[0]
    assert energy["mean"] == pytest.approx(2.0)
    assert energy["pct"] == pytest.approx(20.0)  # 2 on a base of 10
    assert energy["pct_low"] < 20.0 < energy["pct_high"]
    oee_cap = frame[(frame["kpi"] == "oee") & (frame["where"] == "capacity")].iloc[0]
    assert math.isnan(oee_cap["pct"])
    table = view.kpi_table(frame)
    assert len(table) == len(KPIS)
    assert table.iloc[0]["Change, at your demand"].startswith("+2.00 ± ")


def test_lever_cost_table_lists_presets_and_status() -> None:
    specs = load_levers()
    table = view.lever_cost_table(specs, ["vision_qc"])
    row = table.iloc[0]
    assert row["Capex, M KRW (low / typical / high)"] == "50 / 100 / 200"
    assert row["Data status"] == "estimate"


def test_cash_flow_frame_costs_negative_and_cumulative_ends_at_npv(simple: RoiResult) -> None:
    s = simple.sets["energy_optimisation"]
    frame = view.cash_flow_frame(s, RATE)
    assert frame["capex"].iloc[0] == -100e6 and (frame["opex"].iloc[1:] == -10e6).all()
    assert frame["cum_p50"].iloc[-1] == pytest.approx(float(np.median(s.npv)))
    assert frame["cum_p50"].iloc[0] == pytest.approx(-100e6)


# --------------------------------------------------------------------------- figures


def test_figures_have_units_and_readable_fonts(simple: RoiResult) -> None:
    name = "energy_optimisation"
    s = simple.sets[name]
    figs = [
        view.npv_figure(simple),
        view.cash_flow_figure(view.cash_flow_frame(s, RATE), "t"),
        view.kpi_figure(view.kpi_frame(simple.to_dict(), name), "t"),
        view.tornado_figure(view.tornado_frame(simple, name), "t"),
    ]
    for fig in figs:
        assert fig.layout.font.size >= 14
        x, y = fig.layout.xaxis.title.text or "", fig.layout.yaxis.title.text or ""
        assert any(u in x + y for u in ("KRW", "%")), (x, y)
    kinds = {t.name for t in figs[1].data if t.type == "bar"}
    assert kinds == {
        "investment (capex)",
        "running cost (opex)",
        "electricity bill saved",
        "repair hours saved",
        "carbon value",
    }  # zero kinds are not drawn


# --------------------------------------------------------------------------- downloads


def test_inputs_yaml_round_trips_the_spec_through_the_upload_parser() -> None:
    factory = load_factory("smt-assembly")
    text = view.inputs_yaml({"levers": ["vision_qc"], "years": 7}, factory.spec)
    import yaml

    doc = yaml.safe_load(text)
    assert doc["roi_inputs"] == {"levers": ["vision_qc"], "years": 7}
    spec_text = yaml.safe_dump(doc["spec"]).encode("utf-8")
    spec, error = factory_view.parse_upload("again.yaml", spec_text)
    assert error is None and spec == factory.spec
    assert "smt-assembly" in archetype_specs()


def test_results_json_is_strict(simple: RoiResult) -> None:
    text = view.results_json(simple.to_dict())

    def refuse(token: str) -> float:
        raise AssertionError(f"non-standard JSON constant {token}")

    doc = json.loads(text, parse_constant=refuse)
    assert doc["results"]["energy_optimisation"]["irr_median"] is None


def test_replications_csv_has_a_row_per_set_and_replication() -> None:
    reps = 4
    t = np.array([-0.5, -0.1, 0.2, 0.6])
    a = _set("a", ("a",), _flows(reps, 1e6, 0, energy=1e6))
    b = _set(BUNDLE, ("a", "b"), _flows(reps, 2e6, 0, energy=3e6))
    res = _result({"a": a, BUNDLE: b}, {"a": t, "b": -t})
    frame = pd.read_csv(__import__("io").StringIO(view.replications_csv(res)))
    assert len(frame) == 2 * reps
    assert list(frame["lever_set"].unique()) == ["a", BUNDLE]
    assert frame.loc[frame["lever_set"] == "a", "npv_krw"].to_numpy() == pytest.approx(a.npv)
    assert frame.loc[frame["lever_set"] == BUNDLE, "draw_b"].to_numpy() == pytest.approx(-t)
    assert frame.loc[frame["lever_set"] == "a", "draw_b"].isna().all()
