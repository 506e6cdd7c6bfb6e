"""Growth limited by suppliers: the supply-network arrays, the cap and the blame.

Expectations are hand-computed from the rule ``y = desired - d * max(0, gain - S @ spare)``
with ``gain = max(0, desired - reference)`` and ``spare = max(0, capacity - desired)``.
"""

import networkx as nx
import numpy as np
import pytest
from scipy import sparse

from twin.network import SupplyLinks, attribute_shortfall, supply_limited_factors, supply_links


def links_of(ids, dependency, share_rows):
    """SupplyLinks from a dense share matrix (row c: what c buys from each firm)."""
    share = sparse.csr_array(np.asarray(share_rows, dtype=float))
    return SupplyLinks(tuple(ids), np.asarray(dependency, dtype=float), share)


# Chain s -> c: c buys 40 % of its production locally, all of it from s.
CHAIN = links_of(["s", "c"], [0.0, 0.4], [[0, 0], [1, 0]])


def test_supply_links_from_graph_dependency_and_shares():
    g = nx.DiGraph()
    g.add_node("a", production_krw=100.0)
    g.add_node("b", production_krw=50.0)
    g.add_node("c", production_krw=200.0)
    g.add_node("d", production_krw=0.0)
    g.add_edge("a", "c", flow_krw=30.0)
    g.add_edge("b", "c", flow_krw=10.0)
    g.add_edge("a", "b", flow_krw=20.0)
    links = supply_links(g)
    assert links.firm_ids == ("a", "b", "c", "d")
    # dependency = local inflow / production: a 0, b 20/50, c 40/200, d none (no production)
    np.testing.assert_allclose(links.dependency, [0.0, 0.4, 0.2, 0.0])
    s = links.share.toarray()
    expected = np.zeros((4, 4))
    expected[1, 0] = 1.0  # b buys only from a
    expected[2, 0] = 30.0 / 40.0  # c buys 30 of 40 from a
    expected[2, 1] = 10.0 / 40.0
    np.testing.assert_allclose(s, expected)
    # rows of firms that buy locally sum to 1, others to 0
    np.testing.assert_allclose(s.sum(axis=1), [0.0, 1.0, 1.0, 0.0])


def test_customer_gain_above_supplier_spare_loses_dependency_times_excess():
    # s: desired 1.0, capacity 1.05 -> spare 0.05; c: gain 1.3 - 1.1 = 0.2
    y, spare = supply_limited_factors(CHAIN, [1.0, 1.1], [1.0, 1.3], [1.05, 1.5])
    np.testing.assert_allclose(spare, [0.05, 0.2])
    assert y[0] == 1.0  # the supplier itself has no gain
    assert y[1] == pytest.approx(1.3 - 0.4 * (0.2 - 0.05))  # 1.24


def test_no_gain_or_enough_spare_is_not_limited():
    # c has no gain (desired below the reference): unchanged even with zero spare
    y, _ = supply_limited_factors(CHAIN, [1.0, 1.2], [1.0, 1.1], [1.0, 1.5])
    np.testing.assert_array_equal(y, [1.0, 1.1])
    # c gains 0.2 and s has spare 0.3: unchanged
    y, spare = supply_limited_factors(CHAIN, [1.0, 1.1], [1.0, 1.3], [1.3, 1.5])
    assert spare[0] == pytest.approx(0.3)
    np.testing.assert_array_equal(y, [1.0, 1.3])
    # exactly enough spare: unchanged
    y, _ = supply_limited_factors(CHAIN, [1.0, 1.0], [1.0, 1.25], [1.25, 2.0])
    assert y[1] == 1.25


def test_zero_adoption_is_never_limited():
    rng = np.random.default_rng(3)
    n = 6
    flows = rng.uniform(0, 1, (n, n)) * (rng.uniform(0, 1, (n, n)) < 0.5)
    np.fill_diagonal(flows, 0.0)
    rows = flows.sum(axis=1, keepdims=True)
    share = np.divide(flows, rows, out=np.zeros_like(flows), where=rows > 0)
    links = links_of([f"f{i}" for i in range(n)], rng.uniform(0, 1, n), share)
    desired = rng.uniform(0.8, 1.4, n)
    capacity = desired  # no spare anywhere
    y, spare = supply_limited_factors(links, desired, desired, capacity)
    np.testing.assert_array_equal(y, desired)
    np.testing.assert_array_equal(spare, np.zeros(n))


