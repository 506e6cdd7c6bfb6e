"""A small, fully known briefing (no simulation) shared by the report tests.

Two shipped scenarios with made-up tidy results: every figure a slide shows can be worked out
by hand from :func:`fake_results`, so tests compare the slides with independent arithmetic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.config.scenario import load_scenario
from twin.core.streams import stream
from twin.io.paths import repo_root
from twin.projection import RunSettings
from twin.report.gather import BriefingData, ReportOptions, read_sources
from twin.scenario_run import ScenarioResult, bottleneck_table, substation_table

YEARS = list(range(2025, 2033))
COMPLEXES = ["1", "2", "3", "4", "4x", "5"]
REPS = 3
#: The AI scenario saves this share of electricity per complex in 2032 (ramps from 2025).
SAVING = 0.04


def _tidy(case: str, ai: bool) -> pd.DataFrame:
    rng = stream(11, "report-test", "tidy")  # same numbers for both scenarios (paired)
    rows = []
    for year in YEARS:
        ramp = (year - 2025) / (2032 - 2025)
        for c_i, cx in enumerate(COMPLEXES):
            for r in range(REPS):
                noise = 1 + 0.01 * rng.standard_normal()
                elec = (1000 + 200 * c_i) * 1e3 * noise  # MWh
                if ai:
                    elec *= 1 - SAVING * ramp
                out = (5 + c_i) * 1e12 * noise * (1 + (0.002 * ramp if ai else 0.0))
                rows.append(
                    {
                        "case": case,
                        "year": year,
                        "complex_id": cx,
                        "sector": "electronics",
                        "replication": r,
                        "output_krw": out,
                        "value_added_krw": 0.25 * out,
                        "good_units": 1e6,
                        "electricity_mwh": elec,
                        "peak_mw": elec / 6000,
                        "employees": 10_000.0 + 1000 * c_i,
                        "ai_compute_mwh": 100.0 * ramp if ai else 0.0,
                        "co2_t": 0.4173 * elec,
                    }
                )
    return pd.DataFrame(rows)


def _substations(case: str, ai: bool) -> pd.DataFrame:
    rows = []
    for year in YEARS:
        for i, sid in enumerate(["S1", "S2", "S3", "154kV-direct"]):
            for r in range(REPS):
                load = 100.0 + 30 * i - (5.0 if ai and year == 2032 else 0.0) + r
                cap = float("nan") if sid == "154kV-direct" else 150.0 - 20 * i
                rows.append(
                    {
                        "case": case,
                        "year": year,
                        "substation_id": sid,
                        "replication": r,
                        "load_mw": load,
                        "capacity_mw": cap,
                        "firms": 10,
                    }
                )
    return pd.DataFrame(rows)


def fake_results() -> list[ScenarioResult]:
    """Baseline and the AX plan, with made-up tidy results on shared random numbers."""
    root = repo_root() / "scenarios"
    out = []
    for name, ai in (("baseline", False), ("gumi-ax-2032", True)):
        sc = load_scenario(root / f"{name}.yaml")
        tidy = pd.concat([_tidy("scenario", ai), _tidy("baseline", False)], ignore_index=True)
        subs = pd.concat(
            [_substations("scenario", ai), _substations("baseline", False)], ignore_index=True
        )
        necks = pd.DataFrame(
            columns=["case", "year", "firm_id", "spare_capacity", "customer_output_lost_krw"]
        )
        out.append(ScenarioResult(sc, tidy, {}, RunSettings(replications=REPS), subs, necks))
    return out


def fake_waterfall() -> pd.DataFrame:
    """Steps of the AX plan: the electricity steps add up to the paired total."""
    rows = []
    steps = [
        ("non-lever changes", 0.0),
        ("+ predictive_maintenance", 0.1),
        ("+ energy_optimisation", 0.9),
    ]
    total = -SAVING * sum((1000 + 200 * i) * 1e3 for i in range(len(COMPLEXES)))
    for step, (name, share) in enumerate(steps):
        for kpi in ("value_added_krw", "electricity_mwh", "co2_t", "output_krw"):
            change = share * total if kpi == "electricity_mwh" else share * 1e10
            rows.append(
                {
                    "scenario": "gumi-ax-2032",
                    "step": step,
                    "name": name,
                    "year": 2032,
                    "kpi": kpi,
                    "change": change,
                    "change_low": change * 1.1 - 1,
                    "change_high": change * 0.9 + 1,
                    "cumulative": 0.0,
                }
            )
    return pd.DataFrame(rows)


def fake_briefing(lang: str = "en", **option_fields) -> BriefingData:
    """A briefing on :func:`fake_results` with ROI, tornado and network bottlenecks."""
    from twin.compare import differing_assumptions, paired_differences
    from twin.viz import KPIS

    results = fake_results()
    diffs = paired_differences(results)
    roi = {
        "smt-assembly": {
            "predictive_maintenance": {
                "npv_p10": -3e8,
                "npv_p50": -1e8,
                "npv_p90": 2e8,
                "p_payback_within_3y": 0.2,
            },
            "energy_optimisation": {
                "npv_p10": 1e8,
                "npv_p50": 4e8,
                "npv_p90": 9e8,
                "p_payback_within_3y": 0.9,
            },
        }
    }
    tornado = pd.DataFrame(
        {
            "input": ["adoption.ceiling_multiplier", "grid_factor_t_per_mwh"],
            "low": [0.5, 0.33],
            "high": [1.5, 0.5],
            "diff_at_low": [0.5e11, 1e11],
            "diff_at_high": [1.5e11, 1e11],
            "diff_at_centre": [1e11, 1e11],
            "swing": [1e11, 0.0],
        }
    )
    network = pd.DataFrame(
        {
            "firm_id": ["F0001", "F0004"],
            "name": ["Samsung Electronics Gumi Plant 2", "SK Siltron"],
            "sector": ["electronics", "electronics"],
            "complex_id": ["2", "3"],
            "downstream_output_at_risk_krw": [2.5e11, 1.2e11],
            "n_customers": [40, 12],
        }
    )
    opts = ReportOptions(lang=lang, **option_fields)
    return BriefingData(
        paths=["scenarios/baseline.yaml", "scenarios/gumi-ax-2032.yaml"],
        results=results,
        settings=results[0].settings,
        options=opts,
        year=2032,
        differences=diffs[diffs["kpi"].isin(list(KPIS))].reset_index(drop=True),
        reference="baseline",
        waterfalls=fake_waterfall(),
        substations={r.scenario.name: substation_table(r, 2032) for r in results},
        bottlenecks={r.scenario.name: bottleneck_table(r, 2032) for r in results},
        assumptions=differing_assumptions([r.scenario for r in results]),
        sources=read_sources(),
        roi=roi if opts.roi else None,
        network_bottlenecks=network,
        tornado=tornado if opts.sensitivity != "none" else None,
        notes={"tornado_scenario": "gumi-ax-2032"},
        created="2026-01-01",
        commit="0" * 40,
    )


def test_fake_briefing_is_paired() -> None:
    """The fake's 2032 electricity change is the closed form SAVING x the noisy total."""
    data = fake_briefing()
    d = data.differences
    row = d[
        (d["scenario"] == "gumi-ax-2032") & (d["kpi"] == "electricity_mwh") & (d["year"] == 2032)
    ].iloc[0]
    assert row["diff"] == np.float64(row["diff"])
    expected = -SAVING * row["mean"] / (1 - SAVING)
    assert abs(row["diff"] - expected) < 1e-6 * abs(expected)
    assert row["diff_high"] - row["diff_low"] > 0
