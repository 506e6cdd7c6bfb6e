"""The Factory page's helpers beyond the basics: station time, energy flow, lever effects and
the page's results store (twin.ui.factory_view), checked against the engine's own sums and
closed-form statistics."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from twin.config import load_factory_spec
from twin.experiment import run_factory
from twin.io.paths import factory_specs
from twin.scenario_run import load_levers
from twin.ui import factory_view as view


@pytest.fixture(scope="module")
def shop_run():
    """A short run of the machining shop (fast) and its spec."""
    spec = load_factory_spec(factory_specs()["machining-shop"])
    return spec, run_factory(spec, days=2, warmup_days=1, replications=2, seed=3)


# --------------------------------------------------------------------------- station time


def test_time_shares_by_hand() -> None:
    """Shares of scheduled time (off excluded) group the engine's states as documented."""
    state_min = {
        "a": {"processing": 60.0, "setup": 10.0, "warmup": 10.0, "blocked": 20.0, "idle": 30.0,
              "standby": 10.0, "failed": 40.0, "maintenance": 20.0, "off": 999.0},
        "b": dict.fromkeys(("processing", "idle", "off"), 0.0),
    }  # fmt: skip
    shares = view.time_shares(state_min)
    a = shares.iloc[0]
    assert list(shares["Station"]) == ["a", "b"]
    assert a["busy"] == pytest.approx(60 / 200)
    assert a["setup"] == pytest.approx(20 / 200)
    assert a["blocked"] == pytest.approx(20 / 200)
    assert a["starved"] == pytest.approx(40 / 200)
    assert a["down"] == pytest.approx(60 / 200)
    assert shares.iloc[1][list(view.TIME_GROUPS)].astype(float).isna().all()  # never scheduled


def test_time_shares_of_a_run_cover_scheduled_time(shop_run) -> None:
    """Every machine state the engine has is in exactly one group: shares add up to 1, and
    busy time over available time is the engine's own utilization."""
    spec, run = shop_run
    state_min = view.mean_state_minutes(run.reps)
    grouped = {s for members in view.TIME_GROUPS.values() for s in members}
    assert grouped | {"off"} == set(next(iter(state_min.values())))
    shares = view.time_shares(state_min)
    np.testing.assert_allclose(shares[list(view.TIME_GROUPS)].sum(axis=1), 1.0, rtol=1e-12)
    station = spec.stations[0].name
    expected = np.mean([r.stations[station]["utilization"] for r in run.reps])
    row = shares.set_index("Station").loc[station]
    # the engine's utilization is processing over (scheduled minus down), per replication
    mins = [r.stations[station]["state_min"] for r in run.reps]
    per_rep = [
        m["processing"]
        / (sum(v for k, v in m.items() if k != "off") - m["failed"] - m["maintenance"])
        for m in mins
    ]
    assert np.mean(per_rep) == pytest.approx(expected, rel=1e-12)
    assert row["busy"] <= expected + 1e-12  # busy share of scheduled <= of available time


def test_station_time_figure_marks_the_bottleneck(shop_run) -> None:
    _, run = shop_run
    shares = view.time_shares(view.mean_state_minutes(run.reps))
    fig = view.station_time_figure(shares, run.bottleneck())
    assert [t.name for t in fig.data] == list(view.TIME_GROUPS)
    labels = list(fig.data[0].y)
    marked = [lab for lab in labels if "bottleneck" in lab]
    assert marked == [f"<b>{run.bottleneck()} ◀ bottleneck</b>"]
    assert len(labels) == len(run.spec.stations)
    assert fig.layout.barmode == "stack"
    assert "%" in fig.layout.xaxis.title.text and tuple(fig.layout.xaxis.range) == (0, 100.5)
    assert fig.layout.font.size >= 14 and fig.layout.xaxis.tickfont.size >= 14


# --------------------------------------------------------------------------- energy flow


