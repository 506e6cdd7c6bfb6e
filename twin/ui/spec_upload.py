"""One widget for uploading a factory spec (YAML), shared by the Factory and Company ROI pages.

The file is parsed and validated (:func:`twin.ui.factory_view.parse_upload`: size limit, YAML
only, one message naming the file and field), never executed; parses are cached per content.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from twin.config import FactorySpec
from twin.ui import factory_view as view

__all__ = ["Upload", "spec_upload"]


@dataclass(frozen=True)
class Upload:
    """An uploaded spec: the file's name, the parsed spec (``None`` on error) and the error."""

    name: str
    spec: FactorySpec | None
    error: str | None


@st.cache_data(max_entries=8, show_spinner=False)
def _parse(name: str, data: bytes) -> tuple[FactorySpec | None, str | None]:
    return view.parse_upload(name, data)


def spec_upload(where: Any, *, key: str, help: str, empty: str) -> Upload | None:
    """Draw a factory-spec uploader in ``where`` (e.g. ``st.sidebar``).

    Parameters
    ----------
    where
        The container to draw in.
    key
        The uploader's widget key.
    help
        The uploader's help text.
    empty
        Caption shown while no file is uploaded.

    Returns
    -------
    Upload or None
        ``None`` until a file is uploaded.
    """
    upload = where.file_uploader(
        f"Factory spec, YAML, at most {view.MAX_UPLOAD_BYTES / 1e6:g} MB",
        type=["yaml", "yml"],
        key=key,
        max_upload_size=max(1, round(view.MAX_UPLOAD_BYTES / 1e6)),
        help=help,
    )
    if upload is None:
        where.caption(empty)
        return None
    spec, error = _parse(upload.name, upload.getvalue())
    return Upload(upload.name, spec, error)
