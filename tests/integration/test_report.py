"""The briefing end to end: PDF and PNG pages through LibreOffice (where installed), and the
deck of the shipped scenarios against the results store (slow)."""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import pytest
from pptx import Presentation

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_report_fakes import fake_briefing

from twin.report import build_slides, render

needs_office = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
    reason="LibreOffice (soffice) and pdftoppm are not installed",
)


@needs_office
def test_pdf_has_one_page_per_slide_and_pages_are_not_blank(tmp_path) -> None:
    from PIL import Image, ImageStat

    from twin.report.pdf import pdf_to_pngs

    data = fake_briefing("ko", roi=False, sensitivity="none")
    pdf = tmp_path / "briefing.pdf"
    pdf.write_bytes(render(data, "pdf"))
    assert pdf.read_bytes()[:5] == b"%PDF-"
    pages = pdf_to_pngs(pdf, tmp_path / "pages", dpi=30)
    assert len(pages) == len(build_slides(data))
    for page in pages:
        with Image.open(page) as im:
            assert im.size[0] * 9 == pytest.approx(im.size[1] * 16, rel=0.02)  # 16:9
            assert ImageStat.Stat(im.convert("L")).stddev[0] > 5  # something is drawn


@pytest.mark.slow
def test_shipped_scenarios_deck_matches_the_results_store(tmp_path) -> None:
    """The CLI's deck on baseline and the AX plan: its headline equals paired_differences."""
    from twin.cli import main
    from twin.compare import paired_differences
    from twin.config.scenario import load_scenario
    from twin.report.content import fmt
    from twin.report.gather import shared_settings
    from twin.scenario_run import run_scenario
    from twin.viz import KPIS

    paths = ["scenarios/baseline.yaml", "scenarios/gumi-ax-2032.yaml"]
    out = tmp_path / "b.pptx"
    argv = ["report", *paths, "--no-roi", "--sensitivity", "none", "--out", str(out)]
    assert main(argv) == 0
    settings = shared_settings([load_scenario(p) for p in paths])
    diffs = paired_differences([run_scenario(p, settings) for p in paths])
    deck = Presentation(io.BytesIO(out.read_bytes()))
    cells = [
        c.text
        for s in deck.slides
        for sh in s.shapes
        if sh.has_table
        for row in sh.table.rows
        for c in row.cells
    ]
    for kpi in ("electricity_mwh", "value_added_krw", "co2_t"):
        r = diffs[(diffs.scenario == "gumi-ax-2032") & (diffs.kpi == kpi) & (diffs.year == 2032)]
        shown = fmt(float(r["diff"].iloc[0]) / KPIS[kpi].divisor, signed=True)
        assert any(c.startswith(shown + " [") for c in cells), (kpi, shown)
