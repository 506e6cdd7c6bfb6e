"""The Company ROI page: should a Gumi firm pay for an AI pilot on its line?

Layout only: the simulation and the money come from :func:`twin.roi.company_roi`, every table,
figure and download from :mod:`twin.ui.roi_view`.

Long runs: a run goes to a background thread (:class:`RoiJob`), so the page never freezes and
other pages stay usable; a fragment polls its progress every second (a progress bar with
runs done / total) and offers a **Stop** button. Stopping raises inside the API's progress
callback, which makes :func:`twin.roi.company_roi` terminate its worker processes at once.
The last finished result stays in ``st.session_state`` until a new run finishes, so a widget
change or a stopped run never blanks it. Runs use the API's results store (``store=True``,
``.cache/roi``, keyed by the inputs and the digest of the data and the code), so asking again
for the same inputs is served at once.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from twin.config import FactorySpec
from twin.config.lever import LeverSpec
from twin.config.loader import read_yaml, spec_hash, validate_model
from twin.config.scenario import Sourced
from twin.core.errors import InputError
from twin.io.paths import archetype_specs, repo_root
from twin.roi import (
    BUNDLE,
    PAYBACK_YEARS,
    REPAIR_KRW_PER_H,
    RoiResult,
    company_roi,
    load_factory,
    simulations_count,
)
from twin.scenario_run import load_levers
from twin.ui import factory_view as fview
from twin.ui import roi_view as view
from twin.ui.spec_upload import spec_upload

__all__ = ["DEFAULTS", "DEFAULT_ARCHETYPE", "JOB_KEY", "RESULT_KEY", "RoiJob", "render"]

log = logging.getLogger(__name__)

DEFAULT_ARCHETYPE = "smt-assembly"
#: Modest defaults: two levers, 10 replications of one week (a run takes about a minute on a
#: 2-core machine; every choice can be raised in the form).
DEFAULTS: dict[str, Any] = {
    "levers": ["predictive_maintenance", "energy_optimisation"],
    "years": 7,
    "discount_rate_pct": 7.0,
    "replications": 10,
    "headroom_pct": 0.0,
    "scale": 1.0,
    "repair_krw_per_h": REPAIR_KRW_PER_H,
    "days": 7,
    "warmup_days": 2,
    "seed": 7,
    "sample_effects": True,
}
RESULT_KEY = "roi_result"
JOB_KEY = "roi_job"
NOTICE_KEY = "roi_notice"
ARCHETYPE = "Archetype of the complex"
UPLOAD = "Upload your line's spec (YAML)"


# --------------------------------------------------------------------------- the run


class RunCancelled(Exception):
    """Raised in the progress callback when the user stops a run."""


@dataclass
class RoiJob:
    """One company ROI running in a background thread.

    The thread writes only this object's fields; the page reads them on each rerun.

    Attributes
    ----------
    key
        Identity of the inputs (line hash and choices).
    request
        Keyword arguments of :func:`twin.roi.company_roi` (with ``spec`` and ``levers``).
    label
        The line's name on the page.
    """

    key: tuple[Any, ...]
    request: dict[str, Any]
    label: str
    done: int = 0
    total: int = 1
    result: RoiResult | None = None
    error: str | None = None
    cancelled: bool = False
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    choice: Any = None  # the sidebar's choice, kept for the result's record

    def start(self) -> RoiJob:
        """Start the run in a daemon thread (it ends with the server)."""
        self.thread = threading.Thread(target=self._work, name="roi-run", daemon=True)
        self.thread.start()
        return self

    @property
    def running(self) -> bool:
        """Whether the run has not ended yet."""
        return self.finished is None

    def elapsed(self) -> float:
        """Seconds since the start (until the end, once ended)."""
        return (self.finished or time.monotonic()) - self.started

    def _progress(self, done: int, total: int) -> None:
        self.done, self.total = int(done), max(int(total), 1)
        if self.cancel.is_set():
            raise RunCancelled

    def _work(self) -> None:
        try:
            self.result = company_roi(progress=self._progress, **self.request)
        except RunCancelled:
            self.cancelled = True
        except InputError as exc:
            self.error = exc.line()
        except ValueError as exc:
            self.error = f"{self.label}: the run failed: {exc}"
        except Exception as exc:  # last resort: a message on the page, the trace in the log
            log.exception("company ROI failed for %s", self.label)
            self.error = (
                f"{self.label}: the run failed unexpectedly ({type(exc).__name__}: {exc}). "
                "Details are in the server log."
            )
        finally:
            self.finished = time.monotonic()


# --------------------------------------------------------------------------- inputs


@st.cache_data(show_spinner=False)
def _carbon_default() -> tuple[float, str]:
    """Carbon price of ``scenarios/defaults.yaml`` (KRW/tCO2) and its source."""
    path = repo_root() / "scenarios" / "defaults.yaml"
    price = validate_model(Sourced, read_yaml(path).get("carbon_price_krw_per_t"), str(path))
    return float(price.value), str(price.source)


@st.cache_resource(show_spinner=False)
def _levers() -> dict[str, LeverSpec]:
    return load_levers()


@dataclass(frozen=True)
class _Line:
    """The line the company asks about."""

    spec: FactorySpec | None
    label: str
    source: str
    utilisation: float
    error: str | None = None


@dataclass(frozen=True)
class _Choice:
    """The sidebar on this rerun: the line, the form's values, whether Run was pressed."""

    line: _Line
    values: dict[str, Any]
    submitted: bool

    def key(self) -> tuple[Any, ...] | None:
        """Identity of the requested result (``None`` without a valid line)."""
        if self.line.spec is None:
            return None
        v = dict(self.values)
        v.pop("workers", None)  # results do not depend on the worker count
        v["levers"] = tuple(v["levers"])
        return (spec_hash(self.line.spec), *sorted(v.items()))


