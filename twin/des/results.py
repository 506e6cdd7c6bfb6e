"""What one replication returns, and how its KPIs are computed from the engine's sums."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from twin.des.calendar import scheduled_minutes

if TYPE_CHECKING:  # pragma: no cover
    from twin.des.engine import _Model

__all__ = ["KPI_NAMES", "STATES", "STATION_KPIS", "RepResult", "build_result", "visit_ratios"]

STATES = (
    "processing",
    "setup",
    "idle",
    "standby",
    "warmup",
    "blocked",
    "failed",
    "off",
    "maintenance",
)
KPI_NAMES = (
    "throughput_per_h",
    "mean_lead_time_min",
    "mean_wip",
    "good_units",
    "scrap_units",
    "escaped_defects",
    "oee",
    "energy_kwh",
    "kwh_per_good_unit",
    "peak_kw_15min",
    "mean_kw",
)
STATION_KPIS = (
    "utilization",
    "availability",
    "blocked_share",
    "starved_share",
    "setup_share",
    "mean_queue",
    "mean_wait_min",
    "energy_kwh",
)


@dataclass(frozen=True)
class RepResult:
    """Results of one replication over its measured window.

    Attributes
    ----------
    kpis
        Factory KPIs (see ``KPI_NAMES``) and counts: ``released``, ``wip_start``, ``wip_end``,
        ``failures``, ``mean_sojourn_min`` (all exits, scrap included), ``scheduled_h``,
        ``revenue_krw``, ``material_cost_krw``.
    stations
        Per station: ``STATION_KPIS``, ``jobs_started``, ``energy_kwh`` and ``state_min``
        (machine-minutes in each state).
    energy_by_state_kwh
        kWh per machine state summed over machines, plus ``facility``.
    profile_kw
        Mean kW of each 15-minute interval of the measured window.
    bottleneck
        Station with the largest share of time active (processing, setup, failed, warm-up).
    """

    kpis: dict[str, float]
    stations: dict[str, dict[str, Any]]
    energy_by_state_kwh: dict[str, float]
    profile_kw: np.ndarray = field(repr=False)
    bottleneck: str = ""


def visit_ratios(spec: Any) -> dict[str, float]:
    """Expected visits to each station per released part along pass routes (no rejects)."""
    names = [s.name for s in spec.stations]
    idx = {n: i for i, n in enumerate(names)}
    n = len(names)
    p = np.zeros((n, n))
    for i in range(n):
        for target, prob in spec.routes(i):
            if target in idx:
                p[i, idx[target]] += prob
    e = np.zeros(n)
    e[0] = 1.0
    try:
        v = np.linalg.solve(np.eye(n) - p.T, e)
    except np.linalg.LinAlgError:
        v = np.ones(n)
    return {name: float(max(v[i], 0.0)) for i, name in enumerate(names)}


def _safe_div(a: float, b: float) -> float:
    return a / b if b > 0 else float("nan")


def build_result(model: _Model) -> RepResult:
    """Assemble a :class:`RepResult` from a finished model."""
    spec = model.spec
    start, end = model.warmup_min, model.horizon_min
    measured = end - start
    sched = scheduled_minutes(model.intervals, start, end)
    hours_sched = sched / 60.0

    energy = dict.fromkeys(STATES, 0.0)
    stations: dict[str, dict[str, Any]] = {}
    active_share: dict[str, float] = {}
    for st in model.stations:
        t = dict(zip(STATES, st.state_time, strict=True))
        station_kwh = 0.0
        for s, minutes, kw in zip(STATES, st.state_time, st.power, strict=True):
            energy[s] += minutes * kw / 60.0
            station_kwh += minutes * kw / 60.0
        total = sum(st.state_time)
        scheduled = total - t["off"]
        down = t["failed"] + t["maintenance"]
        available = scheduled - down
        stations[st.name] = {
            "utilization": _safe_div(t["processing"], available),
            "availability": _safe_div(available, scheduled),
            "blocked_share": _safe_div(t["blocked"], available),
            "starved_share": _safe_div(t["idle"] + t["standby"], available),
            "setup_share": _safe_div(t["setup"] + t["warmup"], available),
            "mean_queue": st.q_area / measured,
            "mean_wait_min": _safe_div(st.wait_sum, st.wait_n),
            "jobs_started": st.wait_n,
            "energy_kwh": station_kwh,
            "state_min": t,
        }
        active_share[st.name] = _safe_div(
            t["processing"] + t["setup"] + t["warmup"] + down, scheduled
        )
    off_min = measured - sched
    facility = (model.fac_on_kw * sched + model.fac_off_kw * off_min) / 60.0 + model.fac_unit_kwh
    energy["facility"] = facility
    total_kwh = sum(energy.values())

    # Mean kW per 15-minute bin; a last, shorter bin is divided by its own length.
    widths = np.full(len(model.bins), 15.0)
    widths[-1] = measured - 15.0 * (len(model.bins) - 1)
    profile = np.asarray(model.bins, dtype=float) / widths

    visits = visit_ratios(spec)
    load = {s.name: visits[s.name] * s.mean_process_time() / s.machines for s in spec.stations}
    ideal_cycle = max(load.values())  # minutes per released part at the design bottleneck
    good = model.good
    kpis = {
        "throughput_per_h": _safe_div(good, hours_sched),
        "mean_lead_time_min": _safe_div(model.lead_sum, model.lead_n),
        "mean_wip": model.wip_area / measured,
        "good_units": float(good),
        "scrap_units": float(model.scrap),
        "escaped_defects": float(model.escaped),
        "oee": _safe_div(good * ideal_cycle, sched),
        "energy_kwh": total_kwh,
        "kwh_per_good_unit": _safe_div(total_kwh, good),
        "peak_kw_15min": float(profile.max()) if profile.size else 0.0,
        "mean_kw": total_kwh / (measured / 60.0),
        "released": float(model.released),
        "wip_start": float(model.wip_start),
        "wip_end": float(model.wip),
        "failures": float(model.failures),
        "mean_sojourn_min": _safe_div(model.sojourn_sum, model.sojourn_n),
        "planned_repairs": float(model.planned_repairs),
        "scheduled_h": hours_sched,
        "revenue_krw": model.revenue,
        "material_cost_krw": model.material,
    }
    bottleneck = max(active_share, key=lambda k: (np.nan_to_num(active_share[k]), k))
    return RepResult(kpis, stations, energy, profile, bottleneck)
