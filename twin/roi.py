"""Company ROI of AI levers on one line (``twin roi``): simulated, priced, with uncertainty.

A company names its line (an archetype of the complex or its own factory spec) and the levers
it considers. Orchestration, in three steps:

1. **Runs.** The line is simulated without levers, with each lever alone and with all of them
   together (the *bundle*, :func:`twin.ai.registry.apply_levers`), at the line's demand and at
   saturating demand (its capacity), like the projection (:mod:`twin.projection`), but with a
   demand multiplier that does saturate the line (:func:`saturating_factor`). The runs of a
   replication share their random numbers (common random numbers): every run uses the
   wear-driven form of the line (:func:`twin.projection.common_form`), predictive maintenance
   is applied to the plain line (it makes that form itself), so runs with and without it
   share failure histories.
2. **Effect uncertainty.** Each replication places each lever's effect between its ``low``,
   ``typical`` and ``high`` presets by a symmetric triangular draw ``t`` in [-1, 1] from the
   named stream ``("uncertainty", lever)`` (the same draws as a sampled scenario): the lever
   runs at ``typical`` and at the preset on the side of ``t`` (``high`` for ``t > 0``, ``low``
   for ``t < 0``), and every simulated quantity (KPIs and the 15-minute load profile) is
   placed linearly between them, as :meth:`twin.projection.ArchetypeRuns.delta` does. The
   bundle runs at ``typical``; each replication shifts it by the sum of its levers' own
   shifts from ``typical`` to their draws (an additive shift, chosen over scaling by the
   ratio of summed single-lever changes, which is unstable where that sum is near zero, e.g.
   output at fixed demand). Capex, opex, ramp-up months and edge compute power are placed
   with the same ``t``: a Lighthouse-grade deployment costs more and pays more.
3. **A year's noise.** One run is a week; scaled to a year as it is, its luck (a week
   without breakdowns, two escapes instead of one) would be taken to repeat all year. By
   default (``noise="year"``) each replication's deviation from the mean across the ``R``
   replications is scaled by ``sqrt(days / 365 + 1 / R)``, for the plain line and, pair by
   pair, for each lever set's change against it (:func:`_year_noise`): the variance of a
   future year's outcome around the estimated mean is that of a year of independent runs
   (``days / 365`` of one run's) plus the estimate's own (``1 / R`` of it). The NPV range
   then reflects the levers' effect ranges, a year's variation and how well ``R`` runs pin
   down the mean, not one week's luck; ``noise="run"`` keeps the runs as they are.
4. **Money.** Per replication, the line runs at its operating point: output is the demand
   (``1 + headroom`` times the no-lever output: the market takes that much more) capped by
   capacity, every other quantity follows output along the line between the base and the
   saturated run (:func:`twin.projection.firm_year_kpis`' rule). The lever's steady annual
   benefit against the no-lever line, by kind:

   - ``energy``: the KEPCO time-of-use bill (:func:`twin.economics.annual_bill_krw`: energy
     charge by period, climate-environment and fuel-adjustment charges, and the demand
     charge on the peak 15-minute kW) of the no-lever profile minus the lever's;
   - ``scrap``: materials of scrapped units avoided (scrapped units at the product mix's
     mean material cost; the change of all materials bought would add the noise of which
     lots happen to finish inside the measured week);
   - ``escapes``: escaped defects avoided at ``escape_cost_factor`` x the mix's mean price
     (``data/value_added.yaml``);
   - ``repairs``: breakdown and planned repair machine-hours avoided at a cost per repair
     hour (no repair-cost data exist: :data:`REPAIR_KRW_PER_H`, an estimate, a parameter);
   - ``margin``: contribution of added output, ``(1 - rho) dRevenue`` (``rho``: the mix's
     material share of the price); zero at the default headroom of 0 (the market takes no
     more than the line makes now);
   - ``carbon``: avoided tCO2 (electricity saved minus the lever's edge compute) at the grid
     factor, valued at a carbon price (defaults: ``scenarios/defaults.yaml``).

   Costs: capex at t = 0, opex from year 1 (licences, staff, upkeep from the lever file, plus
   the edge devices' electricity: a constant load priced by the tariff, demand charge
   included). Benefits ramp up over the lever's ``ramp_up_months``
   (:func:`twin.economics.ramped_benefit`); in the bundle each lever's own benefit ramps at
   its pace and the interaction (bundle minus the sum of single levers) at the slowest.
   NPV, IRR, discounted payback and benefit-cost ratio come from :mod:`twin.economics`.
   Amounts are per line times ``scale`` (lines, or the company's employees over the spec's).

Results do not depend on the number of worker processes: every run's random numbers are
named by seed and replication, every lever's training by its seed.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from twin.ai.registry import LEVER_ORDER, apply_levers, lever_apply
from twin.baseline import load_settings
from twin.config.factory import FactorySpec
from twin.config.lever import LeverSpec
from twin.config.loader import canonical_json, load_factory_spec, read_yaml, validate_model
from twin.config.scenario import GridFactor, Sourced
from twin.config.tariff import Tariff, load_tariff
from twin.config.transform import with_utilisation
from twin.config.value_added import load_value_added
from twin.core.errors import InputError
from twin.core.stats import mean_interval
from twin.core.streams import stream
from twin.des import simulate
from twin.des.results import visit_ratios
from twin.economics import (
    CashFlows,
    annual_bill_krw,
    benefit_cost_ratio,
    discounted_payback_years,
    irr,
    npv,
    ramped_benefit,
)
from twin.io.paths import archetype_specs, data_dir, repo_root
from twin.projection import MIN_GAP, availability, common_form
from twin.scenario_run import load_levers

__all__ = [
    "BENEFITS",
    "BUNDLE",
    "KPIS",
    "PAYBACK_YEARS",
    "REPAIR_KRW_PER_H",
    "Factory",
    "RoiResult",
    "SetResult",
    "company_roi",
    "load_factory",
    "saturating_factor",
    "simulations_count",
]

#: Cost of one machine-hour of repair (breakdown or planned), KRW. No repair-cost data exist
#: for the complex: two technicians at about KRW 40,000 an hour each (the average monthly wage
#: of KRW 4.2 M, Ministry of Employment and Labor business labour-force survey, Q1 2024, over
#: about 160 hours, times 1.5 for social insurance and overheads) plus about KRW 70,000 an
#: hour of spare parts and consumables. A Gumi Twin estimate; downtime's lost output is not in
#: it (it is the margin, where demand takes the output).
REPAIR_KRW_PER_H = 150_000.0
#: A Monday: the engine's day 0 is the first day of the week (Monday in KEPCO's weekend rules).
REFERENCE_MONDAY = dt.datetime(2025, 1, 6)
#: "Pays back within" this many years (discounted).
PAYBACK_YEARS = 3.0
#: Name of the set of all chosen levers together.
BUNDLE = "bundle"
#: Benefit kinds of the cash flows, in table order.
BENEFITS = ("energy", "scrap", "escapes", "repairs", "margin", "carbon")
#: KPIs reported with their changes: label and unit (counts and energy per year).
KPIS: dict[str, tuple[str, str]] = {
    "throughput_per_h": ("Throughput", "good units / scheduled h"),
    "oee": ("OEE", "share"),
    "availability": ("Machine availability", "share"),
    "energy_mwh": ("Electricity", "MWh / yr"),
    "peak_kw": ("Peak demand (15 min)", "kW"),
    "scrap_units": ("Scrap", "units / yr"),
    "escaped_units": ("Escaped defects", "units / yr"),
    "repair_h": ("Repair machine-hours", "h / yr"),
}
_SCALARS = (
    "revenue",
    "material",
    "good_units",
    "scrap_units",
    "escaped_units",
    "energy_mwh",
    "peak_kw",
    "oee",
    "throughput_per_h",
    "availability",
    "repair_h",
    "failures",
)
_ANNUAL = ("revenue", "material", "good_units", "scrap_units", "escaped_units", "energy_mwh")
_ANNUAL_KPI = {"energy_mwh", "scrap_units", "escaped_units", "repair_h"}
_DEMANDS = ("base", "sat")
HOURS_PER_YEAR = 8760.0


# ------------------------------------------------------------------------------- the factory


@dataclass(frozen=True)
class Factory:
    """The line a company asks about, at its demand.

    Attributes
    ----------
    spec
        The factory spec with its release rate at the line's demand.
    label
        A short name for reports.
    source
        The file the spec came from.
    archetype
        The archetype's name when the line is one of the complex's archetypes (its calibrated
        utilisation then sets the demand), else ``None``.
    utilisation
        The demand multiplier applied to the spec's release rate (1 for a company's spec).
    """

    spec: FactorySpec
    label: str
    source: str
    archetype: str | None
    utilisation: float


def load_factory(name: str) -> Factory:
    """The line named by an archetype name, an archetype file or a company's own spec file.

    Archetypes (``data/archetypes``) run at their calibrated utilisation
    (``data/calibration.yaml``); a company's spec runs at its own release rate.

    Raises
    ------
    InputError
        If ``name`` is neither an archetype nor a readable, valid spec file (naming the file
        and the field).
    """
    archetypes = archetype_specs()
    path = Path(name)
    if name in archetypes:
        path = archetypes[name]
    elif not path.is_file():
        if path.suffix in (".yaml", ".yml") or os.sep in name or "/" in name:
            raise InputError(name, None, "file not found")
        raise InputError(
            name,
            None,
            "not an archetype or a spec file (archetypes: " + ", ".join(archetypes) + ")",
        )
    spec = load_factory_spec(path)
    arch = None
    for a, p in archetypes.items():
        if p.resolve() == path.resolve():
            arch = a
    if arch is None:
        return Factory(spec, spec.name, str(path), None, 1.0)
    u = float(load_settings().utilisation.get(arch, 1.0))
    return Factory(with_utilisation(spec, u), arch, str(path), arch, u)


# ---------------------------------------------------------------------- runs (worker tasks)


@dataclass
class _Unit:
    """One lever set at one preset: trained once, simulated at two demands."""

    key: tuple[str, str]  # (set name, level); ("none", "") for the plain line
    reps: tuple[int, ...]
    spec: FactorySpec | None = None
    policy: Any = None
    quality: dict[str, Any] = field(default_factory=dict)
    alias: bool = False  # the lever changed nothing: the plain line's runs serve


def _record(res: Any) -> dict[str, Any]:
    """The quantities ROI needs from one replication (measured window, not annualised)."""
    k = res.kpis
    repair_min = sum(
        st["state_min"]["failed"] + st["state_min"]["maintenance"] for st in res.stations.values()
    )
    return {
        "revenue": k["revenue_krw"],
        "material": k["material_cost_krw"],
        "good_units": k["good_units"],
        "scrap_units": k["scrap_units"],
        "escaped_units": k["escaped_defects"],
        "energy_mwh": k["energy_kwh"] / 1000.0,
        "peak_kw": k["peak_kw_15min"],
        "oee": k["oee"],
        "throughput_per_h": k["throughput_per_h"],
        "availability": availability(res),
        "repair_h": repair_min / 60.0,
        "failures": k["failures"],
        "profile": np.asarray(res.profile_kw, dtype=float),
    }


def _simulate_chunk(
    spec: FactorySpec,
    policy: Any,
    days: float,
    warmup_days: float,
    seed: int,
    reps: tuple[int, ...],
    factor: float | None,
) -> list[dict[str, Any]]:
    """Replications ``reps`` of ``spec`` (at ``factor`` x its release rate if given)."""
    if factor is not None:
        spec = with_utilisation(spec, factor)
    return [
        _record(
            simulate(
                spec, days=days, warmup_days=warmup_days, seed=seed, replication=r, policy=policy
            )
        )
        for r in reps
    ]


def _train_group(
    plain: FactorySpec,
    base: FactorySpec,
    names: tuple[str, ...],
    levers: Mapping[str, LeverSpec],
    level: str,
    seed: int,
    bundle: bool,
) -> dict[tuple[str, str], tuple[FactorySpec, Any, dict]]:
    """Train ``names`` at ``level`` (and the bundle, if asked) in one process.

    The typical single levers and the bundle are trained together so that the levers' model
    caches serve the bundle's identical fits.
    """
    out = {}
    for name in names:
        source = plain if name == "predictive_maintenance" else base
        a = lever_apply(name)(source, levers[name], level, seed)
        out[name, level] = (a.spec, a.policy, dict(a.quality))
    if bundle:
        chosen = [n for n in LEVER_ORDER if n in names]
        source = plain if "predictive_maintenance" in chosen else base
        spec, policy, quality = apply_levers(
            source, chosen, levers, dict.fromkeys(chosen, "typical"), seed
        )
        out[BUNDLE, "typical"] = (spec, policy, quality)
    return out


class _Inline:
    """An executor that runs each task when it is submitted (one process)."""

    def submit(self, fn: Callable, *args: Any) -> Future:
        fut: Future = Future()
        fut.set_result(fn(*args))
        return fut

    def __enter__(self) -> _Inline:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        return None


#: The capacity runs release at least this multiple of the line's nominal capacity (the
#: bottleneck's processing time per released part, from the pass routes): setups, breakdowns
#: and blocking take capacity the nominal figure does not see.
OVERLOAD = 1.5
#: ... and at least this multiple of the line's demand (the projection's saturation).
MIN_SATURATION = 1.6


def saturating_factor(spec: FactorySpec) -> float:
    """Demand multiplier that saturates ``spec``: ``max(1.6, 1.5 / nominal utilisation)``.

    The nominal utilisation is the design bottleneck's work per released part (visits x mean
    process time / machines) over the mean time between releases. The projection's fixed
    1.6 leaves lines with much spare capacity unsaturated (the SMT-assembly archetype makes
    about 18 % more at 3x its calibrated demand than at 1.6x).
    """
    visits = visit_ratios(spec)
    load = max(visits[st.name] * st.mean_process_time() / st.machines for st in spec.stations)
    nominal = load / spec.source.interarrival_min.mean_value
    return max(MIN_SATURATION, OVERLOAD / nominal) if nominal > 0 else MIN_SATURATION


def _chunks(reps: tuple[int, ...], size: int) -> list[tuple[int, ...]]:
    return [reps[i : i + size] for i in range(0, len(reps), size)]


def simulations_count(levers: Sequence[str], replications: int, sample_effects: bool = True) -> int:
    """Simulated replications a company ROI runs (for a progress bar's total).

    Per replication and demand level: the plain line, each lever at ``typical`` and, when
    effects are sampled, at the one other preset its draw needs, and the bundle (two levers
    or more). Levers that change nothing on the line reuse the plain line's runs and count
    as done when found out.
    """
    n = len(levers)
    per_rep = 1 + n * (2 if sample_effects else 1) + (1 if n > 1 else 0)
    return 2 * replications * per_rep


# ------------------------------------------------------------------------------- the results


@dataclass(frozen=True)
class SetResult:
    """ROI of one lever (or the bundle): per-replication arrays and their summaries.

    Attributes
    ----------
    name
        The lever's name or ``"bundle"``.
    levers
        The levers in the set.
    npv, irr, payback_years, bcr
        Per replication; ``irr`` is NaN where undefined (-inf where the flows never turn
        positive), ``payback_years`` NaN where the investment never pays back in the horizon.
    capex, opex
        Investment and yearly running cost (edge compute energy included) per replication.
    annual
        Steady-state annual benefit by kind (:data:`BENEFITS`) per replication, KRW.
    flows
        Cash-flow table columns (``capex``, ``opex``, the benefits, ``net``), each an array of
        shape (replications, years + 1).
    kpis
        ``(kpi, "demand" | "capacity")`` -> the change per replication against the plain
        line, at the line's operating point and at saturating demand.
    quality
        The lever models' measured quality (typical preset).
    npv_run
        Per replication, the NPV with each run scaled to a year as it is (``noise="year"``
        only; else :attr:`npv` is that): the mean NPV's interval comes from it.
    """

    name: str
    levers: tuple[str, ...]
    npv: np.ndarray
    irr: np.ndarray
    payback_years: np.ndarray
    bcr: np.ndarray
    capex: np.ndarray
    opex: np.ndarray
    annual: dict[str, np.ndarray]
    flows: dict[str, np.ndarray]
    kpis: dict[tuple[str, str], np.ndarray]
    quality: dict[str, Any]
    npv_run: np.ndarray | None = None

    def summary(self) -> dict[str, Any]:
        """NPV P10 / P50 / P90 and mean, probability of payback within :data:`PAYBACK_YEARS`,
        IRR and BCR medians, median costs and steady benefits, median cash flows per year
        (each column's median: the medians do not add up to the median net)."""
        p10, p50, p90 = np.percentile(self.npv, [10, 50, 90])
        defined = self.irr[~np.isnan(self.irr)]  # -inf (never positive) ranks below all
        irr_med = float(np.median(defined)) if defined.size else math.nan
        paid = np.nan_to_num(self.payback_years, nan=np.inf) <= PAYBACK_YEARS
        return {
            "npv_p10": float(p10),
            "npv_p50": float(p50),
            "npv_p90": float(p90),
            "npv_mean": float(np.mean(self.npv)),
            "npv_mean_interval": mean_interval(
                (self.npv if self.npv_run is None else self.npv_run).tolist()
            ),
            "p_npv_positive": float(np.mean(self.npv > 0)),
            "p_payback_within_3y": float(np.mean(paid)),
            "payback_years_median": _nan_median(self.payback_years),
            "irr_median": irr_med if math.isfinite(irr_med) else None,
            "bcr_median": _nan_median(self.bcr),
            "capex_median": float(np.median(self.capex)),
            "opex_median": float(np.median(self.opex)),
            "annual_benefit_median": {k: float(np.median(v)) for k, v in self.annual.items()},
            "cash_flows_median": {k: np.median(v, axis=0).tolist() for k, v in self.flows.items()},
        }

    def kpi_table(self) -> dict[str, dict[str, dict[str, float | None]]]:
        """Per KPI and demand level: mean change and 95 % interval across replications."""
        out: dict[str, dict[str, dict[str, float | None]]] = {}
        for (kpi, where), v in self.kpis.items():
            out.setdefault(kpi, {})[where] = mean_interval(v.tolist())
        return out


def _nan_median(x: np.ndarray) -> float | None:
    """Median counting NaN (never) as above every value; ``None`` if the median is NaN."""
    s = np.sort(np.where(np.isnan(x), np.inf, x))
    m = float(np.median(s)) if s.size else math.inf
    return m if math.isfinite(m) else None


@dataclass(frozen=True)
class RoiResult:
    """A company ROI: inputs, the plain line, each lever and the bundle, notes.

    Attributes
    ----------
    inputs
        Every setting the result depends on (JSON-ready).
    baseline
        The plain line at its demand: annual output, energy, bill, peak, KPIs (means).
    sets
        Lever name (and ``"bundle"`` for two levers or more) -> :class:`SetResult`.
    draws
        Per lever, each replication's effect position ``t`` in [-1, 1].
    notes
        Caveats found while running (e.g. a lever that changes nothing on this line).
    """

    inputs: dict[str, Any]
    baseline: dict[str, Any]
    sets: dict[str, SetResult]
    draws: dict[str, np.ndarray]
    notes: list[str]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready document: inputs, baseline, per set summary and KPI changes."""
        return {
            "inputs": self.inputs,
            "baseline": self.baseline,
            "results": {
                name: {
                    "levers": list(s.levers),
                    **s.summary(),
                    "kpi_changes": s.kpi_table(),
                    "model_quality": s.quality,
                    "npv_by_replication": s.npv.tolist(),
                }
                for name, s in self.sets.items()
            },
            "effect_draws": {k: v.tolist() for k, v in self.draws.items()},
            "notes": self.notes,
        }


# --------------------------------------------------------------------------- the orchestration


def _defaults() -> tuple[float, float]:
    """Carbon price (KRW/t) and grid factor (t/MWh) of ``scenarios/defaults.yaml``."""
    path = repo_root() / "scenarios" / "defaults.yaml"
    d = read_yaml(path)
    price = validate_model(Sourced, d.get("carbon_price_krw_per_t"), f"{path}")
    grid = validate_model(GridFactor, d.get("grid_factor_t_per_mwh"), f"{path}")
    return float(price.value), float(grid.value)


def _at(param: Any, t: np.ndarray) -> np.ndarray:
    """A lever parameter placed at ``t`` (-1 low, 0 typical, +1 high; linear between)."""
    typ = param.typical
    return np.where(t > 0, typ + t * (param.high - typ), typ - t * (param.low - typ))


def _mix(spec: FactorySpec) -> tuple[float, float]:
    """Mean price of the product mix and its material share of the price (0 without prices)."""
    prods = spec.source.products or []
    price = sum(p.share * p.price_krw for p in prods)
    material = sum(p.share * p.material_cost_krw for p in prods)
    return price, (material / price if price > 0 else 0.0)


def _stack(records: Mapping[int, dict[str, Any]], reps: int, bins: int) -> dict[str, np.ndarray]:
    """Per-replication arrays (NaN for replications a unit did not run)."""
    out = {k: np.full(reps, np.nan) for k in _SCALARS}
    out["profile"] = np.full((reps, bins), np.nan)
    for r, rec in records.items():
        for k in _SCALARS:
            out[k][r] = rec[k]
        out["profile"][r] = rec["profile"]
    return out


def _year_noise(
    q: dict[tuple[tuple[str, str], str], dict[str, np.ndarray]], shrink: float
) -> dict[tuple[tuple[str, str], str], dict[str, np.ndarray]]:
    """Simulation noise of a future year of operation rather than of one run scaled to a year.

    Per demand level, the plain line's quantities move towards their mean across
    replications by ``shrink`` (``sqrt(days / 365 + 1 / R)``: a year is ``365 / days``
    independent runs' worth of noise, and the mean of ``R`` runs is itself uncertain), and so
    does every pair's difference, replication by replication, towards its mean over the
    replications the pair ran: a lever at ``typical`` and the bundle against the plain line,
    a lever at ``low`` or ``high`` against the same lever at ``typical`` (the pairs the
    effect draws interpolate between, so their common noise still cancels). Means are
    unchanged (up to the tariff's peak, a maximum); a difference that is the same in every
    replication is untouched.
    """

    def moved(vals: dict[str, np.ndarray], ref: dict[str, np.ndarray], ref_y: dict):
        out = {}
        for k, v in vals.items():
            d = v - ref[k]
            ran = ~np.isnan(d.reshape(d.shape[0], -1)[:, 0])
            mean = d[ran].mean(axis=0) if ran.any() else 0.0
            out[k] = ref_y[k] + mean + shrink * (d - mean)
        return out

    out = dict(q)
    none_key = ("none", "")
    for which in _DEMANDS:
        none = q[none_key, which]
        out[none_key, which] = {
            k: v.mean(axis=0) + shrink * (v - v.mean(axis=0)) for k, v in none.items()
        }
        for (key, w), vals in q.items():  # typical presets and the bundle first
            if w == which and key != none_key and key[1] == "typical":
                out[key, w] = moved(vals, none, out[none_key, which])
        for (key, w), vals in q.items():
            if w == which and key[1] in ("low", "high"):
                typ = (key[0], "typical"), which
                out[key, w] = moved(vals, q[typ], out[typ])
    return out


def _placed(
    typ: dict[str, np.ndarray],
    low: dict[str, np.ndarray] | None,
    high: dict[str, np.ndarray] | None,
    t: np.ndarray,
) -> dict[str, np.ndarray]:
    """Quantities at ``t``: typical plus ``|t|`` times the way to the preset on t's side."""
    if low is None or high is None:
        return typ
    out = {}
    for k, v in typ.items():
        tt = np.abs(t).reshape((-1,) + (1,) * (v.ndim - 1))
        side = np.where((t > 0).reshape(tt.shape), high[k], low[k])
        out[k] = np.where(tt > 0, v + tt * (side - v), v)
    return out


def _operating_point(
    base: dict[str, np.ndarray], sat: dict[str, np.ndarray], demand: np.ndarray
) -> dict[str, np.ndarray]:
    """Quantities at output = demand capped by capacity, following output between the base
    and the saturated run (the projection's rule, :func:`twin.projection.firm_year_kpis`)."""
    out_b, out_s = base["revenue"], sat["revenue"]
    output = np.minimum(demand, np.maximum(out_s, out_b))
    gap = np.maximum(out_s - out_b, MIN_GAP * np.abs(out_b))
    frac = np.divide(output - out_b, gap, out=np.zeros_like(output), where=gap > 0)
    res = {}
    for k, v in base.items():
        f = frac.reshape((-1,) + (1,) * (v.ndim - 1))
        res[k] = v + f * (sat[k] - v)
    res["revenue"] = output
    res["profile"] = np.maximum(res["profile"], 0.0)
    return res


def _set_points(
    q: dict[tuple[tuple[str, str], str], dict[str, np.ndarray]],
    names: tuple[str, ...],
    draws: Mapping[str, np.ndarray],
    headroom: float,
) -> dict[str, tuple[dict[str, np.ndarray], dict[str, np.ndarray]]]:
    """Per lever set (``"none"``, each lever, ``"bundle"``): its quantities at the operating
    point and at capacity, each lever placed at its replications' draws."""

    def placed(name: str, which: str) -> dict[str, np.ndarray]:
        typ = q[(name, "typical"), which]
        low = q.get(((name, "low"), which), typ)
        high = q.get(((name, "high"), which), typ)
        return _placed(typ, low, high, draws[name])

    def bundle(which: str) -> dict[str, np.ndarray]:
        out = {k: v.copy() for k, v in q[(BUNDLE, "typical"), which].items()}
        for n in names:  # each lever's own shift from typical to its draw
            at_draw, typ = placed(n, which), q[(n, "typical"), which]
            for k in out:
                out[k] = out[k] + (at_draw[k] - typ[k])
        out["profile"] = np.maximum(out["profile"], 0.0)
        return out

    none_b, none_s = q[("none", ""), "base"], q[("none", ""), "sat"]
    demand = (1.0 + headroom) * none_b["revenue"]
    sets = {"none": (none_b, none_s)}
    sets.update({n: (placed(n, "base"), placed(n, "sat")) for n in names})
    if len(names) > 1:
        sets[BUNDLE] = (bundle("base"), bundle("sat"))
    return {n: (_operating_point(b, s, demand), s) for n, (b, s) in sets.items()}


@dataclass(frozen=True)
class _Money:
    """What turns simulated quantities into money (per line, annual)."""

    tariff: Tariff
    start: dt.datetime
    year_factor: float  # 365 / measured days
    price: float  # mean price of the mix, KRW
    rho: float  # material share of the price
    escape_factor: float
    repair_krw_per_h: float
    grid: float  # tCO2 / MWh
    carbon_price: float  # KRW / tCO2
    kw_year_krw: float  # cost of a constant 1 kW load for a year under the tariff

    def bills(self, profiles: np.ndarray) -> np.ndarray:
        return np.array([annual_bill_krw(self.tariff, p, self.start).total_krw for p in profiles])

    def annual(
        self,
        q: dict[str, np.ndarray],
        ref: dict[str, np.ndarray],
        bill: np.ndarray,
        ref_bill: np.ndarray,
        compute_kw: np.ndarray,
    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Steady annual benefits by kind (carbon: KRW, net of the edge compute's emissions)
        and the tCO2 avoided by the line's electricity, per replication."""
        k = self.year_factor
        d = {key: (q[key] - ref[key]) * k for key in _ANNUAL}
        d_repair = (q["repair_h"] - ref["repair_h"]) * k
        carbon_t = -d["energy_mwh"] * self.grid
        compute_t = compute_kw * HOURS_PER_YEAR / 1000.0 * self.grid
        out = {
            "energy": ref_bill - bill,
            "scrap": -self.rho * self.price * d["scrap_units"],
            "escapes": -self.escape_factor * self.price * d["escaped_units"],
            "repairs": -self.repair_krw_per_h * d_repair,
            "margin": (1.0 - self.rho) * d["revenue"],
            "carbon": (carbon_t - compute_t) * self.carbon_price,
        }
        return out, carbon_t


def _ramp(months: float, years: int) -> np.ndarray:
    return np.concatenate([[0.0], ramped_benefit(1.0, months, years)])


def _metrics(rate: float, net: np.ndarray, costs: np.ndarray) -> tuple[float, ...]:
    v = npv(rate, net)
    r = irr(net)
    if r is None:
        nz = net[net != 0]
        r = -math.inf if nz.size and np.all(nz < 0) else math.nan
    pb = discounted_payback_years(rate, net)
    pv_costs = npv(rate, costs)
    bcr = benefit_cost_ratio(rate, net + costs, costs) if pv_costs > 0 else math.nan
    return v, r, (math.nan if pb is None else pb), bcr


def _run_units(
    units: list[_Unit],
    plain: FactorySpec,
    base: FactorySpec,
    levers: Mapping[str, LeverSpec],
    settings: dict[str, Any],
    workers: int,
    progress: Callable[[int, int], None] | None,
    total: int,
) -> dict[tuple[tuple[str, str], str], dict[int, dict[str, Any]]]:
    """Train every unit's lever and simulate its replications at both demand levels."""
    seed, days, warm, sat = (
        settings["seed"],
        settings["days"],
        settings["warmup_days"],
        settings["saturation"],
    )
    by_key = {u.key: u for u in units}
    chunk = max(1, min(8, math.ceil(max(len(u.reps) for u in units) / (2 * max(workers, 1)))))
    records: dict[tuple[tuple[str, str], str], dict[int, dict[str, Any]]] = {}
    done = 0
    pool = ProcessPoolExecutor(max_workers=workers) if workers > 1 else _Inline()
    pending: dict[Future, tuple[str, Any]] = {}

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    tick(0)
    with pool:

        def submit_sims(u: _Unit) -> None:
            spec = base if u.key[0] == "none" else u.spec
            for which in _DEMANDS:
                factor = sat if which == "sat" else None
                for reps in _chunks(u.reps, chunk):
                    args = (spec, u.policy, days, warm, seed, reps, factor)
                    pending[pool.submit(_simulate_chunk, *args)] = ("sim", (u.key, which, reps))

        try:
            singles = tuple(u.key[0] for u in units if u.key[1] == "typical" and u.key[0] != BUNDLE)
            bundle = (BUNDLE, "typical") in by_key
            tasks = [(singles, "typical", bundle)] + [
                ((u.key[0],), u.key[1], False) for u in units if u.key[1] in ("low", "high")
            ]
            for chosen, level, with_bundle in tasks:  # the longest tasks first
                args = (plain, base, chosen, levers, level, seed, with_bundle)
                pending[pool.submit(_train_group, *args)] = ("train", None)
            submit_sims(by_key["none", ""])
            while pending:
                finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                for fut in finished:
                    kind, what = pending.pop(fut)
                    if kind == "train":
                        for key, (spec, policy, quality) in sorted(fut.result().items()):
                            u = by_key[key]
                            u.spec, u.policy, u.quality = spec, policy, quality
                            if policy is None and canonical_json(spec) == canonical_json(base):
                                u.alias = True
                                tick(2 * len(u.reps))
                            else:
                                submit_sims(u)
                        continue
                    key, which, reps = what
                    for r, rec in zip(reps, fut.result(), strict=True):
                        records.setdefault((key, which), {})[r] = rec
                    tick(len(reps))
        except BaseException:  # an error or Ctrl-C: stop the workers, do not wait for them
            # (no public way to stop running tasks before Python 3.14's terminate_workers)
            running = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in running:
                proc.terminate()
            raise
    for u in units:  # a lever that changed nothing repeats the plain line's runs exactly
        if u.alias:
            for which in _DEMANDS:
                src = records[("none", ""), which]
                records[u.key, which] = {r: src[r] for r in u.reps}
    return records


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
        Replications (>= 2): each one is a simulation of every lever set on its own random
        numbers and a draw of every lever's effect size.
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
        operation (:func:`_year_noise`: one run's deviation from the mean times
        ``sqrt(days / 365 + 1 / replications)``);
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
    carbon_default, grid_default = _defaults()
    carbon = carbon_default if carbon_price_krw_per_t is None else float(carbon_price_krw_per_t)
    grid = grid_default if grid_factor_t_per_mwh is None else float(grid_factor_t_per_mwh)
    if escape_cost_factor is None:
        va = load_value_added(data_dir() / "value_added.yaml")
        escape_cost_factor = float(va.escape_cost_factor.value)

    draws = {
        n: (
            stream(seed, "uncertainty", n).triangular(-1.0, 0.0, 1.0, size=reps)
            if sample_effects
            else np.zeros(reps)
        )
        for n in names
    }
    plain = spec
    base = common_form(spec, lever_specs.get("predictive_maintenance"), "typical")
    all_reps = tuple(range(reps))
    units = [_Unit(("none", ""), all_reps)]
    for n in names:
        units.append(_Unit((n, "typical"), all_reps))
        for level, side in (("low", draws[n] < 0), ("high", draws[n] > 0)):
            chosen = tuple(int(r) for r in np.flatnonzero(side))
            if chosen:
                units.append(_Unit((n, level), chosen))
    if len(names) > 1:
        units.append(_Unit((BUNDLE, "typical"), all_reps))
    settings = {
        "seed": seed,
        "days": float(days),
        "warmup_days": float(warmup_days),
        "saturation": float(saturation),
    }
    total = 2 * sum(len(u.reps) for u in units)
    records = _run_units(units, plain, base, lever_specs, settings, workers, progress, total)
    n_bins = records[("none", ""), "base"][0]["profile"].size
    q = {
        (u.key, which): _stack(records[u.key, which], reps, n_bins)
        for u in units
        for which in _DEMANDS
    }
    pts = _set_points(q, names, draws, headroom)  # KPI changes: the runs as they are
    money_pts = pts
    if noise == "year":  # money: a year's noise (the intervals of the mean stay the runs')
        money_pts = _set_points(
            _year_noise(q, math.sqrt(float(days) / 365.0 + 1.0 / reps)), names, draws, headroom
        )
    start = REFERENCE_MONDAY + dt.timedelta(days=float(warmup_days))
    price, rho = _mix(spec)
    money = _Money(
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
    sets = _priced_sets(money_pts, pts, **priced)
    if noise == "year":  # the mean's interval comes from the runs as they are
        runs = _priced_sets(pts, pts, **priced)
        sets = {n: replace(s, npv_run=runs[n].npv) for n, s in sets.items()}
    notes: list[str] = [
        f"{n}: the lever finds nothing to act on in this line (no change)"
        for n in names
        if next(u for u in units if u.key == (n, "typical")).alias
    ]
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
    return RoiResult(
        inputs={
            "factory": label or spec.name,
            "levers": list(names),
            "years": years,
            "replications": reps,
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
        },
        baseline=_baseline(*pts["none"], money, scale),
        sets=sets,
        draws=draws,
        notes=notes,
    )


#: Events a benefit comes from: few of them in one run make each replication's year lumpy.
_EVENTS = {"repairs": "failures", "scrap": "scrap_units", "escapes": "escaped_units"}
_FEW_EVENTS = 10.0


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


def _priced_sets(
    points: Mapping[str, tuple[dict[str, np.ndarray], dict[str, np.ndarray]]],
    kpi_points: Mapping[str, tuple[dict[str, np.ndarray], dict[str, np.ndarray]]],
    *,
    names: tuple[str, ...],
    draws: Mapping[str, np.ndarray],
    lever_specs: Mapping[str, LeverSpec],
    money: _Money,
    years: int,
    rate: float,
    scale: float,
    quality: Mapping[str, dict[str, Any]],
) -> dict[str, SetResult]:
    """Benefits, costs and cash flows of each lever and the bundle, per replication.

    ``points``: the quantities the money comes from; ``kpi_points``: those the KPI changes
    are reported from (see :func:`_set_points`).
    """
    none_op = points["none"][0]
    none_bill = money.bills(none_op["profile"])
    singles: dict[str, dict[str, Any]] = {}
    sets: dict[str, SetResult] = {}
    for n in names:
        op = points[n][0]
        lv, t = lever_specs[n], draws[n]
        compute_kw = _at(lv.compute_kw_edge, t)
        annual, avoided_t = money.annual(
            op, none_op, money.bills(op["profile"]), none_bill, compute_kw
        )
        singles[n] = {
            "annual": annual,
            "avoided_t": avoided_t,
            "capex": _at(lv.capex_krw, t),
            "opex": _at(lv.opex_krw_per_year, t) + compute_kw * money.kw_year_krw,
            "ramp": _at(lv.ramp_up_months, t),
            "compute_t": compute_kw * HOURS_PER_YEAR / 1000.0 * money.grid,
        }
        kpis = _kpi_changes(kpi_points[n], kpi_points["none"], money.year_factor)
        sets[n] = _set_result(
            n, (n,), [singles[n]], None, years, rate, scale, money, kpis, quality[n]
        )
    if len(names) > 1:
        op = points[BUNDLE][0]
        compute_kw = sum(_at(lever_specs[n].compute_kw_edge, draws[n]) for n in names)
        annual, _ = money.annual(op, none_op, money.bills(op["profile"]), none_bill, compute_kw)
        interaction = {k: annual[k] - sum(singles[n]["annual"][k] for n in names) for k in BENEFITS}
        slowest = np.max([singles[n]["ramp"] for n in names], axis=0)
        kpis = _kpi_changes(kpi_points[BUNDLE], kpi_points["none"], money.year_factor)
        parts = [singles[n] for n in names]
        sets[BUNDLE] = _set_result(
            BUNDLE,
            names,
            parts,
            (interaction, slowest),
            years,
            rate,
            scale,
            money,
            kpis,
            quality[BUNDLE],
        )
    return sets


def _kpi_changes(
    points: tuple[dict[str, np.ndarray], dict[str, np.ndarray]],
    none: tuple[dict[str, np.ndarray], dict[str, np.ndarray]],
    k: float,
) -> dict[tuple[str, str], np.ndarray]:
    """Per-replication KPI changes at the operating point and at capacity (one line)."""
    out = {}
    for kpi in KPIS:
        f = k if kpi in _ANNUAL_KPI else 1.0
        out[kpi, "demand"] = (points[0][kpi] - none[0][kpi]) * f
        out[kpi, "capacity"] = (points[1][kpi] - none[1][kpi]) * f
    return out


def _set_result(
    name: str,
    levers: tuple[str, ...],
    parts: list[dict[str, Any]],
    interaction: tuple[dict[str, np.ndarray], np.ndarray] | None,
    years: int,
    rate: float,
    scale: float,
    money: _Money,
    kpis: dict[tuple[str, str], np.ndarray],
    quality: dict[str, Any],
) -> SetResult:
    """Cash flows and metrics per replication of one lever set (``parts``: its levers)."""
    reps = parts[0]["capex"].size
    cols = ("capex", "opex", *BENEFITS, "net")
    flows = {c: np.zeros((reps, years + 1)) for c in cols}
    out = {k: np.zeros(reps) for k in ("npv", "irr", "payback", "bcr")}
    live = (np.arange(years + 1) > 0).astype(float)
    capex = sum(p["capex"] for p in parts) * scale
    opex = sum(p["opex"] for p in parts) * scale
    annual = {k: sum(p["annual"][k] for p in parts) * scale for k in BENEFITS}
    if interaction is not None:
        for k in BENEFITS:
            annual[k] = annual[k] + interaction[0][k] * scale
    for r in range(reps):
        benefit = {k: np.zeros(years + 1) for k in BENEFITS}
        for p in parts:
            ramp = _ramp(float(p["ramp"][r]), years)
            for k in BENEFITS:
                if k == "carbon":  # savings ramp up; edge compute emits from go-live
                    benefit[k] += money.carbon_price * (
                        p["avoided_t"][r] * ramp - p["compute_t"][r] * live
                    )
                else:
                    benefit[k] += p["annual"][k][r] * ramp
        if interaction is not None:
            ramp = _ramp(float(interaction[1][r]), years)
            for k in BENEFITS:
                benefit[k] += interaction[0][k][r] * ramp
        capex_row = np.zeros(years + 1)
        capex_row[0] = capex[r]
        opex_row = np.concatenate([[0.0], np.full(years, opex[r])])
        cf = CashFlows(
            years,
            capex_row,
            opex_row,
            {k: benefit[k] * scale for k in ("energy", "scrap", "escapes", "repairs")},
            margin=benefit["margin"] * scale,
            carbon=benefit["carbon"] * scale,
        )
        net = cf.net()
        for c in ("capex", "opex"):
            flows[c][r] = getattr(cf, c)
        for k in ("energy", "scrap", "escapes", "repairs"):
            flows[k][r] = cf.savings[k]
        flows["margin"][r] = cf.margin
        flows["carbon"][r] = cf.carbon
        flows["net"][r] = net
        v, i, pb, bcr = _metrics(rate, net, cf.capex + cf.opex)
        out["npv"][r], out["irr"][r], out["payback"][r], out["bcr"][r] = v, i, pb, bcr
    return SetResult(
        name=name,
        levers=levers,
        npv=out["npv"],
        irr=out["irr"],
        payback_years=out["payback"],
        bcr=out["bcr"],
        capex=capex,
        opex=opex,
        annual=annual,
        flows=flows,
        kpis=kpis,
        quality=quality,
    )


def _baseline(
    op: dict[str, np.ndarray],
    sat: dict[str, np.ndarray],
    money: _Money,
    scale: float,
) -> dict[str, Any]:
    """The plain line at its operating point and at capacity (means over replications, one
    line; ``lines`` is the scale the money amounts are multiplied by)."""
    k = money.year_factor
    kpis = {
        kpi: {
            where: float(np.mean(q[kpi]) * (k if kpi in _ANNUAL_KPI else 1.0))
            for where, q in (("demand", op), ("capacity", sat))
        }
        for kpi in KPIS
    }
    return {
        "output_krw_per_year": float(np.mean(op["revenue"]) * k),
        "capacity_output_krw_per_year": float(np.mean(sat["revenue"]) * k),
        "good_units_per_year": float(np.mean(op["good_units"]) * k),
        "electricity_bill_krw_per_year": float(np.mean(money.bills(op["profile"]))),
        "mean_price_krw": money.price,
        "material_share_of_price": money.rho,
        "lines": scale,
        "kpis": kpis,
    }
