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
import platform
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from twin import __version__
from twin.adoption import adoption_years
from twin.ai.lever import AppliedLever
from twin.baseline import load_settings
from twin.build import load_archetypes
from twin.config.factory import FactorySpec
from twin.config.lever import LeverSpec, load_lever
from twin.config.loader import canonical_json
from twin.config.scenario import Scenario, check_anchor_names, load_scenario, scenario_hash
from twin.config.transform import with_utilisation
from twin.config.value_added import load_value_added
from twin.core.errors import InputError
from twin.core.stats import mean_interval
from twin.core.streams import stream
from twin.io.digest import data_digest
from twin.io.geo import read_layer
from twin.io.paths import data_dir, repo_root
from twin.network import SupplyLinks, supply_links
from twin.projection import (
    ArchetypeRuns,
    GridLinks,
    LeverSetRuns,
    RunSettings,
    ValueAdded,
    annual_kpis,
    common_form,
    project,
)
from twin.spatial import distance_km

__all__ = [
    "Inputs",
    "ScenarioResult",
    "bottleneck_table",
    "data_digest",
    "effect_draws",
    "git_commit",
    "load_levers",
    "package_versions",
    "prepare",
    "project_scenario",
    "run_scenario",
    "run_units_count",
    "substation_table",
    "summary_table",
    "write_folder_atomic",
    "write_results",
]

TOTALS = (
    "output_krw",
    "value_added_krw",
    "employees",
    "electricity_mwh",
    "ai_compute_mwh",
    "co2_t",
    "peak_mw",
)
#: Firms whose peak exceeds this take 154 kV supply directly rather than from a 22.9 kV
#: distribution substation (KEPCO basic supply terms: contracts above 40,000 kW get 154 kV;
#: the firm's simulated base-year peak stands in for its contract demand, an estimate).
DIRECT_SUPPLY_ABOVE_MW = 40.0


@dataclass(frozen=True)
class ScenarioResult:
    """A projected scenario and its zero-adoption baseline (tidy, per replication)."""

    scenario: Scenario
    tidy: pd.DataFrame  # column "case": "scenario" or "baseline"
    quality: dict[str, dict[str, dict[str, float]]]  # archetype -> lever -> measured quality
    settings: RunSettings
    substations: pd.DataFrame  # case, year, substation_id, replication, load_mw, capacity_mw
    bottlenecks: pd.DataFrame  # case, year, firm_id, customer_output_lost_krw, ...
    firms: pd.DataFrame = field(default_factory=pd.DataFrame)  # case, year, firm_id, KPI means


def load_levers() -> dict[str, LeverSpec]:
    """Every lever file in ``data/levers``, by lever name."""
    out = {}
    for path in sorted((data_dir() / "levers").glob("*.yaml")):
        spec = load_lever(path)
        out[spec.name] = spec
    return out


def _levels(scenario: Scenario) -> dict[str, str]:
    """Each active lever's effect level (``sampled``: the lever's own level as the centre)."""
    mode = scenario.uncertainty.mode
    return {
        name: (plan.level if mode in ("levels", "sampled") else mode)
        for name, plan in scenario.levers.active().items()
    }


def effect_draws(scenario: Scenario, names: list[str], replications: int, seed: int) -> dict:
    """Per lever, where each replication's effect lies between the presets (sampled mode).

    A symmetric triangular draw on [-1, 1] (0: the lever's level, -1: ``low``, +1: ``high``)
    from the named stream ``("uncertainty", lever)``, the same for every archetype (the
    uncertainty is about the published effect size, which all firms share).
    """
    if scenario.uncertainty.mode != "sampled":
        return {}
    return {
        n: stream(seed, "uncertainty", n).triangular(-1.0, 0.0, 1.0, size=replications)
        for n in names
    }


def _cache_dir(kind: str) -> Path:
    return Path(os.environ.get("GUMI_TWIN_CACHE", repo_root() / ".cache")) / kind


#: Bumped whenever what a stored run or result holds changes, so old entries are not served.
STORE_FORMAT = 3


