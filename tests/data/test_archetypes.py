"""The factory archetypes that stand for the complex's firms: valid, sourced, runnable, calibrated.

Each archetype in ``data/archetypes`` is a representative unit (one line or plant module) that
is scaled to firms by revenue. Its annual revenue per employee and electricity per KRW 1 M of
revenue must sit in the band documented in ``data/archetypes/sources.csv`` (rows
``calibration.revenue_per_employee`` and ``calibration.kwh_per_mkrw``); a short run is checked
against that band widened by 30 % on each side.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

import pytest

from twin.config import load_factory_spec
from twin.des import simulate
from twin.experiment import FactoryRun, run_factory

DATA = Path(__file__).resolve().parents[2] / "data"
ARCHETYPES = DATA / "archetypes"
SPECS = sorted(ARCHETYPES.glob("*.yaml"))
STATUSES = {"published", "estimate", "synthetic"}
SECTORS = {"electronics", "machinery", "textiles", "chemicals", "metals", "other"}
REQUIRED = {
    "smt-assembly",
    "wafer-fab",
    "display-fab",
    "defence-electronics",
    "machining-jobshop",
    "fibre-line",
    "cathode-kiln",
    "plastics-moulding",
}
COLUMNS = {"file", "field", "value", "unit", "year", "source", "status"}
# Every archetype needs a source row whose field names each of these.
NEEDED_FIELDS = [
    "interarrival_min",
    "process_time_min",
    "power_kw",
    "mtbf_h",
    "mttr_h",
    "calendar",
    "facility",
    "employees",
    "price_krw",
]
WIDEN = 0.3  # the documented band, widened by 30 % on each side, for a short run
# Facility share of site electricity where it is published (fabs: ~57-58 %).
FACILITY_SHARE = {"wafer-fab": (0.50, 0.65), "display-fab": (0.50, 0.65)}


@cache
def source_rows() -> tuple[dict[str, str], ...]:
    with open(ARCHETYPES / "sources.csv", newline="", encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


def rows_for(stem: str) -> list[dict[str, str]]:
    return [r for r in source_rows() if r["file"] == f"archetypes/{stem}.yaml"]


def documented_band(stem: str, field: str) -> tuple[float, float]:
    """The ``low-high`` band at the start of the calibration row's value."""
    (row,) = [r for r in rows_for(stem) if r["field"] == f"calibration.{field}"]
    m = re.match(r"\s*([\d,.]+)\s*-\s*([\d,.]+)", row["value"])
    assert m, f"{stem}: calibration.{field} value must start with 'low-high': {row['value']!r}"
    low, high = (float(x.replace(",", "")) for x in m.groups())
    assert 0 < low < high
    return low, high


@cache
def short_run(stem: str) -> FactoryRun:
    spec = load_factory_spec(ARCHETYPES / f"{stem}.yaml")
    return run_factory(spec, days=7, warmup_days=3, replications=1, seed=1)


def test_required_archetypes_exist():
    assert REQUIRED <= {p.stem for p in SPECS}


def test_sources_table_well_formed():
    rows = source_rows()
    assert rows
    for row in rows:
        assert set(row) == COLUMNS, row
        assert row["status"] in STATUSES, row
        assert row["field"].strip() and row["value"].strip() and row["source"].strip(), row
        assert (DATA / row["file"]).is_file(), row["file"]


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_archetype_validates(path):
    spec = load_factory_spec(path)
    assert spec.name == path.stem
    assert spec.description.strip()
    assert spec.sector in SECTORS
    assert spec.employees is not None and spec.employees >= 1
    assert spec.provenance is not None and spec.provenance.status in STATUSES
    assert "data/archetypes/sources.csv" in spec.provenance.source
    assert spec.source.products, "an archetype needs a product mix with prices"
    assert all(p.price_krw > 0 for p in spec.source.products)
    assert all(p.price_krw > p.material_cost_krw for p in spec.source.products)
    assert spec.calendar is not None and spec.facility is not None
    assert any(s.power_kw.processing > 0 for s in spec.stations)
    assert any(s.failure for s in spec.stations)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_archetype_sources_cover_its_sections(path):
    spec = load_factory_spec(path)
    rows = rows_for(path.stem)
    assert rows, f"{path.name}: no rows in data/archetypes/sources.csv"
    fields = " ".join(r["field"] for r in rows)
    needed = list(NEEDED_FIELDS)
    if any(s.inspection for s in spec.stations):
        needed.append("detection_rate")
    for key in needed:
        assert key in fields, f"{path.name}: no source row for {key}"
    documented_band(path.stem, "revenue_per_employee")
    documented_band(path.stem, "kwh_per_mkrw")


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_archetype_runs(path):
    r = simulate(load_factory_spec(path), days=2, warmup_days=1, seed=1)
    assert r.kpis["good_units"] > 0
    assert r.kpis["energy_kwh"] > 0
    assert r.kpis["revenue_krw"] > 0


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_archetype_in_documented_bands(path):
    run = short_run(path.stem)
    s = run.summary()
    days = run.days
    revenue = s["revenue_krw"]["mean"] * 365 / days
    kwh = s["energy_kwh"]["mean"] * 365 / days
    per_employee_m = revenue / 1e6 / run.spec.employees
    kwh_per_m = kwh / (revenue / 1e6)
    for field, value in (("revenue_per_employee", per_employee_m), ("kwh_per_mkrw", kwh_per_m)):
        low, high = documented_band(path.stem, field)
        lo, hi = low * (1 - WIDEN), high * (1 + WIDEN)
        assert lo <= value <= hi, f"{path.stem}: {field} {value:.1f} outside [{lo:.0f}, {hi:.0f}]"


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_archetype_shop_floor_is_plausible(path):
    """OEE of a real plant, a load profile with peaks, and published facility shares."""
    run = short_run(path.stem)
    s = run.summary()
    assert 0.45 <= s["oee"]["mean"] <= 0.9
    assert s["peak_kw_15min"]["mean"] > s["mean_kw"]["mean"]
    if path.stem in FACILITY_SHARE:
        energy = run.energy_by_state()
        share = energy["facility"] / sum(energy.values())
        low, high = FACILITY_SHARE[path.stem]
        assert low <= share <= high, f"{path.stem}: facility share {share:.2f}"
