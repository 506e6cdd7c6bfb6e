"""The factory spec: a production system described as data (YAML), validated by pydantic.

A spec names a job ``source``, a list of ``stations`` (machines, process times, buffers,
failures, setups, defects, power by state, inspection), their ``routing``, a ``calendar`` and
a ``facility`` load. See ``data/factories/`` for examples and README.md for the field list.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from twin.config.distributions import Distribution

__all__ = [
    "SCRAP",
    "SINK",
    "Calendar",
    "Degradation",
    "Facility",
    "FactorySpec",
    "Failure",
    "Inspection",
    "PowerKw",
    "Product",
    "Provenance",
    "Route",
    "Source",
    "Station",
]

SINK = "sink"
SCRAP = "scrap"
RESERVED = {SINK, SCRAP}

Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Product(_Spec):
    """One product of the mix."""

    name: Name
    share: Annotated[float, Field(gt=0, le=1)]
    price_krw: NonNegative = 0.0
    material_cost_krw: NonNegative = 0.0


class Source(_Spec):
    """Job release: interarrival times and, optionally, a product mix.

    With ``lot_size`` n, the product is drawn once per n consecutive jobs (a production lot),
    so setups happen at lot changes rather than between single parts.
    """

    interarrival_min: Distribution
    products: list[Product] | None = None
    lot_size: Annotated[int, Field(ge=1, le=1_000_000)] = 1

    @model_validator(mode="after")
    def _check(self) -> Source:
        if self.interarrival_min.mean_value <= 0:
            raise ValueError("interarrival_min must have a positive mean")
        if self.products:
            names = [p.name for p in self.products]
            if len(set(names)) != len(names):
                raise ValueError("product names must be unique")
            total = sum(p.share for p in self.products)
            if abs(total - 1) > 1e-6:
                raise ValueError(f"product shares must sum to 1 (they sum to {total:g})")
        return self

    def product_names(self) -> list[str]:
        """Names of the products (one anonymous product ``"default"`` without a mix)."""
        return [p.name for p in self.products] if self.products else ["default"]


class Failure(_Spec):
    """Operating-time-based breakdowns: time between failures and time to repair, in hours."""

    mtbf_h: Distribution
    mttr_h: Distribution

    @model_validator(mode="after")
    def _check(self) -> Failure:
        if self.mtbf_h.mean_value <= 0:
            raise ValueError("mtbf_h must have a positive mean")
        return self


class Degradation(_Spec):
    """Wear-driven breakdowns with a condition signal, for condition-based maintenance.

    Each machine's wear grows during processing by ``wear_per_h`` per operating hour (one
    draw per hour of operation); it breaks down when wear reaches 1 and is repaired in
    ``mttr_h``. After each job a sensor reads the wear plus normal noise of ``sensor_sd``;
    a maintenance policy may raise an alarm, which triggers a planned repair of ``planned_h``
    before the next job. Any repair restores the machine to zero wear.
    """

    wear_per_h: Distribution
    sensor_sd: NonNegative = 0.05
    mttr_h: Distribution
    planned_h: Distribution

    @model_validator(mode="after")
    def _check(self) -> Degradation:
        if self.wear_per_h.mean_value <= 0:
            raise ValueError("wear_per_h must have a positive mean")
        return self


class PowerKw(_Spec):
    """Electric power drawn by one machine in each state (kW).

    ``blocked`` and ``warmup`` default to the ``idle`` power and ``maintenance`` (planned
    repairs) to the ``failed`` power when omitted.
    """

    processing: NonNegative = 0.0
    idle: NonNegative = 0.0
    standby: NonNegative = 0.0
    setup: NonNegative = 0.0
    failed: NonNegative = 0.0
    off: NonNegative = 0.0
    blocked: NonNegative | None = None
    warmup: NonNegative | None = None
    maintenance: NonNegative | None = None

    def by_state(self) -> dict[str, float]:
        """Power for every engine state, with the defaults filled in."""
        return {
            "processing": self.processing,
            "setup": self.setup,
            "idle": self.idle,
            "standby": self.standby,
            "warmup": self.idle if self.warmup is None else self.warmup,
            "blocked": self.idle if self.blocked is None else self.blocked,
            "failed": self.failed,
            "off": self.off,
            "maintenance": self.failed if self.maintenance is None else self.maintenance,
        }


class Route(_Spec):
    """One successor of a station, taken with probability ``p``."""

    station: Name
    p: Annotated[float, Field(gt=0, le=1)] = 1.0


class Inspection(_Spec):
    """An inspection step: catches defects and sometimes rejects good parts.

    Rejected parts go to ``reject_to``: ``scrap`` or the name of a (rework) station.
    """

    detection_rate: Fraction
    false_reject_rate: Fraction = 0.0
    reject_to: Name = SCRAP


class Station(_Spec):
    """A work station: identical parallel machines fed by one input buffer."""

    name: Name
    machines: Annotated[int, Field(ge=1, le=10_000)] = 1
    process_time_min: Distribution | dict[Name, Distribution]
    buffer_capacity: Annotated[int, Field(ge=0)] | None = None
    failure: Failure | None = None
    degradation: Degradation | None = None
    setup_min: Distribution | None = None
    defect_rate: Fraction = 0.0
    rework: bool = False
    inspection: Inspection | None = None
    power_kw: PowerKw = PowerKw()
    standby_after_idle_min: Annotated[float, Field(gt=0)] | None = None
    warmup_min: NonNegative = 0.0
    next: list[Route] | Name | None = None

    def mean_process_time(self, product: str | None = None) -> float:
        """Mean process time (min) of ``product``, or averaged equally over products."""
        pt = self.process_time_min
        if isinstance(pt, dict):
            if product is not None:
                return pt[product].mean_value
            return sum(d.mean_value for d in pt.values()) / len(pt)
        return pt.mean_value


class Calendar(_Spec):
    """Working time: shifts per day from ``start_hour``, working days per week.

    The first ``days_per_week`` days of each week are working days; outside the shifts
    every machine is ``off`` and no jobs are released.
    """

    shifts_per_day: Annotated[int, Field(ge=1, le=4)] = 3
    hours_per_shift: Annotated[float, Field(gt=0, le=24)] = 8.0
    days_per_week: Annotated[int, Field(ge=1, le=7)] = 7
    start_hour: Annotated[float, Field(ge=0, lt=24)] = 0.0

    @model_validator(mode="after")
    def _fits(self) -> Calendar:
        if self.shifts_per_day * self.hours_per_shift > 24 + 1e-9:
            raise ValueError("shifts_per_day * hours_per_shift must be at most 24")
        return self

    @property
    def hours_per_day(self) -> float:
        """Working hours on a working day."""
        return self.shifts_per_day * self.hours_per_shift

    @property
    def continuous(self) -> bool:
        """True for a 24/7 calendar."""
        return self.hours_per_day >= 24 - 1e-9 and self.days_per_week == 7

    def working_fraction(self) -> float:
        """Share of calendar time that is working time."""
        return self.hours_per_day / 24 * self.days_per_week / 7


class Facility(_Spec):
    """Facility loads beside the machines: a constant base load and a part per shipped unit.

    ``kwh_per_unit`` is drawn for every unit shipped (good or escaped defect), not for scrap.
    """

    base_kw: NonNegative = 0.0
    off_shift_kw: NonNegative | None = None
    kwh_per_unit: NonNegative = 0.0


class Provenance(_Spec):
    """Where a spec's numbers come from, and whether they are published, estimated or synthetic."""

    status: Literal["published", "estimate", "synthetic"]
    source: str = Field(min_length=1)
    notes: str = ""


