"""Comparing scenarios (``twin compare``): paired differences, lever waterfalls, assumptions.

Every scenario is projected with the same run settings and seed, so all of them rest on the
same archetype runs (common random numbers): the difference between two scenarios is taken
replication by replication, and its interval is that of a paired difference.

A *waterfall* splits one scenario's change against its zero-adoption baseline into steps:
the AI data cluster and other non-lever changes first, then the levers switched on one by one
in :data:`twin.ai.registry.LEVER_ORDER` (spec-changing levers first). Each step is the paired
change it adds; the steps add up to the whole change exactly. The order matters where levers
interact (see :mod:`twin.additivity`); it is stated with the results.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from twin.ai.registry import LEVER_ORDER
from twin.config.loader import canonical_json
from twin.config.scenario import Scenario, load_scenario
from twin.core.errors import InputError
from twin.core.stats import mean_interval
from twin.projection import RunSettings
from twin.scenario_run import (
    TOTALS,
    ScenarioResult,
    prepare,
    project_scenario,
    run_scenario,
)

__all__ = [
    "DERIVED",
    "Comparison",
    "compare",
    "differing_assumptions",
    "paired_differences",
    "per_replication",
    "waterfall",
]

#: KPIs computed from the totals (ratios per replication).
DERIVED = {
    "productivity_mkrw": ("value_added_krw", "employees", 1e-6),
    "output_per_employee_mkrw": ("output_krw", "employees", 1e-6),
}


@dataclass(frozen=True)
class Comparison:
    """Scenarios compared with the first: per-scenario totals, paired differences, waterfalls
    (one per scenario with levers) and the assumptions that differ."""

    results: list[ScenarioResult]
    differences: pd.DataFrame
    waterfalls: pd.DataFrame
    assumptions: pd.DataFrame


def per_replication(result: ScenarioResult, case: str = "scenario") -> pd.DataFrame:
    """Complex totals per (year, replication) of one case, with the derived ratios."""
    t = result.tidy[result.tidy["case"] == case]
    per = t.groupby(["year", "replication"], as_index=True)[list(TOTALS)].sum()
    for name, (num, den, scale) in DERIVED.items():
        per[name] = per[num] / per[den] * scale
    return per.sort_index()


def _interval(values: np.ndarray) -> dict[str, float | None]:
    return mean_interval(values.tolist())


def paired_differences(results: Sequence[ScenarioResult]) -> pd.DataFrame:
    """Each scenario's totals and its paired difference to the first, per KPI and year.

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario``, ``year``, ``kpi``, ``mean``, ``ci_low``, ``ci_high`` (the
        scenario's own interval across replications), ``diff``, ``diff_low``, ``diff_high``
        (paired difference to the first scenario; 0 for the first itself).
    """
    ref = per_replication(results[0])
    rows = []
    for res in results:
        per = per_replication(res)
        for kpi in (*TOTALS, *DERIVED):
            for year in sorted(per.index.get_level_values("year").unique()):
                a = per.loc[year, kpi].to_numpy()
                b = ref.loc[year, kpi].to_numpy()
                own, diff = _interval(a), _interval(a - b)
                rows.append(
                    {
                        "scenario": res.scenario.name,
                        "year": int(year),
                        "kpi": kpi,
                        "mean": own["mean"],
                        "ci_low": own["ci_low"],
                        "ci_high": own["ci_high"],
                        "diff": diff["mean"],
                        "diff_low": diff["ci_low"],
                        "diff_high": diff["ci_high"],
                    }
                )
    return pd.DataFrame(rows)


def waterfall(
    scenario: Scenario,
    settings: RunSettings,
    *,
    inputs: object | None = None,
    kpis: Sequence[str] = ("value_added_krw", "electricity_mwh", "co2_t", "output_krw"),
    use_cache: bool = True,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """One scenario's change against its zero-adoption baseline, step by step.

    Steps: ``non-lever changes`` (the AI data cluster's energy), then each adopted lever in
    :data:`twin.ai.registry.LEVER_ORDER`, each the paired change it adds to the steps
    before it; their sum is the scenario's whole change.

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario``, ``step`` (order), ``name``, ``year``, ``kpi``, ``change``,
        ``change_low``, ``change_high`` (per step), ``cumulative`` (mean after the step).
    """
    if inputs is None:
        inputs = prepare(
            scenario, settings, use_cache=use_cache, progress=progress, workers=workers
        )
    adopted = [n for n in LEVER_ORDER if n in scenario.levers.active()]
    base = per_replication(project_scenario(scenario, inputs, settings, levers=[]), "baseline")
    stages = [("non-lever changes", [])] + [
        (f"+ {name}", adopted[: i + 1]) for i, name in enumerate(adopted)
    ]
    rows = []
    prev = base
    for step, (name, levers) in enumerate(stages):
        cur = per_replication(project_scenario(scenario, inputs, settings, levers=levers))
        for kpi in kpis:
            for year in sorted(cur.index.get_level_values("year").unique()):
                d = cur.loc[year, kpi].to_numpy() - prev.loc[year, kpi].to_numpy()
                iv = _interval(d)
                total = cur.loc[year, kpi].to_numpy() - base.loc[year, kpi].to_numpy()
                rows.append(
                    {
                        "scenario": scenario.name,
                        "step": step,
                        "name": name,
                        "year": int(year),
                        "kpi": kpi,
                        "change": iv["mean"],
                        "change_low": iv["ci_low"],
                        "change_high": iv["ci_high"],
                        "cumulative": float(np.mean(total)),
                    }
                )
        prev = cur
    return pd.DataFrame(rows)


def _flatten(value: object, prefix: str = "") -> dict[str, object]:
    if isinstance(value, dict):
        out: dict[str, object] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list):
        return {prefix: json.dumps(value, sort_keys=True)}
    return {prefix: value}


def differing_assumptions(scenarios: Sequence[Scenario]) -> pd.DataFrame:
    """The scenario settings that differ between the scenarios (one row per setting).

    Names, labels and descriptions are left out; sources and statuses are kept, so a changed
    number shows with the source each scenario gives for it.
    """
    flat = [_flatten(json.loads(canonical_json(s))) for s in scenarios]
    keys = sorted(set().union(*flat))
    skip = ("name", "label", "description")
    rows = []
    for key in keys:
        if key in skip:
            continue
        values = [f.get(key) for f in flat]
        if any(v != values[0] for v in values[1:]):
            by_name = {s.name: v for s, v in zip(scenarios, values, strict=True)}
            rows.append({"setting": key, **by_name})
    return pd.DataFrame(rows, columns=["setting", *[s.name for s in scenarios]])


def compare(
    paths: Sequence[str | Path],
    settings: RunSettings,
    *,
    use_cache: bool = True,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
    with_waterfalls: bool = True,
) -> Comparison:
    """Project each scenario with the same settings and compare them with the first.

    Raises
    ------
    InputError
        With fewer than two scenarios, or scenarios whose horizons or base years differ.
    """
    if len(paths) < 2:
        raise InputError("twin compare", "scenarios", "give two or more scenario files")
    scenarios = [load_scenario(p) for p in paths]
    first = scenarios[0]
    for path, s in zip(paths, scenarios, strict=True):
        if (s.horizon, s.base_year) != (first.horizon, first.base_year):
            raise InputError(
                str(path),
                "horizon",
                f"must match {paths[0]}'s ({first.horizon.start_year}-"
                f"{first.horizon.end_year}, base year {first.base_year}) to compare",
            )
    results = [
        run_scenario(p, settings, use_cache=use_cache, progress=progress, workers=workers)
        for p in paths
    ]
    falls = [
        waterfall(s, settings, use_cache=use_cache, workers=workers, progress=progress)
        for s in scenarios
        if with_waterfalls and s.levers.active()
    ]
    return Comparison(
        results,
        paired_differences(results),
        pd.concat(falls, ignore_index=True) if falls else pd.DataFrame(),
        differing_assumptions(scenarios),
    )
