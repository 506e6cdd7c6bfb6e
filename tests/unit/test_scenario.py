"""The scenario schema and loader (twin.config.scenario)."""

from __future__ import annotations

import copy

import pytest
import yaml

from twin.config.firmbase import SECTORS
from twin.config.scenario import (
    LEVER_NAMES,
    check_anchor_names,
    interpolate_years,
    load_scenario,
    parse_scenario,
    scenario_files,
    scenario_hash,
)
from twin.core.errors import InputError

SRC = {"source": "test", "status": "synthetic"}


def rule(curve, **over):
    return {"sectors": "all", "size_classes": "all", "curve": curve, **SRC, **over}


def base_data():
    return {
        "name": "test",
        "description": "unit-test scenario",
        "assumptions": {"a": {"statement": "test", **SRC}},
        "horizon": {"start_year": 2025, "end_year": 2032},
        "base_year": 2023,
        "seed": 3,
        "demand_growth": {"rates": dict.fromkeys(SECTORS, 0.01), **SRC},
        "grid_factor_t_per_mwh": {"value": 0.4173, **SRC},
        "carbon_price_krw_per_t": {"value": 10000, **SRC},
        "levers": {
            "vision_qc": {
                "level": "typical",
                "adoption": [
                    rule({"bass": {"p": 0.03, "q": 0.35, "ceiling": 0.5, "start_year": 2023}})
                ],
            }
        },
        "anchors": [{"firm": "Big Co", "levers": "all", "year": 2027, **SRC}],
        "compute": {
            "gpus": {"values": {2026: 0, 2030: 100}, **SRC},
            "kw_per_gpu": {"value": 1.0, **SRC},
            "pue": {"value": 1.5, **SRC},
            "utilisation": {"value": 0.5, **SRC},
        },
    }


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def load_error(tmp_path, data, name="bad.yaml"):
    path = write(tmp_path, name, data)
    with pytest.raises(InputError) as info:
        load_scenario(path)
    err = info.value
    line = str(err)
    assert "\n" not in line
    assert line.startswith(str(path))
    return err


def test_a_valid_scenario_loads(tmp_path):
    s = load_scenario(write(tmp_path, "ok.yaml", base_data()))
    assert s.name == "test"
    assert s.years == tuple(range(2025, 2033))
    assert list(s.lever_plans) == ["vision_qc"]
    assert s.anchor_years("vision_qc") == {"Big Co": 2027}
    assert s.anchor_years("scheduling") == {}
    rule0 = s.lever_plans["vision_qc"].adoption[0]
    assert rule0.sectors == SECTORS and rule0.matches("textiles", "1-9")
    assert s.uncertainty.mode == "levels" and s.effect_level("vision_qc") == "typical"


def test_unknown_lever_names_the_file_field_and_allowed_names(tmp_path):
    data = base_data()
    data["levers"]["vision"] = data["levers"].pop("vision_qc")
    err = load_error(tmp_path, data)
    assert err.field == "levers"
    assert "unknown key 'vision'" in err.message
    for name in LEVER_NAMES:
        assert name in err.message


def test_decreasing_shares_are_rejected(tmp_path):
    data = base_data()
    data["levers"]["vision_qc"]["adoption"] = [rule({"shares": {2025: 0.2, 2027: 0.1}})]
    err = load_error(tmp_path, data)
    assert err.field == "levers.vision_qc.adoption[0].curve.shares"
    assert "must not decrease" in err.message


@pytest.mark.parametrize(
    ("mutate", "field", "text"),
    [
        (
            lambda d: d["levers"]["vision_qc"].update(adoption=[rule({"shares": {2040: 0.2}})]),
            "levers.vision_qc.adoption[0].curve.shares[2040]",
            "outside 2023-2032",
        ),
        (
            lambda d: d["levers"]["vision_qc"]["adoption"][0]["curve"]["bass"].update(
                start_year=2020
            ),
            "levers.vision_qc.adoption[0].curve.bass.start_year",
            "outside 2023-2032",
        ),
        (lambda d: d["anchors"][0].update(year=2024), "anchors[0].year", "outside the horizon"),
        (
            lambda d: d["compute"]["gpus"]["values"].update({2035: 5}),
            "compute.gpus.values[2035]",
            "outside",
        ),
        (lambda d: d.update(base_year=2025), "base_year", "before horizon.start_year"),
        (
            lambda d: d.update(horizon={"start_year": 2030, "end_year": 2026}),
            "horizon",
            "end_year",
        ),
    ],
)
def test_bad_years_are_rejected(tmp_path, mutate, field, text):
    data = base_data()
    mutate(data)
    err = load_error(tmp_path, data)
    assert err.field == field
    assert text in err.message


