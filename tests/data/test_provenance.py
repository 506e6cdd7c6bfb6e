"""Every number in the parameter files carries its source and status next to it."""

from pathlib import Path

import pytest

from twin.config.loader import read_yaml

DATA = Path(__file__).resolve().parents[2] / "data"
STATUSES = {"published", "estimate", "synthetic"}
# Files whose numbers are documented inline (specs keep theirs in sources.csv tables).
INLINE = ["firmbase.yaml", "network.yaml", "tariff.yaml"]


def numeric_leaves_without_source(node, path="", inherited=False):
    """Paths of numbers with no enclosing mapping that names a source and a status."""
    here = inherited
    if isinstance(node, dict):
        if "source" in node and node.get("status") in STATUSES:
            here = True
        for key, value in node.items():
            yield from numeric_leaves_without_source(value, f"{path}.{key}", here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from numeric_leaves_without_source(value, f"{path}[{i}]", here)
    elif isinstance(node, int | float) and not isinstance(node, bool) and not here:
        yield path


@pytest.mark.parametrize("name", INLINE)
def test_every_number_has_source_and_status(name):
    data = read_yaml(DATA / name)
    missing = [
        p for p in numeric_leaves_without_source(data) if not p.startswith((".year", ".seed"))
    ]
    assert not missing, f"{name}: numbers without source/status: {missing[:10]}"


def test_archetype_sources_table_covers_every_archetype():
    import csv

    with open(DATA / "archetypes" / "sources.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    files = {r["file"] for r in rows}
    for spec in (DATA / "archetypes").glob("*.yaml"):
        assert f"archetypes/{spec.name}" in files
    assert {r["status"] for r in rows} <= STATUSES
