"""Shared fixtures for the Streamlit explorer tests."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_PATH = REPO_ROOT / "app.py"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout's top folder (where app.py lives)."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def app_path() -> Path:
    """The Streamlit entry point."""
    return APP_PATH
