"""The effect of each AI lever on one line: paired runs without and with it.

The Factory page's "Measure lever effects" (and anyone who wants the same for a spec): each
lever in ``data/levers`` is trained at ``typical`` and the line is run with and without it on
common random numbers; :func:`paired_change` turns the paired replications into a change with
its 95 % interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from twin.config import FactorySpec
from twin.core.stats import mean_interval

__all__ = ["EFFECT_KPIS", "measure_lever_effects", "paired_change"]

#: KPIs measured per lever (engine KPI names).
EFFECT_KPIS = (
    "throughput_per_h",
    "oee",
    "kwh_per_good_unit",
    "scrap_units",
    "escaped_defects",
    "mean_lead_time_min",
)


def measure_lever_effects(
    spec: FactorySpec,
    *,
    days: float,
    warmup_days: float,
    replications: int,
    seed: int,
    progress: Callable[[float, str], None] | None = None,
    lever_specs: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Run the line without levers and with each lever alone (``typical`` preset).

    Every run of a replication shares its random numbers (common random numbers), so the
    per-replication differences isolate the lever. As in :func:`twin.roi.company_roi`, all
    runs use the wear-driven form of breakdowns (:func:`twin.projection.common_form`) and
    predictive maintenance is applied to the plain line (it makes that form itself), so runs
    with and without it share failure histories.

    Parameters
    ----------
    spec
        The line as the page shows it.
    days, warmup_days, replications, seed
        Run settings shared by every run; ``seed`` also seeds each lever's training.
    progress
        Called with (fraction done, what runs next).
    lever_specs
        Lever files by name (default: ``data/levers``).

    Returns
    -------
    dict
        Plain data: ``settings``; ``without`` (KPI -> value per replication); ``levers``: per
        lever name its ``label``, ``kpis`` (like ``without``), ``unchanged`` (the lever found
        nothing to act on), ``quality`` (its model's measured quality) and ``status`` (data
        status of its effect parameters: status -> count).
    """
    # Imported here: the levers load scikit-learn, which the page needs only on demand.
    from twin.ai.registry import LEVER_ORDER, lever_apply
    from twin.config.loader import canonical_json
    from twin.experiment import run_factory
    from twin.projection import common_form
    from twin.scenario_run import load_levers

    levers = dict(lever_specs) if lever_specs is not None else load_levers()
    names = [n for n in LEVER_ORDER if n in levers]
    steps = 1 + 2 * len(names)
    done = 0

    def report(text: str) -> None:
        nonlocal done
        if progress is not None:
            progress(done / steps, text)
        done += 1

    def kpis_of(run_spec: FactorySpec, policy: Any) -> dict[str, list[float]]:
        run = run_factory(
            run_spec,
            days=days,
            warmup_days=warmup_days,
            replications=replications,
            seed=seed,
            policy=policy,
        )
        return {k: [float(r.kpis[k]) for r in run.reps] for k in EFFECT_KPIS}

    base = common_form(spec, levers.get("predictive_maintenance"), "typical")
    report("Simulating the line without levers")
    without = kpis_of(base, None)
    out: dict[str, Any] = {}
    for name in names:
        lever = levers[name]
        report(f"Training {lever.label}")
        source = spec if name == "predictive_maintenance" else base
        applied = lever_apply(name)(source, lever, "typical", seed)
        unchanged = applied.policy is None and canonical_json(applied.spec) == canonical_json(base)
        report(f"Simulating the line with {lever.label}")
        statuses: dict[str, int] = {}
        for param in lever.params.values():
            statuses[param.status] = statuses.get(param.status, 0) + 1
        out[name] = {
            "label": lever.label,
            "unchanged": unchanged,
            "kpis": without if unchanged else kpis_of(applied.spec, applied.policy),
            "quality": {k: float(v) for k, v in applied.quality.items()},
            "status": statuses,
        }
    if progress is not None:
        progress(1.0, "Done")
    return {
        "settings": {
            "days": days,
            "warmup_days": warmup_days,
            "replications": replications,
            "seed": seed,
        },
        "without": without,
        "levers": out,
    }


def paired_change(without: Sequence[float], with_: Sequence[float]) -> dict[str, float | None]:
    """Mean change and its 95 % interval from paired replications (``with_ - without``).

    Pairs where either value is undefined (NaN) are dropped. ``base`` is the mean of
    ``without`` over the kept pairs; ``rel``, ``rel_low`` and ``rel_high`` are the change and
    its bounds as fractions of ``base`` (``None`` when ``base`` is zero).
    """
    pairs = [
        (float(a), float(b))
        for a, b in zip(without, with_, strict=True)
        if math.isfinite(a) and math.isfinite(b)
    ]
    iv = mean_interval([b - a for a, b in pairs])
    base = math.fsum(a for a, _ in pairs) / len(pairs) if pairs else None
    out: dict[str, float | None] = {**iv, "base": base}
    for key, src in (("rel", "mean"), ("rel_low", "ci_low"), ("rel_high", "ci_high")):
        v = iv[src]
        out[key] = v / base if v is not None and base else None
    return out
