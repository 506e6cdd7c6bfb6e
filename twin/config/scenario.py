"""AX scenario files ``scenarios/*.yaml``: which firms adopt which AI lever when, and the context.

A scenario says, for the years of its horizon (2025-2032 in the shipped files):

- ``levers``: for each AI lever it adopts (absent or ``null`` = not adopted), the effect preset
  (``level``: low / typical / high, the columns of ``data/levers/<lever>.yaml``) and adoption
  rules. A rule selects firms by sector and size class and gives their adoption curve, either
  a Bass diffusion ``{bass: {p, q, ceiling, start_year}}`` or explicit ``{shares: {year:
  share}}`` (linear between the listed years, 0 before the first, flat after the last). Each
  (sector, size class) cell is matched by at most one rule per lever; unmatched cells adopt
  nothing;
- ``anchors``: named firms forced to adopt levers from a year (the plan's anchor companies);
- ``compute``: the manufacturing AI data cluster (GPUs by year, kW per GPU, PUE, utilisation),
  whose electricity is counted as AI compute energy;
- ``ecosystem``: AI practitioners and AI firms by year (informational, for reporting);
- ``demand_growth`` per sector, the grid emission factor, the K-ETS carbon price, and how
  effect uncertainty is treated (``uncertainty``).

**What an adoption share means.** A share is the fraction of a group's firms that adopt the
lever *after the base year* (2023, the year the baseline is calibrated to). Whatever AI the
firms used in the base year is inside the calibrated baseline already, so a scenario with no
adoption reproduces the baseline exactly and no AI is counted twice. Published adoption levels
(e.g. about 10 % of large manufacturers in 2025) are converted by subtracting an estimated
base-year level; each shipped file states how.

**Provenance.** Every number sits in a mapping with ``source`` and ``status`` (published /
estimate / synthetic); only years, the seed and the sample count are exempt. A file that
``extends:`` another must restate ``source`` and ``status`` wherever it overrides a number
(:func:`load_scenario` checks this file by file, so an override cannot inherit a stale source).

**Sparse overrides.** A file that ``extends:`` another overrides it key by key. ``null``
removes an inherited lever, assumption, ``compute`` or ``ecosystem``; lists (adoption rules,
anchors) and year mappings (``{2027: 128, 2032: 1000}``) are replaced whole.
"""

from __future__ import annotations

import bisect
import copy
import itertools
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from twin.config.firmbase import SECTORS
from twin.config.lever import LEVELS, Level
from twin.config.loader import (
    FieldError,
    parse_yaml_text,
    read_yaml,
    spec_hash,
    validate_model,
)
from twin.core.errors import InputError

__all__ = [
    "DEFAULTS_FILE",
    "LEVER_NAMES",
    "NUMBER_KEYS_WITHOUT_SOURCE",
    "SIZE_CLASSES",
    "AdoptionCurve",
    "AdoptionRule",
    "AnchorPlan",
    "Assumption",
    "BassCurve",
    "DataCluster",
    "DemandGrowth",
    "Ecosystem",
    "Horizon",
    "LeverPlan",
    "LeverPlans",
    "Scenario",
    "Sourced",
    "Uncertainty",
    "YearPath",
    "check_anchor_names",
    "interpolate_years",
    "load_scenario",
    "parse_scenario",
    "scenario_files",
    "scenario_hash",
]

LEVER_NAMES: tuple[str, ...] = (
    "predictive_maintenance",
    "vision_qc",
    "energy_optimisation",
    "scheduling",
    "yield_optimisation",
)
# Must match the size classes of data/firmbase.yaml (checked by tests/data/test_scenarios.py).
SIZE_CLASSES: tuple[str, ...] = ("1-9", "10-49", "50-299", "300+")
# Shared settings, not a scenario to run (it has no name); the others extend it.
DEFAULTS_FILE = "defaults.yaml"
# Keys whose numbers are settings, not data, and need no source.
NUMBER_KEYS_WITHOUT_SOURCE = frozenset(
    {"seed", "samples", "start_year", "end_year", "base_year", "year"}
)
HOURS_PER_YEAR = 8760.0