def _sidebar(levers: dict[str, LeverSpec]) -> _Choice:
    sb = st.sidebar
    sb.header("Your line")
    source = sb.radio("Line", [ARCHETYPE, UPLOAD], key="roi_source", label_visibility="collapsed")
    line = _Line(None, "", "", 1.0)
    if source == ARCHETYPE:
        names = list(archetype_specs())
        name = sb.selectbox(
            "Archetype",
            names,
            index=names.index(DEFAULT_ARCHETYPE) if DEFAULT_ARCHETYPE in names else 0,
            key="roi_archetype",
            help="Representative lines of the complex (estimates, not real firms), at their "
            "calibrated demand.",
        )
        try:
            f = load_factory(str(name))
            line = _Line(f.spec, f.label, f.source, f.utilisation)
        except InputError as exc:
            line = _Line(None, str(name), "", 1.0, exc.line())
    else:
        upload = spec_upload(
            sb,
            key="roi_upload",
            help="The format of data/archetypes/*.yaml; parsed and validated, never executed.",
            empty="Upload a spec to run it (it runs at its own release rate).",
        )
        if upload is not None:
            label = upload.spec.name if upload.spec is not None else upload.name
            line = _Line(upload.spec, label, f"upload {upload.name}", 1.0, upload.error)
    if line.error:
        sb.error(fview.md_escape(line.error), icon=":material/error:")
    elif line.spec is not None:
        sb.caption(f"{fview.md_escape(line.spec.name)}: {len(line.spec.stations)} stations")

    carbon, _ = _carbon_default()
    job = st.session_state.get(JOB_KEY)
    busy = job is not None and job.running
    with sb.form("roi_form", border=False):
        st.header("The pilot")
        values: dict[str, Any] = {
            "levers": st.multiselect(
                "AI levers",
                list(levers),
                default=[n for n in DEFAULTS["levers"] if n in levers],
                format_func=lambda n: n.replace("_", " "),
                key="roi_levers",
                help="Each lever alone and, for two or more, all together (the bundle).",
            ),
            "years": st.number_input("Horizon, years", 1, 30, DEFAULTS["years"], key="roi_years"),
            "discount_rate_pct": st.number_input(
                "Discount rate, % a year",
                0.0,
                50.0,
                DEFAULTS["discount_rate_pct"],
                step=0.5,
                format="%.1f",
                key="roi_discount",
            ),
            "replications": st.number_input(
                "Replications",
                2,
                200,
                DEFAULTS["replications"],
                key="roi_replications",
                help="Each simulates every lever set and draws each lever's effect size "
                "between its low and high presets. More narrow the ranges but take longer.",
            ),
            "headroom_pct": st.number_input(
                "Market headroom, %",
                0.0,
                100.0,
                DEFAULTS["headroom_pct"],
                step=5.0,
                format="%.0f",
                key="roi_headroom",
                help="How much more than the line makes now the market would take. 0: added "
                "capacity sells nothing (gains are fewer hours, less energy).",
            ),
            "scale": st.number_input(
                "Lines of this kind you run",
                0.1,
                1000.0,
                DEFAULTS["scale"],
                step=1.0,
                key="roi_scale",
                help="Costs and benefits are per line times this.",
            ),
            "carbon_price_krw_per_t": st.number_input(
                "Carbon price, KRW per tCO2",
                0.0,
                1e6,
                carbon,
                step=1000.0,
                format="%.0f",
                key="roi_carbon",
                help="Default: the K-ETS price of scenarios/defaults.yaml.",
            ),
            "repair_krw_per_h": st.number_input(
                "Repair cost, KRW per machine-hour",
                0.0,
                1e7,
                DEFAULTS["repair_krw_per_h"],
                step=10_000.0,
                format="%.0f",
                key="roi_repair",
                help="Technicians plus parts; 150,000 is a Gumi Twin estimate (no data).",
            ),
        }
        with st.expander("Run settings"):
            values["days"] = st.number_input(
                "Measured days per run", 7, 28, DEFAULTS["days"], key="roi_days"
            )
            values["warmup_days"] = st.number_input(
                "Warm-up days", 0, 7, DEFAULTS["warmup_days"], key="roi_warmup"
            )
            values["simulations"] = st.number_input(
                "Simulated replications (0: one per replication)",
                0,
                200,
                0,
                key="roi_simulations",
                help="Fewer simulations than replications: each simulated week carries several "
                "effect draws (cheaper; the intervals of means come from the simulations). "
                "Must divide the replications.",
            )
            values["seed"] = st.number_input("Seed", 0, 2**31 - 1, DEFAULTS["seed"], key="roi_seed")
            values["sample_effects"] = st.checkbox(
                "Sample effect sizes",
                DEFAULTS["sample_effects"],
                key="roi_sample",
                help="Off: every replication at the levers' typical presets.",
            )
            cpus = os.cpu_count() or 1
            values["workers"] = st.number_input(
                "Worker processes",
                1,
                max(cpus, 1),
                min(2, cpus),
                key="roi_workers",
                help="Results do not depend on it.",
            )
        submitted = st.form_submit_button(
            "Run ROI",
            type="primary",
            key="roi_run",
            disabled=busy,
            icon=":material/play_arrow:",
            width="stretch",
        )
    return _Choice(line, _normalise(values), submitted)


