"""Presentation helpers for the Map page: KPI values by complex and firm, colour scales,
tooltips, tables and the pydeck map spec (no streamlit here, so all of it is unit-testable).

The map draws only the shipped geometry (``data/gumi.gpkg``): no basemap tiles are needed,
so it works offline (CI, meeting rooms without internet). Its initial view is computed from
the geometry's bounds, never from the data shown, so a widget change keeps the view.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon

from twin.io.geo import read_layer
from twin.scenario_run import ScenarioResult, bottleneck_table, substation_table
from twin.viz import KPIS, NOTICE, STATUS_COLOURS

__all__ = [
    "CHANGE",
    "CHANGE_STOPS",
    "COMPLEX_STOPS",
    "FIRM_STOPS",
    "LEVEL",
    "LOAD_COLOURS",
    "MAP_KPIS",
    "MODES",
    "NOTICE",
    "SIZE_BY",
    "SUBSTATION_CAPTION",
    "TOOLTIP",
    "ColourScale",
    "Geometry",
    "Legend",
    "MapKpi",
    "bottleneck_display",
    "bottleneck_table_view",
    "change_scale",
    "complex_caption",
    "complex_table",
    "complex_tooltip",
    "complex_values",
    "deck",
    "firm_radius_m",
    "firm_tooltip",
    "firm_values",
    "initial_view",
    "legend_html",
    "legends",
    "level_scale",
    "load_band",
    "load_colour",
    "load_geometry",
    "map_caption",
    "map_status",
    "number_formats",
    "scales",
    "status_badges",
    "substation_display",
    "substation_radius_m",
    "substation_table_view",
    "substation_tooltip",
]

LEVEL = "level"
CHANGE = "change vs baseline"
MODES = (LEVEL, CHANGE)
SIZE_BY = {"employees": "Employees", "output_krw": "Production"}
WGS84 = "EPSG:4326"
DIRECT = "154kV-direct"

# Colour stops (hex): complexes light blues (a background the firm points stand out on),
# firms yellow-orange-brown, changes a diverging brown-white-purple (colour-blind safe,
# ColorBrewer PuOr); all readable on a projector.
COMPLEX_STOPS = ("#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b")
FIRM_STOPS = ("#fff7bc", "#fec44f", "#ec7014", "#993404", "#4d1a02")
CHANGE_STOPS = ("#b35806", "#f1a340", "#f7f7f7", "#998ec3", "#542788")
#: Substation load against capacity (Okabe-Ito): below 80 %, 80-100 %, above 100 %.
LOAD_COLOURS = {
    "below 80 %": "#009E73",
    "80-100 %": "#E69F00",
    "above 100 %": "#D55E00",
    "no capacity given": "#7f7f7f",
}
BOTTLENECK_COLOUR = "#d62728"
RIVER_COLOUR = "#4a90d9"


@dataclass(frozen=True)
class MapKpi:
    """A KPI the map can colour by, with its units for complexes and for single firms."""

    key: str
    label: str
    unit: str  # complexes
    divisor: float
    firm_unit: str
    firm_divisor: float
    extensive: bool = True  # sums over firms (False: the adoption share)

    def complex_text(self, value: float) -> str:
        """A complex value with its unit."""
        return _fmt(value / self.divisor, self.unit)

    def firm_text(self, value: float) -> str:
        """A firm value with its unit."""
        return _fmt(value / self.firm_divisor, self.firm_unit)


def _kpi(key: str, firm_unit: str, firm_divisor: float) -> MapKpi:
    k = KPIS[key]
    return MapKpi(key, k.label, k.unit, k.divisor, firm_unit, firm_divisor)


#: The KPIs offered, in menu order. ``adoption``: share of a complex's firms using at least
#: one AI lever (for a firm: the number of levers it uses).
MAP_KPIS = {
    "output_krw": _kpi("output_krw", "bn KRW", 1e9),
    "value_added_krw": _kpi("value_added_krw", "bn KRW", 1e9),
    "electricity_mwh": _kpi("electricity_mwh", "MWh", 1.0),
    "peak_mw": _kpi("peak_mw", "MW", 1.0),
    "co2_t": _kpi("co2_t", "t", 1.0),
    "adoption": MapKpi(
        "adoption", "AI adoption (firms using levers)", "%", 0.01, "levers", 1.0, extensive=False
    ),
}


def _fmt(value: float, unit: str) -> str:
    if value is None or not np.isfinite(value):
        return "—"
    a = abs(value)
    digits = 0 if a >= 100 else 1 if a >= 10 else 2 if a >= 0.1 else 3
    return f"{value:,.{digits}f} {unit}".strip()


def _pct(value: float) -> str:
    if value is None or not np.isfinite(value):
        return "—"
    return f"{value:+.1f} %"


# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class Geometry:
    """The map layers of ``data/gumi.gpkg`` in WGS84 (lon/lat, as pydeck wants them)."""

    complexes: gpd.GeoDataFrame
    firms: gpd.GeoDataFrame
    substations: gpd.GeoDataFrame
    river: gpd.GeoDataFrame


def load_geometry(path: str | None = None) -> Geometry:
    """Read the four map layers and convert them to WGS84.

    Raises
    ------
    twin.core.errors.InputError
        When the GeoPackage or a layer cannot be read.
    """
    layers = {n: read_layer(n, path).to_crs(WGS84) for n in Geometry.__dataclass_fields__}
    return Geometry(**layers)


def initial_view(geo: Geometry, width_px: int = 1100, height_px: int = 640) -> dict[str, float]:
    """A fixed view that fits the complexes and substations in a ``width_px`` x ``height_px`` map.

    From the geometry's bounds only (never the data shown), so the view does not move when a
    widget changes. Web Mercator: at zoom ``z`` a degree of longitude spans
    ``512 * 2**z / 360`` pixels (deck.gl's 512-pixel world); latitude is stretched by
    ``1 / cos(lat)``.
    """
    bounds = np.vstack([geo.complexes.total_bounds, geo.substations.total_bounds])
    lon0, lat0 = bounds[:, 0].min(), bounds[:, 1].min()
    lon1, lat1 = bounds[:, 2].max(), bounds[:, 3].max()
    lat_c = (lat0 + lat1) / 2
    pad = 1.15  # a margin around the outlines
    span_lon = max(lon1 - lon0, 1e-4) * pad
    span_lat = max(lat1 - lat0, 1e-4) * pad / math.cos(math.radians(lat_c))
    zoom = min(
        math.log2(width_px * 360 / (512 * span_lon)), math.log2(height_px * 360 / (512 * span_lat))
    )
    return {
        "longitude": round(float((lon0 + lon1) / 2), 5),
        "latitude": round(float(lat_c), 5),
        "zoom": round(math.floor(zoom * 10) / 10, 1),
        "pitch": 0,
        "bearing": 0,
    }


# --------------------------------------------------------------------------- values


def _replication_sums(tidy: pd.DataFrame, year: int, column: str) -> pd.DataFrame:
    """Per complex: ``column`` summed over sectors per case and replication in ``year``."""
    t = tidy[tidy["year"] == year]
    return (
        t.groupby(["complex_id", "case", "replication"])[column].sum().unstack("case").reset_index()
    )


def complex_values(result: ScenarioResult, geo: Geometry, kpi: str, year: int) -> pd.DataFrame:
    """A KPI per complex in ``year``: scenario, its own zero-adoption baseline and the change.

    Extensive KPIs are sums over the complex's rows of ``result.tidy`` (mean over
    replications; the change is the mean of paired per-replication differences). ``adoption``
    is the share of the complex's firms using at least one lever (``result.firms``).

    Returns
    -------
    pandas.DataFrame
        One row per complex of ``geo`` (its order): ``complex_id``, ``name``, ``firms``,
        ``employees``, ``scenario``, ``baseline``, ``change`` (in the KPI's base unit: KRW,
        MWh, MW, t, or a share 0-1) and ``change_pct`` (percent of the baseline; for
        ``adoption`` the change in percentage points).
    """
    spec = MAP_KPIS[kpi]
    firms = pd.DataFrame(geo.firms.drop(columns="geometry"))
    counts = firms.groupby("complex_id").agg(
        firms=("firm_id", "size"), employees=("employees", "sum")
    )
    if spec.extensive:
        per = _replication_sums(result.tidy, year, kpi)
        per["change"] = per["scenario"] - per["baseline"]
        vals = per.groupby("complex_id")[["scenario", "baseline", "change"]].mean()
        vals["change_pct"] = 100 * vals["change"] / vals["baseline"].where(vals["baseline"] != 0)
    else:
        used = _firm_frame(result, year, "levers_used")
        used = used.merge(firms[["firm_id", "complex_id"]], on="firm_id")
        vals = used.groupby("complex_id")[["scenario", "baseline"]].agg(lambda s: (s > 0).mean())
        vals["change"] = vals["scenario"] - vals["baseline"]
        vals["change_pct"] = 100 * vals["change"]
    out = pd.DataFrame(geo.complexes.drop(columns="geometry"))[["complex_id", "name"]]
    out = out.merge(counts, left_on="complex_id", right_index=True, how="left")
    out = out.merge(vals, left_on="complex_id", right_index=True, how="left")
    out[["firms", "employees"]] = out[["firms", "employees"]].fillna(0).astype(int)
    return out.reset_index(drop=True)


def _firm_frame(result: ScenarioResult, year: int, column: str) -> pd.DataFrame:
    """``column`` of ``result.firms`` in ``year``: one row per firm, scenario and baseline."""
    f = result.firms[result.firms["year"] == year]
    wide = f.pivot(index="firm_id", columns="case", values=column)
    return wide.reindex(columns=["scenario", "baseline"]).reset_index()


def firm_values(result: ScenarioResult, geo: Geometry, kpi: str, year: int) -> pd.DataFrame:
    """A KPI per firm in ``year`` (replication means), with the firm's attributes.

    CO2 of a firm is its electricity plus its edge AI compute times the scenario's grid
    factor (a shared data cluster's energy is counted by complex, not by firm). For
    ``adoption`` the value is the number of levers the firm uses.

    Returns
    -------
    pandas.DataFrame
        The firm layer's ``firm_id``, ``name``, ``synthetic``, ``complex_id``, ``sector``,
        ``employees``, ``lon``, ``lat``, the firm's production ``output_krw`` in the
        scenario, and ``scenario``, ``baseline``, ``change``, ``change_pct`` of the KPI.
    """
    cols = ["firm_id", "name", "synthetic", "complex_id", "sector", "employees"]
    out = pd.DataFrame(geo.firms[cols])
    out["lon"] = geo.firms.geometry.x.to_numpy()
    out["lat"] = geo.firms.geometry.y.to_numpy()
    if kpi == "co2_t":
        factor = result.scenario.grid_factor_t_per_mwh.value
        e = _firm_frame(result, year, "electricity_mwh").set_index("firm_id")
        a = _firm_frame(result, year, "ai_compute_mwh").set_index("firm_id")
        vals = ((e + a) * factor).reset_index()
    else:
        column = "levers_used" if kpi == "adoption" else kpi
        vals = _firm_frame(result, year, column)
    production = _firm_frame(result, year, "output_krw")[["firm_id", "scenario"]]
    out = out.merge(production.rename(columns={"scenario": "output_krw"}), on="firm_id", how="left")
    out = out.merge(vals, on="firm_id", how="left")
    out["change"] = out["scenario"] - out["baseline"]
    base = out["baseline"].where(out["baseline"] != 0)
    out["change_pct"] = 100 * out["change"] / base if kpi != "adoption" else out["change"]
    return out


# --------------------------------------------------------------------------- colours


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


@dataclass(frozen=True)
class ColourScale:
    """A linear (or log10) colour scale from ``vmin`` to ``vmax`` through ``stops``.

    Values outside the range get the end colours; missing values grey.
    """

    stops: tuple[str, ...]
    vmin: float
    vmax: float
    log: bool = False

    def position(self, value: float) -> float:
        """Where ``value`` lies on the scale, 0 to 1 (NaN for a missing value)."""
        if value is None or not np.isfinite(value):
            return float("nan")
        lo, hi, v = self.vmin, self.vmax, float(value)
        if self.log:
            lo, hi, v = (math.log10(max(x, 1e-12)) for x in (lo, hi, v))
        if hi <= lo:
            return 0.5
        return min(max((v - lo) / (hi - lo), 0.0), 1.0)

    def rgb(self, value: float) -> list[int]:
        """``[r, g, b]`` of ``value``."""
        t = self.position(value)
        if not np.isfinite(t):
            return [200, 200, 200]
        x = t * (len(self.stops) - 1)
        i = min(int(x), len(self.stops) - 2)
        a, b = _rgb(self.stops[i]), _rgb(self.stops[i + 1])
        f = x - i
        return [round(a[k] + (b[k] - a[k]) * f) for k in range(3)]

    def gradient_css(self) -> str:
        """The scale as a CSS linear gradient (for the legend)."""
        return f"linear-gradient(to right, {', '.join(self.stops)})"

    def ticks(self, n: int = 5) -> list[float]:
        """``n`` values evenly spaced along the scale (log-spaced on a log scale)."""
        if self.log:
            lo, hi = math.log10(max(self.vmin, 1e-12)), math.log10(max(self.vmax, 1e-12))
            return [10 ** (lo + (hi - lo) * i / (n - 1)) for i in range(n)]
        return [self.vmin + (self.vmax - self.vmin) * i / (n - 1) for i in range(n)]


def _finite(values: Sequence[float] | pd.Series) -> np.ndarray:
    a = np.asarray(values, dtype=float)
    return a[np.isfinite(a)]


def level_scale(
    values: Sequence[float] | pd.Series, stops: tuple[str, ...], log: bool = False
) -> ColourScale:
    """A sequential scale over ``values``: from 0 (linear) or the smallest positive value
    (log) to the largest."""
    a = _finite(values)
    if log:
        a = a[a > 0]
        if a.size == 0:
            return ColourScale(stops, 1.0, 10.0, log=True)
        return ColourScale(stops, float(a.min()), float(a.max()), log=True)
    hi = float(a.max()) if a.size else 1.0
    return ColourScale(stops, 0.0, hi if hi > 0 else 1.0)


def change_scale(values: Sequence[float] | pd.Series, quantile: float = 1.0) -> ColourScale:
    """A diverging scale symmetric around 0, to the ``quantile`` of the absolute values
    (values beyond get the end colours)."""
    a = np.abs(_finite(values))
    lim = float(np.quantile(a, quantile)) if a.size else 0.0
    lim = lim if lim > 0 else 1.0
    return ColourScale(CHANGE_STOPS, -lim, lim)


def load_band(share: float) -> str:
    """The load band of a substation's load share (load / capacity)."""
    if share is None or not np.isfinite(share):
        return "no capacity given"
    if share > 1.0:
        return "above 100 %"
    return "80-100 %" if share >= 0.8 else "below 80 %"


def load_colour(share: float) -> list[int]:
    """``[r, g, b]`` of a substation's load share (red above 100 %)."""
    return list(_rgb(LOAD_COLOURS[load_band(share)]))


# --------------------------------------------------------------------------- map layers


def _rings(geom: Polygon | MultiPolygon) -> list[list[list[list[float]]]]:
    """Each polygon of ``geom`` as rings of ``[lon, lat]`` (exterior first, then holes)."""
    polys = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
    return [
        [
            [[round(x, 6), round(y, 6)] for x, y in ring.coords]
            for ring in (p.exterior, *p.interiors)
        ]
        for p in polys
    ]


def _paths(geom: LineString | MultiLineString | Polygon) -> list[list[list[float]]]:
    if isinstance(geom, Polygon):
        geom = geom.exterior
    lines = list(geom.geoms) if isinstance(geom, MultiLineString) else [geom]
    return [[[round(x, 6), round(y, 6)] for x, y in line.coords] for line in lines]


#: The one tooltip template of the map (pydeck has one per chart): every pickable row carries
#: ``title``, ``body`` (lines ``label: value``, shown with ``white-space: pre-line``) and
#: ``note``. Streamlit escapes the values, so they are plain text.
TOOLTIP = {
    "html": "<b>{title}</b><br>{body}<br><small>{note}</small>",
    "style": {
        "fontSize": "15px",
        "backgroundColor": "white",
        "color": "#222",
        "whiteSpace": "pre-line",
        "border": "1px solid #999",
        "maxWidth": "420px",
    },
}


def _tip(title: str, rows: list[tuple[str, str]], note: str = "") -> dict[str, str]:
    """A tooltip's fields (see :data:`TOOLTIP`)."""
    return {"title": title, "body": "\n".join(f"{k}: {v}" for k, v in rows), "note": note}


def _change_text(spec: MapKpi, change: float, pct: float, firm: bool) -> str:
    if not spec.extensive:
        if firm:
            return f"{change:+.0f} levers" if np.isfinite(change) else "—"
        return f"{pct:+.1f} pp" if np.isfinite(pct) else "—"
    text = spec.firm_text(change) if firm else spec.complex_text(change)
    if np.isfinite(change) and change > 0:
        text = "+" + text
    return f"{text} ({_pct(pct)})"


def complex_tooltip(row: Mapping[str, Any], spec: MapKpi, year: int) -> dict[str, str]:
    """Tooltip of a complex: name, firms, employees and the KPI with its unit."""
    return _tip(
        f"Complex {row['complex_id']}: {row['name']}",
        [
            ("Firms (synthetic base)", f"{int(row['firms']):,}"),
            ("Employees", f"{int(row['employees']):,}"),
            (f"{spec.label} {year}", spec.complex_text(row["scenario"])),
            ("Baseline (no AI)", spec.complex_text(row["baseline"])),
            ("Change vs baseline", _change_text(spec, row["change"], row["change_pct"], False)),
        ],
        "Outline approximate (estimate)",
    )


def firm_tooltip(row: Mapping[str, Any], spec: MapKpi, year: int) -> dict[str, str]:
    """Tooltip of a firm: name, complex, sector, employees and the KPI with its unit."""
    kind = "Synthetic firm" if bool(row["synthetic"]) else "Named anchor firm, estimated size"
    return _tip(
        f"{row['name']} ({row['firm_id']})",
        [
            ("Complex", str(row["complex_id"])),
            ("Sector", str(row["sector"])),
            ("Employees", f"{int(row['employees']):,}"),
            (f"{spec.label} {year}", spec.firm_text(row["scenario"])),
            ("Baseline (no AI)", spec.firm_text(row["baseline"])),
            ("Change vs baseline", _change_text(spec, row["change"], row["change_pct"], True)),
        ],
        f"{kind}; site approximate",
    )


def substation_tooltip(row: Mapping[str, Any], year: int) -> dict[str, str]:
    """Tooltip of a substation: capacity, sum of its firms' peaks and the load share."""
    return _tip(
        f"{row['substation_id']}: {row['name']}",
        [
            ("Capacity (estimate)", _mw(row["capacity_mw"])),
            (f"Sum of firms' peaks {year}", _mw(row["load_mw"])),
            ("Baseline (no AI)", _mw(row["baseline_load_mw"])),
            ("Load share", f"{100 * row['load_share']:.0f} %"),
            ("Firms supplied", f"{int(row['firms']):,}"),
        ],
        "Site and capacity split estimated",
    )


def _mw(value: float) -> str:
    return f"{value:,.1f} MW" if np.isfinite(value) else "—"


def firm_radius_m(values: pd.Series) -> np.ndarray:
    """Firm point radius in metres: area proportional to the value (20 to 350 m)."""
    v = np.clip(values.fillna(0).to_numpy(dtype=float), 0, None)
    top = v.max() if v.size and v.max() > 0 else 1.0
    return 20 + 330 * np.sqrt(v / top)


def substation_radius_m(mw: float) -> float:
    """Substation circle radius in metres: area proportional to MW (170 MW: 520 m)."""
    return 40 * math.sqrt(max(mw, 0.0)) if np.isfinite(mw) else 0.0


def _lonlat(x: float, y: float) -> list[float]:
    return [round(float(x), 6), round(float(y), 6)]


def _complex_layer(
    geo: Geometry, complexes: pd.DataFrame, spec: MapKpi, year: int, value: str, scale: ColourScale
) -> pdk.Layer:
    outline = geo.complexes.set_index("complex_id").geometry
    rows = []
    for row in complexes.to_dict("records"):
        fill = [*scale.rgb(row[value]), 200]
        tip = complex_tooltip(row, spec, year)
        for rings in _rings(outline[row["complex_id"]]):
            rows.append({"polygon": rings, "fill": fill, **tip})
    return pdk.Layer(
        "PolygonLayer",
        rows,
        id="complexes",
        get_polygon="polygon",
        get_fill_color="fill",
        get_line_color=[50, 50, 50, 255],
        line_width_min_pixels=2,
        stroked=True,
        filled=True,
        pickable=True,
    )


def _river_layer(geo: Geometry) -> pdk.Layer:
    tip = _tip("Nakdong River (낙동강)", [], "Course approximate (estimate)")
    rows = [{"path": p, **tip} for geom in geo.river.geometry for p in _paths(geom)]
    return pdk.Layer(
        "PathLayer",
        rows,
        id="river",
        get_path="path",
        get_color=[*_rgb(RIVER_COLOUR), 230],
        get_width=150,
        width_min_pixels=4,
        pickable=True,
    )


def _firm_layer(
    firms: pd.DataFrame, spec: MapKpi, year: int, value: str, scale: ColourScale, size_by: str
) -> pdk.Layer:
    radius = firm_radius_m(firms["employees"] if size_by == "employees" else firms["output_krw"])
    rows = [
        {
            "position": _lonlat(r["lon"], r["lat"]),
            "radius": round(float(rad), 1),
            "fill": [*scale.rgb(r[value]), 215],
            **firm_tooltip(r, spec, year),
        }
        for r, rad in zip(firms.to_dict("records"), radius, strict=True)
    ]
    rows.sort(key=lambda d: -d["radius"])  # large firms first, so small ones stay on top
    return pdk.Layer(
        "ScatterplotLayer",
        rows,
        id="firms",
        get_position="position",
        get_radius="radius",
        get_fill_color="fill",
        get_line_color=[40, 40, 40, 160],
        line_width_min_pixels=0.5,
        stroked=True,
        radius_min_pixels=1.5,
        pickable=True,
    )


def _bottleneck_layers(bottlenecks: pd.DataFrame, firms: pd.DataFrame) -> list[pdk.Layer]:
    where = firms.set_index("firm_id")[["lon", "lat"]]
    rows = [
        {
            "position": _lonlat(where.at[r["firm_id"], "lon"], where.at[r["firm_id"], "lat"]),
            "label": str(r["rank"]),
            **_tip(
                f"Supply bottleneck #{r['rank']}: {r['name']}",
                [
                    ("Customers' output lost", _fmt(r["lost_bn_krw"], "bn KRW")),
                    ("Spare capacity", f"{r['spare_capacity']:.2f}"),
                ],
                "A supplier short of capacity held back its customers' growth",
            ),
        }
        for r in bottlenecks.to_dict("records")
        if r["firm_id"] in where.index
    ]
    ring = pdk.Layer(
        "ScatterplotLayer",
        rows,
        id="bottlenecks",
        get_position="position",
        get_radius=300,
        radius_min_pixels=12,
        stroked=True,
        filled=False,
        get_line_color=[*_rgb(BOTTLENECK_COLOUR), 255],
        line_width_min_pixels=3,
        pickable=True,
    )
    return [ring, _text_layer("bottleneck-ranks", rows, BOTTLENECK_COLOUR, 18, [16, -16])]


def _substation_layers(substations: pd.DataFrame, year: int) -> list[pdk.Layer]:
    rows = [
        {
            "position": _lonlat(row["lon"], row["lat"]),
            # Areas proportional to MW: the ring is the capacity, the disc the load.
            "capacity_radius": substation_radius_m(row["capacity_mw"]),
            "load_radius": substation_radius_m(row["load_mw"]),
            "fill": [*load_colour(row["load_share"]), 225],
            "label": f"{row['substation_id']} {100 * row['load_share']:.0f}%",
            **substation_tooltip(row, year),
        }
        for row in substations.to_dict("records")
    ]
    load = pdk.Layer(
        "ScatterplotLayer",
        rows,
        id="substation-load",
        get_position="position",
        get_radius="load_radius",
        get_fill_color="fill",
        get_line_color=[0, 0, 0, 255],
        line_width_min_pixels=1,
        stroked=True,
        pickable=True,
    )
    capacity = pdk.Layer(
        "ScatterplotLayer",
        rows,
        id="substation-capacity",
        get_position="position",
        get_radius="capacity_radius",
        filled=False,
        stroked=True,
        get_line_color=[0, 0, 0, 255],
        line_width_min_pixels=2.5,
    )
    # Labels below the centre, complex labels above theirs: a substation inside a complex
    # (S5 in 4x) does not cover the complex's name.
    return [load, capacity, _text_layer("substation-labels", rows, "#000000", 15, [0, 20])]


def _label_layers(geo: Geometry) -> list[pdk.Layer]:
    # Complex names at the outline's north-west corner, reading into the complex: the
    # substations sit near the complexes' centres and would cover a centred label.
    rows = []
    for cid, geom in zip(geo.complexes["complex_id"], geo.complexes.geometry, strict=True):
        x0, _, _, y1 = geom.bounds
        rows.append({"position": _lonlat(x0, y1), "label": str(cid)})
    layers = [
        _text_layer("complex-labels", rows, "#222222", 22, [4, 4], anchor="start", baseline="top")
    ]
    river = _river_label(geo)
    if river:
        layers.append(_text_layer("river-label", [river], RIVER_COLOUR, 16, [0, 0]))
    return layers


def deck(
    geo: Geometry,
    complexes: pd.DataFrame,
    firms: pd.DataFrame | None,
    substations: pd.DataFrame | None,
    bottlenecks: pd.DataFrame | None,
    spec: MapKpi,
    year: int,
    mode: str,
    complex_scale: ColourScale,
    firm_scale: ColourScale,
    size_by: str = "employees",
    basemap: bool = False,
) -> pdk.Deck:
    """The pydeck map: complexes, the Nakdong, firms, bottlenecks and substations.

    Parameters
    ----------
    geo
        The geometry (:func:`load_geometry`).
    complexes, firms
        :func:`complex_values` and :func:`firm_values` (``firms=None``: no firm layer).
    substations
        :func:`substation_display` rows with sites (``None``: no substation layer).
    bottlenecks
        :func:`bottleneck_display` (``None`` or empty: none highlighted; they need ``firms``).
    spec, year, mode
        The KPI, year and mode (:data:`LEVEL` or :data:`CHANGE`) the colours show.
    complex_scale, firm_scale
        Colour scales of the complexes and firms (:func:`scales`).
    size_by
        ``employees`` or ``output_krw``: what a firm point's area shows.
    basemap
        Draw Carto's light basemap under the layers (needs internet; without it the layers
        still draw). Off by default: no tiles, no token, nothing fetched.
    """
    value = "scenario" if mode == LEVEL else "change_pct"
    layers = [_complex_layer(geo, complexes, spec, year, value, complex_scale), _river_layer(geo)]
    if firms is not None and len(firms):
        layers.append(_firm_layer(firms, spec, year, value, firm_scale, size_by))
        if bottlenecks is not None and len(bottlenecks):
            layers += _bottleneck_layers(bottlenecks, firms)
    if substations is not None and len(substations):
        layers += _substation_layers(substations, year)
    layers += _label_layers(geo)
    # map_provider=None keeps pydeck's "no basemap" marker, which Streamlit honours; with
    # map_style=None Streamlit would load Carto tiles from the internet.
    base = {"map_provider": "carto", "map_style": "light"} if basemap else {"map_provider": None}
    return pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(**initial_view(geo)),
        tooltip=TOOLTIP,
        **base,
    )


