"""Projecting an AX scenario across the complex, year by year (``twin run``).

The complex is never simulated firm by firm. For each archetype the engine runs:

- the plain line (no lever), each lever alone, at the calibrated base-year demand, and
- the same lever sets at saturating demand, which measures the line's capacity,

with ``R`` replications that share random numbers across lever sets (common random numbers).
A firm that has adopted a set of levers gets its archetype's no-lever KPIs plus each adopted
lever's own change, times the lever's ramp-up factor that year. The levers act on separate
loss pools (failure time, escapes, idle energy, setups, scrap), so their changes add up;
escapes, where two levers act on the same defects one after the other, combine as shares of
what is left. ``benchmarks/additivity.py`` measures this against runs with all levers at once:
energy adds up (within 0.04 of the summed absolute single-lever changes); capacity less well
(up to about 2 points too much on the defence and wafer-fab lines, where levers compete for
the same bottleneck time).

Demand grows by sector each year. A firm's output is its demand, capped by its capacity with
the levers it has and, where the gain over the no-lever path needs more local inputs than its
suppliers' spare capacity gives, by its suppliers (:func:`twin.network.supply_limited_factors`;
the suppliers that hold customers back are the bottlenecks). Energy, units and peak follow
output along the line between the base and the saturated run. Value added is output minus
materials, electricity and escaped defects (:class:`ValueAdded`). Firm results are archetype
results times the firm's scale; the scenario minus the baseline is a paired difference per
replication.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from twin.config.factory import FactorySpec
from twin.config.transform import with_utilisation
from twin.des import simulate
from twin.network import SupplyLinks, attribute_shortfall, supply_limited_factors

__all__ = [
    "ArchetypeRuns",
    "GridLinks",
    "LeverSetRuns",
    "Projection",
    "RunSettings",
    "ValueAdded",
    "annual_kpis",
    "availability",
    "combine_sets",
    "common_form",
    "firm_year_kpis",
    "project",
    "project_years",
    "ramp_factor",
    "ramp_factors",
    "run_lever_set",
]

DAYS_PER_YEAR = 365.0
#: Smallest output gap between the saturated and the base run used as a slope (share of base).
MIN_GAP = 0.05
HOURS_PER_YEAR = 8760.0


@dataclass(frozen=True)
class RunSettings:
    """How each archetype x lever-set run is simulated."""

    days: float = 7.0  # one week: every shipped calendar repeats weekly
    warmup_days: float = 2.0  # longer than the longest mean lead time (defence, about 53 h)
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


def availability(res: object) -> float:
    """Machine availability of a run: 1 - (failed + maintenance) / scheduled machine time."""
    sched = down = 0.0
    for st in res.stations.values():
        t = st["state_min"]
        sched += sum(t.values()) - t["off"]
        down += t["failed"] + t["maintenance"]
    return 1.0 - down / sched if sched > 0 else float("nan")


def annual_kpis(spec: FactorySpec, settings: RunSettings, policy: object) -> dict[str, np.ndarray]:
    """Annualised KPIs of ``spec`` per replication: output, good and consumed (good + scrap)
    units, escaped defects, energy, the 15-minute peak, and machine availability (a share)."""
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
        "consumed_units": np.array(
            [(r.kpis["good_units"] + r.kpis["scrap_units"]) * k for r in rows]
        ),
        "escaped_units": np.array([r.kpis["escaped_defects"] * k for r in rows]),
        "availability": np.array([availability(r) for r in rows]),
        "energy_mwh": np.array([r.kpis["energy_kwh"] * k / 1000.0 for r in rows]),
        "peak_kw": np.array([r.kpis["peak_kw_15min"] for r in rows]),
    }


def run_lever_set(spec: FactorySpec, policy: object, settings: RunSettings) -> LeverSetRuns:
    """Simulate a (lever-applied) archetype at its base demand and at saturating demand.

    ``spec`` is already at the base-year demand (calibrated utilisation); the saturated run
    multiplies its release rate by ``settings.saturation``.
    """
    base = annual_kpis(spec, settings, policy)
    sat = annual_kpis(with_utilisation(spec, settings.saturation), settings, policy)
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
    On a line already near capacity in the base year the two runs' outputs are too close to
    give a slope; the output gap is then taken as at least :data:`MIN_GAP` of the base output
    (so a small change of output moves the other KPIs only a little, never by a blown-up
    extrapolation).
    """
    out_b, out_s = runs.base["output_krw"], runs.sat["output_krw"]
    output = np.minimum(demand_krw, np.maximum(out_s, out_b))
    gap = np.maximum(out_s - out_b, MIN_GAP * np.abs(out_b))
    frac = np.divide(output - out_b, gap, out=np.zeros_like(output), where=gap > 0)
    result = {"output_krw": output}
    for k in (k for k in runs.base if k != "output_krw"):
        result[k] = runs.base[k] + frac * (runs.sat[k] - runs.base[k])
    return result


