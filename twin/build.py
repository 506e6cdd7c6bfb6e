"""Building ``data/gumi.gpkg``: geometry, the synthetic firm base, archetypes and scales.

Orchestration only: reads inputs through :mod:`twin.io`, calls the domain generators, writes
the GeoPackage atomically.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from twin.ai.archetypes import ClusterReport, cluster_firms
from twin.config.factory import FactorySpec
from twin.config.firmbase import parse_firmbase_params
from twin.config.loader import load_factory_spec, read_yaml
from twin.firmbase import generate_firms
from twin.io.geo import (
    read_geometry_source,
    read_layer,
    read_user_vector,
    write_layers_atomic,
)
from twin.io.paths import archetype_specs, data_dir
from twin.spatial import validate_complexes

__all__ = [
    "DEFAULT_SEED",
    "BuildResult",
    "build_complex",
    "import_complexes",
    "load_archetypes",
]

DEFAULT_SEED = 2023


@dataclass(frozen=True)
class BuildResult:
    """What ``twin data build`` produced."""

    path: Path
    layers: dict[str, gpd.GeoDataFrame]
    clusters: ClusterReport


def load_archetypes() -> dict[str, FactorySpec]:
    """Every shipped archetype spec, validated, by name."""
    return {name: load_factory_spec(path) for name, path in archetype_specs().items()}


def assign_scale(firms: pd.DataFrame, archetypes: dict[str, FactorySpec]) -> pd.Series:
    """How many archetype units each firm equals: its employees over the archetype's.

    Employment is the firm attribute best anchored in published data (80,968 employees), so
    the firm's size in archetype units is measured in people; production and electricity of
    the complex then follow from the simulated archetypes and are checked by calibration.
    """
    per_unit = firms["archetype"].map({n: float(s.employees or 1) for n, s in archetypes.items()})
    return (firms["employees"].astype(float) / per_unit).rename("scale")


def build_complex(seed: int = DEFAULT_SEED, out: Path | None = None) -> BuildResult:
    """Build every layer of the GeoPackage from the shipped inputs.

    Parameters
    ----------
    seed
        Root seed of the synthetic firm base and the clustering.
    out
        Where to write (the shipped ``data/gumi.gpkg`` by default).
    """
    complexes = read_geometry_source("complexes")
    river = read_geometry_source("river")
    substations = read_geometry_source("substations")
    params_path = data_dir() / "firmbase.yaml"
    params = parse_firmbase_params(read_yaml(params_path), str(params_path))
    firms = generate_firms(params, complexes, seed)
    archetypes = load_archetypes()
    report = cluster_firms(firms, list(archetypes), seed)
    firms = firms.assign(archetype=report.labels.to_numpy())
    firms = firms.assign(scale=assign_scale(firms, archetypes).to_numpy())
    layers = {
        "complexes": complexes,
        "firms": firms,
        "substations": substations,
        "river": river,
    }
    path = write_layers_atomic(layers, out, keep=False)
    return BuildResult(path, layers, report)


def import_complexes(file: str | Path, gpkg: Path | None = None) -> tuple[Path, int]:
    """Replace the ``complexes`` layer with official outlines a user holds.

    The file is read and validated first (CRS, required columns, polygons, areas); only then
    is the GeoPackage rewritten, atomically, keeping its other layers. Returns the path and
    the number of firms that now fall outside their complex (rebuild with ``twin data build``
    to re-place them).
    """
    new = validate_complexes(read_user_vector(file), str(file))
    path = write_layers_atomic({"complexes": new}, gpkg, keep=True)
    try:
        firms = read_layer("firms", path)
    except Exception:
        return path, 0
    polys = dict(zip(new["complex_id"], new.geometry, strict=True))
    outside = sum(
        1
        for cid, pt in zip(firms["complex_id"].astype(str), firms.geometry, strict=True)
        if cid not in polys or not polys[cid].contains(pt)
    )
    return path, outside
