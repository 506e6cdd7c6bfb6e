"""The What-if page: sliders answered by the sweep's surrogate in milliseconds, confirmed on
demand by a full projection of the same point.

Layout only: labels, tables and the figure come from :mod:`twin.ui.whatif_view`. The
surrogate is the one ``twin sweep scenarios/sweeps/ax-effects.yaml --fit-surrogate`` writes
(results/sweeps/ax-effects), or the explorer's own (.cache/whatif/ax-effects), fitted once
from this page when neither exists.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from twin.core.errors import InputError
from twin.io.paths import repo_root
from twin.scenario_run import Inputs, data_digest, prepare
from twin.study import evaluate_point
from twin.study_points import build_points
from twin.surrogate import (
    FILE_NAME,
    Prediction,
    Surrogate,
    fit_surrogate,
    load_surrogate,
    save_surrogate,
)
from twin.sweep import Sweep, load_sweep, run_sweep, sweep_table, write_sweep
from twin.ui import whatif_view as view

__all__ = ["CONFIRM_KEY", "render"]

CONFIRM_KEY = "whatif_confirmed"


def sweep_file() -> Path:
    """The shipped sweep the surrogate is fitted on."""
    return repo_root() / "scenarios" / "sweeps" / f"{view.SWEEP_NAME}.yaml"


def locations() -> list[Path]:
    """Folders searched for a fitted sweep (the last one is where this page saves one)."""
    return view.candidate_folders()


@st.cache_resource(max_entries=4, show_spinner=False)
def _surrogate(path: str, mtime: float) -> Surrogate:
    del mtime  # part of the key: a refitted surrogate is read again
    return load_surrogate(path)


@st.cache_data(max_entries=4, show_spinner=False)
def _table(path: str, mtime: float) -> pd.DataFrame | None:
    del mtime
    p = Path(path)
    return pd.read_parquet(p) if p.is_file() else None


@st.cache_resource(max_entries=2, show_spinner=False)
def _inputs(path: str, mtime: float, _progress: Callable[[str], None]) -> tuple[Sweep, Inputs]:
    """The sweep and its prepared inputs (archetype runs with the low and high presets)."""
    del mtime
    sweep = load_sweep(path)
    inputs = prepare(sweep.base, sweep.settings, source=path, progress=_progress, with_ranges=True)
    return sweep, inputs


def _counter(label: str) -> tuple[Callable[[str], None], Any]:
    """A progress callback counting archetype runs (their number is not known beforehand)."""
    bar = st.progress(0.0, text=f"{label} ...")
    n = [0]

    def step(text: str) -> None:
        n[0] += 1
        # About 40 runs (archetypes x lever sets) for the AX plan with its low/high presets.
        bar.progress(min(n[0] / 40, 1.0), text=f"{label}: {n[0]} ({text})")

    return step, bar


def simulate(query: dict[str, float]) -> pd.DataFrame:
    """The full projection of the sweep's base scenario at ``query`` (every KPI and year)."""
    path = sweep_file()
    step, bar = _counter("Reading the archetype runs")
    try:
        sweep, inputs = _inputs(str(path), path.stat().st_mtime, step)
    finally:
        bar.empty()
    point = build_points(
        sweep.base, [query], sweep.settings, data_digest(), "What-if sliders", "sliders"
    )[0]
    return evaluate_point(inputs, sweep.settings, point)


def fit(folder: Path) -> None:
    """Run the shipped sweep (stored points are reused), fit its surrogate, save both."""
    sweep = load_sweep(sweep_file())
    on_run, runs = _counter("Archetype runs")
    points = st.progress(0.0, text="Sweep points ...")

    def on_point(done: int, total: int, text: str) -> None:
        points.progress(done / max(total, 1), text=f"Sweep points: {done}/{total} ({text})")

    result = run_sweep(sweep, progress=on_point, prepare_progress=on_run)
    table = sweep_table(result, sweep.kpis, sweep.years)
    s = fit_surrogate(
        table,
        list(sweep.designs[0]),
        neutral={n: p.neutral for n, p in sweep.params.items()},
        bounds=sweep.bounds,
        meta={"sweep": sweep.spec.name},
    )
    write_sweep(sweep, result, folder, extra={FILE_NAME: lambda p: save_surrogate(s, p)})
    runs.empty()
    points.empty()


