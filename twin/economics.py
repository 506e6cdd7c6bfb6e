"""Economics: cash-flow metrics of AI levers and the KEPCO tariff applied to load profiles.

Two groups of plain functions (no file I/O, no printing, no randomness):

**Cash flows.** Yearly flows with ``flows[0]`` at t = 0 (the investment) and ``flows[t]`` at
the end of year t, discounted at a yearly ``rate`` (a fraction, 0.07 for 7 %):
:func:`npv`, :func:`irr`, :func:`discounted_payback_years`, :func:`benefit_cost_ratio`,
:func:`annuity_factor`, :func:`ramped_benefit` (benefits ramping linearly to steady state),
:class:`CashFlows` and :func:`lever_cash_flows` (the per-year table of one lever).

**Tariff.** A KEPCO seasonal time-of-use tariff (:class:`twin.config.tariff.Tariff`, shipped as
``data/tariff.yaml``) applied to a load profile: a numpy array of mean kW per interval of
``step_min`` minutes, starting at a datetime in Korean local time (naive datetimes are taken as
KST; aware ones are converted). :func:`tou_period`, :func:`interval_prices_krw_per_kwh`,
:func:`energy_charges`, :func:`energy_cost_krw`, :func:`billing_demand_kw`,
:func:`demand_charge_krw` and :func:`annual_bill_krw`. Amounts exclude VAT, the power-industry
fund, the power-factor charge, public holidays and the contract-demand floor of the billing
demand.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from twin.config.tariff import Tariff

__all__ = [
    "PERIODS",
    "SEASONS",
    "AnnualBill",
    "CashFlows",
    "annual_bill_krw",
    "annuity_factor",
    "benefit_cost_ratio",
    "billing_demand_kw",
    "demand_charge_krw",
    "discounted_payback_years",
    "energy_charges",
    "energy_cost_krw",
    "interval_prices_krw_per_kwh",
    "irr",
    "lever_cash_flows",
    "npv",
    "ramped_benefit",
    "season_days",
    "season_of",
    "tou_period",
]

SEASONS: tuple[str, ...] = ("summer", "spring_autumn", "winter")
PERIODS: tuple[str, ...] = ("off_peak", "mid", "on_peak")
RESERVED_COLUMNS = frozenset({"year", "capex", "opex", "margin", "carbon", "net"})
KST = dt.timezone(dt.timedelta(hours=9))
_REFERENCE_YEAR = 2025  # a non-leap year: season lengths add up to 365 days
_SATURDAY, _SUNDAY = 5, 6
_OFF, _MID, _ON = 0, 1, 2

# ---------------------------------------------------------------------------- cash flows


def _flows(flows: Sequence[float] | np.ndarray, name: str = "flows") -> np.ndarray:
    f = np.asarray(flows, dtype=float)
    if f.ndim != 1 or f.size == 0:
        raise ValueError(f"{name} must be a non-empty one-dimensional sequence")
    if not np.all(np.isfinite(f)):
        raise ValueError(f"{name} must be finite numbers")
    return f


def _check_rate(rate: float) -> float:
    r = float(rate)
    if not math.isfinite(r) or r <= -1:
        raise ValueError(f"rate must be a finite number greater than -1 (got {rate})")
    return r


def _discounted(rate: float, f: np.ndarray) -> np.ndarray:
    return f / (1.0 + rate) ** np.arange(f.size)


def npv(rate: float, flows: Sequence[float] | np.ndarray) -> float:
    """Net present value of yearly cash flows.

    Parameters
    ----------
    rate
        Yearly discount rate as a fraction (0.07 for 7 %); must exceed -1.
    flows
        ``flows[t]`` is the net flow at the end of year t; ``flows[0]`` is at t = 0 and is not
        discounted.

    Returns
    -------
    float
        ``sum(flows[t] / (1 + rate) ** t)``.
    """
    r = _check_rate(rate)
    return float(np.sum(_discounted(r, _flows(flows))))


def irr(flows: Sequence[float] | np.ndarray) -> float | None:
    """Internal rate of return: the rate r > -1 at which :func:`npv` is zero, when unique.

    The NPV is a polynomial in ``x = 1 / (1 + r)``; its roots are found with
    :func:`numpy.roots` and the real roots with ``x > 0`` (that is, ``r > -1``) are kept. When
    there is exactly one (a double root counts once), it is refined by bisection on the NPV and
    returned.

    Parameters
    ----------
    flows
        Yearly net flows, ``flows[0]`` at t = 0.

    Returns
    -------
    float or None
        The IRR as a fraction (0.10 for 10 %). ``None`` when the flows never change sign (all
        costs or all benefits: no rate makes the NPV zero) and when several rates do (flows
        that change sign more than once can have several IRRs, e.g. ``[-1, 5, -6]`` has 100 %
        and 200 %; the IRR is then ambiguous and NPV at a stated rate should be used instead).
    """
    f = _flows(flows)
    nonzero = f[f != 0]
    if nonzero.size == 0 or np.all(nonzero > 0) or np.all(nonzero < 0):
        return None
    roots = np.roots(f[::-1])
    scale = np.maximum(1.0, np.abs(roots))
    real = np.sort(roots[np.abs(roots.imag) <= 1e-7 * scale].real)
    real = real[real > 1e-12]
    distinct: list[float] = []
    for x in real:
        if not distinct or x - distinct[-1] > 1e-6 * max(1.0, x):
            distinct.append(float(x))
    if len(distinct) != 1:
        return None
    return _polish(f, 1.0 / distinct[0] - 1.0)


def _polish(f: np.ndarray, r0: float) -> float:
    """Refine a root of the NPV by bisection in a small bracket (kept as is if none brackets)."""

    def g(r: float) -> float:
        return float(np.sum(_discounted(r, f)))

    d = 1e-6 * (1.0 + abs(r0))
    lo, hi = max(r0 - d, -1.0 + (r0 + 1.0) / 2.0), r0 + d
    glo, ghi = g(lo), g(hi)
    if glo == 0.0:
        return lo
    if ghi == 0.0:
        return hi
    if (glo < 0) == (ghi < 0):
        return r0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        gm = g(mid)
        if gm == 0.0 or hi - lo <= 1e-15 * (1.0 + abs(mid)):
            return mid
        if (gm < 0) == (glo < 0):
            lo, glo = mid, gm
        else:
            hi = mid
    return 0.5 * (lo + hi)


def discounted_payback_years(rate: float, flows: Sequence[float] | np.ndarray) -> float | None:
    """Years until the cumulative discounted flows first turn non-negative.

    Within the year of the crossing the year's discounted flow is taken to accrue evenly, so
    the result is interpolated linearly: with cumulative discounted flows ``D`` and ``t`` the
    first year with ``D[t] >= 0``, the payback is ``(t - 1) + (-D[t - 1]) / (D[t] - D[t - 1])``.

    Parameters
    ----------
    rate
        Yearly discount rate as a fraction (0 gives the simple payback).
    flows
        Yearly net flows, ``flows[0]`` at t = 0.

    Returns
    -------
    float or None
        Fractional years; ``0.0`` when ``flows[0] >= 0`` (nothing to pay back); ``None`` when the
        cumulative discounted flow never becomes non-negative within the flows (for example
        when every flow is negative). Only the first crossing counts: later negative flows that
        push the cumulative below zero again are not reported.
    """
    r = _check_rate(rate)
    disc = _discounted(r, _flows(flows))
    cum = np.cumsum(disc)
    if cum[0] >= 0:
        return 0.0
    after = np.nonzero(cum >= 0)[0]
    if after.size == 0:
        return None
    t = int(after[0])
    return float((t - 1) + (-cum[t - 1]) / disc[t])


def benefit_cost_ratio(
    rate: float,
    benefits: Sequence[float] | np.ndarray,
    costs: Sequence[float] | np.ndarray,
) -> float:
    """Present value of benefits over present value of costs.

    Parameters
    ----------
    rate
        Yearly discount rate as a fraction.
    benefits, costs
        Yearly amounts, index 0 at t = 0; costs as positive numbers. The two may differ in
        length.

    Returns
    -------
    float
        ``npv(rate, benefits) / npv(rate, costs)``.

    Raises
    ------
    ValueError
        If the costs' present value is not positive.
    """
    pv_costs = npv(rate, _flows(costs, "costs"))
    if pv_costs <= 0:
        raise ValueError("costs must have a positive present value")
    return npv(rate, _flows(benefits, "benefits")) / pv_costs


def annuity_factor(rate: float, years: float) -> float:
    """Present value of 1 paid at the end of each of ``years`` years.

    Parameters
    ----------
    rate
        Yearly discount rate as a fraction.
    years
        Number of yearly payments (>= 0).

    Returns
    -------
    float
        ``(1 - (1 + rate) ** -years) / rate``, or ``years`` at a zero rate.
    """
    r = _check_rate(rate)
    n = float(years)
    if not math.isfinite(n) or n < 0:
        raise ValueError(f"years must be a non-negative number (got {years})")
    if r == 0:
        return n
    return (1.0 - (1.0 + r) ** -n) / r


def ramped_benefit(steady_annual: float, ramp_months: float, years: int) -> np.ndarray:
    """Benefit of each year when the benefit rate ramps linearly to steady state.

    The benefit rate (per year) starts at 0 at t = 0 and rises linearly to ``steady_annual``
    at ``R = ramp_months / 12`` years, then stays there. The benefit of year k (from t = k - 1 to
    t = k) is the exact integral of that rate over the year: with ``F(t) = t**2 / (2 R)`` for
    ``t <= R`` and ``F(t) = t - R / 2`` after, year k yields ``steady_annual * (F(k) - F(k-1))``.
    A 12-month ramp gives 0.5 and 1.0 of the steady benefit in years 1 and 2; an 18-month ramp
    gives 1/3, 11/12, then 1.

    Parameters
    ----------
    steady_annual
        Benefit per year at steady state (may be negative, e.g. a cost that ramps up).
    ramp_months
        Months to reach steady state (>= 0; 0 means full benefit from the start).
    years
        Number of years (>= 0).

    Returns
    -------
    numpy.ndarray
        ``years`` values, for years 1..``years`` (booked at the end of each year).
    """
    b = float(steady_annual)
    m = float(ramp_months)
    if not math.isfinite(b):
        raise ValueError("steady_annual must be a finite number")
    if not math.isfinite(m) or m < 0:
        raise ValueError(f"ramp_months must be a non-negative number (got {ramp_months})")
    if int(years) != years or years < 0:
        raise ValueError(f"years must be a non-negative whole number (got {years})")
    n = int(years)
    if m == 0:
        return np.full(n, b)
    ramp = m / 12.0
    t = np.arange(n + 1, dtype=float)
    cumulative = np.where(t <= ramp, t * t / (2.0 * ramp), t - ramp / 2.0)
    return b * np.diff(cumulative)


def _year_array(values: Sequence[float] | np.ndarray | None, years: int, name: str) -> np.ndarray:
    if values is None:
        return np.zeros(years + 1)
    a = np.asarray(values, dtype=float)
    if a.shape != (years + 1,):
        raise ValueError(f"{name} must have years + 1 = {years + 1} values (got {a.shape})")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite numbers")
    return a


@dataclass(frozen=True, eq=False)
class CashFlows:
    """Yearly cash flows of one lever, years 0..``years`` (index 0 at t = 0).

    Costs (``capex``, ``opex``) are positive amounts spent; benefits (each kind of ``savings``,
    the added contribution ``margin`` from extra good output, and the value of avoided
    ``carbon``) are positive amounts gained. All in KRW.

    Attributes
    ----------
    years
        Number of years after t = 0.
    capex, opex
        Investment and running cost per year (``years + 1`` values each).
    savings
        Saving kind (e.g. ``energy``, ``scrap``) -> ``years + 1`` values.
    margin
        Added contribution margin per year; zeros when omitted.
    carbon
        Value of avoided emissions per year; zeros when omitted.
    """

    years: int
    capex: np.ndarray
    opex: np.ndarray
    savings: Mapping[str, np.ndarray] = field(default_factory=dict)
    margin: np.ndarray | None = None
    carbon: np.ndarray | None = None

    def __post_init__(self) -> None:
        if int(self.years) != self.years or self.years < 0:
            raise ValueError(f"years must be a non-negative whole number (got {self.years})")
        n = int(self.years)
        object.__setattr__(self, "years", n)
        for name in ("capex", "opex", "margin", "carbon"):
            object.__setattr__(self, name, _year_array(getattr(self, name), n, name))
        savings: dict[str, np.ndarray] = {}
        for kind, values in self.savings.items():
            if not isinstance(kind, str) or not kind or kind in RESERVED_COLUMNS:
                raise ValueError(
                    f"saving kind {kind!r} must be a non-empty name other than "
                    f"{', '.join(sorted(RESERVED_COLUMNS))}"
                )
            savings[kind] = _year_array(values, n, f"savings[{kind!r}]")
        object.__setattr__(self, "savings", savings)

    def net(self) -> np.ndarray:
        """Net flow per year: savings + margin + carbon - capex - opex."""
        benefit = sum(self.savings.values(), np.zeros(self.years + 1))
        return benefit + self.margin + self.carbon - self.capex - self.opex

    def to_frame(self) -> pd.DataFrame:
        """One row per year: ``year, capex, opex, <saving kinds>, margin, carbon, net``."""
        columns: dict[str, np.ndarray] = {
            "year": np.arange(self.years + 1),
            "capex": self.capex,
            "opex": self.opex,
        }
        columns.update(self.savings)
        columns.update(margin=self.margin, carbon=self.carbon, net=self.net())
        return pd.DataFrame(columns)


def lever_cash_flows(
    capex: float,
    opex_per_year: float,
    annual_savings: Mapping[str, float],
    ramp_months: float,
    years: int,
    carbon_t_per_year: float = 0.0,
    carbon_price_krw_per_t: float = 0.0,
    *,
    annual_margin_krw: float = 0.0,
) -> pd.DataFrame:
    """Per-year cash-flow table of one lever: invest at t = 0, benefits ramp up, then steady.

    Year 0 carries the capex only. Years 1..``years`` carry the full ``opex_per_year`` and the
    benefits ramped with :func:`ramped_benefit` (the same ramp for every kind of saving, the
    margin and the avoided carbon, since they come from the same lever).

    Parameters
    ----------
    capex
        Investment at t = 0, KRW (>= 0).
    opex_per_year
        Running cost per year from year 1, KRW (>= 0): licences, maintenance, staff.
    annual_savings
        Steady-state saving per year by kind, KRW (e.g. ``{"energy": 1.2e8, "scrap": 4e7}``);
        a negative value is a cost the lever adds.
    ramp_months
        Months from go-live to steady state (see :func:`ramped_benefit`).
    years
        Evaluation horizon in years (>= 1).
    carbon_t_per_year
        Steady-state avoided emissions, tCO2 per year.
    carbon_price_krw_per_t
        Value of one tonne avoided, KRW (e.g. a K-ETS allowance price).
    annual_margin_krw
        Steady-state added contribution margin per year from extra good output, KRW.

    Returns
    -------
    pandas.DataFrame
        Columns ``year, capex, opex, <saving kinds>, margin, carbon, net``; one row per year
        0..``years``; ``net`` = savings + margin + carbon - capex - opex (see
        :meth:`CashFlows.net`), ready for :func:`npv`, :func:`irr` and
        :func:`discounted_payback_years`.
    """
    for name, value in (("capex", capex), ("opex_per_year", opex_per_year)):
        if not math.isfinite(float(value)) or value < 0:
            raise ValueError(f"{name} must be a non-negative number (got {value})")
    if int(years) != years or years < 1:
        raise ValueError(f"years must be a whole number >= 1 (got {years})")
    n = int(years)
    ramp = np.concatenate([[0.0], ramped_benefit(1.0, ramp_months, n)])
    capex_row = np.zeros(n + 1)
    capex_row[0] = float(capex)
    opex_row = np.concatenate([[0.0], np.full(n, float(opex_per_year))])
    savings = {kind: float(v) * ramp for kind, v in annual_savings.items()}
    carbon = float(carbon_t_per_year) * float(carbon_price_krw_per_t) * ramp
    margin = float(annual_margin_krw) * ramp
    return CashFlows(n, capex_row, opex_row, savings, margin, carbon).to_frame()


# ---------------------------------------------------------------------------- tariff


@dataclass(frozen=True)
class _Lookup:
    season_of_month: np.ndarray  # (13,) season index by month (index 0 unused)
    period: np.ndarray  # (3, 24) period index by season and hour
    energy_rate: np.ndarray  # (3, 3) KRW/kWh by season and period
    per_kwh_extra: float  # climate-environment charge + fuel-cost adjustment
    climate: float
    fuel: float
    saturday_mid: bool
    sunday_off: bool
    demand_excludes_off_peak: bool


def _lookup(tariff: Tariff) -> _Lookup:
    season_of_month = np.full(13, -1, dtype=int)
    period = np.full((3, 24), -1, dtype=int)
    energy_rate = np.zeros((3, 3))
    for s, name in enumerate(SEASONS):
        season = getattr(tariff.seasons, name)
        season_of_month[season.months] = s
        for p, pname in enumerate(PERIODS):
            period[s, getattr(season.hours, pname)] = p
            energy_rate[s, p] = getattr(season.energy, pname).value
    climate = float(tariff.climate_environment.value)
    fuel = float(tariff.fuel_cost_adjustment.value)
    return _Lookup(
        season_of_month,
        period,
        energy_rate,
        climate + fuel,
        climate,
        fuel,
        bool(tariff.weekend.saturday_on_peak_as_mid.value),
        bool(tariff.weekend.sunday_all_off_peak.value),
        bool(tariff.demand_excludes_off_peak.value),
    )


def _apply_weekend(lk: _Lookup, period: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    out = period.copy()
    if lk.saturday_mid:
        out[(weekday == _SATURDAY) & (out == _ON)] = _MID
    if lk.sunday_off:
        out[weekday == _SUNDAY] = _OFF
    return out


def _month(month: int) -> int:
    if int(month) != month or not 1 <= month <= 12:
        raise ValueError(f"month must be 1-12 (got {month})")
    return int(month)


def season_of(tariff: Tariff, month: int) -> str:
    """The season (``summer``, ``spring_autumn`` or ``winter``) of a month 1-12."""
    return SEASONS[_lookup(tariff).season_of_month[_month(month)]]


def season_days(tariff: Tariff) -> dict[str, int]:
    """Days in each season of a non-leap year (they add up to 365)."""
    return {
        name: sum(
            calendar.monthrange(_REFERENCE_YEAR, m)[1] for m in getattr(tariff.seasons, name).months
        )
        for name in SEASONS
    }


def tou_period(tariff: Tariff, month: int, hour: int, weekday: int | None = None) -> str:
    """The load period (``off_peak``, ``mid`` or ``on_peak``) billed at a month and clock hour.

    Parameters
    ----------
    tariff
        The tariff.
    month
        1-12.
    hour
        Clock hour 0-23 (the hour from ``hour:00`` to ``hour+1:00``).
    weekday
        Monday = 0 ... Sunday = 6, or ``None`` for a working weekday. The tariff's weekend rules
        apply: on Saturdays on-peak hours bill as mid-load, on Sundays every hour as off-peak
        (when the rules are on). Public holidays are not modelled.

    Returns
    -------
    str
        The period name.
    """
    if int(hour) != hour or not 0 <= hour <= 23:
        raise ValueError(f"hour must be 0-23 (got {hour})")
    if weekday is not None and (int(weekday) != weekday or not 0 <= weekday <= 6):
        raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday) or None (got {weekday})")
    lk = _lookup(tariff)
    s = lk.season_of_month[_month(month)]
    p = np.array([lk.period[s, int(hour)]])
    if weekday is not None:
        p = _apply_weekend(lk, p, np.array([int(weekday)]))
    return PERIODS[int(p[0])]


def _profile(profile_kw: Sequence[float] | np.ndarray) -> np.ndarray:
    p = np.asarray(profile_kw, dtype=float)
    if p.ndim != 1 or p.size == 0:
        raise ValueError("profile_kw must be a non-empty one-dimensional array of mean kW")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError("profile_kw must be finite, non-negative kW")
    return p


def _local_start(start: dt.datetime, step_min: int) -> dt.datetime:
    if not isinstance(start, dt.datetime):
        raise ValueError(f"start must be a datetime (got {type(start).__name__})")
    if int(step_min) != step_min or not 1 <= step_min <= 60 or 60 % step_min:
        raise ValueError(
            f"step_min must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60; got {step_min})"
        )
    if start.tzinfo is not None:
        start = start.astimezone(KST).replace(tzinfo=None)
    if start.second or start.microsecond or start.minute % step_min:
        raise ValueError(
            f"start must fall on a {step_min}-minute boundary of the clock (got {start:%H:%M:%S})"
        )
    return start


def _calendar(start: dt.datetime, n: int, step_min: int) -> tuple[np.ndarray, ...]:
    """Month, hour and weekday of each interval's start."""
    times = pd.DatetimeIndex(
        np.datetime64(start, "m") + np.arange(n) * np.timedelta64(int(step_min), "m")
    )
    return (
        np.asarray(times.month, dtype=int),
        np.asarray(times.hour, dtype=int),
        np.asarray(times.day_of_week, dtype=int),
    )


