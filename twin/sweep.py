"""Sweeps over scenario parameters (``twin sweep``): run a sweep file, tabulate, write.

A *study* evaluates many variants ("points") of one base scenario; a sweep is a study whose
points come from a sweep file. The work is shared by modules named for what they hold:

- :mod:`twin.study_points`: the parameters a study may vary and the points made of them;
- :mod:`twin.study`: evaluating points (one projection each), stored and resumable, serially
  or on Dask (:mod:`twin.execution`), with identical results;
- :mod:`twin.sweep_spec`: the sweep file, its design (grid or Latin hypercube) and points;
- :mod:`twin.sensitivity`: Morris or Sobol rankings and the tornado (``twin sensitivity``);
- this module: :func:`run_sweep`, the tidy :func:`sweep_table` and :func:`write_sweep`.

The names of all of them are importable from here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from twin.config.scenario import scenario_hash
from twin.projection import RunSettings
from twin.scenario_run import write_folder_atomic
from twin.sensitivity import (
    SensitivityResult,
    Uncertain,
    default_uncertain,
    sensitivity,
    write_sensitivity,
)
from twin.study import (
    KPIS,
    STAT_COLUMNS,
    ProgressFn,
    StudyResult,
    evaluate_point,
    evaluate_points,
    provenance,
    run_study,
)
from twin.study_points import Parameter, Point, build_points, parameter, parameter_names
from twin.sweep_spec import Design, Sweep, SweepSpec, design_values, load_sweep, sweep_points

__all__ = [
    "KPIS",
    "STAT_COLUMNS",
    "Design",
    "Parameter",
    "Point",
    "ProgressFn",
    "SensitivityResult",
    "StudyResult",
    "Sweep",
    "SweepSpec",
    "Uncertain",
    "build_points",
    "default_uncertain",
    "design_values",
    "evaluate_point",
    "evaluate_points",
    "load_sweep",
    "parameter",
    "parameter_names",
    "provenance",
    "run_study",
    "run_sweep",
    "sensitivity",
    "sweep_points",
    "sweep_table",
    "write_sensitivity",
    "write_sweep",
]


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
