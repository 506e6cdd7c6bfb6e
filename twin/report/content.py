"""What goes on each slide, as plain data built from a :class:`~twin.report.gather.BriefingData`.

A :class:`Slide` holds a title, a one-line subtitle, an optional chart (PNG bytes), an
optional table, a few bullets, a source line and speaker notes. The deck (python-pptx) and the
HTML report render the same list of slides, so both show the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from twin.compare import DERIVED
from twin.config.scenario import Scenario
from twin.io.geo import read_layer
from twin.report import charts
from twin.report.gather import BriefingData
from twin.report.labels import archetype_label, firm_label, kpi_label, lever_label, sector_label, t
from twin.scenario_run import TOTALS, ScenarioResult
from twin.viz import KPIS, STATUS_COLOURS

__all__ = [
    "HEADLINE_KPIS",
    "TRAJECTORY_KPIS",
    "Slide",
    "build_slides",
    "complex_changes",
    "fmt",
    "footer_text",
    "regenerate_command",
]

#: KPIs of the headline table, in order.
HEADLINE_KPIS = (
    "output_krw",
    "value_added_krw",
    "productivity_mkrw",
    "electricity_mwh",
    "peak_mw",
    "co2_t",
    "ai_compute_mwh",
)
TRAJECTORY_KPIS = ("output_krw", "productivity_mkrw", "electricity_mwh", "co2_t")
WATERFALL_KPIS = ("value_added_krw", "electricity_mwh")
MAX_TABLE_ROWS = 9


@dataclass
class Slide:
    """One slide (or one section of the HTML report).

    Attributes
    ----------
    kind
        What the slide is (``title``, ``map``, ``headline``, ...), for renderers and tests.
    title, subtitle
        Headline and one line under it.
    image
        A chart as PNG bytes.
    table
        Rows of cells, the header first.
    bullets
        Short lines of text.
    source
        The source line under the chart or table.
    notes
        Speaker notes (the figures behind the slide in full).
    numbers
        Figures shown on the slide, by name, as displayed (for tests and the HTML).
    """

    kind: str
    title: str
    subtitle: str = ""
    image: bytes | None = None
    table: list[list[str]] | None = None
    bullets: list[str] = field(default_factory=list)
    source: str = ""
    notes: str = ""
    numbers: dict[str, str] = field(default_factory=dict)


def fmt(value: float | None, signed: bool = False) -> str:
    """A figure for a slide: about 3 significant digits, thousands separators, no exponent."""
    if value is None or not np.isfinite(value):
        return "–"
    text = charts.fmt_value(float(value))
    return text if signed else text.removeprefix("+")


def _interval(low: float | None, high: float | None, div: float) -> str:
    if low is None or high is None or not np.isfinite(low) or not np.isfinite(high):
        return "–"
    return f"[{fmt(low / div, True)}, {fmt(high / div, True)}]"


def footer_text(data: BriefingData, lang: str) -> str:
    """The footer on every slide: version and the data status counts."""
    counts = data.sources["status"].value_counts() if len(data.sources) else pd.Series(dtype=int)
    return t(
        "footer",
        lang,
        version=data.version,
        published=int(counts.get("published", 0)),
        estimate=int(counts.get("estimate", 0)),
        synthetic=int(counts.get("synthetic", 0)),
    )


def regenerate_command(data: BriefingData, fmt_: str = "pptx", out: str | None = None) -> str:
    """The ``twin report`` command that regenerates this briefing."""
    o = data.options
    parts = ["twin report", *data.paths, f"--lang {o.lang}", f"--kpi {o.map_kpi}"]
    parts.append(f"--year {data.year}")
    parts.append(f"--replications {data.settings.replications}")
    if not o.roi:
        parts.append("--no-roi")
    else:
        parts.append(f"--roi-replications {o.roi_replications} --roi-years {o.roi_years}")
        if o.roi_archetypes:
            parts.append("--roi-archetypes " + ",".join(o.roi_archetypes))
    parts.append(f"--sensitivity {o.sensitivity}")
    if o.sensitivity != "none":
        parts.append(f"--sensitivity-kpi {o.sensitivity_kpi}")
    parts.append(f"--format {fmt_}")
    parts.append(f"--out {out or 'briefing.' + fmt_}")
    return " ".join(parts)


def _labels(data: BriefingData, lang: str) -> dict[str, str]:
    """Scenario names -> legend labels, in order (a single scenario gets its baseline too)."""
    out = {}
    if data.reference is None:
        out["__baseline__"] = f"{data.results[0].scenario.name}: {t('baseline_own', lang)}"
    for s in data.scenarios:
        out[s.name] = s.label or s.name
    return out


def _ref_label(data: BriefingData, lang: str) -> str:
    return t("baseline_own", lang) if data.reference is None else data.reference


def _per_complex(result: ScenarioResult, case: str, year: int) -> pd.DataFrame:
    t_ = result.tidy
    sel = t_[(t_["case"] == case) & (t_["year"] == year)]
    per = sel.groupby(["complex_id", "replication"])[list(TOTALS)].sum()
    for name, (num, den, scale) in DERIVED.items():
        per[name] = per[num] / per[den] * scale
    return per


def complex_changes(data: BriefingData, kpi: str) -> tuple[pd.Series, str, str]:
    """Per complex: the paired change of ``kpi`` in the briefing's year (display unit).

    The mapped scenario is the first one with levers after the reference (else the last),
    against the reference (or, for one scenario, its own zero-adoption baseline).
    Returns the values by ``complex_id``, the mapped scenario and the reference's name.
    """
    res = data.results
    if len(res) == 1:
        a, b = (res[0], "baseline"), (res[0], "scenario")
        mapped = res[0].scenario.name
    else:
        pick = next((r for r in res[1:] if r.scenario.levers.active()), res[-1])
        a, b = (res[0], "scenario"), (pick, "scenario")
        mapped = pick.scenario.name
    pa, pb = _per_complex(*a, data.year), _per_complex(*b, data.year)
    diff = (pb[kpi] - pa[kpi]).groupby(level="complex_id").mean() / KPIS[kpi].divisor
    diff.index = diff.index.astype(str)
    return diff, mapped, _ref_label(data, "en")


def _row(data: BriefingData, scenario: str, kpi: str) -> pd.Series | None:
    d = data.differences
    sel = d[(d["scenario"] == scenario) & (d["kpi"] == kpi) & (d["year"] == data.year)]
    return sel.iloc[0] if len(sel) else None


def _source_model(data: BriefingData, lang: str) -> str:
    return t("source_model", lang, reps=data.settings.replications, seed=data.settings.seed)


def _title_slide(data: BriefingData, lang: str) -> Slide:
    labels = [f"{s.label or s.name} ({s.name})" for s in data.scenarios]
    return Slide(
        "title",
        t("deck_title", lang),
        t("deck_sub", lang),
        bullets=[
            f"{t('scenarios', lang)}: " + " · ".join(labels),
            f"{t('generated', lang)}: {data.created} · {t('version', lang)} {data.version}",
        ],
        notes="\n".join(f"{s.name}: {s.description}" for s in data.scenarios),
    )


def _map_slide(data: BriefingData, lang: str) -> Slide:
    kpi = data.options.map_kpi
    values, mapped, _ = complex_changes(data, kpi)
    ref = _ref_label(data, lang)
    ids = _ringed(data)
    png = charts.map_png(
        read_layer("complexes"),
        values,
        kpi,
        lang=lang,
        substations=read_layer("substations"),
        river=read_layer("river"),
        firms=read_layer("firms") if ids else None,
        bottlenecks=ids,
        caption=t("map_caption", lang, ref=ref, unit=KPIS[kpi].unit),
    )
    unit = KPIS[kpi].unit
    ranked = values.sort_values(key=abs, ascending=False)
    bullets = [f"{t('complex', lang)} {k}: {fmt(v, True)} {unit}" for k, v in ranked.items()]
    bullets.append(f"{t('total', lang)}: {fmt(values.sum(), True)} {unit}")
    return Slide(
        "map",
        t("map_title", lang, kpi=kpi_label(kpi, lang, unit=False), year=data.year),
        f"{mapped} − {ref}",
        image=png,
        bullets=bullets,
        source=_source_model(data, lang),
        numbers={f"complex {k}": fmt(v, True) for k, v in values.items()},
        notes="; ".join(f"complex {k}: {fmt(v, True)} {KPIS[kpi].unit}" for k, v in values.items()),
    )


def _headline_slide(data: BriefingData, lang: str) -> Slide:
    others = (
        [data.scenarios[0].name] if data.reference is None else [s.name for s in data.scenarios[1:]]
    )
    ref_name = "__baseline__" if data.reference is None else data.reference
    ref_title = _ref_label(data, lang)
    header = [t("kpi", lang), f"{ref_title} {data.year}"]
    for n in others:
        header += [n, t("change", lang) + " [95 %]"]
    rows, numbers = [header], {}
    for kpi in HEADLINE_KPIS:
        k = KPIS[kpi]
        ref = _row(data, ref_name, kpi)
        row = [kpi_label(kpi, lang), fmt(ref["mean"] / k.divisor) if ref is not None else "–"]
        for n in others:
            r = _row(data, n, kpi)
            if r is None:
                row += ["–", "–"]
                continue
            change = fmt(r["diff"] / k.divisor, True)
            numbers[f"{n}:{kpi}"] = change
            row += [
                fmt(r["mean"] / k.divisor),
                f"{change} {_interval(r['diff_low'], r['diff_high'], k.divisor)}",
            ]
        rows.append(row)
    return Slide(
        "headline",
        t("headline_title", lang, year=data.year),
        t("headline_vs", lang, ref=ref_title),
        table=rows,
        source=_source_model(data, lang),
        numbers=numbers,
        notes="Paired differences per replication (common random numbers); intervals: "
        "Student t, 95 %.",
    )


def _trajectory_slide(data: BriefingData, lang: str) -> Slide:
    labels = _labels(data, lang)
    years = data.scenarios[0].years
    return Slide(
        "trajectories",
        t("traj_title", lang, start=years[0], end=years[-1]),
        t("traj_sub", lang, ref=_ref_label(data, lang)),
        image=charts.trajectories_png(
            data.differences, TRAJECTORY_KPIS, labels, lang=lang, source=_source_model(data, lang)
        ),
        source=_source_model(data, lang),
    )


def _peak_slide(data: BriefingData, lang: str) -> Slide:
    labels = _labels(data, lang)
    subs = {n: tab for n, tab in data.substations.items()}
    last = list(subs)[-1]
    over = subs[last][(subs[last]["load_share"] > 1)]["substation_id"].tolist()
    direct = subs[last].set_index("substation_id")
    bullets = []
    if "154kV-direct" in direct.index:
        bullets.append(f"{t('direct', lang)}: {fmt(direct.loc['154kV-direct', 'load_mw'])} MW")
    if over:
        bullets.append(
            (
                "Over capacity (sum of sites' peaks, an upper bound): "
                if lang == "en"
                else "용량 초과 (사업장 최대치 합, 상한): "
            )
            + ", ".join(over)
        )
    return Slide(
        "peak",
        t("peak_title", lang, year=data.year),
        t("peak_load", lang),
        image=charts.peak_png(
            data.differences,
            subs,
            {n: labels[n] for n in subs},
            lang=lang,
            source=_source_model(data, lang),
        ),
        bullets=bullets,
        source=_source_model(data, lang) + "; substation capacities: estimates",
        numbers={
            f"{s}:{row.substation_id}": fmt(row.load_mw)
            for s, tab in subs.items()
            for row in tab.itertuples()
        },
    )


def _waterfall_slides(data: BriefingData, lang: str) -> list[Slide]:
    w = data.waterfalls
    if w is None or w.empty:
        return [
            Slide(
                "waterfall",
                t("waterfall_title", lang, scenario="–", year=data.year),
                bullets=[t("no_levers", lang)],
            )
        ]
    out = []
    for name in list(dict.fromkeys(w["scenario"]))[:3]:
        steps = w[(w["scenario"] == name) & (w["year"] == data.year)]
        numbers = {
            f"{r.name}:{r.kpi}": fmt(r.change / KPIS[r.kpi].divisor, True)
            for r in steps.itertuples()
            if r.kpi in KPIS
        }
        out.append(
            Slide(
                "waterfall",
                t("waterfall_title", lang, scenario=name, year=data.year),
                t("waterfall_note", lang),
                image=charts.waterfall_png(
                    steps, WATERFALL_KPIS, lang=lang, source=_source_model(data, lang)
                ),
                source=_source_model(data, lang)
                + "; order: "
                + ", ".join(lever_label(n, lang) for n in dict.fromkeys(steps["name"])),
                numbers=numbers,
            )
        )
    return out


def _ringed(data: BriefingData) -> list[str]:
    """Firms ringed on the map: suppliers that held back growth, else the network's top."""
    necks = next(iter(b for b in data.bottlenecks.values() if len(b)), pd.DataFrame())
    if len(necks):
        return list(necks["firm_id"].head(5))
    nb = data.network_bottlenecks
    return list(nb["firm_id"].head(5)) if nb is not None and len(nb) else []


