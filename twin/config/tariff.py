"""The electricity tariff file ``data/tariff.yaml``: a KEPCO time-of-use industrial tariff.

The file describes one KEPCO tariff with seasonal, time-of-use energy rates (KEPCO 산업용전력(을)
고압A 선택II for the shipped file): three seasons (``summer``, ``spring_autumn``, ``winter``),
each with its months, the hours of its three load periods (``off_peak`` 경부하, ``mid`` 중간부하,
``on_peak`` 최대부하) and an energy rate per period; the monthly demand (basic) charge per kW of
billing demand; the climate-environment charge (기후환경요금) and the fuel-cost adjustment
(연료비조정요금) per kWh; and the weekend and billing-demand rules.

Every rate carries its value, unit, effective date, source and status (published / estimate /
synthetic); every rule its value, source and status. Validation rejects unknown keys, rates
that are not positive (the fuel-cost adjustment may be negative), seasons that do not cover the
months 1-12 exactly once, and load periods that do not cover the hours 0-23 of a season exactly
once. Hours are clock hours: ``h`` stands for the hour from ``h:00`` to ``h+1:00``.

How the tariff prices a load profile is in :mod:`twin.economics`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from twin.config.loader import FieldError, read_yaml, validate_model

__all__ = [
    "PERIODS",
    "SEASONS",
    "PeriodHours",
    "PeriodRates",
    "Rate",
    "Rule",
    "Season",
    "Seasons",
    "SignedRate",
    "Tariff",
    "Weekend",
    "load_tariff",
    "parse_tariff",
]

SEASONS: tuple[str, ...] = ("summer", "spring_autumn", "winter")
PERIODS: tuple[str, ...] = ("off_peak", "mid", "on_peak")

Status = Literal["published", "estimate", "synthetic"]
Text = Annotated[str, Field(min_length=1, max_length=4000)]
Hour = Annotated[int, Field(ge=0, le=23)]
Month = Annotated[int, Field(ge=1, le=12)]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Sourced(_M):
    unit: Text
    effective: dt.date
    source: Text
    status: Status
    note: Text | None = None


class Rate(_Sourced):
    """One positive rate with its unit, effective date, source and status."""

    value: Annotated[float, Field(gt=0, allow_inf_nan=False)]


class SignedRate(_Sourced):
    """A rate that may be negative (the fuel-cost adjustment), bounded to ±100 KRW/kWh."""

    value: Annotated[float, Field(ge=-100, le=100, allow_inf_nan=False)]


class Rule(_M):
    """A yes/no billing rule with its source and status."""

    value: bool
    source: Text
    status: Status
    note: Text | None = None


class PeriodHours(_M):
    """The clock hours (0-23) of each load period in one season."""

    off_peak: list[Hour]
    mid: list[Hour]
    on_peak: list[Hour]


class PeriodRates(_M):
    """The energy rate of each load period in one season (KRW/kWh)."""

    off_peak: Rate
    mid: Rate
    on_peak: Rate


class Season(_M):
    """One season: its months, the hours of its load periods and its energy rates.

    ``source`` and ``status`` cover the months and hours (each rate has its own).
    """

    months: Annotated[list[Month], Field(min_length=1)]
    hours: PeriodHours
    source: Text
    status: Status
    note: Text | None = None
    energy: PeriodRates


class Seasons(_M):
    """The three seasons of the tariff."""

    summer: Season
    spring_autumn: Season
    winter: Season


class Weekend(_M):
    """Weekend rules: Saturday on-peak hours billed at the mid rate; Sunday all off-peak."""

    saturday_on_peak_as_mid: Rule
    sunday_all_off_peak: Rule


class Tariff(_M):
    """A KEPCO seasonal time-of-use tariff with a demand charge (see the module docstring)."""

    name: Text
    description: Text | None = None
    currency: Literal["KRW"] = "KRW"
    seasons: Seasons
    weekend: Weekend
    demand_charge: Rate
    demand_excludes_off_peak: Rule
    climate_environment: Rate
    fuel_cost_adjustment: SignedRate

    @model_validator(mode="after")
    def _check(self) -> Tariff:
        self._check_months()
        for name in SEASONS:
            self._check_hours(name, getattr(self.seasons, name).hours)
        return self

    def _check_months(self) -> None:
        owner: dict[int, str] = {}
        for name in SEASONS:
            for month in getattr(self.seasons, name).months:
                if month in owner:
                    where = "twice" if owner[month] == name else f"also in {owner[month]}"
                    raise FieldError(
                        f"seasons.{name}.months",
                        f"month {month} is listed {where}; the seasons must cover the months "
                        "1-12 exactly once",
                    )
                owner[month] = name
        missing = sorted(set(range(1, 13)) - set(owner))
        if missing:
            raise FieldError(
                "seasons",
                f"month{'s' if len(missing) > 1 else ''} {', '.join(map(str, missing))} "
                "in no season; the seasons must cover the months 1-12 exactly once",
            )

    @staticmethod
    def _check_hours(season: str, hours: PeriodHours) -> None:
        owner: dict[int, str] = {}
        for period in PERIODS:
            for hour in getattr(hours, period):
                if hour in owner:
                    where = "twice" if owner[hour] == period else f"also in {owner[hour]}"
                    raise FieldError(
                        f"seasons.{season}.hours.{period}",
                        f"hour {hour} is listed {where}; every hour 0-23 must be in exactly one "
                        "of off_peak, mid, on_peak",
                    )
                owner[hour] = period
        missing = sorted(set(range(24)) - set(owner))
        if missing:
            raise FieldError(
                f"seasons.{season}.hours",
                f"hour{'s' if len(missing) > 1 else ''} {', '.join(map(str, missing))} in no "
                "period; every hour 0-23 must be in exactly one of off_peak, mid, on_peak",
            )


def parse_tariff(data: Any, source: str) -> Tariff:
    """Validate a parsed tariff mapping.

    Parameters
    ----------
    data
        The parsed YAML mapping.
    source
        The file name used in error messages (e.g. ``data/tariff.yaml``).

    Returns
    -------
    Tariff
        The validated, frozen tariff.

    Raises
    ------
    InputError
        On the first problem, naming ``source``, the field and what is allowed.
    """
    return validate_model(Tariff, data, source)


def load_tariff(path: str | Path) -> Tariff:
    """Read and validate a tariff YAML file (see :func:`parse_tariff`)."""
    return parse_tariff(read_yaml(path), str(path))
