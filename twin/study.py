"""Evaluating a study's points: one projection each, stored so that a study resumes.

The archetypes are simulated once (:func:`twin.scenario_run.prepare`); every point is then a
projection only (:func:`twin.scenario_run.project_scenario`), so a study of hundreds of
points costs little more than one scenario run. Each point's summary (every KPI and year:
mean and 95 % interval, the paired difference to the point's own zero-adoption baseline and
its interval) is stored under the point's key (:class:`twin.study_points.Point`), so an
interrupted study resumes without recomputing finished points. Points run serially, on a
Dask ``LocalCluster`` or on an existing Dask cluster (:mod:`twin.execution`), with identical
results.

An effect position moves everything the projection takes from a lever's preset: the simulated
change (placed between the ``low``, level and ``high`` runs on the same random numbers), the
ramp-up months and the edge compute power, so t = -1 reproduces the scenario with that lever
at ``low`` (for predictive maintenance, up to the wear model all runs share, which stays at
the scenario's level).

Besides the KPIs of :func:`twin.scenario_run.summary_table`, a study records
``carbon_cost_krw``: CO2 times the scenario's carbon price.
"""

from __future__ import annotations

import json
import math
import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from twin import __version__
from twin.config.lever import LeverSpec
from twin.config.loader import canonical_json
from twin.config.scenario import Scenario, scenario_hash
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
)
from twin.study_points import Point

__all__ = [
    "KPIS",
    "STAT_COLUMNS",
    "ProgressFn",
    "StudyResult",
    "at_position",
    "evaluate_point",
    "evaluate_points",
    "provenance",
    "run_study",
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
#: The statistics of every KPI and year in a point's summary.
STAT_COLUMNS = ("mean", "ci_low", "ci_high", "baseline", "diff", "diff_low", "diff_high")


def at_position(spec: LeverSpec, level: str, t: float) -> LeverSpec:
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
            specs[lever] = at_position(specs[lever], inputs.levels[lever], t)
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
    """Evaluate a chunk of points on shared inputs (a task: top-level, so that it pickles).

    Within the chunk, and for later chunks in the same process, each lever's adoption draws
    are made once (:func:`twin.adoption.adoption_thresholds` remembers them).
    """
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
    return Path(os.environ.get("GUMI_TWIN_CACHE", repo_root() / ".cache"))


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
