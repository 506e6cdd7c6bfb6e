"""Several levers at once: one engine policy that delegates each decision to its lever."""

from __future__ import annotations

from collections.abc import Sequence

from twin.core.policy import Policy

__all__ = ["combine_policies"]

HOOKS = ("choose_next", "inspect", "standby_after_min", "on_sensor", "observe")


class _Combined(Policy):
    def __init__(self, parts: Sequence[Policy]) -> None:
        self.parts = tuple(parts)
        owners: dict[str, Policy] = {}
        for hook in HOOKS:
            overriding = [
                p for p in self.parts if getattr(type(p), hook) is not getattr(Policy, hook)
            ]
            if len(overriding) > 1:
                names = ", ".join(type(p).__name__ for p in overriding)
                raise ValueError(f"levers {names} both decide '{hook}'")
            if overriding:
                owners[hook] = overriding[0]
        self.dispatches = any(p.dispatches for p in self.parts)
        for hook, owner in owners.items():
            setattr(self, hook, getattr(owner, hook))

    def start_run(self, seed: int, replication: int) -> None:
        for part in self.parts:
            part.start_run(seed, replication)


def combine_policies(policies: Sequence[Policy | None]) -> Policy | None:
    """One policy from several levers' policies (``None`` if there are none).

    Each engine hook is answered by the one lever that overrides it; two levers overriding the
    same hook is an error (they would compete for the same decision, i.e. the same loss pool).
    """
    parts = [p for p in policies if p is not None]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return _Combined(parts)
