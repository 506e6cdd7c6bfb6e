"""Reading and writing the complex's geometry: the GeoPackage ``data/gumi.gpkg`` and its inputs.

Writes are atomic: a new file is written beside the old one and renamed over it only after it
has been read back and validated, so a crash or a bad import never leaves a half-written file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import geopandas as gpd

from twin.core.errors import InputError
from twin.io.paths import data_dir

__all__ = [
    "GPKG_NAME",
    "gpkg_path",
    "read_geometry_source",
    "read_layer",
    "read_user_vector",
    "write_layers_atomic",
]

GPKG_NAME = "gumi.gpkg"


def gpkg_path() -> Path:
    """The shipped GeoPackage."""
    return data_dir() / GPKG_NAME


def read_geometry_source(name: str) -> gpd.GeoDataFrame:
    """One of the hand-drawn input files in ``data/geometry/`` (``complexes``, ``river``, ...)."""
    path = data_dir() / "geometry" / f"{name}.geojson"
    return gpd.read_file(path)


def read_layer(layer: str, path: str | Path | None = None) -> gpd.GeoDataFrame:
    """Read ``layer`` of the GeoPackage (the shipped one by default)."""
    p = Path(path) if path is not None else gpkg_path()
    if not p.is_file():
        raise InputError(str(p), None, "GeoPackage not found (build it with 'twin data build')")
    try:
        return gpd.read_file(p, layer=layer)
    except Exception as exc:
        raise InputError(str(p), f"layer {layer}", f"cannot be read ({exc})") from None


def write_layers_atomic(
    layers: dict[str, gpd.GeoDataFrame], path: str | Path | None = None, keep: bool = True
) -> Path:
    """Write ``layers`` to a GeoPackage atomically.

    Parameters
    ----------
    layers
        Layer name to GeoDataFrame (any CRS; stored as EPSG:4326).
    path
        Target file (the shipped GeoPackage by default).
    keep
        Copy the target's other layers into the new file, so that replacing one layer keeps
        the rest.
    """
    target = Path(path) if path is not None else gpkg_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".gumi-", suffix=".gpkg", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        existing: dict[str, gpd.GeoDataFrame] = {}
        if keep and target.is_file():
            import pyogrio

            for name, _ in pyogrio.list_layers(target):
                if name not in layers:
                    existing[name] = gpd.read_file(target, layer=name)
        for name, gdf in {**existing, **layers}.items():
            gdf.to_crs("EPSG:4326").to_file(tmp, layer=name, driver="GPKG")
        for name in layers:  # read back before replacing the old file
            gpd.read_file(tmp, layer=name)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target


MAX_UPLOAD_BYTES = 200_000_000


def read_user_vector(path: str | Path) -> gpd.GeoDataFrame:
    """Read a vector file a user supplies (GeoJSON, shapefile, GeoPackage, ...).

    Raises
    ------
    InputError
        If the file is missing, too large or not a readable vector file.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(str(p), None, "file not found")
    if p.is_file() and p.stat().st_size > MAX_UPLOAD_BYTES:
        raise InputError(str(p), None, "file is larger than 200 MB")
    try:
        return gpd.read_file(p)
    except Exception as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(
            str(p), None, f"not a readable vector file: GeoJSON, shapefile or GeoPackage ({detail})"
        ) from None
