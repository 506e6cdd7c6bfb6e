"""Energy optimisation: learned standby timeouts for idle machines, lower facility loads.

The lever acts on two loss pools, each with its own mechanism:

(a) **Idle machines** (machine energy spent idle). A machine that drops to standby saves
    ``(idle_kw - standby_kw)`` per minute but pays a warm-up of ``warmup_min`` before its next
    job. The engine asks the policy for a station's idle timeout once, when the model is built
    (:meth:`Policy.standby_after_min`), so what the lever can decide is a **learned timeout per
    station**, not a decision per idle period. It learns it from simulated idle-period
    histories of the factory itself:

    1. *Recording.* Probe runs on training seeds give each eligible station a warm-up of
       ``PROBE_WARMUP_MIN`` (a few milliseconds, so the flow of parts is unchanged) and a
       timeout ``t`` from a grid. The engine's state totals then record, for every ``t``, the
       idle minutes beyond ``t`` summed over idle periods, ``S(t)``, and the number of idle
       periods longer than ``t`` that end with a job (a warm-up), ``N(t)`` = warm-up minutes
       divided by the probe warm-up. Together they are the tail of the station's idle-duration
       distribution; ``m(t) = S(t) / N(t)`` is the expected idle time still to come once a
       machine has been idle ``t`` minutes.
    2. *Model.* Isotonic (monotone non-increasing) regressions of ``S`` and ``N`` on ``t``,
       pooled over the training seeds (scikit-learn), smooth the noisy curves.
    3. *Decision.* Standby at ``t`` saves ``dp * S(t) - c(t) * N(t)`` a day, with ``dp =
       idle_kw - standby_kw`` and ``c(t)`` the cost of one warm-up: its minutes delay the
       work behind it, so they come out of a later idle period, out of standby time if that
       period outlasts the timeout (the fitted share ``q`` of periods longer than
       ``t + warmup_min``) and out of idle time otherwise, so ``c = warmup_min * (q *
       (warmup_kw - standby_kw) + (1 - q) * (warmup_kw - idle_kw))``; plus a lost-time
       penalty of ``warmup_delay_penalty`` times the station's processing power per warm-up
       minute. The timeout maximises this fitted saving among the timeouts predicted to use
       no more energy than the spec's configured one ("never" is a candidate): the penalty
       may keep machines out of standby but never gives energy back. Standby after ``t``
       pays only if the expected remaining idle time ``m(t)`` exceeds the break-even time
       ``c / dp``, the question a per-period classifier would answer; the fitted probability
       that an idle period which reaches the timeout also outlasts the break-even time is
       reported as ``p_outlast_breakeven[station]``.

    Stations without a cheaper standby state or without warm-up data (``warmup_min == 0``)
    are left alone. A model score (leave-one-seed-out R² of the saving curve) and the
    predicted and realised idle-energy savings on validation seeds (relative to the spec's
    configured timeouts, common random numbers) are reported as the lever's quality. The
    probe runs cannot see how real warm-ups change the flow (a long warm-up makes jobs wait,
    and the next arrival may wake a second machine), so the learned timeouts are deployed
    only if they save energy on the validation runs; otherwise the configured ones stay.

(b) **Facility loads** (HVAC, chillers, compressed air, cleanroom ventilation): a pure spec
    transform lowering ``facility.base_kw`` and ``facility.off_shift_kw`` by
    ``facility_controllable_share * hvac_cda_saving`` from the lever file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import r2_score

from twin.ai.lever import AppliedLever
from twin.config.factory import FactorySpec, Station
from twin.config.lever import Level, LeverSpec
from twin.config.loader import spec_hash
from twin.core.policy import Policy
from twin.core.streams import stream
from twin.des.engine import simulate

__all__ = [
    "PROBE_WARMUP_MIN",
    "TIMEOUT_GRID_MIN",
    "IdleTail",
    "StandbyPolicy",
    "apply",
    "eligible_stations",
    "facility_reduction",
    "learn_timeouts",
    "record_idle_tails",
    "reduce_facility",
]

NAME = "energy_optimisation"
PROBE_WARMUP_MIN = 1e-3
"""Warm-up (minutes) given to eligible stations in probe runs: long enough to count
warm-ups exactly from the warm-up state total, short enough not to change the flow."""
TIMEOUT_GRID_MIN: tuple[float, ...] = (
    1.0, 2.0, 3.0, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 180.0,
    240.0, 360.0, 480.0, 720.0, 1080.0, 1440.0, 2160.0, 2880.0,
)  # fmt: skip
"""Candidate idle timeouts (minutes); a spec's configured timeouts are added."""


