"""Sweeps and sensitivity analyses over scenario parameters (``twin sweep``, ``twin sensitivity``).

A *study* evaluates many variants ("points") of one base scenario. The archetypes are
simulated once (:func:`twin.scenario_run.prepare`); every point is then a projection only
(:func:`twin.scenario_run.project_scenario`, about half a second for the shipped complex), so
a study of hundreds of points costs little more than one scenario run. Each point's summary
(every KPI and year: mean and 95 % interval, the paired difference to the point's own
zero-adoption baseline and its interval) is stored under a key made of the point's canonical
scenario JSON, its effect positions, the run settings and the inputs' digest, so an
interrupted study resumes without recomputing finished points. Points run serially, on a
Dask ``LocalCluster`` or on an existing Dask cluster (:mod:`twin.execution`), with identical
results.

**Parameters** a study may vary (dotted paths, checked against the base scenario):

============================================  ===============================================
``adoption.ceiling_multiplier``               every lever's adoption ceilings (Bass ``ceiling``
                                              or ``shares``) times this, capped at 1; neutral 1
``levers.<lever>.ceiling_multiplier``         the same for one lever
``levers.<lever>.effect``                     effect position t in [-1, 1]: -1 the lever's
                                              ``low`` preset, 0 the scenario's level, +1
                                              ``high`` (linear in between; needs the lever run
                                              at its low and high presets too)
``demand_growth.shift``                       added to every sector's growth rate; neutral 0
``demand_growth.<sector>``                    that sector's annual growth rate
``grid_factor_t_per_mwh``                     grid emission factor, tCO2/MWh
``carbon_price_krw_per_t``                    K-ETS price (only ``carbon_cost_krw`` uses it)
``compute.gpus.<year>``                       data-cluster GPUs in that year (a listed year or
                                              a new one; linear between listed years)
============================================  ===============================================

An effect position moves everything the projection takes from a lever's preset: the simulated
change (placed between the ``low``, level and ``high`` runs on the same random numbers), the
ramp-up months and the edge compute power, so t = -1 reproduces the scenario with that lever
at ``low`` (for predictive maintenance, up to the wear model all runs share, which stays at
the scenario's level).

Besides the KPIs of :func:`twin.scenario_run.summary_table`, a study records
``carbon_cost_krw``: CO2 times the scenario's carbon price.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from twin import __version__
from twin.config.firmbase import SECTORS
from twin.config.lever import LeverSpec
from twin.config.loader import canonical_json, read_yaml, validate_model
from twin.config.scenario import LEVER_NAMES, Scenario, load_scenario, parse_scenario, scenario_hash
from twin.core.errors import InputError
from twin.core.streams import stream
from twin.execution import TaskStore, chunked, runner
from twin.io.paths import repo_root
from twin.projection import RunSettings
from twin.scenario_run import (
    Inputs,
    data_digest,
    effect_draws,
    git_commit,
    package_versions,
    prepare,
    project_scenario,
    summary_table,
    write_folder_atomic,
)

__all__ = [
    "KPIS",
    "Parameter",
    "Point",
    "SensitivityResult",
    "StudyResult",
    "SweepSpec",
    "Uncertain",
    "build_points",
    "default_uncertain",
    "design_values",
    "evaluate_points",
    "load_sweep",
    "parameter",
    "parameter_names",
    "run_study",
    "run_sweep",
    "sensitivity",
    "sweep_table",
    "write_sensitivity",
    "write_sweep",
]

#: KPIs a study records: those of :func:`twin.scenario_run.summary_table` and the carbon cost.
KPIS: tuple[str, ...] = (
    "output_krw",
    "value_added_krw",
    "employees",
    "electricity_mwh",
    "ai_compute_mwh",
    "co2_t",
    "peak_mw",
    "productivity_mkrw",
    "output_per_employee_mkrw",
    "carbon_cost_krw",
)
#: Bumped whenever what a stored point holds changes, so old entries are not served.
POINT_FORMAT = 1
STAT_COLUMNS = ("mean", "ci_low", "ci_high", "baseline", "diff", "diff_low", "diff_high")


# --- parameters ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """A scenario parameter a study can vary.

    Attributes
    ----------
    name
        Its dotted path, e.g. ``levers.vision_qc.effect``.
    low, high
        The values allowed (inclusive; ``low_open``: the low end excluded).
    neutral
        The value that leaves the base scenario as it is.
    lever
        For an effect position, the lever it moves (``None`` otherwise).
    """

    name: str
    low: float
    high: float
    neutral: float
    lever: str | None = None
    low_open: bool = False

    def check(self, value: float) -> str | None:
        """Why ``value`` is not allowed (``None`` if it is)."""
        if not math.isfinite(value):
            return f"{value} is not a finite number"
        below = value <= self.low if self.low_open else value < self.low
        if below or value > self.high:
            lo = f"above {self.low:g}" if self.low_open else f"from {self.low:g}"
            return f"{value:g} is outside the allowed range ({lo} to {self.high:g})"
        return None

    @property
    def is_effect(self) -> bool:
        """Whether the parameter is an effect position (needs the low and high runs)."""
        return self.lever is not None


def parameter_names(scenario: Scenario) -> list[str]:
    """Every parameter name a study of ``scenario`` may vary (for messages and the explorer)."""
    names = ["adoption.ceiling_multiplier"]
    for lever in scenario.levers.active():
        names += [f"levers.{lever}.ceiling_multiplier", f"levers.{lever}.effect"]
    names += ["demand_growth.shift", *(f"demand_growth.{s}" for s in SECTORS)]
    names += ["grid_factor_t_per_mwh", "carbon_price_krw_per_t"]
    if scenario.compute is not None:
        names.append(
            f"compute.gpus.<year {scenario.horizon.start_year}-{scenario.horizon.end_year}>"
        )
    return names


def parameter(name: str, scenario: Scenario) -> Parameter:
    """The parameter called ``name`` for ``scenario``.

    Raises
    ------
    ValueError
        With what is allowed, if ``name`` is unknown or does not apply to the scenario
        (a lever it does not adopt, a data cluster it does not have).
    """
    active = list(scenario.levers.active())
    parts = name.split(".")
    if name == "adoption.ceiling_multiplier":
        return Parameter(name, 0.0, 10.0, 1.0, low_open=True)
    if name == "demand_growth.shift":
        return Parameter(name, -0.5, 0.5, 0.0)
    if name == "grid_factor_t_per_mwh":
        return Parameter(name, 0.0, 2.0, scenario.grid_factor_t_per_mwh.value, low_open=True)
    if name == "carbon_price_krw_per_t":
        return Parameter(name, 0.0, 1e7, scenario.carbon_price_krw_per_t.value)
    if len(parts) == 2 and parts[0] == "demand_growth" and parts[1] in SECTORS:
        return Parameter(name, -0.5, 0.5, scenario.demand_growth.rate(parts[1]))
    if len(parts) == 3 and parts[0] == "levers" and parts[2] in ("effect", "ceiling_multiplier"):
        lever = parts[1]
        if lever not in LEVER_NAMES:
            raise ValueError(f"unknown lever {lever!r} (allowed: {', '.join(LEVER_NAMES)})")
        if lever not in active:
            raise ValueError(
                f"the scenario does not adopt {lever} (adopted: {', '.join(active) or 'none'})"
            )
        if parts[2] == "effect":
            return Parameter(name, -1.0, 1.0, 0.0, lever=lever)
        return Parameter(name, 0.0, 10.0, 1.0, low_open=True)
    if len(parts) == 3 and parts[:2] == ["compute", "gpus"]:
        if scenario.compute is None:
            raise ValueError("the scenario has no data cluster (compute)")
        lo, hi = scenario.horizon.start_year, scenario.horizon.end_year
        if not parts[2].isdigit() or not lo <= int(parts[2]) <= hi:
            raise ValueError(f"the year must be one of the horizon's, {lo} to {hi}")
        return Parameter(name, 0.0, 1e7, scenario.compute.gpus_at(int(parts[2])))
    raise ValueError(
        f"unknown parameter {name!r} (allowed: {', '.join(parameter_names(scenario))})"
    )


def _scale_curves(plan: dict[str, Any], m: float) -> None:
    for rule in plan.get("adoption", []):
        curve = rule["curve"]
        if curve.get("bass") is not None:
            curve["bass"]["ceiling"] = min(1.0, curve["bass"]["ceiling"] * m)
        if curve.get("shares") is not None:
            curve["shares"] = {y: min(1.0, s * m) for y, s in curve["shares"].items()}


def _apply(data: dict[str, Any], name: str, value: float) -> None:
    """Set parameter ``name`` to ``value`` in a scenario's dict (effects are not set here)."""
    parts = name.split(".")
    if name == "adoption.ceiling_multiplier":
        for plan in data["levers"].values():
            if plan is not None:
                _scale_curves(plan, value)
    elif parts[0] == "levers" and parts[2] == "ceiling_multiplier":
        _scale_curves(data["levers"][parts[1]], value)
    elif name == "demand_growth.shift":
        rates = data["demand_growth"]["rates"]
        for s in rates:
            rates[s] = rates[s] + value
    elif parts[0] == "demand_growth":
        data["demand_growth"]["rates"][parts[1]] = value
    elif name == "grid_factor_t_per_mwh":
        data["grid_factor_t_per_mwh"]["value"] = value
    elif name == "carbon_price_krw_per_t":
        data["carbon_price_krw_per_t"]["value"] = value
    elif parts[:2] == ["compute", "gpus"]:
        data["compute"]["gpus"]["values"][int(parts[2])] = value


