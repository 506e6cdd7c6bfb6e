"""A cancelled company ROI stops its worker processes, even under a parent that handles
SIGTERM itself (as the Streamlit server does)."""

from __future__ import annotations

import multiprocessing
import signal
import time

import pytest

from twin.roi import company_roi, load_factory


class _Stop(Exception):
    pass


def _stop_at_first_tick(done: int, total: int) -> None:
    if done > 0:
        raise _Stop


def test_cancelled_run_leaves_no_worker_computing() -> None:
    previous = signal.signal(signal.SIGTERM, lambda *_: None)  # a server's graceful handler
    try:
        spec = load_factory("smt-assembly").spec
        with pytest.raises(_Stop):
            company_roi(
                spec,
                ["energy_optimisation"],
                replications=40,
                workers=2,
                progress=_stop_at_first_tick,
            )
        time.sleep(0.5)
        assert multiprocessing.active_children() == []
    finally:
        signal.signal(signal.SIGTERM, previous)