def _missing(folders: list[Path]) -> None:
    st.info(
        "No fitted what-if model yet. The page answers from a surrogate: a statistical fit to "
        f"{view.SWEEP_NAME}, a 64-point sweep of the AX plan's lever effects and adoption "
        "reach. Looked in: " + ", ".join(f"`{f}`" for f in folders) + ". Fit it here once "
        "(minutes; archetype runs and points already stored are reused), or on the command "
        f"line: `twin sweep scenarios/sweeps/{view.SWEEP_NAME}.yaml --fit-surrogate`."
    )
    if st.button("Fit the what-if model", key="whatif_fit", type="primary"):
        try:
            fit(folders[-1])
        except InputError as err:
            st.error(str(err))
            return
        st.rerun()


def _sliders(s: Surrogate) -> dict[str, float]:
    query = {}
    for p in s.parameters:
        lo, hi = s.bounds[p]
        smin, smax, step = view.slider_range(lo, hi)
        start = s.neutral.get(p, (lo + hi) / 2)
        query[p] = st.slider(
            view.param_label(p),
            min_value=float(smin),
            max_value=float(smax),
            value=float(min(max(start, smin), smax)),
            step=float(step),
            key=f"whatif_{p}",
            help=f"sampled by the sweep from {lo:g} to {hi:g}",
        )
    return query


def _answer(s: Surrogate, query: dict[str, float], kpi: str, year: int) -> Prediction:
    t0 = time.perf_counter()
    pred = s.predict(query)
    ms = (time.perf_counter() - t0) * 1e3
    neutral = s.predict({p: s.neutral[p] for p in s.parameters if p in s.neutral})
    row = pred.table[(pred.table["kpi"] == kpi) & (pred.table["year"] == year)].iloc[0]
    base = neutral.value(kpi, year)
    label = view.UNITS.get(kpi, (kpi, 1.0, ""))[0]
    st.metric(
        f"{label} in {year}: change vs the no-AI baseline (estimate)",
        view.fmt_change(float(row["diff"]), kpi),
        delta=view.delta_text(float(row["diff"]) - base, float(row["diff"]), kpi),
        # Less CO2, electricity or carbon cost is better: a fall shows green.
        delta_color="inverse" if kpi in view.LESS_IS_BETTER else "normal",
    )
    st.markdown(
        f"95 % band of the estimate: **{view.fmt_change(float(row['diff']), kpi, row['sd'])}**"
        f" · <span id='whatif-ms'>answered in {ms:.0f} ms</span>",
        unsafe_allow_html=True,
    )
    if not pred.in_range:
        st.warning(
            "OUTSIDE the sampled range: the surrogate extrapolates here, confirm by full "
            "simulation. " + " ".join(m for m in pred.messages if "outside" in m or "differs" in m)
        )
    cv = s.cv[(s.cv["kpi"] == kpi) & (s.cv["year"] == year)]
    if not cv.empty:
        r = cv.iloc[0]
        st.caption(
            f"Cross-validated ({s.meta.get('folds', '?')}-fold over {s.meta.get('points', '?')} "
            f"sweep points): R² {r['r2']:.3f}, RMSE {view.fmt_change(r['rmse'], kpi)[1:]} "
            f"({r['rmse_share']:.1%} of the sweep's spread)."
        )
    return pred


