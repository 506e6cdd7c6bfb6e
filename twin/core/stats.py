"""Statistics across replications."""

from __future__ import annotations

import math
from collections.abc import Sequence

from scipy.special import stdtrit  # lighter to import than scipy.stats

__all__ = ["Interval", "mean_interval"]

Interval = dict[str, float | None]


def mean_interval(
    values: Sequence[float],
    level: float = 0.95,
    lower: float | None = None,
    upper: float | None = None,
) -> Interval:
    """Mean and Student-t confidence interval of independent replications.

    Parameters
    ----------
    values
        One value per replication. NaN values (a KPI undefined in that replication) are dropped.
    level
        Confidence level of the two-sided interval.
    lower, upper
        The quantity's natural range (e.g. 0 for counts, 1 for shares): the interval's bounds
        are clipped to it, so that a count's interval never goes below zero.

    Returns
    -------
    dict
        ``{"mean", "ci_low", "ci_high"}``; the bounds are ``None`` with fewer than two values,
        and everything is ``None`` with none.
    """
    xs = [float(v) for v in values if not math.isnan(float(v))]
    n = len(xs)
    if n == 0:
        return {"mean": None, "ci_low": None, "ci_high": None}
    mean = math.fsum(xs) / n
    if n < 2:
        return {"mean": mean, "ci_low": None, "ci_high": None}
    var = math.fsum((x - mean) ** 2 for x in xs) / (n - 1)
    half = float(stdtrit(n - 1, 0.5 + level / 2)) * math.sqrt(var / n)
    lo, hi = mean - half, mean + half
    if lower is not None:
        lo = max(lo, lower)
    if upper is not None:
        hi = min(hi, upper)
    return {"mean": mean, "ci_low": lo, "ci_high": hi}
