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
       timeout ``t``. The engine's state totals then record, for that ``t``, the idle minutes
       beyond ``t`` summed over idle periods, ``S(t)``, and the number of idle periods longer
       than ``t`` that end with a job (a warm-up), ``N(t)`` = warm-up minutes divided by the
       probe warm-up. Together they are the tail of the station's idle-duration distribution;
       ``m(t) = S(t) / N(t)`` is the expected idle time still to come once a machine has been
       idle ``t`` minutes. Since the probe timeouts leave the flow alone, each station can be
       probed at its own timeout in the same run. The recording is sized to what the
       statistics need (:func:`learn_timeouts`):

       - *horizon*: a pilot run counts each station's idle periods per day; the training
         runs last long enough for ``IDLE_PERIODS_PER_RUN`` idle periods at the station with
         the fewest (between ``MIN_TRAIN_DAYS`` and 14 days): a few days where machines idle
         hundreds of times a day, two weeks where they idle a few times;
       - *timeouts*: a coarse grid (the ``TIMEOUT_GRID_MIN`` timeouts spaced by a factor
         ``COARSE_RATIO`` or more, plus the configured ones), probed upwards until no idle
         period outlasts the timeout (the tail is zero beyond it), then a refinement run per
         grid neighbour of each station's provisional choice;
       - *replications*: two, and a third (repeating every probe) if some station's choice
         changes when one replication is left out.
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
    "COARSE_RATIO",
    "IDLE_PERIODS_PER_RUN",
    "MIN_TRAIN_DAYS",
    "PROBE_WARMUP_MIN",
    "STABLE_RATIO",
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
"""Timeouts that may be probed (minutes); a spec's configured timeouts are added."""
COARSE_RATIO = 3.0
"""Consecutive timeouts of the coarse probe grid differ by at least this factor."""
IDLE_PERIODS_PER_RUN = 600
"""Idle periods (at the least idle eligible station) a training run should see."""
MIN_TRAIN_DAYS = 2.0
"""Shortest measured horizon of a training run (days)."""
STABLE_RATIO = 1.25
"""Timeouts within this factor of each other count as the same choice (neighbouring grid
timeouts do not)."""


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
    """A timeout per probed station, the configured one elsewhere."""

    def __init__(self, timeouts: Mapping[str, float]) -> None:
        self.timeouts = dict(timeouts)

    def standby_after_min(self, station: str, configured: float | None) -> float | None:
        return self.timeouts.get(station, configured)


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


# Probe runs by factory, stations, seed, warm-up, timeouts, replication and horizon.
_TAIL_CACHE: dict[tuple, tuple[dict[str, float], dict[str, float]]] = {}
_TAIL_CACHE_SIZE = 4096


class _Prober:
    """Probe runs of one factory: the probed stations' ``S(t)`` and ``N(t)`` per measured day.

    Runs are memoised (they are deterministic), so the three effect levels, which share the
    pilot and the coarse grid, simulate them once.
    """

    def __init__(self, spec: FactorySpec, stations: Sequence[str], seed: int, warmup_days: float):
        self.spec = _with_probe_warmup(spec, stations)
        self.stations = tuple(stations)
        self.seed = seed
        self.warmup_days = warmup_days
        self.key = (spec_hash(self.spec), self.stations, seed, warmup_days)

    def run(
        self, timeouts: Mapping[str, float], replication: int, days: float
    ) -> tuple[dict[str, float], dict[str, float]]:
        """``S`` and ``N`` of every probed station in one run with ``timeouts``."""
        key = (*self.key, tuple(float(timeouts[n]) for n in self.stations), replication, days)
        hit = _TAIL_CACHE.get(key)
        if hit is not None:
            return hit
        res = simulate(
            self.spec,
            days=days,
            warmup_days=self.warmup_days,
            seed=self.seed,
            replication=replication,
            policy=_ProbePolicy(timeouts),
        )
        s, c = {}, {}
        for n in self.stations:
            sm = res.stations[n]["state_min"]
            s[n] = sm["standby"] / days
            c[n] = sm["warmup"] / PROBE_WARMUP_MIN / days
        if len(_TAIL_CACHE) >= _TAIL_CACHE_SIZE:
            _TAIL_CACHE.pop(next(iter(_TAIL_CACHE)))
        _TAIL_CACHE[key] = (s, c)
        return s, c


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
    timeouts, so the curves of one replication come from one idle-period history. Runs are
    memoised (the recording is deterministic). :func:`learn_timeouts` probes fewer timeouts
    (a coarse grid and refinements); this records them all.

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
    prober = _Prober(spec, stations, seed, warmup_days)
    s = {n: np.zeros((replications, grid_a.size)) for n in stations}
    c = {n: np.zeros((replications, grid_a.size)) for n in stations}
    for r in range(replications):
        for k, t in enumerate(grid_a.tolist()):
            sr, cr = prober.run(dict.fromkeys(stations, t), r, days)
            for n in stations:
                s[n][r, k] = sr[n]
                c[n][r, k] = cr[n]
    for arr in (*s.values(), *c.values()):
        arr.setflags(write=False)
    return IdleTail(grid_a, s, c)


