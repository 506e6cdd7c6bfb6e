"""The synthetic firm base: parameter validation, totals, shares, placement, determinism."""

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from shapely.prepared import prep

from twin.config.firmbase import (
    apportion,
    load_firmbase_params,
    parse_firmbase_params,
)
from twin.config.loader import read_yaml
from twin.core.errors import InputError
from twin.firmbase import COLUMNS, aggregate, generate_firms, target_aggregates
from twin.io.geo import read_geometry_source

SEED = 7

ANCHORS = {
    "Samsung Electronics Gumi Plant 2": "3",
    "Samsung Electronics Gumi Plant 1": "1",
    "LG Display Gumi": "3",
    "SK Siltron": "3",
    "LG Innotek Gumi": "2",
    "LIG Nex1 Gumi House": "1",
    "Hanwha Systems Gumi": "1",
    "Toray Advanced Materials Korea Gumi": "1",
    "Kolon Industries Gumi": "1",
    "LG Chem Gumi Cathode Plant (LG-HY BCM)": "5",
    "KEC": "1",
}


@pytest.fixture(scope="module")
def yaml_path():
    return Path(__file__).resolve().parents[2] / "data" / "firmbase.yaml"


@pytest.fixture(scope="module")
def raw(yaml_path):
    return read_yaml(yaml_path)


@pytest.fixture(scope="module")
def params(yaml_path):
    return load_firmbase_params(yaml_path)


@pytest.fixture(scope="module")
def complexes():
    return read_geometry_source("complexes")


@pytest.fixture(scope="module")
def firms(params, complexes):
    return generate_firms(params, complexes, SEED)


@pytest.fixture(scope="module")
def agg(firms):
    return aggregate(firms)


def error_of(data) -> InputError:
    with pytest.raises(InputError) as info:
        parse_firmbase_params(data, "firmbase.yaml")
    return info.value


def sector_index(data, name: str) -> int:
    return [s["name"] for s in data["sectors"]].index(name)


# --- parameter file -------------------------------------------------------------------------


def test_shipped_parameters_validate_and_every_number_has_a_status(raw, params):
    assert params.year == 2023
    statuses = {"published", "estimate", "synthetic"}

    def walk(node):
        if isinstance(node, dict):
            if "value" in node or "rows" in node or "source" in node:
                assert node.get("status") in statuses, node
                assert str(node.get("source", "")).strip(), node
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk({k: v for k, v in raw.items() if k != "year"})
    assert params.targets.operating_firms.status == "published"
    assert all(a.status == "estimate" for a in params.anchors)


def test_unknown_key_is_rejected_with_its_field(raw):
    data = copy.deepcopy(raw)
    data["sectors"][0]["colour"] = "red"
    err = error_of(data)
    assert err.source == "firmbase.yaml"
    assert err.field == "sectors[0]"
    assert "unknown key 'colour'" in err.message and "share_of_firms" in err.message


def test_unknown_top_level_key(raw):
    err = error_of({**copy.deepcopy(raw), "firms": 3})
    assert "unknown key 'firms'" in err.message and "anchors" in err.message


def test_unknown_key_in_a_target(raw):
    data = copy.deepcopy(raw)
    data["targets"]["employees"]["confidence"] = 0.9
    err = error_of(data)
    assert err.field == "targets.employees" and "unknown key 'confidence'" in err.message


def test_sector_shares_must_sum_to_one(raw):
    data = copy.deepcopy(raw)
    data["sectors"][0]["share_of_firms"]["value"] = 0.5
    err = error_of(data)
    assert err.field == "sectors[*].share_of_firms" and "sum to 1" in err.message


def test_share_above_one_names_the_field(raw):
    data = copy.deepcopy(raw)
    data["sectors"][1]["share_of_production"]["value"] = 1.5
    err = error_of(data)
    assert err.field == "sectors[1].share_of_production.value"
    assert "less than or equal to 1" in err.message


def test_process_shares_must_sum_to_one(raw):
    data = copy.deepcopy(raw)
    data["sectors"][0]["processes"]["rows"][0]["share"] = 0.5
    err = error_of(data)
    assert err.field == "sectors[0].processes" and "sum to 1" in err.message


def test_size_classes_must_match_share_under_50(raw):
    data = copy.deepcopy(raw)
    data["targets"]["share_under_50"]["value"] = 0.7
    err = error_of(data)
    assert err.field == "size_classes[*].share_of_firms" and "under 50" in err.message


def test_bad_status_is_rejected(raw):
    data = copy.deepcopy(raw)
    data["targets"]["employees"]["status"] = "guess"
    err = error_of(data)
    assert err.field == "targets.employees.status" and "published" in err.message


