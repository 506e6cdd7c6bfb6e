"""Throughput benchmark: the Gumi Twin engine against bare SimPy and Ciw on one M/M/1 queue.

What is measured
----------------
Three simulators run the same M/M/1 workload in this process: exponential interarrival times
with mean 1.25 min (rate 0.8 per minute), exponential service times with mean 1.0 min
(utilisation 0.8), one server, no failures, FIFO, starting empty, no warm-up.

1. **bare SimPy** - a minimal hand-written SimPy model: a source generator process that yields
   ``env.timeout(interarrival)`` and starts one customer process per job; the customer requests
   a ``simpy.Resource(capacity=1)``, yields a timeout for its service, releases the server and
   counts a completion. This is the floor cost of "a SimPy model" of this queue.
2. **engine** - ``twin.des.simulate`` on a one-station factory spec, with energy accounting on
   (the station draws 10 kW processing and 2 kW idle, integrated into 15-minute bins), and
   the usual KPIs built at the end. Jobs are ``kpis["good_units"]``.
3. **Ciw** - ``ciw.Simulation`` of the same M/M/1 network; jobs are its completed service
   records. Ciw is slower, so it runs for a shorter horizon; jobs per second is the figure to
   compare.

Each simulator does one warm-up run (a tenth of the horizon: imports, caches, first-call
costs), then ``--repeats`` timed runs of the full horizon with the same seed (identical work
each time); the best wall-clock time (``time.perf_counter``) is reported, as ``timeit`` does.
Timed work covers building the model, running it to the horizon and reading the job count out
(for the engine: ``simulate`` including its ``build_result``; the spec is validated once,
outside the timer). The garbage collector stays on, as in real use.

The figures are jobs completed per wall-clock second and the ratios
``engine / bare SimPy`` (target >= 0.5, heading for 1.0: the engine's callbacks should cost no
more than SimPy's own process machinery) and ``engine / Ciw`` (target >= 2).

A sanity check compares each simulator's completions per simulated minute with the arrival
rate 0.8 (the queue is stable, so in the long run departures match arrivals) and prints a
warning if any is more than 5 % off, so that a broken model cannot masquerade as a fast one.

How to run
----------
From the project root::

    .venv/bin/python benchmarks/engine.py            # ~200k jobs (SimPy, engine), ~30k (Ciw)
    .venv/bin/python benchmarks/engine.py --quick    # smoke run in a few seconds
    .venv/bin/python benchmarks/engine.py --jobs 500000 --repeats 5
    .venv/bin/python benchmarks/engine.py --json     # one JSON object on stdout
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import ciw
import numpy as np
import simpy

# Run as a script from anywhere: make the project root importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from twin.config import parse_factory_spec
from twin.config.distributions import Exponential
from twin.des import simulate
from twin.des.sampling import make_sampler

MEAN_INTERARRIVAL_MIN = 1.25
MEAN_SERVICE_MIN = 1.0
ARRIVAL_RATE = 1.0 / MEAN_INTERARRIVAL_MIN  # 0.8 jobs per minute
SERVICE_RATE = 1.0 / MEAN_SERVICE_MIN
SEED = 1
TOLERANCE = 0.05  # sanity check: completions per minute within 5 % of ARRIVAL_RATE
TARGET_VS_SIMPY = 0.5
TARGET_VS_CIW = 2.0

SPEC = {
    "name": "mm1",
    "source": {"interarrival_min": {"dist": "exponential", "mean": MEAN_INTERARRIVAL_MIN}},
    "stations": [
        {
            "name": "s1",
            "process_time_min": {"dist": "exponential", "mean": MEAN_SERVICE_MIN},
            "power_kw": {"processing": 10, "idle": 2},
        }
    ],
}


# -- the three simulators: each takes (horizon in minutes, seed) and returns completed jobs --


def run_bare_simpy(horizon_min: float, seed: int) -> int:
    """A minimal generator-process SimPy M/M/1 model; returns completions by ``horizon_min``.

    Random numbers: to be fair to SimPy, this model draws exactly as the engine does - from
    numpy Generators (``np.random.default_rng``, one independent stream for arrivals and one
    for service) through the engine's own batched sampler (``twin.des.sampling.make_sampler``:
    1024 draws per numpy call, handed out one Python float at a time). Both simulators
    therefore pay the same, small per-draw cost, and the timings compare the event machinery
    alone. (Ciw cannot be given this sampler: it draws scalars from Python's ``random``.)
    """
    arrival_rng, service_rng = np.random.default_rng(seed).spawn(2)
    interarrival = make_sampler(
        Exponential(dist="exponential", mean=MEAN_INTERARRIVAL_MIN), arrival_rng
    )
    service = make_sampler(Exponential(dist="exponential", mean=MEAN_SERVICE_MIN), service_rng)

    env = simpy.Environment()
    server = simpy.Resource(env, capacity=1)
    done = [0]

    def customer():
        req = server.request()
        yield req
        yield env.timeout(service())
        server.release(req)
        done[0] += 1

    def source():
        while True:
            yield env.timeout(interarrival())
            env.process(customer())

    env.process(source())
    env.run(until=horizon_min)
    return done[0]


def make_run_engine() -> Callable[[float, int], int]:
    """The engine on the one-station spec (validated once here, outside the timer)."""
    spec = parse_factory_spec(SPEC, source="benchmarks/engine.py")

    def run_engine(horizon_min: float, seed: int) -> int:
        r = simulate(spec, days=horizon_min / 1440.0, warmup_days=0, seed=seed)
        return int(r.kpis["good_units"])

    return run_engine


def run_ciw(horizon_min: float, seed: int) -> int:
    """Ciw's M/M/1 (rates per minute); returns the number of completed service records."""
    ciw.seed(seed)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=ARRIVAL_RATE)],
        service_distributions=[ciw.dists.Exponential(rate=SERVICE_RATE)],
        number_of_servers=[1],
    )
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(horizon_min)
    return len(sim.get_all_records())


