"""Sweep files, parameters and designs (no simulation)."""

from pathlib import Path

import numpy as np
import pytest

from twin.config.lever import load_lever
from twin.config.loader import canonical_json
from twin.config.scenario import load_scenario
from twin.core.errors import InputError
from twin.execution import TaskStore, chunked
from twin.projection import RunSettings
from twin.study import at_position
from twin.sweep import (
    Design,
    build_points,
    default_uncertain,
    design_values,
    load_sweep,
    parameter,
)

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "scenarios" / "gumi-ax-2032.yaml"
YIELD = ROOT / "scenarios" / "only-yield-optimisation.yaml"
SETTINGS = RunSettings(days=2, warmup_days=1, replications=2, seed=11)


@pytest.fixture(scope="module")
def plan():
    return load_scenario(PLAN)


def _one(base, **values):
    return build_points(base, [values], SETTINGS, "digest")[0]


def test_neutral_values_leave_the_scenario_unchanged(plan):
    p = _one(
        plan,
        **{
            "adoption.ceiling_multiplier": 1.0,
            "demand_growth.shift": 0.0,
            "grid_factor_t_per_mwh": plan.grid_factor_t_per_mwh.value,
            "carbon_price_krw_per_t": plan.carbon_price_krw_per_t.value,
            "compute.gpus.2032": 1000.0,
            "levers.vision_qc.effect": 0.0,
        },
    )
    assert canonical_json(p.scenario) == canonical_json(plan)
    assert p.effects == {"vision_qc": 0.0}


def test_parameters_change_what_they_name(plan):
    p = _one(
        plan,
        **{
            "adoption.ceiling_multiplier": 2.0,
            "demand_growth.electronics": 0.05,
            "demand_growth.shift": 0.01,
            "grid_factor_t_per_mwh": 0.3,
            "compute.gpus.2032": 2000.0,
        },
    )
    s = p.scenario
    ceilings = [r.curve.bass.ceiling for r in s.levers.vision_qc.adoption]
    # 0.57 and 0.38 doubled are capped at 1; 0.27 and 0.13 double.
    assert ceilings == pytest.approx([1.0, 0.76, 0.54, 0.26])
    # The sector rate is set first, then every sector is shifted.
    assert s.demand_growth.rate("electronics") == pytest.approx(0.06)
    assert s.demand_growth.rate("textiles") == pytest.approx(-0.01 + 0.01)
    assert s.grid_factor_t_per_mwh.value == 0.3
    assert s.compute.gpus_at(2032) == 2000.0
    assert s.compute.gpus_at(2029) == 512.0  # other years as they were
    # Same points, same keys; another value, another key.
    assert p.key == _one(plan, **{**p.params}).key
    assert p.key != _one(plan, **{**p.params, "grid_factor_t_per_mwh": 0.31}).key


def test_one_lever_ceiling_multiplier_leaves_the_others(plan):
    s = _one(plan, **{"levers.scheduling.ceiling_multiplier": 0.5}).scenario
    assert s.levers.scheduling.adoption[0].curve.bass.ceiling == pytest.approx(0.285)
    assert s.levers.vision_qc.adoption[0].curve.bass.ceiling == pytest.approx(0.57)


@pytest.mark.parametrize(
    ("values", "field", "says"),
    [
        ({"levers.vision_qc.effect": 1.5}, "design.levers.vision_qc.effect", "outside"),
        ({"adoption.ceiling_multiplier": 0.0}, "design.adoption.ceiling_multiplier", "above 0"),
        ({"levers.vision.effect": 0.0}, "design.levers.vision.effect", "unknown lever"),
        ({"grid_factor": 0.4}, "design.grid_factor", "allowed: adoption.ceiling_multiplier"),
        ({"compute.gpus.2040": 5.0}, "design.compute.gpus.2040", "2025 to 2032"),
        ({"demand_growth.shift": 0.49}, "design", "invalid scenario"),
    ],
)
def test_bad_values_name_the_field(plan, values, field, says):
    with pytest.raises(InputError) as err:
        build_points(plan, [values], SETTINGS, "d", "s.yaml")
    assert err.value.source == "s.yaml" and err.value.field == field
    assert says in err.value.message and "\n" not in err.value.line()


def test_effect_of_a_lever_the_scenario_does_not_adopt():
    only = load_scenario(YIELD)
    with pytest.raises(ValueError, match="does not adopt vision_qc"):
        parameter("levers.vision_qc.effect", only)
    with pytest.raises(ValueError, match="no data cluster"):
        parameter("compute.gpus.2032", only)


def test_grid_is_every_combination_in_order():
    d = Design(grid={"a.x": [1.0, 2.0], "b.y": [3.0, 4.0, 5.0]})
    values = design_values(d)
    assert len(values) == 6
    assert values[0] == {"a.x": 1.0, "b.y": 3.0} and values[1] == {"a.x": 1.0, "b.y": 4.0}


