"""Writing YAML files atomically (a crash never leaves a half-written file)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

__all__ = ["write_yaml_atomic"]


def write_yaml_atomic(path: str | Path, data: dict[str, Any], header: str = "") -> Path:
    """Write ``data`` as YAML to ``path`` via a temporary file and an atomic rename."""
    target = Path(path)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    if header:
        text = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines()) + text
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".yaml", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