def _key(*parts: Any) -> str:
    blob = json.dumps([STORE_FORMAT, *parts], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def _load(kind: str, key: str) -> Any | None:
    path = _cache_dir(kind) / f"{key}.pkl"
    if not path.is_file():
        return None
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except Exception:  # a damaged entry is recomputed
        return None


def _store(kind: str, key: str, value: Any) -> None:
    """Write a cache entry atomically (a crash never leaves a half-written entry)."""
    folder = _cache_dir(kind)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / f"{key}.pkl")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- tasks run in worker processes (top-level functions so that they pickle) ---------------


def _train(source: FactorySpec, name: str, lever: LeverSpec, level: str, seed: int) -> AppliedLever:
    from twin.ai.registry import lever_apply

    return lever_apply(name)(source, lever, level, seed)


def _simulate(spec: FactorySpec, policy: Any, settings: RunSettings, saturated: bool) -> dict:
    if saturated:
        spec = with_utilisation(spec, settings.saturation)
    return annual_kpis(spec, settings, policy)


@dataclass
class _Unit:
    """One archetype under one lever set at one level: trained, then simulated twice."""

    arch: str
    lever: str | None
    level: str | None
    key: str
    base_spec: FactorySpec
    source: FactorySpec
    none_key: str = ""
    applied: AppliedLever | None = None
    sims: dict[bool, dict] = field(default_factory=dict)


class _Inline:
    """An executor that runs each task when it is submitted (serial runs)."""

    def submit(self, fn: Callable, *args: Any) -> Future:
        fut: Future = Future()
        fut.set_result(fn(*args))
        return fut

    def __enter__(self) -> _Inline:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


@contextmanager
def _cancel_on_error(pool: ProcessPoolExecutor | _Inline) -> Iterator[None]:
    """Shut ``pool`` down; on an exception (Ctrl-C, a cancelled explorer run) drop the queued
    tasks instead of running them all first (finished units are already stored)."""
    try:
        yield
    except BaseException:
        if isinstance(pool, ProcessPoolExecutor):
            pool.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        if isinstance(pool, ProcessPoolExecutor):
            pool.shutdown(wait=True)


def _run_units(
    units: list[_Unit],
    lever_specs: dict[str, LeverSpec],
    settings: RunSettings,
    workers: int,
    progress: Callable[[str], None] | None,
) -> dict[str, tuple[LeverSetRuns, dict[str, float]]]:
    """Train and simulate the units that are not cached, in parallel when ``workers`` > 1.

    Training tasks go first; a unit's two simulations (base-year and saturating demand) are
    submitted as soon as its lever is trained, so the workers never wait for a whole
    archetype. Every run's random numbers are named by archetype, lever and replication:
    the results do not depend on the number of workers or on the order tasks finish in.
    """
    done: dict[str, tuple[LeverSetRuns, dict[str, float]]] = {}
    if not units:
        return done
    pool = ProcessPoolExecutor(max_workers=workers) if workers > 1 else _Inline()
    pending: dict[Future, tuple[str, _Unit, bool]] = {}
    aliases: list[_Unit] = []
    with _cancel_on_error(pool):

        def submit_sims(u: _Unit) -> None:
            spec = u.applied.spec if u.applied else u.base_spec
            policy = u.applied.policy if u.applied else None
            for sat in (True, False):
                pending[pool.submit(_simulate, spec, policy, settings, sat)] = ("sim", u, sat)

        for u in units:
            if u.lever is None:
                submit_sims(u)
            else:
                args = (u.source, u.lever, lever_specs[u.lever], u.level, settings.seed)
                pending[pool.submit(_train, *args)] = ("train", u, False)
        while pending:
            finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for fut in sorted(finished, key=lambda f: pending[f][1].key):
                kind, u, sat = pending.pop(fut)
                if kind == "train":
                    u.applied = fut.result()
                    if u.applied.policy is None and canonical_json(
                        u.applied.spec
                    ) == canonical_json(u.base_spec):
                        aliases.append(u)  # the lever changes nothing: its runs are "none"
                    else:
                        submit_sims(u)
                    continue
                u.sims[sat] = fut.result()
                if len(u.sims) == 2:
                    runs = LeverSetRuns(u.sims[False], u.sims[True])
                    quality = dict(u.applied.quality) if u.applied else {}
                    done[u.key] = (runs, quality)
                    _store("runs", u.key, done[u.key])
                    if progress:
                        progress(_unit_label(u))
    # A lever that left the spec as it was and deployed no policy would repeat the no-lever
    # runs exactly (same spec, same random numbers): those are reused.
    for u in aliases:
        runs = done[u.none_key][0] if u.none_key in done else _load("runs", u.none_key)[0]
        done[u.key] = (runs, dict(u.applied.quality))
        _store("runs", u.key, done[u.key])
        if progress:
            progress(_unit_label(u) + ": no change, no-lever runs reused")
    return done


