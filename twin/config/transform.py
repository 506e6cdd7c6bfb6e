"""Derived specs: the same factory with a parameter changed, validated again."""

from __future__ import annotations

from twin.config.distributions import (
    Constant,
    Empirical,
    Exponential,
    Lognormal,
    Normal,
    Triangular,
    Weibull,
)
from twin.config.factory import FactorySpec

__all__ = ["scale_distribution", "with_utilisation"]


def scale_distribution(dist: object, k: float) -> object:
    """The distribution of ``k * X`` for ``X ~ dist`` (``k > 0``)."""
    if k <= 0:
        raise ValueError("scale factor must be positive")
    if isinstance(dist, Constant):
        return Constant(dist="constant", value=dist.value * k)
    if isinstance(dist, Exponential):
        return Exponential(dist="exponential", mean=dist.mean * k)
    if isinstance(dist, Lognormal):
        return Lognormal(dist="lognormal", mean=dist.mean * k, cv=dist.cv)
    if isinstance(dist, Weibull):
        return Weibull(dist="weibull", mean=dist.mean * k, shape=dist.shape)
    if isinstance(dist, Triangular):
        return Triangular(
            dist="triangular", low=dist.low * k, mode=dist.mode * k, high=dist.high * k
        )
    if isinstance(dist, Normal):
        return Normal(dist="normal", mean=dist.mean * k, sd=dist.sd * k)
    if isinstance(dist, Empirical):
        return Empirical(dist="empirical", values=[v * k for v in dist.values])
    raise TypeError(f"unknown distribution {dist!r}")


def with_utilisation(spec: FactorySpec, factor: float) -> FactorySpec:
    """The factory with its release rate multiplied by ``factor`` (demand up or down).

    Interarrival times are divided by ``factor``; everything else is unchanged, so the random
    streams stay aligned with the original (common random numbers).
    """
    source = spec.source.model_copy(
        update={"interarrival_min": scale_distribution(spec.source.interarrival_min, 1.0 / factor)}
    )
    return FactorySpec.model_validate({**spec.model_dump(), "source": source.model_dump()})