def _bottleneck_slide(data: BriefingData, lang: str) -> Slide:
    name, necks = next(
        ((n, b) for n, b in data.bottlenecks.items() if len(b)),
        (data.scenarios[-1].name, pd.DataFrame()),
    )
    source = _source_model(data, lang) + "; supply network: data/network.yaml (estimates)"
    firms = read_layer("firms").set_index("firm_id")

    def firm(fid: str) -> tuple[str, str]:
        if fid not in firms.index:
            return fid, "–"
        f = firms.loc[fid]
        return firm_label(str(f["name"]), lang), sector_label(str(f["sector"]), lang)

    if necks.empty:
        nb = data.network_bottlenecks
        bullets = [t("bottleneck_none", lang, year=data.year)]
        if nb is None or nb.empty:
            return Slide(
                "bottlenecks",
                t("bottleneck_title", lang, year=data.year),
                bullets=bullets,
                source=source,
            )
        rows = [
            [
                t("firm", lang),
                t("sector", lang),
                t("complex", lang),
                t("at_risk", lang),
                t("customers", lang),
            ]
        ]
        for rank, r in enumerate(nb.head(MAX_TABLE_ROWS).itertuples(), start=1):
            label, sector = firm(r.firm_id)
            rows.append(
                [
                    f"{rank}. {label}",
                    sector,
                    str(r.complex_id),
                    fmt(r.downstream_output_at_risk_krw / 1e9),
                    str(r.n_customers),
                ]
            )
        return Slide(
            "bottlenecks",
            t("network_title", lang),
            t("network_sub", lang),
            table=rows,
            bullets=bullets,
            source=source,
        )
    rows = [[t("firm", lang), t("sector", lang), t("lost", lang), t("spare", lang)]]
    for r in necks.head(MAX_TABLE_ROWS).itertuples():
        label, sector = firm(r.firm_id)
        rows.append(
            [
                label,
                sector,
                fmt(r.customer_output_lost_krw / 1e9),
                f"{r.spare_capacity:.0%}" if hasattr(r, "spare_capacity") else "–",
            ]
        )
    return Slide(
        "bottlenecks",
        t("bottleneck_title", lang, year=data.year),
        name,
        table=rows,
        source=source,
    )


