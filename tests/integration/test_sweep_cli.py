"""Sweeps, sensitivity and the surrogate end to end on the one-lever scenario (short runs)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from twin.cli import main
from twin.config.scenario import load_scenario
from twin.execution import TaskStore
from twin.projection import RunSettings
from twin.scenario_run import prepare, run_scenario, summary_table
from twin.surrogate import load_surrogate
from twin.sweep import (
    evaluate_point,
    evaluate_points,
    load_sweep,
    run_study,
    run_sweep,
    sweep_points,
    sweep_table,
)

ROOT = Path(__file__).resolve().parents[2]
YIELD = ROOT / "scenarios" / "only-yield-optimisation.yaml"
TINY = RunSettings(days=2.0, warmup_days=1.0, replications=2, seed=11)
EFFECT = "levers.yield_optimisation.effect"
STATS = ["mean", "ci_low", "ci_high", "baseline", "diff", "diff_low", "diff_high"]


@pytest.fixture(scope="module", autouse=True)
def private_cache(tmp_path_factory):
    """One private store for the module: the archetype runs are simulated once."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GUMI_TWIN_CACHE", str(tmp_path_factory.mktemp("cache")))
        yield


def _sweep_file(tmp_path, design, name="t", record=""):
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        f"name: {name}\nscenario: {YIELD}\n"
        "settings: {replications: 2, days: 2, warmup_days: 1, seed: 11}\n"
        f"design:\n{design}\n{record}"
    )
    return path


def _variant(tmp_path, name, level):
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        f"extends: {YIELD}\nname: {name}\ndescription: test variant\n"
        f"levers: {{yield_optimisation: {{level: {level}}}}}\n"
    )
    return path


def _point(result, index):
    t = result.summaries[index]
    return t[t["kpi"] != "carbon_cost_krw"].sort_values(["year", "kpi"], ignore_index=True)


def _summary(path):
    s = summary_table(run_scenario(path, TINY, workers=1))
    return s.sort_values(["year", "kpi"], ignore_index=True)


def test_neutral_point_reproduces_run_scenario_exactly(tmp_path):
    base = load_scenario(YIELD)
    design = (
        "  grid:\n"
        f"    {EFFECT}: [0.0]\n"
        "    adoption.ceiling_multiplier: [1.0]\n"
        "    demand_growth.shift: [0.0]\n"
        f"    grid_factor_t_per_mwh: [{base.grid_factor_t_per_mwh.value}]\n"
        f"    carbon_price_krw_per_t: [{base.carbon_price_krw_per_t.value}]\n"
    )
    result = run_sweep(load_sweep(_sweep_file(tmp_path, design)), workers=1)
    pd.testing.assert_frame_equal(_point(result, 0), _summary(YIELD), check_exact=True)
    # The carbon cost is CO2 times the scenario's price.
    t = result.summaries[0]
    co2 = t[t["kpi"] == "co2_t"]["diff"].to_numpy()
    cost = t[t["kpi"] == "carbon_cost_krw"]["diff"].to_numpy()
    np.testing.assert_allclose(cost, co2 * base.carbon_price_krw_per_t.value, rtol=1e-12)


def test_effect_positions_minus_one_and_plus_one_are_the_low_and_high_presets(tmp_path):
    """t = -1 and +1 place the effect, the ramp-up and the edge power at the lever's low and
    high presets: the same numbers as the scenario run with the lever at that level."""
    result = run_sweep(load_sweep(_sweep_file(tmp_path, f"  grid:\n    {EFFECT}: [-1, 1]\n")))
    for index, level in ((0, "low"), (1, "high")):
        expected = _summary(_variant(tmp_path, f"y-{level}", level))
        got = _point(result, index)
        pd.testing.assert_frame_equal(got[["year", "kpi"]], expected[["year", "kpi"]])
        for col in STATS:
            np.testing.assert_allclose(got[col], expected[col], rtol=1e-9, atol=1e-6)
    # And the two presets really differ (the test can fail).
    a, b = _point(result, 0), _point(result, 1)
    va = (a["kpi"] == "value_added_krw") & (a["year"] == 2032)
    assert a.loc[va, "diff"].iloc[0] < b.loc[va, "diff"].iloc[0]


class Interrupt(Exception):
    pass