def test_anchor_process_must_belong_to_its_sector(raw):
    data = copy.deepcopy(raw)
    data["anchors"][0]["process"] = "machining-jobshop"
    err = error_of(data)
    assert err.field == "anchors[0].process" and "smt-assembly" in err.message


def test_anchor_complex_must_exist(raw):
    data = copy.deepcopy(raw)
    data["anchors"][0]["complex_id"] = "9"
    err = error_of(data)
    assert err.field == "anchors[0].complex_id" and "4x" in err.message


def test_anchors_cannot_exceed_their_sector_production(raw):
    data = copy.deepcopy(raw)
    i = sector_index(data, "electronics")
    data["anchors"][0]["production_krw"] = 40e12
    err = error_of(data)
    assert err.field == f"sectors[{i}].share_of_production"
    assert "leaves nothing" in err.message


def test_employee_target_must_fit_the_size_classes(raw):
    data = copy.deepcopy(raw)
    data["targets"]["employees"]["value"] = 10_000_000
    err = error_of(data)
    assert err.field == "targets.employees.value" and "size-class bounds" in err.message


def test_exports_cannot_exceed_production(raw):
    data = copy.deepcopy(raw)
    data["targets"]["exports_usd"]["value"] = 50e9
    err = error_of(data)
    assert err.field == "targets.exports_usd.value" and "exceed production" in err.message


def test_maturity_rows_must_sum_to_one(raw):
    data = copy.deepcopy(raw)
    data["digital_maturity"]["by_size_class"]["1-9"] = [0.5, 0.1, 0.1, 0.1, 0.1]
    err = error_of(data)
    assert err.field == "digital_maturity.by_size_class.1-9"


def test_not_a_mapping():
    err = error_of([1, 2])
    assert err.field is None and "mapping" in err.message


def test_every_process_names_an_archetype(params, yaml_path):
    folder = yaml_path.parent / "archetypes"
    if not folder.is_dir():
        pytest.skip("no data/archetypes yet")
    shipped = {p.stem for p in folder.glob("*.yaml")}
    processes = {r.name for s in params.sectors for r in s.processes.rows}
    assert processes <= shipped, processes - shipped


def test_apportion_is_exact():
    assert apportion([0.5, 0.3, 0.2], 7) == [4, 2, 1]
    assert sum(apportion([0.38, 0.3, 0.05, 0.1, 0.09, 0.08], 2151)) == 2151


# --- generated frame ------------------------------------------------------------------------


def test_columns_and_dtypes(firms):
    assert list(firms.columns) == COLUMNS
    assert firms.crs.to_epsg() == 4326
    assert (firms.geometry.geom_type == "Point").all()
    for col in ("firm_id", "name", "complex_id", "sector", "process", "size_class"):
        assert firms[col].dtype == object and firms[col].map(type).eq(str).all(), col
    assert firms["synthetic"].dtype == bool
    assert firms["employees"].dtype == np.int64
    assert firms["digital_maturity"].dtype == np.int64
    for col in ("production_krw", "exports_usd", "electricity_mwh"):
        assert firms[col].dtype == np.float64, col
    assert firms["firm_id"].is_unique and firms["name"].is_unique
    assert firms["firm_id"].iloc[0] == "F0001"


def test_no_missing_values(firms):
    assert not firms.drop(columns="geometry").isna().any().any()
    assert not firms.geometry.is_empty.any() and firms.geometry.is_valid.all()
    values = firms[["production_krw", "exports_usd", "electricity_mwh"]].to_numpy()
    assert np.isfinite(values).all() and (values > 0).all()


def test_firm_count_is_exact(firms, params):
    assert len(firms) == int(params.targets.operating_firms.value) == 2151


def test_totals_match_targets(agg, params):
    t = params.targets
    assert agg["employees"] == int(t.employees.value)  # exact integer sum
    for key in ("production_krw", "exports_usd", "electricity_mwh"):
        target = getattr(t, key).value
        assert abs(agg[key] - target) <= 0.005 * target, key


def test_share_under_50(agg, params):
    assert abs(agg["share_under_50"] - params.targets.share_under_50.value) <= 0.01


def test_sector_production_shares(agg, params):
    targets = target_aggregates(params)["sector_share_of_production"]
    for sector, share in targets.items():
        assert abs(agg["sector_share_of_production"][sector] - share) <= 0.02, sector
    for sector, share in target_aggregates(params)["sector_share_of_firms"].items():
        assert abs(agg["sector_share_of_firms"][sector] - share) <= 0.01, sector


