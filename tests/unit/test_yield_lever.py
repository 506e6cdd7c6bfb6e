"""Yield lever: defect rates of process stations fall by the level's share, nothing else moves."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from twin.ai import yield_
from twin.config import load_factory_spec, parse_factory_spec
from twin.config.lever import LEVELS, load_lever, parse_lever
from twin.des.engine import simulate

LEVER_FILE = Path(__file__).resolve().parents[2] / "data" / "levers" / "yield_optimisation.yaml"
D = 0.2  # defect rate of the process step
Q = 0.9  # detection rate of the inspection

LINE = {
    "name": "process-and-inspect",
    "source": {"interarrival_min": {"dist": "exponential", "mean": 2.0}},
    "stations": [
        {"name": "press", "process_time_min": {"dist": "constant", "value": 1.0}, "defect_rate": D},
        {
            "name": "check",
            "process_time_min": {"dist": "constant", "value": 0.5},
            "inspection": {"detection_rate": Q, "reject_to": "scrap"},
        },
    ],
}


def _param(low, typical, high):
    return {
        "low": low,
        "typical": typical,
        "high": high,
        "unit": "share",
        "year": 2026,
        "source": "test",
        "status": "estimate",
    }


def lever_with(reduction: float):
    """The shipped yield lever with every level set to ``reduction``."""
    data = load_lever(LEVER_FILE).model_dump()
    data["params"]["defect_rate_reduction"] = _param(reduction, reduction, reduction)
    return parse_lever(data, "test")


def test_lever_file_validates():
    lever = load_lever(LEVER_FILE)
    assert lever.name == "yield_optimisation"
    values = [lever.value("defect_rate_reduction", lv) for lv in LEVELS]
    assert values == sorted(values) and 0 < values[0] and values[-1] < 1


def test_halving_defects_halves_scrap_and_escapes():
    """One process step (rate d) and one inspection: scrap + escapes per part = d exactly in
    expectation (no false rejects), so halving d halves them. Same seed: common random
    numbers, so the defective parts with the lever are a subset of those without."""
    spec = parse_factory_spec(LINE)
    applied = yield_.apply(spec, lever_with(0.5), "typical", seed=0)
    out = []
    for s in (spec, applied.spec):
        k = simulate(s, days=10, warmup_days=0.5, seed=21).kpis
        exits = k["good_units"] + k["escaped_defects"] + k["scrap_units"]
        out.append((k["scrap_units"], k["escaped_defects"], exits))
    (s0, e0, n0), (s1, e1, n1) = out
    assert n0 == n1  # the flow of parts is untouched
    for bad, n, d in ((s0 + e0, n0, D), (s1 + e1, n1, D / 2)):
        se = math.sqrt(d * (1 - d) / n)
        assert abs(bad / n - d) < 4 * se, (bad / n, d)
    assert s1 + e1 <= s0 + e0
    assert (s1 + e1) / (s0 + e0) == pytest.approx(0.5, abs=0.06)
    # escapes are the undetected share of the defects: (1 - Q) d
    assert e1 / n1 == pytest.approx((1 - Q) * D / 2, abs=4 * math.sqrt(0.01 / n1))


def test_only_process_stations_change(data_dir):
    """Inspection and rework stations, and every other field, stay as they were."""
    spec = load_factory_spec(data_dir / "archetypes" / "display-fab.yaml")
    applied = yield_.apply(spec, load_lever(LEVER_FILE), "high", seed=3)
    r = load_lever(LEVER_FILE).value("defect_rate_reduction", "high")
    assert applied.policy is None and applied.name == "yield_optimisation"
    changed = 0
    for old, new in zip(spec.stations, applied.spec.stations, strict=True):
        if yield_.is_process_station(old):
            assert new.defect_rate == pytest.approx(old.defect_rate * (1 - r))
            changed += 1
        else:
            assert new == old
        assert new.model_copy(update={"defect_rate": old.defect_rate}) == old
    assert changed == applied.quality["process_stations"] > 0
    assert applied.spec.model_copy(update={"stations": spec.stations}) == spec
    q = applied.quality
    assert q["defects_per_part_after"] == pytest.approx(q["defects_per_part_before"] * (1 - r))


def test_inspection_station_with_defects_is_left_alone():
    line = {**LINE, "stations": [LINE["stations"][0], {**LINE["stations"][1], "defect_rate": 0.1}]}
    spec = parse_factory_spec(line)
    new = yield_.reduce_defects(spec, 0.5)
    assert new.stations[0].defect_rate == pytest.approx(D / 2)
    assert new.stations[1].defect_rate == 0.1


def test_deterministic_and_bounded():
    spec = parse_factory_spec(LINE)
    a = yield_.apply(spec, lever_with(0.3), "low", seed=1)
    b = yield_.apply(spec, lever_with(0.3), "low", seed=99)
    assert a == b
    with pytest.raises(ValueError):
        yield_.reduce_defects(spec, 1.5)