Status = Literal["published", "estimate", "synthetic"]
UncertaintyMode = Literal["levels", "low", "typical", "high", "sampled"]
Text = Annotated[str, Field(min_length=1, max_length=4000)]
Year = Annotated[int, Field(ge=2000, le=2100)]
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]
Key = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_]*$")]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def interpolate_years(points: Mapping[int, float], year: float) -> float:
    """Value of a year mapping at ``year``: linear between listed years.

    Parameters
    ----------
    points
        Year -> value (at least one entry).
    year
        The year to evaluate (fractional years allowed).

    Returns
    -------
    float
        0 before the first listed year, the last value from the last listed year on, and the
        linear interpolation in between.
    """
    years = sorted(points)
    if not years:
        raise ValueError("a year mapping needs at least one year")
    if year < years[0]:
        return 0.0
    if year >= years[-1]:
        return float(points[years[-1]])
    i = bisect.bisect_right(years, year)
    y0, y1 = years[i - 1], years[i]
    v0, v1 = float(points[y0]), float(points[y1])
    return v0 + (v1 - v0) * (year - y0) / (y1 - y0)


def _selection(value: Any, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    """Turn ``"all"`` or a list of names into the canonical tuple of names."""
    if value == "all":
        return allowed
    if isinstance(value, str) and value in allowed:
        value = [value]
    if isinstance(value, tuple):
        value = list(value)
    if not isinstance(value, list) or not value:
        raise ValueError(
            f"must be 'all' or a non-empty list of {what}s (allowed: {', '.join(allowed)})"
        )
    for item in value:
        if item not in allowed:
            raise ValueError(f"unknown {what} {item!r} (allowed: all, {', '.join(allowed)})")
    if len(set(value)) != len(value):
        raise ValueError(f"a {what} is listed twice")
    return tuple(a for a in allowed if a in value)


# --- sourced values ------------------------------------------------------------------------


class Sourced(_M):
    """A non-negative number with its source and status."""

    value: NonNegative
    unit: Text | None = None
    year: Year | None = None
    source: Text
    status: Status
    note: Text | None = None


class Positive(Sourced):
    """A sourced number greater than zero."""

    value: Annotated[float, Field(gt=0, allow_inf_nan=False)]


class Share(Sourced):
    """A sourced share in (0, 1]."""

    value: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]


class Pue(Sourced):
    """A sourced power usage effectiveness (facility energy / IT energy), 1 to 3."""

    value: Annotated[float, Field(ge=1, le=3, allow_inf_nan=False)]


class GridFactor(Sourced):
    """A sourced grid emission factor in tCO2 per MWh (0 to 2)."""

    value: Annotated[float, Field(gt=0, le=2, allow_inf_nan=False)]


class YearPath(_M):
    """A quantity by year (linear between listed years, 0 before the first, flat after)."""

    values: Annotated[dict[int, NonNegative], Field(min_length=1)]
    unit: Text | None = None
    source: Text
    status: Status
    note: Text | None = None

    def at(self, year: float) -> float:
        """The value in ``year`` (see :func:`interpolate_years`)."""
        return interpolate_years(self.values, year)


class Assumption(_M):
    """A plain-language statement the scenario rests on, with its source and status."""

    statement: Text
    source: Text
    status: Status


# --- adoption ------------------------------------------------------------------------------


class BassCurve(_M):
    """Bass diffusion F(t) = ceiling (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}).

    ``t`` counts years from ``start_year`` (F = 0 there); ``p`` is the coefficient of
    innovation (external influence), ``q`` of imitation, ``ceiling`` the share of the group
    that adopts in the long run.
    """

    p: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
    q: Annotated[float, Field(gt=0, le=2, allow_inf_nan=False)]
    ceiling: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
    start_year: Year


