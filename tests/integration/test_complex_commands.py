"""`twin data build`, `twin import-geometry` and `twin map`, as a user runs them."""

import hashlib
import shutil

import geopandas as gpd
import pandas as pd
import pytest
from shapely.affinity import scale

from twin.cli import main
from twin.io.geo import gpkg_path, read_layer


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def gpkg_copy(tmp_path):
    dst = tmp_path / "gumi.gpkg"
    shutil.copy(gpkg_path(), dst)
    return dst


def test_build_reproduces_the_shipped_firm_layer(tmp_path, capsys):
    """The shipped data/gumi.gpkg is exactly what `twin data build` makes (same seed)."""
    out = tmp_path / "rebuilt.gpkg"
    assert main(["data", "build", "--out", str(out)]) == 0
    assert "2,151 firms" in capsys.readouterr().out
    new = read_layer("firms", out).drop(columns="geometry")
    old = read_layer("firms").drop(columns="geometry")
    pd.testing.assert_frame_equal(new, old)
    assert (
        read_layer("firms", out)
        .geometry.geom_equals_exact(read_layer("firms").geometry, tolerance=1e-9)
        .all()
    )


def test_import_official_outlines(gpkg_copy, tmp_path, capsys):
    """A user's outlines in another CRS replace the approximate ones; other layers stay."""
    cx = read_layer("complexes", gpkg_copy).to_crs(5186)
    cx["geometry"] = [scale(g, 1.02, 1.02) for g in cx.geometry]
    user = tmp_path / "official.geojson"
    cx[["complex_id", "name", "geometry"]].to_file(user, driver="GeoJSON")
    assert (
        main(["import-geometry", str(user), "--layer", "complexes", "--gpkg", str(gpkg_copy)]) == 0
    )
    new = read_layer("complexes", gpkg_copy)
    assert (new["outline"] == "imported").all()
    assert new.crs.to_epsg() == 4326
    assert len(read_layer("firms", gpkg_copy)) == 2151
    assert "replaced layer 'complexes'" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (["name", "geometry"], "complex_id: required column missing"),
        (["complex_id", "geometry"], "name: required column missing"),
    ],
)
def test_import_bad_file_changes_nothing(gpkg_copy, tmp_path, capsys, columns, expected):
    before = digest(gpkg_copy)
    cx = read_layer("complexes", gpkg_copy)
    user = tmp_path / "bad.geojson"
    cx[columns].to_file(user, driver="GeoJSON")
    assert (
        main(["import-geometry", str(user), "--layer", "complexes", "--gpkg", str(gpkg_copy)]) == 2
    )
    err = capsys.readouterr().err
    assert "bad.geojson" in err and expected in err and err.count("\n") == 1
    assert digest(gpkg_copy) == before


def test_import_points_and_missing_crs_rejected(gpkg_copy, tmp_path, capsys):
    before = digest(gpkg_copy)
    pts = read_layer("substations", gpkg_copy).rename(columns={"substation_id": "complex_id"})
    user = tmp_path / "points.geojson"
    pts.to_file(user, driver="GeoJSON")
    assert (
        main(["import-geometry", str(user), "--layer", "complexes", "--gpkg", str(gpkg_copy)]) == 2
    )
    assert "allowed: Polygon, MultiPolygon" in capsys.readouterr().err
    garbage = tmp_path / "garbage.geojson"
    garbage.write_text("{not json")
    assert (
        main(["import-geometry", str(garbage), "--layer", "complexes", "--gpkg", str(gpkg_copy)])
        == 2
    )
    assert "not a readable vector file" in capsys.readouterr().err
    assert digest(gpkg_copy) == before


def test_validate_complexes_needs_crs():
    from twin.core.errors import InputError
    from twin.spatial import validate_complexes

    cx = read_layer("complexes").set_crs(None, allow_override=True)
    with pytest.raises(InputError, match="no coordinate reference system"):
        validate_complexes(gpd.GeoDataFrame(cx), "x.shp")


def test_map_png(tmp_path, capsys):
    out = tmp_path / "map.png"
    assert main(["map", "--out", str(out)]) == 0
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 100_000
    assert main(["map", "--out", str(tmp_path / "map.txt")]) == 2
    assert "allowed: .png, .pdf, .svg" in capsys.readouterr().err
