"""Working-time windows of calendars."""

import pytest

from twin.config.factory import Calendar
from twin.des.calendar import on_intervals, scheduled_minutes


def test_continuous_without_calendar():
    assert on_intervals(None, 1000.0) == [(0.0, 1000.0)]
    assert on_intervals(Calendar(), 1000.0) == [(0.0, 1000.0)]


def test_two_shifts_five_days():
    """2 x 8 h from 06:00 on five of seven days: 80 working hours a week."""
    cal = Calendar(shifts_per_day=2, hours_per_shift=8, days_per_week=5, start_hour=6)
    week = 7 * 1440.0
    iv = on_intervals(cal, week)
    assert len(iv) == 5
    assert iv[0] == (360.0, 1320.0)
    assert scheduled_minutes(iv, 0, week) == pytest.approx(80 * 60)
    assert cal.working_fraction() == pytest.approx(80 / 168)


def test_night_shift_crosses_midnight_and_merges():
    """Three 8 h shifts from 22:00 on 7 days is continuous after the first 22 h."""
    cal = Calendar(shifts_per_day=3, hours_per_shift=8, days_per_week=7, start_hour=22)
    iv = on_intervals(cal, 3 * 1440.0)
    assert iv == [(0.0, 3 * 1440.0)]


def test_weekend_gap_with_24h_days():
    cal = Calendar(shifts_per_day=3, hours_per_shift=8, days_per_week=6)
    iv = on_intervals(cal, 14 * 1440.0)
    assert iv == [(0.0, 6 * 1440.0), (7 * 1440.0, 13 * 1440.0)]


def test_too_many_hours_rejected():
    with pytest.raises(ValueError):
        Calendar(shifts_per_day=3, hours_per_shift=9)