class AdoptionCurve(_M):
    """Either a Bass curve or explicit shares by year (exactly one)."""

    bass: BassCurve | None = None
    shares: dict[int, Fraction] | None = None

    @field_validator("shares")
    @classmethod
    def _monotone(cls, shares: dict[int, float] | None) -> dict[int, float] | None:
        if shares is None:
            return None
        if not shares:
            raise ValueError("needs at least one year: share")
        years = sorted(shares)
        for a, b in itertools.pairwise(years):
            if shares[b] < shares[a]:
                raise ValueError(
                    f"shares must not decrease over the years: {b} ({shares[b]:g}) < "
                    f"{a} ({shares[a]:g}); a firm that adopted stays adopted"
                )
        return {y: shares[y] for y in years}

    @model_validator(mode="after")
    def _one(self) -> AdoptionCurve:
        if (self.bass is None) == (self.shares is None):
            raise ValueError("give exactly one of 'bass' or 'shares'")
        return self

    def years(self) -> list[tuple[str, int]]:
        """The years the curve names, with the field each is in (for range checks)."""
        if self.bass is not None:
            return [("bass.start_year", self.bass.start_year)]
        return [(f"shares[{y}]", y) for y in self.shares or {}]


class AdoptionRule(_M):
    """Adoption of one lever by the firms of some sectors and size classes."""

    sectors: tuple[str, ...] = SECTORS
    size_classes: tuple[str, ...] = SIZE_CLASSES
    curve: AdoptionCurve
    source: Text
    status: Status
    note: Text | None = None

    @field_validator("sectors", mode="before")
    @classmethod
    def _sectors(cls, value: Any) -> tuple[str, ...]:
        return _selection(value, SECTORS, "sector")

    @field_validator("size_classes", mode="before")
    @classmethod
    def _sizes(cls, value: Any) -> tuple[str, ...]:
        return _selection(value, SIZE_CLASSES, "size class")

    def matches(self, sector: str, size_class: str) -> bool:
        """Whether the rule covers firms of this sector and size class."""
        return sector in self.sectors and size_class in self.size_classes

    def cells(self) -> Iterator[tuple[str, str]]:
        """The (sector, size class) cells the rule covers."""
        for s in self.sectors:
            for c in self.size_classes:
                yield s, c


class LeverPlan(_M):
    """One lever in a scenario: its effect preset and who adopts it when."""

    level: Level = "typical"
    adoption: list[AdoptionRule] = []
    note: Text | None = None


class LeverPlans(_M):
    """The levers a scenario adopts; an absent (or ``null``) lever is not adopted."""

    predictive_maintenance: LeverPlan | None = None
    vision_qc: LeverPlan | None = None
    energy_optimisation: LeverPlan | None = None
    scheduling: LeverPlan | None = None
    yield_optimisation: LeverPlan | None = None

    def active(self) -> dict[str, LeverPlan]:
        """The adopted levers, in the order of :data:`LEVER_NAMES`."""
        out = {}
        for name in LEVER_NAMES:
            plan = getattr(self, name)
            if plan is not None:
                out[name] = plan
        return out


class AnchorPlan(_M):
    """A named firm forced to adopt levers from ``year`` on (``levers: all`` = every lever
    the scenario adopts)."""

    firm: Annotated[str, Field(min_length=1, max_length=200)]
    levers: Literal["all"] | tuple[str, ...] = "all"
    year: Year
    source: Text
    status: Status
    note: Text | None = None

    @field_validator("levers", mode="before")
    @classmethod
    def _levers(cls, value: Any) -> Any:
        if value == "all":
            return "all"
        return _selection(value, LEVER_NAMES, "lever")


# --- context -------------------------------------------------------------------------------


class Horizon(_M):
    """The years the scenario projects (inclusive)."""

    start_year: Year
    end_year: Year

    @model_validator(mode="after")
    def _check(self) -> Horizon:
        if self.end_year < self.start_year:
            raise ValueError("end_year must not be before start_year")
        return self


