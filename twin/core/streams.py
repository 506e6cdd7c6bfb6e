"""Named, reproducible random streams.

Every random number in Gumi Twin comes from a :class:`numpy.random.Generator` derived from one
root seed and a *name* (a tuple of strings and integers), e.g.
``stream(seed, "rep", 3, "station", "smt", "process")``. The same name always yields the same
stream, whatever else was drawn before, in which process, or on how many workers. Baseline and
AI runs therefore share random numbers (common random numbers).
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["stable_key", "stream"]


def stable_key(*parts: str | int) -> tuple[int, ...]:
    """Turn a name into a tuple of 32-bit words, stable across processes and platforms.

    Parameters
    ----------
    *parts
        Strings and non-negative integers naming the stream.

    Returns
    -------
    tuple of int
        One or two 32-bit words per part (integers pass through, strings are hashed with
        BLAKE2b, never Python's salted ``hash``).
    """
    words: list[int] = []
    for part in parts:
        if isinstance(part, bool) or not isinstance(part, int | str):
            raise TypeError(f"stream name parts must be str or int, got {type(part).__name__}")
        if isinstance(part, int):
            if part < 0:
                raise ValueError("stream name integers must be non-negative")
            words.extend([0, part & 0xFFFFFFFF, part >> 32])
        else:
            digest = hashlib.blake2b(part.encode("utf-8"), digest_size=8).digest()
            words.extend(
                [1, int.from_bytes(digest[:4], "little"), int.from_bytes(digest[4:], "little")]
            )
    return tuple(words)


def stream(seed: int, *name: str | int) -> np.random.Generator:
    """Return the generator for ``name`` under root ``seed``.

    Parameters
    ----------
    seed
        The scenario's root seed (a non-negative integer).
    *name
        The stream's name, e.g. ``("rep", 0, "station", "smt", "process")``.

    Returns
    -------
    numpy.random.Generator
        A PCG64 generator seeded from ``SeedSequence(seed, spawn_key=stable_key(*name))``.
    """
    if seed < 0:
        raise ValueError("seed must be non-negative")
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=stable_key(*name)))
    )