def _normalise(v: dict[str, Any]) -> dict[str, Any]:
    out = dict(v)
    out["levers"] = list(v["levers"])
    for k in ("years", "replications", "simulations", "days", "warmup_days", "seed", "workers"):
        out[k] = int(v[k])
    for k in ("discount_rate_pct", "headroom_pct", "scale", "carbon_price_krw_per_t"):
        out[k] = float(v[k])
    out["repair_krw_per_h"] = float(v["repair_krw_per_h"])
    out["sample_effects"] = bool(v["sample_effects"])
    return out


def _request(choice: _Choice) -> dict[str, Any]:
    v = choice.values
    return {
        "spec": choice.line.spec,
        "levers": v["levers"],
        "years": v["years"],
        "replications": v["replications"],
        "seed": v["seed"],
        "discount_rate": v["discount_rate_pct"] / 100.0,
        "days": float(v["days"]),
        "warmup_days": float(v["warmup_days"]),
        "headroom": v["headroom_pct"] / 100.0,
        "scale": v["scale"],
        "carbon_price_krw_per_t": v["carbon_price_krw_per_t"],
        "repair_krw_per_h": v["repair_krw_per_h"],
        "sample_effects": v["sample_effects"],
        "workers": v["workers"],
        "lever_specs": _levers(),
        "label": choice.line.label,
        "simulations": v["simulations"] or None,
        "store": True,
    }


