"""Scenario editor helpers: documents round-trip, CLI messages, edits re-sourced, curves."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from twin.config.scenario import load_scenario, scenario_hash
from twin.ui import editor_view as view


@pytest.fixture(scope="module")
def plan() -> dict:
    return view.load_document(view.shipped_scenarios()["gumi-ax-2032"])


def test_every_shipped_scenario_round_trips_to_the_same_hash() -> None:
    """The document of a shipped file validates to the very scenario `twin run` reads."""
    for name, path in view.shipped_scenarios().items():
        doc = view.load_document(path)
        scenario, error = view.validate_document(doc, f"{name}.yaml")
        assert error is None, error
        assert scenario_hash(scenario) == scenario_hash(load_scenario(path)), name


def test_defaults_file_is_not_offered() -> None:
    assert "defaults" not in view.shipped_scenarios()
    assert "gumi-ax-2032" in view.shipped_scenarios()


def test_rules_covering_everything_say_all(plan: dict) -> None:
    rule = plan["levers"]["vision_qc"]["adoption"][0]
    assert rule["sectors"] == "all" and rule["size_classes"] == ["300+"]


def test_validation_message_is_the_cli_line(plan: dict, tmp_path: Path) -> None:
    """The editor's message equals the InputError line load_scenario gives for the same file."""
    bad = copy.deepcopy(plan)
    bad["demand_growth"]["rates"]["electronics"] = 0.9
    _, error = view.validate_document(bad, "mine.yaml")
    path = tmp_path / "mine.yaml"
    path.write_text(view.document_yaml(bad), encoding="utf-8")
    with pytest.raises(Exception) as cli:
        load_scenario(path)
    assert error == cli.value.line().replace(str(path), "mine.yaml")
    assert error.startswith("mine.yaml: demand_growth.rates.electronics: ")
    assert "0.5" in error and "\n" not in error


def test_unknown_anchor_is_refused_when_names_are_known(plan: dict) -> None:
    names = [a["firm"] for a in plan["anchors"]]
    assert view.validate_document(plan, "p.yaml", names)[1] is None
    _, error = view.validate_document(plan, "p.yaml", names[1:])
    assert error == (
        f"p.yaml: anchors: unknown firm {names[0]!r} (see the firm layer's names in data/gumi.gpkg)"
    )


def test_edited_figures_get_the_users_source_and_an_assumption(plan: dict) -> None:
    edited = copy.deepcopy(plan)
    edited["grid_factor_t_per_mwh"]["value"] = 0.3
    edited["levers"]["scheduling"]["adoption"][1]["curve"]["bass"]["ceiling"] = 0.5
    edited["levers"]["vision_qc"]["level"] = "high"
    marked, paths = view.mark_edits(plan, edited, "my guess", "gumi-ax-2032")
    assert paths == ["levers.scheduling.adoption[1]", "grid_factor_t_per_mwh"]
    grid = marked["grid_factor_t_per_mwh"]
    assert (grid["source"], grid["status"]) == ("my guess", "estimate")  # was published
    assert marked["carbon_price_krw_per_t"] == plan["carbon_price_krw_per_t"]  # untouched
    note = marked["assumptions"][view.EDIT_ASSUMPTION]
    assert "starting from gumi-ax-2032" in note["statement"]
    for what in ("grid_factor_t_per_mwh", "levers.vision_qc.level", "adoption[1]"):
        assert what in note["statement"]
    assert view.validate_document(marked, "x.yaml")[1] is None


def test_unedited_document_is_left_as_it_was(plan: dict) -> None:
    marked, paths = view.mark_edits(plan, copy.deepcopy(plan), "me", "x")
    assert paths == [] and marked == plan


def test_removing_an_anchor_does_not_resource_the_others(plan: dict) -> None:
    edited = copy.deepcopy(plan)
    del edited["anchors"][0]
    assert view.edited_paths(plan, edited) == []


def test_removed_lever_is_a_setting_change(plan: dict) -> None:
    edited = copy.deepcopy(plan)
    del edited["levers"]["yield_optimisation"]
    edited["anchors"] = []
    marked, paths = view.mark_edits(plan, edited, "me", "x")
    assert paths == []
    assert (
        "levers.yield_optimisation (removed)"
        in marked["assumptions"][view.EDIT_ASSUMPTION]["statement"]
    )


