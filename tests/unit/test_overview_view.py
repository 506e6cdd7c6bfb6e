"""Overview page helpers: the AX plan file, card texts, counting AI use against the plan."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from twin.config.scenario import load_scenario
from twin.core.errors import InputError
from twin.io.paths import repo_root
from twin.projection import RunSettings
from twin.ui import overview_view as view
from twin.viz import STATUS_COLOURS

SCENARIOS = repo_root() / "scenarios"


def test_shipped_plan_holds_the_published_targets() -> None:
    plan = view.load_ax_plan()
    assert plan.proclaimed == "2026-02-25"
    values = {t.key: t.value for t in plan.targets}
    # Gumi AI vision, 2026-02-25: 10 anchors, 100 AI firms, 1,000 practitioners by 2032.
    assert values["anchor_firms"] == 10
    assert values["ai_firms"] == 100
    assert values["ai_practitioners"] == 1000
    assert values["data_cluster"] is None  # no size published
    assert {t.year for t in plan.targets} == {2032}
    assert {t.status for t in plan.targets} == {"published"}
    assert plan.target("anchor_firms").represented == "modelled"
    assert plan.target("ai_firms").represented == "reported"
    assert plan.target("nothing") is None


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("targets: [1, 2]\n", "targets"),
        (
            "targets:\n  x: {label: a, unit: b, year: 2032, model: c, source: d,"
            " status: published}\n",
            "targets.x.represented",
        ),
        (
            "targets:\n  x: {label: a, unit: b, year: 2032, represented: guessed, model: c,"
            " source: d, status: published}\n",
            "targets.x.represented",
        ),
        (
            "targets:\n  x: {label: a, unit: b, year: 2032, represented: none, model: c,"
            " source: d, status: rumour}\n",
            "targets.x.status",
        ),
        (
            "targets:\n  x: {label: a, value: -3, unit: b, year: 2032, represented: none,"
            " model: c, source: d, status: estimate}\n",
            "targets.x.value",
        ),
    ],
)
def test_bad_plan_files_name_the_field(tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        view.load_ax_plan(path)
    assert err.value.line().startswith(f"{path}: {field}")


def test_missing_plan_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        view.load_ax_plan(tmp_path / "none.yaml")


def test_company_of_a_site() -> None:
    assert view.company_name("Samsung Electronics Gumi Plant 2") == "Samsung Electronics"
    assert view.company_name("Samsung Electronics Gumi Plant 1") == "Samsung Electronics"
    assert view.company_name("LG Display Gumi") == "LG Display Gumi"
    assert view.company_name("KEC") == "KEC"


def _named() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "firm_id": ["A1", "A2", "B", "C"],
            "name": ["Big Co Gumi Plant 1", "Big Co Gumi Plant 2", "Beta", "Gamma"],
        }
    )


def test_ai_use_counts_firms_and_companies() -> None:
    levers = {
        # year: levers used by A1, A2, B, C, and three synthetic firms
        2030: [5, 0, 2, 0, 0, 1, 0],
        2031: [5, 5, 5, 1, 1, 1, 0],
    }
    ids = ["A1", "A2", "B", "C", "S1", "S2", "S3"]
    rows = [
        {"case": case, "year": y, "firm_id": f, "levers_used": n if case == "scenario" else 0}
        for case in ("scenario", "baseline")
        for y, used in levers.items()
        for f, n in zip(ids, used, strict=True)
    ]
    use = view.ai_use_by_year(pd.DataFrame(rows), _named()).set_index("year")
    assert list(use.loc[2030]) == [
        3,
        7,
        2,
        0,
        3,
    ]  # firms using AI, firms, adopting, converted, companies
    # Big Co converts only when both its plants use all five levers.
    assert use.loc[2031, "companies_converted"] == 2 and use.loc[2031, "companies_adopting"] == 3
    assert use.loc[2031, "firms_using_ai"] == 6


def _diffs() -> pd.DataFrame:
    rows = []
    for name, mean, diff in (("base", 100.0, 0.0), ("plan", 110.0, 10.0)):
        rows.append(
            {
                "scenario": name,
                "year": 2032,
                "kpi": "peak_mw",
                "mean": mean,
                "ci_low": mean - 1,
                "ci_high": mean + 1,
                "diff": diff,
                "diff_low": diff - 2,
                "diff_high": diff + 2,
            }
        )
    return pd.DataFrame(rows)


def test_cards_give_value_change_percent_and_interval() -> None:
    (card,) = view.headline_cards(_diffs(), "plan", 2032, kpis=("peak_mw",))
    assert card.value == "110"  # the unit is in the label
    assert card.delta == "+10.0 (+10.0 %)"  # against the comparison's 100 MW
    d = _diffs().assign(diff=lambda x: -x["diff"] / 100)
    (fall,) = view.headline_cards(d, "plan", 2032, kpis=("peak_mw",))
    assert fall.delta == "-0.100 (-0.09 %)"  # ASCII minus: st.metric draws a down arrow
    assert card.interval == "95 % interval +8.00 to +12.0 MW"
    assert card.delta_color == "inverse"  # a higher peak is worse
    missing = view.headline_cards(_diffs(), "plan", 2032, kpis=("co2_t",))[0]
    assert missing.value == "—"


def test_card_without_interval_and_self_comparison() -> None:
    d = _diffs()
    d["diff_low"] = None
    (card,) = view.headline_cards(d, "plan", 2032, kpis=("peak_mw",))
    assert "one replication" in card.interval
    twice = pd.concat([d[d["scenario"] == "plan"].assign(diff=0.0)] * 2)
    (card,) = view.headline_cards(twice, "plan", 2032, kpis=("peak_mw",))
    assert card.delta.startswith("0")


def test_plan_table_reads_scenario_values() -> None:
    plan = view.load_ax_plan()
    scenario = load_scenario(SCENARIOS / "conservative.yaml")
    use = pd.DataFrame(
        [
            {
                "year": 2032,
                "firms_using_ai": 500,
                "firms": 2151,
                "companies_adopting": 6,
                "companies_converted": 5,
                "companies": 10,
            }
        ]
    )
    table = view.plan_table(plan, use, scenario).set_index("Target")
    shown = table["In this scenario"]
    assert shown.iloc[0].startswith("5 of 10 named anchor companies with all five levers (6")
    assert shown["Manufacturing AI data cluster"] == "500 GPUs assumed in 2032 (estimate)"
    assert shown["AI practitioners"] == "500 carried, not modelled (estimate)"
    assert table.loc["AI companies (upstream and downstream)", "Plan"] == "100 AI firms"
    base = view.plan_table(plan, None, load_scenario(SCENARIOS / "baseline.yaml"))
    assert "no data cluster" in set(base["In this scenario"])
    assert "not set" in set(base["In this scenario"])


def test_plan_figure_marks_the_target() -> None:
    use = pd.DataFrame(
        {
            "year": [2031, 2032],
            "firms_using_ai": [10, 20],
            "firms": [50, 50],
            "companies_adopting": [3, 5],
            "companies_converted": [2, 4],
            "companies": [10, 10],
        }
    )
    fig = view.plan_figure(
        {"baseline": use.assign(firms_using_ai=0), "plan": use}, view.load_ax_plan()
    )
    star = [t for t in fig.data if t.marker.symbol == "star"]
    assert len(star) == 1 and list(star[0].x) == [2032] and list(star[0].y) == [10]
    firms = [t for t in fig.data if t.xaxis == "x2"]
    assert [list(t.y) for t in firms] == [[0, 0], [10, 20]]
    assert fig.layout.font.size >= 14
    assert "Companies" in fig.layout.yaxis.title.text and "Firms" in fig.layout.yaxis2.title.text


def test_status_and_settings_texts() -> None:
    assert STATUS_COLOURS["synthetic"] in view.status_badge("synthetic")
    counts = view.assumption_statuses(load_scenario(SCENARIOS / "gumi-ax-2032.yaml"))
    assert counts["published"] >= 1 and counts["estimate"] >= 1
    text = view.settings_text(RunSettings(replications=5, seed=7, days=7, warmup_days=2))
    assert "5 replications" in text and "seed 7" in text and "7 days after 2 warm-up" in text
