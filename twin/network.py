"""Supply network of the complex: who buys intermediate inputs from whom, and what breaks.

A directed graph (:class:`networkx.DiGraph`) whose nodes are firms and whose edges run from a
supplier to a customer, carrying the customer's annual purchases from that supplier. Pure domain
code: parameters arrive validated (:class:`twin.config.network.NetworkParams`), firms arrive as a
GeoDataFrame; nothing here reads files or prints.

How the graph is built (:func:`build_supply_network`)
------------------------------------------------------
For customer ``c`` with production ``P_c`` and sector ``s_c``:

1. Local purchases ``L_c = P_c * local_input_share[s_c]``: intermediate inputs bought from firms
   inside the complex (the rest of its inputs comes from outside Gumi).
2. ``L_c`` splits over supplier sectors by the input-share row of the customer's process (if the
   parameters have one) or sector. Supplier sectors with no eligible firm (no firm of that
   sector other than ``c`` with positive production) are dropped and the row is renormalised,
   so ``sum of inflows = L_c`` whenever any sector is available; a customer with no eligible
   supplier at all buys nothing locally (``L_c = 0``).
3. Within supplier sector ``s``, every firm ``j != c`` of that sector gets the gravity weight
   ``w_cj = P_j * exp(-road_km_cj / decay_km) * a_cj`` with ``road_km = straight-line km *
   detour_factor`` and a firm-pair affinity ``a_cj = exp(match_sigma * z_cj)``, ``z_cj`` standard
   normal from the named stream ``stream(seed, "network", "affinity", firm_id_c)`` (one draw per
   firm of the frame, in ``firm_id`` order; ``match_sigma = 0`` gives pure gravity and no random
   numbers are drawn). Only the ``top_k`` largest weights are kept (ties go to the smaller
   ``firm_id``) and renormalised: ``flow_cj = L_c * row[s] * w_cj / sum_kept w``.
4. Optional supplier cap (``max_local_sales_share``, ``u``): a supplier's local sales may not
   exceed ``u * P_j``. Suppliers above it get their gravity mass ``P_j`` divided by their
   excess ratio and the allocation is redone (a doubly-constrained gravity model), so
   customers shift to other suppliers among their ``4 * top_k`` best unconstrained candidates
   per sector; the round with the least total excess is kept (rounds stop when no cap is
   exceeded, after 20 rounds without improvement, or after 200). Whatever still exceeds a cap
   is then cut pro rata: that demand is bought outside Gumi, the customer's local purchases
   fall below ``L_c`` and the total is recorded as ``g.graph["unmet_local_demand_krw"]``.
   Without a cap (or while no cap binds) inflows sum to ``L_c`` exactly.

Edge attributes: ``flow_krw`` (annual KRW), ``share`` (of the customer's local purchases ``L_c``;
a customer's shares sum to 1) and ``road_km``. Node attributes: ``name``, ``sector``,
``process``, ``complex_id``, ``production_krw``, ``employees``, ``x`` / ``y`` (lon / lat),
``local_demand_krw`` (``L_c``), ``local_inputs_krw`` (sum of inflows, ``L_c`` unless a supplier
cap binds), ``local_input_share`` (inflows / ``P_c``) and ``local_sales_krw`` (sum of outflows).

How a shortfall propagates (:func:`propagate_capacity`)
--------------------------------------------------------
Each firm ``c`` has a capacity factor ``k_c`` (1 = normal; a firm not named has 1) and an
achievable output factor ``y_c``. Its dependency on local inputs is ``d_c = sum of inflows /
P_c`` and the share of its local inputs that arrives is ``delta_c = sum_j share_jc * y_j``
(a supplier producing ``y_j`` of normal delivers ``y_j`` of every order: pro-rata rationing).
The rule is linear in the missing inputs::

    y_c = min(k_c, 1 - d_c * (1 - delta_c))

i.e. output falls by the value of the local inputs that do not arrive, relative to output (a
customer losing every local input keeps ``1 - d_c``; a strict Leontief rule, where any missing
input stops the line, would be harsher). Inputs from outside the complex always arrive and
demand-side effects (customers buying less from their suppliers) are not modelled.

The map is monotone (lower ``y`` upstream never raises ``y`` downstream), so iterating from
``y = k`` gives a non-increasing sequence that converges to the largest fixed point below ``k``;
it is a contraction with factor ``max d_c < 1``, so cycles are fine and the iteration stops when
no factor changes by more than ``tol``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse

from twin.config.network import SECTORS, NetworkParams
from twin.core.streams import stream
from twin.spatial import distance_km

__all__ = [
    "SupplyLinks",
    "attribute_shortfall",
    "build_supply_network",
    "complex_flows",
    "customers_of",
    "propagate_capacity",
    "suppliers_of",
    "supply_bottlenecks",
    "supply_limited_factors",
    "supply_links",
]

_REQUIRED = ("firm_id", "sector", "production_krw", "geometry")
_CHUNK = 512  # customers per block of the distance matrix (bounds memory to ~10 MB a block)
_CANDIDATE_FACTOR = 4  # candidates kept per customer and sector: top_k x this
_BALANCING_ROUNDS = 200
_STALL_ROUNDS = 20
_MAX_ROUNDS = 10_000
_AFFECTED = 1e-3  # output-factor loss from which a firm counts as affected


def build_supply_network(
    firms: gpd.GeoDataFrame, params: NetworkParams, seed: int = 0
) -> nx.DiGraph:
    """Build the supplier-to-customer graph of the firms (see the module docstring).

    Parameters
    ----------
    firms
        One row per firm, point geometries with a CRS, and columns ``firm_id`` (unique),
        ``sector`` (one of :data:`twin.config.network.SECTORS`), ``production_krw`` (annual,
        >= 0) and optionally ``name``, ``process``, ``complex_id``, ``employees`` (other
        columns are ignored). Row order does not matter: firms are processed in ``firm_id``
        order.
    params
        Validated network parameters (``data/network.yaml``).
    seed
        Root seed of the firm-pair affinities (unused when ``match_sigma`` is 0).

    Returns
    -------
    networkx.DiGraph
        Nodes keyed by ``firm_id``; edges supplier -> customer with ``flow_krw``, ``share`` and
        ``road_km``; no self-loops; per customer at most ``top_k`` suppliers of each sector.
        ``g.graph`` records the parameters' name, the seed, the gravity parameters and
        ``unmet_local_demand_krw`` (purchases pushed outside the complex by the supplier cap).

    Raises
    ------
    ValueError
        On a missing column, a duplicate ``firm_id``, an unknown sector, a negative or
        non-finite production, a missing CRS or a geometry that is not a point.
    """
    frame = _checked_frame(firms)
    n = len(frame)
    n_sec = len(SECTORS)
    ids = frame["firm_id"].to_numpy(dtype=object)
    sectors = frame["sector"].to_numpy(dtype=object)
    processes = frame["process"].to_numpy(dtype=object)
    production = frame["production_krw"].to_numpy(dtype=float)
    geoms = frame.geometry

    decay = params.decay_km.value
    detour = params.detour_factor.value
    k = params.top_k.value
    sigma = params.match_sigma.value
    beta = 1.0 if params.supplier_size_exponent is None else params.supplier_size_exponent.value
    mass_w = production**beta  # sub-linear: giants do not supply everyone
    m = k * _CANDIDATE_FACTOR

    # Candidates: per customer and supplier sector, the m best suppliers by unconstrained
    # gravity weight (index -1 = none), with their mass-free weight and road distance.
    cand = np.full((n, n_sec, m), -1, dtype=np.int64)
    base = np.zeros((n, n_sec, m))
    road_km = np.zeros((n, n_sec, m))
    members = [np.flatnonzero(sectors == s) for s in SECTORS]
    for start in range(0, n, _CHUNK):
        block = np.arange(start, min(start + _CHUNK, n))
        road = distance_km(geoms.iloc[block], geoms) * detour
        pull = np.exp(-road / decay)
        if sigma > 0:
            z = np.vstack(
                [stream(seed, "network", "affinity", str(ids[c])).standard_normal(n) for c in block]
            )
            pull *= np.exp(sigma * z)
        pull[np.arange(block.size), block] = 0.0  # never buy from oneself
        for si, group in enumerate(members):
            if group.size == 0:
                continue
            w = mass_w[group][None, :] * pull[:, group]
            mm = min(m, group.size)
            order = np.argsort(-w, axis=1, kind="stable")[:, :mm]  # ties: smaller firm_id
            ok = np.take_along_axis(w, order, axis=1) > 0
            chosen = group[order]
            cand[block, si, :mm] = np.where(ok, chosen, -1)
            base[block, si, :mm] = np.where(ok, np.take_along_axis(pull[:, group], order, 1), 0)
            road_km[block, si, :mm] = np.take_along_axis(road[:, group], order, axis=1)

    # Demand: local purchases by supplier sector, rows renormalised over available sectors.
    available = cand[:, :, 0] >= 0
    rows = np.array(
        [
            [params.input_row(sectors[i], processes[i]).get(s, 0.0) for s in SECTORS]
            for i in range(n)
        ],
        dtype=float,
    ).reshape(n, n_sec)
    rows = np.where(available, rows, 0.0)
    row_sum = rows.sum(axis=1)
    sector_share = np.divide(
        rows, row_sum[:, None], out=np.zeros_like(rows), where=row_sum[:, None] > 0
    )
    local_share = np.array([params.local_share(s) for s in sectors], dtype=float)
    demand = production * local_share * (row_sum > 0)
    demand_cs = demand[:, None] * sector_share

    # Allocation, with balancing of supplier masses when local sales are capped.
    cap_share = None if params.max_local_sales_share is None else params.max_local_sales_share.value
    if cap_share is None:
        flows = _allocate(cand, base, mass_w, demand_cs, k)
    else:
        flows = _balance(cand, base, mass_w, demand_cs, k, cap_share * production)

    inputs = flows.sum(axis=(1, 2))
    sales = _sales(cand, flows, n)

    g = nx.DiGraph(
        name=params.name,
        seed=int(seed),
        decay_km=decay,
        detour_factor=detour,
        top_k=k,
        match_sigma=sigma,
        max_local_sales_share=cap_share,
        unmet_local_demand_krw=float(max(demand.sum() - inputs.sum(), 0.0)),
    )
    lonlat = geoms.to_crs("EPSG:4326")
    x = lonlat.x.to_numpy()
    y = lonlat.y.to_numpy()
    names = frame["name"].astype(str).to_numpy()
    complexes = frame["complex_id"].astype(str).to_numpy()
    employees = frame["employees"].fillna(0).astype(int).to_numpy()
    safe = np.where(production > 0, production, 1.0)
    for i in range(n):
        g.add_node(
            ids[i],
            name=str(names[i]),
            sector=str(sectors[i]),
            process=str(processes[i]),
            complex_id=str(complexes[i]),
            production_krw=float(production[i]),
            employees=int(employees[i]),
            x=float(x[i]),
            y=float(y[i]),
            local_demand_krw=float(demand[i]),
            local_inputs_krw=float(inputs[i]),
            local_input_share=float(inputs[i] / safe[i]) if production[i] > 0 else 0.0,
            local_sales_krw=float(sales[i]),
        )
    c_idx, s_idx, r_idx = np.nonzero(flows > 0)
    j_idx = cand[c_idx, s_idx, r_idx]
    f_all = flows[c_idx, s_idx, r_idx]
    share = f_all / inputs[c_idx]
    km = road_km[c_idx, s_idx, r_idx]
    g.add_edges_from(
        (ids[j], ids[c], {"flow_krw": float(f), "share": float(sh), "road_km": float(d)})
        for c, j, f, sh, d in zip(c_idx, j_idx, f_all, share, km, strict=True)
    )
    return g


def _balance(
    cand: np.ndarray,
    base: np.ndarray,
    mass0: np.ndarray,
    demand_cs: np.ndarray,
    k: int,
    cap: np.ndarray,
) -> np.ndarray:
    """Allocate with supplier caps: balancing of gravity masses, then a pro-rata cut.

    Each round divides the gravity mass of every supplier above its cap by its excess ratio
    ``sales / cap`` and reallocates (the top-``k`` choice among the candidates is redone, so
    the total excess need not fall every round); the allocation with the smallest total
    excess over the caps is kept. Rounds stop when no cap is exceeded, after
    ``_STALL_ROUNDS`` rounds without improvement, or after ``_BALANCING_ROUNDS``. Flows of
    suppliers still above their cap are then cut pro rata (that demand goes unmet locally).
    """
    n = mass0.size
    mass = mass0.copy()
    flows = _allocate(cand, base, mass, demand_cs, k)
    best, best_excess, since = flows, np.inf, 0
    tol = 1e-9 * max(float(demand_cs.sum()), 1.0)
    for _ in range(_BALANCING_ROUNDS):
        sales = _sales(cand, flows, n)
        excess = float(np.maximum(sales - cap, 0.0).sum())
        if excess < best_excess * (1.0 - 1e-6):
            best, best_excess, since = flows, excess, 0
        else:
            since += 1
        if best_excess <= tol or since >= _STALL_ROUNDS:
            break
        mass = mass / np.maximum(np.divide(sales, cap, out=np.ones(n), where=cap > 0), 1.0)
        flows = _allocate(cand, base, mass, demand_cs, k)
    sales = _sales(cand, best, n)
    keep = np.divide(cap, sales, out=np.ones(n), where=sales > cap)
    return best * np.where(cand >= 0, keep[np.maximum(cand, 0)], 0.0)


def _allocate(
    cand: np.ndarray, base: np.ndarray, mass: np.ndarray, demand_cs: np.ndarray, k: int
) -> np.ndarray:
    """Flows ``[customer, sector, candidate]``: top-``k`` gravity weights, renormalised."""
    valid = cand >= 0
    w = np.where(valid, mass[np.maximum(cand, 0)] * base, 0.0)
    order = np.argsort(-w, axis=2, kind="stable")[:, :, :k]  # ties: the unconstrained ranking
    kept = np.zeros(w.shape, dtype=bool)
    np.put_along_axis(kept, order, True, axis=2)
    w = np.where(kept, w, 0.0)
    total = w.sum(axis=2, keepdims=True)
    return demand_cs[:, :, None] * np.divide(w, total, out=np.zeros_like(w), where=total > 0)


def _sales(cand: np.ndarray, flows: np.ndarray, n: int) -> np.ndarray:
    """Each supplier's local sales (sum of its flows)."""
    valid = cand >= 0
    return np.bincount(cand[valid], weights=flows[valid], minlength=n)


