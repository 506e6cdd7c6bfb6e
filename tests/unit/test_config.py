"""Factory spec validation: bad input gives one line naming the file, the field, what is allowed."""

from pathlib import Path

import pytest

from twin.config import load_factory_spec, parse_factory_spec
from twin.config.loader import canonical_json, read_yaml, spec_hash
from twin.core.errors import InputError

MINIMAL = """\
name: tiny
source:
  interarrival_min: {dist: exponential, mean: 2}
stations:
  - name: a
    process_time_min: {dist: constant, value: 1}
"""


def write(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def error_of(tmp_path: Path, text: str) -> InputError:
    with pytest.raises(InputError) as info:
        load_factory_spec(write(tmp_path, text))
    return info.value


def test_minimal_spec_defaults(tmp_path):
    """Defaults: 24/7, no facility, no defects, no failures, unlimited buffer, one machine."""
    spec = load_factory_spec(write(tmp_path, MINIMAL))
    st = spec.stations[0]
    assert spec.calendar is None and spec.facility is None
    assert (st.machines, st.buffer_capacity, st.defect_rate, st.failure) == (1, None, 0.0, None)
    assert spec.successors(0) == ["sink"]


def test_unknown_key_names_file_field_and_allowed(tmp_path):
    err = error_of(tmp_path, MINIMAL + "    speed: 3\n")
    line = err.line()
    assert "spec.yaml" in line
    assert err.field == "stations[0]"
    assert "unknown key 'speed'" in line and "buffer_capacity" in line
    assert "\n" not in line


def test_unknown_top_level_key(tmp_path):
    err = error_of(tmp_path, MINIMAL + "colour: red\n")
    assert "unknown key 'colour'" in err.message and "stations" in err.message


def test_bad_value_names_field(tmp_path):
    err = error_of(tmp_path, MINIMAL + "    buffer_capacity: -1\n")
    assert err.field == "stations[0].buffer_capacity"
    assert "greater than or equal to 0" in err.message


def test_unknown_distribution_lists_allowed(tmp_path):
    err = error_of(tmp_path, MINIMAL.replace("exponential, mean: 2", "gamma, mean: 2"))
    assert err.field == "source.interarrival_min"
    assert "lognormal" in err.message


def test_unknown_successor(tmp_path):
    err = error_of(tmp_path, MINIMAL + "    next: paint\n")
    assert "unknown station 'paint'" in err.message and "'sink'" in err.message


def test_routing_probabilities_must_sum_to_one(tmp_path):
    text = MINIMAL + "    next: [{station: sink, p: 0.5}, {station: scrap, p: 0.4}]\n"
    assert "sum to 1" in error_of(tmp_path, text).message


def test_per_product_times_must_cover_products(tmp_path):
    text = """\
source:
  interarrival_min: {dist: exponential, mean: 2}
  products: [{name: p, share: 0.5}, {name: q, share: 0.5}]
stations:
  - name: a
    process_time_min: {p: {dist: constant, value: 1}}
"""
    assert "exactly the products" in error_of(tmp_path, text).message


def test_yaml_syntax_error_names_line(tmp_path):
    err = error_of(tmp_path, "source: [unclosed\n")
    assert err.field.startswith("line ") and "not valid YAML" in err.message


def test_not_a_mapping(tmp_path):
    assert "mapping" in error_of(tmp_path, "- 1\n- 2\n").message


def test_missing_file():
    with pytest.raises(InputError, match="file not found"):
        load_factory_spec("/nonexistent/spec.yaml")


def test_off_is_a_key_not_false(tmp_path):
    """YAML 1.1 would read `off:` as the boolean False; power_kw.off must stay a key."""
    spec = load_factory_spec(write(tmp_path, MINIMAL + "    power_kw: {processing: 5, off: 0.5}\n"))
    assert spec.stations[0].power_kw.off == 0.5


def test_extends_merges_and_overrides(tmp_path):
    write(tmp_path, MINIMAL + "facility: {base_kw: 10, kwh_per_unit: 1}\n", "base.yaml")
    child = write(
        tmp_path, "extends: base.yaml\nname: child\nfacility: {base_kw: 20}\n", "child.yaml"
    )
    spec = load_factory_spec(child)
    assert spec.name == "child"
    assert spec.facility.base_kw == 20 and spec.facility.kwh_per_unit == 1
    assert spec.stations[0].name == "a"


def test_extends_cycle_rejected(tmp_path):
    write(tmp_path, "extends: b.yaml\n", "a.yaml")
    write(tmp_path, "extends: a.yaml\n", "b.yaml")
    with pytest.raises(InputError, match="cycle"):
        read_yaml(tmp_path / "a.yaml")


def test_hash_is_canonical(tmp_path):
    """Key order and defaults written out do not change the hash; a value does."""
    a = load_factory_spec(write(tmp_path, MINIMAL, "a.yaml"))
    reordered = """\
stations:
  - process_time_min: {value: 1.0, dist: constant}
    machines: 1
    name: a
source:
  interarrival_min: {mean: 2, dist: exponential}
name: tiny
"""
    b = load_factory_spec(write(tmp_path, reordered, "b.yaml"))
    assert canonical_json(a) == canonical_json(b)
    assert spec_hash(a) == spec_hash(b)
    c = parse_factory_spec({**a.model_dump(mode="json"), "name": "other"})
    assert spec_hash(c) != spec_hash(a)


def test_spec_is_frozen(tmp_path):
    spec = load_factory_spec(write(tmp_path, MINIMAL))
    with pytest.raises(ValueError):
        spec.name = "x"