def _roi_slide(data: BriefingData, lang: str) -> Slide | None:
    if data.roi is None:
        return None
    o = data.options
    numbers = {
        f"{a}:{n}:npv_p50": fmt(s["npv_p50"] / 1e9, True)
        for a, sets in data.roi.items()
        for n, s in sets.items()
    }
    notes = "\n".join(
        f"{a} / {n}: NPV P10 {fmt(s['npv_p10'] / 1e9, True)}, P50 {fmt(s['npv_p50'] / 1e9, True)},"
        f" P90 {fmt(s['npv_p90'] / 1e9, True)} bn KRW; payback within 3 y "
        f"{s['p_payback_within_3y']:.0%}"
        for a, sets in data.roi.items()
        for n, s in sets.items()
    )
    return Slide(
        "roi",
        t("roi_title", lang, n=o.roi_years),
        ", ".join(archetype_label(a, lang) for a in data.roi),
        image=charts.roi_png(data.roi, lang=lang, source=t("source_roi", lang)),
        bullets=[t("roi_note", lang, reps=o.roi_replications)],
        source=t("source_roi", lang) + "; no headroom: added output is not sold",
        numbers=numbers,
        notes=notes,
    )


def _input_label(name: str, low: float, high: float, lang: str) -> str:
    parts = name.split(".")
    if parts[0] == "levers" and parts[-1] == "effect":
        return lever_label(parts[1], lang) + (" effect" if lang == "en" else " 효과")
    names = {
        "adoption.ceiling_multiplier": ("Adoption ceilings", "도입 상한"),
        "demand_growth.shift": ("Demand growth", "수요 성장률"),
        "grid_factor_t_per_mwh": ("Grid CO2 factor", "전력 배출계수"),
    }
    if name in names:
        base = names[name][1 if lang == "ko" else 0]
    elif parts[:2] == ["compute", "gpus"]:
        base = "Data cluster GPUs" if lang == "en" else "데이터 클러스터 GPU"
    else:
        base = name
    return f"{base} ({low:g} – {high:g})"