def _river_label(geo: Geometry) -> dict | None:
    """A label on the river, north of the complexes' centre (the line runs far beyond)."""
    if geo.river.empty:
        return None
    view = initial_view(geo)
    line = geo.river.geometry.iloc[0]
    p = line.interpolate(line.project(Point(view["longitude"], view["latitude"] + 0.035)))
    return {"position": _lonlat(p.x, p.y), "label": "Nakdong River"}


def _text_layer(
    layer_id: str,
    rows: list[dict],
    colour: str,
    size: int,
    offset: list[int],
    anchor: str = "middle",
    baseline: str = "center",
) -> pdk.Layer:
    return pdk.Layer(
        "TextLayer",
        rows,
        id=layer_id,
        # Constants, so passed as JSON strings (pydeck would read a bare string as a field).
        get_text_anchor=f"'{anchor}'",
        get_alignment_baseline=f"'{baseline}'",
        get_position="position",
        get_text="label",
        get_size=size,
        get_color=[*_rgb(colour), 255],
        get_pixel_offset=offset,
        # A number: pydeck would read a string such as "bold" as a data field.
        font_weight=700,
        background=True,
        get_background_color=[255, 255, 255, 210],
        background_padding=[4, 2],
    )


# --------------------------------------------------------------------------- legend


