"""The explorer's Export panel: the alliance briefing of the scenarios on screen, as a download.

Calls the same code as ``twin report`` (:func:`twin.report.briefing_bytes`), so a deck
downloaded here equals the command line's for the same choices. The finished file is kept in
``st.session_state`` (per scenario set and choices) so that a widget change does not lose it.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Sequence

import streamlit as st

from twin.core.errors import InputError
from twin.report import MEDIA_TYPES, ReportOptions, briefing_bytes, progress_total
from twin.ui.results import Progress
from twin.viz import KPIS

__all__ = ["export_panel"]

_FORMAT_LABELS = {"pptx": "Slide deck (PowerPoint)", "html": "Web page (HTML)", "pdf": "PDF"}
_LANGS = {"en": "English", "ko": "한국어 (Korean)"}


def _formats() -> list[str]:
    """Formats this server can make (PDF needs LibreOffice)."""
    return [f for f in _FORMAT_LABELS if f != "pdf" or shutil.which("soffice")]


def export_panel(names: Sequence[str], key: str) -> None:
    """Draw the Export panel for the shipped scenarios ``names`` (the first is the reference).

    Parameters
    ----------
    names
        Scenario names (as in :func:`twin.ui.results.scenario_files`), one or more.
    key
        Widget-key prefix of the hosting page (e.g. ``"overview"``).
    """
    if not names:
        return
    with st.expander("Export a briefing for an alliance meeting", expanded=False):
        st.caption(
            "A slide deck, one web page or a PDF built from these results, with the "
            "assumptions, sources, data status and the command that regenerates it "
            "(the same as `twin report " + " ".join(names) + "`)."
        )
        c1, c2, c3 = st.columns(3)
        fmt = c1.selectbox(
            "Format",
            _formats(),
            format_func=_FORMAT_LABELS.get,
            key=f"{key}_export_format",
        )
        lang = c2.selectbox(
            "Language", list(_LANGS), format_func=_LANGS.get, key=f"{key}_export_lang"
        )
        map_kpi = c3.selectbox(
            "Map coloured by",
            [k for k in KPIS if k not in ("productivity_mkrw", "ai_compute_mwh")],
            index=3,
            format_func=lambda k: KPIS[k].label,
            key=f"{key}_export_kpi",
        )
        roi = st.checkbox(
            "Include company ROI by lever (three largest archetypes; adds minutes when not stored)",
            value=False,
            key=f"{key}_export_roi",
        )
        options = ReportOptions(lang=lang, map_kpi=map_kpi, roi=roi)
        wanted = (tuple(names), fmt, lang, map_kpi, roi)
        store_key = f"{key}_export_file"
        if st.button("Build the briefing", key=f"{key}_export_build"):
            bar = Progress(progress_total(list(names), options), "Building the briefing")
            try:
                blob = briefing_bytes(list(names), fmt, lang, progress=bar, options=options)
            except InputError as err:
                st.error(str(err))
                blob = None
            finally:
                bar.close()
            if blob is not None:
                st.session_state[store_key] = (wanted, blob)
        done = st.session_state.get(store_key)
        if done is not None:
            made, blob = done
            stamp = dt.date.today().isoformat()
            name = f"gumi-twin-briefing-{'-'.join(made[0])}-{stamp}.{made[1]}"
            if made != wanted:
                st.caption("The file below was built with other choices: build again to update.")
            st.download_button(
                f"Download {name} ({len(blob) / 1e6:.1f} MB)",
                blob,
                file_name=name,
                mime=MEDIA_TYPES[made[1]],
                key=f"{key}_export_download",
            )
