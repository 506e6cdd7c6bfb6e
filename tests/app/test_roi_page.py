"""The Company ROI page, driven headlessly with Streamlit's AppTest.

Most tests replace :func:`twin.roi.company_roi` in the page by a fast stand-in whose NPV
follows the page's inputs in closed form (capex at t = 0, flat benefits), so they check the
page's wiring (form -> run -> progress -> result) in seconds; one slow test runs the real thing
with tiny settings.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import twin.ui.roi_page as page
from twin.core.errors import InputError
from twin.economics import annuity_factor, npv
from twin.io.paths import archetype_specs
from twin.roi import BENEFITS, BUNDLE, KPIS, RoiResult, SetResult

CAPEX, BENEFIT = 100e6, 40e6


def _script() -> None:
    from twin.ui.roi_page import render

    render()


def _fake_set(name: str, levers: tuple[str, ...], reps: int, years: int, rate: float, k: float):
    live = (np.arange(years + 1) > 0).astype(float)
    flows = {c: np.zeros((reps, years + 1)) for c in ("capex", "opex", *BENEFITS)}
    flows["capex"][:, 0] = CAPEX * k
    flows["energy"][:] = BENEFIT * k * live * np.linspace(0.9, 1.1, reps)[:, None]
    flows["net"] = sum(flows[c] for c in BENEFITS) - flows["capex"] - flows["opex"]
    values = np.array([npv(rate, flows["net"][r]) for r in range(reps)])
    ch = np.linspace(-2.0, -1.0, reps)
    return SetResult(
        name=name,
        levers=levers,
        npv=values,
        irr=np.full(reps, 0.2),
        payback_years=np.full(reps, 2.9),
        bcr=np.full(reps, 1.4),
        capex=flows["capex"][:, 0].copy(),
        opex=np.zeros(reps),
        annual={c: flows[c][:, -1].copy() for c in BENEFITS},
        flows=flows,
        kpis={(kpi, w): ch for kpi in KPIS for w in ("demand", "capacity")},
        quality={"auc": 0.9},
    )


def fake_roi(spec: Any, levers: list[str], years: int, replications: int, seed: int, **kw: Any):
    """A stand-in for company_roi: NPV = k (-capex + benefit x annuity) per replication."""
    progress = kw.get("progress")
    total = 4
    for done in range(total + 1):
        if progress:
            progress(done, total)
    rate = kw["discount_rate"]
    names = list(levers) + ([BUNDLE] if len(levers) > 1 else [])
    sets = {
        n: _fake_set(n, tuple(levers) if n == BUNDLE else (n,), replications, years, rate, i + 1)
        for i, n in enumerate(names)
    }
    draws = {n: np.linspace(-0.8, 0.8, replications) for n in levers}
    return RoiResult(
        inputs={
            "factory": kw.get("label") or spec.name,
            "levers": list(levers),
            "years": years,
            "replications": replications,
            "seed": seed,
            "discount_rate": rate,
            "days": kw["days"],
            "warmup_days": kw["warmup_days"],
            "headroom": kw["headroom"],
            "scale": kw["scale"],
            "carbon_price_krw_per_t": kw["carbon_price_krw_per_t"],
            "repair_krw_per_h": kw["repair_krw_per_h"],
            "escape_cost_factor": 3.0,
            "grid_factor_t_per_mwh": 0.4,
            "tariff": "test tariff",
        },
        baseline={
            "output_krw_per_year": 2e11,
            "capacity_output_krw_per_year": 4e11,
            "electricity_bill_krw_per_year": 1.4e9,
            "kpis": {kpi: {"demand": 10.0, "capacity": 20.0} for kpi in KPIS},
        },
        sets=sets,
        draws=draws,
        notes=["a test note"],
    )


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(page, "company_roi", fake_roi)


@pytest.fixture
def app() -> AppTest:
    at = AppTest.from_function(_script, default_timeout=60)
    at.run()
    return at


def _clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _finish(at: AppTest, timeout: float = 600) -> AppTest:
    """Wait for the background run, then rerun the page (as the polling fragment would)."""
    try:
        job = at.session_state[page.JOB_KEY]
    except KeyError:
        job = None
    if job is not None:
        job.thread.join(timeout)
        assert not job.running
    return at.run()


def _run(at: AppTest) -> AppTest:
    return _finish(at.button(key="roi_run").click().run())


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


# --------------------------------------------------------------------------- first load


def test_first_load_explains_and_offers_run_without_running(app: AppTest) -> None:
    _clean(app)
    assert app.title[0].value == "Company ROI of an AI pilot"
    assert page.JOB_KEY not in app.session_state and page.RESULT_KEY not in app.session_state
    assert any("No result yet" in i.value for i in app.info)
    assert app.selectbox(key="roi_archetype").value == "smt-assembly"
    assert app.multiselect(key="roi_levers").value == page.DEFAULTS["levers"]
    assert app.number_input(key="roi_replications").value == page.DEFAULTS["replications"]
    assert not app.button(key="roi_run").disabled
    costs = app.dataframe[0].value
    assert len(costs) == 5 and set(costs["Data status"]) <= {"estimate", "published", "synthetic"}
    status = " ".join(w.value for w in app.warning)
    assert "Data status: estimate" in status
    assert any("estimates" in c.value for c in app.caption)


# --------------------------------------------------------------------------- running


def test_run_shows_tables_charts_and_downloads(app: AppTest, fake: None) -> None:
    _run(app)
    _clean(app)
    assert not app.error
    assert "Results: smt-assembly" in [h.value for h in app.header]
    summary = app.dataframe[0].value
    assert list(summary["Lever set"]) == [
        "predictive maintenance",
        "energy optimisation",
        "all chosen levers (bundle)",
    ]
    # the bundle is the headline (k = 3 in the stand-in): -300 + 120 x annuity(7 %, 7 y)
    expected = 3 * (-CAPEX + BENEFIT * annuity_factor(0.07, 7)) / 1e6
    assert _metrics(app)["NPV, median (M KRW)"] == f"{expected:+,.0f}"
    assert _metrics(app)["Pays back within 3 years"] == "100 %"
    assert len(app.get("plotly_chart")) == 4  # NPV range, cash flows, KPI changes, tornado
    assert len(app.get("download_button")) == 3
    assert app.selectbox(key="roi_set").value == BUNDLE


def test_discount_rate_and_levers_change_the_result(app: AppTest, fake: None) -> None:
    _run(app)
    before = _metrics(app)["NPV, median (M KRW)"]
    app.number_input(key="roi_discount").set_value(12.0)
    app.multiselect(key="roi_levers").set_value(["vision_qc"])
    _run(app)
    _clean(app)
    expected = (-CAPEX + BENEFIT * annuity_factor(0.12, 7)) / 1e6  # one lever: k = 1
    after = _metrics(app)["NPV, median (M KRW)"]
    assert after == f"{expected:+,.0f}" and after != before
    assert list(app.dataframe[0].value["Lever set"]) == ["vision qc"]
    assert app.session_state[page.RESULT_KEY]["doc"]["inputs"]["discount_rate"] == 0.12


def test_widget_change_keeps_the_last_result(app: AppTest, fake: None) -> None:
    _run(app)
    before = _metrics(app)
    app.number_input(key="roi_years").set_value(3)
    app.button(key="roi_run")  # the form is not submitted: nothing runs
    app.selectbox(key="roi_archetype").set_value("wafer-fab").run()
    _clean(app)
    assert _metrics(app) == before
    assert "Results: smt-assembly" in [h.value for h in app.header]
    assert any("differs from the result below" in i.value for i in app.info)


def test_runs_use_the_results_store_and_pass_the_settings(app: AppTest, monkeypatch) -> None:
    calls: list[dict[str, Any]] = []

    def counted(*args: Any, **kw: Any) -> RoiResult:
        calls.append(kw)
        return fake_roi(*args, **kw)

    monkeypatch.setattr(page, "company_roi", counted)
    app.number_input(key="roi_headroom").set_value(10.0)
    app.number_input(key="roi_simulations").set_value(5)
    _run(app)
    _clean(app)
    kw = calls[0]
    assert kw["store"] is True  # a repeat is served from .cache/roi
    assert kw["headroom"] == pytest.approx(0.10) and kw["simulations"] == 5
    assert kw["discount_rate"] == pytest.approx(0.07) and kw["years"] == 7


def test_simulations_must_divide_replications(app: AppTest, fake: None) -> None:
    app.number_input(key="roi_simulations").set_value(3)  # 10 replications
    _run(app)
    _clean(app)
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and errors[0].startswith("Simulated replications: 3 must be")
    assert page.RESULT_KEY not in app.session_state


def test_stop_cancels_the_run_and_keeps_the_last_result(app: AppTest, monkeypatch) -> None:
    monkeypatch.setattr(page, "company_roi", fake_roi)
    _run(app)
    before = _metrics(app)
    started = threading.Event()

    def slow(*args: Any, progress: Any = None, **kw: Any) -> RoiResult:
        for done in range(10_000):  # until the Stop button raises in the callback
            progress(done, 10_000)
            started.set()
            time.sleep(0.01)
        raise AssertionError("not stopped")

    monkeypatch.setattr(page, "company_roi", slow)
    app.number_input(key="roi_seed").set_value(8)
    app.button(key="roi_run").click().run()
    assert started.wait(30)
    _clean(app)
    assert app.button(key="roi_run").disabled  # one run at a time
    assert app.get("progress")
    app.button(key="roi_stop").click().run()
    _finish(app)
    _clean(app)
    assert any("Run stopped after" in i.value for i in app.info)
    assert _metrics(app) == before
    assert not app.button(key="roi_run").disabled


@pytest.mark.parametrize(
    ("exc", "shown"),
    [
        (ValueError("boom"), "smt-assembly: the run failed: boom"),
        (InputError("line.yaml", "stations[0]", "bad"), "line.yaml: stations[0]: bad"),
        (RuntimeError("kaput"), "failed unexpectedly (RuntimeError: kaput)"),
    ],
)
def test_failed_run_shows_one_line_error(app: AppTest, monkeypatch, exc, shown) -> None:
    def fail(*args: Any, **kw: Any) -> None:
        raise exc

    monkeypatch.setattr(page, "company_roi", fail)
    _run(app)
    _clean(app)
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and shown in errors[0].replace("\\", "")
    assert "Traceback" not in errors[0]


def test_no_lever_chosen_is_refused(app: AppTest, fake: None) -> None:
    app.multiselect(key="roi_levers").set_value([])
    _run(app)
    _clean(app)
    assert [e.value for e in app.error] == ["AI levers: choose at least one lever."]


# --------------------------------------------------------------------------- uploads


def test_bad_upload_names_file_and_line(app: AppTest) -> None:
    app.radio(key="roi_source").set_value(page.UPLOAD).run()
    app.file_uploader(key="roi_upload").set_value(
        ("broken.yaml", b"name: x\nsource: [\n", "application/x-yaml")
    ).run()
    _clean(app)
    errors = [e.value for e in app.sidebar.error]
    assert len(errors) == 1 and errors[0].startswith("broken.yaml: line 3: not valid YAML")
    _run(app)
    assert any("broken.yaml" in e.value for e in app.error)
    assert page.RESULT_KEY not in app.session_state


def test_valid_upload_runs_at_its_own_rate(app: AppTest, fake: None) -> None:
    text = archetype_specs()["machining-jobshop"].read_text(encoding="utf-8")
    text = text.replace("name: machining-jobshop", "name: my-shop")
    app.radio(key="roi_source").set_value(page.UPLOAD).run()
    app.file_uploader(key="roi_upload").set_value(
        ("my-shop.yaml", text.encode("utf-8"), "application/x-yaml")
    ).run()
    assert not app.sidebar.error
    _run(app)
    _clean(app)
    assert "Results: my-shop" in [h.value for h in app.header]
    inputs = app.session_state[page.RESULT_KEY]["doc"]["inputs"]
    assert inputs["source"] == "upload my-shop.yaml" and inputs["utilisation"] == 1.0


# --------------------------------------------------------------------------- the real thing


@pytest.mark.slow
def test_real_run_with_tiny_settings(app: AppTest) -> None:
    app.multiselect(key="roi_levers").set_value(["energy_optimisation"])
    app.number_input(key="roi_replications").set_value(3)
    app.number_input(key="roi_warmup").set_value(0)
    app.number_input(key="roi_years").set_value(3)
    _run(app)
    _clean(app)
    assert not app.error
    res = app.session_state[page.RESULT_KEY]
    assert res["doc"]["inputs"]["replications"] == 3
    assert list(res["doc"]["results"]) == ["energy_optimisation"]
    assert len(app.get("plotly_chart")) == 4
    assert _metrics(app)["NPV, median (M KRW)"] not in ("", "—")