def _unit_label(u: _Unit) -> str:
    return f"{u.arch}: {u.lever} ({u.level})" if u.lever else f"{u.arch}: no lever"


def _archetype_runs(
    archetypes: dict[str, FactorySpec],
    utilisation: dict[str, float],
    needed: dict[str, tuple[str, ...]],
    lever_specs: dict[str, LeverSpec],
    pdm_level: str,
    settings: RunSettings,
    use_cache: bool,
    workers: int,
    progress: Callable[[str], None] | None,
    digest: str,
) -> dict[str, ArchetypeRuns]:
    """Every archetype's runs: no lever, and each lever at each level in ``needed``."""
    units: list[_Unit] = []
    for arch, spec in sorted(archetypes.items()):
        u = utilisation.get(arch, 1.0)
        demand = with_utilisation(spec, u)
        pdm = lever_specs.get("predictive_maintenance")
        base = common_form(demand, pdm, pdm_level)
        common = (
            digest,
            canonical_json(spec),
            u,
            canonical_json(pdm) if pdm else None,
            pdm_level,
            asdict(settings),
            __version__,
        )
        none_key = _key(*common, None, None, None)
        units.append(_Unit(arch, None, None, none_key, base, base, none_key))
        for name, levels in needed.items():
            source = demand if name == "predictive_maintenance" else base
            for level in levels:
                key = _key(*common, name, canonical_json(lever_specs[name]), level)
                units.append(_Unit(arch, name, level, key, base, source, none_key))
    results: dict[str, tuple[LeverSetRuns, dict[str, float]]] = {}
    todo = []
    for unit in units:
        hit = _load("runs", unit.key) if use_cache else None
        if hit is not None:
            results[unit.key] = hit
            if progress:
                progress(f"{unit.arch}: {unit.lever or 'no lever'} (stored)")
        else:
            todo.append(unit)
    workers = max(1, min(workers, 2 * len(todo)))
    results.update(_run_units(todo, lever_specs, settings, workers, progress))
    out: dict[str, ArchetypeRuns] = {}
    for arch in sorted(archetypes):
        mine = [u for u in units if u.arch == arch]
        none = results[mine[0].key][0]
        singles, ranges, quality = {}, {}, {}
        for name, levels in needed.items():
            by_level = {u.level: results[u.key] for u in mine if u.lever == name}
            centre = levels[0]
            singles[name] = by_level[centre][0]
            quality[name] = by_level[centre][1]
            if len(levels) > 1:
                ranges[name] = (by_level["low"][0], by_level["high"][0])
        if "predictive_maintenance" in singles:  # availability with and without the model
            q = dict(quality["predictive_maintenance"])
            q["availability_without"] = float(np.mean(none.base["availability"]))
            q["availability_with"] = float(
                np.mean(singles["predictive_maintenance"].base["availability"])
            )
            quality["predictive_maintenance"] = q
        out[arch] = ArchetypeRuns(none, singles, quality, ranges)
    return out


def run_units_count(scenario: Scenario, archetypes: int) -> int:
    """How many archetype x lever-set units a scenario needs (for a progress bar's total)."""
    levels = 3 if scenario.uncertainty.mode == "sampled" else 1
    return archetypes * (1 + levels * len(scenario.levers.active()))


def _supply_links(firms: pd.DataFrame, digest: str) -> SupplyLinks:
    key = _key("supply", digest, __version__)
    hit = _load("network", key)
    if hit is not None:
        return hit
    from twin.baseline import supply_network

    links = supply_links(supply_network(firms))
    _store("network", key, links)
    return links