class DataCluster(_M):
    """The manufacturing AI data cluster; its electricity counts as AI compute energy.

    Electricity in a year = GPUs x kW per GPU x utilisation x PUE x 8,760 h.
    """

    label: Text | None = None
    gpus: YearPath
    kw_per_gpu: Positive
    pue: Pue
    utilisation: Share

    def gpus_at(self, year: float) -> float:
        """Installed GPUs in ``year``."""
        return self.gpus.at(year)

    def energy_mwh(self, year: float) -> float:
        """Electricity of the cluster in ``year`` in MWh, cooling and losses included."""
        kw = self.gpus_at(year) * self.kw_per_gpu.value * self.utilisation.value
        return kw * self.pue.value * HOURS_PER_YEAR / 1000.0


class Ecosystem(_M):
    """AI practitioners and AI firms by year (informational; used for reporting)."""

    ai_practitioners: YearPath | None = None
    ai_firms: YearPath | None = None


class DemandGrowth(_M):
    """Annual demand growth per sector, compounding from the base year.

    A capacity gain becomes output only where demand allows.
    """

    rates: dict[str, Annotated[float, Field(ge=-0.5, le=0.5, allow_inf_nan=False)]]
    source: Text
    status: Status
    note: Text | None = None

    @field_validator("rates")
    @classmethod
    def _sectors(cls, rates: dict[str, float]) -> dict[str, float]:
        for name in rates:
            if name not in SECTORS:
                raise ValueError(f"unknown sector {name!r} (allowed: {', '.join(SECTORS)})")
        missing = [s for s in SECTORS if s not in rates]
        if missing:
            raise ValueError(f"needs every sector; missing: {', '.join(missing)}")
        return {s: rates[s] for s in SECTORS}

    def rate(self, sector: str) -> float:
        """The annual growth rate of ``sector``."""
        return self.rates[sector]


class Uncertainty(_M):
    """How lever effects are taken.

    ``levels`` (default): each lever at its own ``level``; ``low`` / ``typical`` / ``high``:
    every lever at that preset (sensitivity runs); ``sampled``: ``samples`` replications
    (unless the run sets its own), each placing every lever's effect between its ``low``,
    own ``level`` and ``high`` runs by a symmetric triangular draw (the lever is simulated at
    all three presets; see :func:`twin.scenario_run.effect_draws`), so that the intervals
    combine the simulation's randomness with the range of published effects. Adoption is
    the same in every replication.
    """

    mode: UncertaintyMode = "levels"
    samples: Annotated[int, Field(ge=2, le=1000)] | None = None

    @model_validator(mode="after")
    def _check(self) -> Uncertainty:
        if self.mode == "sampled" and self.samples is None:
            raise ValueError("mode 'sampled' needs 'samples' (2 to 1000)")
        if self.mode != "sampled" and self.samples is not None:
            raise ValueError("'samples' is only used with mode 'sampled'")
        return self


# --- the scenario --------------------------------------------------------------------------