# --------------------------------------------------------------------------- the page


def render() -> None:
    """Draw the Company ROI page."""
    st.title("Company ROI of an AI pilot")
    st.markdown(
        "Should your firm pay for an AI pilot on its line? Pick your line and the levers, and "
        "the twin simulates the line with and without each lever, prices the difference "
        "(electricity bill, scrap, escaped defects, repairs, carbon) and gives the net present "
        "value as a range: each replication draws each lever's effect and cost between its "
        "published low and high presets, on its own random numbers."
    )
    levers = _levers()
    choice = _sidebar(levers)
    _harvest()
    if choice.submitted and _start(choice):
        st.rerun()  # redraw the form with Run disabled while the job runs
    job = st.session_state.get(JOB_KEY)
    if job is not None and job.running:
        _progress()
    notice = st.session_state.get(NOTICE_KEY)
    if notice is not None:
        (st.error if notice[0] == "error" else st.info)(notice[1], icon=":material/info:")

    result = st.session_state.get(RESULT_KEY)
    if result is None:
        _welcome(choice, levers)
        return
    if choice.key() != result["key"]:
        st.info(
            "The sidebar now differs from the result below. Press **Run ROI** to update it; "
            "this result stays until the new run finishes.",
            icon=":material/info:",
        )
    _show(result, levers)


def _start(choice: _Choice) -> bool:
    """Start a run for the sidebar's choice, or serve it from the store.

    Returns
    -------
    bool
        Whether a background run was started.
    """
    job = st.session_state.get(JOB_KEY)
    if job is not None and job.running:
        return False
    st.session_state.pop(NOTICE_KEY, None)
    if choice.line.spec is None:
        msg = choice.line.error or "Choose an archetype or upload a valid spec first."
        st.session_state[NOTICE_KEY] = ("error", fview.md_escape(msg))
        return False
    if not choice.values["levers"]:
        st.session_state[NOTICE_KEY] = ("error", "AI levers: choose at least one lever.")
        return False
    v = choice.values
    sims = v["simulations"]
    if sims and (sims < 2 or v["replications"] % sims):
        st.session_state[NOTICE_KEY] = (
            "error",
            f"Simulated replications: {sims} must be 0 (one per replication) or a whole "
            f"number from 2 that divides the replications ({v['replications']}).",
        )
        return False
    key = choice.key()
    assert key is not None
    job = RoiJob(key, _request(choice), choice.line.label, choice=choice)
    job.total = simulations_count(
        v["levers"],
        v["replications"],
        v["sample_effects"],
        simulations=sims or None,
        seed=v["seed"],
    )
    st.session_state[JOB_KEY] = job.start()
    return True