def _grid_links(firms: pd.DataFrame) -> GridLinks:
    subs = read_layer("substations")
    nearest = distance_km(firms.geometry, subs.geometry).argmin(axis=1)
    ids = subs["substation_id"].to_numpy()
    return GridLinks(
        substation_of=list(ids[nearest]),
        capacity_mw=dict(zip(ids, subs["capacity_mw"].astype(float), strict=True)),
        direct_above_mw=DIRECT_SUPPLY_ABOVE_MW,
    )


@dataclass(frozen=True)
class Inputs:
    """Everything a projection needs besides the scenario's adoption: the firm layer, each
    archetype's runs, the lever files, the effect levels and the projection's context."""

    firms: pd.DataFrame
    runs: dict[str, ArchetypeRuns]
    lever_specs: dict[str, LeverSpec]
    levels: dict[str, str]
    supply: SupplyLinks
    value_added: ValueAdded
    grid: GridLinks


def prepare(
    scenario: Scenario,
    settings: RunSettings,
    *,
    source: str = "scenario",
    use_cache: bool = True,
    progress: Callable[[str], None] | None = None,
    workers: int | None = None,
    with_ranges: bool = False,
) -> Inputs:
    """Load the inputs and run (or fetch from the store) every archetype x lever-set run.

    Parameters
    ----------
    scenario
        The scenario (its active levers and levels decide which runs are needed).
    settings
        Run settings.
    source
        Name of the scenario's file, for error messages.
    use_cache
        Reuse stored archetype runs.
    progress
        Called with a short text as each run finishes.
    workers
        Worker processes (default: one per CPU).
    with_ranges
        Also run every lever at its ``low`` and ``high`` presets (needed to place effects
        between them: sampled mode, sweeps and sensitivity over effect sizes).
    """
    firms = read_layer("firms")
    unknown = check_anchor_names(scenario, firms["name"].tolist())
    if unknown:
        raise InputError(
            source,
            "anchors",
            f"unknown firm {unknown[0]!r} (see the firm layer's names in data/gumi.gpkg)",
        )
    archetypes = load_archetypes()
    archetypes = {a: archetypes[a] for a in sorted(set(firms["archetype"]))}
    utilisation = load_settings().utilisation
    lever_specs = load_levers()
    levels = _levels(scenario)
    names = list(levels)
    missing = [n for n in names if n not in lever_specs]
    if missing:
        raise InputError(source, f"levers.{missing[0]}", "no lever file in data/levers")
    ranges = with_ranges or scenario.uncertainty.mode == "sampled"
    # Placing effects between presets needs each lever at its level and at low and high.
    needed = {
        n: tuple(dict.fromkeys((levels[n], "low", "high"))) if ranges else (levels[n],)
        for n in names
    }
    digest = data_digest()
    runs = _archetype_runs(
        archetypes,
        utilisation,
        needed,
        lever_specs,
        levels.get("predictive_maintenance", "typical"),
        settings,
        use_cache,
        workers or os.cpu_count() or 1,
        progress,
        digest,
    )
    va = load_value_added(data_dir() / "value_added.yaml")
    value_added = ValueAdded(
        {k: v.value for k, v in va.ratio.items()},
        va.electricity_price_krw_per_mwh.value,
        va.escape_cost_factor.value,
    )
    return Inputs(
        firms,
        runs,
        lever_specs,
        levels,
        _supply_links(firms, digest),
        value_added,
        _grid_links(firms),
    )


