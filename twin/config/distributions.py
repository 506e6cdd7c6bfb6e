"""Probability distributions as validated data (``{dist: exponential, mean: 5}``)."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "Constant",
    "Distribution",
    "Empirical",
    "Exponential",
    "Lognormal",
    "Normal",
    "Triangular",
    "Weibull",
]

Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Constant(_Dist):
    """Always ``value``."""

    dist: Literal["constant"]
    value: NonNegative

    @property
    def mean_value(self) -> float:
        """The distribution's mean."""
        return self.value


class Exponential(_Dist):
    """Exponential with the given ``mean``."""

    dist: Literal["exponential"]
    mean: Positive

    @property
    def mean_value(self) -> float:
        """The distribution's mean."""
        return self.mean


class Lognormal(_Dist):
    """Lognormal parameterised by its ``mean`` and coefficient of variation ``cv``."""

    dist: Literal["lognormal"]
    mean: Positive
    cv: Positive

    @property
    def mean_value(self) -> float:
        """The distribution's mean."""
        return self.mean


class Weibull(_Dist):
    """Weibull parameterised by its ``mean`` and ``shape`` (k)."""

    dist: Literal["weibull"]
    mean: Positive
    shape: Positive

    @property
    def mean_value(self) -> float:
        """The distribution's mean."""
        return self.mean


class Triangular(_Dist):
    """Triangular on ``[low, high]`` with the given ``mode``."""

    dist: Literal["triangular"]
    low: NonNegative
    mode: NonNegative
    high: Positive

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError("triangular needs low <= mode <= high and low < high")
        return self

    @property
    def mean_value(self) -> float:
        """The distribution's mean."""
        return (self.low + self.mode + self.high) / 3


class Normal(_Dist):
    """Normal with ``mean`` and ``sd``, truncated at zero (negative draws are redrawn)."""

    dist: Literal["normal"]
    mean: Positive
    sd: NonNegative

    @model_validator(mode="after")
    def _mostly_positive(self) -> Normal:
        if self.sd > 3 * self.mean:
            raise ValueError("normal needs sd <= 3 * mean (most mass above zero)")
        return self

    @property
    def mean_value(self) -> float:
        """Mean of the normal truncated at zero."""
        if self.sd == 0:
            return self.mean
        # E[X | X > 0] = mu + sd * phi(a) / (1 - Phi(a)), a = -mu / sd
        a = -self.mean / self.sd
        pdf = math.exp(-0.5 * a * a) / math.sqrt(2 * math.pi)
        tail = 0.5 * math.erfc(a / math.sqrt(2))
        return self.mean + self.sd * pdf / tail


class Empirical(_Dist):
    """Uniform choice among the observed ``values``."""

    dist: Literal["empirical"]
    values: Annotated[list[NonNegative], Field(min_length=1)]

    @model_validator(mode="after")
    def _not_all_zero(self) -> Empirical:
        if max(self.values) <= 0:
            raise ValueError("empirical needs at least one positive value")
        return self

    @property
    def mean_value(self) -> float:
        """The distribution's mean."""
        return sum(self.values) / len(self.values)


Distribution = Annotated[
    Constant | Exponential | Lognormal | Weibull | Triangular | Normal | Empirical,
    Field(discriminator="dist"),
]
