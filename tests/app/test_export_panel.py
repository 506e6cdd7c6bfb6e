"""The explorer's Export panel: builds the briefing through twin.report and offers it."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import twin.ui.export as export
from twin.core.errors import InputError


def _panel() -> None:
    from twin.ui.export import export_panel

    export_panel(["baseline", "gumi-ax-2032"], "t")


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Record briefing requests; return a small file instead of building a deck."""
    seen: list[tuple] = []

    def fake(names, fmt, lang, progress=None, options=None):
        seen.append((tuple(names), fmt, lang, options))
        if progress:
            progress("stored run")
        if fmt == "html" and lang == "ko":
            raise InputError("twin report", "--lang", "bad on purpose")
        return b"x" * 2_000_000

    monkeypatch.setattr(export, "briefing_bytes", fake)
    monkeypatch.setattr(export, "progress_total", lambda names, options: 3)
    return seen


def test_build_passes_the_choices_and_offers_the_file(calls: list[tuple]) -> None:
    at = AppTest.from_function(_panel, default_timeout=30)
    at.run()
    assert not at.exception
    assert not at.get("download_button")  # nothing built yet
    at.selectbox(key="t_export_format").set_value("html")
    at.selectbox(key="t_export_kpi").set_value("co2_t")
    at.button(key="t_export_build").click().run()
    assert not at.exception and not at.error
    names, fmt, lang, options = calls[-1]
    assert names == ("baseline", "gumi-ax-2032") and (fmt, lang) == ("html", "en")
    assert options.map_kpi == "co2_t" and options.roi is False
    (button,) = at.get("download_button")
    assert "baseline-gumi-ax-2032" in button.proto.label and "(2.0 MB)" in button.proto.label
    # a later widget change keeps the finished file, flagged as built with other choices
    at.selectbox(key="t_export_format").set_value("pptx").run()
    assert len(at.get("download_button")) == 1
    assert any("other choices" in c.value for c in at.caption)


def test_a_failed_build_is_one_message_and_offers_nothing(calls: list[tuple]) -> None:
    at = AppTest.from_function(_panel, default_timeout=30)
    at.run()
    at.selectbox(key="t_export_format").set_value("html")
    at.selectbox(key="t_export_lang").set_value("ko")
    at.button(key="t_export_build").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["twin report: --lang: bad on purpose"]
    assert not at.get("download_button")
