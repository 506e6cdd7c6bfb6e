"""Predictive maintenance: a condition-monitoring classifier that turns breakdowns into repairs.

The lever acts on one loss pool, **unplanned failure time**, through the engine's condition
hook (:meth:`Policy.on_sensor`): after every job a degrading machine shows a noisy wear reading,
and an alarm sends it to a planned repair (shorter than a breakdown repair) before its next job.

1. **Degradation form** (:func:`degradation_form`). Factory specs give breakdowns as
   ``failure: {mtbf_h, mttr_h}``, which carry no condition signal. Every such station is
   rewritten as an equivalent ``degradation``: wear grows by one increment per operating hour
   and the machine breaks down when wear reaches 1. The increments mix two failure mechanisms:

   - *gradual wear*: heavy-tailed lognormal increments (cv ``GRADUAL_CV`` per hour before
     discretisation into equiprobable quantiles: wear comes in bursts of varied size, so a
     machine's age does not tell its wear and the readings carry information), which a
     sensor can follow;
   - *sudden failures*: with a small probability per hour an increment of ``SHOCK`` (far above
     1) breaks the machine at once, with no precursor in the readings. Their share of all
     breakdowns is the lever parameter ``sudden_failure_share`` (the failure modes condition
     monitoring does not cover).

   Both enter one ``empirical`` distribution (uniform choice among values: the shock
   probability is the share of shock values). The gradual mean and the shock probability are
   solved so that the mean life equals the original mean MTBF and the sudden share equals the
   parameter, with the first-passage life of the gradual part approximated as normal with
   renewal-theory moments, mean ``1/g + cv^2/2`` hours and variance ``cv^2/g`` (``g`` = mean
   increment per hour), combined exactly with the geometric shock time
   (:func:`expected_life_h`; within about 1 % of simulation for MTBF >= 30 h). The mean life,
   hence availability at full load, is preserved; lives vary less than in most failure forms
   (life cv 0.47-0.58 at a sudden share of 0.5, against 0.68-1.0 for the Weibull shapes
   1.5-1.0 of the shipped archetypes), since i.i.d. hourly increments cannot carry the
   per-life variation of wear rates real machines show; in short runs that start with new
   machines the degradation form therefore has slightly fewer breakdowns than the failure
   form. The repair time is the original ``mttr_h``; a planned repair takes
   ``planned_repair_ratio`` times its mean (constant).

   The projection must use this form for **both** the baseline and the PdM run (the baseline
   never alarms, so neither the sensor noise nor the planned repair time changes it), which
   keeps the two on common random numbers.

2. **Training data.** Each degrading station's wear-and-reading process is replayed, life
   after life, by :func:`station_lives`, a replica of the engine's own mechanism (the same
   wear distribution and first-passage rule, linear wear within the hour, a reading of wear
   plus normal noise after every job, operating age advancing by the station's process times
   with its product mix and lots, a job cut by a breakdown resuming in the next life). It
   yields complete run-to-failure lives in any number for every station, also for machines
   that break down once a month, with no censoring at the end of a run; tests check it
   against the engine's recorded readings (:class:`RecordingPolicy`). Training, validation
   and test lives come from separate named streams.

3. **Coverage.** Only stations carrying ``monitored_downtime_share`` of the breakdown
   downtime (machines x mean repair time / MTBF, largest first) get sensors and a model
   (:func:`monitored_stations`); adopters instrument their critical machines first.

4. **Features and model.** Per reading (:func:`history_features`): the reading, a fast and a
   slow exponentially weighted moving average, the least-squares slope of the last
   ``SLOPE_WINDOW`` readings (wear per nominal life), and the operating age over the nominal
   life. Label: a breakdown within the station's horizon (:func:`horizon_h`:
   ``lead_horizon_h`` kept within 0.1-0.25 of the MTBF, since warning times scale with how
   fast machines wear). One scikit-learn ``LogisticRegression`` (with a ``StandardScaler``)
   per monitored station. The deployed policy folds scaler and coefficients into one linear
   score computed in plain Python from per-machine running state (the model's decision
   function up to rounding), about a microsecond per reading.

5. **Threshold** (on validation lives). Each life ends either in the first reading whose
   score passes the threshold (an alarm: planned repair after ``age`` operating hours) or in
   its breakdown. The threshold maximises the renewal-reward availability
   ``sum(operating) / sum(operating + repair)`` over the validation lives; "never alarm" is a
   candidate, so the policy is never expected to do worse than running to failure. This is
   cost-sensitive thresholding, not a precision target or F1: a precision target ignores
   what an early alarm costs (the lost remaining life) and what a caught failure saves, and
   an early ("false") alarm still prevents the breakdown that would have followed.

6. **Quality** (test lives from separate streams, every life run until its first alarm or
   its breakdown, as deployed). An alarm is *true* if a breakdown would have come within the
   horizon. ``precision`` = true alarms / alarms; ``recall`` = true alarms / (true alarms +
   breakdowns), over all degrading stations (monitored or not, sudden failures included);
   ``lead_time_h`` = median remaining life at true alarms; ``false_alarms_per_1000h`` per
   1,000 machine operating hours of the monitored stations; ``f1``; ``auc``, the
   threshold-free ROC AUC of the per-reading score. Stations are pooled by their event
   rates at full load. :func:`in_loop_quality` measures the same inside the engine with its
   ground truth (:meth:`Policy.observe`, never used for decisions); tests check that the
   two agree.
"""

