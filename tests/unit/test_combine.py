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
