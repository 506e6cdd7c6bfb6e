"""The synthetic firm base: one row per operating firm, matched to published aggregates.

Firm-level data for Gumi is not public. :func:`generate_firms` builds a clearly synthetic
population from :class:`~twin.config.firmbase.FirmbaseParams`: named *anchor* firms (real
names, estimated size) plus generated firms whose sector, size class, process, complex and
smart-factory level are drawn from the parameter shares, with heavy-tailed (truncated Pareto)
sizes inside each size class. The generated firms are then rescaled so that the whole frame
adds up to the targets:

- firm count, sector counts and size-class counts are exact (largest-remainder apportionment,
  anchors counted first), so the share of firms under 50 employees is met by construction;
- employees: one common factor on the generated firms, clipped to their class bounds, then
  rounded to integers with the exact target sum;
- production: per sector, generated firms share the sector's target production minus the
  anchors', in proportion to employees times the process output factor times a log-normal
  productivity draw;
- exports and electricity: production times a sector ratio (and a size-class export factor or
  a process electricity factor) times a log-normal draw, then one common factor on all firms so
  the column sums to the target (exports capped at the firm's production).

All randomness comes from :func:`twin.core.streams.stream` under ``(seed, "firmbase", ...)``,
so a seed gives the same frame bit for bit. No file I/O, no printing.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from twin.config.firmbase import FirmbaseParams, apportion, size_class_index
from twin.core.streams import stream
from twin.spatial import METRIC_CRS, STORAGE_CRS, random_points_in

__all__ = ["COLUMNS", "aggregate", "generate_firms", "target_aggregates"]

COLUMNS = [
    "firm_id",
    "name",
    "synthetic",
    "complex_id",
    "sector",
    "process",
    "size_class",
    "employees",
    "production_krw",
    "exports_usd",
    "electricity_mwh",
    "digital_maturity",
    "geometry",
]


def _rng(seed: int, *name: str | int) -> np.random.Generator:
    return stream(seed, "firmbase", *name)


def _shuffled(
    values: list[Any], counts: list[int], rng: np.random.Generator, dtype: Any = object
) -> np.ndarray:
    """``counts[i]`` copies of ``values[i]``, in random order."""
    out = np.repeat(np.asarray(values, dtype=dtype), counts)
    return out[rng.permutation(out.size)]


def _truncated_pareto(
    rng: np.random.Generator, n: int, low: float, high: float, alpha: float
) -> np.ndarray:
    """``n`` draws of a Pareto(alpha) variable truncated to ``[low, high)`` (inverse CDF)."""
    u = rng.random(n)
    tail = (low / high) ** alpha
    return low / (1.0 - u * (1.0 - tail)) ** (1.0 / alpha)


def _lognormal_unit_mean(rng: np.random.Generator, n: int, sigma: float) -> np.ndarray:
    """Log-normal multipliers with mean 1."""
    if sigma == 0:
        return np.ones(n)
    return rng.lognormal(-0.5 * sigma * sigma, sigma, n)


def _fit_total(x: np.ndarray, low: np.ndarray, high: np.ndarray, target: float) -> np.ndarray:
    """Scale ``x`` by one factor, clipped to ``[low, high]``, so that it sums to ``target``.

    The clipped sum is monotone in the factor, so the factor is found by bisection on a log
    scale. ``sum(low) <= target <= sum(high)`` must hold.
    """
    if not low.sum() - 1e-9 * abs(target) <= target <= high.sum() + 1e-9 * abs(target):
        raise ValueError(
            f"target {target:.6g} outside the bounds {low.sum():.6g}..{high.sum():.6g}"
        )

    def total(f: float) -> float:
        return float(np.clip(x * f, low, high).sum())

    lo, hi = 1.0, 1.0
    while total(lo) > target and lo > 1e-300:
        lo /= 2.0
    while total(hi) < target and hi < 1e300:
        hi *= 2.0
    for _ in range(200):
        mid = np.sqrt(lo * hi)
        if total(mid) < target:
            lo = mid
        else:
            hi = mid
        if hi / lo - 1.0 < 1e-15:
            break
    return np.clip(x * hi, low, high)


def _round_to_total(x: np.ndarray, low: np.ndarray, high: np.ndarray, target: int) -> np.ndarray:
    """Round ``x`` to integers within ``[low, high]`` that sum exactly to ``target``.

    Values are floored, then units go to the largest fractional parts (or are taken from the
    smallest, if the floors overshoot), skipping values at a bound.
    """
    out = np.clip(np.floor(x), low, high).astype(np.int64)
    frac = x - out
    gap = int(target - out.sum())
    while gap != 0:
        if gap > 0:
            room = out < high
            order = np.argsort(-np.where(room, frac, -np.inf), kind="stable")
            k = min(gap, int(room.sum()))
            if k == 0:
                raise ValueError("cannot reach the employee target within the class bounds")
            out[order[:k]] += 1
            frac[order[:k]] -= 1.0
            gap -= k
        else:
            room = out > low
            order = np.argsort(np.where(room, frac, np.inf), kind="stable")
            k = min(-gap, int(room.sum()))
            if k == 0:
                raise ValueError("cannot reach the employee target within the class bounds")
            out[order[:k]] -= 1
            frac[order[:k]] += 1.0
            gap += k
    return out


def _pick_processes(
    rng: np.random.Generator,
    employees: np.ndarray,
    names: list[str],
    shares: np.ndarray,
    mins: np.ndarray,
) -> np.ndarray:
    """One process per firm, by ``shares`` among the processes its size allows."""
    weights = shares[None, :] * (employees[:, None] >= mins[None, :])
    weights /= weights.sum(axis=1, keepdims=True)
    cum = np.cumsum(weights, axis=1)
    u = rng.random(employees.size)
    idx = np.minimum((u[:, None] >= cum).sum(axis=1), len(names) - 1)
    return np.asarray(names, dtype=object)[idx]


def generate_firms(
    params: FirmbaseParams, complexes: gpd.GeoDataFrame, seed: int
) -> gpd.GeoDataFrame:
    """Generate the synthetic firm base: one row per operating firm.

    Parameters
    ----------
    params
        Validated parameters (see :func:`twin.config.firmbase.load_firmbase_params`).
    complexes
        The complex polygons with a ``complex_id`` column (any CRS with a defined ``crs``);
        every complex named in ``params.placement.complex_shares`` must be present.
    seed
        Root seed (non-negative). The same seed gives the same frame bit for bit.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`COLUMNS` in that order, points in EPSG:4326. Anchors come first
        (``synthetic`` false, real names), then generated firms. ``firm_id`` is ``F0001``...

    Raises
    ------
    ValueError
        If ``complexes`` lacks a complex the parameters need, or the seed is negative.
    """
    n_total = int(params.targets.operating_firms.value)
    anchors = list(params.anchors)
    n_anchor = len(anchors)
    n_gen = n_total - n_anchor
    sectors = {s.name: s for s in params.sectors}
    classes = list(params.size_classes)
    class_names = [c.name for c in classes]

    # Sector, size class and complex of the generated firms: exact counts, random order.
    sector = _shuffled(
        [s.name for s in params.sectors], params.generated_sector_counts(), _rng(seed, "sector")
    )
    size_idx = _shuffled(
        list(range(len(classes))), params.generated_class_counts(), _rng(seed, "size"), np.int64
    )
    cids = list(params.placement.complex_shares)
    complex_id = _shuffled(
        cids,
        apportion(list(params.placement.complex_shares.values()), n_gen),
        _rng(seed, "complex"),
    )

    # Employees: truncated Pareto within each class, one common factor to the target.
    raw = np.empty(n_gen)
    low = np.empty(n_gen)
    high = np.empty(n_gen)
    for i, c in enumerate(classes):
        mask = size_idx == i
        raw[mask] = _truncated_pareto(
            _rng(seed, "employees", c.name),
            int(mask.sum()),
            c.min_employees,
            c.max_employees + 1.0,
            c.pareto_alpha,
        )
        low[mask] = c.min_employees
        high[mask] = c.max_employees
    emp_target = int(params.targets.employees.value) - sum(a.employees for a in anchors)
    fitted = _fit_total(raw, low, high + 0.999, float(emp_target))
    employees = _round_to_total(fitted, low, high, emp_target)

    # Process, production per sector.
    process = np.empty(n_gen, dtype=object)
    production = np.zeros(n_gen)
    prod_noise = _lognormal_unit_mean(
        _rng(seed, "production"), n_gen, params.noise.production_sigma.value
    )
    total_prod = params.targets.production_krw.value
    for name, s in sectors.items():
        mask = sector == name
        if not mask.any():
            continue
        rows = s.processes.rows
        process[mask] = _pick_processes(
            _rng(seed, "process", name),
            employees[mask],
            [r.name for r in rows],
            np.array([r.share for r in rows]),
            np.array([r.min_employees for r in rows]),
        )
        left = s.share_of_production.value * total_prod - sum(
            a.production_krw for a in anchors if a.sector == name
        )
        output = {r.name: r.output_factor for r in rows}
        weight = employees[mask] * np.array([output[q] for q in process[mask]]) * prod_noise[mask]
        production[mask] = left * weight / weight.sum()

    # Digital maturity by size class.
    maturity = np.empty(n_gen, dtype=np.int64)
    u = _rng(seed, "maturity").random(n_gen)
    for i, c in enumerate(classes):
        mask = size_idx == i
        cum = np.cumsum(params.digital_maturity.by_size_class[c.name])
        maturity[mask] = np.minimum(np.searchsorted(cum, u[mask], side="right"), len(cum) - 1)

    # Names of generated firms.
    name_rng = _rng(seed, "names")
    width = max(4, len(str(n_total)))
    names = np.empty(n_gen, dtype=object)
    for k in range(n_gen):
        words = sectors[sector[k]].name_words
        word = words[int(name_rng.integers(len(words)))]
        names[k] = f"{params.synthetic_name_prefix} {word} {n_anchor + k + 1:0{width}d}"

    # Whole frame: anchors first.
    a_sector = np.array([a.sector for a in anchors], dtype=object)
    all_sector = np.concatenate([a_sector, sector])
    all_size = np.concatenate(
        [
            np.array([size_class_index(a.employees, classes) for a in anchors], dtype=np.int64),
            size_idx,
        ]
    )
    all_process = np.concatenate([np.array([a.process for a in anchors], dtype=object), process])
    all_emp = np.concatenate([np.array([a.employees for a in anchors], dtype=np.int64), employees])
    all_prod = np.concatenate(
        [np.array([a.production_krw for a in anchors], dtype=float), production]
    )
    all_complex = np.concatenate(
        [np.array([a.complex_id for a in anchors], dtype=object), complex_id]
    )

    # Exports: production x sector ratio x size factor x noise, one factor to the target,
    # never more than the firm's production. Anchors carry no noise.
    fx = params.krw_per_usd.value
    ratio = np.array([sectors[s].export_ratio.value for s in all_sector])
    size_factor = np.array([classes[i].export_factor for i in all_size])
    x_noise = np.concatenate(
        [
            np.ones(n_anchor),
            _lognormal_unit_mean(_rng(seed, "exports"), n_gen, params.noise.export_sigma.value),
        ]
    )
    cap = all_prod / fx
    raw_exports = np.minimum(cap * ratio * size_factor * x_noise, cap)
    exports = _fit_total(raw_exports, np.zeros_like(cap), cap, params.targets.exports_usd.value)

    # Electricity: production x sector intensity x process factor x noise, scaled to target.
    factor = {
        (s.name, r.name): r.electricity_factor for s in params.sectors for r in s.processes.rows
    }
    intensity = np.array([sectors[s].kwh_per_million_krw.value for s in all_sector])
    proc_factor = np.array([factor[(s, p)] for s, p in zip(all_sector, all_process, strict=True)])
    e_noise = np.concatenate(
        [
            np.ones(n_anchor),
            _lognormal_unit_mean(
                _rng(seed, "electricity"), n_gen, params.noise.electricity_sigma.value
            ),
        ]
    )
    raw_mwh = all_prod / 1e6 * intensity * proc_factor * e_noise / 1000.0
    electricity = raw_mwh * (params.targets.electricity_mwh.value / raw_mwh.sum())

    geometry = _place(params, complexes, all_complex, seed)

    frame = pd.DataFrame(
        {
            "firm_id": [f"F{i + 1:0{width}d}" for i in range(n_total)],
            "name": [a.name for a in anchors] + list(names),
            "synthetic": np.concatenate([np.zeros(n_anchor, bool), np.ones(n_gen, bool)]),
            "complex_id": all_complex.astype(str),
            "sector": all_sector.astype(str),
            "process": all_process.astype(str),
            "size_class": np.asarray(class_names, dtype=object)[all_size].astype(str),
            "employees": all_emp.astype(np.int64),
            "production_krw": all_prod.astype(np.float64),
            "exports_usd": exports.astype(np.float64),
            "electricity_mwh": electricity.astype(np.float64),
            "digital_maturity": np.concatenate(
                [np.array([a.digital_maturity for a in anchors], dtype=np.int64), maturity]
            ),
        }
    )
    for col in ("firm_id", "name", "complex_id", "sector", "process", "size_class"):
        frame[col] = frame[col].astype(object)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=STORAGE_CRS)[COLUMNS]


def _place(
    params: FirmbaseParams, complexes: gpd.GeoDataFrame, complex_of: np.ndarray, seed: int
) -> gpd.GeoSeries:
    """Points inside each firm's complex polygon (sampled in metres, returned in EPSG:4326)."""
    if complexes.crs is None:
        raise ValueError("complexes has no CRS")
    if "complex_id" not in complexes.columns:
        raise ValueError("complexes needs a 'complex_id' column")
    metric = complexes.to_crs(METRIC_CRS)
    polygons = {}
    for cid, geom in zip(metric["complex_id"].astype(str), metric.geometry, strict=True):
        polygons[cid] = geom if cid not in polygons else polygons[cid].union(geom)
    needed = sorted(set(complex_of.tolist()))
    missing = [c for c in needed if c not in polygons]
    if missing:
        raise ValueError(f"complexes lacks complex_id {', '.join(missing)}")
    xs = np.empty(complex_of.size)
    ys = np.empty(complex_of.size)
    for cid in params.placement.complex_shares:
        idx = np.flatnonzero(complex_of == cid)
        if idx.size == 0:
            continue
        pts = random_points_in(
            polygons[cid], idx.size, _rng(seed, "place", cid), margin=params.placement.margin_m
        )
        xs[idx] = [p.x for p in pts]
        ys[idx] = [p.y for p in pts]
    return gpd.GeoSeries(gpd.points_from_xy(xs, ys), crs=METRIC_CRS).to_crs(STORAGE_CRS)