def _order(name: str) -> int:
    """Application order: sector rates before the shift that moves them all."""
    return 1 if name == "demand_growth.shift" else 0


# --- points --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """One variant of the base scenario.

    Attributes
    ----------
    index
        Its number in the study (0, 1, ...).
    params
        Parameter name -> value, as the design gave them.
    scenario
        The base scenario with the non-effect parameters applied (validated).
    effects
        Lever -> effect position t in [-1, 1] (levers not named stay at the scenario level).
    key
        The store key: canonical scenario JSON, effects, settings and inputs' digest.
    """

    index: int
    params: dict[str, float]
    scenario: Scenario
    effects: dict[str, float]
    key: str


def _key(*parts: Any) -> str:
    blob = json.dumps([POINT_FORMAT, *parts], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def build_points(
    base: Scenario,
    designs: Sequence[dict[str, float]],
    settings: RunSettings,
    digest: str,
    source: str = "<study>",
    where: str = "design",
) -> list[Point]:
    """Turn parameter values into validated scenario variants with their store keys.

    Parameters
    ----------
    base
        The base scenario.
    designs
        Per point, parameter name -> value.
    settings
        The run settings (part of each key).
    digest
        The inputs' digest (:func:`twin.scenario_run.data_digest`; part of each key).
    source, where
        File and field named in errors.

    Raises
    ------
    InputError
        If a parameter is unknown, a value is out of its range, or a variant is not a valid
        scenario (e.g. a shifted growth rate beyond its bounds).
    """
    params = {n: _parameter_or_error(n, base, source, f"{where}.{n}") for d in designs for n in d}
    base_data = base.model_dump()
    points = []
    for i, values in enumerate(designs):
        data = _copy(base_data)
        effects: dict[str, float] = {}
        for name in sorted(values, key=_order):
            value = float(values[name])
            why = params[name].check(value)
            if why:
                raise InputError(source, f"{where}.{name}", why)
            if params[name].is_effect:
                effects[params[name].lever] = value
            else:
                _apply(data, name, value)
        try:
            scenario = parse_scenario(data, source)
        except InputError as exc:
            shown = ", ".join(f"{k}={v:g}" for k, v in values.items())
            raise InputError(
                source,
                where,
                f"point {i} ({shown}) gives an invalid scenario: {exc.field}: {exc.message}",
            ) from None
        key = _key(
            canonical_json(scenario),
            {k: effects[k] for k in sorted(effects)},
            asdict(settings),
            digest,
            __version__,
        )
        points.append(Point(i, {k: float(v) for k, v in values.items()}, scenario, effects, key))
    return points


def _copy(value: Any) -> Any:
    """A deep copy of plain dicts, lists and tuples (faster than ``copy.deepcopy``)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_copy(v) for v in value]
    return value