from __future__ import annotations

import functools
import json
import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import brentq
from scipy.signal import lfilter
from scipy.special import ndtri
from scipy.stats import rankdata
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from twin.ai.lever import AppliedLever
from twin.ai.threads import single_thread
from twin.config.distributions import Constant, Empirical
from twin.config.factory import FactorySpec, Station
from twin.config.lever import Level, LeverSpec
from twin.core.policy import Policy
from twin.core.streams import stream
from twin.des.engine import simulate
from twin.des.sampling import batch_drawer

__all__ = [
    "FEATURES",
    "GRADUAL_CV",
    "SHOCK",
    "Budget",
    "FeatureParams",
    "Lives",
    "PdmModel",
    "PdmPolicy",
    "RecordingPolicy",
    "StationModel",
    "apply",
    "degradation_form",
    "expected_life_h",
    "history_features",
    "horizon_h",
    "in_loop_quality",
    "monitored_stations",
    "nominal_life_h",
    "station_lives",
    "sudden_share",
    "train",
    "wear_increments",
]

NAME = "predictive_maintenance"
SHOCK = 1000.0
"""Wear increment of a sudden failure: crosses 1 within the first 1/1000 of its hour."""
GRADUAL_CV = 3.0
"""Coefficient of variation of the gradual hourly wear increments."""
MIN_GRADUAL_VALUES = 64
"""Fewest equiprobable quantiles that represent the gradual increments."""
FEATURES = ("reading", "ewma_fast", "ewma_slow", "slope", "age")
SLOPE_WINDOW = 16
"""Readings in the least-squares slope."""
TAU_FAST = 0.01
TAU_SLOW = 0.05
"""Time constants of the moving averages, as shares of the nominal life."""
HORIZON_MIN = 0.1
HORIZON_CAP = 0.25
"""The warning horizon is kept within these shares of the station's MTBF."""

_Z = np.linspace(-6.0, 6.0, 241)
_WZ = np.exp(-0.5 * _Z**2)
_WZ /= _WZ.sum()


# -- 1. the degradation form -----------------------------------------------------------------
def _unit_quantiles(cv: float, k: int) -> np.ndarray:
    """``k`` equiprobable quantiles of a lognormal with mean 1 and ``cv``, rescaled to mean 1."""
    s2 = math.log1p(cv * cv)
    q = np.exp(-s2 / 2 + math.sqrt(s2) * ndtri((np.arange(k) + 0.5) / k))
    return q / q.mean()


def _life_moments(mu: float, var: float, p: float) -> tuple[float, float]:
    """Mean life and sudden share for gradual increments (mean ``mu``, variance ``var``) and
    shock probability ``p`` per hour."""
    tau = np.maximum(1.0 / mu + var / mu**2 / 2 + math.sqrt(var / mu**3) * _Z, 1e-9)
    if p <= 0:
        return float(_WZ @ tau), 0.0
    q = 1.0 - p
    n = np.floor(tau)
    # E[min(tau, G)] with G = (shock hour - 1): P(G >= t) = q ** ceil(t).
    h = q * (1.0 - q**n) / p + (tau - n) * q ** (n + 1)
    return float(_WZ @ h), float(_WZ @ (1.0 - q ** np.ceil(tau)))


def _split(values: np.ndarray) -> tuple[np.ndarray, float]:
    gradual = values[values < 1.0]
    return gradual, 1.0 - gradual.size / values.size


def expected_life_h(wear: Empirical) -> float:
    """Mean operating hours to breakdown of a wear distribution built by :func:`wear_increments`.

    Parameters
    ----------
    wear
        Hourly wear increments: values below 1 are gradual wear, values of 1 or more are
        sudden failures.

    Returns
    -------
    float
        The mean life (renewal-theory normal approximation of the gradual first passage,
        combined exactly with the geometric time to the first shock).
    """
    gradual, p = _split(np.asarray(wear.values, dtype=float))
    return _life_moments(float(gradual.mean()), float(gradual.var()), p)[0]


def sudden_share(wear: Empirical) -> float:
    """Expected share of breakdowns that are sudden (a shock before the gradual wear-out)."""
    gradual, p = _split(np.asarray(wear.values, dtype=float))
    return _life_moments(float(gradual.mean()), float(gradual.var()), p)[1]


def _gradual_mean(mtbf_h: float, var_unit: float, p: float) -> float:
    def gap(w: float) -> float:  # w = 1 / g, the gradual life in hours
        return _life_moments(1.0 / w, var_unit / w**2, p)[0] - mtbf_h

    return 1.0 / brentq(gap, 1e-6 * mtbf_h, 1e7 * mtbf_h, xtol=1e-12 * mtbf_h)


