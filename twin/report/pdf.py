"""PDF (and PNG pages) from the deck with LibreOffice and pdftoppm, where they are installed."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from twin.core.errors import InputError

__all__ = ["pdf_bytes", "pdf_converter", "pdf_to_pngs"]

TIMEOUT_S = 300


def pdf_converter() -> str | None:
    """The LibreOffice executable (``soffice`` or ``libreoffice``), or ``None``."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdf_bytes(pptx: bytes) -> bytes:
    """The deck converted to PDF by LibreOffice (headless, its own temporary profile).

    Raises
    ------
    InputError
        When LibreOffice is not installed or the conversion fails.
    """
    exe = pdf_converter()
    if exe is None:
        raise InputError(
            "twin report", "--format", "pdf needs LibreOffice (soffice); use pptx or html"
        )
    with tempfile.TemporaryDirectory(prefix="twin-pdf-") as tmp:
        folder = Path(tmp)
        src = folder / "briefing.pptx"
        src.write_bytes(pptx)
        # A private profile: a running LibreOffice (or another conversion) does not block it.
        profile = (folder / "profile").as_uri()
        cmd = [
            exe,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(src),
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise InputError("twin report", "--format", "pdf conversion timed out") from None
        out = folder / "briefing.pdf"
        if done.returncode != 0 or not out.is_file():
            why = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise InputError("twin report", "--format", f"pdf conversion failed ({why[0]})")
        return out.read_bytes()


def pdf_to_pngs(pdf: Path, out_dir: Path, dpi: int = 60) -> list[Path]:
    """Each page of ``pdf`` as ``page-N.png`` in ``out_dir`` (pdftoppm); [] without it."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [exe, "-png", "-r", str(dpi), str(pdf), str(out_dir / "page")],
        check=True,
        capture_output=True,
        timeout=TIMEOUT_S,
    )
    return sorted(out_dir.glob("page*.png"))
