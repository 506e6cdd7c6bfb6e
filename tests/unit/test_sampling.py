"""Samplers draw the distributions the spec names (sample moments against closed forms)."""

import math

import numpy as np
import pytest
from pydantic import TypeAdapter

from twin.config.distributions import Distribution
from twin.core.streams import stream
from twin.des.sampling import batch_drawer, make_sampler

DIST = TypeAdapter(Distribution)
N = 200_000


@pytest.mark.parametrize(
    ("spec", "mean", "sd"),
    [
        ({"dist": "constant", "value": 3}, 3.0, 0.0),
        ({"dist": "exponential", "mean": 2}, 2.0, 2.0),
        ({"dist": "lognormal", "mean": 5, "cv": 0.4}, 5.0, 2.0),
        (
            {"dist": "weibull", "mean": 10, "shape": 2},
            10.0,
            10 / math.gamma(1.5) * math.sqrt(math.gamma(2) - math.gamma(1.5) ** 2),
        ),
        (
            {"dist": "triangular", "low": 1, "mode": 2, "high": 6},
            3.0,
            math.sqrt((1 + 4 + 36 - 2 - 6 - 12) / 18),
        ),
        ({"dist": "empirical", "values": [1, 2, 3, 10]}, 4.0, math.sqrt(12.5)),
    ],
)
def test_sample_mean_and_sd(spec, mean, sd):
    """Sample mean and sd match the closed form within sampling error."""
    d = DIST.validate_python(spec)
    assert d.mean_value == pytest.approx(mean)
    x = batch_drawer(d, stream(1, "t"))(N)
    assert x.mean() == pytest.approx(mean, abs=5 * sd / math.sqrt(N) + 1e-12)
    assert x.std() == pytest.approx(sd, rel=0.02, abs=1e-12)


def test_normal_truncated_at_zero():
    """The normal never goes negative and its mean is the truncated-normal mean."""
    d = DIST.validate_python({"dist": "normal", "mean": 1.0, "sd": 1.0})
    x = batch_drawer(d, stream(1, "t"))(N)
    assert x.min() >= 0
    assert d.mean_value == pytest.approx(1.2876, abs=1e-4)  # 1 + phi(1)/Phi(1)
    assert x.mean() == pytest.approx(d.mean_value, abs=0.01)


def test_scale_converts_units():
    """Hours to minutes: the scale multiplies every draw."""
    d = DIST.validate_python({"dist": "exponential", "mean": 2})
    a = batch_drawer(d, stream(3, "t"))(10)
    b = batch_drawer(d, stream(3, "t"), 60.0)(10)
    assert np.allclose(b, a * 60)


def test_sampler_sequence_reproducible():
    d = DIST.validate_python({"dist": "lognormal", "mean": 5, "cv": 0.4})
    s1 = make_sampler(d, stream(9, "t"))
    s2 = make_sampler(d, stream(9, "t"))
    assert [s1() for _ in range(3000)] == [s2() for _ in range(3000)]


@pytest.mark.parametrize(
    "bad",
    [
        {"dist": "triangular", "low": 3, "mode": 2, "high": 6},
        {"dist": "exponential", "mean": -1},
        {"dist": "lognormal", "mean": 1},
        {"dist": "gamma", "mean": 1},
        {"dist": "empirical", "values": []},
        {"dist": "exponential", "mean": 1, "sd": 2},
    ],
)
def test_invalid_distributions_rejected(bad):
    with pytest.raises(ValueError):
        DIST.validate_python(bad)