@functools.lru_cache(maxsize=256)
def wear_increments(mtbf_h: float, sudden: float, cv: float = GRADUAL_CV) -> Empirical:
    """Hourly wear increments whose first passage to 1 has mean ``mtbf_h``.

    Parameters
    ----------
    mtbf_h
        Mean operating hours between breakdowns to reproduce.
    sudden
        Share of breakdowns that come as sudden shocks (no precursor), in ``[0, 1)``.
    cv
        Coefficient of variation of the gradual increments.

    Returns
    -------
    Empirical
        ``K`` gradual quantile values and ``n`` shock values (``SHOCK``): a shock comes with
        probability ``n / (n + K)`` per operating hour.
    """
    if not 0 <= sudden < 1:
        raise ValueError("sudden_failure_share must lie in [0, 1)")
    if mtbf_h <= 1:
        raise ValueError("degradation form needs a mean MTBF above 1 operating hour")
    var1 = float(_unit_quantiles(cv, MIN_GRADUAL_VALUES).var())
    n_shock, k = 0, MIN_GRADUAL_VALUES
    if sudden > 0:
        p_max = 1.0 / (mtbf_h + 1.0)  # E[shock time] must exceed the mean life

        def share_gap(p: float) -> float:
            g = _gradual_mean(mtbf_h, var1, p)
            return _life_moments(g, var1 * g * g, p)[1] - sudden

        p = brentq(share_gap, 1e-12, p_max * (1 - 1e-9), xtol=1e-15)
        n_shock = max(1, math.ceil(MIN_GRADUAL_VALUES * p / (1 - p)))
        k = max(MIN_GRADUAL_VALUES, round(n_shock * (1 - p) / p))
    unit = _unit_quantiles(cv, k)
    p_exact = n_shock / (n_shock + k)
    g = _gradual_mean(mtbf_h, float(unit.var()), p_exact)
    values = [float(v) for v in g * unit] + [SHOCK] * n_shock
    return Empirical(dist="empirical", values=values)


def degradation_form(
    spec: FactorySpec,
    sensor_sd: float,
    *,
    planned_repair_ratio: float = 0.45,
    sudden_failure_share: float = 0.4,
) -> FactorySpec:
    """The factory with every ``failure`` rewritten as an equivalent wear-driven ``degradation``.

    Parameters
    ----------
    spec
        The factory.
    sensor_sd
        Noise (standard deviation, in wear units) of the condition reading after each job.
    planned_repair_ratio
        Planned repair time over the mean breakdown repair time.
    sudden_failure_share
        Share of breakdowns with no precursor in the readings.

    Returns
    -------
    FactorySpec
        The same factory; stations with ``failure`` get a ``degradation`` whose mean life is
        the mean MTBF, whose repair time is the original ``mttr_h`` and whose planned repair
        takes ``planned_repair_ratio`` times its mean. Stations that already degrade keep
        their wear and get the new ``sensor_sd``. Use it for the baseline and the PdM run.
    """
    if sensor_sd < 0 or planned_repair_ratio <= 0:
        raise ValueError("sensor_sd must be >= 0 and planned_repair_ratio > 0")
    data = spec.model_dump()
    for i, st in enumerate(spec.stations):
        if st.failure is not None:
            mttr = st.failure.mttr_h
            deg = {
                "wear_per_h": wear_increments(
                    float(st.failure.mtbf_h.mean_value), float(sudden_failure_share)
                ).model_dump(),
                "sensor_sd": float(sensor_sd),
                "mttr_h": mttr.model_dump(),
                "planned_h": Constant(
                    dist="constant", value=planned_repair_ratio * mttr.mean_value
                ).model_dump(),
            }
            data["stations"][i]["failure"] = None
            data["stations"][i]["degradation"] = deg
        elif st.degradation is not None:
            data["stations"][i]["degradation"]["sensor_sd"] = float(sensor_sd)
    return FactorySpec.model_validate(data)


def nominal_life_h(station: Station) -> float:
    """Mean operating hours to breakdown of a degrading station (its MTBF)."""
    wear = station.degradation.wear_per_h
    if isinstance(wear, Empirical) and max(wear.values) >= 1.0 and min(wear.values) < 1.0:
        return expected_life_h(wear)
    mean = wear.mean_value
    cv2 = 0.0
    if isinstance(wear, Empirical):
        cv2 = float(np.var(wear.values)) / mean**2
    return 1.0 / mean + cv2 / 2


# -- 2. training data: lives of one station ---------------------------------------------------
@dataclass(frozen=True)
class Lives:
    """Readings of consecutive run-to-failure lives of one machine (operating hours)."""

    age_h: np.ndarray
    reading: np.ndarray
    remaining_h: np.ndarray
    starts: np.ndarray
    """Index of each life's first reading (the lives' readings are contiguous; a life that
    ends before its first job does has no readings: its start is the next life's)."""
    life_h: np.ndarray
    """Length of each life."""


