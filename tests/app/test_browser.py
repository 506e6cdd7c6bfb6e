"""The real app in headless Chromium: every page serves, shows its content, nothing raises.

One Streamlit server for the module; each page is opened in a fresh browser page, checked for
its own content, for Streamlit exception boxes and for "Traceback", and saved as a full-page
screenshot (copied to ``$GUMI_SCREENSHOT_DIR`` when set; CI keeps them as test artifacts).
The Company ROI page also runs an ROI.

Needs the system Chromium at /usr/bin/chromium (``apt-get install chromium``); Playwright's own
browser downloads are not used.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SERVER_START_S = 30.0
PAGE_TIMEOUT_MS = 120_000
#: The first page may compute the default scenarios once (no results store on a fresh clone).
FIRST_RESULTS_MS = 600_000
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} not found: install the system browser (apt-get install chromium)",
    ),
]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with {proc.returncode}:\n{log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"streamlit did not listen on port {port} within {SERVER_START_S:g} s")


@pytest.fixture(scope="module")
def server(repo_root: Path, app_path: Path, tmp_path_factory: pytest.TempPathFactory):
    """The explorer on a free loopback port; yields its base URL and its log file."""
    port = _free_port()
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(app_path),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=repo_root, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for_port(port, proc, log)
        yield f"http://127.0.0.1:{port}", log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    assert "Traceback" not in log.read_text(errors="replace")


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _settle(page, timeout_ms: int = PAGE_TIMEOUT_MS) -> None:
    """Wait until Streamlit has finished running the page script."""
    page.wait_for_timeout(500)
    page.locator('[data-testid="stStatusWidget"]').first.wait_for(
        state="detached", timeout=timeout_ms
    )
    page.wait_for_timeout(1000)  # let the last deltas paint


def _check_and_shoot(page, name: str, tmp_path: Path) -> str:
    """Assert no exception is shown; save a full-page screenshot; return the page text."""
    assert page.title() == "Gumi Twin"
    assert page.locator('[data-testid="stException"]').count() == 0
    body = page.inner_text("body")
    assert "Traceback" not in body
    # Streamlit scrolls inside its main block: grow the viewport to show it all.
    height = page.evaluate(
        "() => (document.querySelector('[data-testid=\"stMain\"]') || document.body).scrollHeight"
    )
    page.set_viewport_size({"width": 1400, "height": max(1000, min(height + 100, 9000))})
    page.wait_for_timeout(700)
    shot = tmp_path / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    for target in (os.environ.get("GUMI_SCREENSHOT_DIR"), SHOTS):
        if target:
            Path(target).mkdir(parents=True, exist_ok=True)
            shutil.copy(shot, Path(target) / shot.name)
    return body


def _open(browser, server, path: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    page.goto(f"{server[0]}/{path}", wait_until="domcontentloaded")
    return page


def test_overview_is_the_landing_page(browser, server, tmp_path: Path) -> None:
    page = _open(browser, server, "")
    try:
        page.get_by_text("The AX plan's targets beside the model").first.wait_for(
            timeout=FIRST_RESULTS_MS
        )
        _settle(page, FIRST_RESULTS_MS)
        assert page.locator('[data-testid="stMetric"]').count() == 5
        assert page.locator(".js-plotly-plot").count() >= 3
        body = _check_and_shoot(page, "overview", tmp_path)
        assert "95 % interval" in body and "synthetic" in body
    finally:
        page.close()


def test_compare_page(browser, server, tmp_path: Path) -> None:
    page = _open(browser, server, "compare")
    try:
        page.get_by_text("Assumptions that differ").first.wait_for(timeout=FIRST_RESULTS_MS)
        _settle(page, FIRST_RESULTS_MS)
        body = _check_and_shoot(page, "compare", tmp_path)  # the whole page in view
        assert page.locator(".js-plotly-plot").count() >= 3
        assert "Download all differences (CSV)" in body
    finally:
        page.close()


def test_whatif_answers_from_the_surrogate_and_confirms(browser, server, tmp_path: Path) -> None:
    page = _open(browser, server, "whatif")
    try:
        answered = page.get_by_text("answered in").first
        fit = page.get_by_role("button", name="Fit the what-if model")
        answered.or_(fit).first.wait_for(timeout=FIRST_RESULTS_MS)
        _settle(page)
        if not answered.is_visible():  # a fresh clone: fit the surrogate once, as a user would
            fit.click()
            answered.wait_for(timeout=FIRST_RESULTS_MS)
            _settle(page, FIRST_RESULTS_MS)
        page.get_by_role("button", name="Confirm by full simulation").click()
        page.get_by_text("Full simulation vs surrogate").first.wait_for(timeout=FIRST_RESULTS_MS)
        _settle(page, FIRST_RESULTS_MS)
        body = _check_and_shoot(page, "whatif", tmp_path)
        assert "cross-validated" in body.lower()
    finally:
        page.close()


def test_company_roi_runs(browser, server, tmp_path: Path) -> None:
    page = _open(browser, server, "roi")
    try:
        page.get_by_text("Company ROI of an AI pilot").first.wait_for()
        _settle(page)
        reps = page.locator(".st-key-roi_replications input")
        reps.fill("4")
        reps.press("Tab")
        page.locator(".st-key-roi_run button").click()
        page.get_by_text("Results: smt-assembly").first.wait_for(timeout=FIRST_RESULTS_MS)
        _settle(page, FIRST_RESULTS_MS)
        body = _check_and_shoot(page, "roi", tmp_path)  # the whole page in view
        assert page.locator(".js-plotly-plot").count() >= 4
        assert "P50" in body
    finally:
        page.close()


def test_factory_page(browser, server, tmp_path: Path) -> None:
    page = _open(browser, server, "factory")
    try:
        page.get_by_text("Throughput", exact=True).first.wait_for()
        page.get_by_text("Results: smt-line").first.wait_for()
        page.locator('[data-testid="stPlotlyChart"] .main-svg').nth(1).wait_for()
        _settle(page)
        assert page.locator('[data-testid="stMetric"]').count() >= 5
        body = _check_and_shoot(page, "factory", tmp_path)
        assert "not data from a real firm" in body
    finally:
        page.close()


def test_scenario_editor_runs_a_projection(browser, server, tmp_path: Path) -> None:
    page = _open(browser, server, "editor")
    try:
        page.get_by_text("Scenario editor").first.wait_for()
        page.get_by_text("Valid scenario gumi-ax-2032").first.wait_for()
        _settle(page)
        page.get_by_role("button", name="Run projection").click()
        page.get_by_text("Scenario figures:").first.wait_for(timeout=FIRST_RESULTS_MS)
        _settle(page, FIRST_RESULTS_MS)
        _check_and_shoot(page, "editor", tmp_path)
    finally:
        page.close()


def test_sources_page(browser, server, tmp_path: Path) -> None:
    page = _open(browser, server, "sources")
    try:
        page.get_by_text("Sources and assumptions").first.wait_for()
        page.get_by_text("Published rows").first.wait_for()
        _settle(page)
        body = _check_and_shoot(page, "sources", tmp_path)
        assert "synthetic" in body and "estimate" in body
    finally:
        page.close()


def test_map_page_draws_offline_and_recolours(browser, server, tmp_path: Path) -> None:
    page = _open(browser, server, "map")
    try:
        page.locator('[data-testid="stDeckGlJsonChart"] canvas').first.wait_for(
            timeout=FIRST_RESULTS_MS
        )
        page.get_by_text("Substations: sum of peaks vs capacity").first.wait_for()
        _settle(page, FIRST_RESULTS_MS)
        page.get_by_test_id("stSidebarUserContent").get_by_text("change vs baseline").click()
        page.get_by_text("vs baseline").first.wait_for()
        _settle(page)
        body = _check_and_shoot(page, "map", tmp_path)
        assert "APPROXIMATE" in body
    finally:
        page.close()