def _harvest() -> None:
    """Move a finished run's result (or its error) into the session."""
    job = st.session_state.get(JOB_KEY)
    if job is None or job.running:
        return
    del st.session_state[JOB_KEY]
    if job.result is not None:
        st.session_state[RESULT_KEY] = _package(job.key, job.choice, job.result, job.elapsed())
    elif job.cancelled:
        st.session_state[NOTICE_KEY] = (
            "info",
            f"Run stopped after {job.done} of {job.total} simulated runs; nothing of it was "
            "kept. The last finished result (if any) is shown.",
        )
    else:
        st.session_state[NOTICE_KEY] = ("error", fview.md_escape(job.error or "run failed"))


def _package(
    key: tuple[Any, ...], choice: _Choice, result: RoiResult, seconds: float
) -> dict[str, Any]:
    doc = result.to_dict()
    doc["inputs"]["source"] = choice.line.source
    doc["inputs"]["utilisation"] = choice.line.utilisation
    return {
        "key": key,
        "label": choice.line.label,
        "result": result,
        "doc": view.clean(doc),
        "values": dict(choice.values),
        "line": choice.line,
        "seconds": seconds,
    }


@st.fragment(run_every=1.0)
def _progress() -> None:
    """Progress of the running job, polled every second, with a Stop button."""
    job = st.session_state.get(JOB_KEY)
    if job is None:
        return
    if not job.running:
        st.rerun()  # the whole page: show the new result
    frac = min(job.done / job.total, 1.0)
    left, right = st.columns([5, 1], vertical_alignment="bottom")
    left.progress(
        frac,
        text=f"Simulating {fview.md_escape(job.label)}: {job.done} / {job.total} runs · "
        f"{job.elapsed():.0f} s (lever models are trained first)",
    )
    if job.cancel.is_set():
        right.caption("Stopping…")
    elif right.button("Stop", key="roi_stop", icon=":material/stop:"):
        job.cancel.set()
        right.caption("Stopping…")


# --------------------------------------------------------------------------- before a run


def _status(line: _Line) -> None:
    if line.spec is None:
        return
    summary = fview.spec_summary(line.spec)
    level, text = fview.data_status(summary["provenance"])
    (st.warning if level == "warning" else st.info)(text, icon=":material/fact_check:")


_LEVER_STATUS = (
    "**Lever costs and effects are estimates** with sources (data/levers/*.yaml: vendor "
    "figures, Lighthouse cases, published ranges); each replication draws them between the "
    "low and high presets. Archetypes are representative lines of the complex, not real firms."
)


def _welcome(choice: _Choice, levers: dict[str, LeverSpec]) -> None:
    v = choice.values
    n = simulations_count(
        v["levers"] or ["x"],
        v["replications"],
        v["sample_effects"],
        simulations=v["simulations"] or None,
    )
    job = st.session_state.get(JOB_KEY)
    if job is None or not job.running:
        st.info(
            "No result yet. Choose your line and levers in the sidebar and press **Run ROI**. "
            f"With these settings the twin simulates {n} runs of {v['warmup_days']} + "
            f"{v['days']} days (after training the levers' models): about a minute or more "
            "for two levers and 10 replications. The page stays usable meanwhile and the run "
            "can be stopped.",
            icon=":material/play_circle:",
        )
    _status(choice.line)
    st.subheader("What the levers cost (per line)")
    st.dataframe(view.lever_cost_table(levers, list(levers)), hide_index=True, width="stretch")
    st.caption(_LEVER_STATUS)


# --------------------------------------------------------------------------- results