def test_station_energy_adds_up_to_the_engine_totals(shop_run) -> None:
    """kWh per station and state (time x the spec's power) add up to the engine's energy by
    state and to each station's own energy (conservation, integrated independently)."""
    spec, run = shop_run
    state_min = view.mean_state_minutes(run.reps)
    kwh = view.station_energy_kwh(state_min, view.spec_summary(spec)["power_kw"])
    totals = run.energy_by_state()
    for state in state_min[spec.stations[0].name]:
        assert sum(k[state] for k in kwh.values()) == pytest.approx(totals[state], rel=1e-9)
    for st in spec.stations:
        station_mean = np.mean([r.stations[st.name]["energy_kwh"] for r in run.reps])
        assert sum(kwh[st.name].values()) == pytest.approx(station_mean, rel=1e-9)


def test_energy_sankey_conserves_energy(shop_run) -> None:
    spec, run = shop_run
    state_min = view.mean_state_minutes(run.reps)
    kwh = view.station_energy_kwh(state_min, view.spec_summary(spec)["power_kw"])
    facility = run.energy_by_state()["facility"]
    fig = view.energy_sankey(kwh, facility, run.days)
    sankey = fig.data[0]
    src, dst, val = (np.asarray(x) for x in (sankey.link.source, sankey.link.target,
                                             sankey.link.value))  # fmt: skip
    labels = list(sankey.node.label)
    assert labels[0].startswith("Grid: ")
    total = sum(sum(v.values()) for v in kwh.values()) + facility
    assert val[src == 0].sum() == pytest.approx(total, rel=1e-12)  # every kWh is drawn
    for node in set(dst[src == 0]):  # each station passes on what it receives
        if labels[node].startswith("facility"):
            assert node not in src
            continue
        assert val[src == node].sum() == pytest.approx(val[dst == node].sum(), rel=1e-12)
    states = set(dst) - set(src) - {i for i, lab in enumerate(labels) if "facility" in lab}
    state_kwh = sum(val[dst == n].sum() for n in states)
    assert state_kwh == pytest.approx(total - facility, rel=1e-12)
    assert "kWh" in fig.layout.title.text and fig.layout.font.size >= 14
    assert sankey.valuesuffix == " kWh"


# --------------------------------------------------------------------------- lever effects


def test_paired_change_is_a_student_t_interval_of_differences() -> None:
    without = [10.0, 20.0, 30.0, float("nan")]
    with_ = [11.0, 22.0, 33.0, 5.0]  # the NaN pair is dropped
    ch = view.paired_change(without, with_)
    half = stats.t.ppf(0.975, 2) * 1.0 / math.sqrt(3)  # differences 1, 2, 3: sd 1
    assert ch["mean"] == pytest.approx(2.0)
    assert ch["ci_low"] == pytest.approx(2.0 - half)
    assert ch["ci_high"] == pytest.approx(2.0 + half)
    assert ch["base"] == pytest.approx(20.0)
    assert ch["rel"] == pytest.approx(0.1)
    assert ch["rel_high"] == pytest.approx((2.0 + half) / 20.0)
    zero = view.paired_change([0.0, 0.0], [1.0, 2.0])
    assert zero["rel"] is None and zero["mean"] == pytest.approx(1.5)


@pytest.mark.parametrize(
    ("key", "lo", "hi", "colour"),
    [
        ("throughput_per_h", 0.1, 0.5, "#009E73"),
        ("throughput_per_h", -0.5, -0.1, "#D55E00"),
        ("kwh_per_good_unit", -0.5, -0.1, "#009E73"),
        ("scrap_units", 0.1, 0.5, "#D55E00"),
        ("scrap_units", -0.1, 0.5, "#9e9e9e"),
        ("oee", None, None, "#9e9e9e"),
    ],
)
def test_effect_colour(key: str, lo: float | None, hi: float | None, colour: str) -> None:
    assert view.effect_colour(key, {"mean": 0.0, "ci_low": lo, "ci_high": hi}) == colour


def _effects() -> dict:
    return {
        "settings": {"days": 2, "warmup_days": 1, "replications": 3, "seed": 1},
        "without": {k: [10.0, 20.0, 30.0] for k in view.EFFECT_KPIS},
        "levers": {
            "a": {
                "label": "AI thing (with detail)",
                "unchanged": False,
                "kpis": {k: [11.0, 22.0, 33.0] for k in view.EFFECT_KPIS},
                "quality": {},
                "status": {"estimate": 2},
            },
            "b": {
                "label": "Idle lever",
                "unchanged": True,
                "kpis": {k: [10.0, 20.0, 30.0] for k in view.EFFECT_KPIS},
                "quality": {},
                "status": {"published": 1},
            },
        },
    }


