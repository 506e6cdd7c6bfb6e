"""`twin roi` end to end: tables, JSON, and one-line errors with exit code 2."""

import json
from pathlib import Path

import pytest

from twin.cli import main

ARCH = "defence-electronics"  # the archetype quickest to simulate that has inspections
SMT_LINE = Path(__file__).resolve().parents[2] / "data" / "factories" / "smt-line.yaml"
SMALL = ["--replications", "3", "--days", "7", "--warmup-days", "1", "--workers", "1"]


ARGS = ["roi", ARCH, "--levers", "predictive_maintenance,vision_qc", "--years", "5", "--json"]


@pytest.fixture(autouse=True, scope="module")
def cache(tmp_path_factory):
    """A store of its own (never the checkout's .cache)."""
    with pytest.MonkeyPatch.context() as mp:
        folder = tmp_path_factory.mktemp("cache")
        mp.setenv("GUMI_TWIN_CACHE", str(folder))
        yield folder


def _run(args):
    import io
    from contextlib import redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out):
        code = main(args)
    assert code == 0
    return json.loads(out.getvalue())


@pytest.fixture(scope="module")
def doc():
    return _run([*ARGS, *SMALL])


def test_a_repeat_is_served_from_the_store(doc, cache, capsys, monkeypatch):
    """The same command again is answered from .cache/roi (no simulation runs: they are
    switched off) with the same document."""
    assert len(list((cache / "roi").glob("*.pkl"))) == 1
    import twin.roi.runs as runs

    def no_runs(*a, **k):
        raise AssertionError("simulated although the store holds the result")

    with monkeypatch.context() as mp:
        mp.setattr(runs, "run_units", no_runs)
        mp.setattr("twin.roi.company.run_units", no_runs)
        capsys.readouterr()
        again = _run([*ARGS, *SMALL])
        assert "Served from the results store" in capsys.readouterr().err
    assert again == doc


@pytest.mark.slow
def test_no_cache_recomputes_the_same_result(doc, capsys):
    fresh = _run([*ARGS, *SMALL, "--no-cache"])
    assert "Served from" not in capsys.readouterr().err
    assert fresh == doc


def test_json_has_inputs_results_per_lever_and_bundle(doc):
    inp = doc["inputs"]
    assert inp["factory"] == ARCH and inp["replications"] == 3 and inp["years"] == 5
    assert inp["simulations"] == 3 and "simulation_by_replication" not in doc
    assert inp["levers"] == ["predictive_maintenance", "vision_qc"]
    assert inp["source"].endswith("defence-electronics.yaml") and 0.3 <= inp["utilisation"] <= 1.2
    assert set(doc["results"]) == {"predictive_maintenance", "vision_qc", "bundle"}
    for res in doc["results"].values():
        assert res["npv_p10"] <= res["npv_p50"] <= res["npv_p90"]
        assert 0.0 <= res["p_payback_within_3y"] <= 1.0
        assert len(res["npv_by_replication"]) == 3
        flows = res["cash_flows_median"]
        assert set(flows) >= {"capex", "opex", "energy", "scrap", "escapes", "repairs", "net"}
        assert all(len(v) == 6 for v in flows.values())
        assert flows["capex"][0] > 0 and flows["capex"][1] == 0
        kpi = res["kpi_changes"]["throughput_per_h"]
        assert set(kpi) == {"demand", "capacity"} and "ci_low" in kpi["capacity"]
    assert doc["results"]["vision_qc"]["model_quality"]["ai_detection_rate"] > 0.5
    assert doc["baseline"]["electricity_bill_krw_per_year"] > 0
    assert len(doc["effect_draws"]["vision_qc"]) == 3


def test_tables_for_an_own_spec_file(capsys):
    code = main(
        [
            "roi",
            str(SMT_LINE),
            "--levers",
            "energy_optimisation",
            "--typical-only",
            "--scale",
            "2",
            *SMALL,
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    for text in ("Net present value", "2 lines", "Cash flows of energy optimisation", "KPI"):
        assert text in out, text


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["smt-assembly", "--levers", "robots"], "twin: --levers: robots: unknown lever"),
        (["no-such-line", "--levers", "vision_qc"], "twin: no-such-line: not an archetype"),
        (["smt-assembly", "--levers", "vision_qc", "--years", "31"], "twin: --years: 31:"),
        (["smt-assembly", "--levers", "vision_qc", "--years", "x"], "twin: --years: x:"),
        (["smt-assembly", "--levers", "vision_qc", "--replications", "1"], "--replications: 1"),
        (["smt-assembly", "--levers", "vision_qc,vision_qc"], "listed twice"),
        (["smt-assembly", "--levers", "vision_qc", "--days", "3"], "twin: --days: 3:"),
        (["smt-assembly", "--levers", "vision_qc", "--discount-rate", "-1"], "--discount-rate"),
        (["missing.yaml", "--levers", "vision_qc"], "twin: missing.yaml: file not found"),
        (
            ["smt-assembly", "--levers", "vision_qc", "--replications", "10", "--simulations", "3"],
            "twin: --simulations: 3: must divide --replications (10)",
        ),
        (["smt-assembly", "--levers", "vision_qc", "--simulations", "1"], "--simulations: 1"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(capsys, args, expected):
    code = main(["roi", *args])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert err.startswith("twin: ") and expected in err, err


def test_a_bad_spec_file_names_the_file_and_the_field(capsys, tmp_path):
    bad = tmp_path / "line.yaml"
    bad.write_text("source: {interarrival_min: {dist: constant, value: 1}}\nstations: []\n")
    code = main(["roi", str(bad), "--levers", "vision_qc"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith(f"twin: {bad}: stations:"), err


def test_employees_need_the_spec_to_say_how_many_work_on_one_line(capsys):
    code = main(["roi", str(SMT_LINE), "--levers", "vision_qc", "--employees", "120"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("twin: --employees: 120:"), err