def _tornado_slide(data: BriefingData, lang: str) -> Slide | None:
    tor = data.tornado
    if tor is None or tor.empty:
        return None
    kpi = data.options.sensitivity_kpi
    labels = {r.input: _input_label(r.input, r.low, r.high, lang) for r in tor.itertuples()}
    bullets = [t("tornado_note", lang)]
    flat = tor[tor["swing"] <= 1e-9 * max(tor["swing"].max(), 1.0)]
    if len(flat) and len(flat) < len(tor):
        tor = tor.drop(flat.index)
        bullets.append(t("tornado_flat", lang) + ", ".join(labels[n] for n in flat["input"]))
    if data.options.sensitivity == "light":
        bullets.append(t("tornado_light", lang))
    div = KPIS[kpi].divisor
    return Slide(
        "tornado",
        t("tornado_title", lang, kpi=kpi_label(kpi, lang, unit=False), year=data.year),
        data.notes.get("tornado_scenario", ""),
        image=charts.tornado_png(tor, kpi, labels, lang=lang, source=_source_model(data, lang)),
        bullets=bullets,
        source=_source_model(data, lang),
        numbers={r.input: fmt(r.swing / div) for r in tor.itertuples()},
    )


def _short(value: Any, n: int = 38) -> str:
    text = "–" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    return text if len(text) <= n else text[: n - 1] + "…"