def project_scenario(
    scenario: Scenario,
    inputs: Inputs,
    settings: RunSettings,
    draws: dict[str, np.ndarray] | None = None,
    levers: list[str] | None = None,
) -> ScenarioResult:
    """Project ``scenario`` and its zero-adoption baseline on prepared inputs (no simulation).

    Parameters
    ----------
    scenario
        The scenario: adoption, anchors, demand growth, compute, grid factor. Its levers must
        be among those ``inputs`` were prepared for, at the same levels.
    inputs
        From :func:`prepare`.
    settings
        The run settings ``inputs`` were prepared with.
    draws
        Per lever, where each replication's effect lies between the presets (-1 low, 0 the
        level, +1 high); default: the scenario's own (:func:`effect_draws`, sampled mode) or
        none.
    levers
        Only these of the scenario's levers are adopted (the others as if never); default:
        all (a lever waterfall switches them on one by one).
    """
    names = list(_levels(scenario))
    if draws is None:
        draws = effect_draws(scenario, names, settings.replications, settings.seed)
    firms, lever_specs, levels = inputs.firms, inputs.lever_specs, inputs.levels
    years = list(range(scenario.horizon.start_year, scenario.horizon.end_year + 1))
    growth = {s: scenario.demand_growth.rate(s) for s in scenario.demand_growth.rates}
    ramp = {n: lever_specs[n].ramp_up_months.at(levels[n]) for n in names}
    edge = {n: lever_specs[n].compute_kw_edge.at(levels[n]) for n in names}
    never = {n: pd.Series(pd.NA, index=firms.index, dtype="Int64") for n in names}
    first = {
        n: adoption_years(firms, scenario, n) if levers is None or n in levers else never[n]
        for n in names
    }
    extras = {
        "supply": inputs.supply,
        "value_added": inputs.value_added,
        "grid": inputs.grid,
        "draws": draws,
    }
    parts, subs, necks, firm_parts = [], [], [], []
    for case, adopted in (("scenario", first), ("baseline", never)):
        proj = project(
            inputs.runs, firms, adopted, ramp, years, scenario.base_year, growth, edge, **extras
        )
        tidy = proj.tidy
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
        proj.substations.insert(0, "case", case)
        subs.append(proj.substations)
        proj.bottlenecks.insert(0, "case", case)
        necks.append(proj.bottlenecks)
        proj.firms.insert(0, "case", case)
        firm_parts.append(proj.firms)
    quality = {a: {n: r.quality[n] for n in names} for a, r in inputs.runs.items()}
    return ScenarioResult(
        scenario,
        pd.concat(parts, ignore_index=True),
        quality,
        settings,
        pd.concat(subs, ignore_index=True),
        pd.concat(necks, ignore_index=True),
        pd.concat(firm_parts, ignore_index=True),
    )


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
        scenario's seed (and its ``samples`` as replications when effects are sampled).
    use_cache
        Serve a stored result for the same inputs, and reuse archetype runs computed before;
        ``False`` recomputes everything (and refreshes the store).
    progress
        Called with a short text as each archetype x lever-set run finishes.
    workers
        Worker processes (default: one per CPU); results are identical for any number.
    """
    scenario = load_scenario(path)
    if settings is None:
        reps = scenario.uncertainty.samples or RunSettings().replications
        settings = RunSettings(seed=scenario.seed, replications=reps)
    result_key = _key(canonical_json(scenario), asdict(settings), data_digest(), __version__)
    if use_cache:
        hit = _load("results", result_key)
        if hit is not None:
            if progress:
                progress("served from the results store")
            return hit
    inputs = prepare(
        scenario,
        settings,
        source=str(path),
        use_cache=use_cache,
        progress=progress,
        workers=workers,
    )
    result = project_scenario(scenario, inputs, settings)
    _store("results", result_key, result)
    return result


def summary_table(result: ScenarioResult) -> pd.DataFrame:
    """Per year: totals with 95 % intervals, and the paired difference to the baseline.

    Labour productivity (``productivity_mkrw``) is value added per employee in million KRW;
    ``output_per_employee_mkrw`` is gross output per employee.
    """
    t = result.tidy
    per = t.groupby(["case", "year", "replication"], as_index=False)[list(TOTALS)].sum()
    per["productivity_mkrw"] = per["value_added_krw"] / per["employees"] / 1e6
    per["output_per_employee_mkrw"] = per["output_krw"] / per["employees"] / 1e6
    rows = []
    for year, grp in per.groupby("year"):
        sc = grp[grp["case"] == "scenario"].sort_values("replication")
        bl = grp[grp["case"] == "baseline"].sort_values("replication")
        for kpi in (*TOTALS, "productivity_mkrw", "output_per_employee_mkrw"):
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


def substation_table(result: ScenarioResult, year: int | None = None) -> pd.DataFrame:
    """Peak load against capacity per substation in ``year`` (default: the last year).

    ``load_mw`` is the sum of the peaks of the firms the substation feeds (sites' peaks do
    not all coincide, so this is an upper bound), mean and 95 % interval over replications,
    for the scenario and the baseline; the ``154kV-direct`` row gathers the large plants
    supplied directly at 154 kV (no capacity given).
    """
    t = result.substations
    year = int(t["year"].max()) if year is None else year
    t = t[t["year"] == year]
    rows = []
    for sub, grp in t.groupby("substation_id", sort=True):
        sc = grp[grp["case"] == "scenario"].sort_values("replication")
        bl = grp[grp["case"] == "baseline"].sort_values("replication")
        iv = mean_interval(sc["load_mw"].tolist())
        cap = float(sc["capacity_mw"].iloc[0])
        rows.append(
            {
                "year": year,
                "substation_id": sub,
                "firms": int(sc["firms"].iloc[0]),
                "capacity_mw": cap,
                "load_mw": iv["mean"],
                "load_low": iv["ci_low"],
                "load_high": iv["ci_high"],
                "baseline_load_mw": float(bl["load_mw"].mean()),
                "load_share": iv["mean"] / cap if cap == cap and cap > 0 else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def bottleneck_table(
    result: ScenarioResult, year: int | None = None, top: int = 10
) -> pd.DataFrame:
    """The suppliers that held back their customers' output most in ``year`` (scenario case).

    Default year: the last. Empty when no firm's growth was limited by its suppliers.
    """
    t = result.bottlenecks
    if t.empty:
        return t
    year = int(t["year"].max()) if year is None else year
    sel = t[(t["case"] == "scenario") & (t["year"] == year)]
    return sel.head(top).reset_index(drop=True)


def git_commit() -> str | None:
    """The checkout's commit (with ``-dirty`` when files are modified), or ``None``."""
    import subprocess

    try:
        root = repo_root()
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return (sha + ("-dirty" if dirty else "")) or None


