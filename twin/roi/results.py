"""What a company ROI reports: its vocabulary and the result classes."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from twin.core.stats import mean_interval

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
SCALARS = (
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
ANNUAL_KPI = {"energy_mwh", "scrap_units", "escaped_units", "repair_h"}
DEMANDS = ("base", "sat")


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
    simulation_of
        Per replication (effect draw), the simulated replication it is placed on, when there
        are fewer simulations than draws (else ``None``: replication ``i`` is simulation
        ``i``). Intervals of means then come from the simulations' means.
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
    simulation_of: np.ndarray | None = None

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
            "npv_mean_interval": _mean_interval(
                self.npv if self.npv_run is None else self.npv_run, self.simulation_of
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
            out.setdefault(kpi, {})[where] = _mean_interval(v, self.simulation_of)
        return out


def _mean_interval(values: np.ndarray, groups: np.ndarray | None) -> dict[str, float | None]:
    """Mean and 95 % interval of independent replications, or, with ``groups`` (the simulated
    replication of each value, equal group sizes), of the groups' means: values sharing a
    simulation share its noise, so only the simulations count as independent."""
    if groups is None:
        return mean_interval(values.tolist())
    sums = np.bincount(groups, weights=values)
    means = sums / np.bincount(groups)
    return mean_interval(means.tolist())


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
    simulation_of
        Per replication (effect draw), its simulated replication when there are fewer
        simulations than replications (else ``None``).
    from_store
        Served from the results store rather than computed.
    """

    inputs: dict[str, Any]
    baseline: dict[str, Any]
    sets: dict[str, SetResult]
    draws: dict[str, np.ndarray]
    notes: list[str]
    simulation_of: np.ndarray | None = None
    from_store: bool = False

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
            **(
                {}
                if self.simulation_of is None
                else {"simulation_by_replication": self.simulation_of.tolist()}
            ),
            "notes": self.notes,
        }