def _parameter_or_error(name: str, base: Scenario, source: str, where: str) -> Parameter:
    try:
        return parameter(name, base)
    except ValueError as exc:
        raise InputError(source, where, str(exc)) from None


# --- evaluating points ---------------------------------------------------------------------


def _at_position(spec: LeverSpec, level: str, t: float) -> LeverSpec:
    """The lever file with its ramp-up and edge power at effect position ``t`` in place of
    ``level`` (linear towards ``high`` for t > 0, towards ``low`` for t < 0)."""

    def move(p: Any) -> Any:
        v = p.at(level)
        other = p.high if t > 0 else p.low
        return p.model_copy(update={level: v + abs(t) * (other - v)})

    return spec.model_copy(
        update={
            "ramp_up_months": move(spec.ramp_up_months),
            "compute_kw_edge": move(spec.compute_kw_edge),
        }
    )


def evaluate_point(inputs: Inputs, settings: RunSettings, point: Point) -> pd.DataFrame:
    """Project one point and summarise it (every KPI and year, with the carbon cost).

    Returns
    -------
    pandas.DataFrame
        Columns ``year``, ``kpi`` and :data:`STAT_COLUMNS` (as
        :func:`twin.scenario_run.summary_table`), KPIs as in :data:`KPIS`.
    """
    names = list(inputs.levels)
    reps = settings.replications
    draws = effect_draws(point.scenario, names, reps, settings.seed)
    specs = dict(inputs.lever_specs)
    for lever, t in point.effects.items():
        draws[lever] = np.full(reps, t)
        if t != 0.0:
            specs[lever] = _at_position(specs[lever], inputs.levels[lever], t)
    if specs != inputs.lever_specs:
        inputs = replace(inputs, lever_specs=specs)
    result = project_scenario(point.scenario, inputs, settings, draws=draws or None)
    table = summary_table(result)
    price = point.scenario.carbon_price_krw_per_t.value
    carbon = table[table["kpi"] == "co2_t"].copy()
    carbon["kpi"] = "carbon_cost_krw"
    for col in STAT_COLUMNS:
        carbon[col] = carbon[col] * price
    table = pd.concat([table, carbon], ignore_index=True)
    return table.sort_values(["year", "kpi"], ignore_index=True)


def evaluate_points(
    shared: tuple[Inputs, RunSettings], points: Sequence[Point]
) -> list[tuple[int, pd.DataFrame]]:
    """Evaluate a chunk of points on shared inputs (a task: top-level, so that it pickles)."""
    inputs, settings = shared
    return [(p.index, evaluate_point(inputs, settings, p)) for p in points]


