"""Sources page helpers: every shipped table read, filtered and counted against the files."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from twin.io.paths import data_dir, repo_root
from twin.ui import sources_view as view
from twin.viz import STATUS_COLOURS


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return view.all_tables()


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_every_csv_row_is_shown_with_its_status(tables: dict[str, pd.DataFrame]) -> None:
    for name, path in (
        ("Parameter sources", data_dir() / "sources.csv"),
        ("Archetypes", data_dir() / "archetypes" / "sources.csv"),
    ):
        rows = _csv_rows(path)
        table = tables[name]
        assert len(table) == len(rows)
        assert table["status"].tolist() == [r["status"] for r in rows]
        assert table["value"].tolist() == [r["value"] for r in rows]  # ranges stay text
        expected = {s: sum(r["status"] == s for r in rows) for s in view.STATUSES}
        assert view.status_counts(table) == expected


def test_filters_by_status_topic_and_text(tables: dict[str, pd.DataFrame]) -> None:
    table = tables["Parameter sources"]
    synthetic = view.filter_rows(table, ["synthetic"])
    assert len(synthetic) == view.status_counts(table)["synthetic"] > 0
    assert set(synthetic["status"]) == {"synthetic"}
    smt = view.filter_rows(table, topics=["factories"], text="SMT-LINE.yaml", column="topic")
    assert len(smt) == (table["file"] == "factories/smt-line.yaml").sum()
    assert len(view.filter_rows(table)) == len(table)
    assert view.filter_rows(table, text="no such words anywhere").empty


def test_lever_tables_hold_each_parameter_at_three_levels() -> None:
    import yaml

    levers = view.lever_tables()
    files = sorted((data_dir() / "levers").glob("*.yaml"))
    assert list(levers) == [p.stem for p in files]
    raw = yaml.safe_load((data_dir() / "levers" / "vision_qc.yaml").read_text(encoding="utf-8"))
    table = levers["vision_qc"].set_index("parameter")
    n_params = len(raw["params"]) + 5  # capex, opex, ramp-up and the two compute figures
    assert len(table) == n_params
    row = table.loc["target_false_reject_rate"]
    expected = raw["params"]["target_false_reject_rate"]
    assert [float(row[k]) for k in ("low", "typical", "high")] == [
        expected[k] for k in ("low", "typical", "high")
    ]
    assert row["status"] == expected["status"]


def test_tariff_rates_carry_their_effective_dates() -> None:
    import yaml

    raw = yaml.safe_load((data_dir() / "tariff.yaml").read_text(encoding="utf-8"))
    rates, rules = view.tariff_tables()
    energy = rates[rates["charge"] == "energy"]
    assert len(energy) == 9  # three seasons x three load periods
    summer_peak = energy[(energy["season"] == "summer") & (energy["period"] == "on_peak")]
    assert summer_peak["rate"].item() == raw["seasons"]["summer"]["energy"]["on_peak"]["value"]
    assert summer_peak["effective"].item() == "2024-10-24"
    demand = rates[rates["charge"].str.startswith("demand")]
    assert demand["rate"].item() == raw["demand_charge"]["value"]
    assert demand["effective"].item() == "2013-11-21"
    assert set(rates["status"]) | set(rules["status"]) <= set(view.STATUSES)
    assert len(rules) == 3 + len(raw["weekend"]) + 1
    assert "KEPCO" in view.header_comment(data_dir() / "tariff.yaml")


def test_yaml_tables_find_every_sourced_block(tables: dict[str, pd.DataFrame]) -> None:
    va = tables["Value added"]
    assert sorted(va["field"]) == [
        "electricity_price_krw_per_mwh",
        "escape_cost_factor",
        "ratio.default",
    ]
    assert va.set_index("field").loc["ratio.default", "value"] == "0.25"
    defaults = tables["Scenario defaults"].set_index("field")
    assert defaults.loc["grid_factor_t_per_mwh", "status"] == "published"
    assert defaults.loc["grid_factor_t_per_mwh", "value"] == "0.4173"
    assert "electronics 0.02" in defaults.loc["demand_growth", "value"]
    text = (repo_root() / "scenarios" / "defaults.yaml").read_text(encoding="utf-8")
    assert len(defaults) == text.count("status:")


def test_sourced_rows_of_nested_blocks() -> None:
    data = {
        "a": {"value": 1.5, "unit": "kW", "year": 2020, "source": "s1", "status": "estimate"},
        "b": [{"low": 1, "typical": 2, "high": 3, "source": "s2", "status": "published"}],
        "c": {"values": {2026: 0, 2032: 10}, "source": "s3", "status": "synthetic"},
    }
    rows = list(view.sourced_rows(data))
    assert [r["field"] for r in rows] == ["a", "b[0]", "c"]
    assert [r["value"] for r in rows] == ["1.5", "1 / 2 / 3", "2026: 0, 2032: 10"]
    assert rows[0]["year"] == "2020" and rows[0]["unit"] == "kW"


def test_status_chart_uses_the_shared_colours(tables: dict[str, pd.DataFrame]) -> None:
    fig = view.status_figure(tables)
    assert [t.name for t in fig.data] == list(view.STATUSES)
    assert [t.marker.color for t in fig.data] == [STATUS_COLOURS[s] for s in view.STATUSES]
    assert sum(sum(t.x) for t in fig.data) == sum(len(t) for t in tables.values())
    assert fig.layout.font.size >= 14 and "count" in fig.layout.xaxis.title.text
    styles = view.status_styler(tables["Value added"]).to_html()
    assert STATUS_COLOURS["estimate"].lower() in styles.lower()


def test_plain_statement_names_what_is_synthetic() -> None:
    assert "outlines are approximate" in view.PLAINLY["estimate"]
    assert "representative lines" in view.PLAINLY["estimate"]
    assert (
        "firm base" in view.PLAINLY["synthetic"] and "published totals" in view.PLAINLY["synthetic"]
    )
    assert "literature" in view.PLAINLY["estimate"]
