"""The company ROI itself: :func:`company_roi` wires runs, quantities and money."""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from twin.config.factory import FactorySpec
from twin.config.lever import LeverSpec
from twin.config.tariff import Tariff, load_tariff
from twin.config.value_added import load_value_added
from twin.economics import annual_bill_krw
from twin.io.paths import data_dir
from twin.projection import common_form
from twin.roi.factory import saturating_factor
from twin.roi.pricing import (
    REFERENCE_MONDAY,
    REPAIR_KRW_PER_H,
    Money,
    baseline,
    defaults,
    mix,
    priced_sets,
)
from twin.roi.quantities import set_points, stack, year_noise
from twin.roi.results import BENEFITS, DEMANDS, RoiResult, SetResult
from twin.roi.runs import effect_draws, hosts, plan_units, run_units
from twin.roi.store import load_result, result_key, store_result
from twin.scenario_run import load_levers


def company_roi(
    spec: FactorySpec,
    levers: Sequence[str],
    years: int = 7,
    replications: int = 20,
    seed: int = 7,
    *,
    discount_rate: float = 0.07,
    days: float = 7.0,
    warmup_days: float = 2.0,
    saturation: float | None = None,
    headroom: float = 0.0,
    scale: float = 1.0,
    carbon_price_krw_per_t: float | None = None,
    grid_factor_t_per_mwh: float | None = None,
    repair_krw_per_h: float = REPAIR_KRW_PER_H,
    escape_cost_factor: float | None = None,
    sample_effects: bool = True,
    noise: str = "year",
    workers: int | None = 1,
    progress: Callable[[int, int], None] | None = None,
    lever_specs: Mapping[str, LeverSpec] | None = None,
    tariff: Tariff | None = None,
    label: str | None = None,
    simulations: int | None = None,
    store: bool = False,
) -> RoiResult:
    """ROI of each lever and of the bundle on one line, per replication (see the module doc).

    Parameters
    ----------
    spec
        The line at its demand (see :func:`load_factory`).
    levers
        Lever names (``data/levers``), at least one, no repeats.
    years
        Evaluation horizon, 1-30 years after the investment.
    replications
        Replications (>= 2): each one a draw of every lever's effect size on a simulation of
        every lever set (its own random numbers unless ``simulations`` is smaller).
    seed
        Root seed (runs, lever training and effect draws).
    discount_rate
        Yearly discount rate (0.07 for 7 %).
    days, warmup_days
        Measured days per run (>= 7: the tariff needs a whole week) and warm-up days (whole
        quarter hours).
    saturation
        Demand multiplier of the capacity runs (default: :func:`saturating_factor`).
    headroom
        How much more than the line's current output the market takes (0.1: 10 % more); added
        output is capped by capacity. 0: no extra output is sold.
    scale
        Lines of this kind the company runs (amounts and costs are per line times ``scale``).
    carbon_price_krw_per_t, grid_factor_t_per_mwh
        Defaults: ``scenarios/defaults.yaml`` (K-ETS price, 2023 consumption grid factor).
    repair_krw_per_h
        Cost of a repair machine-hour (:data:`REPAIR_KRW_PER_H`).
    escape_cost_factor
        Cost of an escaped defect as a multiple of the price (default:
        ``data/value_added.yaml``).
    sample_effects
        Place each lever's effect between its presets per replication (``False``: every
        replication at ``typical``).
    noise
        ``"year"``: each replication carries the simulation noise of a future year of
        operation (:func:`year_noise`: one run's deviation from the mean times
        ``sqrt(days / 365 + 1 / S)``, ``S`` the simulated replications);
        ``"run"``: one run's result scaled to a year as it is, which overstates how much a
        year can vary (a lucky week repeated 52 times).
    workers
        Worker processes (``None``: one per CPU); the results do not depend on it.
    progress
        Called with (simulations done, total) as runs finish.
    lever_specs, tariff
        Defaults: the files in ``data/levers`` and ``data/tariff.yaml``.
    label
        The line's name in the result (default: the spec's).
    simulations
        Simulated replications ``S`` (default: ``replications``, one simulation per
        replication as before). Fewer (a divisor of ``replications``, >= 2) decouple the
        effect draws from the simulations: draw ``i`` is placed on simulated replication
        ``i mod S`` (its lever sets at the presets the draw needs, common random numbers
        within it), so each simulation carries ``replications / S`` draws. Percentiles then
        mix the draws with the noise of ``S`` runs (under ``noise="year"`` shrunk by
        ``sqrt(days / 365 + 1 / S)``: fewer runs, a less certain mean, a wider range), and
        intervals of means (NPV, KPI changes) come from the ``S`` simulated replications'
        means (cluster means), not from the draws as if they were independent runs.
    store
        Serve a repeat from the results store (``.cache/roi``, keyed by every input, the
        data and the code) and store a new result there; ``False`` neither reads nor writes.

    Returns
    -------
    RoiResult
    """
    names = tuple(dict.fromkeys(levers))
    lever_specs = dict(lever_specs) if lever_specs is not None else load_levers()
    if not names or len(names) != len(levers):
        raise ValueError("levers must name at least one lever, each once")
    unknown = [n for n in names if n not in lever_specs]
    if unknown:
        raise ValueError(f"unknown lever {unknown[0]!r} (allowed: {', '.join(lever_specs)})")
    if int(years) != years or not 1 <= years <= 30:
        raise ValueError(f"years must be a whole number from 1 to 30 (got {years})")
    if int(replications) != replications or replications < 2:
        raise ValueError(f"replications must be a whole number >= 2 (got {replications})")
    sims = int(replications) if simulations is None else simulations
    if int(sims) != sims or not 2 <= sims <= replications or replications % sims:
        raise ValueError(
            f"simulations must be a whole number >= 2 that divides replications ({replications})"
            f" (got {simulations})"
        )
    sims = int(sims)
    if days < 7:
        raise ValueError(f"days must be at least 7: the tariff bills a whole week (got {days})")
    if warmup_days < 0 or (warmup_days * 96) != int(warmup_days * 96):
        raise ValueError(f"warmup_days must be whole quarter hours >= 0 (got {warmup_days})")
    if noise not in ("year", "run"):
        raise ValueError(f"noise must be 'year' or 'run' (got {noise!r})")
    if saturation is None:
        saturation = saturating_factor(spec)
    if headroom < 0 or scale <= 0 or saturation <= 1:
        raise ValueError("headroom must be >= 0, scale > 0 and saturation > 1")
    years, reps = int(years), int(replications)
    workers = workers or os.cpu_count() or 1
    tariff = tariff or load_tariff(data_dir() / "tariff.yaml")
    carbon_default, grid_default = defaults()
    carbon = carbon_default if carbon_price_krw_per_t is None else float(carbon_price_krw_per_t)
    grid = grid_default if grid_factor_t_per_mwh is None else float(grid_factor_t_per_mwh)
    if escape_cost_factor is None:
        va = load_value_added(data_dir() / "value_added.yaml")
        escape_cost_factor = float(va.escape_cost_factor.value)

    inputs = {
        "factory": label or spec.name,
        "levers": list(names),
        "years": years,
        "replications": reps,
        "simulations": sims,
        "seed": seed,
        "discount_rate": discount_rate,
        "days": float(days),
        "warmup_days": float(warmup_days),
        "saturation": float(saturation),
        "headroom": float(headroom),
        "scale": float(scale),
        "carbon_price_krw_per_t": carbon,
        "grid_factor_t_per_mwh": grid,
        "repair_krw_per_h": float(repair_krw_per_h),
        "escape_cost_factor": float(escape_cost_factor),
        "sample_effects": bool(sample_effects),
        "noise": noise,
        "tariff": tariff.name,
    }
    key = result_key(spec, names, lever_specs, tariff, inputs) if store else None
    if key is not None and (hit := load_result(key)) is not None:
        return replace(hit, from_store=True)

    draws = effect_draws(names, reps, seed, sample_effects)
    host = hosts(reps, sims)
    plain = spec
    base = common_form(spec, lever_specs.get("predictive_maintenance"), "typical")
    units = plan_units(names, draws, host, sims)
    settings = {
        "seed": seed,
        "days": float(days),
        "warmup_days": float(warmup_days),
        "saturation": float(saturation),
    }
    total = 2 * sum(len(u.reps) for u in units)
    records = run_units(units, plain, base, lever_specs, settings, workers, progress, total)
    n_bins = records[("none", ""), "base"][0]["profile"].size
    q = {  # per simulated replication
        (u.key, which): stack(records[u.key, which], sims, n_bins)
        for u in units
        for which in DEMANDS
    }
    # per effect draw: each draw on the simulated replication that carries it
    pts = set_points(_on_draws(q, host), names, draws, headroom)  # KPIs: the runs as they are
    money_pts = pts
    if noise == "year":  # money: a year's noise (the intervals of the mean stay the runs')
        # the noise of the S simulated replications, and the uncertainty of their mean (1 / S)
        noisy = year_noise(q, math.sqrt(float(days) / 365.0 + 1.0 / sims))
        money_pts = set_points(_on_draws(noisy, host), names, draws, headroom)
    start = REFERENCE_MONDAY + dt.timedelta(days=float(warmup_days))
    price, rho = mix(spec)
    money = Money(
        tariff=tariff,
        start=start,
        year_factor=365.0 / float(days),
        price=price,
        rho=rho,
        escape_factor=float(escape_cost_factor),
        repair_krw_per_h=float(repair_krw_per_h),
        grid=grid,
        carbon_price=carbon,
        kw_year_krw=annual_bill_krw(tariff, np.ones(7 * 96), start).total_krw,
    )
    quality = {u.key[0]: dict(u.quality) for u in units if u.key[1] == "typical"}
    priced = dict(
        names=names,
        draws=draws,
        lever_specs=lever_specs,
        money=money,
        years=years,
        rate=discount_rate,
        scale=scale,
        quality=quality,
    )
    sets = priced_sets(money_pts, pts, **priced)
    if noise == "year":  # the mean's interval comes from the runs as they are
        runs = priced_sets(pts, pts, **priced)
        sets = {n: replace(s, npv_run=runs[n].npv) for n, s in sets.items()}
    if sims < reps:  # intervals of means from the simulated replications' means
        sets = {n: replace(s, simulation_of=host) for n, s in sets.items()}
    notes: list[str] = [
        f"{n}: the lever finds nothing to act on in this line (no change)"
        for n in names
        if next(u for u in units if u.key == (n, "typical")).alias
    ]
    if sims < reps:
        notes.append(
            f"{reps} effect draws on {sims} simulated replications ({reps // sims} draws each): "
            f"intervals of means come from the {sims} simulations"
        )
    notes += _rare_event_notes(sets, q[("none", ""), "base"], float(days), noise)
    sat_out = float(np.mean(q[("none", ""), "sat"]["revenue"]))
    base_out = float(np.mean(q[("none", ""), "base"]["revenue"]))
    if base_out > 0 and sat_out > 0.9 * saturation * base_out:
        notes.append(
            f"saturating demand ({saturation:g}x) did not saturate the line: capacity "
            "changes are lower bounds"
        )
    if price <= 0:
        notes.append("the spec has no product prices: output, scrap and escapes are not valued")
    result = RoiResult(
        inputs=inputs,
        baseline=baseline(*pts["none"], money, scale),
        sets=sets,
        draws=draws,
        notes=notes,
        simulation_of=None if sims == reps else host,
    )
    if key is not None:
        store_result(key, result)
    return result


