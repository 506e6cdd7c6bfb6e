"""Runs of a company ROI: lever training and simulations, in worker processes or inline."""

from __future__ import annotations

import math
import signal
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from twin.ai.registry import LEVER_ORDER, apply_levers, lever_apply
from twin.config.factory import FactorySpec
from twin.config.lever import LeverSpec
from twin.config.loader import canonical_json
from twin.config.transform import with_utilisation
from twin.core.streams import stream
from twin.des import simulate
from twin.projection import availability
from twin.roi.results import BUNDLE, DEMANDS


@dataclass
class Unit:
    """One lever set at one preset: trained once, simulated at two demands."""

    key: tuple[str, str]  # (set name, level); ("none", "") for the plain line
    reps: tuple[int, ...]
    spec: FactorySpec | None = None
    policy: Any = None
    quality: dict[str, Any] = field(default_factory=dict)
    alias: bool = False  # the lever changed nothing: the plain line's runs serve


def _record(res: Any) -> dict[str, Any]:
    """The quantities ROI needs from one replication (measured window, not annualised)."""
    k = res.kpis
    repair_min = sum(
        st["state_min"]["failed"] + st["state_min"]["maintenance"] for st in res.stations.values()
    )
    return {
        "revenue": k["revenue_krw"],
        "material": k["material_cost_krw"],
        "good_units": k["good_units"],
        "scrap_units": k["scrap_units"],
        "escaped_units": k["escaped_defects"],
        "energy_mwh": k["energy_kwh"] / 1000.0,
        "peak_kw": k["peak_kw_15min"],
        "oee": k["oee"],
        "throughput_per_h": k["throughput_per_h"],
        "availability": availability(res),
        "repair_h": repair_min / 60.0,
        "failures": k["failures"],
        "profile": np.asarray(res.profile_kw, dtype=float),
    }


def _simulate_chunk(
    spec: FactorySpec,
    policy: Any,
    days: float,
    warmup_days: float,
    seed: int,
    reps: tuple[int, ...],
    factor: float | None,
) -> list[dict[str, Any]]:
    """Replications ``reps`` of ``spec`` (at ``factor`` x its release rate if given)."""
    if factor is not None:
        spec = with_utilisation(spec, factor)
    return [
        _record(
            simulate(
                spec, days=days, warmup_days=warmup_days, seed=seed, replication=r, policy=policy
            )
        )
        for r in reps
    ]


def _train_group(
    plain: FactorySpec,
    base: FactorySpec,
    names: tuple[str, ...],
    levers: Mapping[str, LeverSpec],
    level: str,
    seed: int,
    bundle: bool,
) -> dict[tuple[str, str], tuple[FactorySpec, Any, dict]]:
    """Train ``names`` at ``level`` (and the bundle, if asked) in one process.

    The typical single levers and the bundle are trained together so that the levers' model
    caches serve the bundle's identical fits.
    """
    out = {}
    for name in names:
        source = plain if name == "predictive_maintenance" else base
        a = lever_apply(name)(source, levers[name], level, seed)
        out[name, level] = (a.spec, a.policy, dict(a.quality))
    if bundle:
        chosen = [n for n in LEVER_ORDER if n in names]
        source = plain if "predictive_maintenance" in chosen else base
        spec, policy, quality = apply_levers(
            source, chosen, levers, dict.fromkeys(chosen, "typical"), seed
        )
        out[BUNDLE, "typical"] = (spec, policy, quality)
    return out


class _Inline:
    """An executor that runs each task when it is submitted (one process)."""

    def submit(self, fn: Callable, *args: Any) -> Future:
        fut: Future = Future()
        fut.set_result(fn(*args))
        return fut

    def __enter__(self) -> _Inline:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        return None


