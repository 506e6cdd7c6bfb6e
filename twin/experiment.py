"""Wiring one factory experiment end to end: replications, then intervals across them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from twin.config.factory import FactorySpec
from twin.config.loader import spec_hash
from twin.core.policy import Policy
from twin.core.stats import mean_interval
from twin.des import RepResult, simulate
from twin.des.results import KPI_NAMES, STATES, STATION_KPIS

__all__ = ["FactoryRun", "run_factory"]

#: KPIs that are shares of time or of output: their intervals are clipped to [0, 1]. Every
#: other KPI is non-negative.
SHARES = {"oee", "utilization", "availability", "blocked_share", "starved_share", "setup_share"}


def _interval(name: str, values: list[float]) -> dict[str, float | None]:
    return mean_interval(values, lower=0.0, upper=1.0 if name in SHARES else None)


@dataclass(frozen=True)
class FactoryRun:
    """R replications of one factory and their summary.

    Attributes
    ----------
    spec
        The factory simulated.
    days, warmup_days, seed
        The run's settings.
    reps
        One :class:`RepResult` per replication, in replication order.
    """

    spec: FactorySpec
    days: float
    warmup_days: float
    seed: int
    reps: tuple[RepResult, ...]

    def summary(self) -> dict[str, dict[str, float | None]]:
        """Mean and 95 % interval across replications of every factory KPI."""
        keys = list(KPI_NAMES) + [k for k in self.reps[0].kpis if k not in KPI_NAMES]
        return {k: _interval(k, [r.kpis[k] for r in self.reps]) for k in keys}

    def station_summary(self) -> dict[str, dict[str, dict[str, float | None]]]:
        """Per station, mean and interval of each station KPI."""
        out: dict[str, dict[str, dict[str, float | None]]] = {}
        for st in self.spec.stations:
            out[st.name] = {
                k: _interval(k, [r.stations[st.name][k] for r in self.reps]) for k in STATION_KPIS
            }
        return out

    def energy_by_state(self) -> dict[str, float]:
        """kWh per state (and facility), mean across replications."""
        return {
            s: float(np.mean([r.energy_by_state_kwh[s] for r in self.reps]))
            for s in (*STATES, "facility")
        }

    def bottleneck(self) -> str:
        """The station most often the bottleneck across replications (ties: first in spec)."""
        names = [r.bottleneck for r in self.reps]
        order = [s.name for s in self.spec.stations]
        return max(order, key=lambda n: (names.count(n), -order.index(n)))

    def mean_profile_kw(self) -> np.ndarray:
        """The 15-minute load profile averaged across replications."""
        return np.mean(np.vstack([r.profile_kw for r in self.reps]), axis=0)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document printed by ``twin factory --json``."""
        return {
            "factory": self.spec.name,
            "spec_hash": spec_hash(self.spec),
            "days": self.days,
            "warmup_days": self.warmup_days,
            "replications": len(self.reps),
            "seed": self.seed,
            "summary": self.summary(),
            "stations": self.station_summary(),
            "energy_by_state_kwh": self.energy_by_state(),
            "bottleneck": self.bottleneck(),
        }


def run_factory(
    spec: FactorySpec,
    *,
    days: float,
    warmup_days: float = 0.0,
    replications: int = 5,
    seed: int = 0,
    policy: Policy | None = None,
) -> FactoryRun:
    """Run ``replications`` independent replications of a factory.

    Parameters
    ----------
    spec
        The validated factory spec.
    days, warmup_days
        Measured and warm-up days per replication.
    replications
        Number of independent replications (streams ``("rep", r, ...)``).
    seed
        Root seed.
    policy
        Decision logic injected into the engine (plain factory if ``None``).
    """
    if replications < 1:
        raise ValueError("replications must be at least 1")
    reps = tuple(
        simulate(spec, days=days, warmup_days=warmup_days, seed=seed, replication=r, policy=policy)
        for r in range(replications)
    )
    return FactoryRun(spec, days, warmup_days, seed, reps)
