"""The alliance briefing: a slide deck (pptx), one self-contained HTML page or a PDF, straight
from the model's results, with their assumptions, sources and the command that regenerates it.

Public API (the ``twin report`` command and the explorer's Export button call these):

- :func:`build_briefing` writes a briefing file and returns its path;
- :func:`briefing_bytes` returns the file's bytes (for a download button);
- :func:`gather` computes everything once (:class:`BriefingData`), :func:`render` turns it into
  bytes in any format, so several formats cost one computation;
- :class:`ReportOptions` says what goes in (language, map KPI, year, ROI, sensitivity);
- :func:`progress_total` estimates how often ``progress`` is called (a progress bar's total).

For the explorer's Export button::

    bar = Progress(progress_total(names, opts), "Building the briefing")
    blob = briefing_bytes(names, "pptx", "ko", progress=bar, options=opts)
    st.download_button("Download", blob, "briefing.pptx", MEDIA_TYPES["pptx"])

Results come from the results store (computed once with ``progress`` called per run when
missing); the optional company ROI and sensitivity are cached under ``.cache/report``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from twin.core.errors import InputError
from twin.report.content import Slide, build_slides, footer_text, regenerate_command
from twin.report.gather import BriefingData, ReportOptions, gather, progress_total

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "BriefingData",
    "ReportOptions",
    "Slide",
    "briefing_bytes",
    "build_briefing",
    "build_slides",
    "gather",
    "progress_total",
    "regenerate_command",
    "render",
    "write_atomic",
]

FORMATS = ("pptx", "html", "pdf")
#: Media type of each format (for a download button).
MEDIA_TYPES = {
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "html": "text/html",
    "pdf": "application/pdf",
}


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InputError("twin report", "--format", f"'{fmt}' (allowed: {', '.join(FORMATS)})")


def render(data: BriefingData, fmt: str = "pptx") -> bytes:
    """The briefing of ``data`` as the bytes of a ``fmt`` file (``pptx``, ``html``, ``pdf``).

    Raises
    ------
    InputError
        For an unknown format, or ``pdf`` without LibreOffice.
    """
    _check_format(fmt)
    slides = build_slides(data, fmt)
    footer = footer_text(data, data.options.lang)
    if fmt == "html":
        from twin.report.html_report import html_text

        return html_text(slides, footer, data.options.lang).encode("utf-8")
    from twin.report.pptx_deck import deck_bytes

    deck = deck_bytes(slides, footer)
    if fmt == "pdf":
        from twin.report.pdf import pdf_bytes

        return pdf_bytes(deck)
    return deck


def briefing_bytes(
    names_or_paths: Sequence[str | Path],
    fmt: str = "pptx",
    lang: str = "en",
    progress: Callable[[str], None] | None = None,
    options: ReportOptions | None = None,
) -> bytes:
    """A briefing on the scenarios as file bytes (for a download).

    Parameters
    ----------
    names_or_paths
        Scenario files or shipped scenario names; the first is the reference of the
        differences (one scenario: against its own zero-adoption baseline).
    fmt
        ``"pptx"``, ``"html"`` or ``"pdf"`` (needs LibreOffice).
    lang
        ``"en"`` or ``"ko"`` (overrides ``options.lang``).
    progress
        Called with a short text as each missing run or step finishes.
    options
        Everything else (:class:`ReportOptions`).

    Raises
    ------
    InputError
        For a bad scenario, option or format (one line naming the file or option).
    """
    _check_format(fmt)
    options = replace(options or ReportOptions(), lang=lang)
    return render(gather(names_or_paths, options, progress), fmt)


def build_briefing(
    names_or_paths: Sequence[str | Path],
    out: str | Path,
    fmt: str | None = None,
    lang: str = "en",
    progress: Callable[[str], None] | None = None,
    options: ReportOptions | None = None,
) -> Path:
    """Write a briefing on the scenarios to ``out`` and return its path.

    ``fmt`` defaults to ``out``'s suffix (``.pptx``, ``.html``, ``.pdf``); other parameters as
    :func:`briefing_bytes`. The file is written atomically: nothing half-written is left.
    """
    target = Path(out)
    fmt = fmt or target.suffix.lstrip(".").lower() or "pptx"
    blob = briefing_bytes(names_or_paths, fmt, lang, progress, options)
    return write_atomic(target, blob)


def write_atomic(target: Path, blob: bytes) -> Path:
    """Write ``blob`` to ``target`` through a temporary file in the same folder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