def _dies_on_sigterm() -> None:
    """Worker initializer: SIGTERM ends the worker. A parent that handles SIGTERM itself (the
    Streamlit server does, for a graceful shutdown) passes its handler on to forked workers,
    and then terminating them on a cancelled run would leave them computing."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _chunks(reps: tuple[int, ...], size: int) -> list[tuple[int, ...]]:
    return [reps[i : i + size] for i in range(0, len(reps), size)]


def effect_draws(
    names: Sequence[str], replications: int, seed: int, sample_effects: bool = True
) -> dict[str, np.ndarray]:
    """Each lever's effect position ``t`` in [-1, 1] per replication (effect draw).

    A symmetric triangular draw from the named stream ``("uncertainty", lever)``, the same
    draws as a sampled scenario; zeros (every draw at ``typical``) if effects are not sampled.
    """
    return {
        n: (
            stream(seed, "uncertainty", n).triangular(-1.0, 0.0, 1.0, size=replications)
            if sample_effects
            else np.zeros(replications)
        )
        for n in names
    }


def hosts(replications: int, simulations: int) -> np.ndarray:
    """The simulated replication each effect draw is paired with: draw ``i`` with ``i mod S``.

    With as many simulations as draws this is the identity (draw ``i`` on replication ``i``);
    with fewer, each simulated replication carries ``replications / simulations`` draws.
    """
    return np.arange(replications) % simulations


def plan_units(
    names: Sequence[str], draws: Mapping[str, np.ndarray], host: np.ndarray, simulations: int
) -> list[Unit]:
    """The lever sets and presets to simulate, each with the simulated replications it needs.

    The plain line, each lever at ``typical`` and the bundle (two levers or more) run on every
    simulated replication; a lever's ``low`` (``high``) preset only on the replications that
    carry a draw below (above) zero.
    """
    every = tuple(range(simulations))
    units = [Unit(("none", ""), every)]
    for n in names:
        units.append(Unit((n, "typical"), every))
        for level, side in (("low", draws[n] < 0), ("high", draws[n] > 0)):
            chosen = tuple(sorted({int(r) for r in host[side]}))
            if chosen:
                units.append(Unit((n, level), chosen))
    if len(names) > 1:
        units.append(Unit((BUNDLE, "typical"), every))
    return units


def simulations_count(
    levers: Sequence[str],
    replications: int,
    sample_effects: bool = True,
    *,
    simulations: int | None = None,
    seed: int | None = None,
) -> int:
    """Simulation runs a company ROI makes (for a progress bar's total).

    Per simulated replication and demand level: the plain line, each lever at ``typical`` and,
    when effects are sampled, at the presets its draws need, and the bundle (two levers or
    more). With as many simulations as replications (the default) each replication needs one
    side preset per lever; with fewer, a simulated replication carries several draws and
    usually needs both sides: the count is exact when ``seed`` is given, else an upper bound.
    Levers that change nothing on the line reuse the plain line's runs and count as done
    when found out.
    """
    sims = replications if simulations is None else simulations
    n = len(levers)
    if sample_effects and seed is not None:
        draws = effect_draws(levers, replications, seed, sample_effects)
        units = plan_units(levers, draws, hosts(replications, sims), sims)
        return 2 * sum(len(u.reps) for u in units)
    sides = 0 if not sample_effects else (1 if sims == replications else 2)
    return 2 * sims * (1 + n * (1 + sides) + (1 if n > 1 else 0))


def run_units(
    units: list[Unit],
    plain: FactorySpec,
    base: FactorySpec,
    levers: Mapping[str, LeverSpec],
    settings: dict[str, Any],
    workers: int,
    progress: Callable[[int, int], None] | None,
    total: int,
) -> dict[tuple[tuple[str, str], str], dict[int, dict[str, Any]]]:
    """Train every unit's lever and simulate its replications at both demand levels."""
    seed, days, warm, sat = (
        settings["seed"],
        settings["days"],
        settings["warmup_days"],
        settings["saturation"],
    )
    by_key = {u.key: u for u in units}
    chunk = max(1, min(8, math.ceil(max(len(u.reps) for u in units) / (2 * max(workers, 1)))))
    records: dict[tuple[tuple[str, str], str], dict[int, dict[str, Any]]] = {}
    done = 0
    pool = (
        ProcessPoolExecutor(max_workers=workers, initializer=_dies_on_sigterm)
        if workers > 1
        else _Inline()
    )
    pending: dict[Future, tuple[str, Any]] = {}

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    tick(0)
    with pool:

        def submit_sims(u: Unit) -> None:
            spec = base if u.key[0] == "none" else u.spec
            for which in DEMANDS:
                factor = sat if which == "sat" else None
                for reps in _chunks(u.reps, chunk):
                    args = (spec, u.policy, days, warm, seed, reps, factor)
                    pending[pool.submit(_simulate_chunk, *args)] = ("sim", (u.key, which, reps))

        try:
            singles = tuple(u.key[0] for u in units if u.key[1] == "typical" and u.key[0] != BUNDLE)
            bundle = (BUNDLE, "typical") in by_key
            tasks = [(singles, "typical", bundle)] + [
                ((u.key[0],), u.key[1], False) for u in units if u.key[1] in ("low", "high")
            ]
            for chosen, level, with_bundle in tasks:  # the longest tasks first
                args = (plain, base, chosen, levers, level, seed, with_bundle)
                pending[pool.submit(_train_group, *args)] = ("train", None)
            submit_sims(by_key["none", ""])
            while pending:
                finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                for fut in finished:
                    kind, what = pending.pop(fut)
                    if kind == "train":
                        for key, (spec, policy, quality) in sorted(fut.result().items()):
                            u = by_key[key]
                            u.spec, u.policy, u.quality = spec, policy, quality
                            if policy is None and canonical_json(spec) == canonical_json(base):
                                u.alias = True
                                tick(2 * len(u.reps))
                            else:
                                submit_sims(u)
                        continue
                    key, which, reps = what
                    for r, rec in zip(reps, fut.result(), strict=True):
                        records.setdefault((key, which), {})[r] = rec
                    tick(len(reps))
        except BaseException:  # an error or Ctrl-C: stop the workers, do not wait for them
            # (no public way to stop running tasks before Python 3.14's terminate_workers)
            running = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in running:
                proc.terminate()
            raise
    for u in units:  # a lever that changed nothing repeats the plain line's runs exactly
        if u.alias:
            for which in DEMANDS:
                src = records[("none", ""), which]
                records[u.key, which] = {r: src[r] for r in u.reps}
    return records