def _job_hours(spec: FactorySpec, station: Station, rng: np.random.Generator, n: int):
    """Process times (h) of ``n`` consecutive jobs at ``station``, with the product mix in lots."""
    pt = station.process_time_min
    if not isinstance(pt, dict):
        return batch_drawer(pt, rng, 1 / 60)(n)
    products = spec.source.products or []
    shares = np.array([p.share for p in products])
    lots = -(-n // spec.source.lot_size)
    prod = np.repeat(
        rng.choice(len(products), size=lots, p=shares / shares.sum()), spec.source.lot_size
    )
    prod = prod[:n]
    out = np.empty(n)
    for j, p in enumerate(products):
        mask = prod == j
        out[mask] = batch_drawer(pt[p.name], rng, 1 / 60)(int(mask.sum()))
    return out


def _one_life(draw, chunk: int) -> tuple[float, np.ndarray]:
    """Length (h) and wear path (wear at each whole hour) of one life, as the engine draws it.

    Hour by hour, wear grows by the hour's increment (none if it is not positive) until it
    reaches 1; vectorised per chunk of ``chunk`` hours (the rest of the last chunk is not
    used), with the same sequential sums as adding the increments one by one.
    """
    parts = [np.zeros(1)]
    wear = 0.0
    done = 0  # whole hours of earlier chunks
    while True:
        inc = draw(chunk)
        path = np.maximum(inc, 0.0)
        path[0] += wear
        np.cumsum(path, out=path)  # wear after each hour of the chunk
        i = int(np.argmax(path >= 1.0))
        if path[i] >= 1.0:
            parts.append(path[: i + 1])
            before = float(path[i - 1]) if i else wear
            hours = done + i + (1.0 - before) / float(inc[i])
            return hours, np.concatenate(parts)
        parts.append(path)
        wear = float(path[-1])
        done += inc.size


def station_lives(
    spec: FactorySpec, station: Station, n_lives: int, rng: np.random.Generator
) -> Lives:
    """Run one machine of ``station`` to failure ``n_lives`` times, reading after every job.

    A replica of the engine's degradation mechanism: each life's wear path is drawn hour by
    hour until it crosses 1; jobs run back to back (operating time only: idle, setups and
    repairs do not age the machine); after each job the reading is the wear, linear within
    the hour, plus normal noise of ``sensor_sd``; a job cut by a breakdown finishes in the
    next life.

    Parameters
    ----------
    spec, station
        The factory (for the product mix) and a station with ``degradation``.
    n_lives
        Number of consecutive lives.
    rng
        The stream to draw from.

    Returns
    -------
    Lives
        Every reading's operating age, value and remaining life, and each life's length.
    """
    deg = station.degradation
    draw = batch_drawer(deg.wear_per_h, rng)
    chunk = max(16, min(4096, int(nominal_life_h(station) * 1.5)))
    lengths, paths = zip(*(_one_life(draw, chunk) for _ in range(n_lives)), strict=True)
    life_h = np.asarray(lengths)
    bounds = np.concatenate([[0.0], np.cumsum(life_h)])
    total = bounds[-1]
    mean_job = max(station.mean_process_time() / 60, 1e-9)
    jobs: list[np.ndarray] = []
    t = 0.0
    while t < total:
        block = _job_hours(spec, station, rng, int((total - t) / mean_job * 1.1) + 64)
        jobs.append(block)
        t += float(block.sum())
    ends = np.cumsum(np.concatenate(jobs))
    ends = ends[ends < total]
    life = np.searchsorted(bounds, ends, side="right") - 1
    age = ends - bounds[life]
    remaining = bounds[life + 1] - ends
    wear = np.empty_like(age)
    starts = np.searchsorted(life, np.arange(n_lives))
    stops = np.append(starts[1:], life.size)
    for j in range(n_lives):
        a, b = starts[j], stops[j]
        wear[a:b] = np.interp(age[a:b], np.arange(paths[j].size), paths[j])
    noise = rng.normal(0.0, deg.sensor_sd, age.size) if deg.sensor_sd > 0 else 0.0
    return Lives(
        age_h=age, reading=wear + noise, remaining_h=remaining, starts=starts, life_h=life_h
    )


# -- 3. features ------------------------------------------------------------------------------
@dataclass(frozen=True)
class FeatureParams:
    """Per-station constants of the features: 1 / nominal life (h), moving-average weights."""

    inv_life: float
    alpha_fast: float
    alpha_slow: float

    @classmethod
    def of(cls, station: Station) -> FeatureParams:
        """The constants of a degrading station (weights per mean job, time constants
        ``TAU_FAST`` and ``TAU_SLOW`` of its nominal life)."""
        life = nominal_life_h(station)
        dt = station.mean_process_time() / 60
        return cls(
            inv_life=1.0 / life,
            alpha_fast=1.0 - math.exp(-dt / (TAU_FAST * life)),
            alpha_slow=1.0 - math.exp(-dt / (TAU_SLOW * life)),
        )


def history_features(
    age_h: np.ndarray, reading: np.ndarray, starts: np.ndarray, params: FeatureParams
) -> np.ndarray:
    """The feature matrix (``FEATURES``) of every reading, from the readings of its life so far.

    The same quantities the deployed policy keeps per machine, computed for whole histories:
    the reading, moving averages (fast and slow, restarted at each life), the least-squares
    slope of wear over age (in nominal lives) across the last ``SLOPE_WINDOW`` readings
    (0 for a life's first reading) and the age in nominal lives.

    Parameters
    ----------
    age_h, reading
        Operating age and value of every reading, lives one after another.
    starts
        Index of each life's first reading.
    params
        The station's :class:`FeatureParams`.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(age_h), len(FEATURES))``.
    """
    n = age_h.size
    x = age_h * params.inv_life
    out = np.empty((n, len(FEATURES)))
    out[:, 0] = reading
    out[:, 4] = x
    if n == 0:
        return out
    # Lives as the rows of a padded matrix: every running quantity restarts at a row's start
    # and runs along the row, as it would life by life.
    lengths = np.diff(np.append(starts, n))
    inside = np.arange(int(lengths.max())) < lengths[:, None]

    def rows(v: np.ndarray) -> np.ndarray:
        m = np.zeros(inside.shape)
        m[inside] = v
        return m

    r = rows(reading)
    for c, alpha in ((1, params.alpha_fast), (2, params.alpha_slow)):
        ewma = lfilter([alpha], [1.0, alpha - 1.0], r, axis=1, zi=(1 - alpha) * r[:, :1])[0]
        out[:, c] = ewma[inside]
    xs = rows(x)
    k = SLOPE_WINDOW
    # Sums over the last k readings (fewer at a life's start), by cumulative sums per life.
    sums = []
    for v in (xs, r, xs * xs, xs * r):
        cum = np.cumsum(v, axis=1)
        win = cum.copy()
        win[:, k:] -= cum[:, :-k]
        sums.append(win)
    sx, sy, sxx, sxy = sums
    cnt = np.minimum(np.arange(1, inside.shape[1] + 1), k)
    den = cnt * sxx - sx * sx
    num = cnt * sxy - sx * sy
    ok = (cnt > 1) & (den > 1e-12 * np.maximum(cnt * sxx, 1e-300))
    out[:, 3] = np.where(ok, num / np.where(ok, den, 1.0), 0.0)[inside]
    return out


# -- 4. model, threshold, policy ------------------------------------------------------------
@dataclass(frozen=True)
class StationModel:
    """One station's fitted classifier, folded into a linear score, and its alarm threshold."""

    station: str
    weights: tuple[float, ...]
    intercept: float
    threshold: float
    """Alarm when the score reaches this (``inf``: never alarm)."""
    params: FeatureParams
    horizon_h: float
    validation: Mapping[str, float] = field(default_factory=dict)

    def score(self, features: np.ndarray) -> np.ndarray:
        """Linear score (log-odds of a breakdown within the horizon) of feature rows."""
        return features @ np.asarray(self.weights) + self.intercept


class PdmPolicy(Policy):
    """Alarms from each machine's readings, scored by its station's model.

    Per station and machine it keeps the readings' running state (moving averages, the slope
    window) and nothing else: decisions use only what :meth:`on_sensor` receives. A new life
    (a repair) is recognised by the operating age falling; :meth:`reset` clears all state
    (call it between runs: the engine has no run-start hook).
    """

    def __init__(self, models: Mapping[str, StationModel]) -> None:
        self.models = dict(models)
        self._const = {
            name: (
                m.params.inv_life,
                m.params.alpha_fast,
                m.params.alpha_slow,
                *m.weights,
                m.intercept,
                m.threshold,
            )
            for name, m in self.models.items()
        }
        self._state: dict[str, dict[int, list]] = {}
        self.reset()

    def reset(self) -> None:
        """Forget every machine's readings."""
        self._state = {name: {} for name in self.models}

    def start_run(self, seed: int, replication: int) -> None:
        """A new replication: start every machine's history afresh."""
        self.reset()

    def update(
        self, station: str, machine: int, age_h: float, reading: float
    ) -> tuple[float, float, float, float, float] | None:
        """Add a reading to the machine's history; its features (``FEATURES``) after it.

        ``None`` for a station without a model.
        """
        c = self._const.get(station)
        if c is None:
            return None
        machines = self._state[station]
        s = machines.get(machine)
        x = age_h * c[0]
        if s is None or age_h <= s[0]:
            # A new life: [age, ewma_fast, ewma_slow, window, sx, sy, sxx, sxy]
            s = [age_h, reading, reading, deque(((x, reading),)), x, reading, x * x, x * reading]
            machines[machine] = s
            return reading, reading, reading, 0.0, x
        s[0] = age_h
        ef = s[1] = s[1] + c[1] * (reading - s[1])
        es = s[2] = s[2] + c[2] * (reading - s[2])
        win = s[3]
        if len(win) == SLOPE_WINDOW:
            ox, oy = win.popleft()
            s[4] -= ox
            s[5] -= oy
            s[6] -= ox * ox
            s[7] -= ox * oy
        win.append((x, reading))
        sx = s[4] = s[4] + x
        sy = s[5] = s[5] + reading
        sxx = s[6] = s[6] + x * x
        sxy = s[7] = s[7] + x * reading
        n = len(win)
        den = n * sxx - sx * sx
        slope = (n * sxy - sx * sy) / den if den > 1e-12 * n * sxx else 0.0
        return reading, ef, es, slope, x

    def on_sensor(self, station: str, machine: int, age_h: float, reading: float) -> bool:
        """Alarm when the station model's score of this machine's history passes its threshold."""
        f = self.update(station, machine, age_h, reading)
        if f is None:
            return False
        _, _, _, w0, w1, w2, w3, w4, b, thr = self._const[station]
        return w0 * f[0] + w1 * f[1] + w2 * f[2] + w3 * f[3] + w4 * f[4] + b >= thr

    def __repr__(self) -> str:
        return f"PdmPolicy({sorted(self.models)})"


class RecordingPolicy(Policy):
    """Never alarms; records ``(station, machine, age_h, reading, remaining_h)`` per reading."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, int, float, float, float]] = []

    def observe(
        self, station: str, machine: int, age_h: float, reading: float, remaining_h: float
    ) -> None:
        """Store the reading and its ground truth."""
        self.rows.append((station, machine, age_h, reading, remaining_h))


class _ScoredPolicy(PdmPolicy):
    """The deployed policy, scoring its own alarms against the engine's ground truth.

    Counts over the whole run, warm-up included: true and false alarms, and breakdowns (a
    machine's life that ends, seen by its operating age falling, without an alarm).
    """

    def __init__(self, models: Mapping[str, StationModel]) -> None:
        super().__init__(models)
        self._remaining = math.inf
        self._life: dict[tuple[str, int], list] = {}  # [last age, ended by an alarm]
        self._ended_h = 0.0  # operating hours of finished lives on monitored stations
        self.true_alarms: list[float] = []
        self.false_alarms = 0
        self.breakdowns = 0

    @property
    def monitored_hours(self) -> float:
        """Operating hours seen on monitored stations (up to each machine's last reading)."""
        open_h = sum(v[0] for (st, _), v in self._life.items() if st in self.models)
        return self._ended_h + open_h

    def observe(self, station, machine, age_h, reading, remaining_h) -> None:
        self._remaining = remaining_h
        life = self._life.get((station, machine))
        if life is None:
            self._life[station, machine] = [age_h, False]
        else:
            if age_h <= life[0]:  # a new life
                if not life[1]:
                    self.breakdowns += 1
                if station in self.models:
                    self._ended_h += life[0]
                life[1] = False
            life[0] = age_h

    def on_sensor(self, station, machine, age_h, reading) -> bool:
        alarm = super().on_sensor(station, machine, age_h, reading)
        if alarm:
            self._life[station, machine][1] = True
            if self._remaining <= self.models[station].horizon_h:
                self.true_alarms.append(self._remaining)
            else:
                self.false_alarms += 1
        return alarm


def _first_alarms(scores: np.ndarray, starts: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Index of each life's first reading scoring at least each threshold (-1: none).

    Shape ``(len(thresholds), lives)``.
    """
    n = scores.size
    stops = np.append(starts[1:], n)
    out = np.full((thresholds.size, starts.size), -1, dtype=np.int64)
    for j, (a, b) in enumerate(zip(starts.tolist(), stops.tolist(), strict=True)):
        top = np.maximum.accumulate(scores[a:b])
        pos = np.searchsorted(top, thresholds, side="left")
        hit = pos < b - a
        out[hit, j] = a + pos[hit]
    return out


def _outcomes(lives: Lives, first: np.ndarray, horizon_h: float, mttr_h: float, planned_h: float):
    """Per threshold row of ``first`` and life: operating hours, repair hours, and whether the
    life ends in a true alarm, a false alarm or a breakdown."""
    alarmed = first >= 0
    idx = np.where(alarmed, first, 0)
    op = np.where(alarmed, lives.age_h[idx], lives.life_h)
    down = np.where(alarmed, planned_h, mttr_h)
    true = alarmed & (lives.remaining_h[idx] <= horizon_h)
    return op, down, true, alarmed & ~true, ~alarmed


def horizon_h(station: Station, lead_horizon_h: float) -> float:
    """The station's warning horizon: ``lead_horizon_h`` kept within 0.1-0.25 of its MTBF."""
    life = nominal_life_h(station)
    return min(max(lead_horizon_h, HORIZON_MIN * life), HORIZON_CAP * life)


def _n_lives(station: Station, budget: Budget) -> int:
    per_life = max(1.0, nominal_life_h(station) * 60 / max(station.mean_process_time(), 1e-9))
    return int(np.clip(budget.readings / per_life, budget.min_lives, budget.max_lives))


def _lives(spec: FactorySpec, station: Station, split: str, seed: int, budget: Budget) -> Lives:
    rng = stream(seed, "lever", NAME, split, station.name)
    return station_lives(spec, station, _n_lives(station, budget), rng)


def _fit_station(
    spec: FactorySpec, station: Station, horizon: float, budget: Budget, seed: int
) -> StationModel:
    """Fit one station's classifier on training lives and pick its threshold on validation."""
    params = FeatureParams.of(station)
    train_l = _lives(spec, station, "train", seed, budget)
    x = history_features(train_l.age_h, train_l.reading, train_l.starts, params)
    y = train_l.remaining_h <= horizon
    rng = stream(seed, "lever", NAME, "subsample", station.name)
    if y.size > budget.fit_rows:  # thin to at most fit_rows, positives first (they are rare)
        pos, neg = np.flatnonzero(y), np.flatnonzero(~y)
        n_pos = min(pos.size, budget.fit_rows // 2)
        n_neg = min(neg.size, budget.fit_rows - n_pos)
        rows = np.sort(
            np.concatenate(
                [rng.choice(pos, size=n_pos, replace=False), rng.choice(neg, n_neg, replace=False)]
            )
        )
        x, y = x[rows], y[rows]
    if y.all() or not y.any():
        return StationModel(station.name, (0.0,) * len(FEATURES), 0.0, math.inf, params, horizon)
    rs = int(stream(seed, "lever", NAME, "model", station.name).integers(0, 2**31 - 1))
    pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, random_state=rs))
    pipe.fit(x, y)
    scaler, clf = pipe[0], pipe[1]
    w = clf.coef_[0] / scaler.scale_
    b = float(clf.intercept_[0] - w @ scaler.mean_)

    val = _lives(spec, station, "validation", seed, budget)
    s = history_features(val.age_h, val.reading, val.starts, params) @ w + b
    top = np.quantile(s, 1.0 - np.geomspace(1e-6, 0.5, 400))
    thresholds = np.unique(np.concatenate([top, [np.inf]]))
    first = _first_alarms(s, val.starts, thresholds)
    mttr = station.degradation.mttr_h.mean_value
    planned = station.degradation.planned_h.mean_value
    op, down, _, _, _ = _outcomes(val, first, horizon, mttr, planned)
    avail = op.sum(axis=1) / (op.sum(axis=1) + down.sum(axis=1))
    best = int(np.flatnonzero(avail >= avail.max() - 1e-12)[-1])  # ties: the fewest alarms
    validation = {
        "availability": float(avail[best]),
        "availability_run_to_failure": float(avail[-1]),
    }
    return StationModel(
        station.name, tuple(float(v) for v in w), b, float(thresholds[best]), params, horizon,
        validation,
    )  # fmt: skip


@dataclass(frozen=True)
class Budget:
    """How much data the lever generates (smaller budgets for tests)."""

    readings: int = 150_000
    """Target readings per station and split (sets the number of lives)."""
    min_lives: int = 60
    max_lives: int = 600
    fit_rows: int = 60_000
    """Most rows one logistic regression is fitted on (negatives thinned)."""
    auc_rows: int = 200_000
    """Most test readings per station the AUC is computed on."""


@dataclass(frozen=True)
class PdmModel:
    """The trained lever: station models and their measured quality."""

    models: Mapping[str, StationModel]
    quality: Mapping[str, float]

    def policy(self) -> PdmPolicy:
        """A fresh deployed policy (no reading history)."""
        return PdmPolicy(self.models)


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    if values.size == 0:
        return float("nan")
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, 0.5 * cum[-1])])


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC of ``score`` for the labels ``y`` (both classes present; ties count half).

    The Mann-Whitney form, by ranks: the probability that a positive scores above a negative.
    """
    pos = int(y.sum())
    neg = y.size - pos
    ranks = rankdata(score)  # ties get their mean rank
    return float((ranks[y].sum() - pos * (pos + 1) / 2) / (pos * neg))


def _rates(true: float, false: float, fail: float) -> dict[str, float]:
    precision = true / (true + false) if true + false > 0 else float("nan")
    recall = true / (true + fail) if true + fail > 0 else float("nan")
    f1 = 2 * true / (2 * true + false + fail) if true + false + fail > 0 else float("nan")
    return {"precision": precision, "recall": recall, "f1": f1}


def _test_quality(
    form: FactorySpec, models: Mapping[str, StationModel], seed: int, budget: Budget
) -> dict[str, float]:
    """Quality of the deployed decisions on test lives, pooled over the factory's stations.

    Each station's counts become rates per operating hour of the factory at full load (every
    machine working): a monitored station's true alarms, false alarms and breakdowns per
    operating hour of its test lives, an unmonitored station's breakdowns at 1 / MTBF, each
    times the station's machines.
    """
    true = false = fail = monitored_machines = 0.0
    leads: list[np.ndarray] = []
    lead_w: list[np.ndarray] = []
    aucs: list[tuple[float, float]] = []
    for st in form.stations:
        if st.degradation is None:
            continue
        if st.name not in models:
            fail += st.machines / nominal_life_h(st)
            continue
        m = models[st.name]
        lives = _lives(form, st, "test", seed, budget)
        scores = m.score(history_features(lives.age_h, lives.reading, lives.starts, m.params))
        first = _first_alarms(scores, lives.starts, np.array([m.threshold]))
        op, _, t, f, b = _outcomes(lives, first, m.horizon_h, 0.0, 0.0)
        k = st.machines / float(op.sum())
        true += k * float(t.sum())
        false += k * float(f.sum())
        fail += k * float(b.sum())
        monitored_machines += st.machines
        leads.append(lives.remaining_h[first[0][t[0]]])
        lead_w.append(np.full(int(t.sum()), k))
        y = lives.remaining_h <= m.horizon_h
        if 0 < y.sum() < y.size:
            rows = np.arange(y.size)
            if y.size > budget.auc_rows:
                rng = stream(seed, "lever", NAME, "auc", st.name)
                rows = np.sort(rng.choice(y.size, budget.auc_rows, replace=False))
            aucs.append((_auc(y[rows], scores[rows]), st.machines / nominal_life_h(st)))
    out = _rates(true, false, fail)
    out["lead_time_h"] = _weighted_median(
        np.concatenate(leads) if leads else np.empty(0),
        np.concatenate(lead_w) if lead_w else np.empty(0),
    )
    out["false_alarms_per_1000h"] = (
        1000 * false / monitored_machines if monitored_machines else float("nan")
    )
    out["auc"] = (
        float(np.average([a for a, _ in aucs], weights=[w for _, w in aucs]))
        if aucs
        else float("nan")
    )
    return out


def in_loop_quality(
    form: FactorySpec,
    models: Mapping[str, StationModel],
    *,
    seed: int,
    days: float,
    replications: int = 1,
    warmup_days: float = 0.0,
) -> dict[str, float]:
    """Quality of the deployed policy inside the engine, scored by the engine's ground truth.

    Parameters
    ----------
    form
        The factory in degradation form.
    models
        Station models (:attr:`PdmModel.models`).
    seed, days, replications, warmup_days
        The runs (root seed, measured days, replications 0..n-1, warm-up).

    Returns
    -------
    dict
        ``precision``, ``recall``, ``f1``, ``lead_time_h`` (median), ``alarms`` and
        ``breakdowns`` (counted by the policy over whole runs, warm-up included; a breakdown
        in the last, unfinished life of a machine is not seen), ``false_alarms_per_1000h``
        (per operating hour of the monitored stations, from the ages the policy saw),
        ``availability`` (measured window, machine-weighted over the degrading stations) and
        ``runs`` (the results).
    """
    true: list[float] = []
    false = fail = 0
    op_h = up = sched = 0.0
    runs = []
    for rep in range(replications):
        pol = _ScoredPolicy(models)
        r = simulate(
            form, days=days, warmup_days=warmup_days, seed=seed, replication=rep, policy=pol
        )
        runs.append(r)
        true += pol.true_alarms
        false += pol.false_alarms
        fail += pol.breakdowns
        op_h += pol.monitored_hours
        for st in form.stations:
            if st.degradation is None:
                continue
            t = r.stations[st.name]["state_min"]
            s = sum(t.values()) - t["off"]
            sched += s
            up += s - t["failed"] - t["maintenance"]
    out = _rates(len(true), false, fail)
    out["lead_time_h"] = float(np.median(true)) if true else float("nan")
    out["false_alarms_per_1000h"] = 1000 * false / op_h if op_h else float("nan")
    out["alarms"] = float(len(true) + false)
    out["breakdowns"] = float(fail)
    out["availability"] = up / sched if sched else float("nan")  # measured window only
    out["runs"] = runs
    return out


def monitored_stations(form: FactorySpec, share: float) -> tuple[tuple[str, ...], float]:
    """The degrading stations that carry ``share`` of the breakdown downtime, largest first.

    Parameters
    ----------
    form
        The factory in degradation form.
    share
        Target share of breakdown downtime at full load (machines x mean repair time / MTBF).

    Returns
    -------
    tuple
        The stations' names and the share they carry (at least ``share``, unless 0).
    """
    weight = {
        st.name: st.machines * st.degradation.mttr_h.mean_value / nominal_life_h(st)
        for st in form.stations
        if st.degradation is not None
    }
    total = sum(weight.values())
    chosen: list[str] = []
    acc = 0.0
    for name in sorted(weight, key=lambda n: (-weight[n], n)):
        if acc >= share * total * (1 - 1e-12):
            break
        chosen.append(name)
        acc += weight[name]
    return tuple(chosen), (acc / total if total > 0 else 0.0)


def train(
    form: FactorySpec,
    *,
    lead_horizon_h: float,
    seed: int,
    monitored_downtime_share: float = 1.0,
    budget: Budget | None = None,
) -> PdmModel:
    """Train, threshold and test one model per monitored degrading station of ``form``.

    Parameters
    ----------
    form
        The factory in degradation form (:func:`degradation_form`).
    lead_horizon_h
        Warning horizon (operating hours, kept within 0.1-0.25 of each station's MTBF by
        :func:`horizon_h`): a reading is positive if a breakdown follows within it; an alarm
        is true on the same terms.
    seed
        The lever's seed; training, validation and test lives come from its named streams.
    monitored_downtime_share
        Coverage: see :func:`monitored_stations`.
    budget
        Data sizes (defaults: :class:`Budget`).

    Returns
    -------
    PdmModel
        Station models and their quality on test lives, pooled over the factory:
        ``precision``, ``recall`` (over all breakdowns, unmonitored stations included),
        ``f1``, ``lead_time_h``, ``false_alarms_per_1000h``, ``auc`` (per reading, breakdown
        within the horizon, threshold-free), ``monitored_downtime_share``.
    """
    budget = budget or Budget()
    names, covered = monitored_stations(form, monitored_downtime_share)
    with single_thread():
        models = {
            st.name: _fit_station(form, st, horizon_h(st, lead_horizon_h), budget, seed)
            for st in form.stations
            if st.name in names
        }
        quality = _test_quality(form, models, seed, budget)
    quality["monitored_downtime_share"] = covered
    return PdmModel(models, quality)


@functools.lru_cache(maxsize=32)
def _trained(
    form_json: str, lead_horizon_h: float, coverage: float, seed: int, budget: Budget
) -> PdmModel:
    return train(
        FactorySpec.model_validate(json.loads(form_json)),
        lead_horizon_h=lead_horizon_h,
        seed=seed,
        monitored_downtime_share=coverage,
        budget=budget,
    )


def apply(spec: FactorySpec, lever: LeverSpec, level: Level, seed: int) -> AppliedLever:
    """Apply predictive maintenance at ``level``.

    Parameters
    ----------
    spec
        The factory (``failure`` stations are converted to :func:`degradation_form`).
    lever
        ``data/levers/predictive_maintenance.yaml``: ``sensor_sd``, ``planned_repair_ratio``,
        ``sudden_failure_share`` (the same at every level, so that all levels share the
        baseline's failure histories), ``monitored_downtime_share``, ``lead_horizon_h``.
    level
        Effect level.
    seed
        The lever's seed (its training, validation and test streams).

    Returns
    -------
    AppliedLever
        The degradation form (run the baseline on it too), a fresh :class:`PdmPolicy` and the
        in-loop test quality: ``precision``, ``recall``, ``f1``, ``lead_time_h``,
        ``false_alarms_per_1000h``, ``monitored_downtime_share`` (plus ``alarms`` and
        ``breakdowns`` counted). Trained models are cached per (form, level parameters, seed).
    """
    form = degradation_form(
        spec,
        lever.value("sensor_sd", level),
        planned_repair_ratio=lever.value("planned_repair_ratio", level),
        sudden_failure_share=lever.value("sudden_failure_share", level),
    )
    form_json = json.dumps(form.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    model = _trained(
        form_json,
        lever.value("lead_horizon_h", level),
        lever.value("monitored_downtime_share", level),
        seed,
        Budget(),
    )
    return AppliedLever(name=NAME, spec=form, policy=model.policy(), quality=dict(model.quality))
