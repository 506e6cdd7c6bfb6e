"""The shipped supply-network parameters build a plausible network on the shipped firm layer."""

import numpy as np
import pytest

from twin.config.loader import read_yaml
from twin.config.network import parse_network_params
from twin.io.geo import read_layer
from twin.io.paths import data_dir
from twin.network import build_supply_network, supply_bottlenecks


@pytest.fixture(scope="module")
def graph():
    path = data_dir() / "network.yaml"
    params = parse_network_params(read_yaml(path), str(path))
    return build_supply_network(read_layer("firms"), params, seed=1)


def test_every_firm_is_a_node_and_most_buy_locally(graph):
    assert graph.number_of_nodes() == 2151
    indeg = np.array([d for _, d in graph.in_degree()])
    assert (indeg > 0).mean() > 0.95


def test_local_supply_is_spread_over_many_suppliers(graph):
    """Not only the giants sell inside the complex (Gumi's tiered supplier base)."""
    outdeg = np.array([d for _, d in graph.out_degree()])
    assert (outdeg > 0).sum() > 1000
    unmet = graph.graph.get("unmet_local_demand_krw", 0.0)
    total = sum(e["flow_krw"] for _, _, e in graph.edges(data=True))
    assert unmet < 0.02 * (total + unmet)


def test_bottlenecks_are_ranked(graph):
    top = supply_bottlenecks(graph, top=10)
    assert len(top) == 10
    risk = top["downstream_output_at_risk_krw"].to_numpy()
    assert (np.diff(risk) <= 0).all() and risk[0] > 0