def _tick(value: float, signed: bool) -> str:
    a = abs(value)
    digits = 0 if a >= 100 or value == 0 else 1 if a >= 10 else 2 if a >= 0.1 else 3
    return f"{value:+,.{digits}f}" if signed and value != 0 else f"{value:,.{digits}f}"


def legend_html(
    title: str, scale: ColourScale, unit: str, signed: bool = False, divisor: float = 1.0
) -> str:
    """A colour bar with ticks in display units (``value / divisor``), as HTML."""
    labels = "".join(
        f"<span>{html.escape(_tick(v / divisor, signed))}</span>" for v in scale.ticks()
    )
    return (
        "<div style='font-size:15px;margin:4px 0 10px 0'>"
        f"<div><b>{html.escape(title)}</b> ({html.escape(unit)})</div>"
        f"<div style='height:16px;border:1px solid #999;background:{scale.gradient_css()}'></div>"
        f"<div style='display:flex;justify-content:space-between'>{labels}</div></div>"
    )


@dataclass(frozen=True)
class Legend:
    """One colour bar: what it shows, its scale, unit and divisor (base unit to display)."""

    title: str
    scale: ColourScale
    unit: str
    signed: bool = False
    divisor: float = 1.0

    def html(self) -> str:
        """The colour bar as HTML."""
        return legend_html(self.title, self.scale, self.unit, self.signed, self.divisor)


