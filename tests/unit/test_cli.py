"""The `twin` command: KPIs as JSON or tables; bad input is one line and exit code 2."""

import json

import pytest

from twin.cli import main

REQUIRED = {
    "throughput_per_h",
    "mean_lead_time_min",
    "mean_wip",
    "good_units",
    "scrap_units",
    "escaped_defects",
    "oee",
    "energy_kwh",
    "kwh_per_good_unit",
    "peak_kw_15min",
    "mean_kw",
}
STATION = {
    "utilization",
    "availability",
    "blocked_share",
    "starved_share",
    "mean_queue",
    "mean_wait_min",
}


def test_factory_json(capsys, data_dir):
    spec = data_dir / "factories" / "machining-shop.yaml"
    code = main(
        [
            "factory",
            str(spec),
            "--days",
            "2",
            "--warmup-days",
            "1",
            "--replications",
            "3",
            "--seed",
            "4",
            "--json",
        ]
    )
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert REQUIRED <= set(doc["summary"])
    for kpi in REQUIRED:
        s = doc["summary"][kpi]
        assert s["ci_low"] <= s["mean"] <= s["ci_high"]
    assert set(doc["stations"]) == {"saw", "cnc", "deburr", "inspection", "rework"}
    for st in doc["stations"].values():
        assert STATION <= set(st)
    energy = doc["energy_by_state_kwh"]
    assert {"processing", "idle", "standby", "failed", "off", "setup", "facility"} <= set(energy)
    assert sum(energy.values()) == pytest.approx(doc["summary"]["energy_kwh"]["mean"], rel=1e-9)


def test_factory_json_is_reproducible(capsys, data_dir):
    args = [
        "factory",
        str(data_dir / "factories" / "smt-line.yaml"),
        "--days",
        "1",
        "--replications",
        "2",
        "--seed",
        "11",
        "--json",
    ]
    main(args)
    first = capsys.readouterr().out
    main(args)
    assert capsys.readouterr().out == first


def test_factory_table(capsys, data_dir):
    assert (
        main(
            [
                "factory",
                str(data_dir / "factories" / "smt-line.yaml"),
                "--days",
                "1",
                "--replications",
                "2",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Throughput" in out and "bottleneck" in out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["factory", "missing.yaml"], "missing.yaml: file not found"),
        (["factory", "x.yaml", "--days", "-1"], "--days: must be a positive number"),
        (["factory", "x.yaml", "--replications", "0"], "must be from 1 to 1000"),
        (["nonsense"], "invalid choice"),
    ],
)
def test_bad_input_one_line_exit_2(capsys, args, expected):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_bad_spec_names_file_and_field(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "source: {interarrival_min: {dist: exponential, mean: 1}}\n"
        "stations: [{name: a, process_time_min: {dist: constant, value: 1}, mtbf: 3}]\n"
    )
    assert main(["factory", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"twin: {bad}: stations[0]: unknown key 'mtbf'")


def test_validate_command(capsys, data_dir, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("stations: []\n")
    assert main(["validate", str(data_dir / "factories" / "smt-line.yaml")]) == 0
    assert main(["validate", str(bad)]) == 2
    assert "bad.yaml" in capsys.readouterr().err
