"""Value-added parameters ``data/value_added.yaml``: every number sourced, bad files named."""

import copy
from pathlib import Path

import pytest
import yaml

from twin.config.firmbase import SECTORS
from twin.config.value_added import load_value_added
from twin.core.errors import InputError


@pytest.fixture
def shipped(data_dir: Path) -> dict:
    return yaml.safe_load((data_dir / "value_added.yaml").read_text(encoding="utf-8"))


def test_shipped_file_loads_and_every_number_is_sourced(data_dir):
    params = load_value_added(data_dir / "value_added.yaml")
    numbers = [
        *params.ratio.values(),
        params.electricity_price_krw_per_mwh,
        params.escape_cost_factor,
    ]
    for n in numbers:
        assert n.source.strip()
        assert n.status in ("published", "estimate", "synthetic")
    assert "default" in params.ratio
    assert 0 < params.ratio["default"].value < 1
    assert params.electricity_price_krw_per_mwh.value > 0
    assert params.escape_cost_factor.value >= 0
    # every sector has a ratio (its own or the default)
    for s in SECTORS:
        expected = (params.ratio.get(s) or params.ratio["default"]).value
        assert params.ratio_of(s) == expected


def test_sector_ratio_overrides_default(tmp_path, shipped):
    data = copy.deepcopy(shipped)
    data["ratio"]["metals"] = {"value": 0.4, "source": "test", "status": "synthetic"}
    params = load_value_added(write(tmp_path, data))
    assert params.ratio_of("metals") == 0.4
    assert params.ratio_of("textiles") == shipped["ratio"]["default"]["value"]


def write(tmp_path: Path, data: dict, name: str = "va.yaml") -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    return p


def error_of(tmp_path: Path, data: dict) -> InputError:
    path = write(tmp_path, data)
    with pytest.raises(InputError) as info:
        load_value_added(path)
    err = info.value
    assert err.source == str(path)
    line = err.line()
    assert str(path) in line and "\n" not in line
    return err


def test_missing_default_ratio(tmp_path, shipped):
    data = copy.deepcopy(shipped)
    data["ratio"] = {"metals": data["ratio"].pop("default")}
    err = error_of(tmp_path, data)
    assert err.field == "ratio"
    assert "default" in err.message
    assert "ratio" in err.line()


def test_ratio_above_one(tmp_path, shipped):
    data = copy.deepcopy(shipped)
    data["ratio"]["default"]["value"] = 1.5
    err = error_of(tmp_path, data)
    assert err.field == "ratio.default.value"
    assert "less than 1" in err.message


def test_unknown_sector(tmp_path, shipped):
    data = copy.deepcopy(shipped)
    data["ratio"]["semiconductors"] = copy.deepcopy(data["ratio"]["default"])
    err = error_of(tmp_path, data)
    assert err.field == "ratio.semiconductors"
    assert "electronics" in err.message and "default" in err.message  # what is allowed


def test_missing_escape_cost_factor(tmp_path, shipped):
    data = copy.deepcopy(shipped)
    del data["escape_cost_factor"]
    err = error_of(tmp_path, data)
    assert err.field == "escape_cost_factor"
    assert "missing" in err.message


def test_number_without_source(tmp_path, shipped):
    data = copy.deepcopy(shipped)
    del data["electricity_price_krw_per_mwh"]["source"]
    err = error_of(tmp_path, data)
    assert err.field == "electricity_price_krw_per_mwh.source"


def test_unknown_status(tmp_path, shipped):
    data = copy.deepcopy(shipped)
    data["escape_cost_factor"]["status"] = "guess"
    err = error_of(tmp_path, data)
    assert err.field == "escape_cost_factor.status"
    assert "estimate" in err.message
