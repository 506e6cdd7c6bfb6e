"""Scheduling lever: setup-aware dispatching cuts setups where lots are small, loses no parts,
and gains little where lots are already large."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from twin.ai import dispatch
from twin.config import parse_factory_spec
from twin.config.lever import LEVELS, load_lever
from twin.des.engine import simulate

LEVER_FILE = Path(__file__).resolve().parents[2] / "data" / "levers" / "scheduling.yaml"


def line(lot_size: int) -> dict:
    """Two products 50/50, a machine with a 2-minute setup on product change, then packing.

    Under FIFO with lot size 1 half the jobs need a setup: load (1 + 0.5 * 2) / 2.2 = 0.91.
    Batching only pays while jobs queue, so the rule settles where queues are short: about a
    quarter less setup time and a much shorter lead time.
    """
    return {
        "name": f"two-products-lot{lot_size}",
        "source": {
            "interarrival_min": {"dist": "exponential", "mean": 2.2},
            "lot_size": lot_size,
            "products": [{"name": "a", "share": 0.5}, {"name": "b", "share": 0.5}],
        },
        "stations": [
            {
                "name": "press",
                "process_time_min": {"dist": "lognormal", "mean": 1.0, "cv": 0.2},
                "setup_min": {"dist": "constant", "value": 2.0},
            },
            {"name": "pack", "process_time_min": {"dist": "constant", "value": 0.5}},
        ],
    }


def setup_min(res) -> float:
    return sum(s["state_min"]["setup"] for s in res.stations.values())


def runs(spec, policy, seeds=(1, 2), days=5.0):
    return [
        (
            simulate(spec, days=days, warmup_days=0.5, seed=s),
            simulate(spec, days=days, warmup_days=0.5, seed=s, policy=policy),
        )
        for s in seeds
    ]


def test_lever_file_validates():
    lever = load_lever(LEVER_FILE)
    assert lever.name == "scheduling"
    caps = [lever.value("max_overtaken", lv) for lv in LEVELS]
    assert caps == sorted(caps) and caps[0] >= 1


def test_rule_picks_oldest_same_product_within_the_guard():
    p = dispatch.SetupAwareDispatch(["press"], max_overtaken=2)
    assert p.dispatches
    assert p.choose_next("press", [1, 0, 0], None) == 0  # no last product: FIFO
    assert p.choose_next("press", [0, 1, 0], 0) == 0  # head is the same product
    assert p.choose_next("press", [1, 0, 0], 0) == 1  # oldest job of product 0
    assert p.choose_next("press", [1, 1, 0], 0) == 2  # overtakes two: allowed
    assert p.choose_next("press", [1, 1, 1, 0], 0) == 0  # would overtake three: FIFO
    assert p.choose_next("press", [1, 2, 2], 0) == 0  # none of product 0: FIFO
    assert p.choose_next("pack", [1, 0], 0) == 0  # a station without setups stays FIFO
    assert dispatch.SetupAwareDispatch(["press"], 0).choose_next("press", [1, 0], 0) == 0


def test_queue_scan_is_bounded():
    p = dispatch.SetupAwareDispatch(["press"], max_overtaken=5)
    queue = [1] * 1_000_000 + [0]
    t0 = time.perf_counter()
    for _ in range(1000):
        assert p.choose_next("press", queue, 0) == 0
    assert time.perf_counter() - t0 < 0.5


def test_small_lots_large_setup_saving_and_no_lost_parts(balance):
    """Lot size 1: FIFO sets up on half the jobs; the rule batches same-product jobs."""
    spec = parse_factory_spec(line(1))
    policy = dispatch.SetupAwareDispatch(dispatch.setup_stations(spec), max_overtaken=8)
    for base, new in runs(spec, policy):
        assert setup_min(new) < 0.8 * setup_min(base)
        for r in (base, new):
            assert balance(r.kpis) == 0
        assert new.kpis["released"] == base.kpis["released"]  # the same demand
        assert new.kpis["good_units"] >= base.kpis["good_units"] - 5
        assert new.kpis["mean_lead_time_min"] < 0.6 * base.kpis["mean_lead_time_min"]


def test_large_lots_small_gain(balance):
    """Lot size 50: FIFO already runs products in batches, so the rule's gain is small."""
    small = parse_factory_spec(line(1))
    large = parse_factory_spec(line(50))
    policy = dispatch.SetupAwareDispatch(["press"], max_overtaken=8)

    def cut(spec):
        pairs = runs(spec, policy, days=10.0)
        for _, new in pairs:
            assert balance(new.kpis) == 0
        return 1 - sum(setup_min(n) for _, n in pairs) / sum(setup_min(b) for b, _ in pairs)

    cut_small, cut_large = cut(small), cut(large)
    assert cut_small > 0.2
    assert abs(cut_large) < 0.05
    assert abs(cut_large) < 0.2 * cut_small


def test_apply_tunes_and_measures():
    spec = parse_factory_spec(line(1))
    lever = load_lever(LEVER_FILE)
    applied = dispatch.apply(spec, lever, "typical", seed=3)
    assert applied.name == "scheduling" and applied.spec is spec
    q = applied.quality
    assert 1 <= q["max_overtaken"] <= lever.value("max_overtaken", "typical")
    assert q["setup_time_change"] < -0.2
    assert q["lead_time_change"] < -0.4
    assert isinstance(applied.policy, dispatch.SetupAwareDispatch)
    again = dispatch.apply(spec, lever, "typical", seed=3)
    assert again.quality == q and again.policy.max_overtaken == applied.policy.max_overtaken


def test_policy_runs_are_deterministic():
    spec = parse_factory_spec(line(1))
    policy = dispatch.SetupAwareDispatch(["press"], max_overtaken=3)
    a = simulate(spec, days=2, seed=5, policy=policy).kpis
    b = simulate(spec, days=2, seed=5, policy=policy).kpis
    assert a == b


def test_no_setups_no_policy():
    data = line(1)
    del data["stations"][0]["setup_min"]
    applied = dispatch.apply(parse_factory_spec(data), load_lever(LEVER_FILE), "high", seed=0)
    assert applied.policy is None
    assert applied.quality["setup_time_change"] == 0.0


@pytest.mark.parametrize("k", [-1])
def test_guard_must_be_non_negative(k):
    with pytest.raises(ValueError):
        dispatch.SetupAwareDispatch(["press"], k)


def test_guard_search_equals_simulating_every_candidate(monkeypatch):
    """Guards that decide as an already simulated candidate at every step share its runs:
    the scores are exactly those of simulating every guard, from fewer simulations."""
    spec = parse_factory_spec(line(1))
    stations = dispatch.setup_stations(spec)
    kw = {"seed": 5, "replications": 2, "days": 2.0, "warmup_days": 0.5}
    calls = []

    def counting(*args, **kwargs):
        calls.append(kwargs.get("policy"))
        return simulate(*args, **kwargs)

    monkeypatch.setattr(dispatch, "simulate", counting)
    best, scores = dispatch.tune_guard(spec, stations, 55, 0.5, **kw)
    n_search = len(calls)
    assert n_search < 2 * len(scores)  # exhaustive: FIFO and each guard on both seeds
    assert scores[0] == 0.0
    for k in scores:
        if k:
            eff = dispatch.compare(spec, dispatch.SetupAwareDispatch(stations, k), **kw)
            assert scores[k] == eff["throughput_change"] - 0.5 * eff["lead_time_change"]
    assert best == max(scores, key=lambda k: (scores[k], -k)) > 0
