"""The AI levers by name, and applying several of them to one factory."""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence

from twin.ai.combine import combine_policies
from twin.ai.lever import AppliedLever, ApplyFn
from twin.config.factory import FactorySpec
from twin.config.lever import Level, LeverSpec

__all__ = ["LEVER_MODULES", "LEVER_ORDER", "apply_levers", "lever_apply"]

#: Lever name to the module in ``twin.ai`` that implements it.
LEVER_MODULES = {
    "predictive_maintenance": "twin.ai.pdm",
    "vision_qc": "twin.ai.vision",
    "energy_optimisation": "twin.ai.energy",
    "scheduling": "twin.ai.dispatch",
    "yield_optimisation": "twin.ai.yield_",
}
#: The order levers are applied (and switched on in a waterfall): spec transforms first.
LEVER_ORDER = tuple(LEVER_MODULES)


def lever_apply(name: str) -> ApplyFn:
    """The ``apply`` function of lever ``name``."""
    if name not in LEVER_MODULES:
        raise KeyError(f"unknown lever {name!r} (allowed: {', '.join(LEVER_MODULES)})")
    return importlib.import_module(LEVER_MODULES[name]).apply


def apply_levers(
    spec: FactorySpec,
    names: Sequence[str],
    levers: Mapping[str, LeverSpec],
    levels: Mapping[str, Level],
    seed: int,
) -> tuple[FactorySpec, object, dict]:
    """Apply several levers in :data:`LEVER_ORDER`: chained spec effects, combined policies.

    Returns the final spec, the combined policy (``None`` without decision levers) and each
    lever's measured quality by name.
    """
    applied: list[AppliedLever] = []
    current = spec
    for name in LEVER_ORDER:
        if name not in names:
            continue
        out = lever_apply(name)(current, levers[name], levels[name], seed)
        applied.append(out)
        current = out.spec
    policy = combine_policies([a.policy for a in applied])
    return current, policy, {a.name: dict(a.quality) for a in applied}
