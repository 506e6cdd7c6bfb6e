"""``twin report``: one-line errors for bad input (nothing written), and the regenerate command
parses back to the same options."""

from __future__ import annotations

import shlex

import pytest
from test_report_fakes import fake_briefing

from twin.cli import build_parser, main
from twin.report import regenerate_command


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["scenarios/baseline.yaml", "--format", "doc"], "--format"),
        (["no-such-scenario"], "no-such-scenario"),
        (["scenarios/baseline.yaml", "--lang", "fr"], "--lang"),
        (["scenarios/baseline.yaml", "--kpi", "happiness"], "--kpi"),
        (["scenarios/baseline.yaml", "--sensitivity", "some"], "--sensitivity"),
        (["scenarios/gumi-ax-2032.yaml", "--roi-archetypes", "bakery"], "--roi-archetypes"),
        (["scenarios/baseline.yaml", "--year", "1999"], "--year"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys, args, needle) -> None:
    out = tmp_path / "deck.pptx"
    assert main(["report", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("twin:") and "\n" not in err and needle in err
    assert "Traceback" not in err
    assert not out.exists() and not list(tmp_path.iterdir())


def test_regenerate_command_parses_back_to_the_options() -> None:
    data = fake_briefing("ko", roi_archetypes=("smt-assembly", "wafer-fab"), map_kpi="co2_t")
    cmd = regenerate_command(data, "html", "out/b.html")
    argv = shlex.split(cmd)
    assert argv[:2] == ["twin", "report"]
    args = build_parser().parse_args(argv[1:])
    o = data.options
    assert args.scenarios == data.paths
    assert (args.lang, args.kpi, args.year) == (o.lang, o.map_kpi, data.year)
    assert args.replications == data.settings.replications
    assert args.roi_archetypes.split(",") == list(o.roi_archetypes)
    assert (args.roi_replications, args.roi_years) == (o.roi_replications, o.roi_years)
    assert (args.sensitivity, args.sensitivity_kpi) == (o.sensitivity, o.sensitivity_kpi)
    assert (args.fmt, args.out, args.no_roi) == ("html", "out/b.html", False)