class StandbyPolicy(Policy):
    """Idle timeouts per station, learned by :func:`learn_timeouts`.

    Parameters
    ----------
    timeouts
        Station name -> idle minutes before standby (``None``: never). Stations not named
        keep the spec's configured timeout.
    """

    def __init__(self, timeouts: Mapping[str, float | None]) -> None:
        self.timeouts = dict(timeouts)

    def standby_after_min(self, station: str, configured: float | None) -> float | None:
        """The learned timeout of ``station`` (its configured one if it was not learned)."""
        return self.timeouts.get(station, configured)

    def __repr__(self) -> str:
        return f"StandbyPolicy({self.timeouts!r})"


class _ProbePolicy(Policy):
    """One timeout for the probed stations, the configured one elsewhere."""

    def __init__(self, stations: Sequence[str], timeout: float) -> None:
        self.stations = frozenset(stations)
        self.timeout = timeout

    def standby_after_min(self, station: str, configured: float | None) -> float | None:
        return self.timeout if station in self.stations else configured


# -- (b) facility ----------------------------------------------------------------------------
def facility_reduction(lever: LeverSpec, level: Level) -> float:
    """Share of the facility base load the lever removes at ``level``.

    ``facility_controllable_share`` (HVAC, chillers, CDA, cleanroom ventilation in the
    facility load) times ``hvac_cda_saving`` (AI control's saving on those systems).
    """
    share = lever.value("facility_controllable_share", level)
    saving = lever.value("hvac_cda_saving", level)
    r = share * saving
    if not 0.0 <= r < 1.0:
        raise ValueError(f"facility reduction must lie in [0, 1), got {r:g}")
    return r


def reduce_facility(spec: FactorySpec, reduction: float) -> FactorySpec:
    """The factory with ``facility.base_kw`` and ``off_shift_kw`` lowered by ``reduction``.

    ``kwh_per_unit`` (loads proportional to output) is unchanged, and so is everything that
    drives the flow of parts, so the result shares random numbers with the original.

    Parameters
    ----------
    spec
        The factory.
    reduction
        Relative reduction, in [0, 1).
    """
    if not 0.0 <= reduction < 1.0:
        raise ValueError("reduction must lie in [0, 1)")
    fac = spec.facility
    if fac is None or reduction == 0.0:
        return spec
    k = 1.0 - reduction
    facility = {
        "base_kw": fac.base_kw * k,
        "off_shift_kw": None if fac.off_shift_kw is None else fac.off_shift_kw * k,
        "kwh_per_unit": fac.kwh_per_unit,
    }
    return FactorySpec.model_validate({**spec.model_dump(), "facility": facility})


# -- (a) standby timeouts ----------------------------------------------------------------------
def eligible_stations(spec: FactorySpec) -> list[str]:
    """Stations whose standby draws less than idle and whose warm-up is known (> 0)."""
    out = []
    for st in spec.stations:
        pw = st.power_kw
        if st.warmup_min > 0 and pw.standby < pw.idle:
            out.append(st.name)
    return out


@dataclass(frozen=True)
class IdleTail:
    """Recorded idle-duration tails of the eligible stations, per seed and timeout.

    Attributes
    ----------
    grid
        Timeouts ``t`` probed (minutes, increasing).
    beyond_min
        ``S[station]``: array (seeds, grid) of idle minutes beyond ``t`` per measured day.
    periods
        ``N[station]``: array (seeds, grid) of idle periods longer than ``t`` that end with a
        job, per measured day.
    """

    grid: np.ndarray
    beyond_min: dict[str, np.ndarray]
    periods: dict[str, np.ndarray]


def _with_probe_warmup(spec: FactorySpec, stations: Sequence[str]) -> FactorySpec:
    data = spec.model_dump()
    for st in data["stations"]:
        if st["name"] in stations:
            st["warmup_min"] = PROBE_WARMUP_MIN
    return FactorySpec.model_validate(data)


def _seed_for(seed: int, purpose: str) -> int:
    """A root seed for the lever's own simulations, drawn from the lever's named stream."""
    return int(stream(seed, "lever", NAME, purpose).integers(0, 2**31 - 1))


_TAIL_CACHE: dict[tuple, IdleTail] = {}
_TAIL_CACHE_SIZE = 16


