"""Working-time windows of a calendar (pure arithmetic, no simulation)."""

from __future__ import annotations

from twin.config.factory import Calendar

__all__ = ["on_intervals", "scheduled_minutes"]

DAY = 1440.0


def on_intervals(cal: Calendar | None, horizon_min: float) -> list[tuple[float, float]]:
    """Merged working intervals ``[start, end)`` in minutes within ``[0, horizon_min)``.

    Day 0 is the first day of the week; the first ``days_per_week`` days are working days and
    each working day has ``shifts_per_day * hours_per_shift`` hours from ``start_hour`` (a
    window may run past midnight).
    """
    if cal is None or cal.continuous:
        return [(0.0, horizon_min)]
    length = cal.hours_per_day * 60.0
    raw: list[tuple[float, float]] = []
    day = -1  # a window starting the day before may run into day 0
    while day * DAY < horizon_min:
        if day % 7 < cal.days_per_week:
            start = day * DAY + cal.start_hour * 60.0
            raw.append((start, start + length))
        day += 1
    merged: list[tuple[float, float]] = []
    for s, e in raw:
        s, e = max(s, 0.0), min(e, horizon_min)
        if e <= s:
            continue
        if merged and s <= merged[-1][1] + 1e-9:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def scheduled_minutes(intervals: list[tuple[float, float]], start: float, end: float) -> float:
    """Working minutes of ``intervals`` that fall inside ``[start, end)``."""
    return sum(max(0.0, min(e, end) - max(s, start)) for s, e in intervals)
