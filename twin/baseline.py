"""The calibrated baseline: the shipped archetypes, scaled to the firm base, against Gumi's
published figures (``twin calibrate``)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

from twin.build import load_archetypes
from twin.calibration import (
    Target,
    compare,
    fit_utilisation,
    modelled_totals,
    simulate_archetypes,
)
from twin.config.calibration import CalibrationSettings, parse_calibration
from twin.config.firmbase import FirmbaseParams, load_firmbase_params
from twin.config.loader import read_yaml
from twin.io.geo import read_layer
from twin.io.paths import data_dir
from twin.io.yamlio import write_yaml_atomic

__all__ = [
    "calibration_report",
    "fit_and_save",
    "load_settings",
    "supply_network",
    "targets_from",
    "top_bottlenecks",
]

NETWORK_SEED = 1


def supply_network(firms: Any, seed: int = NETWORK_SEED) -> Any:
    """The supply network of the firm layer, with the shipped ``data/network.yaml``."""
    from twin.config.network import parse_network_params
    from twin.network import build_supply_network

    path = data_dir() / "network.yaml"
    return build_supply_network(firms, parse_network_params(read_yaml(path), str(path)), seed)


def top_bottlenecks(firms: Any, n: int = 5) -> Any:
    """The ``n`` firms whose loss would cost the rest of the complex the most output."""
    from twin.network import supply_bottlenecks

    return supply_bottlenecks(supply_network(firms), top=n)


def load_settings() -> CalibrationSettings:
    """``data/calibration.yaml``, validated."""
    path = data_dir() / "calibration.yaml"
    return parse_calibration(read_yaml(path), str(path))


def targets_from(params: FirmbaseParams, settings: CalibrationSettings) -> list[Target]:
    """The published figures calibration compares with, and each one's tolerance."""
    tol = settings.tolerances
    t = params.targets
    out = [
        Target(
            "production_krw",
            t.production_krw.value,
            "KRW/yr",
            tol.production_krw,
            t.production_krw.source,
            t.production_krw.status,
        ),
        Target(
            "employees",
            t.employees.value,
            "persons",
            tol.employees,
            t.employees.source,
            t.employees.status,
        ),
        Target(
            "electricity_mwh",
            t.electricity_mwh.value,
            "MWh/yr",
            tol.electricity_mwh,
            t.electricity_mwh.source,
            t.electricity_mwh.status,
        ),
    ]
    for sec in params.sectors:
        sp = sec.share_of_production
        if sp.value > 0:
            out.append(
                Target(
                    f"share:{sec.name}",
                    sp.value,
                    "share of production",
                    tol.sector_share_points,
                    sp.source,
                    sp.status,
                )
            )
    return out


def _run_settings(
    settings: CalibrationSettings, days: float | None, replications: int | None, seed: int | None
) -> dict[str, Any]:
    r = settings.run
    return {
        "days": r.days if days is None else days,
        "warmup_days": r.warmup_days,
        "replications": r.replications if replications is None else replications,
        "seed": r.seed if seed is None else seed,
    }


def calibration_report(
    days: float | None = None,
    replications: int | None = None,
    seed: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run every archetype at its calibrated utilisation and compare the complex with targets.

    Returns a JSON-ready dict: the run settings, one row per published figure (modelled,
    published, error, tolerance, within, source, status) and one row per archetype (annual
    revenue, electricity, employees, utilisation, firms and scale it stands for).
    """
    settings = load_settings()
    params = load_firmbase_params(data_dir() / "firmbase.yaml")
    firms = read_layer("firms")
    specs = load_archetypes()
    run = _run_settings(settings, days, replications, seed)
    years = simulate_archetypes(specs, settings.utilisation, progress=progress, **run)
    totals = modelled_totals(firms, years)
    table = compare(totals, targets_from(params, settings))
    per_arch = []
    for name, y in years.items():
        mine = firms[firms["archetype"] == name]
        per_arch.append(
            {
                "archetype": name,
                "sector": y.sector,
                "utilisation": y.utilisation,
                "firms": len(mine),
                "scale_total": float(mine["scale"].sum()),
                "unit_revenue_krw": y.revenue_krw,
                "unit_energy_mwh": y.energy_mwh,
                "unit_employees": y.employees,
                "oee": y.oee,
                "modelled_production_krw": float(mine["scale"].sum()) * y.revenue_krw,
                "firm_base_production_krw": float(mine["production_krw"].sum()),
            }
        )
    return {
        "run": run,
        "fitted_on": settings.fitted_on,
        "figures": table.to_dict(orient="records"),
        "archetypes": per_arch,
        "note": (
            "employees match by construction (a firm's scale is its employees over its "
            "archetype's); production is matched by the fitted utilisation; electricity "
            "and sector shares are independent checks."
        ),
    }


def fit_and_save(
    days: float | None = None,
    replications: int | None = None,
    seed: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, float]:
    """Refit each archetype's utilisation and write it to ``data/calibration.yaml``."""
    settings = load_settings()
    firms = read_layer("firms")
    run = _run_settings(settings, days, replications, seed)
    fitted = fit_utilisation(load_archetypes(), firms, progress=progress, **run)
    doc = settings.model_dump(mode="json")
    doc["utilisation"] = fitted
    doc["fitted_on"] = _dt.date.today().isoformat()
    write_yaml_atomic(data_dir() / "calibration.yaml", doc, header=CALIBRATION_HEADER)
    return fitted


CALIBRATION_HEADER = """\
Calibration of the simulated complex (twin calibrate). Status: estimate.
utilisation: per archetype, the demand on one unit as a multiple of its spec's release rate,
fitted by 'twin calibrate --fit' so that one unit's simulated revenue equals the mean
production per unit of the firms the archetype stands for (data/gumi.gpkg, layer firms).
tolerances: allowed relative errors (share points for sector shares) against the published
figures in data/firmbase.yaml."""