def assumption_rows(scenarios: list[Scenario], lang: str = "en") -> list[list[str]]:
    """A presenter's view of each scenario's settings (one row per setting, one column per
    scenario): levers and their effect level, anchor firms, the data cluster, demand growth,
    grid factor, carbon price, how effects are taken. The full list is in the notes."""
    end = scenarios[0].horizon.end_year
    rows: list[list[str]] = []
    levers = list(dict.fromkeys(n for s in scenarios for n in s.levers.active()))
    for lever in levers:
        rows.append(
            [lever_label(lever, lang)]
            + [
                s.levers.active()[lever].level if lever in s.levers.active() else "–"
                for s in scenarios
            ]
        )
    rows.append([t("anchors", lang)] + [str(len(s.anchors)) for s in scenarios])
    rows.append(
        [t("cluster", lang, year=end)]
        + [f"{s.compute.gpus_at(end):,.0f}" if s.compute else "–" for s in scenarios]
    )
    sectors = sorted(set().union(*(s.demand_growth.rates for s in scenarios)))
    for sector in sectors:
        rows.append(
            [t("growth", lang, sector=sector_label(sector, lang))]
            + [f"{100 * s.demand_growth.rate(sector):+.1f} %" for s in scenarios]
        )
    rows.append([t("grid", lang)] + [f"{s.grid_factor_t_per_mwh.value:.4g}" for s in scenarios])
    rows.append([t("carbon", lang)] + [f"{s.carbon_price_krw_per_t.value:,.0f}" for s in scenarios])
    rows.append([t("effects", lang)] + [s.uncertainty.mode for s in scenarios])
    return rows