def record_idle_tails(
    spec: FactorySpec,
    stations: Sequence[str],
    grid: Sequence[float],
    *,
    seed: int,
    replications: int,
    days: float,
    warmup_days: float,
) -> IdleTail:
    """Record the idle-duration tails ``S(t)`` and ``N(t)`` of ``stations`` by probe runs.

    One run per timeout and replication: the probed stations get a tiny warm-up
    (:data:`PROBE_WARMUP_MIN`) and the timeout; their standby minutes are ``S(t)`` and their
    warm-up minutes over the probe warm-up are ``N(t)``. The runs share random numbers across
    timeouts, so the curves of one replication come from one idle-period history. Results are
    memoised (the recording is deterministic), so the three effect levels record once.

    Parameters
    ----------
    spec
        The factory.
    stations
        Names of the stations to record.
    grid
        Timeouts to probe (minutes).
    seed
        Root seed of the probe runs.
    replications
        Independent replications (replication indices 0 .. n-1).
    days, warmup_days
        Measured and warm-up days of each run.
    """
    grid_a = np.asarray(sorted(set(float(t) for t in grid)), dtype=float)
    key = (spec_hash(spec), tuple(stations), tuple(grid_a), seed, replications, days, warmup_days)
    if key in _TAIL_CACHE:  # the three effect levels share one recording
        return _TAIL_CACHE[key]
    probe = _with_probe_warmup(spec, stations)
    s = {n: np.zeros((replications, grid_a.size)) for n in stations}
    c = {n: np.zeros((replications, grid_a.size)) for n in stations}
    for r in range(replications):
        for k, t in enumerate(grid_a):
            res = simulate(
                probe,
                days=days,
                warmup_days=warmup_days,
                seed=seed,
                replication=r,
                policy=_ProbePolicy(stations, float(t)),
            )
            for n in stations:
                sm = res.stations[n]["state_min"]
                s[n][r, k] = sm["standby"] / days
                c[n][r, k] = sm["warmup"] / PROBE_WARMUP_MIN / days
    for arr in (*s.values(), *c.values()):
        arr.setflags(write=False)
    tail = IdleTail(grid_a, s, c)
    if len(_TAIL_CACHE) >= _TAIL_CACHE_SIZE:
        _TAIL_CACHE.pop(next(iter(_TAIL_CACHE)))
    _TAIL_CACHE[key] = tail
    return tail


@dataclass(frozen=True)
class _Costs:
    """Power differences (kW) and warm-up minutes of one station."""

    dp: float  # idle - standby: saved per standby minute
    warm_over_standby: float  # warm-up power above standby
    warm_over_idle: float  # warm-up power above idle
    penalty_kw: float  # lost-time penalty per warm-up minute
    warmup_min: float


def _station_costs(st: Station, penalty_factor: float) -> _Costs:
    pw = st.power_kw.by_state()
    return _Costs(
        dp=pw["idle"] - pw["standby"],
        warm_over_standby=pw["warmup"] - pw["standby"],
        warm_over_idle=pw["warmup"] - pw["idle"],
        penalty_kw=penalty_factor * pw["processing"],
        warmup_min=st.warmup_min,
    )


class _Tail:
    """Fitted tails ``S(t)``, ``N(t)`` of one station (isotonic in ``log t``)."""

    def __init__(self, grid: np.ndarray, beyond: np.ndarray, periods: np.ndarray) -> None:
        self.s = _fit_tail(grid, beyond)
        self.n = _fit_tail(grid, periods)
        self.n_all = max(float(self.n.predict([math.log(grid[0])])[0]), 1e-12)

    def warmup_cost(self, t: np.ndarray, c: _Costs, penalised: bool) -> np.ndarray:
        """Cost of one warm-up after timeout ``t`` (kW*min).

        A warm-up delays the work behind it, so its minutes come out of a later idle period:
        out of standby if that period outlasts the timeout (probability ``q``, the fitted
        share of idle periods longer than ``t + warmup``), else out of idle time. The
        lost-time penalty is added if ``penalised``.
        """
        q = np.clip(self.n.predict(np.log(t + c.warmup_min)) / self.n_all, 0.0, 1.0)
        cost = c.warmup_min * (q * c.warm_over_standby + (1 - q) * c.warm_over_idle)
        cost = np.maximum(cost, 0.0)
        return cost + c.penalty_kw * c.warmup_min if penalised else cost

    def saving(self, t: np.ndarray, c: _Costs, penalised: bool) -> np.ndarray:
        """Fitted saving (kW*min per day) of timeout ``t`` over never switching to standby."""
        lt = np.log(t)
        return c.dp * self.s.predict(lt) - self.warmup_cost(t, c, penalised) * self.n.predict(lt)


def _fit_tail(grid: np.ndarray, y: np.ndarray) -> IsotonicRegression:
    """Isotonic non-increasing fit (in ``log t``) of a tail curve pooled over seeds."""
    x = np.tile(grid, y.shape[0])
    model = IsotonicRegression(increasing=False, out_of_bounds="clip", y_min=0.0)
    return model.fit(np.log(x), y.ravel())