class Scenario(_M):
    """An AX scenario (see the module docstring)."""

    name: Name
    label: Text | None = None
    description: Text
    assumptions: dict[Key, Assumption]
    horizon: Horizon
    base_year: Year
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)]
    levers: LeverPlans = LeverPlans()
    anchors: list[AnchorPlan] = []
    compute: DataCluster | None = None
    ecosystem: Ecosystem | None = None
    demand_growth: DemandGrowth
    grid_factor_t_per_mwh: GridFactor
    carbon_price_krw_per_t: Sourced
    uncertainty: Uncertainty = Uncertainty()

    @field_validator("assumptions", mode="before")
    @classmethod
    def _drop_removed(cls, value: Any) -> Any:
        if isinstance(value, dict):
            value = {k: v for k, v in value.items() if v is not None}
            if not value:
                raise ValueError("a scenario states at least one assumption")
        return value

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        lo, hi = self.base_year, self.horizon.end_year
        if self.base_year >= self.horizon.start_year:
            raise FieldError("base_year", "must be before horizon.start_year")
        active = self.levers.active()
        for lever, plan in active.items():
            seen: dict[tuple[str, str], int] = {}
            for i, rule in enumerate(plan.adoption):
                where = f"levers.{lever}.adoption[{i}]"
                for field, year in rule.curve.years():
                    if not lo <= year <= hi:
                        raise FieldError(
                            f"{where}.curve.{field}",
                            f"year {year} is outside {lo}-{hi} (base year to end of horizon)",
                        )
                for cell in rule.cells():
                    if cell in seen:
                        raise FieldError(
                            where,
                            f"overlaps adoption[{seen[cell]}] on sector {cell[0]}, size class "
                            f"{cell[1]}; each cell may be matched by one rule only",
                        )
                    seen[cell] = i
        forced: dict[tuple[str, str], int] = {}
        for i, anchor in enumerate(self.anchors):
            if not self.horizon.start_year <= anchor.year <= hi:
                raise FieldError(
                    f"anchors[{i}].year",
                    f"{anchor.year} is outside the horizon "
                    f"{self.horizon.start_year}-{self.horizon.end_year}",
                )
            if anchor.levers == "all" and not active:
                raise FieldError(f"anchors[{i}].levers", "'all', but the scenario adopts no lever")
            for lever in self.anchor_levers(anchor):
                if lever not in active:
                    raise FieldError(
                        f"anchors[{i}].levers",
                        f"lever '{lever}' is not adopted under levers "
                        f"(adopted: {', '.join(active) or 'none'})",
                    )
                if (anchor.firm, lever) in forced:
                    first = forced[anchor.firm, lever]
                    raise FieldError(
                        f"anchors[{i}]",
                        f"{anchor.firm!r} already adopts {lever} in anchors[{first}]",
                    )
                forced[anchor.firm, lever] = i
        for where, path in self._year_paths():
            for year in path.values:
                if not lo <= year <= hi:
                    raise FieldError(
                        f"{where}.values[{year}]",
                        f"year {year} is outside {lo}-{hi} (base year to end of horizon)",
                    )
        return self

    def _year_paths(self) -> Iterator[tuple[str, YearPath]]:
        if self.compute is not None:
            yield "compute.gpus", self.compute.gpus
        if self.ecosystem is not None:
            for field in ("ai_practitioners", "ai_firms"):
                path = getattr(self.ecosystem, field)
                if path is not None:
                    yield f"ecosystem.{field}", path

    @property
    def years(self) -> tuple[int, ...]:
        """The years of the horizon."""
        return tuple(range(self.horizon.start_year, self.horizon.end_year + 1))

    @property
    def lever_plans(self) -> dict[str, LeverPlan]:
        """The adopted levers (name -> plan)."""
        return self.levers.active()

    def anchor_levers(self, anchor: AnchorPlan) -> tuple[str, ...]:
        """The levers an anchor is forced to adopt."""
        if anchor.levers == "all":
            return tuple(self.levers.active())
        return tuple(anchor.levers)

    def anchor_years(self, lever: str) -> dict[str, int]:
        """Firm name -> the year it is forced to adopt ``lever`` (anchors only)."""
        return {a.firm: a.year for a in self.anchors if lever in self.anchor_levers(a)}

    def effect_level(self, lever: str) -> Level:
        """The effect preset of ``lever`` after the uncertainty mode (the mode's centre when
        sampled)."""
        mode = self.uncertainty.mode
        if mode in LEVELS:
            return mode  # type: ignore[return-value]
        plan = self.levers.active().get(lever)
        if plan is None:
            raise KeyError(f"scenario {self.name} does not adopt {lever!r}")
        return plan.level

    def compute_energy_mwh(self, year: float) -> float:
        """Electricity of the data cluster in ``year`` (0 without a cluster)."""
        return 0.0 if self.compute is None else self.compute.energy_mwh(year)


# --- loading -------------------------------------------------------------------------------


def parse_scenario(data: Any, source: str = "<scenario>") -> Scenario:
    """Validate a mapping as a :class:`Scenario`; errors name ``source`` and the field."""
    return validate_model(Scenario, data, source)