class FactorySpec(_Spec):
    """A whole production system.

    ``sector`` (e.g. ``electronics``) and ``employees`` (people one unit of this factory
    employs, direct and indirect) matter when the factory stands for many firms of the complex
    (an archetype): firm results are archetype results times the firm's scale.
    """

    name: Name = "factory"
    description: str = ""
    provenance: Provenance | None = None
    sector: Name | None = None
    employees: Annotated[int, Field(ge=1, le=100_000)] | None = None
    source: Source
    stations: Annotated[list[Station], Field(min_length=1)]
    calendar: Calendar | None = None
    facility: Facility | None = None

    @model_validator(mode="after")
    def _check_graph(self) -> FactorySpec:
        names = [s.name for s in self.stations]
        seen: set[str] = set()
        for i, n in enumerate(names):
            if n in RESERVED:
                raise ValueError(f"stations[{i}].name: '{n}' is reserved")
            if n in seen:
                raise ValueError(f"stations[{i}].name: duplicate station name '{n}'")
            seen.add(n)
        products = set(self.source.product_names())
        for i, st in enumerate(self.stations):
            where = f"stations[{i}] ({st.name})"
            if isinstance(st.process_time_min, dict):
                missing = products - set(st.process_time_min)
                extra = set(st.process_time_min) - products
                if missing or extra:
                    raise ValueError(
                        f"{where}.process_time_min: per-product times must name exactly the "
                        f"products {sorted(products)}"
                    )
            if isinstance(st.next, list):
                total = sum(r.p for r in st.next)
                if abs(total - 1) > 1e-6:
                    raise ValueError(f"{where}.next: probabilities must sum to 1 (got {total:g})")
            for target in self.successors(i):
                if target not in seen and target not in RESERVED:
                    raise ValueError(
                        f"{where}.next: unknown station '{target}' (allowed: {sorted(seen)}, "
                        f"'{SINK}', '{SCRAP}')"
                    )
            if st.inspection and st.inspection.reject_to not in seen | {SCRAP}:
                raise ValueError(
                    f"{where}.inspection.reject_to: unknown station "
                    f"'{st.inspection.reject_to}' (allowed: {sorted(seen)} or '{SCRAP}')"
                )
            if st.failure is not None and st.degradation is not None:
                raise ValueError(
                    f"{where}: give either failure (random breakdowns) or degradation "
                    "(wear-driven breakdowns), not both"
                )
            if st.setup_min is not None and not self.source.products:
                raise ValueError(f"{where}.setup_min: setups need a product mix in source.products")
        return self

    def successors(self, index: int) -> list[str]:
        """Names of the stations a part may go to after station ``index`` (pass route)."""
        st = self.stations[index]
        if st.next is None:
            return [self.stations[index + 1].name] if index + 1 < len(self.stations) else [SINK]
        if isinstance(st.next, str):
            return [st.next]
        return [r.station for r in st.next]

    def routes(self, index: int) -> list[tuple[str, float]]:
        """Successors of station ``index`` with their probabilities."""
        st = self.stations[index]
        if isinstance(st.next, list):
            return [(r.station, r.p) for r in st.next]
        return [(self.successors(index)[0], 1.0)]
