"""The shipped scenarios (scenarios/*.yaml) validate, resolve and carry their sources."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from twin.adoption import adoption_share, adoption_table
from twin.config.firmbase import SECTORS, load_firmbase_params
from twin.config.loader import parse_yaml_text, read_yaml
from twin.config.scenario import (
    DEFAULTS_FILE,
    LEVER_NAMES,
    NUMBER_KEYS_WITHOUT_SOURCE,
    SIZE_CLASSES,
    load_scenario,
    parse_scenario,
    scenario_files,
)
from twin.core.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
STATUSES = {"published", "estimate", "synthetic"}
SHIPPED = {
    "baseline",
    "gumi-ax-2032",
    "gumi-ax-2032-sampled",
    "conservative",
    "aggressive",
    "energy-first",
    *(f"only-{lv.replace('_', '-')}" for lv in LEVER_NAMES),
}
FILES = scenario_files(SCENARIOS)
IDS = [p.stem for p in FILES]


@cache
def scenario(stem):
    return load_scenario(SCENARIOS / f"{stem}.yaml")


@cache
def firmbase():
    return load_firmbase_params(ROOT / "data" / "firmbase.yaml")


def test_the_expected_scenarios_are_shipped():
    assert set(IDS) == SHIPPED
    assert (SCENARIOS / DEFAULTS_FILE).is_file()


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_every_scenario_validates_and_is_named_after_its_file(path):
    s = load_scenario(path)
    assert s.name == path.stem
    assert s.label and s.description


def test_defaults_is_not_a_runnable_scenario():
    with pytest.raises(InputError, match="name"):
        parse_scenario(read_yaml(SCENARIOS / DEFAULTS_FILE), DEFAULTS_FILE)


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_extends_chains_resolve_to_the_defaults(path):
    chain = []
    current = path
    while True:
        raw = parse_yaml_text(current.read_text(encoding="utf-8"))
        chain.append(current.name)
        parent = raw.get("extends")
        if parent is None:
            break
        current = (current.parent / parent).resolve()
        assert current.is_file(), f"{path.name}: extends missing file {parent}"
        assert current.parent == SCENARIOS
        assert len(chain) < 5
    assert chain[-1] == DEFAULTS_FILE


def unsourced_numbers(node, path="", covered=False):
    """Paths of numbers with no enclosing mapping naming a source and a status."""
    if isinstance(node, dict):
        here = covered or ("source" in node and node.get("status") in STATUSES)
        for key, value in node.items():
            if key in NUMBER_KEYS_WITHOUT_SOURCE:
                continue
            yield from unsourced_numbers(value, f"{path}.{key}", here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from unsourced_numbers(value, f"{path}[{i}]", covered)
    elif isinstance(node, int | float) and not isinstance(node, bool) and not covered:
        yield path


@pytest.mark.parametrize("path", [*FILES, SCENARIOS / DEFAULTS_FILE], ids=[*IDS, "defaults"])
def test_every_number_has_source_and_status(path):
    for data in (read_yaml(path), parse_yaml_text(path.read_text(encoding="utf-8"))):
        missing = list(unsourced_numbers(data))
        assert not missing, f"{path.name}: numbers without source/status: {missing[:10]}"


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_every_assumption_has_source_and_status(path):
    s = load_scenario(path)
    assert s.assumptions
    for key, a in s.assumptions.items():
        assert a.statement.strip() and a.source.strip(), key
        assert a.status in STATUSES, key
    for lever, plan in s.lever_plans.items():
        for rule in plan.adoption:
            assert rule.source.strip() and rule.status in STATUSES, lever
    for anchor in s.anchors:
        assert anchor.source.strip() and anchor.status in STATUSES, anchor.firm


def test_sectors_and_size_classes_match_the_firm_base():
    params = firmbase()
    assert tuple(c.name for c in params.size_classes) == SIZE_CLASSES
    assert tuple(sector.name for sector in params.sectors) == SECTORS


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_anchor_names_are_firm_base_anchors(path):
    names = {a.name for a in firmbase().anchors}
    unknown = {a.firm for a in load_scenario(path).anchors} - names
    assert not unknown, f"{path.name}: unknown anchors {unknown}"


def test_context_is_the_same_in_every_scenario():
    """Differences between scenarios come from AI adoption only."""
    ref = scenario("baseline")
    for stem in SHIPPED:
        s = scenario(stem)
        assert s.horizon == ref.horizon and s.base_year == ref.base_year and s.seed == ref.seed
        assert s.demand_growth == ref.demand_growth
        assert s.grid_factor_t_per_mwh == ref.grid_factor_t_per_mwh
        assert s.carbon_price_krw_per_t == ref.carbon_price_krw_per_t
    assert ref.grid_factor_t_per_mwh.value == pytest.approx(0.4173)
    assert ref.years == tuple(range(2025, 2033))


def anchor_frame():
    """A small firm table: the firm base's anchors plus one firm per group."""
    rows = [
        {"firm_id": f"A{i:02d}", "name": a.name, "sector": a.sector, "size_class": "300+"}
        for i, a in enumerate(firmbase().anchors)
    ]
    for i, (sector, size) in enumerate((s, c) for s in SECTORS for c in SIZE_CLASSES):
        rows.append({"firm_id": f"G{i:02d}", "name": f"G{i}", "sector": sector, "size_class": size})
    return pd.DataFrame(rows)


