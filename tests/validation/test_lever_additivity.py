"""Do the levers' effects combine as the projection assumes? Against all levers at once.

``twin run`` gives a firm with several levers the no-lever KPIs plus each lever's own change
(escapes: as shares of what is left). Here one archetype is simulated with every lever at once
(chained spec effects, combined policies) on the same random numbers, and the combination
rule must predict that run: energy within 5 % of the summed absolute single-lever changes,
capacity within 25 %, and never a negative count of escapes. ``benchmarks/additivity.py``
prints the same measurement for every archetype.
"""

import numpy as np
import pytest

from twin.additivity import measure
from twin.projection import RunSettings


@pytest.fixture(scope="module")
def rows():
    settings = RunSettings(days=7.0, warmup_days=2.0, replications=2, seed=5)
    return {(r["demand"], r["kpi"]): r for r in measure("cathode-kiln", settings)}


@pytest.mark.parametrize("demand", ["base", "sat"])
def test_energy_changes_add_up(rows, demand):
    r = rows[demand, "energy_mwh"]
    assert r["sum_of_singles"] < 0  # the levers save energy at all
    assert abs(r["interaction"]) <= 0.05


def test_capacity_changes_roughly_add_up(rows):
    """At saturating demand (the line's capacity, which caps output in the projection)."""
    assert abs(rows["sat", "output_krw"]["interaction"]) <= 0.25


def test_output_at_base_demand_barely_moves(rows):
    """Below capacity output follows demand: all levers together and the sum of the single
    changes both stay within 1 % of the no-lever output (what is left is work in progress
    at the end of a run)."""
    r = rows["base", "output_krw"]
    assert abs(r["all_levers"] - r["sum_of_singles"]) <= 0.01 * r["no_lever"]


def test_escapes_never_go_negative(rows):
    r = rows["base", "escaped_units"]
    assert r["no_lever"] + r["all_levers"] >= 0
    assert np.isfinite(r["interaction"])
