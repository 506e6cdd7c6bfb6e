"""Shared helpers for the validation and property suites.

Exposed as session fixtures (not imported) so that test folders stay independent:

- ``check_theory(values, theory, ...)``: one value per independent replication is compared to
  a closed-form value through a Student-t interval, *and* the interval must be tight enough
  for the comparison to have power (a wrong engine cannot pass by a wide interval).
- ``check_same(a, b, ...)``: the same for two independent samples (two simulators).
- ``balance(kpis)``: the job balance residual ``released + wip_start - exits - wip_end``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest
from scipy import stats


def _interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float]:
    """Mean and Student-t half-width of independent replications."""
    xs = np.asarray(values, dtype=float)
    assert xs.size >= 2 and np.all(np.isfinite(xs)), f"need >= 2 finite replications: {xs}"
    half = stats.t.ppf(0.5 + level / 2, xs.size - 1) * xs.std(ddof=1) / math.sqrt(xs.size)
    return float(xs.mean()), float(half)


def _check_theory(
    values: Sequence[float],
    theory: float,
    *,
    rel_floor: float = 0.01,
    max_rel_half: float = 0.08,
    widen: float = 1.5,
    what: str = "",
) -> None:
    mean, half = _interval(values)
    scale = abs(theory) if theory != 0 else 1.0
    assert half <= max_rel_half * scale, (
        f"{what}: interval too wide to test anything: half-width {half:.4g} "
        f"> {max_rel_half:.1%} of {theory:.4g}"
    )
    tol = max(widen * half, rel_floor * scale)
    assert abs(mean - theory) <= tol, (
        f"{what}: theory {theory:.5g} outside {mean:.5g} ± {tol:.3g} "
        f"(95% half-width {half:.3g}, n={len(values)})"
    )


def _check_same(
    a: Sequence[float],
    b: Sequence[float],
    *,
    rel_floor: float = 0.01,
    abs_floor: float = 0.0,
    max_rel_half: float = 0.08,
    widen: float = 1.5,
    what: str = "",
) -> None:
    ma, ha = _interval(a)
    mb, hb = _interval(b)
    scale = max(abs(mb), 1e-12)
    for m, h, who in ((ma, ha, "first"), (mb, hb, "second")):
        assert h <= max_rel_half * scale + abs_floor, (
            f"{what}: {who} interval too wide: {m:.4g} ± {h:.3g}"
        )
    tol = max(widen * math.hypot(ha, hb), rel_floor * scale, abs_floor)
    assert abs(ma - mb) <= tol, (
        f"{what}: {ma:.5g} ± {ha:.3g} vs {mb:.5g} ± {hb:.3g} differ by more than {tol:.3g}"
    )


def _balance(kpis: dict[str, float]) -> float:
    inflow = kpis["released"] + kpis["wip_start"]
    outflow = kpis["good_units"] + kpis["escaped_defects"] + kpis["scrap_units"] + kpis["wip_end"]
    return inflow - outflow


@pytest.fixture(scope="session")
def check_theory():
    """``check_theory(values, theory, rel_floor=, max_rel_half=, widen=, what=)``."""
    return _check_theory


@pytest.fixture(scope="session")
def check_same():
    """``check_same(a, b, rel_floor=, abs_floor=, max_rel_half=, widen=, what=)``."""
    return _check_same


@pytest.fixture(scope="session")
def balance():
    """``balance(kpis)`` -> released + wip_start - (good + escaped + scrap + wip_end)."""
    return _balance