def test_baseline_adopts_nothing():
    s = scenario("baseline")
    assert s.lever_plans == {} and s.anchors == [] and s.compute is None
    assert not adoption_table(anchor_frame(), s)["adopted"].any()


def test_the_plan_converts_the_ten_anchor_companies_by_2032():
    s = scenario("gumi-ax-2032")
    assert set(s.lever_plans) == set(LEVER_NAMES)
    firms = {a.name for a in firmbase().anchors}
    assert {a.firm for a in s.anchors} == firms
    companies = {n.removesuffix(" Gumi Plant 1").removesuffix(" Gumi Plant 2") for n in firms}
    assert len(companies) == 10
    assert max(a.year for a in s.anchors) <= 2032
    table = adoption_table(anchor_frame(), s, years=[2032])
    anchors = table[table["firm_id"].str.startswith("A")]
    assert anchors["adopted"].all()
    assert s.compute is not None and s.compute.gpus_at(2032) == 1000
    assert s.ecosystem.ai_practitioners.at(2032) == 1000
    assert s.ecosystem.ai_firms.at(2032) == 100


def curve_share(s, lever, size_class, year):
    for rule in s.lever_plans[lever].adoption:
        if rule.matches("electronics", size_class):
            return adoption_share(rule, year)
    return 0.0


def test_the_plan_sits_in_the_published_ranges():
    """Large firms about 10 % (2025) and 35-55 % (2032); 10-299 staff 15-30 % (2032).

    Shares count adoption after 2023; the 2023 levels of defaults.yaml are added back.
    """
    s = scenario("gumi-ax-2032")
    base = {"300+": 0.05, "50-299": 0.025, "10-49": 0.015, "1-9": 0.005}
    for lever in LEVER_NAMES:
        assert 0.07 <= curve_share(s, lever, "300+", 2025) + base["300+"] <= 0.13
        assert 0.35 <= curve_share(s, lever, "300+", 2032) + base["300+"] <= 0.55
        for size in ("10-49", "50-299"):
            assert 0.02 <= curve_share(s, lever, size, 2025) + base[size] <= 0.07
            assert 0.15 <= curve_share(s, lever, size, 2032) + base[size] <= 0.30


def test_scenarios_are_ordered_conservative_plan_aggressive():
    low, mid, high = scenario("conservative"), scenario("gumi-ax-2032"), scenario("aggressive")
    energy = scenario("energy-first")
    for lever in LEVER_NAMES:
        for size in SIZE_CLASSES:
            for year in range(2026, 2033):
                a, b, c = (curve_share(x, lever, size, year) for x in (low, mid, high))
                assert a <= b <= c, (lever, size, year)
                e = curve_share(energy, lever, size, year)
                if lever == "energy_optimisation":
                    assert e >= b - 1e-9, (size, year)
                else:
                    assert e == b
    assert [low.lever_plans[lv].level for lv in LEVER_NAMES] == ["low"] * 5
    assert [high.lever_plans[lv].level for lv in LEVER_NAMES] == ["high"] * 5
    assert energy.lever_plans["energy_optimisation"].level == "high"
    years = {x.name: max(a.year for a in x.anchors) for x in (low, mid, high)}
    assert years["aggressive"] <= years["gumi-ax-2032"] <= years["conservative"]
    gpus = [x.compute.gpus_at(2032) for x in (low, mid, high)]
    assert gpus == sorted(gpus)


@pytest.mark.parametrize("lever", LEVER_NAMES)
def test_single_lever_scenarios_hold_one_lever(lever):
    s = scenario(f"only-{lever.replace('_', '-')}")
    plan = scenario("gumi-ax-2032")
    assert list(s.lever_plans) == [lever]
    assert s.lever_plans[lever] == plan.lever_plans[lever]
    assert s.anchors == plan.anchors
    assert s.compute is None and s.ecosystem is None
    table = adoption_table(anchor_frame(), s, years=[2032])
    assert not table.loc[table["lever"] != lever, "adopted"].any()
    assert table.loc[table["lever"] == lever, "adopted"].any()


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_adoption_runs_on_every_scenario(path):
    s = load_scenario(path)
    groups = adoption_table(anchor_frame(), s, by="group")
    assert groups["share"].between(0, 1).all()
    assert groups["curve_share"].between(0, 1).all()