ProgressFn = Callable[[str], None]


@dataclass(frozen=True)
class ArchetypeRuns:
    """The runs of one archetype a projection needs: no lever, and each lever alone.

    ``singles[lever]`` is the lever at its scenario level; ``ranges[lever]``, present when
    effects are sampled, holds the lever's runs at the ``low`` and ``high`` presets.
    """

    none: LeverSetRuns
    singles: dict[str, LeverSetRuns]
    quality: dict[str, dict[str, float]]
    ranges: dict[str, tuple[LeverSetRuns, LeverSetRuns]] = field(default_factory=dict)

    def delta(self, lever: str, which: str, kpi: str, t: np.ndarray | None = None) -> np.ndarray:
        """A lever's change of ``kpi`` per replication (``which``: "base" or "sat").

        ``t`` (per replication, in [-1, 1]) places the effect between the presets: 0 is the
        scenario level, -1 the ``low`` and +1 the ``high`` run (linear in between).
        """
        ref = getattr(self.none, which)[kpi]
        d0 = getattr(self.singles[lever], which)[kpi] - ref
        if t is None:
            return d0
        low, high = self.ranges[lever]
        dl = getattr(low, which)[kpi] - ref
        dh = getattr(high, which)[kpi] - ref
        return d0 + np.where(t > 0, t * (dh - d0), -t * (dl - d0))


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


@dataclass(frozen=True)
class ValueAdded:
    """How value added is computed: value-added ratio by sector, electricity price, and the
    cost of a defect that escapes to a customer as a multiple of the unit's price."""

    ratio: Mapping[str, float]
    electricity_krw_per_mwh: float
    escape_cost_factor: float = 1.0


@dataclass(frozen=True)
class GridLinks:
    """Which distribution substation feeds each firm, and the substations' capacity.

    Firms whose base-year peak exceeds ``direct_above_mw`` take 154 kV supply directly
    (KEPCO's supply terms) and are counted apart from the substations.
    """

    substation_of: Sequence[str]  # per firm, in the firm frame's order
    capacity_mw: Mapping[str, float]
    direct_above_mw: float = 40.0


@dataclass(frozen=True)
class Projection:
    """A projection's results, per replication.

    ``tidy``: per (year, complex, sector, replication) the KPIs; ``substations``: per (year,
    substation, replication) the sum of the firms' peak loads and the capacity;
    ``bottlenecks``: per (year, firm) the customers' output lost for want of that firm's
    supplies (replication means), largest first; ``firms``: per (year, firm) the replication
    means of the firm's KPIs and the number of levers it uses (for maps and drill-downs).
    """

    tidy: pd.DataFrame
    substations: pd.DataFrame
    bottlenecks: pd.DataFrame
    firms: pd.DataFrame = field(default_factory=pd.DataFrame)


DIRECT = "154kV-direct"
#: KPIs whose lever changes combine multiplicatively: escapes are a share of the defects made
#: (yield levers) that inspection misses (vision): cutting each by half leaves a quarter, where
#: adding the changes would leave less than none (measured with benchmarks/additivity.py).
MULTIPLICATIVE = ("escaped_units",)
#: Firm-level columns of :attr:`Projection.firms` (replication means).
FIRM_KPIS = ("output_krw", "value_added_krw", "electricity_mwh", "peak_mw", "ai_compute_mwh")
KPIS = ("output_krw", "good_units", "consumed_units", "escaped_units", "energy_mwh", "peak_kw")