def test_two_suppliers_split_the_spare_by_share():
    # c (index 2) buys 60 % from s1, 40 % from s2; d = 0.5; gain 0.2
    links = links_of(["s1", "s2", "c"], [0.0, 0.0, 0.5], [[0, 0, 0], [0, 0, 0], [0.6, 0.4, 0]])
    ref, desired = [1.0, 1.0, 1.0], [1.0, 1.0, 1.2]
    # spare 0.05 and 0.3: available 0.6*0.05 + 0.4*0.3 = 0.15, short 0.05
    y, _ = supply_limited_factors(links, ref, desired, [1.05, 1.3, 2.0])
    assert y[2] == pytest.approx(1.2 - 0.5 * 0.05)
    # spare 0.3 and 0.05: available 0.6*0.3 + 0.4*0.05 = 0.2 = gain, not limited
    y, _ = supply_limited_factors(links, ref, desired, [1.3, 1.05, 2.0])
    assert y[2] == pytest.approx(1.2)
    # both without spare: the whole gain is short
    y, _ = supply_limited_factors(links, ref, desired, [1.0, 1.0, 2.0])
    assert y[2] == pytest.approx(1.2 - 0.5 * 0.2)


def test_attribution_is_conserved_and_proportional_to_share_times_excess():
    # firms: s1, s2, s3 supply; c1 buys 0.5/0.3/0.2 from s1/s2/s3; c2 buys all from s3;
    # c3 buys all from s2 (which has room for it)
    ids = ["s1", "s2", "s3", "c1", "c2", "c3"]
    share = np.zeros((6, 6))
    share[3, :3] = [0.5, 0.3, 0.2]
    share[4, 2] = 1.0
    share[5, 1] = 1.0
    links = links_of(ids, [0, 0, 0, 0.5, 0.5, 0.5], share)
    gain = np.array([0.0, 0.0, 0.0, 0.2, 0.1, 0.05])
    spare = np.array([0.05, 0.1, 0.0, 0.0, 0.0, 0.0])
    lost = np.array([0.0, 0.0, 0.0, 30.0, 12.0, 0.0])
    blame = attribute_shortfall(links, gain, spare, lost)
    # c1 weights: s1 0.5*(0.2-0.05)=0.075, s2 0.3*(0.2-0.1)=0.03, s3 0.2*0.2=0.04 (sum 0.145)
    w = np.array([0.075, 0.03, 0.04])
    expected = np.zeros(6)
    expected[:3] = 30.0 * w / w.sum()
    expected[2] += 12.0  # c2's loss all on s3
    np.testing.assert_allclose(blame, expected)
    assert blame.sum() == pytest.approx(lost.sum())
    assert np.all(blame[3:] == 0.0)  # customers without supplies are never blamed


def test_attribution_goes_only_to_suppliers_short_of_the_gain():
    links = links_of(["s1", "s2", "c"], [0.0, 0.0, 0.5], [[0, 0, 0], [0, 0, 0], [0.6, 0.4, 0]])
    gain = np.array([0.0, 0.0, 0.2])
    spare = np.array([0.05, 0.3, 0.0])  # s2 has more spare than c's gain
    blame = attribute_shortfall(links, gain, spare, np.array([0.0, 0.0, 7.0]))
    np.testing.assert_allclose(blame, [7.0, 0.0, 0.0])


def test_loss_of_a_customer_without_limiting_supplier_is_not_attributed():
    # c's gain is within each supplier's spare, so nobody is to blame: the attribution total is
    # the lost output of customers that do have a limiting supplier only
    ids = ["s", "c1", "c2"]
    share = np.array([[0, 0, 0], [1.0, 0, 0], [1.0, 0, 0]])
    links = links_of(ids, [0.0, 0.5, 0.5], share)
    gain = np.array([0.0, 0.1, 0.3])
    spare = np.array([0.2, 0.0, 0.0])
    lost = np.array([0.0, 5.0, 4.0])  # c1's "loss" has no limiting supplier
    blame = attribute_shortfall(links, gain, spare, lost)
    np.testing.assert_allclose(blame, [4.0, 0.0, 0.0])


def test_cap_and_attribution_agree_on_a_graph():
    """End to end on a graph: lost output from the cap, all of it blamed on the short supplier."""
    g = nx.DiGraph()
    g.add_node("s1", production_krw=100.0)
    g.add_node("s2", production_krw=100.0)
    g.add_node("c", production_krw=200.0)
    g.add_edge("s1", "c", flow_krw=75.0)
    g.add_edge("s2", "c", flow_krw=25.0)
    links = supply_links(g)  # c: d = 0.5, shares 0.75 / 0.25
    ref = np.array([1.0, 1.0, 1.0])
    desired = np.array([1.0, 1.0, 1.4])
    capacity = np.array([1.0, 1.2, 1.5])  # s1 no spare, s2 spare 0.2
    y, spare = supply_limited_factors(links, ref, desired, capacity)
    short = 0.4 - 0.25 * 0.2
    assert y[2] == pytest.approx(1.4 - 0.5 * short)
    lost = (desired - y) * 200.0
    blame = attribute_shortfall(links, np.maximum(desired - ref, 0), spare, lost)
    # weights: s1 0.75*0.4 = 0.3, s2 0.25*(0.4-0.2) = 0.05
    np.testing.assert_allclose(blame, [lost[2] * 0.3 / 0.35, lost[2] * 0.05 / 0.35, 0.0])
