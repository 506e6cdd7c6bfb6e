"""Locations of the shipped data and scenarios."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["archetype_specs", "data_dir", "factory_specs", "repo_root"]


def repo_root() -> Path:
    """The checkout's top folder (``GUMI_TWIN_ROOT`` overrides it)."""
    env = os.environ.get("GUMI_TWIN_ROOT")
    return Path(env) if env else Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """The shipped ``data/`` folder."""
    return repo_root() / "data"


def factory_specs() -> dict[str, Path]:
    """Shipped factory specs by name (file stem), sorted by name."""
    folder = data_dir() / "factories"
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def archetype_specs() -> dict[str, Path]:
    """Shipped archetype specs (representative factories of the complex) by name."""
    folder = data_dir() / "archetypes"
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}
