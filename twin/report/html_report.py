"""The briefing as one self-contained HTML file: every chart inlined as a base64 PNG.

Opens in any browser without network access; the same slides, numbers and sources as the deck.
"""

from __future__ import annotations

import base64
import html
import struct
from collections.abc import Sequence

from twin.report.content import Slide

__all__ = ["html_text"]

_CSS = """
body{font-family:"Segoe UI",Arial,"Malgun Gothic","Apple SD Gothic Neo","Noto Sans CJK KR",
"NanumGothic",sans-serif;margin:0;background:#f4f6f8;color:#1a1a1a}
main{max-width:1180px;margin:0 auto;padding:24px}
section{background:#fff;border-radius:6px;box-shadow:0 1px 3px rgba(0,0,0,.12);
margin:0 0 28px;padding:24px 32px;page-break-after:always}
h1{color:#0072B2;font-size:2.2em;margin:.2em 0}
h2{color:#0072B2;font-size:1.7em;margin:.1em 0 .2em}
.sub{color:#555;font-size:1.1em;margin:0 0 14px}
img{max-width:100%;height:auto;display:block;margin:8px auto}
table{border-collapse:collapse;width:100%;font-size:1.05em;margin:8px 0}
th{background:#e8f1f8;text-align:right;padding:6px 10px}
td{border-top:1px solid #ddd;text-align:right;padding:6px 10px}
th:first-child,td:first-child{text-align:left}
ul{font-size:1.1em} li{margin:4px 0}
code{font-size:.9em;background:#f0f0f0;padding:2px 4px;word-break:break-all}
.source{color:#666;font-size:.85em;margin-top:8px}
footer{color:#666;font-size:.8em;text-align:center;margin:8px 0 24px}
"""


def _aspect(png: bytes) -> float:
    """Width over height of a PNG (from its header)."""
    width, height = struct.unpack(">II", png[16:24])
    return width / height if height else 1.0


def _section(s: Slide) -> str:
    e = html.escape
    out = [f'<section class="slide {e(s.kind)}" id="{e(s.kind)}">']
    out.append(f"<h1>{e(s.title)}</h1>" if s.kind == "title" else f"<h2>{e(s.title)}</h2>")
    if s.subtitle:
        out.append(f'<p class="sub">{e(s.subtitle)}</p>')
    if s.image is not None:
        data = base64.b64encode(s.image).decode("ascii")
        narrow = _aspect(s.image) < 1.6  # a map: not wider than the screen is tall
        style = ' style="max-width:62%"' if narrow else ""
        out.append(f'<img alt="{e(s.title)}"{style} src="data:image/png;base64,{data}">')
    if s.table:
        head = "".join(f"<th>{e(c)}</th>" for c in s.table[0])
        body = "".join(
            "<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in s.table[1:]
        )
        out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    if s.bullets:
        items = "".join(
            f"<li><code>{e(b)}</code></li>" if b.startswith("twin ") else f"<li>{e(b)}</li>"
            for b in s.bullets
        )
        out.append(f"<ul>{items}</ul>")
    if s.source:
        out.append(f'<p class="source">{e(s.source)}</p>')
    if s.notes:
        out.append(f"<details><summary>Notes</summary><pre>{e(s.notes)}</pre></details>")
    out.append("</section>")
    return "\n".join(out)


def html_text(slides: Sequence[Slide], footer: str, lang: str = "en") -> str:
    """The slides as one HTML document (text), ``footer`` at the end of the page."""
    title = html.escape(slides[0].title if slides else "Gumi Twin briefing")
    body = "\n".join(_section(s) for s in slides)
    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n{body}\n"
        f"<footer>{html.escape(footer)}</footer>\n</main>\n</body>\n</html>\n"
    )