def test_lever_effects_table_and_figure() -> None:
    effects = _effects()
    table = view.lever_effects_table(effects)
    assert list(table["Lever"]) == ["Without levers (mean)", "AI thing", "Idle lever"]
    assert "OEE (pp)" in table.columns  # a change of a percentage is in points
    assert table.loc[0, "Throughput (good units/h)"] == "20.0"
    thr = table.loc[1, "Throughput (good units/h)"]
    assert thr.startswith("+2.0 ± 2.5") and thr.endswith("(+10.0 %)")
    assert set(table.iloc[2, 1:]) == {"no change"}
    fig = view.lever_effects_figure(effects)
    assert len(fig.data) == len(view.CHART_EFFECT_KPIS)
    first = fig.data[0]
    assert list(first.y) == ["AI thing", "Idle lever"]
    assert first.x[0] == pytest.approx(10.0) and first.x[1] == 0.0
    assert list(first.text) == ["+10.0 %", "no change"]
    titles = [a.text for a in fig.layout.annotations]
    assert titles[0] == "Throughput: change (%)"
    assert fig.layout.font.size >= 14


def test_measure_lever_effects_pairs_runs_on_common_random_numbers() -> None:
    """Without the predictive-maintenance file the line is run as it is: the runs without
    levers equal a plain run exactly; the yield lever (lower defect rates) lowers scrap plus
    escapes in every replication; progress reaches 1."""
    spec = load_factory_spec(factory_specs()["smt-line"])
    levers = {"yield_optimisation": load_levers()["yield_optimisation"]}
    seen: list[float] = []
    effects = view.measure_lever_effects(
        spec,
        days=2,
        warmup_days=0.5,
        replications=3,
        seed=5,
        progress=lambda f, _text: seen.append(f),
        lever_specs=levers,
    )
    plain = run_factory(spec, days=2, warmup_days=0.5, replications=3, seed=5)
    for key in view.EFFECT_KPIS:
        assert effects["without"][key] == [r.kpis[key] for r in plain.reps]
    lever = effects["levers"]["yield_optimisation"]
    assert not lever["unchanged"] and set(lever["status"]) <= {"published", "estimate", "synthetic"}
    bad_without = np.add(effects["without"]["scrap_units"], effects["without"]["escaped_defects"])
    bad_with = np.add(lever["kpis"]["scrap_units"], lever["kpis"]["escaped_defects"])
    assert bad_with.sum() < bad_without.sum()
    assert seen == sorted(seen) and seen[0] == 0.0 and seen[-1] == 1.0


# --------------------------------------------------------------------------- results store


def test_stored_computes_once_and_recovers_from_damage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUMI_TWIN_CACHE", str(tmp_path))
    calls: list[int] = []

    def compute() -> dict:
        calls.append(1)
        return {"value": len(calls)}

    assert view.load_stored("run", ["x", 1]) is None
    assert view.stored("run", ["x", 1], compute) == {"value": 1}
    assert view.stored("run", ["x", 1], compute) == {"value": 1}  # from the store
    assert view.load_stored("run", ["x", 1]) == {"value": 1}
    assert view.stored("run", ["x", 2], compute) == {"value": 2}  # other settings, new entry
    files = list((tmp_path / "explorer-factory").glob("*.pkl"))
    assert len(files) == 2
    for f in files:
        f.write_bytes(b"not a pickle")
    assert view.stored("run", ["x", 1], compute) == {"value": 3}  # damaged: computed again

    def fail() -> dict:
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        view.stored("run", ["y"], fail)
    assert not list((tmp_path / "explorer-factory").glob("*.tmp"))  # nothing half-written
    assert view.load_stored("run", ["y"]) is None


def test_data_digest_follows_the_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A changed data file changes every stored key (no stale result is served)."""
    from twin.io.digest import data_digest
    from twin.io.paths import data_dir

    shutil.copytree(Path(data_dir()), tmp_path / "data")
    monkeypatch.setenv("GUMI_TWIN_ROOT", str(tmp_path))
    before = data_digest()
    assert data_digest() == before
    spec = tmp_path / "data" / "factories" / "smt-line.yaml"
    spec.write_text(spec.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert data_digest() != before
