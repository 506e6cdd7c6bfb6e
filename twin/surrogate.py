"""A surrogate of the twin fitted on sweep results: what-if answers in milliseconds.

One Gaussian-process regression per recorded (KPI, year) maps a sweep's parameters to the
KPI's paired difference to the baseline. Why a Gaussian process rather than gradient
boosting: a sweep has tens to a few hundred points in a handful of dimensions, and the
twin's response to its parameters is smooth (effect positions act linearly between presets,
adoption ceilings through smooth diffusion curves), which a GP with one length scale per
parameter (an anisotropic Matern 5/2 kernel) interpolates closely from few points and with
an uncertainty; boosted trees need many more points and answer in steps. A white-noise term
absorbs the little noise left (the replications share random numbers across points). The
k-fold cross-validated R² and RMSE of every target are measured at fit time and kept with
the model.

This module decides what is fitted (which parameters vary, their ranges, which targets) and
answers queries; the models themselves are built, fitted and cross-validated in
:mod:`twin.ai.regression` (the only place that imports scikit-learn).

A query outside the sampled range of any parameter is answered (the GP extrapolates towards
its mean) but flagged, with a message naming the parameter and the range.

Saved with joblib, atomically, next to the sweep results; :func:`load_surrogate` reads it
back (only load files you made: unpickling runs code).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from twin.ai.regression import MODEL_NAME, fit_gaussian_process, predict_all, scale_unit

__all__ = [
    "FILE_NAME",
    "Prediction",
    "Surrogate",
    "fit_surrogate",
    "load_surrogate",
    "save_surrogate",
]

FILE_NAME = "surrogate.joblib"


@dataclass(frozen=True)
class Prediction:
    """A surrogate's answer to one query.

    Attributes
    ----------
    table
        One row per target: ``kpi``, ``year``, ``diff`` (predicted paired difference to the
        baseline) and ``sd`` (the GP's standard deviation of that prediction).
    in_range
        Whether every parameter lies within the range the sweep sampled.
    messages
        Why not (one per parameter outside its range), and parameters filled in.
    seconds
        Time the prediction took.
    """

    table: pd.DataFrame
    in_range: bool
    messages: list[str]
    seconds: float

    def value(self, kpi: str, year: int) -> float:
        """The predicted difference of ``kpi`` in ``year``."""
        row = self.table[(self.table["kpi"] == kpi) & (self.table["year"] == year)]
        if row.empty:
            raise KeyError(f"no surrogate for {kpi} in {year}")
        return float(row["diff"].iloc[0])


@dataclass
class Surrogate:
    """Fitted models, one per (KPI, year), on a sweep's parameters.

    Attributes
    ----------
    parameters
        The parameters the models take (those that varied in the sweep).
    bounds
        Per parameter, the sampled minimum and maximum.
    fixed
        Parameters that did not vary in the sweep, with their one value.
    neutral
        Values used for parameters a query leaves out (the base scenario's).
    models
        ``(kpi, year)`` -> fitted regressor (inputs scaled to [0, 1] by ``bounds``).
    cv
        Per target: ``r2``, ``rmse``, ``rmse_share`` (RMSE over the spread of the targets),
        from ``folds``-fold cross-validation.
    meta
        Where it came from (sweep, points, kernel, fit seconds).
    """

    parameters: list[str]
    bounds: dict[str, tuple[float, float]]
    fixed: dict[str, float]
    neutral: dict[str, float]
    models: dict[tuple[str, int], Any]
    cv: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    def _scale(self, x: np.ndarray) -> np.ndarray:
        lo = np.array([self.bounds[p][0] for p in self.parameters])
        hi = np.array([self.bounds[p][1] for p in self.parameters])
        return scale_unit(x, lo, hi)

    def predict(self, query: Mapping[str, float]) -> Prediction:
        """Predict every target at ``query`` (parameter -> value).

        Parameters left out take their neutral value (the base scenario's) where known.

        Raises
        ------
        ValueError
            If ``query`` names an unknown parameter, or leaves out one with no neutral
            value.
        """
        t0 = time.perf_counter()
        known = [*self.parameters, *self.fixed]
        unknown = [k for k in query if k not in known]
        if unknown:
            raise ValueError(f"unknown parameter {unknown[0]!r} (allowed: {', '.join(known)})")
        messages: list[str] = []
        values: dict[str, float] = {}
        for p in known:
            if p in query:
                values[p] = float(query[p])
            elif p in self.fixed:
                values[p] = self.fixed[p]
            elif p in self.neutral:
                values[p] = self.neutral[p]
                messages.append(f"{p} not given: taken at its neutral value {values[p]:g}")
            else:
                raise ValueError(f"the query needs a value for {p}")
        in_range = True
        for p in self.parameters:
            lo, hi = self.bounds[p]
            v = values[p]
            if not np.isfinite(v) or v < lo or v > hi:
                in_range = False
                messages.append(
                    f"{p} = {v:g} is outside the sampled range [{lo:g}, {hi:g}]: the surrogate "
                    "extrapolates there, run the twin instead"
                )
        for p, v0 in self.fixed.items():
            if values[p] != v0:
                in_range = False
                messages.append(
                    f"{p} = {values[p]:g} differs from the one value the sweep used ({v0:g}): "
                    "the surrogate does not know its effect"
                )
        x = self._scale(np.array([[values[p] for p in self.parameters]]))
        answers = predict_all(list(self.models.values()), x)
        rows = [
            {"kpi": kpi, "year": year, "diff": float(mean[0]), "sd": float(sd[0])}
            for (kpi, year), (mean, sd) in zip(self.models, answers, strict=True)
        ]
        return Prediction(pd.DataFrame(rows), in_range, messages, time.perf_counter() - t0)


def fit_surrogate(
    table: pd.DataFrame,
    parameters: Sequence[str],
    *,
    kpis: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    neutral: Mapping[str, float] | None = None,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    folds: int = 5,
    seed: int = 0,
    meta: Mapping[str, Any] | None = None,
) -> Surrogate:
    """Fit one regression per (KPI, year) on a tidy sweep table.

    Parameters
    ----------
    table
        From :func:`twin.sweep.sweep_table`: ``point``, the parameters, ``year``, ``kpi``,
        ``diff`` (the target).
    parameters
        The parameter columns.
    kpis, years
        The targets (default: every KPI and year in ``table``).
    neutral
        Values for parameters a query leaves out.
    bounds
        Per parameter, the range the sweep's design covers (a Latin hypercube's ranges);
        default, or where narrower than the points: the points' smallest and largest values.
        Queries outside are flagged.
    folds
        Folds of the cross-validation (at most the number of points).
    seed
        Seed of the fold split and the optimiser's restarts.
    meta
        Stored with the model.

    Returns
    -------
    Surrogate
        With its cross-validated errors in ``cv``.
    """
    t0 = time.perf_counter()
    pts = table.drop_duplicates("point").sort_values("point")
    n = len(pts)
    if n < 4:
        raise ValueError(f"a surrogate needs at least 4 sweep points, got {n}")
    varying = [p for p in parameters if pts[p].nunique() > 1]
    fixed = {p: float(pts[p].iloc[0]) for p in parameters if p not in varying}
    if not varying:
        raise ValueError("no parameter varies in the sweep: nothing to fit")
    given = dict(bounds or {})
    bounds = {}
    for p in varying:
        lo, hi = float(pts[p].min()), float(pts[p].max())
        if p in given:
            lo, hi = min(lo, float(given[p][0])), max(hi, float(given[p][1]))
        bounds[p] = (lo, hi)
    kpis = list(kpis or table["kpi"].unique())
    years = [int(y) for y in (years or sorted(table["year"].unique()))]
    s = Surrogate(varying, bounds, fixed, dict(neutral or {}), {}, pd.DataFrame(), {})
    x = s._scale(pts[varying].to_numpy(dtype=float))
    rows = []
    for kpi in kpis:
        for year in years:
            sel = table[(table["kpi"] == kpi) & (table["year"] == year)].sort_values("point")
            if sel.empty:
                continue
            y = sel["diff"].to_numpy(dtype=float)
            model, cv = fit_gaussian_process(x, y, folds=folds, seed=seed)
            rows.append(
                {
                    "kpi": kpi,
                    "year": year,
                    "r2": cv.r2,
                    "rmse": cv.rmse,
                    "rmse_share": cv.rmse_share,
                    "target_sd": cv.target_sd,
                }
            )
            s.models[kpi, year] = model
    s.cv = pd.DataFrame(rows)
    s.meta = {
        **(meta or {}),
        "points": n,
        "folds": min(folds, n),
        "model": MODEL_NAME,
        "fit_seconds": round(time.perf_counter() - t0, 3),
    }
    return s


def save_surrogate(surrogate: Surrogate, path: str | Path) -> Path:
    """Write ``surrogate`` to ``path`` (a file, or a folder to hold :data:`FILE_NAME`)
    atomically: a temporary file renamed into place."""
    import joblib

    p = Path(path)
    if p.is_dir():
        p = p / FILE_NAME
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, suffix=".tmp")
    os.close(fd)
    try:
        joblib.dump(surrogate, tmp)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p


def load_surrogate(path: str | Path) -> Surrogate:
    """Read a surrogate saved by :func:`save_surrogate` (a file or the sweep's folder).

    Raises
    ------
    FileNotFoundError
        If there is no surrogate there.
    """
    import joblib

    p = Path(path)
    if p.is_dir():
        p = p / FILE_NAME
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no surrogate (fit one with twin sweep --fit-surrogate)")
    return joblib.load(p)