@pytest.mark.parametrize(
    ("key", "value", "text"),
    [
        ("p", 0, "greater than 0"),
        ("q", -0.1, "greater than 0"),
        ("ceiling", 1.5, "less than or equal to 1"),
        ("ceiling", 0, "greater than 0"),
    ],
)
def test_bass_parameters_are_checked(tmp_path, key, value, text):
    data = base_data()
    data["levers"]["vision_qc"]["adoption"][0]["curve"]["bass"][key] = value
    err = load_error(tmp_path, data)
    assert err.field == f"levers.vision_qc.adoption[0].curve.bass.{key}"
    assert text in err.message


def test_share_above_one_is_rejected(tmp_path):
    data = base_data()
    data["levers"]["vision_qc"]["adoption"] = [rule({"shares": {2025: 1.2}})]
    err = load_error(tmp_path, data)
    assert err.field.startswith("levers.vision_qc.adoption[0].curve.shares")


def test_a_curve_needs_exactly_one_form(tmp_path):
    data = base_data()
    curve = data["levers"]["vision_qc"]["adoption"][0]["curve"]
    curve["shares"] = {2025: 0.1}
    err = load_error(tmp_path, data)
    assert "exactly one" in err.message


def test_unknown_sector_and_size_class_name_the_allowed_values(tmp_path):
    data = base_data()
    data["levers"]["vision_qc"]["adoption"][0]["sectors"] = ["food"]
    err = load_error(tmp_path, data)
    assert err.field == "levers.vision_qc.adoption[0].sectors"
    assert "unknown sector 'food'" in err.message and "electronics" in err.message
    data = base_data()
    data["levers"]["vision_qc"]["adoption"][0]["size_classes"] = ["huge"]
    err = load_error(tmp_path, data)
    assert "unknown size class 'huge'" in err.message and "300+" in err.message


def test_overlapping_rules_are_rejected(tmp_path):
    data = base_data()
    second = rule({"shares": {2025: 0.1}}, sectors=["electronics"], size_classes=["300+"])
    data["levers"]["vision_qc"]["adoption"].append(second)
    err = load_error(tmp_path, data)
    assert err.field == "levers.vision_qc.adoption[1]"
    assert "overlaps adoption[0]" in err.message


def test_anchor_levers_must_be_adopted_and_not_repeated(tmp_path):
    data = base_data()
    data["anchors"][0]["levers"] = ["scheduling"]
    err = load_error(tmp_path, data)
    assert err.field == "anchors[0].levers"
    assert "scheduling" in err.message
    data = base_data()
    data["anchors"].append({"firm": "Big Co", "levers": ["vision_qc"], "year": 2029, **SRC})
    err = load_error(tmp_path, data)
    assert err.field == "anchors[1]" and "already adopts vision_qc" in err.message
    data = base_data()
    data["anchors"][0]["levers"] = ["vison_qc"]
    err = load_error(tmp_path, data)
    assert "unknown lever 'vison_qc'" in err.message


def test_other_schema_errors(tmp_path):
    data = base_data()
    data["uncertainty"] = {"mode": "sampled"}
    assert "samples" in load_error(tmp_path, data).message
    data = base_data()
    del data["demand_growth"]["rates"]["metals"]
    err = load_error(tmp_path, data)
    assert err.field == "demand_growth.rates" and "metals" in err.message
    data = base_data()
    data["colour"] = "blue"
    assert "unknown key 'colour'" in load_error(tmp_path, data).message
    data = base_data()
    data["compute"]["pue"]["value"] = 0.8
    assert load_error(tmp_path, data).field == "compute.pue.value"
    data = base_data()
    data["assumptions"]["a"]["status"] = "guess"
    assert load_error(tmp_path, data).field == "assumptions.a.status"