def test_an_interrupted_sweep_resumes_without_recomputing_finished_points(tmp_path):
    path = _sweep_file(
        tmp_path, "  grid:\n    adoption.ceiling_multiplier: [0.6, 0.8, 1.0, 1.2, 1.4]\n"
    )
    sweep = load_sweep(path)
    # The points (and their store keys) once: the keys hold the digest of every source file,
    # which another edit in the checkout while the test runs would change.
    points = sweep_points(sweep)
    store = TaskStore(tmp_path / "points")

    def run(**kw):
        return run_study(sweep.base, points, sweep.settings, store=store, **kw)

    def stop_after_two(done, total, text):
        if done == 2:
            raise Interrupt

    with pytest.raises(Interrupt):
        run(progress=stop_after_two)
    seen = []
    resumed = run(progress=lambda d, n, t: seen.append(d))
    assert (resumed.computed, resumed.reused) == (3, 2)
    assert seen == [2, 3, 4, 5]  # two from the store, then one per point computed
    # The same table as an uninterrupted sweep into an empty store.
    fresh = run_study(sweep.base, points, sweep.settings, store=TaskStore(tmp_path / "fresh"))
    assert fresh.computed == 5
    pd.testing.assert_frame_equal(sweep_table(resumed), sweep_table(fresh), check_exact=True)
    # Served whole the third time; without the store every point is recomputed.
    assert run().computed == 0
    assert run(use_cache=False).computed == 5
    # run_sweep uses the same store by default.
    assert run_sweep(sweep).computed == 5 and run_sweep(sweep).computed == 0


def test_serial_and_two_dask_workers_give_identical_tables(tmp_path):
    path = _sweep_file(
        tmp_path,
        "  lhs:\n    points: 6\n    seed: 3\n    ranges:\n"
        f"      {EFFECT}: [-1, 1]\n      demand_growth.shift: [-0.02, 0.04]\n",
    )
    sweep = load_sweep(path)
    points = sweep_points(sweep)
    serial = run_study(sweep.base, points, sweep.settings, store=TaskStore(tmp_path / "a"))
    dask = run_study(sweep.base, points, sweep.settings, workers=2, store=TaskStore(tmp_path / "b"))
    assert serial.computed == dask.computed == 6
    assert serial.execution == "serial" and "2 workers" in dask.execution
    pd.testing.assert_frame_equal(sweep_table(serial), sweep_table(dask), check_exact=True)


def test_a_running_cluster_given_by_address_gives_the_serial_table(tmp_path):
    """--scheduler ADDRESS: a cluster started here (threads in this process, for speed)
    stands for one that is already up; its table equals the serial one bit for bit."""
    from dask.distributed import LocalCluster

    path = _sweep_file(
        tmp_path,
        "  lhs:\n    points: 4\n    seed: 8\n    ranges:\n"
        f"      {EFFECT}: [-1, 1]\n      adoption.ceiling_multiplier: [0.5, 1.5]\n",
    )
    sweep = load_sweep(path)
    points = sweep_points(sweep)
    serial = run_study(sweep.base, points, sweep.settings, store=TaskStore(tmp_path / "a"))
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as cluster:
        remote = run_study(
            sweep.base,
            points,
            sweep.settings,
            scheduler=cluster.scheduler_address,
            store=TaskStore(tmp_path / "b"),
        )
    assert remote.computed == 4 and cluster.scheduler_address in remote.execution
    pd.testing.assert_frame_equal(sweep_table(serial), sweep_table(remote), check_exact=True)


def test_points_evaluated_together_equal_points_evaluated_alone(tmp_path):
    """A chunk shares the adoption draws of its points (drawn once per process); each point's
    summary is still the one it has when evaluated on its own, bit for bit."""
    path = _sweep_file(
        tmp_path, f"  grid:\n    adoption.ceiling_multiplier: [0.5, 1.5]\n    {EFFECT}: [0.5]\n"
    )
    sweep = load_sweep(path)
    points = sweep_points(sweep)
    inputs = prepare(sweep.base, sweep.settings, with_ranges=True)
    alone = {p.index: evaluate_point(inputs, sweep.settings, p) for p in points}
    together = dict(evaluate_points((inputs, sweep.settings), points))
    again = dict(evaluate_points((inputs, sweep.settings), points[::-1]))
    for p in points:
        pd.testing.assert_frame_equal(together[p.index], alone[p.index], check_exact=True)
        pd.testing.assert_frame_equal(again[p.index], alone[p.index], check_exact=True)
    # The points differ, so equal tables are not a matter of course.
    assert not alone[0].equals(alone[1])


