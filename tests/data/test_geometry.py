"""The shipped GeoPackage: layers, columns, areas, containment and the banks of the Nakdong."""

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
from shapely.geometry import Point

from twin.io.geo import gpkg_path, read_layer
from twin.spatial import areas_km2, side_of_line

OFFICIAL_KM2 = {"1": 10.223, "2": 2.275, "3": 4.579, "4": 6.785, "4x": 2.46, "5": 9.339}
WEST_BANK = {"1"}
FIRM_COLUMNS = {
    "firm_id": "str",
    "name": "str",
    "complex_id": "str",
    "sector": "str",
    "size_class": "str",
    "archetype": "str",
    "employees": "int",
    "production_krw": "float",
    "electricity_mwh": "float",
    "digital_maturity": "int",
    "scale": "float",
}


@pytest.fixture(scope="module")
def layers():
    return {name: read_layer(name) for name in ("complexes", "firms", "substations", "river")}


def test_layers_and_crs():
    names = {name for name, _ in pyogrio.list_layers(gpkg_path())}
    assert {"complexes", "firms", "substations", "river"} <= names
    for name in names:
        assert read_layer(name).crs.to_epsg() == 4326


def test_complex_areas_within_15_percent_of_official(layers):
    """Approximate outlines keep the published areas (1st 10.223 ... 5th 9.339 km²)."""
    cx = layers["complexes"]
    assert set(cx["complex_id"]) == set(OFFICIAL_KM2)
    for cid, area in zip(cx["complex_id"], areas_km2(cx), strict=True):
        assert area == pytest.approx(OFFICIAL_KM2[cid], rel=0.15), cid
        assert cx.set_index("complex_id").loc[cid, "area_km2_official"] == OFFICIAL_KM2[cid]


def test_outlines_labelled_approximate(layers):
    cx = layers["complexes"]
    assert (cx["outline"] == "approximate").all()
    assert cx["source"].str.contains("not surveyed").all()


def test_complexes_do_not_overlap(layers):
    cx = layers["complexes"].to_crs(5186)
    for i in range(len(cx)):
        for j in range(i + 1, len(cx)):
            assert cx.geometry.iloc[i].intersection(cx.geometry.iloc[j]).area < 1e3


def test_complexes_on_their_bank_of_the_nakdong(layers):
    """The 1st complex lies west of the river (Gongdan-dong), the others east."""
    river = layers["river"].geometry.iloc[0]
    cx = layers["complexes"]
    for cid, geom in zip(cx["complex_id"], cx.geometry, strict=True):
        pts = gpd.GeoSeries([Point(c) for c in geom.exterior.coords], crs=4326)
        side = side_of_line(pts, river)
        expected = -1 if cid in WEST_BANK else 1
        assert (side == expected).all(), cid
        assert not geom.intersects(river), cid


def test_complexes_near_published_anchors(layers):
    """AirKorea stations: Gongdan-dong (1st) and GERI (4th) lie within 1.5 km of their outline."""
    cx = layers["complexes"].set_index("complex_id").to_crs(5186)
    anchors = {"1": (128.3840, 36.1051), "4": (128.43869, 36.14164)}
    for cid, (lon, lat) in anchors.items():
        p = gpd.GeoSeries([Point(lon, lat)], crs=4326).to_crs(5186).iloc[0]
        assert cx.geometry[cid].distance(p) < 1500, cid


def test_firm_columns_and_types(layers):
    firms = layers["firms"]
    for col, kind in FIRM_COLUMNS.items():
        assert col in firms.columns, col
        dtype = firms[col].dtype
        if kind == "int":
            assert np.issubdtype(dtype, np.integer), col
        elif kind == "float":
            assert np.issubdtype(dtype, np.floating), col
        else:
            assert firms[col].map(type).eq(str).all(), col
    assert firms["firm_id"].is_unique
    assert firms.notna().all().all()


def test_firms_inside_their_complex(layers):
    cx = layers["complexes"].set_index("complex_id").geometry
    firms = layers["firms"]
    inside = [cx[c].contains(p) for c, p in zip(firms["complex_id"], firms.geometry, strict=True)]
    assert all(inside)


def test_firm_totals_match_published_aggregates(layers):
    """December 2023: 2,151 operating firms, 80,968 employees, KRW 46.18 tn; 7,516 GWh (2020)."""
    firms = layers["firms"]
    assert len(firms) == 2151
    assert firms["employees"].sum() == pytest.approx(80968, rel=0.005)
    assert firms["production_krw"].sum() == pytest.approx(46.1778e12, rel=0.005)
    assert firms["electricity_mwh"].sum() == pytest.approx(7.516e6, rel=0.005)
    assert (firms["employees"] < 50).mean() == pytest.approx(0.894, abs=0.01)
    by_sector = firms.groupby("sector")["production_krw"].sum()
    assert by_sector.idxmax() == "electronics"


def test_named_anchor_firms(layers):
    firms = layers["firms"].set_index("name")
    expected = {
        "LG Display Gumi": "3",
        "SK Siltron": "3",
        "LIG Nex1 Gumi House": "1",
        "Kolon Industries Gumi": "1",
    }
    for name, cid in expected.items():
        assert name in firms.index, name
        assert firms.loc[name, "complex_id"] == cid
        assert not firms.loc[name, "synthetic"]


def test_scale_is_employees_over_archetype_unit(layers):
    from twin.build import load_archetypes

    arch = load_archetypes()
    firms = layers["firms"]
    per_unit = firms["archetype"].map({n: s.employees for n, s in arch.items()})
    assert np.allclose(firms["scale"], firms["employees"] / per_unit)
    assert set(firms["archetype"]) <= set(arch)


def test_substations(layers):
    ss = layers["substations"]
    assert len(ss) == 6
    assert ss["capacity_mw"].sum() == pytest.approx(885.2)
