"""The briefing deck and HTML report against known results (no simulation).

The deck is opened with python-pptx and the HTML parsed; the figures on the slides are
compared with the paired differences worked out from the fake results, not with the code that
wrote them.
"""

from __future__ import annotations

import base64
import io
import warnings
from html.parser import HTMLParser

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn
from test_report_fakes import SAVING, fake_briefing

from twin.report import build_slides, render
from twin.report.content import fmt
from twin.viz import KPIS


@pytest.fixture(scope="module")
def data():
    return fake_briefing("en")


@pytest.fixture(scope="module")
def slides(data):
    return build_slides(data)


@pytest.fixture(scope="module")
def deck(data):
    return Presentation(io.BytesIO(render(data, "pptx")))


def _texts(slide) -> list[str]:
    out = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            out.append(shape.text_frame.text)
        if shape.has_table:
            out += [c.text for row in shape.table.rows for c in row.cells]
    return out


def test_fmt_closed_forms() -> None:
    assert fmt(-289.4) == "-289"
    assert fmt(0.13412, signed=True) == "+0.13"
    assert fmt(-0.0264, signed=True) == "-0.026"
    assert fmt(0.4) == "0.40"
    assert fmt(1.6543, signed=True) == "+1.65"
    assert fmt(8301.2) == "8,301"
    assert fmt(float("nan")) == "–"


def test_deck_has_every_slide_in_order(deck, slides) -> None:
    kinds = [s.kind for s in slides]
    assert kinds == [
        "title",
        "headline",
        "map",
        "trajectories",
        "peak",
        "waterfall",
        "bottlenecks",
        "roi",
        "tornado",
        "assumptions",
        "sources",
        "reproducibility",
    ]
    assert len(deck.slides) == len(slides)
    assert deck.slide_width * 9 == deck.slide_height * 16  # 16:9
    for pslide, s in zip(deck.slides, slides, strict=True):
        texts = _texts(pslide)
        assert s.title in texts
        pics = [sh for sh in pslide.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pics) == (1 if s.image is not None else 0), s.kind
        # Every picture lies inside the slide.
        for p in pics:
            assert p.left >= 0 and p.top >= 0
            assert p.left + p.width <= deck.slide_width
            assert p.top + p.height <= deck.slide_height
        assert any("data:" in t and "estimated" in t for t in texts)  # footer: data status


def test_headline_numbers_equal_paired_differences(deck, data) -> None:
    d = data.differences
    headline = next(s for s in deck.slides if "Headline changes in 2032" in _texts(s))
    cells = _texts(headline)
    for kpi in ("electricity_mwh", "co2_t", "value_added_krw", "productivity_mkrw"):
        row = d[(d["scenario"] == "gumi-ax-2032") & (d["kpi"] == kpi) & (d["year"] == 2032)]
        shown = fmt(float(row["diff"].iloc[0]) / KPIS[kpi].divisor, signed=True)
        assert any(c.startswith(shown + " [") for c in cells), (kpi, shown)
    # Independent: the fake saves SAVING of the AI scenario's electricity / (1 - SAVING).
    level = float(
        d[
            (d["scenario"] == "gumi-ax-2032")
            & (d["kpi"] == "electricity_mwh")
            & (d["year"] == 2032)
        ]["mean"].iloc[0]
    )
    expected = fmt(-SAVING * level / (1 - SAVING) / 1e3, signed=True)
    assert any(c.startswith(expected + " [") for c in cells)


def test_waterfall_steps_add_up_on_the_slide(slides, data) -> None:
    s = next(s for s in slides if s.kind == "waterfall")
    w = data.waterfalls
    total = w[w["kpi"] == "electricity_mwh"]["change"].sum() / 1e3
    steps = [v for k, v in s.numbers.items() if k.endswith(":electricity_mwh")]
    assert len(steps) == 3
    assert abs(sum(float(v.replace(",", "")) for v in steps) - total) < 0.02 * abs(total)


