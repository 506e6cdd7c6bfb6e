"""The KEPCO tariff file and its application to load profiles.

Expected costs are worked out by hand from the raw YAML (hour lists and rate values read
directly from the parsed file, not through the schema or the code under test).
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from twin.config import tariff as tariff_config
from twin.config.loader import read_yaml
from twin.config.tariff import load_tariff, parse_tariff
from twin.core.errors import InputError
from twin.economics import (
    PERIODS,
    SEASONS,
    annual_bill_krw,
    billing_demand_kw,
    demand_charge_krw,
    energy_charges,
    energy_cost_krw,
    interval_prices_krw_per_kwh,
    season_days,
    season_of,
    tou_period,
)

PATH = Path(__file__).resolve().parents[2] / "data" / "tariff.yaml"
SOURCE = "data/tariff.yaml"
STATUSES = {"published", "estimate", "synthetic"}
RAW = read_yaml(PATH)
WEDNESDAY_JULY = dt.datetime(2025, 7, 16)  # a Wednesday in summer
WEDNESDAY_JANUARY = dt.datetime(2025, 1, 15)  # a Wednesday in winter
SATURDAY_JULY = dt.datetime(2025, 7, 19)
SUNDAY_JULY = dt.datetime(2025, 7, 20)
MONDAY_MAY = dt.datetime(2025, 5, 12)


@pytest.fixture(scope="module")
def tariff():
    return load_tariff(PATH)


def raw_period(season: str, hour: int) -> str:
    hours = RAW["seasons"][season]["hours"]
    (period,) = [p for p in ("off_peak", "mid", "on_peak") if hour in hours[p]]
    return period


def raw_rate(season: str, period: str) -> float:
    return RAW["seasons"][season]["energy"][period]["value"]


def raw_extra() -> float:
    return RAW["climate_environment"]["value"] + RAW["fuel_cost_adjustment"]["value"]


def day_rate_sum(season: str, weekday: str = "weekday") -> float:
    """Sum over the 24 hours of the energy rate billed (KRW/kWh), by hand from the YAML."""
    total = 0.0
    for h in range(24):
        period = raw_period(season, h)
        if weekday == "saturday" and period == "on_peak":
            period = "mid"
        if weekday == "sunday":
            period = "off_peak"
        total += raw_rate(season, period)
    return total


# ---------------------------------------------------------------------------- the file


def test_shipped_tariff_validates(tariff):
    assert tariff.name == "kepco-industrial-b-high-voltage-a-option-ii"
    assert tariff.demand_charge.unit == "KRW/kW/month"
    assert tariff.seasons.summer.energy.on_peak.unit == "KRW/kWh"


def numbers_without_source(node, path="", covered=False):
    if isinstance(node, dict):
        covered = covered or ("source" in node and node.get("status") in STATUSES)
        for key, value in node.items():
            yield from numbers_without_source(value, f"{path}.{key}", covered)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from numbers_without_source(value, f"{path}[{i}]", covered)
    elif isinstance(node, int | float) and not isinstance(node, bool) and not covered:
        yield path


def test_every_number_has_source_and_status():
    assert list(numbers_without_source(RAW)) == []


def rates(node, path=""):
    if isinstance(node, dict):
        if "value" in node and not isinstance(node["value"], bool):
            yield path, node
        for key, value in node.items():
            yield from rates(value, f"{path}.{key}")


def test_every_rate_has_unit_effective_date_source_status():
    found = list(rates(RAW))
    assert len(found) == 9 + 3  # 9 energy rates, demand, climate, fuel adjustment
    for path, rate in found:
        assert rate["unit"].startswith("KRW/"), path
        assert isinstance(rate["effective"], dt.date), path
        assert rate["source"].strip(), path
        assert rate["status"] in STATUSES, path


def test_seasons_and_hours_partition_the_year_and_the_day():
    months = sorted(m for s in RAW["seasons"].values() for m in s["months"])
    assert months == list(range(1, 13))
    for season in RAW["seasons"].values():
        assert sorted(h for hours in season["hours"].values() for h in hours) == list(range(24))


def test_the_schema_and_the_domain_name_seasons_and_periods_alike():
    assert SEASONS == tariff_config.SEASONS
    assert PERIODS == tariff_config.PERIODS


def test_on_peak_dearer_than_mid_dearer_than_off_peak(tariff):
    for name in SEASONS:
        e = getattr(tariff.seasons, name).energy
        assert e.off_peak.value <= e.mid.value < e.on_peak.value


# ---------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("month", "hour", "expected"),
    [
        (7, 14, "on_peak"),  # summer 13:00-17:00
        (7, 10, "on_peak"),
        (7, 12, "mid"),  # lunch hour
        (7, 9, "mid"),
        (7, 22, "mid"),
        (7, 23, "off_peak"),
        (7, 3, "off_peak"),
        (4, 15, "on_peak"),  # spring
        (10, 18, "mid"),  # autumn
        (1, 18, "on_peak"),  # winter 17:00-20:00
        (12, 22, "on_peak"),  # winter 22:00-23:00
        (2, 14, "mid"),  # winter afternoon
        (11, 8, "off_peak"),
    ],
)
def test_tou_period(tariff, month, hour, expected):
    assert tou_period(tariff, month, hour) == expected


def test_weekend_rules(tariff):
    assert tou_period(tariff, 7, 14, weekday=2) == "on_peak"
    assert tou_period(tariff, 7, 14, weekday=5) == "mid"  # Saturday
    assert tou_period(tariff, 7, 20, weekday=5) == "mid"
    assert tou_period(tariff, 7, 14, weekday=6) == "off_peak"  # Sunday
    assert tou_period(tariff, 1, 9, weekday=6) == "off_peak"


def test_season_of_and_days(tariff):
    assert [season_of(tariff, m) for m in (1, 3, 6, 9, 11)] == [
        "winter",
        "spring_autumn",
        "summer",
        "spring_autumn",
        "winter",
    ]
    assert season_days(tariff) == {"summer": 92, "spring_autumn": 153, "winter": 120}


def test_bad_month_or_hour(tariff):
    with pytest.raises(ValueError, match="month"):
        tou_period(tariff, 13, 0)
    with pytest.raises(ValueError, match="hour"):
        tou_period(tariff, 1, 24)


# ---------------------------------------------------------------------------- energy cost


@pytest.mark.parametrize(
    ("start", "season"), [(WEDNESDAY_JULY, "summer"), (WEDNESDAY_JANUARY, "winter")]
)
def test_constant_load_for_one_weekday(tariff, start, season):
    expected = 1000 * (day_rate_sum(season) + 24 * raw_extra())
    cost = energy_cost_krw(tariff, np.full(96, 1000.0), start)
    assert cost == pytest.approx(expected, rel=1e-12)


def test_summer_weekday_by_hand(tariff):
    # 10 off-peak, 8 mid, 6 on-peak hours; energy rates + 9.0 climate + 5.0 fuel adjustment
    by_hand = 1000 * (10 * 110.9 + 8 * 163.8 + 6 * 245.9 + 24 * (9.0 + 5.0))
    assert by_hand == pytest.approx(4_230_800.0)
    assert energy_cost_krw(tariff, np.full(96, 1000.0), WEDNESDAY_JULY) == pytest.approx(by_hand)


def test_weekend_days(tariff):
    sat = energy_cost_krw(tariff, np.full(96, 1000.0), SATURDAY_JULY)
    sun = energy_cost_krw(tariff, np.full(96, 1000.0), SUNDAY_JULY)
    assert sat == pytest.approx(1000 * (day_rate_sum("summer", "saturday") + 24 * raw_extra()))
    assert sun == pytest.approx(1000 * 24 * (raw_rate("summer", "off_peak") + raw_extra()))


def test_step_length_does_not_change_a_constant_load(tariff):
    at15 = energy_cost_krw(tariff, np.full(96, 750.0), MONDAY_MAY)
    at5 = energy_cost_krw(tariff, np.full(288, 750.0), MONDAY_MAY, step_min=5)
    at60 = energy_cost_krw(tariff, np.full(24, 750.0), MONDAY_MAY, step_min=60)
    assert at5 == pytest.approx(at15) and at60 == pytest.approx(at15)


def test_energy_charge_components(tariff):
    profile = np.zeros(96)
    profile[14 * 4 : 15 * 4] = 400.0  # 400 kW from 14:00 to 15:00: 400 kWh on-peak
    parts = energy_charges(tariff, profile, WEDNESDAY_JULY)
    assert parts["energy_kwh"] == pytest.approx(400.0)
    assert parts["energy_charge_krw"] == pytest.approx(400 * raw_rate("summer", "on_peak"))
    assert parts["climate_krw"] == pytest.approx(400 * RAW["climate_environment"]["value"])
    assert parts["fuel_adjustment_krw"] == pytest.approx(400 * RAW["fuel_cost_adjustment"]["value"])
    assert parts["total_krw"] == pytest.approx(
        parts["energy_charge_krw"] + parts["climate_krw"] + parts["fuel_adjustment_krw"]
    )


def test_profile_crossing_midnight_and_seasons(tariff):
    # 31 May 22:00 to 1 June 02:00: two spring hours (mid 22, off-peak 23), two summer off-peak
    start = dt.datetime(2025, 5, 31, 22)  # a Saturday; 22:00 and 23:00 are not on-peak anyway
    expected = 100 * (
        raw_rate("spring_autumn", "mid")
        + raw_rate("spring_autumn", "off_peak")
        + 2 * raw_rate("summer", "off_peak")
        + 4 * raw_extra()
    )
    assert energy_cost_krw(tariff, np.full(16, 100.0), start) == pytest.approx(expected)


def test_aware_start_is_converted_to_korean_time(tariff):
    kst = dt.timezone(dt.timedelta(hours=9))
    utc_start = WEDNESDAY_JULY.replace(tzinfo=kst).astimezone(dt.UTC)
    profile = np.linspace(0, 900, 96)
    assert energy_cost_krw(tariff, profile, utc_start) == pytest.approx(
        energy_cost_krw(tariff, profile, WEDNESDAY_JULY)
    )


def test_interval_prices(tariff):
    prices = interval_prices_krw_per_kwh(tariff, WEDNESDAY_JULY, 24, step_min=60)
    expected = [raw_rate("summer", raw_period("summer", h)) + raw_extra() for h in range(24)]
    assert prices == pytest.approx(expected)


def test_bad_profiles_and_steps(tariff):
    with pytest.raises(ValueError, match="non-negative"):
        energy_cost_krw(tariff, [-1.0, 2.0], WEDNESDAY_JULY)
    with pytest.raises(ValueError, match="divide 60"):
        energy_cost_krw(tariff, [1.0], WEDNESDAY_JULY, step_min=7)
    with pytest.raises(ValueError, match="boundary"):
        energy_cost_krw(tariff, [1.0], WEDNESDAY_JULY.replace(minute=5))


# ---------------------------------------------------------------------------- demand


def test_demand_charge_is_rate_times_peak_times_months(tariff):
    assert demand_charge_krw(tariff, 850.0, 12) == pytest.approx(
        RAW["demand_charge"]["value"] * 850.0 * 12
    )
    assert demand_charge_krw(tariff, 850.0, 1) == pytest.approx(8320 * 850.0)


def spiked(hour: int, kw: float = 2000.0, base: float = 500.0) -> np.ndarray:
    profile = np.full(96, base)
    profile[hour * 4] = kw
    return profile


def test_billing_demand_ignores_off_peak_and_sunday(tariff):
    assert billing_demand_kw(tariff, spiked(3), WEDNESDAY_JULY) == 500.0  # off-peak
    assert billing_demand_kw(tariff, spiked(14), WEDNESDAY_JULY) == 2000.0
    assert billing_demand_kw(tariff, spiked(19), WEDNESDAY_JULY) == 2000.0  # mid counts
    assert billing_demand_kw(tariff, spiked(14), SATURDAY_JULY) == 2000.0
    assert billing_demand_kw(tariff, spiked(14), SUNDAY_JULY) == 0.0  # all of Sunday off-peak


def test_billing_demand_averages_quarter_hours(tariff):
    profile = np.full(288, 500.0)  # 5-minute steps
    profile[14 * 12] = 1500.0  # one 5-minute burst at 14:00
    assert billing_demand_kw(tariff, profile, WEDNESDAY_JULY, step_min=5) == pytest.approx(
        (1500 + 500 + 500) / 3
    )
    with pytest.raises(ValueError, match="divide 15"):
        billing_demand_kw(tariff, np.ones(24), WEDNESDAY_JULY, step_min=60)


# ---------------------------------------------------------------------------- annual bill


def annual_constant_by_hand(kw: float) -> float:
    days = {
        "summer": 30 + 31 + 31,
        "spring_autumn": 31 + 30 + 31 + 30 + 31,
        "winter": 30 + 31 + 31 + 28,
    }
    energy = 0.0
    for season, d in days.items():
        week = (
            5 * day_rate_sum(season)
            + day_rate_sum(season, "saturday")
            + day_rate_sum(season, "sunday")
        )
        energy += d / 7 * kw * week
    kwh = kw * 24 * 365
    return energy + raw_extra() * kwh + 12 * RAW["demand_charge"]["value"] * kw


@pytest.mark.parametrize(
    ("start", "days"),
    [(dt.datetime(2025, 7, 14), 7), (dt.datetime(2025, 1, 16), 7), (MONDAY_MAY, 14)],
)
def test_annual_bill_of_a_constant_load(tariff, start, days):
    bill = annual_bill_krw(tariff, np.full(96 * days, 1000.0), start)
    assert bill.energy_kwh == pytest.approx(1000 * 8760)
    assert bill.billing_demand_kw == 1000.0
    assert bill.demand_charge_krw == pytest.approx(12 * 8320 * 1000)
    assert bill.total_krw == pytest.approx(annual_constant_by_hand(1000.0), rel=1e-12)


def test_annual_bill_prices_each_season_by_its_days(tariff):
    # A load only on Wednesdays 14:00-15:00 (1 MWh a week). Summer and spring/autumn bill
    # it on-peak, winter mid-load; 52 1/7 weeks a year split by season length.
    profile = np.zeros(96 * 7)
    wednesday = 2 * 96
    profile[wednesday + 14 * 4 : wednesday + 15 * 4] = 1000.0
    bill = annual_bill_krw(tariff, profile, dt.datetime(2025, 9, 1))  # a Monday in autumn
    energy = (
        92 / 7 * 1000 * raw_rate("summer", "on_peak")
        + 153 / 7 * 1000 * raw_rate("spring_autumn", "on_peak")
        + 120 / 7 * 1000 * raw_rate("winter", "mid")
    )
    assert bill.energy_charge_krw == pytest.approx(energy)
    assert bill.energy_kwh == pytest.approx(365 / 7 * 1000)
    assert bill.billing_demand_kw == 1000.0


def test_two_identical_weeks_annualise_like_one(tariff):
    week = np.abs(np.sin(np.arange(96 * 7) / 17.0)) * 800
    one = annual_bill_krw(tariff, week, MONDAY_MAY)
    two = annual_bill_krw(tariff, np.concatenate([week, week]), MONDAY_MAY)
    assert two.total_krw == pytest.approx(one.total_krw)


def test_annual_bill_needs_a_week(tariff):
    with pytest.raises(ValueError, match="one week"):
        annual_bill_krw(tariff, np.full(96 * 6, 1.0), MONDAY_MAY)


# ---------------------------------------------------------------------------- bad files


def error_for(mutate) -> InputError:
    data = copy.deepcopy(RAW)
    mutate(data)
    with pytest.raises(InputError) as info:
        parse_tariff(data, SOURCE)
    err = info.value
    assert err.source == SOURCE and err.line().startswith(f"{SOURCE}: ")
    return err


def test_missing_hour():
    def drop_hour(d):
        d["seasons"]["summer"]["hours"]["off_peak"].remove(8)

    err = error_for(drop_hour)
    assert err.field == "seasons.summer.hours"
    assert "hour 8 in no period" in err.message


def test_hour_in_two_periods():
    def double(d):
        d["seasons"]["winter"]["hours"]["mid"].append(10)

    err = error_for(double)
    assert err.field.startswith("seasons.winter.hours")
    assert "hour 10" in err.message


def test_overlapping_months():
    def overlap(d):
        d["seasons"]["spring_autumn"]["months"].append(6)

    err = error_for(overlap)
    assert err.field == "seasons.spring_autumn.months"
    assert "month 6" in err.message and "summer" in err.message


def test_missing_month():
    def drop(d):
        d["seasons"]["winter"]["months"].remove(2)

    err = error_for(drop)
    assert err.field == "seasons" and "month 2 in no season" in err.message


def test_negative_rate():
    def negative(d):
        d["seasons"]["summer"]["energy"]["on_peak"]["value"] = -245.9

    err = error_for(negative)
    assert err.field == "seasons.summer.energy.on_peak.value"
    assert "greater than 0" in err.message


def test_negative_demand_charge():
    def negative(d):
        d["demand_charge"]["value"] = -1

    assert error_for(negative).field == "demand_charge.value"


def test_unknown_key():
    def typo(d):
        d["seasons"]["summer"]["energy"]["shoulder"] = d["seasons"]["summer"]["energy"]["mid"]

    err = error_for(typo)
    assert err.field == "seasons.summer.energy"
    assert "unknown key 'shoulder'" in err.message and "on_peak" in err.message


def test_bad_status():
    def status(d):
        d["climate_environment"]["status"] = "guess"

    assert error_for(status).field == "climate_environment.status"


def test_fuel_adjustment_may_be_negative():
    data = copy.deepcopy(RAW)
    data["fuel_cost_adjustment"]["value"] = -3.0  # as in Q1 2021
    assert parse_tariff(data, SOURCE).fuel_cost_adjustment.value == -3.0