def _season_period(
    lk: _Lookup, start: dt.datetime, n: int, step_min: int
) -> tuple[np.ndarray, np.ndarray]:
    month, hour, weekday = _calendar(start, n, step_min)
    season = lk.season_of_month[month]
    period = _apply_weekend(lk, lk.period[season, hour], weekday)
    return season, period


def interval_prices_krw_per_kwh(
    tariff: Tariff, start: dt.datetime, n: int, step_min: int = 15
) -> np.ndarray:
    """All-in price of each interval: energy rate of its period + climate + fuel adjustment.

    Parameters
    ----------
    tariff
        The tariff.
    start
        Start of the first interval (Korean local time; see the module docstring).
    n
        Number of intervals.
    step_min
        Interval length in minutes; must divide 60, and ``start`` must fall on its grid.

    Returns
    -------
    numpy.ndarray
        ``n`` prices in KRW/kWh (useful for shifting loads between periods).
    """
    if int(n) != n or n < 0:
        raise ValueError(f"n must be a non-negative whole number (got {n})")
    s0 = _local_start(start, step_min)
    lk = _lookup(tariff)
    season, period = _season_period(lk, s0, int(n), int(step_min))
    return lk.energy_rate[season, period] + lk.per_kwh_extra


def energy_charges(
    tariff: Tariff, profile_kw: Sequence[float] | np.ndarray, start: dt.datetime, step_min: int = 15
) -> dict[str, float]:
    """The energy-related charges of a load profile, by component.

    Parameters
    ----------
    tariff
        The tariff.
    profile_kw
        Mean kW of each interval.
    start
        Start of the first interval (Korean local time).
    step_min
        Interval length in minutes; must divide 60, and ``start`` must fall on its grid.

    Returns
    -------
    dict
        ``energy_kwh``; ``energy_charge_krw`` (each interval's kWh at its season's and period's
        rate); ``climate_krw`` and ``fuel_adjustment_krw`` (kWh times the per-kWh charges);
        ``total_krw``, their sum.
    """
    p = _profile(profile_kw)
    s0 = _local_start(start, step_min)
    lk = _lookup(tariff)
    season, period = _season_period(lk, s0, p.size, int(step_min))
    kwh = p * (step_min / 60.0)
    total_kwh = float(kwh.sum())
    energy = float(kwh @ lk.energy_rate[season, period])
    climate = lk.climate * total_kwh
    fuel = lk.fuel * total_kwh
    return {
        "energy_kwh": total_kwh,
        "energy_charge_krw": energy,
        "climate_krw": climate,
        "fuel_adjustment_krw": fuel,
        "total_krw": energy + climate + fuel,
    }


