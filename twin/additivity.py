"""Do the levers' effects add up? All levers at once against each lever alone.

``twin run`` gives a firm that has adopted several levers its archetype's no-lever KPIs plus
each lever's own change (:mod:`twin.projection`). :func:`measure` checks that on one archetype:
it runs the line with every lever at once (chained spec effects and combined policies,
:func:`twin.ai.registry.apply_levers`) and compares its change with the sum of the
single-lever changes, on the same random numbers, at base-year and at saturating demand.
"""

from __future__ import annotations

import numpy as np

from twin.ai.registry import LEVER_ORDER, apply_levers, lever_apply
from twin.baseline import load_settings
from twin.build import load_archetypes
from twin.config.transform import with_utilisation
from twin.projection import RunSettings, common_form, run_lever_set
from twin.scenario_run import load_levers

__all__ = ["KPIS", "measure"]

KPIS = ("output_krw", "energy_mwh", "consumed_units", "escaped_units")


def measure(arch: str, settings: RunSettings, level: str = "typical") -> list[dict]:
    """Sum of single-lever changes against the all-levers change, per demand level and KPI.

    Parameters
    ----------
    arch
        An archetype name (``data/archetypes``), at its calibrated utilisation.
    settings
        Run settings (replications, days, seed).
    level
        The effect preset of every lever.

    Returns
    -------
    list of dict
        Rows with ``archetype``, ``demand`` ("base" or "sat"), ``kpi``, ``no_lever`` (mean),
        ``sum_of_singles`` and ``all_levers`` (mean changes) and ``interaction``: (all -
        sum) / mean sum of the absolute single-lever changes (0: perfectly additive).
    """
    spec = load_archetypes()[arch]
    demand = with_utilisation(spec, load_settings().utilisation.get(arch, 1.0))
    levers = load_levers()
    levels = dict.fromkeys(LEVER_ORDER, level)
    base = common_form(demand, levers["predictive_maintenance"], level)
    none = run_lever_set(base, None, settings)
    singles = {}
    for name in LEVER_ORDER:
        source = demand if name == "predictive_maintenance" else base
        applied = lever_apply(name)(source, levers[name], level, settings.seed)
        singles[name] = run_lever_set(applied.spec, applied.policy, settings)
    spec_all, policy_all, _ = apply_levers(demand, LEVER_ORDER, levers, levels, settings.seed)
    combined = run_lever_set(spec_all, policy_all, settings)
    rows = []
    for which in ("base", "sat"):
        ref = getattr(none, which)
        for k in KPIS:
            deltas = [getattr(singles[n], which)[k] - ref[k] for n in LEVER_ORDER]
            summed = float(np.mean(np.sum(deltas, axis=0)))
            scale = float(np.mean(np.sum(np.abs(deltas), axis=0)))
            together = float(np.mean(getattr(combined, which)[k] - ref[k]))
            rows.append(
                {
                    "archetype": arch,
                    "demand": which,
                    "kpi": k,
                    "no_lever": float(np.mean(ref[k])),
                    "sum_of_singles": summed,
                    "all_levers": together,
                    "interaction": (together - summed) / scale if scale > 0 else 0.0,
                }
            )
    return rows