def _show(res: dict[str, Any], levers: dict[str, LeverSpec]) -> None:
    doc, result, inp = res["doc"], res["result"], res["doc"]["inputs"]
    base = doc["baseline"]
    st.header(f"Results: {fview.md_escape(res['label'])}", divider="gray")
    lines = f"{inp['scale']:g} lines" if inp["scale"] != 1 else "one line"
    took = f" · took {res['seconds']:.0f} s"
    if result.from_store:
        took = " · served from the results store"
    st.caption(
        f"{', '.join(levers[n].label for n in inp['levers'])} · {inp['years']} years at "
        f"{inp['discount_rate']:.1%} · {inp['replications']} replications of "
        f"{inp['warmup_days']:g} + {inp['days']:g} days · seed {inp['seed']} · {lines} · "
        f"from {fview.md_escape(_short(inp['source']))}{took}"
    )
    _status(res["line"])
    st.caption(_LEVER_STATUS)
    kpi = base["kpis"]
    st.markdown(
        f"Without levers, one line makes **{base['output_krw_per_year'] / 1e9:,.1f} bn KRW** "
        f"a year (capacity {base['capacity_output_krw_per_year'] / 1e9:,.1f} bn), uses "
        f"**{kpi['energy_mwh']['demand']:,.0f} MWh** (bill "
        f"{base['electricity_bill_krw_per_year'] / 1e6:,.0f} M KRW, peak "
        f"{kpi['peak_kw']['demand']:,.0f} kW) at an OEE of {kpi['oee']['demand']:.1%}."
    )

    names = list(doc["results"])
    main = BUNDLE if BUNDLE in names else names[0]
    _headline(doc["results"][main], main)

    st.subheader("Every lever set")
    st.dataframe(view.summary_table(doc), hide_index=True, width="stretch")
    st.caption(
        "Net present value over the horizon in million KRW for "
        f"{lines}: P10 / P50 / P90 across replications. Payback is discounted. IRR and "
        "benefit-cost ratio (BCR: discounted benefits over discounted costs) are medians."
    )
    st.plotly_chart(view.npv_figure(result), width="stretch", config={"displaylogo": False})
    st.caption(
        "Each dot is one replication: the levers' effect sizes and costs drawn between their "
        "presets and a year's operating variation. Dashed line: break-even. "
        "Source: Gumi Twin simulation."
    )

    chosen = st.selectbox(
        "Look into",
        names,
        index=names.index(main),
        format_func=view.set_label,
        key="roi_set",
    )
    _cash_flows(result, str(chosen), inp)
    _kpis(doc, str(chosen))
    _tornado(result, str(chosen))
    if doc["notes"]:
        with st.expander(f"Notes on this run ({len(doc['notes'])})", expanded=False):
            for note in doc["notes"]:
                st.markdown(f"- {fview.md_escape(note)}")
    with st.expander("Lever model quality (measured on simulated data)"):
        st.json(doc["results"][str(chosen)]["model_quality"], expanded=False)
    _downloads(res)


def _short(path: str) -> str:
    """A shipped file's path from the repository's top folder (others as given)."""
    root = str(repo_root()) + os.sep
    return path[len(root) :] if path.startswith(root) else path


def _headline(s: dict[str, Any], name: str) -> None:
    st.subheader(f"Headline: {view.set_label(name)}")
    cols = st.columns(4)
    band = f"P10 {view.fmt_mkrw(s['npv_p10'], True)} to P90 {view.fmt_mkrw(s['npv_p90'], True)}"
    bcr = s.get("bcr_median")
    cards = [
        ("NPV, median (M KRW)", view.fmt_mkrw(s["npv_p50"], True), band),
        (
            f"Pays back within {PAYBACK_YEARS:g} years",
            view.fmt_pct(s["p_payback_within_3y"]),
            "share of replications (discounted payback)",
        ),
        ("IRR, median", view.fmt_pct(s.get("irr_median")), "internal rate of return"),
        (
            "Benefit-cost ratio, median",
            "—" if bcr is None else f"{bcr:.2f}",
            "discounted benefits / costs",
        ),
    ]
    for col, (label, value, note) in zip(cols, cards, strict=True):
        with col.container(border=True):
            st.metric(label, value)
            st.caption(note)