def scales(
    complexes: pd.DataFrame, firms: pd.DataFrame, spec: MapKpi, mode: str
) -> tuple[ColourScale, ColourScale]:
    """Colour scales of the complexes and the firms.

    Level: complexes linear from 0, firms on a log scale (their sizes span four orders of
    magnitude; linear would leave all but a few anchor plants pale), the lever count linear.
    Change: diverging around 0, the complexes to their largest change, the firms to the 98th
    percentile of theirs (the rest get the end colours).
    """
    if mode == CHANGE:
        return change_scale(complexes["change_pct"]), change_scale(firms["change_pct"], 0.98)
    return (
        level_scale(complexes["scenario"], COMPLEX_STOPS),
        level_scale(firms["scenario"], FIRM_STOPS, log=spec.extensive),
    )


def legends(
    spec: MapKpi, mode: str, complex_scale: ColourScale, firm_scale: ColourScale
) -> list[Legend]:
    """The complexes' and the firms' colour bars, with units."""
    if mode == CHANGE:
        cu = "pp vs baseline" if not spec.extensive else "% vs baseline"
        fu = "levers vs baseline" if not spec.extensive else "% vs baseline, ends open"
        return [
            Legend(f"Complexes: change in {spec.label}", complex_scale, cu, signed=True),
            Legend(f"Firms: change in {spec.label}", firm_scale, fu, signed=True),
        ]
    if not spec.extensive:
        return [
            Legend(f"Complexes: {spec.label}", complex_scale, spec.unit, divisor=spec.divisor),
            Legend("Firms: AI levers used", firm_scale, spec.firm_unit),
        ]
    return [
        Legend(f"Complexes: {spec.label}", complex_scale, spec.unit, divisor=spec.divisor),
        Legend(
            f"Firms: {spec.label}",
            firm_scale,
            f"{spec.firm_unit}, log scale",
            divisor=spec.firm_divisor,
        ),
    ]


