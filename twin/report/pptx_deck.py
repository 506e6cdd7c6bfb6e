"""The briefing as a PowerPoint deck (python-pptx): 16:9, big type, one message per slide.

Every text run carries a Latin and an East Asian typeface, so that Hangul renders in
PowerPoint (Malgun Gothic on Windows) and in LibreOffice (its CJK fallback).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from lxml import etree
from PIL import Image
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from twin.report.content import Slide

__all__ = ["EAST_ASIAN_FONT", "LATIN_FONT", "deck_bytes"]

LATIN_FONT = "Arial"
#: East Asian typeface set on every run (Hangul); LibreOffice falls back to its CJK font.
EAST_ASIAN_FONT = "Malgun Gothic"
WIDTH, HEIGHT = Emu(12_192_000), Emu(6_858_000)  # 13.33 x 7.5 in: 16:9
MARGIN = Inches(0.45)
TOP = Inches(1.45)  # content starts below the title and subtitle
BOTTOM = Inches(6.95)  # content ends above the footer
DARK = RGBColor(0x1A, 0x1A, 0x1A)
GREY = RGBColor(0x55, 0x55, 0x55)
ACCENT = RGBColor(0x00, 0x72, 0xB2)  # twin.viz.SCENARIO_COLOURS[0]
HEADER_FILL = RGBColor(0xE8, 0xF1, 0xF8)


def _fonts(run, size: float, *, bold: bool = False, colour: RGBColor = DARK) -> None:
    """Size, weight, colour and both typefaces of a run."""
    f = run.font
    f.size = Pt(size)
    f.bold = bold
    f.color.rgb = colour
    f.name = LATIN_FONT
    rpr = run._r.get_or_add_rPr()
    ea = rpr.find(qn("a:ea"))
    if ea is None:
        ea = etree.SubElement(rpr, qn("a:ea"))
        latin = rpr.find(qn("a:latin"))
        if latin is not None:  # schema order: latin, ea, cs
            latin.addnext(ea)
    ea.set("typeface", EAST_ASIAN_FONT)


def _text(
    slide,
    left: int,
    top: int,
    width: int,
    height: int,
    lines: Sequence[str],
    size: float,
    *,
    bold: bool = False,
    colour: RGBColor = DARK,
    align=PP_ALIGN.LEFT,
    anchor=MSO_ANCHOR.TOP,
    bullets: bool = False,
):
    box = slide.shapes.add_textbox(left, top, width, height)
    tf = box.text_frame
    tf.word_wrap = True
    tf.vertical_anchor = anchor
    tf.margin_left = tf.margin_right = Inches(0.05)
    for i, line in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.alignment = align
        p.space_after = Pt(size * 0.35)
        run = p.add_run()
        run.text = ("• " if bullets and line and not line.startswith("twin ") else "") + line
        _fonts(run, size, bold=bold, colour=colour)
    return box


def _picture(slide, png: bytes, left: int, top: int, width: int, height: int) -> None:
    """The image fitted into the box (aspect kept), centred."""
    with Image.open(io.BytesIO(png)) as im:
        w, h = im.size
    scale = min(width / w, height / h)
    pw, ph = int(w * scale), int(h * scale)
    slide.shapes.add_picture(
        io.BytesIO(png), left + (width - pw) // 2, top + (height - ph) // 2, Emu(pw), Emu(ph)
    )


def _table(slide, rows: list[list[str]], left: int, top: int, width: int, max_h: int) -> None:
    n, m = len(rows), max(len(r) for r in rows)
    size = 18 if n <= 6 else 16 if n <= 9 else 13
    row_h = Inches(0.5 if size >= 16 else 0.4)
    shape = slide.shapes.add_table(n, m, left, top, width, min(max_h, row_h * n))
    table = shape.table
    # The first column holds labels: give it more room.
    first = int(width * (0.34 if m > 2 else 0.7))
    table.columns[0].width = first
    for j in range(1, m):
        table.columns[j].width = int((width - first) / (m - 1))
    for i, row in enumerate(rows):
        for j in range(m):
            cell = table.cell(i, j)
            cell.text = ""
            cell.margin_left = cell.margin_right = Inches(0.08)
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            p = cell.text_frame.paragraphs[0]
            p.alignment = PP_ALIGN.LEFT if j == 0 else PP_ALIGN.RIGHT
            run = p.add_run()
            run.text = row[j] if j < len(row) else ""
            _fonts(run, size, bold=i == 0, colour=DARK)
            cell.fill.solid()
            cell.fill.fore_color.rgb = HEADER_FILL if i == 0 else RGBColor(0xFF, 0xFF, 0xFF)


def _frame(prs, s: Slide, footer: str, number: int):
    slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    if s.kind == "title":
        bar = slide.shapes.add_shape(1, 0, 0, WIDTH, Inches(0.3))  # 1: rectangle
        bar.fill.solid()
        bar.fill.fore_color.rgb = ACCENT
        bar.line.fill.background()
        _text(
            slide,
            MARGIN,
            Inches(2.0),
            WIDTH - 2 * MARGIN,
            Inches(1.3),
            [s.title],
            40,
            bold=True,
            colour=ACCENT,
        )
        _text(
            slide,
            MARGIN,
            Inches(3.3),
            WIDTH - 2 * MARGIN,
            Inches(0.8),
            [s.subtitle],
            24,
            colour=GREY,
        )
        _text(slide, MARGIN, Inches(4.4), WIDTH - 2 * MARGIN, Inches(2.2), s.bullets, 20)
    else:
        _text(
            slide,
            MARGIN,
            Inches(0.3),
            WIDTH - 2 * MARGIN,
            Inches(0.75),
            [s.title],
            30,
            bold=True,
            colour=ACCENT,
        )
        if s.subtitle:
            _text(
                slide,
                MARGIN,
                Inches(0.95),
                WIDTH - 2 * MARGIN,
                Inches(0.45),
                [s.subtitle],
                16,
                colour=GREY,
            )
    _text(
        slide,
        MARGIN,
        Inches(7.05),
        WIDTH - 2 * MARGIN - Inches(0.8),
        Inches(0.35),
        [footer],
        10,
        colour=GREY,
    )
    _text(
        slide,
        WIDTH - MARGIN - Inches(0.8),
        Inches(7.05),
        Inches(0.8),
        Inches(0.35),
        [str(number)],
        10,
        colour=GREY,
        align=PP_ALIGN.RIGHT,
    )
    if s.notes:
        slide.notes_slide.notes_text_frame.text = s.notes
    return slide


def _body(slide, s: Slide) -> None:
    left, width = MARGIN, WIDTH - 2 * MARGIN
    top, bottom = TOP, BOTTOM
    if s.kind == "title":
        return
    source_h = Inches(0.3) if s.source and not s.image else 0
    if s.image is not None:
        with Image.open(io.BytesIO(s.image)) as im:
            aspect = im.size[0] / im.size[1]
        if s.bullets and aspect < 1.6:  # a narrow chart: text to its right
            img_w = min(int(width * 0.6), int((bottom - top) * aspect))
            _picture(slide, s.image, left, top, img_w, bottom - top)
            _text(
                slide,
                left + img_w + Inches(0.3),
                top,
                width - img_w - Inches(0.3),
                bottom - top,
                s.bullets,
                15,
                bullets=True,
            )
            return
        text_h = Inches(0.42) * len(s.bullets)
        _picture(slide, s.image, left, top, width, bottom - top - text_h)
        if s.bullets:
            _text(slide, left, bottom - text_h, width, text_h, s.bullets, 14, colour=GREY)
        return
    if s.table:
        tall = bottom - top - source_h - Inches(0.45) * len(s.bullets)
        _table(slide, s.table, left, top, width, tall)
        if s.bullets:
            _text(
                slide,
                left,
                bottom - source_h - Inches(0.45) * len(s.bullets),
                width,
                Inches(0.45) * len(s.bullets),
                s.bullets,
                14,
                colour=GREY,
            )
    elif s.bullets:
        _text(slide, left, top, width, bottom - top - source_h, s.bullets, 20, bullets=True)
    if source_h:
        _text(slide, left, bottom - source_h, width, source_h, [s.source], 11, colour=GREY)


def deck_bytes(slides: Sequence[Slide], footer: str) -> bytes:
    """The slides as a .pptx file (bytes), 16:9, with ``footer`` on every slide."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    for i, s in enumerate(slides, start=1):
        slide = _frame(prs, s, footer, i)
        _body(slide, s)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()