def _choose(tail: _Tail, grid: np.ndarray, configured: float | None, c: _Costs) -> float | None:
    """The timeout maximising the penalised saving among those predicted to save at least as
    much energy as the configured one (``None``: never)."""
    cands = np.unique(np.append(grid, [] if configured is None else [configured]))
    energy = tail.saving(cands, c, penalised=False)
    value = tail.saving(cands, c, penalised=True)
    if configured is None:
        best, floor, best_v = None, 0.0, 0.0
    else:
        k0 = int(np.searchsorted(cands, configured))
        best, floor, best_v = configured, energy[k0], value[k0]
    for t, e, v in zip(cands.tolist(), energy, value, strict=True):
        if e >= floor - 1e-9 and v > best_v + 1e-9:
            best, best_v = t, float(v)
    return best


def _loo_score(beyond: np.ndarray, periods: np.ndarray, grid: np.ndarray, c: _Costs) -> float:
    """Leave-one-seed-out R² of the penalised saving curve (nan with fewer than 2 seeds).

    The held-out seed's curve is the raw recorded one, evaluated with the same cost model.
    """
    reps = beyond.shape[0]
    if reps < 2:
        return float("nan")
    truth, pred = [], []
    for r in range(reps):
        keep = [i for i in range(reps) if i != r]
        pred.append(_Tail(grid, beyond[keep], periods[keep]).saving(grid, c, penalised=True))
        truth.append(_Tail(grid, beyond[[r]], periods[[r]]).saving(grid, c, penalised=True))
    y_true = np.concatenate(truth)
    if np.ptp(y_true) == 0:
        return float("nan")
    return float(r2_score(y_true, np.concatenate(pred)))


def _idle_energy_kwh(res, stations: Sequence[str], spec: FactorySpec) -> float:
    """kWh drawn idle, in standby and warming up at ``stations`` in one result."""
    by_name = {s.name: s for s in spec.stations}
    total = 0.0
    for n in stations:
        pw = by_name[n].power_kw.by_state()
        sm = res.stations[n]["state_min"]
        total += sum(sm[k] * pw[k] for k in ("idle", "standby", "warmup")) / 60.0
    return total


