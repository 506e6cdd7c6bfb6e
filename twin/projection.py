"""Projecting an AX scenario across the complex, year by year (``twin run``).

The complex is never simulated firm by firm. For each archetype the engine runs:

- the plain line (no lever), each lever alone, at the calibrated base-year demand, and
- the same lever sets at saturating demand, which measures the line's capacity,

with ``R`` replications that share random numbers across lever sets (common random numbers).
A firm that has adopted a set of levers gets its archetype's no-lever KPIs plus the sum of the
single-lever changes: the levers act on separate loss pools (failure time, escapes, idle
energy, setups, scrap), so their effects are taken to add up (how far that holds against a
run with all levers on is not measured yet). Demand grows by sector each year; a firm's
output is its demand, capped by its capacity with the levers it has, and energy follows output
along the line between the base and the saturated run. Firm results are archetype results times
the firm's scale; the scenario minus the baseline is a paired difference per replication.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from twin.config.factory import FactorySpec
from twin.config.transform import with_utilisation
from twin.des import simulate

__all__ = [
    "LeverSetRuns",
    "RunSettings",
    "combine_sets",
    "firm_year_kpis",
    "run_lever_set",
]

DAYS_PER_YEAR = 365.0
HOURS_PER_YEAR = 8760.0


@dataclass(frozen=True)
class RunSettings:
    """How each archetype x lever-set run is simulated."""

    days: float = 14.0
    warmup_days: float = 3.0
    replications: int = 5
    seed: int = 7
    saturation: float = 1.6  # demand multiplier that saturates every shipped archetype


@dataclass(frozen=True)
class LeverSetRuns:
    """One archetype under one lever set: annual KPIs per replication, base and saturated.

    ``base[k]`` and ``sat[k]`` are arrays over replications (same order, same streams).
    """

    base: dict[str, np.ndarray]
    sat: dict[str, np.ndarray]


def _annual(spec: FactorySpec, settings: RunSettings, policy: object) -> dict[str, np.ndarray]:
    k = DAYS_PER_YEAR / settings.days
    rows = [
        simulate(
            spec,
            days=settings.days,
            warmup_days=settings.warmup_days,
            seed=settings.seed,
            replication=r,
            policy=policy,
        )
        for r in range(settings.replications)
    ]
    return {
        "output_krw": np.array([r.kpis["revenue_krw"] * k for r in rows]),
        "good_units": np.array([r.kpis["good_units"] * k for r in rows]),
        "energy_mwh": np.array([r.kpis["energy_kwh"] * k / 1000.0 for r in rows]),
        "peak_kw": np.array([r.kpis["peak_kw_15min"] for r in rows]),
    }


def run_lever_set(spec: FactorySpec, policy: object, settings: RunSettings) -> LeverSetRuns:
    """Simulate a (lever-applied) archetype at its base demand and at saturating demand.

    ``spec`` is already at the base-year demand (calibrated utilisation); the saturated run
    multiplies its release rate by ``settings.saturation``.
    """
    base = _annual(spec, settings, policy)
    sat = _annual(with_utilisation(spec, settings.saturation), settings, policy)
    return LeverSetRuns(base, sat)


def combine_sets(
    none: LeverSetRuns, singles: Mapping[str, LeverSetRuns], levers: Sequence[str]
) -> LeverSetRuns:
    """KPIs of a lever set as the no-lever KPIs plus each lever's own change (additive)."""
    return _weighted(none, singles, dict.fromkeys(levers, 1.0))


def firm_year_kpis(runs: LeverSetRuns, demand_krw: np.ndarray) -> dict[str, np.ndarray]:
    """Annual KPIs of one archetype unit (per replication) for a year's demand.

    Output is demand capped by the capacity (the saturated run's output). Energy, good units
    and peak follow output linearly along the line through the base and the saturated run of
    this lever set (idle and facility loads do not scale with output), also below the base
    output: a lever that needs fewer releases for the same demand (less scrap) saves energy.
    """
    out_b, out_s = runs.base["output_krw"], runs.sat["output_krw"]
    output = np.minimum(demand_krw, np.maximum(out_s, out_b))
    moved = np.abs(out_s - out_b) > 1e-9
    frac = np.divide(output - out_b, out_s - out_b, out=np.zeros_like(output), where=moved)
    result = {"output_krw": output}
    for k in ("good_units", "energy_mwh", "peak_kw"):
        result[k] = runs.base[k] + frac * (runs.sat[k] - runs.base[k])
    return result


ProgressFn = Callable[[str], None]


@dataclass(frozen=True)
class ArchetypeRuns:
    """The runs of one archetype a projection needs: no lever, and each lever alone."""

    none: LeverSetRuns
    singles: dict[str, LeverSetRuns]
    quality: dict[str, dict[str, float]]


def ramp_factor(adopted_year: float, year: int, ramp_months: float) -> float:
    """Share of a lever's steady effect reached in ``year`` when adopted at the start of
    ``adopted_year``: the mean over that year of a linear ramp of ``ramp_months``."""
    if adopted_year is None or year < adopted_year:
        return 0.0
    k = year - int(adopted_year)  # years since adoption, 0 in the adoption year
    r = max(ramp_months, 1e-9) / 12.0

    def cum(t: float) -> float:  # integral of min(1, s / r) from 0 to t
        return t * t / (2 * r) if t <= r else t - r / 2

    return cum(k + 1) - cum(k)