def test_electronics_is_the_largest_sector_by_production(agg):
    shares = agg["sector_share_of_production"]
    assert max(shares, key=shares.get) == "electronics"


def test_sizes_respect_classes_and_are_heavy_tailed(firms, params):
    gen = firms[firms["synthetic"]]
    for c in params.size_classes:
        emp = gen.loc[gen["size_class"] == c.name, "employees"]
        assert emp.between(c.min_employees, c.max_employees).all(), c.name
        assert emp.mean() > emp.median(), c.name  # right-skewed inside each class
    emp = np.sort(firms["employees"].to_numpy())[::-1]
    assert emp[: len(emp) // 10].sum() > 0.6 * emp.sum()  # top 10 % hold most jobs


def test_exports_never_exceed_production(firms, params):
    fx = params.krw_per_usd.value
    assert (firms["exports_usd"] * fx <= firms["production_krw"] * (1 + 1e-9)).all()


def test_digital_maturity_levels(firms):
    assert firms["digital_maturity"].between(0, 4).all()
    small = firms.loc[firms["employees"] < 10, "digital_maturity"].mean()
    large = firms.loc[firms["employees"] >= 300, "digital_maturity"].mean()
    assert large > small


def test_processes_belong_to_their_sector(firms, params):
    allowed = {s.name: {r.name for r in s.processes.rows} for s in params.sectors}
    assert all(p in allowed[s] for s, p in zip(firms["sector"], firms["process"], strict=True))


def test_every_firm_lies_inside_its_complex(firms, complexes):
    ids = complexes["complex_id"].astype(str)
    polygons = {c: prep(g) for c, g in zip(ids, complexes.geometry, strict=True)}
    inside = [
        polygons[c].contains(p) for c, p in zip(firms["complex_id"], firms.geometry, strict=True)
    ]
    assert all(inside)


def test_complex_allocation(agg):
    counts = agg["firms_by_complex"]
    assert set(counts) == {"1", "2", "3", "4", "4x", "5"}
    assert counts["4x"] < 0.05 * sum(counts.values())
    assert counts["1"] == max(counts.values())


def test_anchors_present_in_their_complexes(firms):
    anchors = firms[~firms["synthetic"]]
    assert dict(zip(anchors["name"], anchors["complex_id"], strict=True)) == ANCHORS
    assert (anchors["size_class"] == "300+").all()
    synthetic = firms.loc[firms["synthetic"], "name"]
    assert synthetic.str.fullmatch(r"Gumi [A-Za-z]+ \d{4}").all()
    ids = firms.loc[firms["synthetic"], "firm_id"].str[1:]
    assert (synthetic.str[-4:] == ids).all()


@pytest.mark.parametrize("seed", [0, 1, 2023])
def test_targets_hold_for_other_seeds(seed, params, complexes):
    other = generate_firms(params, complexes, seed)
    a, t = aggregate(other), target_aggregates(params)
    assert a["operating_firms"] == t["operating_firms"] and a["employees"] == t["employees"]
    for key in ("production_krw", "exports_usd", "electricity_mwh"):
        assert abs(a[key] / t[key] - 1) <= 0.005, key
    assert abs(a["share_under_50"] - t["share_under_50"]) <= 0.01
    for sector, share in t["sector_share_of_production"].items():
        assert abs(a["sector_share_of_production"][sector] - share) <= 0.02, sector
    polygons = {
        str(c): prep(g) for c, g in zip(complexes["complex_id"], complexes.geometry, strict=True)
    }
    assert all(
        polygons[c].contains(p) for c, p in zip(other["complex_id"], other.geometry, strict=True)
    )


def test_deterministic_for_a_seed(firms, params, complexes):
    again = generate_firms(params, complexes, SEED)
    pd.testing.assert_frame_equal(firms.to_wkb(), again.to_wkb(), check_exact=True)


def test_different_seed_differs(firms, params, complexes):
    other = generate_firms(params, complexes, SEED + 1)
    assert len(other) == len(firms)
    assert not np.array_equal(other["employees"].to_numpy(), firms["employees"].to_numpy())
    assert not other.geometry.geom_equals(firms.geometry).all()
    assert aggregate(other)["employees"] == aggregate(firms)["employees"]


def test_missing_complex_is_an_error(params, complexes):
    with pytest.raises(ValueError, match="complex_id 5"):
        generate_firms(params, complexes[complexes["complex_id"] != "5"], SEED)


def test_aggregate_keys_cover_targets(agg, params):
    assert set(target_aggregates(params)) <= set(agg)
