"""Supply network: construction laws, gravity allocation, capacity propagation, bottlenecks.

Expectations come from the parameter file and closed-form arithmetic on hand-built graphs,
not from the code under test.
"""

from __future__ import annotations

import math
import time

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from twin.config.loader import read_yaml
from twin.config.network import SECTORS, NetworkParams, parse_network_params
from twin.core.errors import InputError
from twin.core.streams import stream
from twin.network import (
    build_supply_network,
    complex_flows,
    customers_of,
    propagate_capacity,
    suppliers_of,
    supply_bottlenecks,
)

PROCESSES = {
    "electronics": ["smt-assembly", "wafer-fab", "display-fab", "defence-electronics"],
    "machinery": ["machining"],
    "textiles": ["fibre-line"],
    "chemicals": ["cathode-kiln", "plastics-moulding"],
    "metals": ["machining"],
    "other": ["plastics-moulding", "assembly"],
}


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def raw_params() -> dict:
    from twin.io.paths import data_dir

    return read_yaml(data_dir() / "network.yaml")


@pytest.fixture(scope="module")
def params(raw_params) -> NetworkParams:
    return parse_network_params(raw_params, "network.yaml")


def with_(params: NetworkParams, **values) -> NetworkParams:
    """The parameters with some ``value`` fields replaced (``None`` removes an optional one)."""
    data = params.model_dump()
    for key, value in values.items():
        if value is None:
            data[key] = None
        else:
            data[key] = {**data[key], "value": value}
    return NetworkParams.model_validate(data)


def synthetic_firms(n: int = 60, seed: int = 3) -> gpd.GeoDataFrame:
    """``n`` firms around Gumi with every sector present and heavy-tailed production."""
    rng = stream(seed, "test", "network", "firms")
    sectors = np.array([SECTORS[i % len(SECTORS)] for i in range(n)], dtype=object)
    rng.shuffle(sectors)
    process = [PROCESSES[s][int(rng.integers(len(PROCESSES[s])))] for s in sectors]
    lon = rng.uniform(128.38, 128.46, n)
    lat = rng.uniform(36.09, 36.19, n)
    return gpd.GeoDataFrame(
        {
            "firm_id": [f"F{i:04d}" for i in range(n)],
            "name": [f"Firm {i}" for i in range(n)],
            "complex_id": rng.choice(["1", "2", "3", "4", "5"], n),
            "sector": sectors,
            "process": process,
            "size_class": "small",
            "employees": rng.integers(5, 800, n),
            "production_krw": np.exp(rng.normal(23.0, 1.2, n)),
            "electricity_mwh": 1000.0,
            "digital_maturity": 1,
        },
        geometry=[Point(x, y) for x, y in zip(lon, lat, strict=True)],
        crs="EPSG:4326",
    )


def frame(rows: list[tuple]) -> gpd.GeoDataFrame:
    """Firms from ``(firm_id, sector, process, production, lon, lat)`` tuples."""
    return gpd.GeoDataFrame(
        {
            "firm_id": [r[0] for r in rows],
            "sector": [r[1] for r in rows],
            "process": [r[2] for r in rows],
            "production_krw": [float(r[3]) for r in rows],
            "complex_id": "1",
        },
        geometry=[Point(r[4], r[5]) for r in rows],
        crs="EPSG:4326",
    )