def project_years(
    runs: Mapping[str, ArchetypeRuns],
    firms: pd.DataFrame,
    first_year: Mapping[str, pd.Series],
    ramp_months: Mapping[str, float],
    years: Sequence[int],
    base_year: int,
    growth: Mapping[str, float],
    edge_kw: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Tidy annual KPIs per (year, complex, sector, replication) for a given adoption.

    Parameters
    ----------
    runs
        Per archetype, its runs (see :class:`ArchetypeRuns`).
    firms
        Firm layer: ``firm_id``, ``archetype``, ``scale``, ``sector``, ``complex_id``,
        ``employees``.
    first_year
        Per lever, the first year each firm uses it (NA: never), indexed like ``firms``.
    ramp_months
        Per lever, months to full effect.
    years
        The projection years.
    base_year
        The calibrated year (demand index 1).
    growth
        Annual demand growth per sector.
    edge_kw
        Per lever, the edge-inference power one adopting archetype unit draws (counted as AI
        compute energy, all year, from the adoption year).
    """
    edge_kw = edge_kw or {}
    rows: list[pd.DataFrame] = []
    levers = list(first_year)
    for year in years:
        # Ramp factor of each lever for each firm this year.
        factors = (
            pd.DataFrame(
                {
                    lv: [
                        ramp_factor(None if pd.isna(a) else int(a), year, ramp_months[lv])
                        for a in first_year[lv]
                    ]
                    for lv in levers
                },
                index=firms.index,
            )
            if levers
            else pd.DataFrame(index=firms.index)
        )
        key_cols = ["archetype", "sector", "complex_id"]
        frame = firms[[*key_cols, "scale", "employees"]].copy()
        for lv in levers:
            frame[f"f:{lv}"] = factors[lv].round(6)
        group_cols = key_cols + [f"f:{lv}" for lv in levers]
        for key, grp in frame.groupby(group_cols, sort=True, dropna=False):
            arch, sector, cid = key[0], key[1], key[2]
            fac = dict(zip(levers, key[3:], strict=True))
            ar = runs[arch]
            ls = _weighted(ar.none, ar.singles, fac)
            index = (1.0 + growth.get(sector, 0.0)) ** (year - base_year)
            k = firm_year_kpis(ls, ar.none.base["output_krw"] * index)
            scale = float(grp["scale"].sum())
            reps = len(k["output_krw"])
            compute_kw = sum(edge_kw.get(lv, 0.0) for lv, f in fac.items() if f > 0)
            rows.append(
                pd.DataFrame(
                    {
                        "year": year,
                        "complex_id": cid,
                        "sector": sector,
                        "archetype": arch,
                        "replication": np.arange(reps),
                        "output_krw": k["output_krw"] * scale,
                        "good_units": k["good_units"] * scale,
                        "electricity_mwh": k["energy_mwh"] * scale,
                        "peak_mw": k["peak_kw"] * scale / 1000.0,
                        "employees": float(grp["employees"].sum()),
                        "ai_compute_mwh": compute_kw * scale * HOURS_PER_YEAR / 1000.0,
                    }
                )
            )
    tidy = pd.concat(rows, ignore_index=True)
    return tidy.groupby(["year", "complex_id", "sector", "replication"], as_index=False).sum(
        numeric_only=True
    )


def _weighted(
    none: LeverSetRuns, singles: Mapping[str, LeverSetRuns], factors: Mapping[str, float]
) -> LeverSetRuns:
    """No-lever KPIs plus each lever's change times its ramp factor."""

    def add(which: str) -> dict[str, np.ndarray]:
        ref = getattr(none, which)
        out = {k: v.copy() for k, v in ref.items()}
        for name, f in factors.items():
            if f:
                one = getattr(singles[name], which)
                for k in out:
                    out[k] += f * (one[k] - ref[k])
        return out

    return LeverSetRuns(add("base"), add("sat"))


def common_form(spec: FactorySpec, pdm_lever: object | None, level: str = "typical") -> FactorySpec:
    """The form every run of an archetype uses, with or without levers.

    With the predictive-maintenance lever file present, breakdowns become wear-driven
    (:func:`twin.ai.pdm.degradation_form`, with the lever's parameters at ``level``, the
    scenario's PdM level) for all runs, so that runs with and without PdM, and the baseline,
    share their failure histories.
    """
    if pdm_lever is None:
        return spec
    from twin.ai.pdm import degradation_form

    return degradation_form(
        spec,
        pdm_lever.value("sensor_sd", level),
        planned_repair_ratio=pdm_lever.value("planned_repair_ratio", level),
        sudden_failure_share=pdm_lever.value("sudden_failure_share", level),
    )


def archetype_runs(
    spec: FactorySpec,
    utilisation: float,
    lever_names: Sequence[str],
    lever_specs: Mapping[str, object],
    levels: Mapping[str, str],
    settings: RunSettings,
    progress: ProgressFn | None = None,
) -> ArchetypeRuns:
    """Simulate one archetype without levers and with each lever alone."""
    from twin.ai.registry import lever_apply

    # Levers learn and act at the archetype's own demand (its calibrated utilisation).
    demand = with_utilisation(spec, utilisation)
    base = common_form(
        demand,
        lever_specs.get("predictive_maintenance"),
        levels.get("predictive_maintenance", "typical"),
    )
    if progress:
        progress(f"{spec.name}: no lever")
    none = run_lever_set(base, None, settings)
    singles: dict[str, LeverSetRuns] = {}
    quality: dict[str, dict[str, float]] = {}
    for name in lever_names:
        if progress:
            progress(f"{spec.name}: {name}")
        source = demand if name == "predictive_maintenance" else base
        applied = lever_apply(name)(source, lever_specs[name], levels[name], settings.seed)
        singles[name] = run_lever_set(applied.spec, applied.policy, settings)
        quality[name] = dict(applied.quality)
    return ArchetypeRuns(none, singles, quality)