@dataclass(frozen=True)
class StudyResult:
    """The summaries of a study's points.

    Attributes
    ----------
    points
        The points, in order.
    summaries
        Point index -> its summary (:func:`evaluate_point`).
    computed, reused
        How many points were projected now and how many came from the store.
    seconds
        Wall-clock time of the study (preparation included).
    prepare_seconds, points_seconds
        Of which preparing the inputs (simulation, or loading stored runs), and projecting
        the points (from the first task sent to the last result stored).
    execution
        How the points ran (``serial``, ``dask LocalCluster, N workers`` or the scheduler).
    """

    points: list[Point]
    summaries: dict[int, pd.DataFrame]
    computed: int
    reused: int
    seconds: float
    execution: str
    prepare_seconds: float = 0.0
    points_seconds: float = 0.0


ProgressFn = Callable[[int, int, str], None]


def run_study(
    base: Scenario,
    points: Sequence[Point],
    settings: RunSettings,
    *,
    source: str = "<study>",
    use_cache: bool = True,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: ProgressFn | None = None,
    prepare_progress: Callable[[str], None] | None = None,
    store: TaskStore | None = None,
    inputs: Inputs | None = None,
) -> StudyResult:
    """Evaluate every point, serving finished ones from the store.

    Parameters
    ----------
    base
        The base scenario (its levers and levels decide which archetype runs are prepared).
    points
        From :func:`build_points` (same settings).
    settings
        Run settings.
    source
        The study's file, for error messages.
    use_cache
        Serve stored points and archetype runs; ``False`` recomputes both (and refreshes
        the store).
    workers
        ``None`` or 1: serial; more: a Dask ``LocalCluster`` of that many processes (one
        thread each). Also the processes that simulate missing archetype runs.
    scheduler
        Address of an existing Dask scheduler (instead of a local cluster).
    progress
        Called as ``progress(done, total, text)`` after each stored point (or chunk).
    prepare_progress
        Called with a short text as each archetype run finishes (see
        :func:`twin.scenario_run.prepare`).
    store
        Where finished points are kept (default: ``points`` under the run cache,
        ``GUMI_TWIN_CACHE`` or ``.cache/``).
    inputs
        Inputs already prepared for ``base`` and ``settings`` (with the low and high runs
        if the points move effects); default: :func:`twin.scenario_run.prepare`.
    """
    t0 = time.perf_counter()
    store = store or TaskStore(_cache_root() / "points")
    summaries: dict[int, pd.DataFrame] = {}
    if use_cache:
        for p in points:
            hit = store.get(p.key)
            if hit is not None:
                summaries[p.index] = hit
    todo = [p for p in points if p.index not in summaries]
    reused = len(summaries)
    total = len(points)
    if progress and reused:
        progress(reused, total, f"{reused} points from the store")
    execution = "serial" if todo else "all from the store"
    t_prepare = t_points = 0.0
    if todo:
        # The cluster starts first: forked workers then share this process's imports.
        with runner(workers, scheduler, warm=(__name__,)) as run:
            if run.workers > 1 or scheduler:
                execution = f"dask ({scheduler or 'LocalCluster'}, {run.workers} workers)"
            t1 = time.perf_counter()
            if inputs is None:
                inputs = prepare(
                    base,
                    settings,
                    source=source,
                    use_cache=use_cache,
                    progress=prepare_progress,
                    workers=workers,
                    with_ranges=any(p.effects for p in todo),
                )
            t2 = time.perf_counter()
            t_prepare = t2 - t1
            # Serial: one point per task (finest resume). Dask: about four tasks per worker,
            # so that shipping a task costs little next to its projections.
            size = 1 if run.workers == 1 else math.ceil(len(todo) / (4 * run.workers))
            by_index = {p.index: p for p in todo}
            for _i, done in run.map(evaluate_points, (inputs, settings), chunked(todo, size)):
                for index, summary in done:
                    store.put(by_index[index].key, summary)
                    summaries[index] = summary
                if progress:
                    progress(len(summaries), total, f"point {done[-1][0]}")
            t_points = time.perf_counter() - t2
    return StudyResult(
        list(points),
        summaries,
        len(todo),
        reused,
        time.perf_counter() - t0,
        execution,
        t_prepare,
        t_points,
    )


def _cache_root() -> Path:
    import os

    return Path(os.environ.get("GUMI_TWIN_CACHE", repo_root() / ".cache"))


# --- sweep files ---------------------------------------------------------------------------


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Finite = Annotated[float, Field(allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]
Values = Annotated[list[Finite], Field(min_length=1)]


class SweepSettings(_M):
    """How each archetype is simulated (see :class:`twin.projection.RunSettings`)."""

    replications: Annotated[int, Field(ge=2, le=200)] = 5
    days: Annotated[float, Field(gt=0, le=365, allow_inf_nan=False)] = 7.0
    warmup_days: Annotated[float, Field(ge=0, le=365, allow_inf_nan=False)] = 2.0
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] | None = None


