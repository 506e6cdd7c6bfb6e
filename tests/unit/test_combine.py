"""Combining levers' policies: each hook answered by its own lever."""

import pytest

from twin.ai.combine import combine_policies
from twin.core.policy import Policy


class Dispatch(Policy):
    dispatches = True

    def choose_next(self, station, queue_products, last_product):
        return len(queue_products) - 1


class Maint(Policy):
    def on_sensor(self, station, machine, age_h, reading):
        return reading > 0.5


def test_each_hook_goes_to_its_lever():
    p = combine_policies([Dispatch(), None, Maint()])
    assert p.dispatches
    assert p.choose_next("s", [0, 1, 2], None) == 2
    assert p.on_sensor("s", 0, 1.0, 0.9) is True
    assert p.inspect("s", True, 1.0, 0.0, 0.5) is True  # default behaviour kept


def test_none_and_single():
    assert combine_policies([]) is None
    m = Maint()
    assert combine_policies([None, m]) is m


def test_two_levers_on_one_decision_rejected():
    with pytest.raises(ValueError, match="on_sensor"):
        combine_policies([Maint(), Maint()])


class Stateful(Policy):
    def __init__(self):
        self.starts = []

    def start_run(self, seed, replication):
        self.starts.append((seed, replication))


def test_start_run_reaches_every_lever_and_the_engine_calls_it():
    """Per-run state is reset before each replication, for every combined lever."""
    from twin.config import parse_factory_spec
    from twin.des import simulate

    a, b = Stateful(), Stateful()
    p = combine_policies([a, Maint(), b])
    spec = parse_factory_spec(
        {
            "source": {"interarrival_min": {"dist": "constant", "value": 1}},
            "stations": [{"name": "s", "process_time_min": {"dist": "constant", "value": 0.5}}],
        }
    )
    simulate(spec, days=0.1, seed=3, replication=2, policy=p)
    assert a.starts == [(3, 2)] and b.starts == [(3, 2)]