# -- timing --------------------------------------------------------------------------------


@dataclass
class Figure:
    """One simulator's best-of-N result."""

    simulator: str
    horizon_min: float
    jobs: int
    seconds: float
    jobs_per_s: float
    jobs_per_min: float  # completions per simulated minute (sanity check: ~ARRIVAL_RATE)
    all_seconds: list[float]


def measure(
    name: str, run: Callable[[float, int], int], horizon_min: float, repeats: int
) -> Figure:
    """Warm up on a tenth of the horizon, then time ``repeats`` full runs; keep the best."""
    run(horizon_min / 10.0, SEED)
    times: list[float] = []
    jobs = 0
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        jobs = run(horizon_min, SEED)
        times.append(time.perf_counter() - t0)
    best = min(times)
    return Figure(name, horizon_min, jobs, best, jobs / best, jobs / horizon_min, times)


def machine() -> dict[str, str]:
    """Where the figures were taken."""
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "simpy": simpy.__version__,
        "ciw": ciw.__version__,
        "numpy": np.__version__,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="jobs to simulate with bare SimPy and the engine (default 200000; "
        "Ciw runs 15 %% of this, 30000 by default)",
    )
    ap.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="timed runs per simulator, best one reported (default 3)",
    )
    ap.add_argument(
        "--quick",
        action="store_true",
        help="small sizes for a smoke run (20000 jobs, Ciw 5000, 2 repeats)",
    )
    ap.add_argument(
        "--json",
        action="store_true",
        help="print the figures as one JSON object instead of the table",
    )
    args = ap.parse_args(argv)

    jobs = args.jobs if args.jobs is not None else (20_000 if args.quick else 200_000)
    repeats = args.repeats if args.repeats is not None else (2 if args.quick else 3)
    if jobs <= 0 or repeats <= 0:
        ap.error("--jobs and --repeats must be positive")
    ciw_jobs = max(1, round(jobs * (0.25 if args.quick else 0.15)))
    horizon = jobs * MEAN_INTERARRIVAL_MIN  # simulated minutes for ~`jobs` completions
    ciw_horizon = ciw_jobs * MEAN_INTERARRIVAL_MIN

    figures = [
        measure("bare SimPy", run_bare_simpy, horizon, repeats),
        measure("engine", make_run_engine(), horizon, repeats),
        measure("Ciw", run_ciw, ciw_horizon, repeats),
    ]
    simpy_f, engine_f, ciw_f = figures
    ratios = {
        "engine / bare SimPy": engine_f.jobs_per_s / simpy_f.jobs_per_s,
        "engine / Ciw": engine_f.jobs_per_s / ciw_f.jobs_per_s,
    }
    targets = {"engine / bare SimPy": TARGET_VS_SIMPY, "engine / Ciw": TARGET_VS_CIW}
    warnings = [
        f"WARNING: {f.simulator} completed {f.jobs_per_min:.4f} jobs/min, "
        f"{abs(f.jobs_per_min / ARRIVAL_RATE - 1):.1%} off the arrival rate {ARRIVAL_RATE} "
        f"(tolerance {TOLERANCE:.0%}): the benchmark may be broken"
        for f in figures
        if abs(f.jobs_per_min / ARRIVAL_RATE - 1) > TOLERANCE
    ]

    if args.json:
        out = {
            "machine": machine(),
            "workload": {
                "model": "M/M/1",
                "mean_interarrival_min": MEAN_INTERARRIVAL_MIN,
                "mean_service_min": MEAN_SERVICE_MIN,
                "seed": SEED,
                "repeats": repeats,
                "jobs_target": jobs,
                "ciw_jobs_target": ciw_jobs,
            },
            "results": [asdict(f) for f in figures],
            "ratios": ratios,
            "targets": targets,
            "warnings": warnings,
        }
        print(json.dumps(out, indent=2))
        for w in warnings:
            print(w, file=sys.stderr)
        return 0

    m = machine()
    print(f"machine : {m['platform']} ({m['processor']})")
    print(f"python  : {m['python']}   simpy {m['simpy']}   ciw {m['ciw']}   numpy {m['numpy']}")
    print(
        f"workload: M/M/1, interarrival exp mean {MEAN_INTERARRIVAL_MIN} min, service exp mean "
        f"{MEAN_SERVICE_MIN} min, seed {SEED}, best of {repeats} (after a warm-up run)"
    )
    print()
    print(f"{'simulator':<12} {'jobs':>9} {'seconds':>9} {'jobs/s':>10} {'jobs/min':>9}")
    for f in figures:
        print(
            f"{f.simulator:<12} {f.jobs:>9,d} {f.seconds:>9.3f} {f.jobs_per_s:>10,.0f} "
            f"{f.jobs_per_min:>9.4f}"
        )
    print()
    for name, value in ratios.items():
        target = targets[name]
        verdict = "ok" if value >= target else "BELOW TARGET"
        print(f"{name:<20} {value:6.2f}   (target >= {target:g}: {verdict})")
    if warnings:
        print()
        for w in warnings:
            print(w)
    else:
        print(
            f"\nsanity: all simulators within {TOLERANCE:.0%} of {ARRIVAL_RATE} completed jobs/min"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