def _coarse(grid: Sequence[float], ratio: float) -> list[float]:
    """The first and last of ``grid`` (sorted) and the timeouts between them spaced by at
    least ``ratio``."""
    g = sorted(set(float(t) for t in grid))
    out = [g[0]]
    for t in g[1:]:
        if t >= ratio * out[-1] * (1 - 1e-9):
            out.append(t)
    if out[-1] != g[-1]:
        out.append(g[-1])
    return out


class _Recording:
    """What the probe runs measured, per station: timeout -> (``S``, ``N``) per replication.

    A station whose ``S`` and ``N`` are zero in every replication at some timeout has no idle
    period longer than it, so its tails are zero beyond (:meth:`known`). Adding a replication
    repeats every probe made so far on it.
    """

    def __init__(self, prober: _Prober, replications: int, days: float) -> None:
        self.prober = prober
        self.replications = replications
        self.days = days
        self.probes: list[tuple[dict[str, float], tuple[str, ...]]] = []
        self.points: dict[str, dict[float, tuple[np.ndarray, np.ndarray]]] = {}
        self.zero_from: dict[str, float] = {}
        self._collect()

    def known(self, station: str, t: float) -> bool:
        """Whether the tails of ``station`` at ``t`` are measured or known to be zero."""
        return t in self.points[station] or t >= self.zero_from[station]

    def probe(self, timeouts: Mapping[str, float], record: Sequence[str]) -> None:
        """Run every replication with ``timeouts``; keep the results of ``record``."""
        self.probes.append((dict(timeouts), tuple(record)))
        self._collect()

    def add_replication(self) -> None:
        """One more replication of every probe so far."""
        self.replications += 1
        self._collect()

    def _collect(self) -> None:
        self.points = {n: {} for n in self.prober.stations}
        for timeouts, record in self.probes:
            rows = [self.prober.run(timeouts, r, self.days) for r in range(self.replications)]
            for n in record:
                s = np.array([row[0][n] for row in rows])
                c = np.array([row[1][n] for row in rows])
                self.points[n][float(timeouts[n])] = (s, c)
        self.zero_from = {
            n: min((t for t, (s, c) in pts.items() if not (s.any() or c.any())), default=math.inf)
            for n, pts in self.points.items()
        }

    def tails(self, station: str, grid: Sequence[float]) -> tuple[np.ndarray, ...]:
        """Timeouts (sorted) and ``S``, ``N`` arrays (replications, timeouts) of ``station``:
        the measured points, plus zeros at the timeouts of ``grid`` known to be zero."""
        pts = {t: v for t, v in self.points[station].items() if t <= self.zero_from[station]}
        zeros = np.zeros(self.replications)
        for t in grid:
            if t not in pts and t >= self.zero_from[station]:
                pts[float(t)] = (zeros, zeros)
        ts = sorted(pts)
        return (
            np.array(ts),
            np.column_stack([pts[t][0] for t in ts]),
            np.column_stack([pts[t][1] for t in ts]),
        )


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


def _same(a: float | None, b: float | None) -> bool:
    """Whether two timeouts are the same choice (see :data:`STABLE_RATIO`; ``None``: never)."""
    if a is None or b is None:
        return a is b
    return abs(math.log(a / b)) <= math.log(STABLE_RATIO)