def learn_timeouts(
    spec: FactorySpec,
    lever: LeverSpec,
    level: Level,
    seed: int,
    *,
    train_replications: int = 3,
    validation_replications: int = 2,
    days: float = 14.0,
    warmup_days: float = 2.0,
    grid: Sequence[float] = TIMEOUT_GRID_MIN,
) -> tuple[StandbyPolicy | None, dict[str, float]]:
    """Learn per-station idle timeouts from simulated idle-period histories.

    Parameters
    ----------
    spec
        The factory (its facility load is irrelevant here).
    lever, level
        The lever file and effect level (``warmup_delay_penalty``).
    seed
        The lever's seed: training and validation runs use root seeds drawn from the
        lever's named streams, never the factory's.
    train_replications, validation_replications
        Probe replications to learn from; paired validation replications (configured vs
        learned timeouts) to measure the realised saving.
    days, warmup_days
        Horizon of each training and validation run.
    grid
        Candidate timeouts (minutes); the spec's configured timeouts are added.

    Returns
    -------
    policy, quality
        The :class:`StandbyPolicy` (``None`` if no station is eligible) and what was measured:
        ``timeout_min[station]`` (``inf``: never),
        ``breakeven_min[station]`` (standby minutes that pay for one warm-up and its penalty,
        at the chosen timeout), ``p_outlast_breakeven[station]`` (fitted probability that an
        idle period that has reached the timeout lasts beyond the break-even time as well),
        ``model_r2`` (mean leave-one-seed-out R² of the saving curves),
        ``predicted_idle_kwh_saved`` and ``realised_idle_kwh_saved`` (per validation run, vs
        the configured timeouts), ``realised_idle_energy_saving`` (relative to the eligible
        stations' idle, standby and warm-up energy), ``good_units_change`` (relative) and
        ``published_idle_energy_saving`` (the lever file's reference range, for comparison),
        ``deployed`` (1, or 0 if the learned timeouts used more energy than the configured
        ones on the validation runs: then the policy is ``None``, the timeouts reported are
        the configured ones and ``rejected_idle_kwh_saved`` keeps the failed result).
    """
    stations = eligible_stations(spec)
    quality: dict[str, float] = {"eligible_stations": float(len(stations))}
    if not stations:
        return None, quality
    penalty = lever.value("warmup_delay_penalty", level)
    by_name = {s.name: s for s in spec.stations}
    configured = {n: by_name[n].standby_after_idle_min for n in stations}
    full_grid = sorted(set(grid) | {t for t in configured.values() if t is not None})
    tails = record_idle_tails(
        spec,
        stations,
        full_grid,
        seed=_seed_for(seed, "train"),
        replications=train_replications,
        days=days,
        warmup_days=warmup_days,
    )
    g = tails.grid
    fine = np.unique(np.concatenate([np.geomspace(g[0], g[-1], 200), g]))
    timeouts: dict[str, float | None] = {}
    predicted = 0.0
    scores = []
    for n in stations:
        c = _station_costs(by_name[n], penalty)
        tail = _Tail(g, tails.beyond_min[n], tails.periods[n])
        best = _choose(tail, fine, configured[n], c)
        timeouts[n] = best
        quality[f"timeout_min[{n}]"] = math.inf if best is None else best
        if best is not None:
            breakeven = float(tail.warmup_cost(np.array([best]), c, True)[0]) / c.dp
            quality[f"breakeven_min[{n}]"] = breakeven
            n_at = float(tail.n.predict([math.log(best)])[0])
            n_after = float(tail.n.predict([math.log(best + breakeven)])[0])
            quality[f"p_outlast_breakeven[{n}]"] = n_after / n_at if n_at > 0 else 0.0

        def energy(t: float | None, tail=tail, c=c) -> float:
            return 0.0 if t is None else float(tail.saving(np.array([t]), c, False)[0])

        predicted += (energy(best) - energy(configured[n])) * days / 60.0
        score = _loo_score(tails.beyond_min[n], tails.periods[n], g, c)
        if not math.isnan(score):
            scores.append(score)
    policy = StandbyPolicy(timeouts)
    quality["model_r2"] = float(np.mean(scores)) if scores else float("nan")
    quality["published_idle_energy_saving"] = lever.value("idle_energy_saving_reference", level)
    quality["predicted_idle_kwh_saved"] = predicted

    vseed = _seed_for(seed, "validate")
    base_e, new_e, base_good, new_good = [], [], [], []
    for r in range(validation_replications):
        kw = {"days": days, "warmup_days": warmup_days, "seed": vseed, "replication": r}
        base = simulate(spec, **kw)
        new = simulate(spec, policy=policy, **kw)
        base_e.append(_idle_energy_kwh(base, stations, spec))
        new_e.append(_idle_energy_kwh(new, stations, spec))
        base_good.append(base.kpis["good_units"])
        new_good.append(new.kpis["good_units"])
    quality["deployed"] = 1.0
    if not validation_replications:
        return policy, quality
    saved = float(np.mean(base_e) - np.mean(new_e))
    if saved < 0:
        # The probe model missed an interaction (e.g. long warm-ups waking further machines):
        # the learned timeouts fail validation and are not deployed.
        quality = {k: v for k, v in quality.items() if not k.startswith(("breakeven", "p_outlast"))}
        quality["deployed"] = 0.0
        quality["rejected_idle_kwh_saved"] = saved
        quality["predicted_idle_kwh_saved"] = 0.0
        for n in stations:
            quality[f"timeout_min[{n}]"] = math.inf if configured[n] is None else configured[n]
        quality["realised_idle_kwh_saved"] = 0.0
        quality["realised_idle_energy_saving"] = 0.0
        quality["good_units_change"] = 0.0
        return None, quality
    quality["realised_idle_kwh_saved"] = saved
    quality["realised_idle_energy_saving"] = saved / max(float(np.mean(base_e)), 1e-12)
    quality["good_units_change"] = float(np.mean(new_good) / max(np.mean(base_good), 1e-12)) - 1
    return policy, quality


def apply(spec: FactorySpec, lever: LeverSpec, level: Level, seed: int) -> AppliedLever:
    """Apply the energy-optimisation lever at ``level``.

    Parameters
    ----------
    spec
        The factory.
    lever
        ``data/levers/energy_optimisation.yaml``.
    level
        ``"low"``, ``"typical"`` or ``"high"``.
    seed
        The lever's own seed (training and validation runs).

    Returns
    -------
    AppliedLever
        ``spec`` with the facility load reduced, ``policy`` the learned standby timeouts
        (``None`` if no station is eligible), ``quality`` as in :func:`learn_timeouts` plus
        ``facility_load_reduction``.
    """
    reduction = facility_reduction(lever, level)
    policy, quality = learn_timeouts(spec, lever, level, seed)
    quality["facility_load_reduction"] = reduction if spec.facility is not None else 0.0
    return AppliedLever(
        name=NAME, spec=reduce_facility(spec, reduction), policy=policy, quality=quality
    )
