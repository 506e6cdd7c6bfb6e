"""Content digests of the model's inputs and code: part of every stored result's key."""

from __future__ import annotations

import hashlib
from pathlib import Path

from twin.io.paths import data_dir

__all__ = ["PRESENTATION", "data_digest", "tree_digest"]

#: Package paths (relative to ``twin/``) that only present results: editing them never
#: changes a result, so they are left out of :func:`data_digest`.
PRESENTATION = ("ui/", "cli", "report/", "viz.py")
DATA_SUFFIXES = {".yaml", ".gpkg", ".csv", ".geojson"}


def tree_digest(root: Path, suffixes: set[str], skip: tuple[str, ...] = ()) -> str:
    """Hash of the names and bytes of the files under ``root`` with these suffixes (sorted),
    leaving out relative paths that start with any of ``skip``."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and path.suffix in suffixes and not rel.startswith(skip):
            h.update(rel.encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:24]


def data_digest() -> str:
    """Hash of the model's inputs and code: every file under data/ and the package's source
    but the presentation (:data:`PRESENTATION`: the explorer, the command line, the briefing
    and the charts).

    Part of every store key, so a changed input file or a new version of the code never
    serves an old result.
    """
    code = tree_digest(Path(__file__).resolve().parents[1], {".py"}, PRESENTATION)
    return tree_digest(data_dir(), DATA_SUFFIXES) + code