def _assumption_slide(data: BriefingData, lang: str) -> Slide:
    scenarios = data.scenarios
    if len(scenarios) > 1:
        names = [s.name for s in scenarios]
        rows = [r for r in assumption_rows(scenarios, lang) if len(set(r[1:])) > 1]
        extra = len(rows) - MAX_TABLE_ROWS
        bullets = [t("more_rows", lang, n=extra)] if extra > 0 else []
        if not rows:
            bullets = [t("no_differences", lang)]
        a = data.assumptions
        notes = ""
        if len(a):
            notes = "\n".join(
                f"{r['setting']}: " + " | ".join(str(r[n]) for n in names) for _, r in a.iterrows()
            )
        return Slide(
            "assumptions",
            t("assumptions_title", lang),
            " · ".join(names),
            table=[[t("setting", lang), *names], *rows[:MAX_TABLE_ROWS]] if rows else None,
            bullets=bullets,
            source="scenarios/*.yaml (each setting with its source); all differences in the notes",
            notes=notes,
        )
    s = scenarios[0]
    rows = [[t("statement", lang), t("status", lang)]]
    for _key, a in list(s.assumptions.items())[: MAX_TABLE_ROWS - 3]:
        rows.append([_short(a.statement, 110), a.status])
    return Slide(
        "assumptions",
        t("assumptions_own", lang, scenario=s.name),
        s.label or s.name,
        table=rows,
        source=f"scenarios/{s.name}.yaml",
        notes="\n".join(f"{k}: {a.statement} ({a.source})" for k, a in s.assumptions.items()),
    )


TABLE_NAMES = {
    "archetypes": ("Archetype lines", "대표 공장 유형"),
    "factories": ("Sample factories", "예시 공장"),
    "ax_plan": ("AX plan targets", "AX 계획 목표"),
}


def _sources_slide(data: BriefingData, lang: str) -> Slide:
    src = data.sources
    statuses = [s for s in STATUS_COLOURS if s in set(src["status"])] if len(src) else []
    counts = pd.DataFrame()
    if len(src):
        table = src["file"].str.split("/").str[0].str.replace(".yaml", "", regex=False)
        table = table.map(lambda n: TABLE_NAMES.get(n, (n, n))[1 if lang == "ko" else 0])
        counts = (
            src.assign(table=table)
            .groupby(["table", "status"])
            .size()
            .unstack(fill_value=0)
            .reindex(columns=statuses, fill_value=0)
        )
    total = src["status"].value_counts() if len(src) else pd.Series(dtype=int)
    published = src[src["status"] == "published"] if len(src) else src
    return Slide(
        "sources",
        t("sources_title", lang),
        t("sources_sub", lang),
        image=charts.sources_png(counts, STATUS_COLOURS, lang=lang) if len(counts) else None,
        bullets=[
            t("status_published", lang),
            t("status_estimate", lang),
            t("status_synthetic", lang),
            t("status_map", lang),
        ],
        source=t("source_data", lang),
        numbers={k: str(int(v)) for k, v in total.items()},
        notes="Published figures: "
        + "; ".join(
            f"{r.file} {r.field}: {r.value} {r.unit} ({r.year}; {r.source})"
            for r in published.itertuples()
        ),
    )


def _repro_slide(data: BriefingData, lang: str, fmt_: str) -> Slide:
    s = data.settings
    rows = [[t("scenarios", lang), t("hash", lang), t("seed", lang)]]
    for sc, (name, h) in zip(data.scenarios, data.hashes.items(), strict=True):
        rows.append([name, h, str(sc.seed)])
    return Slide(
        "reproducibility",
        t("repro_title", lang),
        f"{t('replications', lang)} {s.replications} · {t('days', lang)} {s.days:g} "
        f"(+{s.warmup_days:g} warm-up) · {t('seed', lang)} {s.seed} · "
        f"{t('version', lang)} {data.version}",
        table=rows,
        bullets=[
            f"{t('commit', lang)}: {data.commit or 'unknown'}",
            f"{t('repro_cmd', lang)}:",
            regenerate_command(data, fmt_),
        ],
        numbers={"replications": str(s.replications), "seed": str(s.seed)},
    )


def build_slides(data: BriefingData, fmt_: str = "pptx") -> list[Slide]:
    """Every slide of the briefing, in order (optional ones only when computed); ``fmt_`` is
    the format named in the command that regenerates it."""
    lang = data.options.lang
    slides = [
        _title_slide(data, lang),
        _headline_slide(data, lang),
        _map_slide(data, lang),
        _trajectory_slide(data, lang),
        _peak_slide(data, lang),
        *_waterfall_slides(data, lang),
        _bottleneck_slide(data, lang),
        _roi_slide(data, lang),
        _tornado_slide(data, lang),
        _assumption_slide(data, lang),
        _sources_slide(data, lang),
        _repro_slide(data, lang, fmt_),
    ]
    return [s for s in slides if s is not None]
