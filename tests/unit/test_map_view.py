"""The Map page's helpers (twin.ui.map_view) on a small made-up result with known sums.

The result is built firm by firm from the shipped firm layer (every second firm adopts two
levers and gains 5 % output), then summed to the tidy complex rows independently of the code
under test, so aggregation, adoption shares, CO2 and the map spec can be checked against it.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest

from twin.config.scenario import load_scenario
from twin.io.paths import repo_root
from twin.projection import RunSettings
from twin.scenario_run import ScenarioResult
from twin.ui import map_view as view

YEARS = (2031, 2032)
REPS = 2
GAIN = 0.05


def _adopts(index: np.ndarray) -> np.ndarray:
    return index % 2 == 0


def fake_result(geo: view.Geometry, name: str = "gumi-ax-2032") -> ScenarioResult:
    """A result built firm by firm; complexes are sums of firms (see the module docstring)."""
    scenario = load_scenario(repo_root() / "scenarios" / f"{name}.yaml")
    factor = scenario.grid_factor_t_per_mwh.value
    f = pd.DataFrame(geo.firms.drop(columns="geometry")).reset_index(drop=True)
    adopt = _adopts(np.arange(len(f)))
    per_rep, firm_rows = [], []
    for case in ("scenario", "baseline"):
        on = adopt & (case == "scenario")
        for year in YEARS:
            reps = []
            for r in range(REPS):
                grow = 1 + 0.02 * (year - 2031) + 0.01 * r
                out = f["production_krw"].to_numpy() * grow * np.where(on, 1 + GAIN, 1.0)
                elec = f["electricity_mwh"].to_numpy() * grow * np.where(on, 0.9, 1.0)
                rep = pd.DataFrame(
                    {
                        "case": case,
                        "year": year,
                        "replication": r,
                        "firm_id": f["firm_id"],
                        "complex_id": f["complex_id"],
                        "sector": f["sector"],
                        "employees": f["employees"].astype(float),
                        "output_krw": out,
                        "value_added_krw": 0.3 * out,
                        "good_units": 0.0,
                        "electricity_mwh": elec,
                        "peak_mw": elec / 5000.0,
                        "ai_compute_mwh": np.where(on, 10.0, 0.0),
                    }
                )
                reps.append(rep)
            both = pd.concat(reps)
            per_rep.append(both)
            means = both.groupby("firm_id", sort=False)[
                ["output_krw", "value_added_krw", "electricity_mwh", "peak_mw", "ai_compute_mwh"]
            ].mean()
            means["levers_used"] = np.where(on, 2, 0)
            firm_rows.append(means.reset_index().assign(case=case, year=year))
    reps = pd.concat(per_rep, ignore_index=True)
    keys = ["case", "year", "complex_id", "sector", "replication"]
    tidy = reps.groupby(keys, as_index=False)[
        [
            "output_krw",
            "value_added_krw",
            "good_units",
            "electricity_mwh",
            "peak_mw",
            "employees",
            "ai_compute_mwh",
        ]
    ].sum()
    tidy["co2_t"] = (tidy["electricity_mwh"] + tidy["ai_compute_mwh"]) * factor
    subs = []
    share = {"S1": 0.5, "S2": 0.85, "S3": 1.2}
    for case in ("scenario", "baseline"):
        for year in YEARS:
            for sid, cap in zip(
                geo.substations["substation_id"], geo.substations["capacity_mw"], strict=True
            ):
                for r in range(REPS):
                    load = cap * share.get(sid, 0.3) * (1 + 0.01 * r)
                    subs.append((case, year, sid, r, load, cap, 10))
                subs.append((case, year, "154kV-direct", 0, 500.0, np.nan, 4))
                subs.append((case, year, "154kV-direct", 1, 510.0, np.nan, 4))
    substations = pd.DataFrame(
        subs,
        columns=["case", "year", "substation_id", "replication", "load_mw", "capacity_mw", "firms"],
    )
    necks = pd.DataFrame(
        {
            "case": ["scenario", "scenario"],
            "year": [2032, 2032],
            "firm_id": ["F0010", "F0020"],
            "spare_capacity": [0.0, 0.01],
            "customer_output_lost_krw": [5e9, 2e10],
        }
    )
    return ScenarioResult(
        scenario,
        tidy,
        {},
        RunSettings(replications=REPS, seed=1),
        substations,
        necks,
        pd.concat(firm_rows, ignore_index=True),
    )


@pytest.fixture(scope="module")
def geo() -> view.Geometry:
    return view.load_geometry()


@pytest.fixture(scope="module")
def result(geo: view.Geometry) -> ScenarioResult:
    return fake_result(geo)


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize("kpi", ["output_krw", "electricity_mwh", "peak_mw", "co2_t"])
def test_complex_sums_equal_the_tidy_totals(result, geo, kpi) -> None:
    values = view.complex_values(result, geo, kpi, 2032)
    t = result.tidy[result.tidy["year"] == 2032]
    for case in ("scenario", "baseline"):
        total = t[t["case"] == case].groupby("replication")[kpi].sum().mean()
        assert values[case].sum() == pytest.approx(total, rel=1e-12)
    assert values["change"].to_numpy() == pytest.approx(
        (values["scenario"] - values["baseline"]).to_numpy(), rel=1e-9, abs=1e-6
    )
    assert list(values["complex_id"]) == list(geo.complexes["complex_id"])
    assert values["firms"].sum() == len(geo.firms)


def test_production_change_is_the_adopters_gain(result, geo) -> None:
    values = view.complex_values(result, geo, "output_krw", 2032)
    f = pd.DataFrame(geo.firms.drop(columns="geometry")).reset_index(drop=True)
    grow = np.mean([1.02 + 0.01 * r for r in range(REPS)])
    gained = f["production_krw"].where(_adopts(np.arange(len(f))), 0.0) * GAIN * grow
    expected = gained.groupby(f["complex_id"]).sum()
    got = values.set_index("complex_id")["change"]
    assert got.to_numpy() == pytest.approx(expected.reindex(got.index).to_numpy(), rel=1e-9)


def test_adoption_is_the_share_of_firms_using_levers(result, geo) -> None:
    values = view.complex_values(result, geo, "adoption", 2032).set_index("complex_id")
    f = pd.DataFrame(geo.firms.drop(columns="geometry")).reset_index(drop=True)
    share = pd.Series(_adopts(np.arange(len(f)))).groupby(f["complex_id"]).mean()
    assert values["scenario"].to_numpy() == pytest.approx(share.reindex(values.index).to_numpy())
    assert (values["baseline"] == 0).all()
    assert values["change_pct"].to_numpy() == pytest.approx(100 * values["scenario"].to_numpy())


def test_firm_co2_is_electricity_and_compute_times_the_grid_factor(result, geo) -> None:
    firms = view.firm_values(result, geo, "co2_t", 2032).set_index("firm_id")
    factor = result.scenario.grid_factor_t_per_mwh.value
    f = result.firms[(result.firms["year"] == 2032) & (result.firms["case"] == "scenario")]
    f = f.set_index("firm_id")
    expected = (f["electricity_mwh"] + f["ai_compute_mwh"]) * factor
    assert firms["scenario"].to_numpy() == pytest.approx(expected.reindex(firms.index).to_numpy())
    assert len(firms) == len(geo.firms)
    assert firms["lon"].between(128.3, 128.6).all() and firms["lat"].between(36.0, 36.3).all()


def test_firm_adoption_counts_levers(result, geo) -> None:
    firms = view.firm_values(result, geo, "adoption", 2032)
    assert set(firms["scenario"]) == {0, 2}
    assert (firms["change_pct"] == firms["change"]).all()


# --------------------------------------------------------------------------- colours


def _luminance(rgb: list[int]) -> float:
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]


@pytest.mark.parametrize("stops", [view.COMPLEX_STOPS, view.FIRM_STOPS])
@pytest.mark.parametrize("log", [False, True])
def test_sequential_scales_darken_monotonically(stops, log) -> None:
    scale = view.level_scale([1.0, 10.0, 1000.0], stops, log=log)
    values = np.geomspace(1.0, 1000.0, 40) if log else np.linspace(0.0, 1000.0, 40)
    lum = [_luminance(scale.rgb(v)) for v in values]
    assert all(b <= a for a, b in itertools.pairwise(lum))
    assert lum[0] > lum[-1] + 100  # from light to dark, visibly
    assert scale.rgb(-5.0) == scale.rgb(scale.vmin)  # clamped at the ends
    assert scale.rgb(1e9) == list(view._rgb(stops[-1]))
    assert scale.rgb(float("nan")) == [200, 200, 200]


def test_change_scale_is_symmetric_around_zero() -> None:
    scale = view.change_scale([-2.0, 1.0, 4.0])
    assert (scale.vmin, scale.vmax) == (-4.0, 4.0)
    assert scale.rgb(0.0) == list(view._rgb(view.CHANGE_STOPS[2]))
    assert scale.rgb(-4.0) == list(view._rgb(view.CHANGE_STOPS[0]))
    assert scale.rgb(4.0) == list(view._rgb(view.CHANGE_STOPS[-1]))
    # Both halves fade to the neutral middle at equal distances.
    mid = _luminance(scale.rgb(0.0))
    for v in (1.0, 2.0, 3.0):
        assert _luminance(scale.rgb(v)) < mid and _luminance(scale.rgb(-v)) < mid
    trimmed = view.change_scale(list(range(101)), quantile=0.9)
    assert trimmed.vmax == pytest.approx(90.0)
    assert view.change_scale([0.0, 0.0]).vmax == 1.0  # no change: a neutral map, no division


@pytest.mark.parametrize(
    ("share", "band"),
    [
        (0.5, "below 80 %"),
        (0.7999, "below 80 %"),
        (0.8, "80-100 %"),
        (1.0, "80-100 %"),
        (1.0001, "above 100 %"),
        (float("nan"), "no capacity given"),
    ],
)
def test_load_bands(share, band) -> None:
    assert view.load_band(share) == band
    assert view.load_colour(share) == list(view._rgb(view.LOAD_COLOURS[band]))


def test_overloaded_substations_are_red() -> None:
    r, g, b = view.load_colour(1.3)
    assert r > 200 and g < 120 and b < 50


# --------------------------------------------------------------------------- view and layers


def _mercator_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def test_initial_view_fits_the_geometry_tightly(geo) -> None:
    width, height = 1100, 640
    v = view.initial_view(geo, width, height)
    px_per_rad = 512 * 2 ** v["zoom"] / (2 * math.pi)
    pts = np.vstack(
        [
            geo.complexes.get_coordinates().to_numpy(),
            geo.substations.get_coordinates().to_numpy(),
        ]
    )
    x = (np.radians(pts[:, 0]) - math.radians(v["longitude"])) * px_per_rad
    y = np.array([_mercator_y(lat) for lat in pts[:, 1]]) - _mercator_y(v["latitude"])
    y = y * px_per_rad
    assert np.abs(x).max() <= width / 2 and np.abs(y).max() <= height / 2
    # Half a zoom level closer would cut something off: the view is not needlessly wide.
    assert max(np.abs(x).max() / (width / 2), np.abs(y).max() / (height / 2)) * 2**0.5 > 1


def test_initial_view_does_not_depend_on_the_data(geo, result) -> None:
    a = view.deck(geo, *_layers(result, geo, "output_krw", view.LEVEL, 2032))
    b = view.deck(geo, *_layers(result, geo, "co2_t", view.CHANGE, 2031))
    assert (
        json.loads(a.to_json())["initialViewState"] == json.loads(b.to_json())["initialViewState"]
    )


def _layers(result, geo, kpi, mode, year, firms=True, subs=True):
    spec = view.MAP_KPIS[kpi]
    cx = view.complex_values(result, geo, kpi, year)
    fm = view.firm_values(result, geo, kpi, year)
    st = view.substation_display(result, geo, year).dropna(subset=["lon"])
    necks = view.bottleneck_display(result, geo, year)
    cs, fs = view.scales(cx, fm, spec, mode)
    return cx, fm if firms else None, st if subs else None, necks, spec, year, mode, cs, fs


def test_deck_is_offline_and_every_pickable_row_has_a_tooltip(geo, result) -> None:
    spec = json.loads(
        view.deck(geo, *_layers(result, geo, "output_krw", view.LEVEL, 2032)).to_json()
    )
    assert spec.get("mapStyle", "__MAP_STYLE__") == "__MAP_STYLE__"  # no basemap to fetch
    assert "http" not in json.dumps({k: v for k, v in spec.items() if k != "layers"})
    layers = {layer["id"]: layer for layer in spec["layers"]}
    assert {"complexes", "river", "firms", "substation-load", "bottlenecks"} <= set(layers)
    assert len(layers["firms"]["data"]) == len(geo.firms)
    assert len(layers["complexes"]["data"]) >= len(geo.complexes)
    for layer in spec["layers"]:
        if layer.get("pickable"):
            for row in layer["data"]:
                assert {"title", "body", "note"} <= set(row), layer["id"]
    # The two ranked bottlenecks, the larger loss first.
    assert [r["label"] for r in layers["bottlenecks"]["data"]] == ["1", "2"]
    assert (
        "F0020" in layers["bottlenecks"]["data"][0]["title"]
        or "#1" in (layers["bottlenecks"]["data"][0]["title"])
    )
    with_base = json.loads(
        view.deck(
            geo, *_layers(result, geo, "output_krw", view.LEVEL, 2032), basemap=True
        ).to_json()
    )
    assert "cartocdn" in with_base["mapStyle"]


def test_layers_can_be_left_out(geo, result) -> None:
    args = _layers(result, geo, "peak_mw", view.LEVEL, 2032, firms=False, subs=False)
    ids = {layer["id"] for layer in json.loads(view.deck(geo, *args).to_json())["layers"]}
    assert "complexes" in ids and "river" in ids
    assert not ids & {"firms", "bottlenecks", "substation-load", "substation-capacity"}


def test_tooltips_carry_units(geo, result) -> None:
    spec = view.MAP_KPIS["output_krw"]
    cx = view.complex_values(result, geo, "output_krw", 2032).iloc[0].to_dict()
    tip = view.complex_tooltip(cx, spec, 2032)
    assert "tn KRW" in tip["body"] and "Production 2032" in tip["body"] and "%" in tip["body"]
    fm = view.firm_values(result, geo, "electricity_mwh", 2032).iloc[0].to_dict()
    tip = view.firm_tooltip(fm, view.MAP_KPIS["electricity_mwh"], 2032)
    assert "MWh" in tip["body"] and "Employees" in tip["body"] and "Sector" in tip["body"]
    assert fm["name"] in tip["title"]
    subs = view.substation_display(result, geo, 2032).dropna(subset=["lon"])
    tip = view.substation_tooltip(subs.iloc[0].to_dict(), 2032)
    assert tip["body"].count("MW") >= 3 and "Load share" in tip["body"]
    adopt = view.complex_values(result, geo, "adoption", 2032).iloc[0].to_dict()
    assert " pp" in view.complex_tooltip(adopt, view.MAP_KPIS["adoption"], 2032)["body"]


def test_firm_sizes_are_area_proportional() -> None:
    r = view.firm_radius_m(pd.Series([0.0, 100.0, 400.0]))
    assert r[0] == pytest.approx(20.0)
    assert (r[2] - 20) / (r[1] - 20) == pytest.approx(2.0)  # 4x the value, 2x the radius
    assert view.substation_radius_m(4 * 100.0) == pytest.approx(2 * view.substation_radius_m(100.0))


# --------------------------------------------------------------------------- tables


def test_substation_display_bands_and_direct_supply(geo, result) -> None:
    subs = view.substation_display(result, geo, 2032).set_index("substation_id")
    assert subs.loc["S3", "band"] == "above 100 %"
    assert subs.loc["S2", "band"] == "80-100 %"
    assert subs.loc["S1", "load_share"] == pytest.approx(0.5 * 1.005)
    assert math.isnan(subs.loc["154kV-direct", "lon"])
    assert subs.loc["154kV-direct", "load_mw"] == pytest.approx(505.0)
    table = view.substation_table_view(subs.reset_index())
    assert table.loc[table["Substation"] == "S3", "Load share (%)"].iloc[0] > 100


def test_bottlenecks_ranked_by_lost_output(geo, result) -> None:
    necks = view.bottleneck_display(result, geo, 2032)
    assert list(necks["firm_id"]) == ["F0020", "F0010"]
    assert list(necks["rank"]) == [1, 2]
    assert necks["lost_bn_krw"].tolist() == pytest.approx([20.0, 5.0])
    assert view.bottleneck_display(result, geo, 2031).empty


def test_complex_table_in_display_units(geo, result) -> None:
    values = view.complex_values(result, geo, "output_krw", 2032)
    table = view.complex_table(values, view.MAP_KPIS["output_krw"], 2032)
    col = "Production 2032 (tn KRW)"
    assert table[col].sum() == pytest.approx(values["scenario"].sum() / 1e12)
    assert "Change (%)" in table
    adoption = view.complex_values(result, geo, "adoption", 2032)
    shares = view.complex_table(adoption, view.MAP_KPIS["adoption"], 2032)
    assert shares["Change (pp)"].to_numpy() == pytest.approx(100 * adoption["change"].to_numpy())
    formats = view.number_formats(table)
    assert formats["Firms"] == "%,d" and col in formats and "Name" not in formats


def test_legends_name_units_and_scales(geo, result) -> None:
    spec = view.MAP_KPIS["output_krw"]
    cx = view.complex_values(result, geo, "output_krw", 2032)
    fm = view.firm_values(result, geo, "output_krw", 2032)
    level = view.legends(spec, view.LEVEL, *view.scales(cx, fm, spec, view.LEVEL))
    assert [lg.unit for lg in level] == ["tn KRW", "bn KRW, log scale"]
    html = level[0].html()
    assert "linear-gradient" in html and "tn KRW" in html
    change = view.legends(spec, view.CHANGE, *view.scales(cx, fm, spec, view.CHANGE))
    assert all("% vs baseline" in lg.unit and lg.signed for lg in change)
    status = view.map_status(geo, result)
    assert set(status.values()) <= {"published", "estimate", "synthetic"}
    assert any("Firms" in k and v == "synthetic" for k, v in status.items())
