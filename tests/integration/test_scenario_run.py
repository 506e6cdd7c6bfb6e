"""`twin run` end to end on the shipped scenarios (short runs)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from twin.cli import main
from twin.projection import RunSettings
from twin.scenario_run import run_scenario, summary_table, write_results

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


def _variant(tmp_path, name, uncertainty):
    """The yield-only scenario with another uncertainty mode (a file extending the shipped one)."""
    base = Path("scenarios/only-yield-optimisation.yaml").resolve()
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        f"extends: {base}\nname: {name}\nlabel: {name}\ndescription: test variant\n"
        f"uncertainty: {uncertainty}\n"
    )
    return path


def test_sampled_effects_lie_between_the_presets(tmp_path):
    """Sampled mode places each replication's lever effect between its low and high runs, so
    the paired difference to the baseline of every replication lies within the range of the
    fixed-preset runs (same random numbers), and the replications differ in effect size."""
    diffs = {}
    for mode in ("low", "typical", "high", "sampled"):
        extra = "{mode: sampled, samples: 4}" if mode == "sampled" else f"{{mode: {mode}}}"
        res = run_scenario(_variant(tmp_path, f"y-{mode}", extra), TINY, workers=1)
        t = res.tidy[res.tidy["year"] == 2032]
        per = t.groupby(["case", "replication"])["value_added_krw"].sum().unstack(0)
        diffs[mode] = (per["scenario"] - per["baseline"]).to_numpy()
    lo = np.minimum.reduce([diffs["low"], diffs["typical"], diffs["high"]])
    hi = np.maximum.reduce([diffs["low"], diffs["typical"], diffs["high"]])
    tol = 1e-9 * np.abs(hi).max()
    assert np.all(diffs["sampled"] >= lo - tol) and np.all(diffs["sampled"] <= hi + tol)
    assert not np.allclose(diffs["sampled"], diffs["typical"])


def test_results_store_serves_repeats_and_written_results_carry_provenance(tmp_path):
    first = run_scenario("scenarios/only-yield-optimisation.yaml", TINY, workers=1)
    seen = []
    again = run_scenario(
        "scenarios/only-yield-optimisation.yaml", TINY, workers=1, progress=seen.append
    )
    assert seen == ["served from the results store"]
    pd.testing.assert_frame_equal(first.tidy, again.tidy)
    out = write_results(again, tmp_path / "out")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["inputs_digest"] and manifest["packages"]["simpy"]
    assert manifest["settings"]["replications"] == TINY.replications
    subs = pd.read_parquet(out / "substations.parquet")
    # Every firm is fed by one substation or directly at 154 kV: loads add up to the total peak.
    tidy = again.tidy
    for (case, year, rep), grp in subs.groupby(["case", "year", "replication"]):
        peak = tidy[(tidy["case"] == case) & (tidy["year"] == year) & (tidy["replication"] == rep)][
            "peak_mw"
        ].sum()
        assert grp["load_mw"].sum() == pytest.approx(peak, rel=1e-9)
