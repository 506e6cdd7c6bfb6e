"""Everything a briefing shows, computed (or fetched from the stores) once, as plain data.

:func:`gather` runs the scenarios on shared settings (like the explorer: the first scenario's
seed, the replications the sampled ones need), compares them, splits each scenario's change
into lever steps, and adds the optional company ROI and sensitivity. Slides are then built
from the :class:`BriefingData` without computing anything (:mod:`twin.report.content`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from twin import __version__
from twin.compare import differing_assumptions, paired_differences, waterfall
from twin.config.scenario import Scenario, load_scenario, scenario_hash
from twin.core.errors import InputError
from twin.io.paths import data_dir, repo_root
from twin.projection import RunSettings
from twin.scenario_run import (
    ScenarioResult,
    bottleneck_table,
    data_digest,
    git_commit,
    run_scenario,
    substation_table,
    summary_table,
)
from twin.viz import KPIS

__all__ = [
    "BriefingData",
    "ReportOptions",
    "gather",
    "progress_total",
    "resolve_scenarios",
    "shared_settings",
]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ReportOptions:
    """What goes into a briefing besides the scenarios.

    Attributes
    ----------
    lang
        ``"en"`` or ``"ko"``.
    map_kpi
        KPI the map colours the complexes by (a key of :data:`twin.viz.KPIS`).
    year
        Year of the headline, map and bar slides (default: the scenarios' last).
    replications
        Replications of the runs (default: the largest any scenario needs, as the explorer).
    roi
        Include the company ROI slide.
    roi_archetypes
        Archetypes whose ROI is shown (default: the three with most employees).
    roi_replications, roi_years
        Replications per line and evaluation years of the ROI (small by default: cheap).
    sensitivity
        ``"light"``: one-at-a-time low/high on the inputs that need no extra simulation
        (adoption, demand growth, grid factor, data cluster); ``"full"``: with the lever
        effect sizes too (needs each lever's low and high runs); ``"none"``: no slide.
    sensitivity_kpi
        KPI of the tornado.
    workers
        Worker processes for runs that are missing (default: one per CPU).
    """

    lang: Literal["en", "ko"] = "en"
    map_kpi: str = "electricity_mwh"
    year: int | None = None
    replications: int | None = None
    roi: bool = True
    roi_archetypes: tuple[str, ...] | None = None
    roi_replications: int = 3
    roi_years: int = 7
    sensitivity: Literal["light", "full", "none"] = "light"
    sensitivity_kpi: str = "value_added_krw"
    workers: int | None = None

    def check(self) -> None:
        """Raise :class:`InputError` naming the option when a value is not allowed."""
        if self.lang not in ("en", "ko"):
            raise InputError("twin report", "--lang", f"'{self.lang}' (allowed: en, ko)")
        for name, kpi in (("--kpi", self.map_kpi), ("--sensitivity-kpi", self.sensitivity_kpi)):
            if kpi not in KPIS:
                raise InputError("twin report", name, f"'{kpi}' (allowed: {', '.join(KPIS)})")
        if self.sensitivity not in ("light", "full", "none"):
            raise InputError(
                "twin report", "--sensitivity", f"'{self.sensitivity}' (allowed: light, full, none)"
            )
        if self.roi_replications < 2:
            raise InputError("twin report", "--roi-replications", "must be 2 or more")
        if not 1 <= self.roi_years <= 30:
            raise InputError("twin report", "--roi-years", "must be from 1 to 30")
        if self.replications is not None and self.replications < 2:
            raise InputError("twin report", "--replications", "must be 2 or more")


@dataclass(frozen=True)
class BriefingData:
    """The computed content of a briefing (plain tables; no figures).

    Attributes
    ----------
    paths
        The scenario files, in the order given.
    results
        One :class:`~twin.scenario_run.ScenarioResult` per scenario, on ``settings``.
    differences
        :func:`twin.compare.paired_differences` (with two or more scenarios) or, for one
        scenario, its :func:`~twin.scenario_run.summary_table` against its own zero-adoption
        baseline, in the same columns.
    reference
        What differences are taken against: the first scenario's name, or ``None`` when it is
        the single scenario's own zero-adoption baseline.
    waterfalls
        :func:`twin.compare.waterfall` of each scenario with levers (may be empty).
    substations, bottlenecks
        Per scenario name, :func:`~twin.scenario_run.substation_table` and
        :func:`~twin.scenario_run.bottleneck_table` in ``year``.
    assumptions
        :func:`twin.compare.differing_assumptions` (empty for one scenario).
    roi
        Per archetype, per lever set: the ROI summary (``None`` when skipped).
    network_bottlenecks
        The firms whose stop would cost the rest of the complex most output
        (:func:`twin.baseline.top_bottlenecks`), a property of the supply network.
    tornado
        One-at-a-time sensitivity rows (``None`` when skipped) and its variant in ``notes``.
    sources
        Every source row of ``data/sources.csv`` and ``data/archetypes/sources.csv``.
    """

    paths: list[str]
    results: list[ScenarioResult]
    settings: RunSettings
    options: ReportOptions
    year: int
    differences: pd.DataFrame
    reference: str | None
    waterfalls: pd.DataFrame
    substations: dict[str, pd.DataFrame]
    bottlenecks: dict[str, pd.DataFrame]
    assumptions: pd.DataFrame
    sources: pd.DataFrame
    roi: dict[str, dict[str, dict[str, Any]]] | None = None
    network_bottlenecks: pd.DataFrame | None = None
    tornado: pd.DataFrame | None = None
    notes: dict[str, str] = field(default_factory=dict)
    created: str = ""
    commit: str | None = None
    version: str = __version__

    @property
    def scenarios(self) -> list[Scenario]:
        """The scenarios, in the order given."""
        return [r.scenario for r in self.results]

    @property
    def hashes(self) -> dict[str, str]:
        """Scenario name -> its hash (:func:`twin.config.scenario.scenario_hash`)."""
        return {s.name: scenario_hash(s) for s in self.scenarios}


def resolve_scenarios(names_or_paths: Sequence[str | Path]) -> list[str]:
    """Scenario files from paths or the names of shipped scenarios (``scenarios/NAME.yaml``).

    Raises
    ------
    InputError
        For no scenario or a name that is neither a file nor a shipped scenario.
    """
    if not names_or_paths:
        raise InputError("twin report", "scenarios", "give one or more scenario files")
    out = []
    shipped = repo_root() / "scenarios"
    for item in names_or_paths:
        p = Path(item)
        if p.is_file():
            out.append(_shown(p))
        elif (shipped / f"{item}.yaml").is_file():
            out.append(_shown(shipped / f"{item}.yaml"))
        else:
            names = sorted(q.stem for q in shipped.glob("*.yaml") if q.stem != "defaults")
            raise InputError(
                str(item), None, f"not a file or a shipped scenario ({', '.join(names)})"
            )
    return out


def _shown(path: Path) -> str:
    """A path as a command line would give it: relative to the working folder when inside."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def shared_settings(scenarios: Sequence[Scenario], replications: int | None = None) -> RunSettings:
    """Run settings shared by scenarios shown together (the explorer's rule).

    The first scenario's seed; replications: ``replications`` if given, else the largest of
    each scenario's own (its ``samples`` when effects are sampled, else 5).
    """
    default = RunSettings().replications
    reps = replications or max(s.uncertainty.samples or default for s in scenarios)
    return RunSettings(seed=scenarios[0].seed, replications=reps)


def read_sources() -> pd.DataFrame:
    """The source rows of the shipped data (``file, field, value, unit, year, source, status``)."""
    parts = [
        pd.read_csv(p, dtype=str, keep_default_na=False)
        for p in (data_dir() / "sources.csv", data_dir() / "archetypes" / "sources.csv")
        if p.is_file()
    ]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


# --- a small store for the optional parts (ROI, sensitivity) --------------------------------


def _cache_dir() -> Path:
    root = Path(os.environ.get("GUMI_TWIN_CACHE", repo_root() / ".cache"))
    return root / "report"


def _cached(kind: str, parts: Any, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per key (the inputs' digest is part of it), kept under .cache/."""
    blob = json.dumps([kind, parts, data_digest(), __version__], sort_keys=True, default=str)
    path = _cache_dir() / f"{kind}-{hashlib.sha256(blob.encode()).hexdigest()[:24]}.pkl"
    if path.is_file():
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except Exception:  # a damaged entry is recomputed
            pass
    value = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return value


def network_bottlenecks(top: int = 5) -> pd.DataFrame:
    """The supply network's top bottlenecks (:func:`twin.baseline.top_bottlenecks`, cached)."""
    from twin.baseline import top_bottlenecks
    from twin.io.geo import read_layer

    return _cached("network", [top], lambda: top_bottlenecks(read_layer("firms"), top))


def default_roi_archetypes(top: int = 3) -> tuple[str, ...]:
    """The ``top`` archetypes with most employees in the firm layer."""
    from twin.io.geo import read_layer

    firms = read_layer("firms")
    by = firms.groupby("archetype")["employees"].sum().sort_values(ascending=False)
    return tuple(by.index[:top])


def roi_by_archetype(
    archetypes: Sequence[str],
    levers: Sequence[str],
    *,
    replications: int,
    years: int,
    seed: int,
    workers: int | None = None,
    progress: Progress | None = None,
) -> dict[str, dict[str, dict[str, Any]]]:
    """Per archetype, per lever (and the bundle): :meth:`twin.roi.SetResult.summary` (cached).

    Each archetype runs at its calibrated demand with no headroom (``twin roi``'s defaults
    otherwise), the levers' effects sampled between their presets.
    """
    from twin.roi import company_roi, load_factory

    out: dict[str, dict[str, dict[str, Any]]] = {}
    for arch in archetypes:

        def compute(arch: str = arch) -> dict[str, dict[str, Any]]:
            factory = load_factory(arch)
            res = company_roi(
                factory.spec,
                list(levers),
                years=years,
                replications=replications,
                seed=seed,
                workers=workers,
                label=arch,
            )
            return {name: s.summary() for name, s in res.sets.items()}

        out[arch] = _cached("roi", [arch, list(levers), replications, years, seed], compute)
        if progress:
            progress(f"ROI: {arch}")
    return out


def one_at_a_time(
    path: str,
    scenario: Scenario,
    settings: RunSettings,
    kpi: str,
    year: int,
    *,
    with_effects: bool,
    workers: int | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """A tornado: the KPI's change against the zero-adoption baseline in ``year`` with each
    uncertain input (:func:`twin.sweep.default_uncertain`) at its low and at its high end, the
    others at their centre. Points are projections kept in the sweep store.

    Returns
    -------
    pandas.DataFrame
        ``input``, ``low``, ``high``, ``diff_at_low``, ``diff_at_high``, ``diff_at_centre``,
        ``swing``, largest swing first.
    """
    from twin.sweep import build_points, default_uncertain, run_study

    inputs = [
        u for u in default_uncertain(scenario) if with_effects or not u.name.endswith(".effect")
    ]
    if not inputs:
        return pd.DataFrame()
    centre = {u.name: u.centre for u in inputs}
    designs = [dict(centre)]
    for u in inputs:
        designs += [{**centre, u.name: u.low}, {**centre, u.name: u.high}]
    points = build_points(scenario, designs, settings, data_digest(), path, "sensitivity")
    study = run_study(
        scenario,
        points,
        settings,
        source=path,
        workers=None,
        progress=(lambda d, n, text: progress(f"sensitivity {d}/{n}")) if progress else None,
        prepare_progress=progress,
    )

    def diff(i: int) -> float:
        s = study.summaries[i]
        return float(s[(s["kpi"] == kpi) & (s["year"] == year)]["diff"].iloc[0])

    rows = []
    for j, u in enumerate(inputs):
        lo, hi = diff(1 + 2 * j), diff(2 + 2 * j)
        rows.append(
            {
                "input": u.name,
                "low": u.low,
                "high": u.high,
                "diff_at_low": lo,
                "diff_at_high": hi,
                "diff_at_centre": diff(0),
                "swing": abs(hi - lo),
            }
        )
    return pd.DataFrame(rows).sort_values("swing", ascending=False, ignore_index=True)


def _single_differences(result: ScenarioResult) -> pd.DataFrame:
    """One scenario against its own zero-adoption baseline, in paired_differences' columns."""
    s = summary_table(result)
    s = s[s["kpi"].isin(list(KPIS))]
    out = s[["year", "kpi", "mean", "ci_low", "ci_high", "diff", "diff_low", "diff_high"]].copy()
    out.insert(0, "scenario", result.scenario.name)
    base = s[["year", "kpi", "baseline"]].rename(columns={"baseline": "mean"})
    base.insert(0, "scenario", "__baseline__")
    return pd.concat([base, out], ignore_index=True)


def progress_total(
    names_or_paths: Sequence[str | Path], options: ReportOptions | None = None
) -> int:
    """About how many times :func:`gather` calls ``progress`` (for a progress bar's total).

    An upper bound when results are stored (a stored result reports once, not per run).
    """
    from twin.build import load_archetypes
    from twin.scenario_run import run_units_count

    options = options or ReportOptions()
    scenarios = [load_scenario(p) for p in resolve_scenarios(names_or_paths)]
    n_arch = len(load_archetypes())
    total = 0
    for s in scenarios:
        units = run_units_count(s, n_arch)
        total += units + (units if s.levers.active() else 0)  # the run, the waterfall
    if options.roi and any(s.levers.active() for s in scenarios):
        total += len(options.roi_archetypes or ()) or 3
    if options.sensitivity != "none":
        total += 2 * n_arch * 6 + 12  # preparing (with ranges when full) and the points
    return total


def gather(
    names_or_paths: Sequence[str | Path],
    options: ReportOptions | None = None,
    progress: Progress | None = None,
) -> BriefingData:
    """Compute (or fetch from the stores) everything a briefing shows.

    Parameters
    ----------
    names_or_paths
        Scenario files, or names of shipped scenarios; the first is the reference.
    options
        :class:`ReportOptions` (defaults: English, electricity map, ROI and light
        sensitivity on).
    progress
        Called with a short text as each run or step finishes.

    Raises
    ------
    InputError
        For a bad option, a missing or invalid scenario, or scenarios on different horizons.
    """
    options = options or ReportOptions()
    options.check()
    paths = resolve_scenarios(names_or_paths)
    scenarios = [load_scenario(p) for p in paths]
    first = scenarios[0]
    for p, s in zip(paths, scenarios, strict=True):
        if (s.horizon, s.base_year) != (first.horizon, first.base_year):
            raise InputError(p, "horizon", f"must match {paths[0]}'s to be shown together")
    years = first.years
    year = options.year if options.year is not None else years[-1]
    if year not in years:
        raise InputError("twin report", "--year", f"{year} (allowed: {years[0]}-{years[-1]})")
    if options.roi and options.roi_archetypes:
        from twin.io.paths import archetype_specs

        known = archetype_specs()
        bad = [a for a in options.roi_archetypes if a not in known]
        if bad:
            raise InputError(
                "twin report", "--roi-archetypes", f"'{bad[0]}' (allowed: {', '.join(known)})"
            )
    settings = shared_settings(scenarios, options.replications)
    results = [run_scenario(p, settings, progress=progress, workers=options.workers) for p in paths]
    if len(results) > 1:
        diffs = paired_differences(results)
        diffs = diffs[diffs["kpi"].isin(list(KPIS))].reset_index(drop=True)
        reference = first.name
    else:
        diffs = _single_differences(results[0])
        reference = None
    falls = [
        waterfall(s, settings, workers=options.workers, progress=progress)
        for s in scenarios
        if s.levers.active()
    ]
    notes: dict[str, str] = {}
    roi = None
    levers = list(dict.fromkeys(n for s in scenarios for n in s.levers.active()))
    if options.roi and levers:
        archetypes = options.roi_archetypes or default_roi_archetypes()
        roi = roi_by_archetype(
            archetypes,
            levers,
            replications=options.roi_replications,
            years=options.roi_years,
            seed=first.seed,
            workers=options.workers,
            progress=progress,
        )
    tornado = None
    target = next((i for i, s in enumerate(scenarios) if s.levers.active()), None)
    if options.sensitivity != "none" and target is not None:
        tornado = one_at_a_time(
            paths[target],
            scenarios[target],
            settings,
            options.sensitivity_kpi,
            year,
            with_effects=options.sensitivity == "full",
            workers=options.workers,
            progress=progress,
        )
        notes["tornado_scenario"] = scenarios[target].name
    return BriefingData(
        paths=paths,
        results=results,
        settings=settings,
        options=options,
        year=year,
        differences=diffs,
        reference=reference,
        waterfalls=pd.concat(falls, ignore_index=True) if falls else pd.DataFrame(),
        substations={r.scenario.name: substation_table(r, year) for r in results},
        bottlenecks={r.scenario.name: bottleneck_table(r, year, top=5) for r in results},
        assumptions=differing_assumptions(scenarios) if len(scenarios) > 1 else pd.DataFrame(),
        sources=read_sources(),
        roi=roi,
        network_bottlenecks=network_bottlenecks(),
        tornado=tornado,
        notes=notes,
        created=dt.date.today().isoformat(),
        commit=git_commit(),
    )