def test_adoption_frame_matches_the_bass_closed_form(plan: dict) -> None:
    rules = plan["levers"]["vision_qc"]["adoption"]
    frame = view.adoption_frame(rules, range(2025, 2033))
    assert len(frame) == 4 * 8
    p, q, c = 0.03, 0.35, 0.57
    t = 2032 - 2023
    e = math.exp(-(p + q) * t)
    expected = c * (1 - e) / (1 + q / p * e)
    got = frame[(frame["year"] == 2032) & frame["rule"].str.startswith("1:")]["share"].item()
    assert got == pytest.approx(expected, rel=1e-12)
    assert got == pytest.approx(0.40, abs=0.01)  # the 40 % the file's source states


def test_adoption_frame_shares_interpolate_and_skip_invalid_curves() -> None:
    rules = [
        {"curve": {"shares": {2026: 0.1, 2030: 0.5}}},
        {"curve": {"bass": {"p": 0.0, "q": 0.3, "ceiling": 0.2, "start_year": 2023}}},
    ]
    frame = view.adoption_frame(rules, [2025, 2026, 2028, 2031])
    assert frame["share"].tolist() == pytest.approx([0.0, 0.1, 0.3, 0.5])
    fig = view.adoption_figure(frame, "t")
    assert fig.layout.yaxis.title.text == "Firms adopting after 2023 (%)"
    assert fig.layout.font.size >= 14


def test_shares_from_table_drops_blank_rows_and_sorts() -> None:
    table = pd.DataFrame({"year": [2030, np.nan, 2026.0], "share": [0.4, 0.2, 0.1]})
    assert view.shares_from_table(table) == {2026: 0.1, 2030: 0.4}


def test_upload_parsing(plan: dict) -> None:
    text = view.document_yaml(plan).encode()
    doc, error = view.parse_upload("plan.yaml", text)
    assert error is None and doc == plan
    child = b"extends: gumi-ax-2032.yaml\nname: child\n"
    doc, error = view.parse_upload("child.yaml", child)
    assert error is None and doc["name"] == "child" and doc["levers"] == plan["levers"]
    cases = {
        b"name: x\nlevers: [\n": "bad.yaml: line 3: not valid YAML",
        b"": "bad.yaml: the file is empty",
        b"\xff\xfe": "bad.yaml: not a UTF-8 text file",
        b"extends: defaults.yaml\nname: x\ndescription: d\nmystery: 1\n": (
            "bad.yaml: unknown key 'mystery'"
        ),
    }
    for data, start in cases.items():
        doc, error = view.parse_upload("bad.yaml", data)
        assert doc is None and error.startswith(start), error
        assert "\n" not in error and "/tmp" not in error


def test_save_is_atomic_and_reloads(plan: dict, tmp_path: Path) -> None:
    doc = {**copy.deepcopy(plan), "name": "my-plan"}
    path = view.save_user_scenario(doc, tmp_path)
    assert path == tmp_path / "my-plan.yaml"
    assert [p.name for p in tmp_path.iterdir()] == ["my-plan.yaml"]  # no temporary left
    assert view.load_document(path) == doc


def test_headline_table_in_display_units() -> None:
    summary = pd.DataFrame(
        [
            {
                "year": 2032,
                "kpi": "electricity_mwh",
                "mean": 8.0e6,
                "ci_low": 7.9e6,
                "ci_high": 8.1e6,
                "baseline": 8.3e6,
                "diff": -3.0e5,
                "diff_low": -3.1e5,
                "diff_high": -2.9e5,
            },
            {
                "year": 2031,
                "kpi": "electricity_mwh",
                "mean": 1.0,
                "ci_low": 1.0,
                "ci_high": 1.0,
                "baseline": 1.0,
                "diff": 0.0,
                "diff_low": 0.0,
                "diff_high": 0.0,
            },
        ]
    )
    table = view.headline_table(summary)
    row = table.iloc[0]
    assert (row["KPI"], row["Unit"]) == ("Electricity (factories)", "GWh")
    assert row["Change"] == pytest.approx(-300.0)
    assert row["Change %"] == pytest.approx(-300 / 8300 * 100)
    assert row["Change 95 % CI"] == "-310.00 to -290.00"
    shown = view.headline_display(table)
    assert shown["Change"].item() == "-300 (-3.6 %)"
    fig = view.change_figure(summary, "electricity_mwh")
    assert fig.layout.yaxis.title.text == "Change (GWh)"


def test_cluster_energy_text_closed_form(plan: dict) -> None:
    # 1,000 GPUs x 1 kW x 0.6 x PUE 1.4 x 8,760 h = 7,358 MWh
    assert view.cluster_gwh_text(plan["compute"], 2032) == "7.4 GWh"


def test_status_counts_and_badges(plan: dict) -> None:
    counts = view.status_counts(plan)
    assert counts["published"] >= 2 and counts["estimate"] > counts["published"]
    assert view.status_badge("published") == ":green-badge[published]"