def _checked_frame(firms: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Validate the firm table and return it sorted by ``firm_id`` with optional columns."""
    missing = [c for c in _REQUIRED if c not in firms.columns]
    if missing:
        raise ValueError(f"firms table lacks column(s): {', '.join(missing)}")
    frame = firms.copy()
    frame["firm_id"] = frame["firm_id"].astype(str)
    if frame["firm_id"].duplicated().any():
        dup = frame.loc[frame["firm_id"].duplicated(), "firm_id"].iloc[0]
        raise ValueError(f"duplicate firm_id {dup!r}")
    unknown = sorted({str(v) for v in frame["sector"]} - set(SECTORS))
    if unknown:
        raise ValueError(f"unknown sector(s) {unknown}; allowed: {', '.join(SECTORS)}")
    prod = frame["production_krw"].to_numpy(dtype=float)
    if not np.all(np.isfinite(prod)) or np.any(prod < 0):
        raise ValueError("production_krw must be finite and non-negative")
    if firms.crs is None:
        raise ValueError("firms need a CRS (EPSG:4326 lon/lat points)")
    if len(frame) and not (frame.geometry.geom_type == "Point").all():
        raise ValueError("firm geometries must be points")
    defaults = {"name": frame["firm_id"], "process": "", "complex_id": "", "employees": 0}
    for col, default in defaults.items():
        if col not in frame.columns:
            frame[col] = default
    frame["process"] = frame["process"].fillna("").astype(str)
    return frame.sort_values("firm_id", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------------


def _node(g: nx.DiGraph, firm_id: str) -> dict:
    if firm_id not in g:
        raise KeyError(f"no firm {firm_id!r} in the supply network")
    return g.nodes[firm_id]


def _partner_frame(g: nx.DiGraph, records: list[dict]) -> pd.DataFrame:
    cols = ["firm_id", "name", "sector", "complex_id", "flow_krw", "share", "road_km"]
    df = pd.DataFrame.from_records(records, columns=cols)
    return df.sort_values(["flow_krw", "firm_id"], ascending=[False, True], ignore_index=True)


def _partner_record(g: nx.DiGraph, other: str, edge: dict[str, Any]) -> dict[str, Any]:
    attrs = g.nodes[other]
    return {
        "firm_id": other,
        "name": attrs.get("name", other),
        "sector": attrs.get("sector"),
        "complex_id": attrs.get("complex_id"),
        "flow_krw": edge["flow_krw"],
        "share": edge.get("share"),
        "road_km": edge.get("road_km"),
    }


def suppliers_of(g: nx.DiGraph, firm_id: str) -> pd.DataFrame:
    """The firm's suppliers inside the complex, largest flow first.

    Parameters
    ----------
    g
        A supply network from :func:`build_supply_network`.
    firm_id
        The customer.

    Returns
    -------
    pandas.DataFrame
        One row per supplier: ``firm_id``, ``name``, ``sector``, ``complex_id``, ``flow_krw``
        (annual purchases), ``share`` (of the customer's local purchases) and ``road_km``.

    Raises
    ------
    KeyError
        If the firm is not in the network.
    """
    _node(g, firm_id)
    return _partner_frame(
        g, [_partner_record(g, sup, e) for sup, _, e in g.in_edges(firm_id, data=True)]
    )


def customers_of(g: nx.DiGraph, firm_id: str) -> pd.DataFrame:
    """The firm's customers inside the complex, largest flow first.

    Parameters
    ----------
    g
        A supply network from :func:`build_supply_network`.
    firm_id
        The supplier.

    Returns
    -------
    pandas.DataFrame
        One row per customer: ``firm_id``, ``name``, ``sector``, ``complex_id``, ``flow_krw``
        (annual sales to it), ``share`` (of *that customer's* local purchases, i.e. how much
        it depends on this supplier) and ``road_km``.

    Raises
    ------
    KeyError
        If the firm is not in the network.
    """
    _node(g, firm_id)
    return _partner_frame(
        g, [_partner_record(g, cus, e) for _, cus, e in g.out_edges(firm_id, data=True)]
    )


def complex_flows(g: nx.DiGraph) -> pd.DataFrame:
    """Annual KRW flows between complexes (supplier's complex -> customer's complex).

    Parameters
    ----------
    g
        A supply network.

    Returns
    -------
    pandas.DataFrame
        Columns ``from_complex``, ``to_complex``, ``flow_krw`` (sum of edge flows) and
        ``n_links`` (number of firm-to-firm edges), largest flow first; flows inside one complex
        appear with ``from_complex == to_complex``.
    """
    records = [
        (g.nodes[u].get("complex_id", ""), g.nodes[v].get("complex_id", ""), e["flow_krw"])
        for u, v, e in g.edges(data=True)
    ]
    df = pd.DataFrame.from_records(records, columns=["from_complex", "to_complex", "flow_krw"])
    out = (
        df.groupby(["from_complex", "to_complex"], sort=True)
        .agg(flow_krw=("flow_krw", "sum"), n_links=("flow_krw", "size"))
        .reset_index()
    )
    out["n_links"] = out["n_links"].astype(int)
    return out.sort_values(
        ["flow_krw", "from_complex", "to_complex"], ascending=[False, True, True], ignore_index=True
    )


# --------------------------------------------------------------------------------------------
# Capacity propagation and bottlenecks
# --------------------------------------------------------------------------------------------


def _dependency(g: nx.DiGraph) -> tuple[list[str], np.ndarray, np.ndarray, sparse.csr_array]:
    """Node order, production, dependency ``d`` and the row-stochastic input-share matrix ``S``.

    ``S[c, j]`` is the share of customer ``c``'s local purchases bought from ``j``, recomputed
    from ``flow_krw`` (so hand-built graphs need only ``production_krw`` and ``flow_krw``);
    ``d[c]`` is ``c``'s local purchases over its production.
    """
    ids = list(g.nodes)
    index = {f: i for i, f in enumerate(ids)}
    n = len(ids)
    production = np.array([float(g.nodes[f].get("production_krw", 0.0)) for f in ids])
    if not np.all(np.isfinite(production)) or np.any(production < 0):
        raise ValueError("production_krw must be finite and non-negative on every node")
    rows, cols, vals = [], [], []
    for u, v, e in g.edges(data=True):
        if u == v:
            raise ValueError(f"self-loop on {u!r}: a firm cannot supply itself")
        f = float(e["flow_krw"])
        if not np.isfinite(f) or f < 0:
            raise ValueError(f"flow {u!r} -> {v!r} must be finite and non-negative")
        rows.append(index[v])
        cols.append(index[u])
        vals.append(f)
    flows = sparse.csr_array(
        (
            np.array(vals, dtype=float),
            (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)),
        ),
        shape=(n, n),
    )
    inflow = np.asarray(flows.sum(axis=1)).ravel()
    d = np.divide(inflow, production, out=np.zeros(n), where=production > 0)
    if np.any(d > 1 + 1e-9):
        worst = ids[int(np.argmax(d))]
        raise ValueError(f"firm {worst!r} buys more locally than it produces (inflow > output)")
    d = np.minimum(d, 1.0)
    d[production <= 0] = 0.0
    scale = np.divide(1.0, inflow, out=np.zeros(n), where=inflow > 0)
    share = sparse.csr_array(sparse.diags_array(scale) @ flows)
    return ids, production, d, share


def propagate_capacity(
    g: nx.DiGraph,
    capacity: Mapping[str, float],
    rounds: int | None = None,
    tol: float = 1e-12,
) -> dict[str, float]:
    """Achievable output factor of every firm when some firms' capacity drops.

    Rule (see the module docstring): ``y_c = min(k_c, 1 - d_c * (1 - sum_j share_jc * y_j))``,
    iterated from ``y = k``. The iteration is monotone (non-increasing) and a contraction with
    factor ``max d_c``, so it terminates on cycles too.

    Parameters
    ----------
    g
        A supply network (nodes need ``production_krw``, edges ``flow_krw``).
    capacity
        Capacity factor in [0, 1] by ``firm_id`` (1 = normal, 0.7 = can deliver 70 %); firms not
        named have 1.
    rounds
        ``None``: iterate to the fixed point (until no factor changes by more than ``tol``,
        at most 10,000 rounds). An integer ``r``: exactly ``r`` rounds, i.e. shortfalls travel
        at most ``r`` links (``rounds=1``: direct customers only; ``0``: capacities only).
    tol
        Convergence tolerance on the largest change of a factor.

    Returns
    -------
    dict of str to float
        Output factor in [0, 1] for every firm of the network.

    Raises
    ------
    KeyError
        If ``capacity`` names a firm that is not in the network.
    ValueError
        If a capacity is outside [0, 1], ``rounds`` is negative, or the graph is inconsistent
        (self-loop, negative flow, local purchases above production).
    """
    if rounds is not None and rounds < 0:
        raise ValueError("rounds must be non-negative")
    ids, _, d, share = _dependency(g)
    index = {f: i for i, f in enumerate(ids)}
    cap = np.ones(len(ids))
    for firm, value in capacity.items():
        if firm not in index:
            raise KeyError(f"no firm {firm!r} in the supply network")
        v = float(value)
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"capacity of {firm!r} must be in [0, 1], got {value!r}")
        cap[index[firm]] = v
    y = cap.copy()
    limit = _MAX_ROUNDS if rounds is None else rounds
    for _ in range(limit):
        new = np.minimum(cap, 1.0 - d * (share @ (1.0 - y)))  # shares sum to 1 per customer
        new = np.minimum(np.clip(new, 0.0, 1.0), y)  # guard monotonicity against rounding
        change = float(np.max(np.abs(new - y))) if len(y) else 0.0
        y = new
        if rounds is None and change <= tol:
            break
    return {f: float(v) for f, v in zip(ids, y, strict=True)}


def supply_bottlenecks(g: nx.DiGraph, top: int | None = 10) -> pd.DataFrame:
    """Rank firms by the output the rest of the network loses if the firm stops.

    For each firm ``j``, ``downstream_output_at_risk_krw`` is the exact answer of
    :func:`propagate_capacity` with ``capacity = {j: 0}``: the sum over all *other* firms of
    ``production_krw * (1 - y_c)``, i.e. output lost by direct and indirect customers (the
    firm's own output is not counted). Because the rule is linear below capacity, all firms
    are computed at once: with ``M = diag(d) S`` and ``G = (I - M)^-1``, the loss vector when
    ``j`` stops is ``G[:, j] / G[j, j]``, so the risk is ``(P @ G)[j] / G[j, j] - P[j]``.
    This uses a dense inverse (O(n^3); about a second for ~2,000 firms). Graphs with a fully
    dependent firm (``d = 1``, only possible when built by hand) fall back to one propagation
    per supplier.

    Parameters
    ----------
    g
        A supply network (nodes need ``production_krw``, edges ``flow_krw``).
    top
        How many firms to return (``None``: all).

    Returns
    -------
    pandas.DataFrame
        Columns ``firm_id``, ``name``, ``sector``, ``complex_id``,
        ``downstream_output_at_risk_krw``, ``n_customers`` (direct), ``n_affected`` (other
        firms whose output would fall by at least 0.1 % of normal) and ``local_sales_krw`` (sum of
        outflows), highest risk first (ties by ``firm_id``).
    """
    ids, production, d, share = _dependency(g)
    n = len(ids)
    cols = [
        "firm_id",
        "name",
        "sector",
        "complex_id",
        "downstream_output_at_risk_krw",
        "n_customers",
        "n_affected",
        "local_sales_krw",
    ]
    if n == 0:
        return pd.DataFrame(columns=cols)
    if d.max() < 1.0 - 1e-9:  # I - M is invertible (M is substochastic with rows <= max d)
        m = (sparse.diags_array(d) @ share).toarray()
        inverse = np.linalg.inv(np.eye(n) - m)
        loss = inverse / np.diag(inverse)[None, :]  # loss[c, j]: factor lost by c if j stops
    else:  # a fully dependent firm (d = 1, hand-built graphs only): propagate firm by firm
        loss = np.eye(n)
        for j, f in enumerate(ids):
            if g.out_degree(f):
                y = propagate_capacity(g, {f: 0.0})
                loss[:, j] = [1.0 - y[h] for h in ids]
    risk = production @ loss - production
    affected = (loss >= _AFFECTED).sum(axis=0) - 1
    records = []
    for j, f in enumerate(ids):
        attrs = g.nodes[f]
        records.append(
            {
                "firm_id": f,
                "name": attrs.get("name", f),
                "sector": attrs.get("sector"),
                "complex_id": attrs.get("complex_id"),
                "downstream_output_at_risk_krw": float(max(risk[j], 0.0)),
                "n_customers": int(g.out_degree(f)),
                "n_affected": int(affected[j]),
                "local_sales_krw": float(
                    sum(e["flow_krw"] for _, _, e in g.out_edges(f, data=True))
                ),
            }
        )
    df = pd.DataFrame.from_records(records, columns=cols)
    df = df.sort_values(
        ["downstream_output_at_risk_krw", "firm_id"], ascending=[False, True], ignore_index=True
    )
    return df if top is None else df.head(top).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Growth limited by suppliers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SupplyLinks:
    """The supply network reduced to arrays: node order, dependency and input shares.

    ``dependency[c]`` is customer ``c``'s local purchases over its production and
    ``share[c, j]`` the share of those purchases bought from ``j`` (rows sum to 1 or 0).
    """

    firm_ids: tuple[str, ...]
    dependency: np.ndarray
    share: sparse.csr_array


def supply_links(g: nx.DiGraph) -> SupplyLinks:
    """The arrays of :class:`SupplyLinks` for a supply network (see :func:`_dependency`)."""
    ids, _, d, share = _dependency(g)
    return SupplyLinks(tuple(ids), d, share)


def supply_limited_factors(
    links: SupplyLinks,
    reference: np.ndarray,
    desired: np.ndarray,
    capacity: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Output factors once a gain over a reference path is limited by suppliers' spare capacity.

    All factors are relative to the base-year output. ``reference`` is the path the scenario
    takes as feasible for the whole network (the baseline's demand-driven output: suppliers
    keep up with market growth as stated in the scenario); ``desired`` is what each firm
    would produce with its levers, unconstrained by suppliers. A gain ``g = desired -
    reference`` needs local inputs in proportion (local purchases grow with output); supplier
    ``j`` can deliver extra up to its spare factor ``e_j = max(0, capacity_j - desired_j)``.
    As in :func:`propagate_capacity`, a shortfall of local inputs costs output only in
    proportion to the firm's dependency ``d`` (the rest of its inputs comes from outside)::

        y = desired - d * max(0, g - S @ e)

    so a firm without a gain, or whose suppliers have room, is not limited, and zero
    adoption (desired = reference) is never limited.

    Parameters
    ----------
    links
        The supply network as arrays.
    reference, desired, capacity
        Per firm in ``links.firm_ids`` order: reference output factor, desired output factor
        and capacity factor (the most the firm can make with its levers).

    Returns
    -------
    y, spare
        The supply-limited output factors and the suppliers' spare factors ``e``.
    """
    desired = np.asarray(desired, dtype=float)
    gain = np.maximum(desired - np.asarray(reference, dtype=float), 0.0)
    spare = np.maximum(np.asarray(capacity, dtype=float) - desired, 0.0)
    short = np.maximum(gain - links.share @ spare, 0.0)
    return desired - links.dependency * short, spare


def attribute_shortfall(
    links: SupplyLinks,
    gain: np.ndarray,
    spare: np.ndarray,
    lost: np.ndarray,
) -> np.ndarray:
    """Each supplier's part of the output its customers could not produce.

    A customer's lost output ``lost[c]`` is split over its suppliers in proportion to
    ``share[c, j] * max(0, gain[c] - spare[j])``: the suppliers whose spare capacity is
    short of the customer's gain, weighted by how much the customer buys from them.

    Returns
    -------
    numpy.ndarray
        Lost customer output attributed to each firm (same units as ``lost``), in
        ``links.firm_ids`` order; sums to the total of ``lost`` over customers that have a
        limiting supplier.
    """
    coo = links.share.tocoo()
    rows, cols = coo.coords
    w = coo.data * np.maximum(0.0, gain[rows] - spare[cols])
    total = np.bincount(rows, weights=w, minlength=len(gain))
    norm = np.divide(w, total[rows], out=np.zeros_like(w), where=total[rows] > 0)
    return np.bincount(cols, weights=norm * lost[rows], minlength=len(gain))