def test_map_values_are_per_complex_paired_changes(slides, data) -> None:
    s = next(s for s in slides if s.kind == "map")
    res = data.results[1].tidy
    ref = data.results[0].tidy
    for cx in ("1", "5"):
        a = res[(res.case == "scenario") & (res.year == 2032) & (res.complex_id == cx)]
        b = ref[(ref.case == "scenario") & (ref.year == 2032) & (ref.complex_id == cx)]
        diff = (a["electricity_mwh"].to_numpy() - b["electricity_mwh"].to_numpy()).mean() / 1e3
        assert s.numbers[f"complex {cx}"] == fmt(diff, signed=True)


def test_roi_and_reproducibility(deck, slides, data) -> None:
    roi = next(s for s in slides if s.kind == "roi")
    assert roi.numbers["smt-assembly:energy_optimisation:npv_p50"] == "+0.40"
    repro = next(p for p in deck.slides if "Reproducibility" in _texts(p))
    text = " ".join(_texts(repro))
    for h in data.hashes.values():
        assert h in text
    assert "twin report scenarios/baseline.yaml scenarios/gumi-ax-2032.yaml" in text
    assert "0" * 40 in text  # the commit


def test_html_is_self_contained(data, slides) -> None:
    page = render(data, "html").decode("utf-8")

    class Parse(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.imgs, self.sections, self.external = [], 0, []

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "img":
                self.imgs.append(a["src"])
            if tag == "section":
                self.sections += 1
            if tag in ("link", "script") or (tag == "img" and a["src"].startswith("http")):
                self.external.append(tag)

    p = Parse()
    p.feed(page)
    assert p.sections == len(slides)
    assert len(p.imgs) == sum(s.image is not None for s in slides)
    assert not p.external
    for src in p.imgs:
        head, b64 = src.split(",", 1)
        assert head == "data:image/png;base64"
        assert base64.b64decode(b64)[:8] == b"\x89PNG\r\n\x1a\n"
    headline = next(s for s in slides if s.kind == "headline")
    for value in headline.numbers.values():
        assert value in page


def test_korean_deck_renders_hangul() -> None:
    data = fake_briefing("ko", roi=False, sensitivity="none")
    with warnings.catch_warnings():
        # matplotlib warns "Glyph ... missing from font(s)" when Hangul would show as boxes.
        warnings.filterwarnings("error", message=".*[Gg]lyph.*missing")
        blob = render(data, "pptx")
    deck = Presentation(io.BytesIO(blob))
    titles = [_texts(s)[0] for s in deck.slides]
    assert "주요 변화" in " ".join(titles)
    # Every run names an East Asian typeface.
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                for para in shape.text_frame.paragraphs:
                    for run in para.runs:
                        ea = run._r.find(qn("a:rPr")).find(qn("a:ea"))
                        assert ea is not None and ea.get("typeface")
    # The Korean firm name is used on the bottleneck slide.
    assert any("삼성전자" in t for s in deck.slides for t in _texts(s))


def test_korean_charts_use_a_hangul_font() -> None:
    from matplotlib import font_manager

    from twin.report.charts import style

    with style("ko"):
        path = font_manager.findfont(font_manager.FontProperties(family=["NanumGothic"]))
    assert "Nanum" in path


def test_single_scenario_is_compared_with_its_own_baseline() -> None:
    from dataclasses import replace

    from twin.report.gather import _single_differences
    from twin.scenario_run import summary_table

    full = fake_briefing("en", roi=False, sensitivity="none")
    result = full.results[1]
    data = replace(
        full,
        paths=full.paths[1:],
        results=[result],
        differences=_single_differences(result),
        reference=None,
        substations={result.scenario.name: full.substations[result.scenario.name]},
        bottlenecks={result.scenario.name: full.bottlenecks[result.scenario.name]},
    )
    slides = build_slides(data)
    headline = next(s for s in slides if s.kind == "headline")
    table = summary_table(result)
    row = table[(table["kpi"] == "electricity_mwh") & (table["year"] == 2032)].iloc[0]
    assert headline.numbers["gumi-ax-2032:electricity_mwh"] == fmt(row["diff"] / 1e3, True)
    assert "zero-adoption baseline" in headline.subtitle
    kinds = [s.kind for s in slides]
    assert "assumptions" in kinds and kinds[-1] == "reproducibility"
