"""`twin compare`: paired differences, waterfalls that add up, assumptions that differ."""

import numpy as np
import pandas as pd
import pytest

from twin.cli import main
from twin.compare import compare, differing_assumptions, per_replication, waterfall
from twin.config.scenario import load_scenario
from twin.projection import RunSettings
from twin.scenario_run import run_scenario

TINY = RunSettings(days=2.0, warmup_days=1.0, replications=2, seed=11)


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GUMI_TWIN_CACHE", str(tmp_path / "cache"))


def test_paired_difference_is_the_per_replication_difference():
    cmp = compare(
        ["scenarios/baseline.yaml", "scenarios/only-yield-optimisation.yaml"], TINY, workers=1
    )
    a = per_replication(cmp.results[0])
    b = per_replication(cmp.results[1])
    d = cmp.differences
    last = int(d["year"].max())
    row = d[(d["scenario"] == "only-yield-optimisation") & (d["year"] == last)]
    row = row.set_index("kpi")
    expected = (b.loc[last, "electricity_mwh"] - a.loc[last, "electricity_mwh"]).mean()
    assert row.loc["electricity_mwh", "diff"] == pytest.approx(expected, rel=1e-12)
    first = d[d["scenario"] == "baseline"]
    assert (first["diff"] == 0).all()


def test_waterfall_steps_add_up_to_the_scenario_change():
    """Conservation: the steps' changes sum to the scenario minus its baseline, per KPI."""
    scenario = load_scenario("scenarios/only-yield-optimisation.yaml")
    w = waterfall(scenario, TINY, workers=1)
    res = run_scenario("scenarios/only-yield-optimisation.yaml", TINY, workers=1)
    sc, bl = per_replication(res, "scenario"), per_replication(res, "baseline")
    for kpi in ("value_added_krw", "electricity_mwh", "co2_t"):
        for year in (2025, 2032):
            steps = w[(w["kpi"] == kpi) & (w["year"] == year)]
            total = (sc.loc[year, kpi] - bl.loc[year, kpi]).mean()
            assert steps["change"].sum() == pytest.approx(total, rel=1e-9, abs=1e-6)
    assert list(w["name"].unique()) == ["non-lever changes", "+ yield_optimisation"]


def test_differing_assumptions_lists_only_what_differs():
    a = load_scenario("scenarios/gumi-ax-2032.yaml")
    b = load_scenario("scenarios/only-yield-optimisation.yaml")
    t = differing_assumptions([a, b])
    assert "grid_factor_t_per_mwh.value" not in set(t["setting"])  # the same in both
    assert any(s.startswith("vision_qc") or "vision_qc" in s for s in t["setting"])
    assert differing_assumptions([a, a]).empty
    assert list(t.columns) == ["setting", a.name, b.name]
    assert isinstance(t, pd.DataFrame) and np.all(t["setting"].str.len() > 0)


def test_cli_compare_prints_and_writes(tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(
        [
            "compare",
            "scenarios/baseline.yaml",
            "scenarios/only-yield-optimisation.yaml",
            "--replications",
            "2",
            "--days",
            "2",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "paired difference to baseline" in text and "yield" in text
    falls = pd.read_csv(out / "waterfalls.csv")
    assert "+ yield_optimisation" in set(falls["name"])
    assert (out / "differences.csv").is_file() and (out / "assumptions.csv").is_file()


def test_cli_compare_needs_two_scenarios(capsys):
    assert main(["compare", "scenarios/baseline.yaml"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "two or more" in err