def test_lhs_is_reproducible_stratified_and_within_ranges():
    d = Design(lhs={"points": 16, "seed": 3, "ranges": {"p": [-1.0, 1.0], "q": [0.5, 1.5]}})
    a, b = design_values(d), design_values(d)
    assert a == b
    other = design_values(Design(lhs={"points": 16, "seed": 4, "ranges": d.lhs.ranges}))
    assert a != other
    p = np.array([v["p"] for v in a])
    q = np.array([v["q"] for v in a])
    assert p.min() >= -1 and p.max() <= 1 and q.min() >= 0.5 and q.max() <= 1.5
    # Latin hypercube: exactly one point in each of the 16 strata of every parameter.
    assert sorted(np.floor((p + 1) / 2 * 16).astype(int)) == list(range(16))
    assert sorted(np.floor((q - 0.5) * 16).astype(int)) == list(range(16))


def test_effect_position_moves_ramp_and_edge_power_between_presets():
    spec = load_lever(ROOT / "data" / "levers" / "yield_optimisation.yaml")
    low = at_position(spec, "typical", -1.0)
    high = at_position(spec, "typical", 1.0)
    half = at_position(spec, "typical", -0.5)
    r = spec.ramp_up_months
    assert low.ramp_up_months.at("typical") == r.low
    assert high.ramp_up_months.at("typical") == r.high
    assert half.ramp_up_months.at("typical") == pytest.approx((r.low + r.typical) / 2)
    assert low.compute_kw_edge.at("typical") == spec.compute_kw_edge.low


def test_default_uncertain_inputs_are_centred_on_the_scenario(plan):
    inputs = {u.name: u for u in default_uncertain(plan)}
    assert {f"levers.{n}.effect" for n in plan.levers.active()} <= set(inputs)
    for u in inputs.values():
        assert u.centre == pytest.approx(parameter(u.name, plan).neutral)


def _write(tmp_path, text, name="s.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = f"""name: t
scenario: {YIELD}
settings: {{replications: 2, days: 2, warmup_days: 1, seed: 11}}
design:
  grid:
    levers.yield_optimisation.effect: [-1, 0, 1]
record: {{kpis: [value_added_krw], years: [2032]}}
"""


def test_a_good_file_loads(tmp_path):
    sweep = load_sweep(_write(tmp_path, GOOD))
    assert len(sweep.designs) == 3 and sweep.settings == SETTINGS
    assert sweep.kpis == ["value_added_krw"] and sweep.years == [2032]


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        (("replications: 2", "replications: 1"), "settings.replications", "greater than or equal"),
        (("record: {", "recrd: {"), None, "unknown key 'recrd'"),
        (("kpis: [value_added_krw]", "kpis: [va]"), "record.kpis", "unknown KPI 'va'"),
        (("years: [2032]", "years: [2040]"), "record.years", "not a year"),
        (("effect: [-1, 0, 1]", "effect: [-1, 0, 2]"), "design.grid.levers", "outside"),
        (("grid:", "grid: {}\n  lhs:"), "design", None),
        ((str(YIELD), "missing.yaml"), "scenario", "file not found"),
        (
            ("levers.yield_optimisation.effect", "levers.vision_qc.effect"),
            "design.grid.levers.vision_qc.effect",
            "does not adopt",
        ),
    ],
)
def test_bad_files_give_one_line_naming_the_field(tmp_path, change, field, says):
    path = _write(tmp_path, GOOD.replace(*change))
    with pytest.raises(InputError) as err:
        load_sweep(path)
    line = err.value.line()
    assert line.startswith(str(path)) and "\n" not in line
    if field:
        assert (err.value.field or "").startswith(field), line
    if says:
        assert says in line


def test_lhs_range_out_of_bounds_is_named(tmp_path):
    text = GOOD.replace(
        "grid:\n    levers.yield_optimisation.effect: [-1, 0, 1]",
        "lhs:\n    points: 4\n    ranges: {adoption.ceiling_multiplier: [0.5, 20]}",
    )
    with pytest.raises(InputError) as err:
        load_sweep(_write(tmp_path, text))
    assert err.value.field == "design.lhs.ranges.adoption.ceiling_multiplier"
    assert "outside" in err.value.message


def test_shipped_sweep_files_load():
    files = sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml"))
    assert files
    for f in files:
        assert load_sweep(f).designs


def test_task_store_is_atomic_and_survives_damage(tmp_path):
    store = TaskStore(tmp_path / "s")
    assert store.get("k") is None and not store.has("k")
    store.put("k", {"a": 1})
    assert store.get("k") == {"a": 1}
    (tmp_path / "s" / "k.pkl").write_bytes(b"garbage")
    assert store.get("k") is None  # damaged: recomputed, not served
    assert not list((tmp_path / "s").glob("*.tmp"))


def test_chunks_keep_order():
    assert chunked(list(range(7)), 3) == [[0, 1, 2], [3, 4, 5], [6]]
    assert chunked([], 3) == []
