"""Running a scenario file end to end (``twin run``): inputs, runs, projection, results.

Orchestration only: reads the scenario, the firm layer, the archetypes, their calibrated
utilisation and the lever files; runs what the projection needs (cached on disk by the hash of
everything that determines a run); projects the scenario and the same scenario without any
adoption (its baseline, sharing every random number); writes tidy results atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from twin import __version__
from twin.adoption import adoption_years
from twin.baseline import load_settings
from twin.build import load_archetypes
from twin.config.lever import LeverSpec, load_lever
from twin.config.loader import canonical_json
from twin.config.scenario import Scenario, check_anchor_names, load_scenario, scenario_hash
from twin.core.errors import InputError
from twin.core.stats import mean_interval
from twin.io.geo import read_layer
from twin.io.paths import data_dir, repo_root
from twin.projection import ArchetypeRuns, RunSettings, archetype_runs, project_years

__all__ = ["ScenarioResult", "load_levers", "run_scenario", "summary_table"]

TOTALS = ("output_krw", "employees", "electricity_mwh", "ai_compute_mwh", "co2_t", "peak_mw")


@dataclass(frozen=True)
class ScenarioResult:
    """A projected scenario and its zero-adoption baseline (tidy, per replication)."""

    scenario: Scenario
    tidy: pd.DataFrame  # column "case": "scenario" or "baseline"
    quality: dict[str, dict[str, dict[str, float]]]  # archetype -> lever -> measured quality
    settings: RunSettings


def load_levers() -> dict[str, LeverSpec]:
    """Every lever file in ``data/levers``, by lever name."""
    out = {}
    for path in sorted((data_dir() / "levers").glob("*.yaml")):
        spec = load_lever(path)
        out[spec.name] = spec
    return out


def _levels(scenario: Scenario) -> dict[str, str]:
    mode = scenario.uncertainty.mode
    if mode == "sampled":
        raise InputError(
            f"scenario {scenario.name}",
            "uncertainty.mode",
            "'sampled' is not supported by twin run yet; use levels, low, typical or high",
        )
    return {
        name: (plan.level if mode == "levels" else mode)
        for name, plan in scenario.levers.active().items()
    }


def _cache_key(*parts: Any) -> str:
    blob = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def _cached_runs(key: str, compute: Callable[[], ArchetypeRuns], use_cache: bool) -> ArchetypeRuns:
    folder = Path(os.environ.get("GUMI_TWIN_CACHE", repo_root() / ".cache")) / "runs"
    path = folder / f"{key}.pkl"
    if use_cache and path.is_file():
        with open(path, "rb") as fh:
            return pickle.load(fh)
    runs = compute()
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        pickle.dump(runs, fh)
    os.replace(tmp, path)
    return runs


def _one_archetype(args: tuple) -> ArchetypeRuns:
    key, spec, u, names, lever_specs, levels, settings, use_cache = args
    return _cached_runs(
        key,
        lambda: archetype_runs(spec, u, names, lever_specs, levels, settings),
        use_cache,
    )


def _compute_runs(
    jobs: list,
    names: list[str],
    lever_specs: dict,
    levels: dict,
    settings: RunSettings,
    use_cache: bool,
    workers: int | None,
    progress: Callable[[str], None] | None,
) -> dict[str, ArchetypeRuns]:
    """Each archetype's runs, in worker processes when ``workers`` > 1.

    Every run's random numbers are named by its archetype, lever and replication, so the
    results do not depend on how many workers there are or in which order they finish.
    """
    workers = min(workers or os.cpu_count() or 1, len(jobs))
    tasks = [
        (key, spec, u, names, lever_specs, levels, settings, use_cache) for _, key, spec, u in jobs
    ]
    out: dict[str, ArchetypeRuns] = {}
    if workers <= 1:
        for (arch, *_), task in zip(jobs, tasks, strict=True):
            out[arch] = _one_archetype(task)
            if progress:
                progress(arch)
        return out
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as pool:
        for (arch, *_), result in zip(jobs, pool.map(_one_archetype, tasks), strict=True):
            out[arch] = result
            if progress:
                progress(arch)
    return out


def run_scenario(
    path: str | Path,
    settings: RunSettings | None = None,
    use_cache: bool = True,
    progress: Callable[[str], None] | None = None,
    workers: int | None = None,
) -> ScenarioResult:
    """Project the scenario in ``path`` and its zero-adoption baseline.

    Parameters
    ----------
    path
        A scenario YAML file.
    settings
        Run settings (replications, days, seed); defaults to :class:`RunSettings` with the
        scenario's seed.
    use_cache
        Reuse archetype runs computed before for the same inputs.
    progress
        Called with the archetype's name as its runs finish.
    workers
        Worker processes (default: one per CPU); results are identical for any number.
    """
    scenario = load_scenario(path)
    settings = settings or RunSettings(seed=scenario.seed)
    firms = read_layer("firms")
    unknown = check_anchor_names(scenario, firms["name"].tolist())
    if unknown:
        raise InputError(
            str(path),
            "anchors",
            f"unknown firm {unknown[0]!r} (see the firm layer's names in data/gumi.gpkg)",
        )
    archetypes = load_archetypes()
    utilisation = load_settings().utilisation
    lever_specs = load_levers()
    levels = _levels(scenario)
    names = list(levels)
    missing = [n for n in names if n not in lever_specs]
    if missing:
        raise InputError(str(path), f"levers.{missing[0]}", "no lever file in data/levers")
    jobs = []
    for arch in sorted(set(firms["archetype"])):
        spec = archetypes[arch]
        u = utilisation.get(arch, 1.0)
        key = _cache_key(
            canonical_json(spec),
            u,
            names,
            levels,
            {n: canonical_json(lever_specs[n]) for n in lever_specs},
            asdict(settings),
            __version__,
        )
        jobs.append((arch, key, spec, u))
    runs = _compute_runs(jobs, names, lever_specs, levels, settings, use_cache, workers, progress)
    years = list(range(scenario.horizon.start_year, scenario.horizon.end_year + 1))
    growth = {s: scenario.demand_growth.rate(s) for s in scenario.demand_growth.rates}
    ramp = {n: lever_specs[n].ramp_up_months.at(levels[n]) for n in names}
    edge = {n: lever_specs[n].compute_kw_edge.at(levels[n]) for n in names}
    first = {n: adoption_years(firms, scenario, n) for n in names}
    never = {n: pd.Series(pd.NA, index=firms.index, dtype="Int64") for n in names}
    parts = []
    for case, adopted in (("scenario", first), ("baseline", never)):
        tidy = project_years(runs, firms, adopted, ramp, years, scenario.base_year, growth, edge)
        tidy.insert(0, "case", case)
        cluster = np.array(
            [
                scenario.compute.energy_mwh(y) if scenario.compute and case == "scenario" else 0.0
                for y in tidy["year"]
            ]
        )
        # The data cluster's energy is spread over the rows of a year by their share of
        # electricity, so that sums by year are exact and by complex indicative.
        share = tidy["electricity_mwh"] / tidy.groupby(["year", "replication"])[
            "electricity_mwh"
        ].transform("sum")
        tidy["ai_compute_mwh"] = tidy["ai_compute_mwh"] + cluster * share
        factor = scenario.grid_factor_t_per_mwh.value
        tidy["co2_t"] = (tidy["electricity_mwh"] + tidy["ai_compute_mwh"]) * factor
        parts.append(tidy)
    quality = {a: r.quality for a, r in runs.items()}
    return ScenarioResult(scenario, pd.concat(parts, ignore_index=True), quality, settings)


def summary_table(result: ScenarioResult) -> pd.DataFrame:
    """Per year: totals with 95 % intervals, and the paired difference to the baseline.

    Labour productivity is gross output per employee (value added is not modelled).
    """
    t = result.tidy
    per = t.groupby(["case", "year", "replication"], as_index=False)[list(TOTALS)].sum()
    per["productivity_mkrw"] = per["output_krw"] / per["employees"] / 1e6
    rows = []
    for year, grp in per.groupby("year"):
        sc = grp[grp["case"] == "scenario"].sort_values("replication")
        bl = grp[grp["case"] == "baseline"].sort_values("replication")
        for kpi in (*TOTALS, "productivity_mkrw"):
            a = sc[kpi].to_numpy()
            b = bl[kpi].to_numpy()
            iv = mean_interval(a.tolist())
            d = mean_interval((a - b).tolist())
            rows.append(
                {
                    "year": year,
                    "kpi": kpi,
                    "mean": iv["mean"],
                    "ci_low": iv["ci_low"],
                    "ci_high": iv["ci_high"],
                    "baseline": float(np.mean(b)),
                    "diff": d["mean"],
                    "diff_low": d["ci_low"],
                    "diff_high": d["ci_high"],
                }
            )
    return pd.DataFrame(rows)


def write_results(result: ScenarioResult, out: str | Path) -> Path:
    """Write ``results.parquet``, ``summary.csv`` and ``manifest.json`` to ``out`` atomically.

    The files are written into a temporary folder beside ``out`` that replaces it only when
    complete.
    """
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".run-", dir=target.parent))
    result.tidy.to_parquet(tmp / "results.parquet", index=False)
    summary_table(result).to_csv(tmp / "summary.csv", index=False)
    manifest = {
        "scenario": result.scenario.name,
        "scenario_hash": scenario_hash(result.scenario),
        "scenario_json": json.loads(canonical_json(result.scenario)),
        "settings": asdict(result.settings),
        "version": __version__,
        "lever_quality": result.quality,
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1, default=str))
    if target.exists():
        import shutil

        old = target.with_name(f".old-{target.name}")
        if old.exists():
            shutil.rmtree(old)
        os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old)
    else:
        os.replace(tmp, target)
    return target