def test_missing_file_is_one_line(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_scenario(tmp_path / "none.yaml")


def test_extends_overrides_sparsely_and_null_removes(tmp_path):
    parent = base_data()
    parent["levers"]["scheduling"] = copy.deepcopy(parent["levers"]["vision_qc"])
    write(tmp_path, "parent.yaml", parent)
    child = {
        "extends": "parent.yaml",
        "name": "child",
        "assumptions": {"a": None, "b": {"statement": "child", **SRC}},
        "levers": {"vision_qc": None, "scheduling": {"level": "high"}},
        "compute": {"gpus": {"values": {2028: 50}, **SRC}},
    }
    s = load_scenario(write(tmp_path, "child.yaml", child))
    assert s.name == "child" and s.description == parent["description"]
    assert list(s.assumptions) == ["b"]
    assert list(s.lever_plans) == ["scheduling"]
    assert s.lever_plans["scheduling"].level == "high"
    assert len(s.lever_plans["scheduling"].adoption) == 1  # inherited
    # a year mapping is replaced whole, not merged year by year
    assert s.compute.gpus.values == {2028: 50}
    assert s.compute.pue.value == 1.5


def test_an_override_without_source_is_rejected(tmp_path):
    write(tmp_path, "parent.yaml", base_data())
    child = {"extends": "parent.yaml", "compute": {"pue": {"value": 1.2}}}
    path = write(tmp_path, "child.yaml", child)
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert str(info.value).startswith(str(path))
    assert info.value.field == "compute.pue.value"
    assert "source" in info.value.message


def test_seed_and_years_need_no_source(tmp_path):
    write(tmp_path, "parent.yaml", base_data())
    child = {"extends": "parent.yaml", "seed": 99, "horizon": {"end_year": 2031}}
    s = load_scenario(write(tmp_path, "child.yaml", child))
    assert s.seed == 99 and s.years[-1] == 2031


def test_scenario_hash_is_stable_and_sensitive(tmp_path):
    a = load_scenario(write(tmp_path, "a.yaml", base_data()))
    b = load_scenario(write(tmp_path, "b.yaml", base_data()))
    assert scenario_hash(a) == scenario_hash(b)
    assert len(scenario_hash(a)) == 16
    data = base_data()
    data["seed"] = 4
    assert scenario_hash(parse_scenario(data)) != scenario_hash(a)


def test_check_anchor_names():
    s = parse_scenario(base_data())
    assert check_anchor_names(s, ["Big Co", "Other"]) == []
    assert check_anchor_names(s, ["Other"]) == ["Big Co"]


def test_interpolate_years():
    pts = {2026: 0.0, 2030: 100.0}
    assert interpolate_years(pts, 2025) == 0.0
    assert interpolate_years(pts, 2028) == pytest.approx(50.0)
    assert interpolate_years(pts, 2040) == 100.0
    with pytest.raises(ValueError):
        interpolate_years({}, 2025)


def test_compute_energy():
    s = parse_scenario(base_data())
    # 100 GPUs x 1 kW x 0.5 load x PUE 1.5 x 8,760 h = 657 MWh
    assert s.compute_energy_mwh(2030) == pytest.approx(657.0)
    assert s.compute_energy_mwh(2025) == 0.0
    data = base_data()
    del data["compute"]
    assert parse_scenario(data).compute_energy_mwh(2030) == 0.0


def test_uncertainty_mode_overrides_levels():
    data = base_data()
    data["uncertainty"] = {"mode": "high"}
    assert parse_scenario(data).effect_level("vision_qc") == "high"
    data["uncertainty"] = {"mode": "sampled", "samples": 20}
    assert parse_scenario(data).effect_level("vision_qc") == "typical"


def test_scenario_files_skip_the_defaults(tmp_path):
    for name in ("defaults.yaml", "b.yaml", "a.yaml"):
        (tmp_path / name).write_text("{}", encoding="utf-8")
    assert [p.name for p in scenario_files(tmp_path)] == ["a.yaml", "b.yaml"]