def map_caption(spec: MapKpi, mode: str, size_by: str, year: int, replications: int) -> str:
    """What the map shows and how to read its colours and sizes (Markdown)."""
    what = (
        "the change against the same scenario without AI adoption (mean of paired replications)"
        if mode == CHANGE
        else "the level"
    )
    size = "employees" if size_by == "employees" else f"production in {year}"
    kpi = (
        "the share of firms using at least one AI lever (for a firm: the number of levers)"
        if not spec.extensive
        else f"{spec.label}, summed over the complex's firms"
    )
    return (
        f"Colours show {what} of {kpi} in {year}; figures are means of {replications} "
        f"simulated replications. Firm points: area proportional to {size}. Substations: the "
        "black ring's area is the capacity, the disc's area the sum of the peaks of the firms "
        "it feeds (an upper bound on its load, as peaks do not all coincide), coloured by "
        "load share (red above 100 %). Red rings: supply bottlenecks, numbered by rank. Blue "
        "line: the Nakdong River. No basemap is loaded unless chosen: only the shipped "
        "geometry is drawn. Boundary reference: Statistics Korea SGIS (2018), KOGL Type 1; "
        "KPIs simulated by Gumi Twin."
    )


def map_status(geo: Geometry, result: ScenarioResult) -> dict[str, str]:
    """Data status of what the map draws, from the layers' own status columns."""

    def one(values: pd.Series, default: str) -> str:
        vals = sorted(set(values.dropna().astype(str)))
        return vals[0] if len(vals) == 1 else default

    synthetic = geo.firms["synthetic"].astype(bool)
    cap = float(geo.substations["capacity_mw"].sum())
    return {
        "Complex outlines": one(geo.complexes["outline_status"], "estimate"),
        f"Firms ({int(synthetic.sum()):,} of {len(synthetic):,})": "synthetic",
        "Substation sites": one(geo.substations["site_status"], "estimate"),
        f"Substation capacities (total {cap:,.1f} MW)": one(
            geo.substations["capacity_status"], "estimate"
        ),
        "Nakdong course": one(geo.river["status"], "estimate"),
        "Grid emission factor": str(result.scenario.grid_factor_t_per_mwh.status),
    }