class LhsDesign(_M):
    """A Latin hypercube: ``points`` points over ``ranges`` (``[low, high]`` per parameter),
    drawn from the design's own ``seed``."""

    points: Annotated[int, Field(ge=2, le=100_000)]
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0
    ranges: Annotated[dict[str, tuple[Finite, Finite]], Field(min_length=1)]

    @field_validator("ranges")
    @classmethod
    def _ordered(cls, ranges: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        for name, (lo, hi) in ranges.items():
            if not lo < hi:
                raise ValueError(f"{name}: low ({lo:g}) must be below high ({hi:g})")
        return ranges


class Design(_M):
    """Exactly one of ``grid`` (values per parameter, every combination) or ``lhs``."""

    grid: Annotated[dict[str, Values], Field(min_length=1)] | None = None
    lhs: LhsDesign | None = None

    @model_validator(mode="after")
    def _one(self) -> Design:
        if (self.grid is None) == (self.lhs is None):
            raise ValueError("give exactly one of 'grid' or 'lhs'")
        if self.grid is not None:
            n = math.prod(len(v) for v in self.grid.values())
            if n > 100_000:
                raise ValueError(f"the grid has {n:,} points (at most 100,000)")
        return self


class Record(_M):
    """What the output table keeps (default: every KPI, every year)."""

    kpis: Annotated[list[str], Field(min_length=1)] | None = None
    years: Annotated[list[int], Field(min_length=1)] | None = None

    @field_validator("kpis")
    @classmethod
    def _kpis(cls, kpis: list[str] | None) -> list[str] | None:
        for k in kpis or []:
            if k not in KPIS:
                raise ValueError(f"unknown KPI {k!r} (allowed: {', '.join(KPIS)})")
        return kpis


class SweepSpec(_M):
    """A sweep file (``scenarios/sweeps/*.yaml``)."""

    name: Name
    description: Annotated[str, Field(min_length=1, max_length=4000)] | None = None
    scenario: Annotated[str, Field(min_length=1)]
    settings: SweepSettings = SweepSettings()
    design: Design
    record: Record = Record()


@dataclass(frozen=True)
class Sweep:
    """A validated sweep file with its base scenario and points' parameter values."""

    spec: SweepSpec
    path: Path
    scenario_path: Path
    base: Scenario
    settings: RunSettings
    designs: list[dict[str, float]]
    params: dict[str, Parameter] = field(default_factory=dict)

    @property
    def kpis(self) -> list[str]:
        """The KPIs the output keeps."""
        return list(self.spec.record.kpis or KPIS)

    @property
    def years(self) -> list[int]:
        """The years the output keeps."""
        return list(self.spec.record.years or self.base.years)

    @property
    def bounds(self) -> dict[str, tuple[float, float]]:
        """Per parameter, the range the design covers (the LHS ranges, or the grid's
        smallest and largest values)."""
        d = self.spec.design
        if d.lhs is not None:
            return {n: (float(lo), float(hi)) for n, (lo, hi) in d.lhs.ranges.items()}
        return {n: (float(min(v)), float(max(v))) for n, v in d.grid.items()}


def design_values(design: Design, seed_name: str = "sweep") -> list[dict[str, float]]:
    """Per point, parameter -> value: every grid combination (the first parameter varying
    slowest), or a Latin hypercube scaled to the ranges (named stream from the design's
    seed, so the same file gives the same points)."""
    if design.grid is not None:
        names = list(design.grid)
        return [
            dict(zip(names, combo, strict=True))
            for combo in itertools.product(*(design.grid[n] for n in names))
        ]
    from scipy.stats import qmc

    lhs = design.lhs
    names = list(lhs.ranges)
    sampler = qmc.LatinHypercube(d=len(names), rng=stream(lhs.seed, seed_name, "lhs"))
    unit = sampler.random(lhs.points)
    lo = np.array([lhs.ranges[n][0] for n in names])
    hi = np.array([lhs.ranges[n][1] for n in names])
    values = lo + unit * (hi - lo)
    return [{n: float(v) for n, v in zip(names, row, strict=True)} for row in values]


def load_sweep(path: str | Path) -> Sweep:
    """Read and check a sweep file and its base scenario.

    Raises
    ------
    InputError
        One line naming the file, the field and what is allowed.
    """
    p = Path(path)
    src = str(path)
    spec = validate_model(SweepSpec, read_yaml(p), src)
    scenario_path = (p.parent / spec.scenario).resolve()
    if not scenario_path.is_file():
        raise InputError(
            src, "scenario", f"file not found: {spec.scenario} (relative to {p.parent})"
        )
    base = load_scenario(scenario_path)
    s = spec.settings
    settings = RunSettings(
        days=s.days,
        warmup_days=s.warmup_days,
        replications=s.replications,
        seed=base.seed if s.seed is None else s.seed,
    )
    kind = "grid" if spec.design.grid is not None else "lhs.ranges"
    names = list(spec.design.grid or spec.design.lhs.ranges)
    params = {n: _parameter_or_error(n, base, src, f"design.{kind}.{n}") for n in names}
    given = spec.design.grid or {n: list(r) for n, r in spec.design.lhs.ranges.items()}
    for n, values in given.items():
        for v in values:
            why = params[n].check(v)
            if why:
                raise InputError(src, f"design.{kind}.{n}", why)
    for y in spec.record.years or []:
        if y not in base.years:
            raise InputError(
                src,
                "record.years",
                f"{y} is not a year of the scenario ({base.years[0]}-{base.years[-1]})",
            )
    return Sweep(spec, p, scenario_path, base, settings, design_values(spec.design), params)


def sweep_points(sweep: Sweep, settings: RunSettings | None = None) -> list[Point]:
    """The sweep's points (with their store keys for ``settings``, default the file's)."""
    kind = "design.grid" if sweep.spec.design.grid is not None else "design.lhs.ranges"
    return build_points(
        sweep.base,
        sweep.designs,
        settings or sweep.settings,
        data_digest(),
        str(sweep.path),
        kind,
    )


def run_sweep(
    sweep: Sweep,
    *,
    settings: RunSettings | None = None,
    use_cache: bool = True,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: ProgressFn | None = None,
    prepare_progress: Callable[[str], None] | None = None,
) -> StudyResult:
    """Run a sweep (see :func:`run_study`); ``settings`` overrides the file's."""
    settings = settings or sweep.settings
    return run_study(
        sweep.base,
        sweep_points(sweep, settings),
        settings,
        source=str(sweep.path),
        use_cache=use_cache,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        prepare_progress=prepare_progress,
    )


def sweep_table(
    result: StudyResult, kpis: Sequence[str] | None = None, years: Sequence[int] | None = None
) -> pd.DataFrame:
    """The tidy sweep table: one row per point, year and KPI.

    Columns: ``point``, one per parameter (its value at the point), ``year``, ``kpi``,
    ``mean``, ``ci_low``, ``ci_high`` (95 % interval across replications), ``baseline`` (the
    point's zero-adoption baseline), ``diff``, ``diff_low``, ``diff_high`` (the paired
    difference to that baseline and its interval). Rows in point, year, KPI order.
    """
    names = list(dict.fromkeys(n for p in result.points for n in p.params))
    frames = []
    for p in result.points:
        t = result.summaries[p.index]
        if kpis is not None:
            t = t[t["kpi"].isin(list(kpis))]
        if years is not None:
            t = t[t["year"].isin(list(years))]
        t = t.copy()
        t.insert(0, "point", p.index)
        for j, n in enumerate(names):
            t.insert(1 + j, n, p.params.get(n, np.nan))
        frames.append(t)
    out = pd.concat(frames, ignore_index=True)
    out["year"] = out["year"].astype(int)
    return out[["point", *names, "year", "kpi", *STAT_COLUMNS]]


# --- provenance and writing ----------------------------------------------------------------


def provenance(base: Scenario, settings: RunSettings) -> dict[str, Any]:
    """What a study's manifest says about its inputs: the base scenario (canonical JSON and
    hash), settings and seed, the inputs' digest, versions and the git commit."""
    return {
        "scenario": base.name,
        "scenario_hash": scenario_hash(base),
        "scenario_json": json.loads(canonical_json(base)),
        "settings": asdict(settings),
        "inputs_digest": data_digest(),
        "version": __version__,
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "packages": package_versions(),
    }


def write_sweep(
    sweep: Sweep,
    result: StudyResult,
    out: str | Path,
    settings: RunSettings | None = None,
    extra: dict[str, Callable[[Path], None]] | None = None,
) -> Path:
    """Write a sweep's results to the folder ``out`` atomically.

    Files: ``sweep.parquet`` (:func:`sweep_table` for the file's KPIs and years),
    ``points.csv`` (point, parameters, scenario hash) and ``manifest.json`` (the sweep file
    as canonical JSON, the design, provenance of the base scenario and inputs, how the
    points ran, how many were served from the store), plus ``extra`` files (name -> writer),
    all written to a temporary folder that replaces ``out`` only when complete.
    """
    settings = settings or sweep.settings
    table = sweep_table(result, sweep.kpis, sweep.years)
    names = list(sweep.designs[0]) if sweep.designs else []
    points = pd.DataFrame(
        [
            {"point": p.index, **p.params, "scenario_hash": scenario_hash(p.scenario)}
            for p in result.points
        ],
        columns=["point", *names, "scenario_hash"],
    )
    manifest = {
        "sweep": sweep.spec.name,
        "sweep_file": str(sweep.path),
        "sweep_json": json.loads(sweep.spec.model_dump_json()),
        "design": "grid" if sweep.spec.design.grid is not None else "lhs",
        "parameters": {
            n: {
                "neutral": sweep.params[n].neutral,
                "low": sweep.bounds[n][0],
                "high": sweep.bounds[n][1],
            }
            for n in names
        },
        "points": len(result.points),
        "computed": result.computed,
        "reused": result.reused,
        "seconds": round(result.seconds, 3),
        "execution": result.execution,
        "kpis": sweep.kpis,
        "years": sweep.years,
        **provenance(sweep.base, settings),
    }
    files: dict[str, Callable[[Path], None]] = {
        "sweep.parquet": lambda p: table.to_parquet(p, index=False),
        "points.csv": lambda p: points.to_csv(p, index=False),
        "manifest.json": lambda p: p.write_text(json.dumps(manifest, indent=1, default=str)),
        **(extra or {}),
    }
    return write_folder_atomic(out, files)


# --- sensitivity ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Uncertain:
    """An uncertain input of a sensitivity analysis: a parameter and its range."""

    name: str
    low: float
    high: float

    @property
    def centre(self) -> float:
        """The middle of the range (where the tornado holds the other inputs)."""
        return 0.5 * (self.low + self.high)


def default_uncertain(scenario: Scenario) -> list[Uncertain]:
    """The uncertain inputs ``twin sensitivity`` ranks unless told otherwise.

    Each adopted lever's effect position (its published low to high range), the adoption
    ceilings (half to one and a half times the scenario's: the 2032 adoption levels are
    extrapolated, see the scenario's assumptions), demand growth (every sector's rate
    +/- 2 points a year), the grid factor (+/- 20 %: a falling factor is likely, a rising one
    possible) and, with a data cluster, its GPUs in the last year (half to one and a half
    times). All ranges are centred on the scenario as written.
    """
    out = [Uncertain(f"levers.{n}.effect", -1.0, 1.0) for n in scenario.levers.active()]
    out += [
        Uncertain("adoption.ceiling_multiplier", 0.5, 1.5),
        Uncertain("demand_growth.shift", -0.02, 0.02),
    ]
    g = scenario.grid_factor_t_per_mwh.value
    out.append(Uncertain("grid_factor_t_per_mwh", 0.8 * g, 1.2 * g))
    if scenario.compute is not None:
        year = scenario.horizon.end_year
        gpus = scenario.compute.gpus_at(year)
        if gpus > 0:
            out.append(Uncertain(f"compute.gpus.{year}", 0.5 * gpus, 1.5 * gpus))
    return out


@dataclass(frozen=True)
class SensitivityResult:
    """A sensitivity analysis of one KPI's paired difference in one year.

    Attributes
    ----------
    ranking
        One row per input, most influential first. Morris: ``mu_star`` (mean absolute
        elementary effect, in the KPI's unit over the input's full range), its confidence
        half-width ``mu_star_conf``, ``mu`` and ``sigma`` (interactions or non-linearity);
        Sobol: ``S1``, ``ST`` (first-order and total indices) and their ``_conf``.
    tornado
        One row per input: the KPI's difference (and level) with the input at its low and
        high end and the others at their centre, and the ``swing`` between them.
    samples
        Every evaluated point: inputs and the KPI difference.
    """

    kpi: str
    year: int
    method: str
    inputs: list[Uncertain]
    ranking: pd.DataFrame
    tornado: pd.DataFrame
    samples: pd.DataFrame
    study: StudyResult
    settings: RunSettings
    base: Scenario


def _pick(summary: pd.DataFrame, kpi: str, year: int) -> pd.Series:
    row = summary[(summary["kpi"] == kpi) & (summary["year"] == year)]
    return row.iloc[0]


def sensitivity(
    base: Scenario,
    settings: RunSettings,
    *,
    kpi: str = "value_added_krw",
    year: int | None = None,
    method: Literal["morris", "sobol"] = "morris",
    samples: int = 8,
    inputs: Sequence[Uncertain] | None = None,
    seed: int = 0,
    source: str = "<scenario>",
    use_cache: bool = True,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: ProgressFn | None = None,
    prepare_progress: Callable[[str], None] | None = None,
) -> SensitivityResult:
    """Rank uncertain inputs by their influence on ``kpi``'s paired difference in ``year``.

    Parameters
    ----------
    base
        The scenario.
    settings
        Run settings.
    kpi, year
        The output: the KPI's difference to the zero-adoption baseline (mean over
        replications) in that year (default: the last).
    method
        ``morris``: elementary effects on ``samples`` trajectories (``samples`` x (D + 1)
        projections, D inputs, 4 levels); ``sobol``: Saltelli sampling with ``samples`` base
        points (``samples`` x (D + 2) projections; a power of 2 is best).
    samples
        Trajectories (Morris) or base points (Sobol).
    inputs
        The uncertain inputs and their ranges (default :func:`default_uncertain`).
    seed
        Seed of the sampling design and the bootstrap intervals (named streams).
    source
        The scenario's file, for error messages.
    use_cache, workers, scheduler, progress, prepare_progress
        As :func:`run_study`; the tornado's points run in the same study.
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    if kpi not in KPIS:
        raise InputError(None, "--kpi", f"unknown KPI {kpi!r} (allowed: {', '.join(KPIS)})")
    year = base.horizon.end_year if year is None else year
    if year not in base.years:
        raise InputError(
            None,
            "--year",
            f"{year} is not a year of the scenario ({base.years[0]}-{base.years[-1]})",
        )
    inputs = list(inputs if inputs is not None else default_uncertain(base))
    if not inputs:
        raise InputError(source, None, "no uncertain input to rank")
    for u in inputs:
        p = _parameter_or_error(u.name, base, source, u.name)
        for v in (u.low, u.high):
            why = p.check(v)
            if why:
                raise InputError(source, u.name, why)
    names = [u.name for u in inputs]
    problem = {
        "num_vars": len(inputs),
        "names": names,
        "bounds": [[u.low, u.high] for u in inputs],
    }
    if method == "morris":
        x = morris_sample.sample(
            problem, samples, num_levels=4, seed=stream(seed, "sensitivity", "morris")
        )
    elif method == "sobol":
        x = sobol_sample.sample(
            problem,
            samples,
            calc_second_order=False,
            seed=stream(seed, "sensitivity", "sobol"),
        )
    else:
        raise InputError(None, "--method", f"unknown method {method!r} (allowed: morris, sobol)")
    designs = [dict(zip(names, map(float, row), strict=True)) for row in x]
    centre = {u.name: u.centre for u in inputs}
    for u in inputs:
        designs.append({**centre, u.name: u.low})
        designs.append({**centre, u.name: u.high})
    designs.append(dict(centre))
    points = build_points(base, designs, settings, data_digest(), source, "inputs")
    study = run_study(
        base,
        points,
        settings,
        source=source,
        use_cache=use_cache,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        prepare_progress=prepare_progress,
    )
    picked = [_pick(study.summaries[p.index], kpi, year) for p in points]
    y = np.array([r["diff"] for r in picked[: len(x)]], dtype=float)
    if method == "morris":
        res = morris_analyze.analyze(
            problem, x, y, num_levels=4, seed=stream(seed, "sensitivity", "bootstrap")
        )
        ranking = pd.DataFrame(
            {
                "input": names,
                "mu_star": res["mu_star"],
                "mu_star_conf": res["mu_star_conf"],
                "mu": res["mu"],
                "sigma": res["sigma"],
            }
        ).sort_values("mu_star", ascending=False, kind="stable")
    else:
        boot_seed = int(stream(seed, "sensitivity", "bootstrap").integers(1, 2**31 - 1))
        res = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=boot_seed)
        ranking = pd.DataFrame(
            {
                "input": names,
                "ST": res["ST"],
                "ST_conf": res["ST_conf"],
                "S1": res["S1"],
                "S1_conf": res["S1_conf"],
            }
        ).sort_values("ST", ascending=False, kind="stable")
    ranking.insert(0, "rank", np.arange(1, len(names) + 1))
    ranking = ranking.reset_index(drop=True)
    tail = picked[len(x) :]
    mid = tail[-1]
    rows = []
    for j, u in enumerate(inputs):
        lo, hi = tail[2 * j], tail[2 * j + 1]
        rows.append(
            {
                "input": u.name,
                "low": u.low,
                "high": u.high,
                "centre": u.centre,
                "diff_at_low": lo["diff"],
                "diff_at_high": hi["diff"],
                "diff_at_centre": mid["diff"],
                "mean_at_low": lo["mean"],
                "mean_at_high": hi["mean"],
                "swing": abs(hi["diff"] - lo["diff"]),
            }
        )
    tornado = pd.DataFrame(rows).sort_values("swing", ascending=False, kind="stable")
    samples_frame = pd.DataFrame(x, columns=names)
    samples_frame["diff"] = y
    return SensitivityResult(
        kpi,
        year,
        method,
        inputs,
        ranking,
        tornado.reset_index(drop=True),
        samples_frame,
        study,
        settings,
        base,
    )


def write_sensitivity(result: SensitivityResult, out: str | Path) -> Path:
    """Write ``sensitivity.csv`` (the ranking), ``tornado.csv``, ``samples.parquet`` and
    ``manifest.json`` to the folder ``out`` atomically."""
    manifest = {
        "kpi": result.kpi,
        "year": result.year,
        "method": result.method,
        "inputs": [asdict(u) for u in result.inputs],
        "points": len(result.study.points),
        "computed": result.study.computed,
        "reused": result.study.reused,
        "seconds": round(result.study.seconds, 3),
        "execution": result.study.execution,
        **provenance(result.base, result.settings),
    }
    return write_folder_atomic(
        out,
        {
            "sensitivity.csv": lambda p: result.ranking.to_csv(p, index=False),
            "tornado.csv": lambda p: result.tornado.to_csv(p, index=False),
            "samples.parquet": lambda p: result.samples.to_parquet(p, index=False),
            "manifest.json": lambda p: p.write_text(json.dumps(manifest, indent=1, default=str)),
        },
    )
