"""Geometry of the complex: metric areas, containment, sampling points inside polygons.

Pure functions on shapely / GeoPandas objects; reading and writing files lives in
:mod:`twin.io.geo`. Data are stored in EPSG:4326 (lon/lat); areas and distances are computed
in EPSG:5186 (Korea 2000 / Central Belt 2010, metres).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep

__all__ = [
    "METRIC_CRS",
    "STORAGE_CRS",
    "areas_km2",
    "distance_km",
    "random_points_in",
    "side_of_line",
    "validate_complexes",
]

STORAGE_CRS = "EPSG:4326"
METRIC_CRS = "EPSG:5186"


def areas_km2(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Area of each geometry in km², computed in the metric CRS."""
    return (gdf.to_crs(METRIC_CRS).area / 1e6).to_numpy()


def distance_km(a: gpd.GeoSeries, b: gpd.GeoSeries) -> np.ndarray:
    """Pairwise straight-line distances (km) between the points of ``a`` and of ``b``."""
    pa = a.to_crs(METRIC_CRS)
    pb = b.to_crs(METRIC_CRS)
    xa, ya = pa.x.to_numpy(), pa.y.to_numpy()
    xb, yb = pb.x.to_numpy(), pb.y.to_numpy()
    return np.hypot(xa[:, None] - xb[None, :], ya[:, None] - yb[None, :]) / 1000.0


def random_points_in(
    polygon: BaseGeometry, n: int, rng: np.random.Generator, margin: float = 0.0
) -> list[Point]:
    """``n`` points uniformly distributed inside ``polygon`` (rejection sampling).

    Parameters
    ----------
    polygon
        The area, in any CRS (points come back in the same CRS).
    n
        How many points.
    rng
        A named stream (see :func:`twin.core.streams.stream`).
    margin
        Shrink the polygon by this distance (in its CRS units) first, so points keep off the
        edge; ignored if the shrunk polygon would be empty.
    """
    area = polygon.buffer(-margin) if margin > 0 else polygon
    if area.is_empty:
        area = polygon
    target = prep(area)
    minx, miny, maxx, maxy = area.bounds
    out: list[Point] = []
    while len(out) < n:
        k = max(16, 2 * (n - len(out)))
        xs = rng.uniform(minx, maxx, k)
        ys = rng.uniform(miny, maxy, k)
        for x, y in zip(xs, ys, strict=True):
            p = Point(x, y)
            if target.contains(p):
                out.append(p)
                if len(out) == n:
                    break
    return out


def side_of_line(points: gpd.GeoSeries, line: LineString) -> np.ndarray:
    """+1 for points east of a river-like ``line`` running north to south, -1 for points west.

    The line is extended straight north and south beyond its ends, a box around everything is
    split along it, and each point is classified by the part it falls in (robust where the
    river bends east-west). Points on the line count as east.
    """
    from shapely.geometry import box
    from shapely.ops import split

    coords = list(line.coords)
    if coords[0][1] < coords[-1][1]:
        coords.reverse()  # north to south
    minx, miny, maxx, maxy = (
        min(c[0] for c in coords),
        min(c[1] for c in coords),
        max(c[0] for c in coords),
        max(c[1] for c in coords),
    )
    px, py = points.x.to_numpy(), points.y.to_numpy()
    minx, maxx = min(minx, px.min()), max(maxx, px.max())
    miny, maxy = min(miny, py.min()), max(maxy, py.max())
    pad = max(maxx - minx, maxy - miny) + 1.0
    ext = LineString([(coords[0][0], maxy + pad), *coords, (coords[-1][0], miny - pad)])
    frame = box(minx - pad, miny - pad / 2, maxx + pad, maxy + pad / 2)
    parts = list(split(frame, ext).geoms)
    west_probe = Point(minx - pad / 2, (miny + maxy) / 2)
    west = prep(next(p for p in parts if p.contains(west_probe)))
    return np.array([-1 if west.contains(Point(x, y)) else 1 for x, y in zip(px, py, strict=True)])


REQUIRED_COMPLEX_COLUMNS = ("complex_id", "name")


def validate_complexes(gdf: gpd.GeoDataFrame, source: str) -> gpd.GeoDataFrame:
    """Check a complexes layer a user supplies and bring it to the stored form.

    Requirements: a CRS; the columns ``complex_id`` and ``name``; polygon geometries, valid and
    non-empty; unique ``complex_id``; areas between 0.05 and 100 km². Missing optional columns
    (``name_ko``, ``area_km2_official``, ``source``) are filled.

    Raises
    ------
    twin.core.errors.InputError
        Naming ``source``, the column or row, and what is allowed.
    """
    from twin.core.errors import InputError

    if gdf.crs is None:
        raise InputError(
            source,
            "crs",
            "the file has no coordinate reference system; "
            "export it with one (e.g. EPSG:5186 or EPSG:4326)",
        )
    missing = [c for c in REQUIRED_COMPLEX_COLUMNS if c not in gdf.columns]
    if missing:
        raise InputError(
            source,
            ", ".join(missing),
            "required column missing (required: "
            f"{', '.join(REQUIRED_COMPLEX_COLUMNS)}; found: "
            f"{', '.join(c for c in gdf.columns if c != 'geometry')})",
        )
    if len(gdf) == 0:
        raise InputError(source, None, "the layer has no features")
    out = gdf.copy()
    out["complex_id"] = out["complex_id"].astype(str)
    dup = out["complex_id"][out["complex_id"].duplicated()].tolist()
    if dup:
        raise InputError(source, "complex_id", f"duplicate ids {sorted(set(dup))}")
    for i, geom in enumerate(out.geometry):
        cid = out["complex_id"].iloc[i]
        if geom is None or geom.is_empty:
            raise InputError(source, f"feature {cid}", "empty geometry")
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise InputError(
                source,
                f"feature {cid}",
                f"geometry is {geom.geom_type}; allowed: Polygon, MultiPolygon",
            )
        if not geom.is_valid:
            raise InputError(source, f"feature {cid}", "invalid polygon (self-intersecting?)")
    area = areas_km2(out)
    for cid, a in zip(out["complex_id"], area, strict=True):
        if not 0.05 <= a <= 100:
            raise InputError(
                source,
                f"feature {cid}",
                f"area {a:.3f} km² is outside 0.05–100 km² (wrong units or CRS?)",
            )
    for col, default in (("name_ko", ""), ("area_km2_official", float("nan"))):
        if col not in out.columns:
            out[col] = default
    out["outline"] = "imported"
    out["outline_status"] = "published"
    out["source"] = f"imported by the user from {source}"
    return out.to_crs(STORAGE_CRS)
