"""Sweep files (``scenarios/sweeps/*.yaml``): their schema, their design and their points.

A sweep file names a base scenario, run settings, a design (a grid of values, every
combination, or a Latin hypercube over ranges) and what the output table keeps. The
parameters a design may vary are those of :mod:`twin.study_points`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from twin.config.loader import read_yaml, validate_model
from twin.config.scenario import Scenario, load_scenario
from twin.core.errors import InputError
from twin.core.streams import stream
from twin.projection import RunSettings
from twin.scenario_run import data_digest
from twin.study import KPIS
from twin.study_points import Parameter, Point, build_points, checked_parameter

__all__ = [
    "Design",
    "LhsDesign",
    "Record",
    "Sweep",
    "SweepSettings",
    "SweepSpec",
    "design_values",
    "load_sweep",
    "sweep_points",
]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Finite = Annotated[float, Field(allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]
Values = Annotated[list[Finite], Field(min_length=1)]


class SweepSettings(_M):
    """How each archetype is simulated (see :class:`twin.projection.RunSettings`)."""

    replications: Annotated[int, Field(ge=2, le=200)] = 5
    days: Annotated[float, Field(gt=0, le=365, allow_inf_nan=False)] = 7.0
    warmup_days: Annotated[float, Field(ge=0, le=365, allow_inf_nan=False)] = 2.0
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] | None = None


class LhsDesign(_M):
    """A Latin hypercube: ``points`` points over ``ranges`` (``[low, high]`` per parameter),
    drawn from the design's own ``seed``."""

    points: Annotated[int, Field(ge=2, le=100_000)]
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0
    ranges: Annotated[dict[str, tuple[Finite, Finite]], Field(min_length=1)]

    @field_validator("ranges")
    @classmethod
    def _ordered(cls, ranges: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        for name, (lo, hi) in ranges.items():
            if not lo < hi:
                raise ValueError(f"{name}: low ({lo:g}) must be below high ({hi:g})")
        return ranges


class Design(_M):
    """Exactly one of ``grid`` (values per parameter, every combination) or ``lhs``."""

    grid: Annotated[dict[str, Values], Field(min_length=1)] | None = None
    lhs: LhsDesign | None = None

    @model_validator(mode="after")
    def _one(self) -> Design:
        if (self.grid is None) == (self.lhs is None):
            raise ValueError("give exactly one of 'grid' or 'lhs'")
        if self.grid is not None:
            n = math.prod(len(v) for v in self.grid.values())
            if n > 100_000:
                raise ValueError(f"the grid has {n:,} points (at most 100,000)")
        return self


class Record(_M):
    """What the output table keeps (default: every KPI, every year)."""

    kpis: Annotated[list[str], Field(min_length=1)] | None = None
    years: Annotated[list[int], Field(min_length=1)] | None = None

    @field_validator("kpis")
    @classmethod
    def _kpis(cls, kpis: list[str] | None) -> list[str] | None:
        for k in kpis or []:
            if k not in KPIS:
                raise ValueError(f"unknown KPI {k!r} (allowed: {', '.join(KPIS)})")
        return kpis


class SweepSpec(_M):
    """A sweep file (``scenarios/sweeps/*.yaml``)."""

    name: Name
    description: Annotated[str, Field(min_length=1, max_length=4000)] | None = None
    scenario: Annotated[str, Field(min_length=1)]
    settings: SweepSettings = SweepSettings()
    design: Design
    record: Record = Record()


@dataclass(frozen=True)
class Sweep:
    """A validated sweep file with its base scenario and points' parameter values."""

    spec: SweepSpec
    path: Path
    scenario_path: Path
    base: Scenario
    settings: RunSettings
    designs: list[dict[str, float]]
    params: dict[str, Parameter] = field(default_factory=dict)

    @property
    def kpis(self) -> list[str]:
        """The KPIs the output keeps."""
        return list(self.spec.record.kpis or KPIS)

    @property
    def years(self) -> list[int]:
        """The years the output keeps."""
        return list(self.spec.record.years or self.base.years)

    @property
    def bounds(self) -> dict[str, tuple[float, float]]:
        """Per parameter, the range the design covers (the LHS ranges, or the grid's
        smallest and largest values)."""
        d = self.spec.design
        if d.lhs is not None:
            return {n: (float(lo), float(hi)) for n, (lo, hi) in d.lhs.ranges.items()}
        return {n: (float(min(v)), float(max(v))) for n, v in d.grid.items()}


def design_values(design: Design, seed_name: str = "sweep") -> list[dict[str, float]]:
    """Per point, parameter -> value: every grid combination (the first parameter varying
    slowest), or a Latin hypercube scaled to the ranges (named stream from the design's
    seed, so the same file gives the same points)."""
    if design.grid is not None:
        names = list(design.grid)
        return [
            dict(zip(names, combo, strict=True))
            for combo in itertools.product(*(design.grid[n] for n in names))
        ]
    from scipy.stats import qmc

    lhs = design.lhs
    names = list(lhs.ranges)
    sampler = qmc.LatinHypercube(d=len(names), rng=stream(lhs.seed, seed_name, "lhs"))
    unit = sampler.random(lhs.points)
    lo = np.array([lhs.ranges[n][0] for n in names])
    hi = np.array([lhs.ranges[n][1] for n in names])
    values = lo + unit * (hi - lo)
    return [{n: float(v) for n, v in zip(names, row, strict=True)} for row in values]


def load_sweep(path: str | Path) -> Sweep:
    """Read and check a sweep file and its base scenario.

    Raises
    ------
    InputError
        One line naming the file, the field and what is allowed.
    """
    p = Path(path)
    src = str(path)
    spec = validate_model(SweepSpec, read_yaml(p), src)
    scenario_path = (p.parent / spec.scenario).resolve()
    if not scenario_path.is_file():
        raise InputError(
            src, "scenario", f"file not found: {spec.scenario} (relative to {p.parent})"
        )
    base = load_scenario(scenario_path)
    s = spec.settings
    settings = RunSettings(
        days=s.days,
        warmup_days=s.warmup_days,
        replications=s.replications,
        seed=base.seed if s.seed is None else s.seed,
    )
    kind = "grid" if spec.design.grid is not None else "lhs.ranges"
    names = list(spec.design.grid or spec.design.lhs.ranges)
    params = {n: checked_parameter(n, base, src, f"design.{kind}.{n}") for n in names}
    given = spec.design.grid or {n: list(r) for n, r in spec.design.lhs.ranges.items()}
    for n, values in given.items():
        for v in values:
            why = params[n].check(v)
            if why:
                raise InputError(src, f"design.{kind}.{n}", why)
    for y in spec.record.years or []:
        if y not in base.years:
            raise InputError(
                src,
                "record.years",
                f"{y} is not a year of the scenario ({base.years[0]}-{base.years[-1]})",
            )
    return Sweep(spec, p, scenario_path, base, settings, design_values(spec.design), params)


def sweep_points(sweep: Sweep, settings: RunSettings | None = None) -> list[Point]:
    """The sweep's points (with their store keys for ``settings``, default the file's)."""
    kind = "design.grid" if sweep.spec.design.grid is not None else "design.lhs.ranges"
    return build_points(
        sweep.base,
        sweep.designs,
        settings or sweep.settings,
        data_digest(),
        str(sweep.path),
        kind,
    )