def aggregate(firms: pd.DataFrame) -> dict[str, Any]:
    """Totals and shares of a firm frame, for tests and calibration.

    Parameters
    ----------
    firms
        A frame with the columns of :func:`generate_firms`.

    Returns
    -------
    dict
        ``operating_firms``, ``employees`` (int), ``production_krw``, ``exports_usd``,
        ``electricity_mwh`` (float), ``share_under_50``, ``anchor_share_of_employees``,
        ``anchor_share_of_production``, ``mean_digital_maturity``; and dicts keyed by sector
        (``sector_share_of_firms``, ``sector_share_of_production``, ``sector_share_of_exports``,
        ``sector_share_of_electricity``), by size class (``size_class_share_of_firms``) and by
        complex (``firms_by_complex``, ``employees_by_complex``), each sorted by key.
    """
    n = len(firms)
    emp = firms["employees"].to_numpy()
    prod = firms["production_krw"].to_numpy(dtype=float)
    anchor = ~firms["synthetic"].to_numpy(dtype=bool)

    def share(col: str, by: str) -> dict[str, float]:
        sums = firms.groupby(by, sort=True)[col].sum()
        return {str(k): float(v) for k, v in (sums / sums.sum()).items()}

    def count_share(by: str) -> dict[str, float]:
        counts = firms[by].value_counts().sort_index()
        return {str(k): float(v) / n for k, v in counts.items()}

    return {
        "operating_firms": int(n),
        "employees": int(emp.sum()),
        "production_krw": float(prod.sum()),
        "exports_usd": float(firms["exports_usd"].sum()),
        "electricity_mwh": float(firms["electricity_mwh"].sum()),
        "share_under_50": float((emp < 50).mean()) if n else 0.0,
        "anchor_share_of_employees": float(emp[anchor].sum() / emp.sum()) if n else 0.0,
        "anchor_share_of_production": float(prod[anchor].sum() / prod.sum()) if n else 0.0,
        "mean_digital_maturity": float(firms["digital_maturity"].mean()) if n else 0.0,
        "sector_share_of_firms": count_share("sector"),
        "sector_share_of_production": share("production_krw", "sector"),
        "sector_share_of_exports": share("exports_usd", "sector"),
        "sector_share_of_electricity": share("electricity_mwh", "sector"),
        "size_class_share_of_firms": count_share("size_class"),
        "firms_by_complex": {
            str(k): int(v) for k, v in firms["complex_id"].value_counts().sort_index().items()
        },
        "employees_by_complex": {
            str(k): int(v)
            for k, v in firms.groupby("complex_id", sort=True)["employees"].sum().items()
        },
    }


def target_aggregates(params: FirmbaseParams) -> dict[str, Any]:
    """The targets in the keys of :func:`aggregate`, for comparison.

    Parameters
    ----------
    params
        Validated parameters.

    Returns
    -------
    dict
        ``operating_firms``, ``employees``, ``production_krw``, ``exports_usd``,
        ``electricity_mwh``, ``share_under_50``, ``sector_share_of_firms`` and
        ``sector_share_of_production`` (sorted by sector).
    """
    t = params.targets
    by_name = sorted(params.sectors, key=lambda s: s.name)
    return {
        "operating_firms": int(t.operating_firms.value),
        "employees": int(t.employees.value),
        "production_krw": t.production_krw.value,
        "exports_usd": t.exports_usd.value,
        "electricity_mwh": t.electricity_mwh.value,
        "share_under_50": t.share_under_50.value,
        "sector_share_of_firms": {s.name: s.share_of_firms.value for s in by_name},
        "sector_share_of_production": {s.name: s.share_of_production.value for s in by_name},
    }
