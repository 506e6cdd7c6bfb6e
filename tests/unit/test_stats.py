"""Replication intervals: Student t, clipped to a quantity's natural range."""

import math

import pytest

from twin.core.stats import mean_interval


def test_two_values_use_t_with_one_degree_of_freedom():
    """For n = 2 the half-width is t(0.975, 1) * s / sqrt(2) with t = 12.7062."""
    r = mean_interval([1.0, 3.0])
    half = 12.706204736 * math.sqrt(2.0) / math.sqrt(2)
    assert r["mean"] == 2.0
    assert r["ci_high"] - r["mean"] == pytest.approx(half, rel=1e-6)


def test_large_sample_tends_to_normal_quantile():
    values = [0.0, 1.0] * 5000
    r = mean_interval(values)
    sd = math.sqrt(0.25 * 10000 / 9999)
    assert r["ci_high"] - r["mean"] == pytest.approx(1.95996 * sd / 100, rel=1e-3)


def test_single_and_empty_and_nan():
    assert mean_interval([4.0]) == {"mean": 4.0, "ci_low": None, "ci_high": None}
    assert mean_interval([]) == {"mean": None, "ci_low": None, "ci_high": None}
    assert mean_interval([1.0, float("nan"), 3.0])["mean"] == 2.0


def test_clipped_to_range():
    r = mean_interval([0.0, 0.0, 3.0], lower=0.0)
    assert r["ci_low"] == 0.0
    r = mean_interval([0.99, 1.0, 0.9], lower=0.0, upper=1.0)
    assert r["ci_high"] == 1.0 and r["mean"] < 1.0
