"""Every shipped file validates, and every number in data/ has a source row with a status."""

import csv
from pathlib import Path

import pytest

from twin.config import load_factory_spec
from twin.des import simulate

DATA = Path(__file__).resolve().parents[2] / "data"
SPECS = sorted((DATA / "factories").glob("*.yaml"))
STATUSES = {"published", "estimate", "synthetic"}


def source_rows() -> list[dict[str, str]]:
    with open(DATA / "sources.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_sources_table_well_formed():
    rows = source_rows()
    assert rows
    for row in rows:
        assert set(row) == {"file", "field", "value", "unit", "year", "source", "status"}
        assert row["status"] in STATUSES, row
        assert row["source"].strip() and row["field"].strip(), row
        assert (DATA / row["file"]).is_file(), row["file"]


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_spec_validates_and_has_provenance(path):
    spec = load_factory_spec(path)
    assert spec.name == path.stem
    assert spec.provenance is not None and spec.provenance.status in STATUSES
    files = {r["file"] for r in source_rows()}
    assert f"factories/{path.name}" in files, "every shipped spec needs rows in sources.csv"


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_spec_sources_cover_its_sections(path):
    """Stations' times, failures, power, the calendar and facility each have a source row."""
    spec = load_factory_spec(path)
    fields = " ".join(r["field"] for r in source_rows() if r["file"] == f"factories/{path.name}")
    needed = ["interarrival_min", "process_time_min", "power_kw"]
    if any(s.failure for s in spec.stations):
        needed += ["mtbf_h", "mttr_h"]
    if spec.calendar:
        needed.append("calendar")
    if spec.facility:
        needed.append("facility")
    if any(s.inspection for s in spec.stations):
        needed.append("detection_rate")
    for key in needed:
        assert key in fields, f"{path.name}: no source row for {key}"


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_spec_runs(path):
    r = simulate(load_factory_spec(path), days=1, warmup_days=0.5, seed=1)
    assert r.kpis["good_units"] > 0
