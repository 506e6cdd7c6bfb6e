"""What applying an AI lever to a factory gives: a changed spec, a policy, measured quality.

Every lever module in ``twin.ai`` exposes ``apply(spec, lever, level, seed) -> AppliedLever``:

- ``spec``: the factory with the lever's spec-level effects (e.g. lower defect rates, lower
  facility load), acting only on the lever's own loss pool;
- ``policy``: the decisions the lever takes inside the simulation (``None`` if none);
- ``quality``: what the lever's model measured on held-out data (precision, recall, lead
  time, detection and false-reject rates ...), reported beside the results.

``seed`` names the lever's own random streams (training data, model initialisation); the
factory's streams are untouched, so a run with the lever and one without share random
numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from twin.config.factory import FactorySpec
from twin.config.lever import Level, LeverSpec
from twin.core.policy import Policy

__all__ = ["AppliedLever", "ApplyFn"]


@dataclass(frozen=True)
class AppliedLever:
    """A lever applied to one factory at one effect level."""

    name: str
    spec: FactorySpec
    policy: Policy | None = None
    quality: dict[str, float] = field(default_factory=dict)


ApplyFn = Callable[[FactorySpec, LeverSpec, Level, int], AppliedLever]