def energy_cost_krw(
    tariff: Tariff, profile_kw: Sequence[float] | np.ndarray, start: dt.datetime, step_min: int = 15
) -> float:
    """Cost of a load profile's energy: energy charge by period + climate + fuel adjustment.

    The demand charge is separate (:func:`billing_demand_kw`, :func:`demand_charge_krw`).
    See :func:`energy_charges` for the parameters and the components.

    Returns
    -------
    float
        KRW (excluding VAT and the power-industry fund).
    """
    return energy_charges(tariff, profile_kw, start, step_min)["total_krw"]


def billing_demand_kw(
    tariff: Tariff, profile_kw: Sequence[float] | np.ndarray, start: dt.datetime, step_min: int = 15
) -> float:
    """The highest 15-minute mean demand of a profile, as KEPCO meters it for the demand charge.

    The profile is averaged over the clock's quarter hours (``:00, :15, :30, :45``; a trailing
    partial quarter is dropped). When the tariff's ``demand_excludes_off_peak`` rule is on,
    quarters in off-peak periods (including all of Sunday under the weekend rule) are ignored.

    Parameters
    ----------
    tariff
        The tariff.
    profile_kw
        Mean kW of each interval.
    start
        Start of the first interval; must fall on a quarter hour.
    step_min
        Interval length in minutes: 1, 3, 5 or 15 (a quarter hour must hold whole intervals).

    Returns
    -------
    float
        kW; 0.0 when no quarter counts.
    """
    p = _profile(profile_kw)
    if int(step_min) != step_min or step_min < 1 or 15 % step_min:
        raise ValueError(
            f"step_min must divide 15 (1, 3, 5 or 15) to resolve 15-minute demand (got {step_min})"
        )
    s0 = _local_start(start, step_min)
    if s0.minute % 15:
        raise ValueError(f"start must fall on a quarter hour (got {s0:%H:%M})")
    per_quarter = 15 // int(step_min)
    quarters = p.size // per_quarter
    if quarters == 0:
        return 0.0
    demand = p[: quarters * per_quarter].reshape(quarters, per_quarter).mean(axis=1)
    lk = _lookup(tariff)
    if lk.demand_excludes_off_peak:
        _, period = _season_period(lk, s0, quarters, 15)
        demand = demand[period != _OFF]
    return float(demand.max()) if demand.size else 0.0


