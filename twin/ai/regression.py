"""Gaussian-process regression with its k-fold cross-validated error (for the sweep surrogate).

A sweep has tens to a few hundred points in a handful of dimensions, and the twin's response
to its parameters is smooth, which a Gaussian process with one length scale per input (an
anisotropic Matern 5/2 kernel) interpolates closely from few points, with an uncertainty.
A white-noise term absorbs the little noise left. Inputs are scaled to [0, 1] per dimension
(:func:`scale_unit`) so that one set of length-scale bounds suits every parameter.

:mod:`twin.surrogate` decides what to fit and keeps the models; this module builds, fits,
cross-validates and queries them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.model_selection import KFold, cross_val_predict

from twin.ai.threads import single_thread

__all__ = [
    "MODEL_NAME",
    "CrossValidation",
    "fit_gaussian_process",
    "gaussian_process",
    "predict_all",
    "scale_unit",
]

#: What :func:`gaussian_process` builds, for manifests.
MODEL_NAME = "GaussianProcessRegressor(Constant x Matern(nu=2.5, ARD) + White)"


@dataclass(frozen=True)
class CrossValidation:
    """A model's k-fold cross-validated error on its training targets.

    Attributes
    ----------
    r2
        R² of the out-of-fold predictions (NaN when the targets do not vary).
    rmse
        Root mean squared error of the out-of-fold predictions.
    rmse_share
        ``rmse`` over ``target_sd`` (NaN when the targets do not vary).
    target_sd
        Standard deviation of the targets.
    folds
        Folds used.
    """

    r2: float
    rmse: float
    rmse_share: float
    target_sd: float
    folds: int


def scale_unit(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Scale each column of ``x`` from ``[low, high]`` to [0, 1] (linearly; no clipping).

    Parameters
    ----------
    x
        Inputs, one row per sample.
    low, high
        Per column, the values mapped to 0 and 1 (``high > low``).
    """
    return (np.asarray(x, dtype=float) - low) / (high - low)


def gaussian_process(dims: int, seed: int) -> GaussianProcessRegressor:
    """An unfitted GP: Constant x Matern(nu=2.5, one length scale per input) + White.

    Parameters
    ----------
    dims
        Number of inputs (scaled to [0, 1]).
    seed
        Seed of the optimiser's restarts.
    """
    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * Matern(
        length_scale=np.ones(dims), length_scale_bounds=(1e-2, 1e2), nu=2.5
    ) + WhiteKernel(1e-4, (1e-10, 1e0))
    return GaussianProcessRegressor(
        kernel=kernel, normalize_y=True, n_restarts_optimizer=2, random_state=seed
    )


def fit_gaussian_process(
    x: np.ndarray, y: np.ndarray, *, folds: int = 5, seed: int = 0
) -> tuple[GaussianProcessRegressor, CrossValidation]:
    """Fit :func:`gaussian_process` on ``(x, y)`` and measure its cross-validated error.

    Parameters
    ----------
    x
        Inputs scaled to [0, 1], one row per sample.
    y
        Targets.
    folds
        Folds of the cross-validation (at most the number of samples); the split is
        shuffled with ``seed``.
    seed
        Seed of the fold split and of the optimiser's restarts.

    Returns
    -------
    model, CrossValidation
        The model fitted on all samples, and the error of models fitted without each fold
        on that fold.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    k = min(folds, len(y))
    split = KFold(n_splits=k, shuffle=True, random_state=seed)
    with warnings.catch_warnings(), single_thread():
        # A parameter with no effect drives its length scale to the upper bound, and common
        # random numbers leave almost no noise: both expected, both harmless.
        warnings.simplefilter("ignore", ConvergenceWarning)
        pred = cross_val_predict(gaussian_process(x.shape[1], seed), x, y, cv=split)
        model = gaussian_process(x.shape[1], seed).fit(x, y)
    spread = float(np.std(y))
    rmse = float(np.sqrt(mean_squared_error(y, pred)))
    cv = CrossValidation(
        r2=float(r2_score(y, pred)) if spread > 0 else float("nan"),
        rmse=rmse,
        rmse_share=rmse / spread if spread > 0 else float("nan"),
        target_sd=spread,
        folds=k,
    )
    return model, cv


def predict_all(
    models: Sequence[GaussianProcessRegressor], x: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each model's mean and standard deviation at each row of ``x`` (scaled as in training)."""
    x = np.asarray(x, dtype=float)
    with single_thread():  # tiny matrices: native threads would only contend
        return [model.predict(x, return_std=True) for model in models]
