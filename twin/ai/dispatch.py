"""Scheduling: setup-aware dispatching with a fairness guard tuned by simulation.

The rule (a dispatching heuristic, :class:`SetupAwareDispatch`): when a machine of a station
with sequence-dependent setups becomes free, it takes the oldest waiting job of the product it
ran last, which saves a setup, unless that job would overtake more than ``max_overtaken``
older jobs of other products; then, and when no job of its product waits, it takes the
oldest job (FIFO). Stations without setups stay FIFO.

The guard counts overtaken jobs rather than minutes because the engine's dispatching hook
(:meth:`Policy.choose_next`) sees the products in the queue, oldest first, but no clock and no
waiting times. Only jobs older than the chosen one can be overtaken, and they stay in the queue
while the machine keeps to its product, so the count grows as other products arrive: a job
waits at most until ``max_overtaken`` younger jobs of other products queue behind it. The
guard bounds waiting in jobs, and so in time only in expectation. The rule keeps no state
between calls, so it is deterministic and can be shared by replications.

The "AI" part is a tuned heuristic, stated plainly: the guard is chosen by a grid search on
training simulations (the lever's own seeds, common random numbers against FIFO), maximising
the relative throughput gain minus ``lead_time_weight`` times the relative lead-time increase,
with the grid capped by the level's ``max_overtaken``. The effect (setup time, throughput,
lead time against FIFO) is then measured on separate validation seeds.

The search simulates only candidates that can differ. Every training run notes, at each
dispatching decision, the smallest larger guard that would have taken a different job; the
smallest such guard over a candidate's runs, ``g``, bounds the guards that decide exactly as
the candidate did at every step. Those guards reproduce its runs bit for bit, so they share its
score without being simulated (the FIFO runs serve as the guard-0 candidate and as the
baseline of every comparison). Where lots are large or queues short, the rule never departs
from FIFO and one pair of FIFO runs settles the search.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from twin.ai.lever import AppliedLever
from twin.config.factory import FactorySpec
from twin.config.lever import Level, LeverSpec
from twin.core.policy import Policy
from twin.core.streams import stream
from twin.des.engine import simulate
from twin.des.results import RepResult

__all__ = [
    "GUARD_GRID",
    "SetupAwareDispatch",
    "apply",
    "compare",
    "setup_stations",
    "tune_guard",
]

NAME = "scheduling"
GUARD_GRID: tuple[int, ...] = (1, 2, 3, 5, 8, 13, 21, 34, 55, 89)
"""Candidate guards (overtaken jobs); FIFO (0) is always a candidate."""
_CHANGES = ("setup_time_change", "throughput_change", "lead_time_change", "wip_change")


class SetupAwareDispatch(Policy):
    """Take the oldest job of the machine's last product unless it overtakes too many.

    Parameters
    ----------
    stations
        Names of the stations to dispatch (those with setups); the others stay FIFO.
    max_overtaken
        Most older jobs of other products a job may overtake (0: FIFO everywhere).

    Notes
    -----
    A call scans at most ``max_overtaken + 1`` queue places, so its cost is bounded whatever
    the queue length.
    """

    dispatches = True

    def __init__(self, stations: Iterable[str], max_overtaken: int) -> None:
        if max_overtaken < 0:
            raise ValueError("max_overtaken must be non-negative")
        self.stations = frozenset(stations)
        self.max_overtaken = int(max_overtaken)

    def choose_next(
        self, station: str, queue_products: Sequence[int], last_product: int | None
    ) -> int:
        """Index of the job to take: same product within the guard, else the oldest."""
        if last_product is None or station not in self.stations:
            return 0
        if queue_products[0] == last_product:
            return 0
        end = min(len(queue_products), self.max_overtaken + 1)
        for k in range(1, end):
            if queue_products[k] == last_product:
                return k
        return 0

    def __repr__(self) -> str:
        return f"SetupAwareDispatch({sorted(self.stations)!r}, max_overtaken={self.max_overtaken})"


class _TracedDispatch(SetupAwareDispatch):
    """The rule, noting the smallest larger guard (at most ``cap``) that would decide otherwise.

    With guard ``k`` a machine takes the first job of its last product among queue places
    1..k, else the oldest. A larger guard ``g`` decides differently only where the first such
    job sits at a place ``j`` with ``k < j <= g``; :attr:`next_guard` is the smallest such
    ``j`` seen (``cap + 1`` if none), so every guard in ``[k, next_guard)`` makes the same
    decisions in the same run, and hence the same run. For training only (it keeps state).
    """

    def __init__(self, stations: Iterable[str], max_overtaken: int, cap: int) -> None:
        super().__init__(stations, max_overtaken)
        self.next_guard = max(int(cap), self.max_overtaken) + 1

    def choose_next(
        self, station: str, queue_products: Sequence[int], last_product: int | None
    ) -> int:
        """The rule's choice (places beyond the guard are only looked at, up to the cap)."""
        if last_product is None or station not in self.stations:
            return 0
        if queue_products[0] == last_product:
            return 0
        for j in range(1, min(len(queue_products), self.next_guard)):
            if queue_products[j] == last_product:
                if j <= self.max_overtaken:
                    return j
                self.next_guard = j
                return 0
        return 0