def _confirm(s: Surrogate, query: dict[str, float], pred: Prediction, kpi: str) -> None:
    if st.button("Confirm by full simulation", key="whatif_confirm", type="primary"):
        try:
            with st.spinner("Projecting this point on the stored archetype runs ..."):
                t0 = time.perf_counter()
                simulated = simulate(query)
            st.session_state[CONFIRM_KEY] = {
                "query": dict(query),
                "simulated": simulated,
                "prediction": pred,
                "seconds": time.perf_counter() - t0,
            }
        except InputError as err:
            st.error(str(err))
        else:
            st.rerun()  # so that the chart above shows the simulated bars too
    done = st.session_state.get(CONFIRM_KEY)
    if not done:
        return
    stale = done["query"] != query
    st.markdown(
        f"**Full simulation vs surrogate** at {view.query_text(done['query'])} "
        f"({done['seconds']:.1f} s)" + (" — the sliders have moved since" if stale else "")
    )
    st.dataframe(
        view.comparison_table(done["prediction"], done["simulated"], [kpi]).drop(columns="KPI"),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        "The surrogate's band is its uncertainty about the sweep's simulated mean (the sweep's "
        "points share random numbers, so their differences are smooth); the simulation's own "
        "95 % interval across its few replications is wider. The two agree when the surrogate "
        "lies inside the simulation's interval and close to its mean."
    )


def render() -> None:
    """Draw the What-if page."""
    st.title("What-if: lever effects and adoption reach")
    st.caption(
        "Answers come from a SURROGATE: a Gaussian-process fit to simulations of the AX plan "
        "(an estimate of what the twin would give, with its cross-validated error below), in "
        "milliseconds. Confirm any point by a full simulation."
    )
    folders = locations()
    folder = view.find_folder(folders)
    if folder is None:
        _missing(folders)
        return
    spath = folder / FILE_NAME
    try:
        s = _surrogate(str(spath), spath.stat().st_mtime)
    except Exception as err:  # a damaged or foreign file: say so, offer a refit
        st.error(f"{spath}: cannot read the surrogate ({type(err).__name__}); refit it.")
        _missing(folders)
        return
    tpath = folder / "sweep.parquet"
    table = _table(str(tpath), tpath.stat().st_mtime if tpath.is_file() else 0.0)
    kpis = view.kpi_order([k for k, _ in s.models])
    years = sorted({y for _, y in s.models})
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.subheader("Settings")
        query = _sliders(s)
    with right:
        c1, c2 = st.columns(2)
        kpi = c1.selectbox("KPI", kpis, format_func=view.kpi_label, key="whatif_kpi")
        year = c2.radio("Year", years, index=len(years) - 1, horizontal=True, key="whatif_year")
        pred = _answer(s, query, kpi, int(year))
        base = view.baselines(table).get((kpi, int(year)))
        if base is not None:
            _, div, unit = view.UNITS.get(kpi, (kpi, 1.0, ""))
            level = base + pred.value(kpi, int(year))
            st.caption(
                f"No-AI baseline in {year}: {base / div:,.0f} {unit}; with your settings "
                f"about {level / div:,.0f} {unit} (estimate)."
            )
        neutral = s.predict({p: s.neutral[p] for p in s.parameters if p in s.neutral})
        done = st.session_state.get(CONFIRM_KEY)
        sim = done["simulated"] if done and done["query"] == query else None
        st.plotly_chart(
            view.prediction_figure(pred, kpi, neutral, sim),
            width="stretch",
            key="whatif_chart",
        )
        _confirm(s, query, pred, kpi)
    with st.expander("How good is the surrogate? (cross-validated error, every KPI and year)"):
        st.dataframe(view.cv_table(s), hide_index=True, width="stretch")
        st.caption(
            f"Fitted on {s.meta.get('points', '?')} points of sweep "
            f"'{s.meta.get('sweep', view.SWEEP_NAME)}' ({s.meta.get('model', 'GP')}), "
            f"stored in `{folder}`. Refit after changing the model or data: "
            f"`twin sweep scenarios/sweeps/{view.SWEEP_NAME}.yaml --fit-surrogate`."
        )