def test_cli_sweep_writes_tidy_results_manifest_and_a_surrogate(tmp_path, capsys):
    path = _sweep_file(
        tmp_path,
        "  lhs:\n    points: 10\n    seed: 1\n    ranges:\n"
        f"      {EFFECT}: [-1, 1]\n      adoption.ceiling_multiplier: [0.5, 1.5]\n",
        record="record: {kpis: [value_added_krw, electricity_mwh], years: [2030, 2032]}\n",
    )
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--fit-surrogate"]) == 0
    printed = capsys.readouterr().out
    assert "Value added" in printed and "cross-validated" in printed
    table = pd.read_parquet(out / "sweep.parquet")
    assert list(table.columns) == [
        "point",
        EFFECT,
        "adoption.ceiling_multiplier",
        "year",
        "kpi",
        *STATS,
    ]
    assert len(table) == 10 * 2 * 2
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["points"] == 10 and manifest["scenario"] == "only-yield-optimisation"
    assert manifest["scenario_hash"] and manifest["inputs_digest"] and manifest["packages"]
    assert manifest["parameters"][EFFECT] == {"neutral": 0.0, "low": -1.0, "high": 1.0}
    assert not list(tmp_path.glob(".out-*"))  # no temporary folder left
    s = load_surrogate(out)
    assert set(s.cv["kpi"]) == {"value_added_krw", "electricity_mwh"}
    assert np.isfinite(s.cv["r2"]).all() and (s.cv["rmse"] > 0).all()

    q = f"{EFFECT}=0.2,adoption.ceiling_multiplier=1.1"
    assert main(["surrogate", str(out), "--query", q, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["in_range"] is True and len(doc["predictions"]) == 4
    q = f"{EFFECT}=0.2,adoption.ceiling_multiplier=2.5"
    assert main(["surrogate", str(out), "--query", q]) == 0
    said = capsys.readouterr().out
    assert "outside the sampled range [0.5, 1.5]" in said and "OUTSIDE" in said


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["sweep", "BAD"], ("bad.yaml", "design.grid.levers.vision_qc.effect", "does not adopt")),
        (["sweep", "MISSING"], ("missing.yaml", "file not found")),
        (["surrogate", "MISSING"], ("missing.yaml", "not a sweep's output folder")),
        (["sensitivity", str(YIELD), "--kpi", "va"], ("--kpi", "unknown KPI")),
        (["sensitivity", str(YIELD), "--input", "x=1"], ("--input", "NAME=LOW:HIGH")),
        (["sensitivity", str(YIELD), "--year", "2040"], ("--year", "not a year")),
        (["sweep", "BAD", "--workers", "2", "--scheduler", "x"], ("not allowed with",)),
    ],
)
def test_bad_input_is_one_line_with_exit_code_2(tmp_path, capsys, args, names):
    bad = _sweep_file(tmp_path, "  grid:\n    levers.vision_qc.effect: [0]\n", name="bad")
    args = [
        str(bad) if a == "BAD" else str(tmp_path / "missing.yaml") if a == "MISSING" else a
        for a in args
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    for n in names:
        assert n in err


def test_unreachable_scheduler_is_one_line(tmp_path, capsys):
    path = _sweep_file(tmp_path, f"  grid:\n    {EFFECT}: [0.5]\n")
    assert main(["sweep", str(path), "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--scheduler" in err and "127.0.0.1:9" in err


@pytest.mark.parametrize("method", ["morris", "sobol"])
def test_sensitivity_ranks_an_input_without_effect_last(tmp_path, capsys, method):
    """The grid factor changes CO2, not value added: whatever the method, it ranks last with
    a zero index, and its tornado bar has no width; the lever's effect size moves value
    added."""
    out = tmp_path / "sens"
    args = [
        "sensitivity",
        str(YIELD),
        "--kpi",
        "value_added_krw",
        "--year",
        "2032",
        "--method",
        method,
        "--samples",
        "4",
        "--input",
        f"{EFFECT}=-1:1",
        "--input",
        "adoption.ceiling_multiplier=0.5:1.5",
        "--input",
        "grid_factor_t_per_mwh=0.3:0.5",
        "--replications",
        "2",
        "--days",
        "2",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    assert "Tornado" in capsys.readouterr().out
    ranking = pd.read_csv(out / "sensitivity.csv")
    tornado = pd.read_csv(out / "tornado.csv")
    index = "mu_star" if method == "morris" else "ST"
    assert ranking["input"].iloc[-1] == "grid_factor_t_per_mwh"
    assert ranking[index].iloc[-1] == pytest.approx(0.0, abs=1e-9)
    assert (ranking[index].iloc[:2] > 0).all()
    row = tornado.set_index("input")
    assert row.loc["grid_factor_t_per_mwh", "swing"] == 0.0
    assert row.loc[EFFECT, "diff_at_high"] > row.loc[EFFECT, "diff_at_low"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["method"] == method and manifest["kpi"] == "value_added_krw"