def load_legend_html() -> str:
    """Swatches of the substation load bands."""
    items = "".join(
        f"<span style='margin-right:14px'><span style='display:inline-block;width:14px;"
        f"height:14px;border-radius:7px;background:{c};border:1px solid #333;"
        f"vertical-align:middle'></span> {html.escape(k)}</span>"
        for k, c in LOAD_COLOURS.items()
        if k != "no capacity given"
    )
    ring = (
        "<span><span style='display:inline-block;width:14px;height:14px;border-radius:7px;"
        f"border:2px solid {BOTTLENECK_COLOUR};vertical-align:middle'></span> supply "
        "bottleneck (rank)</span>"
    )
    return (
        "<div style='font-size:15px;margin:4px 0 10px 0'><b>Substations</b> (sum of firms' "
        f"peaks / capacity)<br>{items}{ring}</div>"
    )


def status_badges(items: dict[str, str]) -> str:
    """Data status badges (``what -> status``) in the explorer's status colours (HTML)."""
    style = "color:white;border-radius:4px;padding:1px 6px;font-size:14px;margin-right:4px"
    return " ".join(
        f"<span style='background:{STATUS_COLOURS.get(s, '#999')};{style}'>"
        f"{html.escape(w)}: {html.escape(s)}</span>"
        for w, s in items.items()
    )