#: The packages whose versions a manifest records.
RECORDED_PACKAGES = (
    "simpy",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "scikit-learn",
    "networkx",
    "geopandas",
    "salib",
    "dask",
    "distributed",
)


def package_versions() -> dict[str, str]:
    """Installed versions of :data:`RECORDED_PACKAGES` (those that are installed)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in RECORDED_PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


def write_folder_atomic(out: str | Path, files: dict[str, Callable[[Path], None]]) -> Path:
    """Write ``files`` (name -> writer of that path) into a temporary folder beside ``out``
    that replaces ``out`` only when every file is complete; on an error (or Ctrl-C) the
    temporary folder is removed and ``out`` is left as it was."""
    import shutil

    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        for name, write in files.items():
            write(tmp / name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if target.exists():
        old = target.with_name(f".old-{target.name}")
        if old.exists():
            shutil.rmtree(old)
        os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old)
    else:
        os.replace(tmp, target)
    return target


def write_results(result: ScenarioResult, out: str | Path) -> Path:
    """Write the results to the folder ``out`` atomically (:func:`write_folder_atomic`).

    Files: ``results.parquet`` (tidy KPIs per case, year, complex, sector, replication),
    ``substations.parquet``, ``firms.parquet`` (per case, year and firm: replication means
    and levers used), ``bottlenecks.csv``, ``summary.csv`` (:func:`summary_table`) and
    ``manifest.json`` (the scenario as canonical JSON and its hash, run settings and seed,
    the inputs' digest, versions, git commit, each lever model's measured quality).
    """
    manifest = {
        "scenario": result.scenario.name,
        "scenario_hash": scenario_hash(result.scenario),
        "scenario_json": json.loads(canonical_json(result.scenario)),
        "settings": asdict(result.settings),
        "version": __version__,
        "inputs_digest": data_digest(),
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "packages": package_versions(),
        "lever_quality": result.quality,
    }
    return write_folder_atomic(
        out,
        {
            "results.parquet": lambda p: result.tidy.to_parquet(p, index=False),
            "substations.parquet": lambda p: result.substations.to_parquet(p, index=False),
            "firms.parquet": lambda p: result.firms.to_parquet(p, index=False),
            "bottlenecks.csv": lambda p: result.bottlenecks.to_csv(p, index=False),
            "summary.csv": lambda p: summary_table(result).to_csv(p, index=False),
            "manifest.json": lambda p: p.write_text(json.dumps(manifest, indent=1, default=str)),
        },
    )