def _raw_chain(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """Each file of an ``extends`` chain as written, leaf first (after :func:`read_yaml`
    has checked the chain)."""
    out: list[tuple[str, dict[str, Any]]] = []
    current, name = path, str(path)
    while True:
        data = parse_yaml_text(current.read_text(encoding="utf-8"))
        parent = data.pop("extends", None)
        out.append((name, data))
        if parent is None:
            return out
        current = (current.parent / parent).resolve()
        name = str(current)


def _dotted(parts: tuple[Any, ...]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _unsourced(node: Any, parts: tuple[Any, ...] = (), covered: bool = False) -> Iterator[str]:
    """Paths of numbers with no enclosing mapping (in the same file) naming source and
    status."""
    if isinstance(node, dict):
        here = covered or ("source" in node and "status" in node)
        for key, value in node.items():
            if key in NUMBER_KEYS_WITHOUT_SOURCE and not isinstance(value, dict | list):
                continue
            yield from _unsourced(value, (*parts, key), here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _unsourced(value, (*parts, i), covered)
    elif isinstance(node, int | float) and not isinstance(node, bool) and not covered:
        yield _dotted(parts)


def _year_maps(node: Any, parts: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], set]]:
    """Mappings keyed by years (all keys integers), with their paths."""
    if isinstance(node, dict):
        if node and all(isinstance(k, int) and not isinstance(k, bool) for k in node):
            yield parts, set(node)
        for key, value in node.items():
            yield from _year_maps(value, (*parts, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _year_maps(value, (*parts, i))


def _at(data: Any, parts: tuple[Any, ...]) -> Any:
    for part in parts:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def _replace_year_maps(chain: list[tuple[str, dict[str, Any]]], merged: dict[str, Any]) -> None:
    """Give every year mapping the years of the nearest file that lists it.

    ``extends`` merges mappings key by key; for a mapping keyed by years that would mix the
    years of two files, so the nearest file's mapping replaces it whole.
    """
    done: set[tuple[Any, ...]] = set()
    for _name, raw in chain:  # leaf first
        for parts, _years in _year_maps(raw):
            if parts in done:
                continue
            done.add(parts)
            parent = _at(merged, parts[:-1])
            if isinstance(parent, dict) and isinstance(parent.get(parts[-1]), dict):
                parent[parts[-1]] = copy.deepcopy(_at(raw, parts))


def _check_sources(chain: list[tuple[str, dict[str, Any]]]) -> None:
    for name, raw in chain:
        for where in _unsourced(raw):
            raise InputError(
                name,
                where,
                "a number needs 'source' and 'status' beside it in the same file "
                "(restate them when overriding a value from the file this one extends)",
            )


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file, resolving ``extends:``.

    Parameters
    ----------
    path
        The scenario YAML file.

    Returns
    -------
    Scenario
        The validated, frozen scenario.

    Raises
    ------
    InputError
        One line naming the file, the field and what is allowed: bad YAML or schema, or a
        number without source and status beside it.
    """
    p = Path(path)
    data = read_yaml(p)
    chain = _raw_chain(p)
    _replace_year_maps(chain, data)
    scenario = parse_scenario(data, str(path))
    _check_sources(chain)
    return scenario


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the scenario's canonical JSON (hex, first 16 characters)."""
    return spec_hash(scenario)


def scenario_files(directory: str | Path) -> list[Path]:
    """The runnable scenario files of a directory (``*.yaml`` except :data:`DEFAULTS_FILE`),
    sorted by name."""
    return sorted(p for p in Path(directory).glob("*.yaml") if p.name != DEFAULTS_FILE)


def check_anchor_names(scenario: Scenario, names: Any) -> list[str]:
    """Anchor firm names of ``scenario`` not among ``names`` (e.g. the firm table's names).

    Parameters
    ----------
    scenario
        The scenario.
    names
        An iterable of known firm names.

    Returns
    -------
    list of str
        The unknown names, in the order the anchors list them (empty if all are known).
    """
    known = set(names)
    out: list[str] = []
    for anchor in scenario.anchors:
        if anchor.firm not in known and anchor.firm not in out:
            out.append(anchor.firm)
    return out