def _cash_flows(result: RoiResult, name: str, inp: dict[str, Any]) -> None:
    st.subheader("Cash flows by year")
    frame = view.cash_flow_frame(result.sets[name], float(inp["discount_rate"]))
    title = f"Cash flows of {view.set_label(name)} (million KRW)"
    st.plotly_chart(
        view.cash_flow_figure(frame, title), width="stretch", config={"displaylogo": False}
    )
    st.caption(
        "Bars: each kind's median across replications (costs below zero; medians of the kinds "
        "need not add up to the median net). Line: the median cumulative discounted net flow "
        "with its P10–P90 band; where it crosses zero the pilot has paid back. Benefits ramp "
        "up over each lever's ramp-up months. Prices: KEPCO industrial time-of-use tariff, "
        f"escapes at {inp['escape_cost_factor']:g}x the price, repairs at "
        f"{inp['repair_krw_per_h']:,.0f} KRW/h (estimate), carbon at "
        f"{inp['carbon_price_krw_per_t']:,.0f} KRW/t."
    )


def _kpis(doc: dict[str, Any], name: str) -> None:
    st.subheader("What changes on the line")
    frame = view.kpi_frame(doc, name)
    title = f"KPI changes with {view.set_label(name)}, one line"
    st.plotly_chart(view.kpi_figure(frame, title), width="stretch", config={"displaylogo": False})
    st.dataframe(view.kpi_table(frame), hide_index=True, width="stretch")
    st.caption(
        "Mean change against the line without levers with its 95 % interval across "
        "replications (Student t), at the line's demand (where the money comes from) and at "
        "saturating demand (capacity). Counts and energy per year; shares in %. Source: Gumi "
        "Twin simulation of the representative line (estimates)."
    )


def _tornado(result: RoiResult, name: str) -> None:
    st.subheader("What moves the NPV most")
    frame = view.tornado_frame(result, name)
    if frame.empty:
        st.caption("Nothing moves this NPV (no costs or benefits).")
        return
    title = f"Median NPV of {view.set_label(name)}: each input at a low and a high setting"
    st.plotly_chart(
        view.tornado_figure(frame, title), width="stretch", config={"displaylogo": False}
    )
    st.caption(
        "Lighter shade: the input at its low (first) setting; darker: at its high (second) "
        "setting. Blue bars: prices and costs re-priced exactly from this run's cash flows (every "
        "column is linear in its price; the ranges are Gumi Twin's stress-test choices, not "
        "forecasts). Orange bars: each lever's effect size (its effects and costs together) "
        "moved to the P10 and the P90 of its draws between the low and high presets, "
        "estimated by regressing the replications' NPV on the draws (one slope each side of "
        "typical). Grey: the year-to-year variation the draws leave, P10 to P90. Orange and "
        "grey rest on the replications: few replications make them rough."
    )


def _downloads(res: dict[str, Any]) -> None:
    st.subheader("Downloads")
    line, result = res["line"], res["result"]
    stem = str(res["label"]).replace(" ", "-")
    cols = st.columns(3)
    record = {**res["values"], "line": res["label"], "source": line.source}
    record["utilisation"] = line.utilisation
    cols[0].download_button(
        "Inputs (YAML: choices and line spec)",
        view.inputs_yaml(record, line.spec),
        file_name=f"{stem}-roi-inputs.yaml",
        mime="application/x-yaml",
        on_click="ignore",
        key="roi_dl_inputs",
        icon=":material/download:",
    )
    cols[1].download_button(
        "Results (JSON)",
        view.results_json(res["doc"]),
        file_name=f"{stem}-roi.json",
        mime="application/json",
        on_click="ignore",
        key="roi_dl_json",
        icon=":material/download:",
    )
    cols[2].download_button(
        "Replications (CSV)",
        view.replications_csv(result),
        file_name=f"{stem}-roi-replications.csv",
        mime="text/csv",
        on_click="ignore",
        key="roi_dl_csv",
        icon=":material/download:",
    )
    st.caption(
        "The JSON holds the same document as `twin roi --json`; the CSV one row per lever set "
        "and replication; the inputs' `spec` block, saved as a file, can be uploaded here to "
        "repeat the run."
    )