def _train_days(
    prober: _Prober, t0: float, min_days: float, max_days: float, periods: int
) -> float:
    """Measured days per training run: enough for ``periods`` idle periods at the least idle
    station, counted in a pilot run (replication 0, timeout ``t0``), within the bounds."""
    pilot = min(min_days, max_days)
    _, counts = prober.run(dict.fromkeys(prober.stations, t0), 0, pilot)
    rate = min(counts.values())  # idle periods longer than t0 per day
    if rate <= 0:
        return float(max_days)
    return float(min(max_days, max(pilot, math.ceil(periods / rate))))


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
    min_days: float = MIN_TRAIN_DAYS,
    idle_periods: int = IDLE_PERIODS_PER_RUN,
    min_replications: int = 2,
) -> tuple[StandbyPolicy | None, dict[str, float]]:
    """Learn per-station idle timeouts from simulated idle-period histories.

    The recording (see the module notes): a pilot run sets the training horizon; the coarse
    grid is probed upwards until every station's tails are zero; the tails are fitted and
    each station's provisional timeout is refined by probing its neighbours in ``grid`` (with
    the configured timeouts). This starts with ``min_replications`` replications and adds
    one (repeating every probe on it) while some station's choice changes when one
    replication is left out, up to ``train_replications``. The fit on all probed timeouts
    and replications decides.

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
        Most probe replications to learn from; paired validation replications (configured
        vs learned timeouts) to measure the realised saving.
    days, warmup_days
        Horizon of each validation run, and the longest measured horizon of a training run:
        training runs last the fewest whole days (at least ``min_days``) in which the least
        idle eligible station has ``idle_periods`` idle periods (counted in the pilot run),
        after a warm-up of a third of that (at most ``warmup_days``).
    grid
        Timeouts that may be probed (minutes); the spec's configured timeouts are added.
    min_days, idle_periods
        See ``days``.
    min_replications
        Probe replications to start with (see above).

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
        the configured ones and ``rejected_idle_kwh_saved`` keeps the failed result). Learned
        timeouts equal to the configured ones save nothing by construction: they are not
        simulated again.
    """
    stations = eligible_stations(spec)
    quality: dict[str, float] = {"eligible_stations": float(len(stations))}
    if not stations:
        return None, quality
    penalty = lever.value("warmup_delay_penalty", level)
    by_name = {s.name: s for s in spec.stations}
    configured = {n: by_name[n].standby_after_idle_min for n in stations}
    extra = {float(t) for t in configured.values() if t is not None}
    full_grid = sorted({float(t) for t in grid} | extra)
    costs = {n: _station_costs(by_name[n], penalty) for n in stations}

    # Training runs warm up for a third of their measured days, at most warmup_days.
    train_days = _train_days(
        _Prober(spec, stations, _seed_for(seed, "train"), min(warmup_days, min_days / 3)),
        full_grid[0],
        min_days,
        days,
        idle_periods,
    )
    prober = _Prober(spec, stations, _seed_for(seed, "train"), min(warmup_days, train_days / 3))
    rec = _Recording(prober, min(min_replications, train_replications), train_days)
    coarse = sorted(set(_coarse(grid, COARSE_RATIO)) | extra)

    def fit(n: str, drop: int | None = None) -> tuple:
        """Station ``n``'s probed timeouts, tails, fitted model and choice (optionally
        without replication ``drop``)."""
        g, beyond, periods = rec.tails(n, full_grid)
        if drop is not None:
            keep = [r for r in range(rec.replications) if r != drop]
            beyond, periods = beyond[keep], periods[keep]
        tail = _Tail(g, beyond, periods)
        fine = np.unique(np.concatenate([np.geomspace(g[0], g[-1], 200), g]))
        return g, beyond, periods, tail, _choose(tail, fine, configured[n], costs[n])

    while True:
        for t in coarse:  # upwards; a station's tails are zero beyond its longest idle period
            todo = [n for n in stations if not rec.known(n, t)]
            if todo:
                rec.probe(dict.fromkeys(stations, t), todo)
        # Refine: the grid neighbours of each station's provisional choice, one run for all.
        todo_by: dict[str, list[float]] = {}
        for n in stations:
            best = fit(n)[-1]
            near = []
            if best is not None:
                k = int(np.searchsorted(full_grid, best))
                near = [t for t in full_grid[max(k - 1, 0) : k + 2] if not rec.known(n, t)]
            todo_by[n] = near
        for j in range(max(len(v) for v in todo_by.values())):
            # Stations with nothing left to probe get the longest timeout (fewest warm-ups).
            probe = {n: v[j] if j < len(v) else full_grid[-1] for n, v in todo_by.items()}
            rec.probe(probe, [n for n, v in todo_by.items() if j < len(v)])
        if rec.replications >= train_replications or all(
            _same(fit(n, drop=r)[-1], fit(n)[-1]) for n in stations for r in range(rec.replications)
        ):
            break
        rec.add_replication()  # a choice still depends on which replications it learnt from

    timeouts: dict[str, float | None] = {}
    predicted = 0.0
    scores = []
    for n in stations:
        c = costs[n]
        g, beyond, periods, tail, best = fit(n)
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
        score = _loo_score(beyond, periods, g, c)
        if not math.isnan(score):
            scores.append(score)
    policy = StandbyPolicy(timeouts)
    quality["model_r2"] = float(np.mean(scores)) if scores else float("nan")
    quality["published_idle_energy_saving"] = lever.value("idle_energy_saving_reference", level)
    quality["predicted_idle_kwh_saved"] = predicted

    quality["deployed"] = 1.0
    if not validation_replications:
        return policy, quality
    if timeouts == configured:  # the validation runs would be the configured ones twice
        quality.update(
            realised_idle_kwh_saved=0.0, realised_idle_energy_saving=0.0, good_units_change=0.0
        )
        return policy, quality
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