#: Events a benefit comes from: few of them in one run make each replication's year lumpy.
_EVENTS = {"repairs": "failures", "scrap": "scrap_units", "escapes": "escaped_units"}
_FEW_EVENTS = 10.0


def _on_draws(
    q: dict[tuple[tuple[str, str], str], dict[str, np.ndarray]], host: np.ndarray
) -> dict[tuple[tuple[str, str], str], dict[str, np.ndarray]]:
    """Per-simulation quantities repeated per effect draw (draw ``i`` on ``host[i]``)."""
    return {key: {k: v[host] for k, v in vals.items()} for key, vals in q.items()}


def _rare_event_notes(
    sets: Mapping[str, SetResult], none: dict[str, np.ndarray], days: float, noise: str
) -> list[str]:
    """Caveats where a benefit rests on events that are rare within one run."""
    out = []
    for kind, key in _EVENTS.items():
        per_run = float(np.mean(none[key]))
        users = [  # where this kind is a tenth or more of the benefits, in absolute terms
            n
            for n, s in sets.items()
            if np.mean(np.abs(s.annual[kind]))
            >= 0.1 * sum(np.mean(np.abs(s.annual[k])) for k in BENEFITS)
            > 0
        ]
        if users and per_run < _FEW_EVENTS:
            what = (
                "its mean is uncertain: more replications or longer runs (days) narrow it"
                if noise == "year"
                else "each replication scales one run to a year, so the NPV range is wide and "
                "lumpy: longer runs (days) give a steadier range; the mean is sound"
            )
            out.append(
                f"{', '.join(users)}: the {kind} benefit rests on rare events "
                f"({key.replace('_', ' ')}: {per_run:.1f} per {days:g}-day run without "
                f"levers); {what}"
            )
    return out