def demand_charge_krw(tariff: Tariff, peak_kw: float, months: float) -> float:
    """Demand (basic) charge: rate × billing demand × months.

    Parameters
    ----------
    tariff
        The tariff.
    peak_kw
        Billing demand, kW (see :func:`billing_demand_kw`). KEPCO bills each month the highest
        of the current month's and the December-February and July-September months' maximum
        demand of the last 12 months (the ratchet), so one recurring peak sets every month.
    months
        Number of months billed.

    Returns
    -------
    float
        KRW.
    """
    peak, m = float(peak_kw), float(months)
    if not math.isfinite(peak) or peak < 0:
        raise ValueError(f"peak_kw must be a non-negative number (got {peak_kw})")
    if not math.isfinite(m) or m < 0:
        raise ValueError(f"months must be a non-negative number (got {months})")
    return float(tariff.demand_charge.value) * peak * m


@dataclass(frozen=True)
class AnnualBill:
    """One year's electricity bill, by component (KRW unless stated)."""

    energy_kwh: float
    energy_charge_krw: float
    climate_krw: float
    fuel_adjustment_krw: float
    demand_charge_krw: float
    billing_demand_kw: float

    @property
    def total_krw(self) -> float:
        """Energy charge + climate + fuel adjustment + demand charge."""
        return (
            self.energy_charge_krw
            + self.climate_krw
            + self.fuel_adjustment_krw
            + self.demand_charge_krw
        )


