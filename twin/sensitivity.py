"""Sensitivity analyses (``twin sensitivity``): which uncertain inputs matter most.

Morris elementary effects or Sobol indices (SALib) of one KPI's paired difference to the
zero-adoption baseline in one year, with a tornado (each input at its low and high end, the
others at their centre). The sampled points and the tornado's run as one study
(:func:`twin.study.run_study`): stored, resumable, serial or on Dask.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from twin.config.scenario import Scenario
from twin.core.errors import InputError
from twin.core.streams import stream
from twin.projection import RunSettings
from twin.scenario_run import data_digest, write_folder_atomic
from twin.study import KPIS, ProgressFn, StudyResult, provenance, run_study
from twin.study_points import build_points, checked_parameter

__all__ = [
    "SensitivityResult",
    "Uncertain",
    "default_uncertain",
    "sensitivity",
    "write_sensitivity",
]


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
        p = checked_parameter(u.name, base, source, u.name)
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