def setup_stations(spec: FactorySpec) -> list[str]:
    """Stations with sequence-dependent setups (``setup_min``) and more than one product."""
    if not spec.source.products or len(spec.source.products) < 2:
        return []
    return [s.name for s in spec.stations if s.setup_min is not None]


def _setup_min(res: RepResult) -> float:
    return float(sum(st["state_min"]["setup"] for st in res.stations.values()))


def _rel(new: float, base: float) -> float:
    return new / base - 1.0 if base > 0 else 0.0


def _changes(base: RepResult, new: RepResult) -> dict[str, float]:
    """Relative changes of one paired run (keys ``_CHANGES``)."""
    out = {"setup_time_change": _rel(_setup_min(new), _setup_min(base))}
    for key, kpi in (
        ("throughput_change", "throughput_per_h"),
        ("lead_time_change", "mean_lead_time_min"),
        ("wip_change", "mean_wip"),
    ):
        out[key] = _rel(new.kpis[kpi], base.kpis[kpi])
    return out


def _mean_changes(pairs: Iterable[tuple[RepResult, RepResult]]) -> dict[str, float]:
    """Mean over paired runs ``(base, new)`` of the relative changes."""
    rows = [_changes(b, n) for b, n in pairs]
    return {k: float(np.mean([r[k] for r in rows])) for k in _CHANGES}


def compare(
    spec: FactorySpec,
    policy: Policy,
    *,
    seed: int,
    replications: int,
    days: float,
    warmup_days: float,
) -> dict[str, float]:
    """Relative effect of ``policy`` against FIFO, on paired runs (common random numbers).

    Returns
    -------
    dict
        Mean over replications of the relative changes ``setup_time_change``,
        ``throughput_change``, ``lead_time_change``, ``wip_change`` (e.g. -0.2: 20 % less).
    """
    pairs = []
    for r in range(replications):
        kw = {"days": days, "warmup_days": warmup_days, "seed": seed, "replication": r}
        pairs.append((simulate(spec, **kw), simulate(spec, policy=policy, **kw)))
    return _mean_changes(pairs)


def _seed_for(seed: int, purpose: str) -> int:
    """A root seed for the lever's own simulations, drawn from the lever's named stream."""
    return int(stream(seed, "lever", NAME, purpose).integers(0, 2**31 - 1))