def ramp_factors(first_year: np.ndarray, year: int, ramp_months: float) -> np.ndarray:
    """:func:`ramp_factor` for an array of adoption years (NaN: never)."""
    k = year - first_year
    r = max(ramp_months, 1e-9) / 12.0

    def cum(t: np.ndarray) -> np.ndarray:
        return np.where(t <= r, t * t / (2 * r), t - r / 2)

    f = cum(k + 1.0) - cum(np.maximum(k, 0.0))
    return np.where(np.isfinite(k) & (k >= 0), f, 0.0)


def _stack(
    runs: Mapping[str, ArchetypeRuns],
    archetypes: Sequence[str],
    levers: Sequence[str],
    draws: Mapping[str, np.ndarray],
) -> tuple[dict, dict]:
    """Per KPI and demand level: no-lever values (A, R) and lever changes (A, L, R)."""
    none, delta = {}, {}
    for which in ("base", "sat"):
        for k in KPIS:
            n = np.stack([getattr(runs[a].none, which)[k] for a in archetypes])
            none[which, k] = n
            if levers:
                delta[which, k] = np.stack(
                    [
                        np.stack([runs[a].delta(lv, which, k, draws.get(lv)) for lv in levers])
                        for a in archetypes
                    ]
                )
            else:
                delta[which, k] = np.zeros((len(archetypes), 0, n.shape[1]))
    return none, delta


