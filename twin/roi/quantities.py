"""Simulated quantities of a company ROI: per replication, a year's noise, effect placement
and the operating point."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from twin.projection import MIN_GAP
from twin.roi.results import BUNDLE, DEMANDS, SCALARS


def stack(records: Mapping[int, dict[str, Any]], reps: int, bins: int) -> dict[str, np.ndarray]:
    """Per-replication arrays (NaN for replications a unit did not run)."""
    out = {k: np.full(reps, np.nan) for k in SCALARS}
    out["profile"] = np.full((reps, bins), np.nan)
    for r, rec in records.items():
        for k in SCALARS:
            out[k][r] = rec[k]
        out["profile"][r] = rec["profile"]
    return out


def year_noise(
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
    for which in DEMANDS:
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


def set_points(
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