def haversine_km(lon1, lat1, lon2, lat2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def graph(production: dict[str, float], flows: list[tuple[str, str, float]]) -> nx.DiGraph:
    """A hand-built network: node production and supplier -> customer flows."""
    g = nx.DiGraph()
    for firm, p in production.items():
        g.add_node(firm, production_krw=p, name=firm, sector="electronics", complex_id="1")
    for u, v, f in flows:
        g.add_edge(u, v, flow_krw=f)
    return g


def inflow(g: nx.DiGraph, firm: str) -> float:
    return sum(e["flow_krw"] for _, _, e in g.in_edges(firm, data=True))


# ------------------------------------------------------------------------------------------
# parameter file
# ------------------------------------------------------------------------------------------


def test_shipped_parameters_are_complete_and_sourced(params):
    assert set(params.local_input_share) == set(SECTORS)
    assert set(params.input_shares) == set(SECTORS)
    for item in params.local_input_share.values():
        assert 0.05 <= item.value <= 0.3 and item.source and item.status == "estimate"
    for row in [*params.input_shares.values(), *params.process_input_shares.values()]:
        assert math.isclose(sum(row.shares.values()), 1.0, abs_tol=1e-9)
        assert row.status == "estimate" and row.source.strip()
    for item in (params.decay_km, params.detour_factor, params.top_k, params.match_sigma):
        assert item.source and item.status in {"published", "estimate", "synthetic"}


def test_parameter_file_rejects_unknown_keys_and_bad_rows(raw_params):
    with pytest.raises(InputError, match="unknown key 'decay'"):
        parse_network_params({**raw_params, "decay": 3}, "net.yaml")
    bad = {**raw_params, "input_shares": {**raw_params["input_shares"]}}
    bad["input_shares"]["metals"] = {
        **bad["input_shares"]["metals"],
        "shares": {"metals": 0.5, "chemicals": 0.2},
    }
    with pytest.raises(InputError, match="sum to 1"):
        parse_network_params(bad, "net.yaml")
    missing = {
        **raw_params,
        "local_input_share": {"electronics": raw_params["local_input_share"]["electronics"]},
    }
    with pytest.raises(InputError, match="every sector"):
        parse_network_params(missing, "net.yaml")


# ------------------------------------------------------------------------------------------
# construction
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def firms() -> gpd.GeoDataFrame:
    return synthetic_firms()


@pytest.fixture(scope="module")
def net(firms, params) -> nx.DiGraph:
    return build_supply_network(firms, with_(params, max_local_sales_share=None), seed=11)


def test_nodes_carry_firm_attributes(net, firms):
    assert set(net.nodes) == set(firms["firm_id"])
    row = firms.iloc[7]
    node = net.nodes[row["firm_id"]]
    assert node["sector"] == row["sector"] and node["process"] == row["process"]
    assert node["complex_id"] == row["complex_id"] and node["employees"] == row["employees"]
    assert node["production_krw"] == pytest.approx(row["production_krw"])
    assert (node["x"], node["y"]) == pytest.approx((row.geometry.x, row.geometry.y))


def test_conservation_inflows_equal_local_input_share(net, firms, params):
    for row in firms.itertuples():
        expected = row.production_krw * params.local_input_share[row.sector].value
        assert inflow(net, row.firm_id) == pytest.approx(expected, rel=1e-6), row.firm_id
        shares = [e["share"] for _, _, e in net.in_edges(row.firm_id, data=True)]
        assert sum(shares) == pytest.approx(1.0, rel=1e-9)


def test_split_over_supplier_sectors_follows_the_process_or_sector_row(net, firms, params):
    for row in firms.itertuples():
        wanted = (
            params.process_input_shares.get(row.process) or params.input_shares[row.sector]
        ).shares
        got = dict.fromkeys(SECTORS, 0.0)
        for u, _, e in net.in_edges(row.firm_id, data=True):
            got[net.nodes[u]["sector"]] += e["share"]
        for s in SECTORS:
            assert got[s] == pytest.approx(wanted.get(s, 0.0), abs=1e-9), (row.firm_id, s)


def test_sparse_no_self_loops_and_positive_flows(net, params):
    k = params.top_k.value
    assert nx.number_of_selfloops(net) == 0
    for firm in net:
        per_sector: dict[str, int] = {}
        for u, _, e in net.in_edges(firm, data=True):
            assert e["flow_krw"] > 0 and e["road_km"] > 0
            per_sector[net.nodes[u]["sector"]] = per_sector.get(net.nodes[u]["sector"], 0) + 1
        assert all(c <= k for c in per_sector.values()), (firm, per_sector)


def test_sole_firm_of_a_sector_does_not_buy_from_itself_and_keeps_its_total(params):
    rows = [
        ("T0", "textiles", "fibre-line", 1e10, 128.40, 36.10),
        ("C0", "chemicals", "plastics-moulding", 1e10, 128.41, 36.11),
        ("C1", "chemicals", "plastics-moulding", 1e10, 128.42, 36.12),
    ]
    g = build_supply_network(frame(rows), params, seed=0)
    assert not g.has_edge("T0", "T0")
    # textiles row: the own-sector share moves to the remaining available sector (chemicals)
    assert inflow(g, "T0") == pytest.approx(1e10 * params.local_input_share["textiles"].value)
    # plastics moulding buys no textiles, and its other supplier sectors are absent: C1 only
    assert "textiles" not in params.process_input_shares["plastics-moulding"].shares
    assert list(g.predecessors("C0")) == ["C1"]
    assert inflow(g, "C0") == pytest.approx(1e10 * params.local_input_share["chemicals"].value)


def test_nearer_identical_supplier_gets_more_by_the_decay_law(params):
    p = with_(params, match_sigma=0.0, max_local_sales_share=None)
    rows = [
        ("C", "electronics", "smt-assembly", 1e11, 128.40, 36.10),
        ("NEAR", "metals", "machining", 1e12, 128.41, 36.10),
        ("FAR", "metals", "machining", 1e12, 128.46, 36.10),
    ]
    g = build_supply_network(frame(rows), p, seed=0)
    near, far = g.edges["NEAR", "C"], g.edges["FAR", "C"]
    assert near["flow_krw"] > far["flow_krw"]
    detour = p.detour_factor.value
    km_near = haversine_km(128.40, 36.1, 128.41, 36.1)
    km_far = haversine_km(128.40, 36.1, 128.46, 36.1)
    assert near["road_km"] == pytest.approx(detour * km_near, rel=5e-3)
    assert far["road_km"] == pytest.approx(detour * km_far, rel=5e-3)
    ratio = math.exp(-(near["road_km"] - far["road_km"]) / p.decay_km.value)
    assert near["flow_krw"] / far["flow_krw"] == pytest.approx(ratio, rel=1e-9)
    # C is the only electronics firm, so its whole local purchase goes to metals
    local = 1e11 * p.local_input_share["electronics"].value
    assert near["flow_krw"] + far["flow_krw"] == pytest.approx(local, rel=1e-9)


def test_only_the_top_k_suppliers_of_a_sector_are_kept(params):
    p = with_(params, match_sigma=0.0, top_k=3)
    rows = [("C", "machinery", "machining", 1e11, 128.40, 36.10)]
    rows += [
        (f"S{i}", "metals", "machining", 1e9, 128.40 + 0.005 * (i + 1), 36.10) for i in range(6)
    ]
    g = build_supply_network(frame(rows), p, seed=0)
    assert sorted(g.predecessors("C")) == ["S0", "S1", "S2"]  # the three nearest


def test_supplier_cap_limits_local_sales_and_records_unmet_demand(params):
    # a large buyer between one tiny and one large chemical supplier; the suppliers buy nothing
    data = with_(params, match_sigma=0.0, max_local_sales_share=0.5).model_dump()
    data["local_input_share"]["chemicals"]["value"] = 0.0
    p = NetworkParams.model_validate(data)
    rows = [
        ("BIG", "electronics", "display-fab", 1e12, 128.40, 36.10),
        ("TINY", "chemicals", "plastics-moulding", 1e9, 128.401, 36.10),
        ("LARGE", "chemicals", "plastics-moulding", 5e11, 128.45, 36.10),
    ]
    g = build_supply_network(frame(rows), p, seed=0)
    for firm in g:
        sales = sum(e["flow_krw"] for _, _, e in g.out_edges(firm, data=True))
        assert sales <= 0.5 * g.nodes[firm]["production_krw"] * (1 + 1e-9)
        assert sales == pytest.approx(g.nodes[firm]["local_sales_krw"])
    # BIG is the only electronics firm: all its local purchases (20 %) go to chemicals
    demand = 1e12 * p.local_input_share["electronics"].value
    assert g.nodes["BIG"]["local_demand_krw"] == pytest.approx(demand)
    assert inflow(g, "BIG") == pytest.approx(demand, rel=1e-6)  # LARGE takes what TINY cannot
    assert g.edges["TINY", "BIG"]["flow_krw"] == pytest.approx(0.5 * 1e9, rel=1e-6)
    assert g.graph["unmet_local_demand_krw"] == pytest.approx(0.0, abs=1e-6 * demand)
    # a smaller cap cannot be met: the buyer buys the rest outside, and it is recorded
    g2 = build_supply_network(frame(rows), with_(p, max_local_sales_share=0.2), seed=0)
    assert inflow(g2, "BIG") == pytest.approx(0.2 * 1e9 + 0.2 * 5e11, rel=1e-9)
    assert g2.nodes["BIG"]["local_inputs_krw"] == pytest.approx(inflow(g2, "BIG"))
    assert g2.graph["unmet_local_demand_krw"] == pytest.approx(demand - inflow(g2, "BIG"))


def test_deterministic_and_independent_of_row_order(firms, params):
    a = build_supply_network(firms, params, seed=5)
    b = build_supply_network(firms.iloc[::-1], params, seed=5)
    c = build_supply_network(firms, params, seed=6)
    ea = sorted(a.edges(data="flow_krw"))
    assert ea == sorted(b.edges(data="flow_krw"))
    assert ea != sorted(c.edges(data="flow_krw"))  # the seed moves the pair affinities
    p0 = with_(params, match_sigma=0.0)
    assert sorted(build_supply_network(firms, p0, seed=1).edges(data="flow_krw")) == sorted(
        build_supply_network(firms, p0, seed=2).edges(data="flow_krw")
    )


def test_bad_firm_tables_are_rejected(firms, params):
    with pytest.raises(ValueError, match="duplicate firm_id"):
        build_supply_network(firms.assign(firm_id="X"), params)
    with pytest.raises(ValueError, match="unknown sector"):
        build_supply_network(firms.assign(sector="food"), params)
    with pytest.raises(ValueError, match="lacks column"):
        build_supply_network(firms.drop(columns="production_krw"), params)


def test_builds_2151_firms_quickly(params):
    big = synthetic_firms(2151, seed=9)
    t0 = time.perf_counter()
    g = build_supply_network(big, params, seed=1)
    assert time.perf_counter() - t0 < 5.0
    assert g.number_of_nodes() == 2151
    assert g.number_of_edges() <= 2151 * len(SECTORS) * params.top_k.value


# ------------------------------------------------------------------------------------------
# queries
# ------------------------------------------------------------------------------------------


def test_suppliers_and_customers_tables(net):
    firm = max(net, key=net.in_degree)
    sup = suppliers_of(net, firm)
    assert list(sup.columns[:4]) == ["firm_id", "name", "sector", "complex_id"]
    assert set(sup["firm_id"]) == set(net.predecessors(firm))
    assert sup["flow_krw"].sum() == pytest.approx(inflow(net, firm))
    assert sup["flow_krw"].is_monotonic_decreasing
    hub = max(net, key=net.out_degree)
    cus = customers_of(net, hub)
    assert set(cus["firm_id"]) == set(net.successors(hub))
    assert cus["flow_krw"].sum() == pytest.approx(net.nodes[hub]["local_sales_krw"])
    with pytest.raises(KeyError):
        suppliers_of(net, "nope")


def test_complex_flows_add_up():
    g = graph({"A": 100, "B": 100, "C": 100}, [("A", "B", 10), ("A", "C", 5), ("B", "C", 7)])
    g.nodes["A"]["complex_id"] = "1"
    g.nodes["B"]["complex_id"] = "2"
    g.nodes["C"]["complex_id"] = "2"
    df = complex_flows(g)
    got = {(r.from_complex, r.to_complex): (r.flow_krw, r.n_links) for r in df.itertuples()}
    assert got == {("1", "2"): (15.0, 2), ("2", "2"): (7.0, 1)}
    assert list(df["from_complex"]) == ["1", "2"]  # largest first


# ------------------------------------------------------------------------------------------
# capacity propagation
# ------------------------------------------------------------------------------------------


def test_normal_capacity_gives_normal_output(net):
    out = propagate_capacity(net, {})
    assert set(out) == set(net) and all(v == 1.0 for v in out.values())
    assert all(v == 1.0 for v in propagate_capacity(net, dict.fromkeys(net, 1.0)).values())


def test_sole_supplier_down_closed_form():
    g = graph({"A": 50, "C": 100}, [("A", "C", 20)])  # C depends on A for 20 % of its output
    assert propagate_capacity(g, {"A": 0.0})["C"] == pytest.approx(0.8)
    assert propagate_capacity(g, {"A": 0.5})["C"] == pytest.approx(0.9)
    assert propagate_capacity(g, {"A": 0.0, "C": 0.7})["C"] == pytest.approx(0.7)  # own cap
    assert propagate_capacity(g, {"C": 0.3})["A"] == 1.0  # no demand-side effect


def test_mixed_suppliers_deliver_pro_rata():
    g = graph({"A": 1, "B": 1, "C": 100}, [("A", "C", 15), ("B", "C", 10)])  # d = 0.25
    out = propagate_capacity(g, {"A": 0.5})
    assert out["C"] == pytest.approx(1 - 0.25 * (1 - (0.6 * 0.5 + 0.4 * 1.0)))


def test_chain_propagates_and_rounds_limit_the_reach():
    g = graph({"A": 10, "B": 100, "C": 100}, [("A", "B", 30), ("B", "C", 20)])
    full = propagate_capacity(g, {"A": 0.0})
    assert full["B"] == pytest.approx(0.7)
    assert full["C"] == pytest.approx(1 - 0.2 * 0.3)
    one = propagate_capacity(g, {"A": 0.0}, rounds=1)
    assert one["B"] == pytest.approx(0.7) and one["C"] == 1.0
    assert propagate_capacity(g, {"A": 0.0}, rounds=0)["B"] == 1.0


def test_cycles_terminate_at_the_fixed_point():
    # B buys half its local inputs from A, half from C; C buys from B: B <-> C is a cycle
    g = graph({"A": 10, "B": 100, "C": 100}, [("A", "B", 25), ("C", "B", 25), ("B", "C", 40)])
    out = propagate_capacity(g, {"A": 0.0})
    b = 0.65 / 0.9  # b = 0.5 + 0.25 c, c = 0.6 + 0.4 b
    assert out["B"] == pytest.approx(b, abs=1e-9)
    assert out["C"] == pytest.approx(0.6 + 0.4 * b, abs=1e-9)
    # fully dependent two-firm loop (d = 1 both ways) still terminates
    loop = graph({"A": 10, "B": 10}, [("A", "B", 10), ("B", "A", 10)])
    assert propagate_capacity(loop, {"A": 0.5}) == pytest.approx({"A": 0.5, "B": 0.5})


def test_bad_capacity_inputs():
    g = graph({"A": 10, "C": 100}, [("A", "C", 20)])
    with pytest.raises(KeyError):
        propagate_capacity(g, {"Z": 0.5})
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        propagate_capacity(g, {"A": 1.5})
    with pytest.raises(ValueError, match="more locally than it produces"):
        propagate_capacity(graph({"A": 10, "C": 10}, [("A", "C", 20)]), {})


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_propagation_is_monotone(net, data):
    firms = sorted(net)
    picked = data.draw(st.lists(st.sampled_from(firms), min_size=1, max_size=8, unique=True))
    high = {f: data.draw(st.floats(0.0, 1.0)) for f in picked}
    low = {f: v * data.draw(st.floats(0.0, 1.0)) for f, v in high.items()}
    y_high = propagate_capacity(net, high)
    y_low = propagate_capacity(net, low)
    for f in firms:
        assert y_low[f] <= y_high[f] + 1e-12
        assert 0.0 <= y_high[f] <= high.get(f, 1.0) + 1e-12


# ------------------------------------------------------------------------------------------
# bottlenecks
# ------------------------------------------------------------------------------------------


def test_hub_of_a_star_ranks_first_with_the_closed_form_risk():
    production = {"HUB": 50, "S": 50, **{f"C{i}": 100 for i in range(5)}}
    flows = [("HUB", f"C{i}", 20) for i in range(5)] + [("S", "C0", 5)]
    df = supply_bottlenecks(graph(production, flows), top=3)
    assert list(df.columns[:6]) == [
        "firm_id",
        "name",
        "sector",
        "complex_id",
        "downstream_output_at_risk_krw",
        "n_customers",
    ]
    assert df.loc[0, "firm_id"] == "HUB" and df.loc[0, "n_customers"] == 5
    # C0 loses 20/25 of its 25 % dependency = 20; C1..C4 lose 20 each
    assert df.loc[0, "downstream_output_at_risk_krw"] == pytest.approx(100.0)
    assert df.loc[1, "firm_id"] == "S"
    assert df.loc[1, "downstream_output_at_risk_krw"] == pytest.approx(5.0)


def test_bottlenecks_of_a_fully_dependent_loop():
    loop = graph({"A": 10, "B": 30, "C": 5}, [("A", "B", 30), ("B", "A", 10), ("A", "C", 1)])
    df = supply_bottlenecks(loop, top=None).set_index("firm_id")
    # A stops: B (d = 1) stops, C loses 1/5 of its output
    assert df.loc["A", "downstream_output_at_risk_krw"] == pytest.approx(30 + 1)
    # B stops: A (d = 1) stops, so C also loses 1
    assert df.loc["B", "downstream_output_at_risk_krw"] == pytest.approx(10 + 1)
    assert df.loc["C", "downstream_output_at_risk_krw"] == 0.0


def test_bottleneck_risk_equals_brute_force_propagation(net):
    df = supply_bottlenecks(net, top=None)
    assert len(df) == net.number_of_nodes()
    assert df["downstream_output_at_risk_krw"].is_monotonic_decreasing
    production = {f: net.nodes[f]["production_krw"] for f in net}
    for firm in [*df["firm_id"].head(3), df["firm_id"].iloc[len(df) // 2]]:
        y = propagate_capacity(net, {firm: 0.0})
        lost = sum(production[f] * (1 - y[f]) for f in net if f != firm)
        got = df.set_index("firm_id").loc[firm, "downstream_output_at_risk_krw"]
        assert got == pytest.approx(lost, rel=1e-6, abs=1e-3)
