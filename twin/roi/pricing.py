"""Money of a company ROI: benefits by kind, costs, cash flows and their metrics."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from twin.config.factory import FactorySpec
from twin.config.lever import LeverSpec
from twin.config.loader import read_yaml, validate_model
from twin.config.scenario import GridFactor, Sourced
from twin.config.tariff import Tariff
from twin.economics import (
    CashFlows,
    annual_bill_krw,
    benefit_cost_ratio,
    discounted_payback_years,
    irr,
    npv,
    ramped_benefit,
)
from twin.io.paths import repo_root
from twin.roi.results import ANNUAL_KPI, BENEFITS, BUNDLE, KPIS, SetResult

#: Cost of one machine-hour of repair (breakdown or planned), KRW. No repair-cost data exist
#: for the complex: two technicians at about KRW 40,000 an hour each (the average monthly wage
#: of KRW 4.2 M, Ministry of Employment and Labor business labour-force survey, Q1 2024, over
#: about 160 hours, times 1.5 for social insurance and overheads) plus about KRW 70,000 an
#: hour of spare parts and consumables. A Gumi Twin estimate; downtime's lost output is not in
#: it (it is the margin, where demand takes the output).
REPAIR_KRW_PER_H = 150_000.0
#: A Monday: the engine's day 0 is the first day of the week (Monday in KEPCO's weekend rules).
REFERENCE_MONDAY = dt.datetime(2025, 1, 6)
HOURS_PER_YEAR = 8760.0
_ANNUAL = ("revenue", "material", "good_units", "scrap_units", "escaped_units", "energy_mwh")


def defaults() -> tuple[float, float]:
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


def mix(spec: FactorySpec) -> tuple[float, float]:
    """Mean price of the product mix and its material share of the price (0 without prices)."""
    prods = spec.source.products or []
    price = sum(p.share * p.price_krw for p in prods)
    material = sum(p.share * p.material_cost_krw for p in prods)
    return price, (material / price if price > 0 else 0.0)


@dataclass(frozen=True)
class Money:
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


def priced_sets(
    points: Mapping[str, tuple[dict[str, np.ndarray], dict[str, np.ndarray]]],
    kpi_points: Mapping[str, tuple[dict[str, np.ndarray], dict[str, np.ndarray]]],
    *,
    names: tuple[str, ...],
    draws: Mapping[str, np.ndarray],
    lever_specs: Mapping[str, LeverSpec],
    money: Money,
    years: int,
    rate: float,
    scale: float,
    quality: Mapping[str, dict[str, Any]],
) -> dict[str, SetResult]:
    """Benefits, costs and cash flows of each lever and the bundle, per replication.

    ``points``: the quantities the money comes from; ``kpi_points``: those the KPI changes
    are reported from (see :func:`set_points`).
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
        f = k if kpi in ANNUAL_KPI else 1.0
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
    money: Money,
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


def baseline(
    op: dict[str, np.ndarray],
    sat: dict[str, np.ndarray],
    money: Money,
    scale: float,
) -> dict[str, Any]:
    """The plain line at its operating point and at capacity (means over replications, one
    line; ``lines`` is the scale the money amounts are multiplied by)."""
    k = money.year_factor
    kpis = {
        kpi: {
            where: float(np.mean(q[kpi]) * (k if kpi in ANNUAL_KPI else 1.0))
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