# --------------------------------------------------------------------------- tables


def complex_table(values: pd.DataFrame, spec: MapKpi, year: int) -> pd.DataFrame:
    """The complexes with the KPI in display units (scenario, baseline, change)."""
    unit = spec.unit
    div = spec.divisor
    out = pd.DataFrame(
        {
            "Complex": values["complex_id"],
            "Name": values["name"],
            "Firms": values["firms"],
            "Employees": values["employees"],
            f"{spec.label} {year} ({unit})": values["scenario"] / div,
            f"Baseline ({unit})": values["baseline"] / div,
            # A change of a share is in percentage points.
            f"Change ({unit if spec.extensive else 'pp'})": values["change"] / div,
        }
    )
    if spec.extensive:
        out["Change (%)"] = values["change_pct"]
    return out


def complex_caption(spec: MapKpi, replications: int) -> str:
    """Where the complexes table's figures come from."""
    what = (
        "Share of the complex's firms using at least one AI lever; change in percentage points"
        if not spec.extensive
        else f"{spec.label}: sum over the complex's firms (by sector)"
    )
    return (
        f"{what}; means of {replications} simulated replications, the change is the mean of "
        "paired differences against the same scenario without AI adoption. Firms and "
        "employees: the synthetic firm base matched to published 2023 totals. Outlines "
        "approximate (estimate)."
    )