def tune_guard(
    spec: FactorySpec,
    stations: Sequence[str],
    cap: int,
    lead_time_weight: float,
    *,
    seed: int,
    replications: int = 2,
    days: float = 14.0,
    warmup_days: float = 2.0,
) -> tuple[int, dict[int, float]]:
    """Grid-search the guard on training runs.

    Candidates are FIFO (0) and the :data:`GUARD_GRID` guards up to ``cap``, in increasing
    order; a candidate is simulated only if the runs of the last simulated one show that a
    guard up to it would decide differently somewhere (see :class:`_TracedDispatch`); the
    others share that candidate's runs and score exactly. The result equals that of
    simulating every candidate.

    Parameters
    ----------
    spec
        The factory.
    stations
        Stations to dispatch.
    cap
        Largest guard allowed (the level's ``max_overtaken``).
    lead_time_weight
        Weight of the relative lead-time increase against the relative throughput gain.
    seed
        Root seed of the training runs.
    replications, days, warmup_days
        Training runs per candidate (paired with FIFO runs on the same seeds).

    Returns
    -------
    guard, scores
        The best guard (0: FIFO) and the objective of every candidate.
    """
    kws = [
        {"days": days, "warmup_days": warmup_days, "seed": seed, "replication": r}
        for r in range(replications)
    ]

    def runs(guard: int) -> tuple[list[RepResult], int]:
        results, nxt = [], cap + 1
        for kw in kws:
            traced = _TracedDispatch(stations, guard, cap)
            results.append(simulate(spec, policy=traced, **kw))
            nxt = min(nxt, traced.next_guard)
        return results, nxt

    base, nxt = runs(0)  # decides as FIFO: these are the FIFO runs
    scores: dict[int, float] = {0: 0.0}
    score = 0.0
    for k in (g for g in GUARD_GRID if g <= cap):
        if k >= nxt:  # some decision differs from the last simulated candidate's
            new, nxt = runs(k)
            eff = _mean_changes(zip(base, new, strict=True))
            score = eff["throughput_change"] - lead_time_weight * eff["lead_time_change"]
        scores[k] = score
    best = max(scores, key=lambda k: (scores[k], -k))
    return best, scores


def apply(spec: FactorySpec, lever: LeverSpec, level: Level, seed: int) -> AppliedLever:
    """Apply the scheduling lever at ``level``.

    Parameters
    ----------
    spec
        The factory (returned unchanged: the lever acts through its policy).
    lever
        ``data/levers/scheduling.yaml`` (``max_overtaken``, ``lead_time_weight``).
    level
        ``"low"``, ``"typical"`` or ``"high"``.
    seed
        The lever's own seed (training and validation runs).

    Returns
    -------
    AppliedLever
        ``policy`` the tuned :class:`SetupAwareDispatch` (``None`` if the factory has no
        setups or FIFO won the search); ``quality`` the chosen ``max_overtaken`` and, on
        validation seeds against FIFO, ``setup_time_change``, ``throughput_change``,
        ``lead_time_change`` and ``wip_change`` (relative), plus the published reference
        ``published_setup_time_change``.
    """
    stations = setup_stations(spec)
    quality: dict[str, float] = {
        "published_setup_time_change": lever.value("setup_time_change_reference", level)
    }
    if not stations:
        quality["max_overtaken"] = 0.0
        quality.update(dict.fromkeys(_CHANGES, 0.0))
        return AppliedLever(name=NAME, spec=spec, policy=None, quality=quality)
    cap = int(lever.value("max_overtaken", level))
    weight = lever.value("lead_time_weight", level)
    guard, _ = tune_guard(spec, stations, cap, weight, seed=_seed_for(seed, "train"))
    quality["max_overtaken"] = float(guard)
    if guard == 0:
        quality.update(dict.fromkeys(_CHANGES, 0.0))
        return AppliedLever(name=NAME, spec=spec, policy=None, quality=quality)
    policy = SetupAwareDispatch(stations, guard)
    quality.update(
        compare(
            spec,
            policy,
            seed=_seed_for(seed, "validate"),
            replications=2,
            days=14.0,
            warmup_days=2.0,
        )
    )
    return AppliedLever(name=NAME, spec=spec, policy=policy, quality=quality)
