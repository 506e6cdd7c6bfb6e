"""Fast samplers for the spec's distributions, drawn in batches from named streams."""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import chain

import numpy as np

from twin.config.distributions import (
    Constant,
    Empirical,
    Exponential,
    Lognormal,
    Normal,
    Triangular,
    Weibull,
)

__all__ = ["Sampler", "batch_drawer", "buffered", "make_sampler", "uniform_sampler"]

Sampler = Callable[[], float]
BATCH = 1024


def batch_drawer(
    dist: object, rng: np.random.Generator, scale: float = 1.0
) -> Callable[[int], np.ndarray]:
    """Return ``draw(n)`` giving ``n`` samples of ``dist`` times ``scale``.

    Parameters
    ----------
    dist
        A distribution spec from :mod:`twin.config.distributions`.
    rng
        The stream to draw from.
    scale
        Unit conversion applied to every sample (e.g. 60 for hours to minutes).
    """
    if isinstance(dist, Exponential):
        m = dist.mean * scale
        return lambda n: rng.exponential(m, n)
    if isinstance(dist, Lognormal):
        sigma2 = math.log1p(dist.cv**2)
        mu = math.log(dist.mean * scale) - sigma2 / 2
        sigma = math.sqrt(sigma2)
        return lambda n: rng.lognormal(mu, sigma, n)
    if isinstance(dist, Weibull):
        lam = dist.mean * scale / math.gamma(1 + 1 / dist.shape)
        k = dist.shape
        return lambda n: lam * rng.weibull(k, n)
    if isinstance(dist, Triangular):
        lo, mo, hi = dist.low * scale, dist.mode * scale, dist.high * scale
        return lambda n: rng.triangular(lo, mo, hi, n)
    if isinstance(dist, Normal):
        mu, sd = dist.mean * scale, dist.sd * scale

        def draw_normal(n: int) -> np.ndarray:
            out = rng.normal(mu, sd, n)
            bad = out < 0
            while bad.any():  # redraw: a normal truncated at zero
                out[bad] = rng.normal(mu, sd, int(bad.sum()))
                bad = out < 0
            return out

        return draw_normal
    if isinstance(dist, Empirical):
        values = np.asarray(dist.values, dtype=float) * scale
        return lambda n: values[rng.integers(0, len(values), n)]
    if isinstance(dist, Constant):
        v = dist.value * scale
        return lambda n: np.full(n, v)
    raise TypeError(f"unknown distribution {dist!r}")


def make_sampler(dist: object, rng: np.random.Generator, scale: float = 1.0) -> Sampler:
    """Return a zero-argument callable that yields one sample per call.

    Constants skip the generator entirely; other distributions are drawn ``BATCH`` at a time
    (the sequence is a pure function of the stream, so results stay bit-for-bit reproducible).
    """
    if isinstance(dist, Constant):
        v = float(dist.value * scale)
        return lambda: v
    return buffered(batch_drawer(dist, rng, scale))


def uniform_sampler(rng: np.random.Generator) -> Sampler:
    """U(0, 1) draws, batched.

    ``rng.random`` is looked up at each batch, not here, so that a stream that creates its
    generator on first use (as the engine's do) is not created before its first draw.
    """
    return buffered(lambda n: rng.random(n))


def buffered(draw: Callable[[int], np.ndarray]) -> Sampler:
    """One value per call from ``draw(BATCH)`` batches, the next batch drawn when one runs out.

    Parameters
    ----------
    draw
        ``draw(n)`` gives the next ``n`` values of a stream (e.g. from :func:`batch_drawer`).

    Returns
    -------
    Sampler
        A zero-argument callable yielding the values one by one, as Python floats.

    Notes
    -----
    The sampler is the ``__next__`` of a chain of batches (as Python floats), so a call runs in
    C with no Python frame: it is the engine's most frequent call. A batch is drawn at the call
    that needs it, as a plain buffer would, so streams shared by several samplers are drawn in
    the same order.
    """
    batches = iter(lambda: draw(BATCH).tolist(), None)  # never None: an endless supply
    return chain.from_iterable(batches).__next__