def project(
    runs: Mapping[str, ArchetypeRuns],
    firms: pd.DataFrame,
    first_year: Mapping[str, pd.Series],
    ramp_months: Mapping[str, float],
    years: Sequence[int],
    base_year: int,
    growth: Mapping[str, float],
    edge_kw: Mapping[str, float] | None = None,
    *,
    supply: SupplyLinks | None = None,
    value_added: ValueAdded | None = None,
    grid: GridLinks | None = None,
    draws: Mapping[str, np.ndarray] | None = None,
) -> Projection:
    """Annual KPIs of the complex for a given adoption, firm by firm, per replication.

    Each firm's archetype-unit KPIs are the no-lever runs plus each adopted lever's change
    times its ramp factor (:meth:`ArchetypeRuns.delta`); output is demand capped by the
    firm's capacity with its levers (:func:`firm_year_kpis`) and, with ``supply``, by what
    its suppliers can deliver (:func:`twin.network.supply_limited_factors`, on replication
    means); firm values are unit values times the firm's scale.

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
    supply
        The supply network as arrays (``None``: output is not limited by suppliers).
    value_added
        Value-added parameters (``None``: value added is not computed, column is NaN). Value
        added is output minus materials (a cost per consumed unit, good or scrap), electricity
        and escaped defects; the material cost is set so that the no-lever base year has the
        sector's ratio, and is floored at zero (where electricity and escapes alone exceed
        the intermediate share, base-year value added is above the ratio).
    grid
        Substation of each firm and capacities (``None``: no substation table).
    draws
        Per lever, where each replication's effect lies between the presets (see
        :meth:`ArchetypeRuns.delta`); levers not named take their scenario level.
    """
    edge_kw = edge_kw or {}
    levers = list(first_year)
    archetypes = sorted(runs)
    a_idx = firms["archetype"].map({a: i for i, a in enumerate(archetypes)}).to_numpy()
    none, delta = _stack(runs, archetypes, levers, draws or {})
    reps = none["base", "output_krw"].shape[1]
    scale = firms["scale"].to_numpy(dtype=float)
    n = len(firms)
    first = (
        np.column_stack(
            [pd.to_numeric(first_year[lv], errors="coerce").to_numpy(dtype=float) for lv in levers]
        )
        if levers
        else np.zeros((n, 0))
    )
    base_out = none["base", "output_krw"][a_idx]  # (n, R): base-year output per unit
    mean_base = base_out.mean(axis=1)
    mb = np.where(mean_base > 0, mean_base, 1.0)  # divisor for output factors
    order = None
    if supply is not None:
        pos = {f: i for i, f in enumerate(firms["firm_id"])}
        order = np.array([pos[f] for f in supply.firm_ids])
    price = value_added.electricity_krw_per_mwh if value_added else 0.0
    if value_added is not None:
        ratio = firms["sector"].map(
            lambda s: value_added.ratio.get(s, value_added.ratio["default"])
        )
        ratio = ratio.to_numpy(dtype=float)
        mat = (1.0 - ratio) * mean_base - none["base", "energy_mwh"][a_idx].mean(axis=1) * price
        unit_price = np.divide(
            mean_base,
            none["base", "good_units"][a_idx].mean(axis=1),
            out=np.zeros(n),
            where=none["base", "good_units"][a_idx].mean(axis=1) > 0,
        )
        escape_cost = value_added.escape_cost_factor * unit_price
        mat = mat - escape_cost * none["base", "escaped_units"][a_idx].mean(axis=1)
        consumed = none["base", "consumed_units"][a_idx].mean(axis=1)
        material_per_unit = np.divide(
            np.maximum(mat, 0.0), consumed, out=np.zeros(n), where=consumed > 0
        )
    base_peak_mw = none["base", "peak_kw"][a_idx].mean(axis=1) * scale / 1000.0
    keys = firms[["complex_id", "sector"]].astype(str)
    codes, uniques = pd.MultiIndex.from_frame(keys).factorize()
    rows, sub_rows, neck_rows, firm_rows = [], [], [], []
    for year in years:
        f = (
            np.column_stack(
                [ramp_factors(first[:, i], year, ramp_months[lv]) for i, lv in enumerate(levers)]
            )
            if levers
            else np.zeros((n, 0))
        )
        f = np.round(f, 12)
        unit = {}
        for (which, k), nv in none.items():
            ref, dk = nv[a_idx], delta[which, k][a_idx]
            if k in MULTIPLICATIVE:  # shares of what is left: each lever scales the rest
                rel = np.divide(
                    dk, ref[:, None, :], out=np.zeros_like(dk), where=ref[:, None, :] > 0
                )
                unit[which, k] = ref * np.prod(1.0 + f[:, :, None] * rel, axis=1)
            else:
                unit[which, k] = ref + np.einsum("nl,nlr->nr", f, dk)
        index = (1.0 + firms["sector"].map(lambda s: growth.get(s, 0.0)).to_numpy(dtype=float)) ** (
            year - base_year
        )
        demand = base_out * index[:, None]
        capacity = np.maximum(unit["sat", "output_krw"], unit["base", "output_krw"])
        desired = np.minimum(demand, capacity)
        if supply is not None:
            ref_cap = np.maximum(none["sat", "output_krw"][a_idx], base_out)
            ref = np.minimum(demand, ref_cap).mean(axis=1)
            x = desired.mean(axis=1)
            kcap = capacity.mean(axis=1)
            y_o, spare_o = supply_limited_factors(
                supply, ref[order] / mb[order], x[order] / mb[order], kcap[order] / mb[order]
            )
            y = x.copy()  # firms outside the network are not limited
            y[order] = y_o * mb[order]  # back to output per unit
            limited = y < x * (1 - 1e-9)
            if limited.any():
                desired = np.where(limited[:, None], desired * (y / x)[:, None], desired)
                lost = np.where(limited, (x - y) * scale, 0.0)
                gain = np.maximum(x - ref, 0.0) / mb
                blame = attribute_shortfall(supply, gain[order], spare_o, lost[order])
                for j in np.flatnonzero(blame > 0):
                    neck_rows.append(
                        {
                            "year": year,
                            "firm_id": supply.firm_ids[j],
                            "spare_capacity": float(spare_o[j]),
                            "customer_output_lost_krw": float(blame[j]),
                        }
                    )
        k = firm_year_kpis(
            LeverSetRuns(
                {kk: unit["base", kk] for kk in KPIS}, {kk: unit["sat", kk] for kk in KPIS}
            ),
            desired,
        )
        out = {
            "output_krw": k["output_krw"] * scale[:, None],
            "good_units": k["good_units"] * scale[:, None],
            "electricity_mwh": k["energy_mwh"] * scale[:, None],
            "peak_mw": k["peak_kw"] * scale[:, None] / 1000.0,
        }
        if value_added is not None:
            va_unit = (
                k["output_krw"]
                - material_per_unit[:, None] * k["consumed_units"]
                - k["energy_mwh"] * price
                - escape_cost[:, None] * k["escaped_units"]
            )
            out["value_added_krw"] = va_unit * scale[:, None]
        else:
            out["value_added_krw"] = np.full((n, reps), np.nan)
        compute_kw = (f > 0) @ np.array([edge_kw.get(lv, 0.0) for lv in levers]) if levers else 0.0
        out["ai_compute_mwh"] = np.broadcast_to(
            (compute_kw * scale * HOURS_PER_YEAR / 1000.0)[:, None], (n, reps)
        )
        agg = {c: _group_sum(codes, len(uniques), v) for c, v in out.items()}
        emp = np.bincount(
            codes, weights=firms["employees"].to_numpy(dtype=float), minlength=len(uniques)
        )
        g_idx = np.repeat(np.arange(len(uniques)), reps)
        frame = pd.DataFrame(
            {
                "year": year,
                "complex_id": uniques.get_level_values(0)[g_idx],
                "sector": uniques.get_level_values(1)[g_idx],
                "replication": np.tile(np.arange(reps), len(uniques)),
                "output_krw": agg["output_krw"].ravel(),
                "value_added_krw": agg["value_added_krw"].ravel(),
                "good_units": agg["good_units"].ravel(),
                "electricity_mwh": agg["electricity_mwh"].ravel(),
                "peak_mw": agg["peak_mw"].ravel(),
                "employees": emp[g_idx],
                "ai_compute_mwh": agg["ai_compute_mwh"].ravel(),
            }
        )
        rows.append(frame)
        firm_rows.append(
            pd.DataFrame(
                {
                    "year": year,
                    "firm_id": firms["firm_id"].to_numpy(),
                    **{c: out[c].mean(axis=1) for c in FIRM_KPIS},
                    "levers_used": (f > 0).sum(axis=1),
                }
            )
        )
        if grid is not None:
            sub = np.asarray(grid.substation_of, dtype=object).copy()
            sub[base_peak_mw > grid.direct_above_mw] = DIRECT
            s_codes, s_names = pd.factorize(sub, sort=True)
            load = _group_sum(s_codes, len(s_names), out["peak_mw"])
            for i, name in enumerate(s_names):
                sub_rows.append(
                    pd.DataFrame(
                        {
                            "year": year,
                            "substation_id": name,
                            "replication": np.arange(reps),
                            "load_mw": load[i],
                            "capacity_mw": grid.capacity_mw.get(name, np.nan),
                            "firms": int(np.sum(s_codes == i)),
                        }
                    )
                )
    tidy = pd.concat(rows, ignore_index=True).sort_values(
        ["year", "complex_id", "sector", "replication"], ignore_index=True
    )
    subs = (
        pd.concat(sub_rows, ignore_index=True)
        if sub_rows
        else pd.DataFrame(
            columns=["year", "substation_id", "replication", "load_mw", "capacity_mw", "firms"]
        )
    )
    necks = pd.DataFrame(
        neck_rows, columns=["year", "firm_id", "spare_capacity", "customer_output_lost_krw"]
    )
    if len(necks):
        names = firms.set_index("firm_id")
        for c in ("name", "sector", "complex_id"):
            if c in names:
                necks[c] = necks["firm_id"].map(names[c])
        necks = necks.sort_values(
            ["year", "customer_output_lost_krw", "firm_id"],
            ascending=[True, False, True],
            ignore_index=True,
        )
    return Projection(tidy, subs, necks, pd.concat(firm_rows, ignore_index=True))


def project_years(*args, **kwargs) -> pd.DataFrame:
    """The ``tidy`` table of :func:`project` (same arguments)."""
    return project(*args, **kwargs).tidy


def _group_sum(codes: np.ndarray, groups: int, values: np.ndarray) -> np.ndarray:
    """Sum rows of ``values`` (n, R) by group code: (groups, R)."""
    out = np.zeros((groups, values.shape[1]))
    np.add.at(out, codes, values)
    return out


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