SUBSTATION_CAPTION = (
    "Sum of the simulated peaks of the firms each substation feeds (mean and 95 % interval "
    "over replications; an upper bound on the substation's load, since the sites' peaks do "
    "not all coincide) against its capacity. The substations' number and total capacity are "
    "published (Kyongbuk Maeil); their sites and the split of capacity among them are Gumi "
    "Twin estimates. '154kV-direct': the largest plants, supplied directly at 154 kV (no "
    "distribution substation, no capacity given; not on the map)."
)


def substation_display(result: ScenarioResult, geo: Geometry, year: int) -> pd.DataFrame:
    """Peak load against capacity per substation in ``year``, with names and sites.

    :func:`twin.scenario_run.substation_table` plus the layer's ``name``, ``lon``, ``lat``,
    ``capacity_status`` and the ``band`` of the load share; the ``154kV-direct`` row (large
    plants supplied at 154 kV, no site or capacity) keeps NaN coordinates.
    """
    t = substation_table(result, year)
    layer = pd.DataFrame(geo.substations.drop(columns="geometry"))
    layer["lon"] = geo.substations.geometry.x.to_numpy()
    layer["lat"] = geo.substations.geometry.y.to_numpy()
    out = t.merge(
        layer[["substation_id", "name", "capacity_status", "lon", "lat"]],
        on="substation_id",
        how="left",
    )
    direct = out["substation_id"] == DIRECT
    out.loc[direct, "name"] = "Large plants supplied directly at 154 kV"
    out["name"] = out["name"].fillna("")
    out["band"] = [load_band(s) for s in out["load_share"]]
    return out


def substation_table_view(subs: pd.DataFrame) -> pd.DataFrame:
    """The substations table in display form (MW and percent)."""
    return pd.DataFrame(
        {
            "Substation": subs["substation_id"],
            "Name": subs["name"],
            "Firms": subs["firms"],
            "Capacity (MW)": subs["capacity_mw"],
            "Sum of peaks (MW)": subs["load_mw"],
            "95 % interval (MW)": [
                f"{lo:,.1f} – {hi:,.1f}" if np.isfinite(lo) and np.isfinite(hi) else "—"
                for lo, hi in zip(subs["load_low"], subs["load_high"], strict=True)
            ],
            "Baseline (MW)": subs["baseline_load_mw"],
            "Load share (%)": 100 * subs["load_share"],
            "Band": subs["band"],
        }
    )


def bottleneck_table_view(necks: pd.DataFrame) -> pd.DataFrame:
    """The bottlenecks table in display form."""
    return pd.DataFrame(
        {
            "Rank": necks["rank"],
            "Firm": necks["name"],
            "Firm id": necks["firm_id"],
            "Complex": necks["complex_id"],
            "Sector": necks["sector"],
            "Spare capacity": necks["spare_capacity"],
            "Customers' output lost (bn KRW)": necks["lost_bn_krw"],
        }
    )


def number_formats(table: pd.DataFrame) -> dict[str, str]:
    """Printf formats for a display table's numeric columns (thousands separators, digits
    by magnitude), for ``st.column_config.NumberColumn``."""
    out = {}
    for col in table.columns:
        if not pd.api.types.is_numeric_dtype(table[col]) or pd.api.types.is_bool_dtype(table[col]):
            continue
        if pd.api.types.is_integer_dtype(table[col]):
            out[col] = "%,d"
            continue
        top = np.nanmax(np.abs(table[col].to_numpy(dtype=float))) if len(table) else 0.0
        top = top if np.isfinite(top) else 0.0
        # Below 1: three significant digits, so a small change does not read as 0.000.
        out[col] = (
            "%,.0f" if top >= 1000 else "%,.1f" if top >= 10 else "%.3g" if top < 1 else "%,.2f"
        )
    return out


def bottleneck_display(
    result: ScenarioResult, geo: Geometry, year: int, top: int = 10
) -> pd.DataFrame:
    """The top supply bottlenecks in ``year`` (scenario case), ranked, with firm names.

    Empty when no firm's growth was held back by its suppliers that year.
    """
    t = bottleneck_table(result, year, top=top) if not result.bottlenecks.empty else None
    cols = ["rank", "firm_id", "name", "complex_id", "sector", "spare_capacity", "lost_bn_krw"]
    if t is None or t.empty or int(year) not in set(result.bottlenecks["year"]):
        return pd.DataFrame(columns=cols)
    t = t[t["year"] == year].sort_values("customer_output_lost_krw", ascending=False)
    firms = pd.DataFrame(geo.firms[["firm_id", "name", "complex_id", "sector"]])
    out = t.merge(firms, on="firm_id", how="left").reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    out["lost_bn_krw"] = out["customer_output_lost_krw"] / 1e9
    return out[cols]
