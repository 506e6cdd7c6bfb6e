"""One native thread for lever training.

The levers' scikit-learn fits are small: BLAS and OpenMP threads only contend there (badly,
when the machine is busy or the levers train in parallel worker processes), and a fixed
thread count keeps the numbers independent of the machine's core count.
"""

from __future__ import annotations

import functools
from contextlib import AbstractContextManager

from threadpoolctl import ThreadpoolController

__all__ = ["single_thread"]


@functools.cache
def _controller() -> ThreadpoolController:
    # Inspecting the loaded libraries takes a while: once per process (the levers import
    # scikit-learn, hence its native libraries, before they first train).
    return ThreadpoolController()


def single_thread() -> AbstractContextManager:
    """A context in which BLAS and OpenMP use one thread (restored on exit)."""
    return _controller().limit(limits=1)