def annual_bill_krw(
    tariff: Tariff, profile_kw: Sequence[float] | np.ndarray, start: dt.datetime, step_min: int = 15
) -> AnnualBill:
    """A year's bill for a factory whose simulated window stands for every week of the year.

    Annualisation: the window (at least one week) is folded into a typical week, the mean kW
    of each weekday and time-of-day slot over the window. That week is assumed to repeat all
    year: each season is billed ``days_in_season / 7`` typical weeks at its own rates and
    period hours (summer 92, spring-autumn 153, winter 120 days: a non-leap year), so a short
    window taken in any season gives the same annual bill for the same load pattern. The
    billing demand is the highest 15-minute demand of the window outside off-peak periods
    (:func:`billing_demand_kw`, on the unfolded profile), charged for 12 months: a peak that
    recurs every week sets the ratcheted billing demand of every month.

    Parameters
    ----------
    tariff
        The tariff.
    profile_kw
        Mean kW of each interval; at least one week of intervals.
    start
        Start of the first interval (Korean local time), on a quarter hour.
    step_min
        Interval length in minutes: 1, 3, 5 or 15.

    Returns
    -------
    AnnualBill
        Annual kWh, energy charge, climate and fuel-adjustment charges, demand charge and the
        billing demand; ``.total_krw`` is the sum of the charges.

    Raises
    ------
    ValueError
        If the profile covers less than one week, or the step or start do not fit.
    """
    p = _profile(profile_kw)
    s0 = _local_start(start, step_min)
    step = int(step_min)
    per_day = 1440 // step
    week = 7 * per_day
    if p.size < week:
        raise ValueError(
            f"annualising needs at least one week of intervals ({week} at {step} min; got {p.size})"
        )
    offset = s0.weekday() * per_day + (s0.hour * 60 + s0.minute) // step
    slot = (offset + np.arange(p.size)) % week
    week_kw = np.bincount(slot, weights=p, minlength=week) / np.bincount(slot, minlength=week)
    week_kwh = week_kw * (step / 60.0)
    slot_weekday = np.arange(week) // per_day
    slot_hour = (np.arange(week) % per_day) * step // 60
    lk = _lookup(tariff)
    days = season_days(tariff)
    energy_charge = 0.0
    for s, name in enumerate(SEASONS):
        period = _apply_weekend(lk, lk.period[s, slot_hour], slot_weekday)
        energy_charge += days[name] / 7.0 * float(week_kwh @ lk.energy_rate[s, period])
    kwh = sum(days.values()) / 7.0 * float(week_kwh.sum())
    peak = billing_demand_kw(tariff, p, s0, step)
    return AnnualBill(
        energy_kwh=kwh,
        energy_charge_krw=energy_charge,
        climate_krw=lk.climate * kwh,
        fuel_adjustment_krw=lk.fuel * kwh,
        demand_charge_krw=demand_charge_krw(tariff, peak, 12),
        billing_demand_kw=peak,
    )
