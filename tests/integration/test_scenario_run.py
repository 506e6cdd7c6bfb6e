"""`twin run` end to end on the shipped scenarios (short runs)."""

import json

import numpy as np
import pandas as pd
import pytest

from twin.cli import main
from twin.projection import RunSettings
from twin.scenario_run import run_scenario, summary_table

TINY = RunSettings(days=2.0, warmup_days=1.0, replications=2, seed=11)


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GUMI_TWIN_CACHE", str(tmp_path / "cache"))


def test_zero_adoption_equals_baseline_exactly():
    """The baseline scenario adopts nothing: every KPI equals its baseline, to the bit."""
    res = run_scenario("scenarios/baseline.yaml", TINY, workers=1)
    t = res.tidy
    sc = t[t["case"] == "scenario"].drop(columns="case").reset_index(drop=True)
    bl = t[t["case"] == "baseline"].drop(columns="case").reset_index(drop=True)
    pd.testing.assert_frame_equal(sc, bl)
    assert (summary_table(res)["diff"] == 0).all()


def test_same_seed_same_result_and_cache_reuse():
    a = run_scenario("scenarios/only-yield-optimisation.yaml", TINY, use_cache=False, workers=1)
    b = run_scenario("scenarios/only-yield-optimisation.yaml", TINY, use_cache=True, workers=1)
    c = run_scenario("scenarios/only-yield-optimisation.yaml", TINY, use_cache=True, workers=1)
    pd.testing.assert_frame_equal(a.tidy, b.tidy)
    pd.testing.assert_frame_equal(b.tidy, c.tidy)


def test_yield_lever_saves_energy_for_the_same_demand():
    """Less scrap: the same demand needs fewer releases, so electricity does not rise
    (beyond the noise of a 2-day run: 0.1 %)."""
    res = run_scenario("scenarios/only-yield-optimisation.yaml", TINY, workers=1)
    s = summary_table(res)
    last = s[(s["kpi"] == "electricity_mwh") & (s["year"] == s["year"].max())].iloc[0]
    assert last["diff"] <= 1e-3 * last["baseline"]
    firms_years = res.tidy.groupby(["case", "year"])["employees"].sum().unstack(0)
    assert np.allclose(firms_years["scenario"], firms_years["baseline"])


def test_cli_run_writes_results(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(
        [
            "run",
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
    tidy = pd.read_parquet(out / "results.parquet")
    assert {
        "case",
        "year",
        "complex_id",
        "sector",
        "replication",
        "output_krw",
        "electricity_mwh",
        "co2_t",
        "peak_mw",
    } <= set(tidy.columns)
    assert sorted(tidy["year"].unique()) == list(range(2025, 2033))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario"] == "only-yield-optimisation" and manifest["scenario_hash"]
    assert "Production" in capsys.readouterr().out


def test_cli_run_bad_scenario_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nlevers: {vision: {level: typical}}\n")
    assert main(["run", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and err.count("\n") == 1


def test_serial_equals_parallel():
    """Same seed, same result, bit for bit, with 1 or 2 worker processes."""
    serial = run_scenario(
        "scenarios/only-yield-optimisation.yaml", TINY, use_cache=False, workers=1
    )
    parallel = run_scenario(
        "scenarios/only-yield-optimisation.yaml", TINY, use_cache=False, workers=2
    )
    pd.testing.assert_frame_equal(serial.tidy, parallel.tidy)
