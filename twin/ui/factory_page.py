"""The Factory page: pick a shipped factory spec (or upload one), run it, read its KPIs.

Layout only: the engine runs through :func:`twin.experiment.run_factory`, and every table,
label and figure comes from :mod:`twin.ui.factory_view`. The last finished result stays in
``st.session_state`` until a new run finishes, so changing a widget never blanks the page.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import streamlit as st

from twin.config import FactorySpec, load_factory_spec
from twin.config.loader import canonical_json, spec_hash
from twin.core.errors import InputError
from twin.experiment import run_factory
from twin.io.paths import archetype_specs, factory_specs
from twin.ui import factory_view as view
from twin.ui.spec_upload import spec_upload

__all__ = ["DEFAULTS", "DEFAULT_FACTORY", "LEVERS_KEY", "RESULT_KEY", "render"]

log = logging.getLogger(__name__)

DEFAULT_FACTORY = "smt-line"
# A week measured after a day's warm-up: every weekday once, and a first render of a few
# seconds (longer runs are a click away).
DEFAULTS = {"days": 7, "warmup_days": 1, "replications": 5, "seed": 1}
RESULT_KEY = "factory_result"
LEVERS_KEY = "factory_lever_effects"
SHIPPED = "Shipped factory"
UPLOAD = "Upload a spec (YAML)"
PROFILE_DAYS = 7


@dataclass(frozen=True)
class _Choice:
    """What the sidebar asks for on this rerun."""

    spec: FactorySpec | None
    label: str
    error: str | None
    settings: dict[str, int]
    run_clicked: bool

    def key(self) -> tuple[Any, ...] | None:
        """Identity of the requested run: spec hash and settings (``None`` without a spec)."""
        if self.spec is None:
            return None
        return (spec_hash(self.spec), *(self.settings[k] for k in DEFAULTS))


@st.cache_data(max_entries=32, show_spinner=False)
def _simulate(
    spec_json: str,
    days: int,
    warmup_days: int,
    replications: int,
    seed: int,
    _spec: FactorySpec,
) -> dict[str, Any]:
    """Run the engine once per canonical spec JSON and settings (``_spec`` is not hashed).

    In memory per server (st.cache_data), and on disk under ``.cache/`` (keyed with the data
    and the model code), so a restarted server shows a known run at once.
    """

    def compute() -> dict[str, Any]:
        run = run_factory(
            _spec, days=days, warmup_days=warmup_days, replications=replications, seed=seed
        )
        return {
            "run": run.to_dict(),
            "profile_kw": run.mean_profile_kw(),
            "state_min": view.mean_state_minutes(run.reps),
        }

    return view.stored("run", [spec_json, days, warmup_days, replications, seed], compute)


def render() -> None:
    """Draw the Factory page."""
    st.title("Factory")
    st.markdown(
        "Drill down into one line of the Gumi National Industrial Complex (an archetype, a "
        "sample line or your own spec): where its stations' time and energy go, its "
        "bottleneck, and what each AI lever would change on it. KPIs are means with 95 % "
        "confidence intervals across independent replications."
    )
    choice = _sidebar()

    result = st.session_state.get(RESULT_KEY)
    if choice.run_clicked or result is None:
        fresh = _run(choice)
        if fresh is not None:
            st.session_state[RESULT_KEY] = result = fresh
        elif result is not None:
            st.caption("The result below is the last run that finished.")
    if result is None:
        st.info("No result yet: choose a factory in the sidebar and press **Run simulation**.")
        return
    if choice.key() != result["key"]:
        st.info(
            "The sidebar now differs from the result below. Press **Run simulation** to "
            "update it; this result stays until the new run finishes.",
            icon=":material/info:",
        )
    _show(result)


# --------------------------------------------------------------------------- sidebar


def _sidebar() -> _Choice:
    sb = st.sidebar
    sb.header("Factory")
    source = sb.radio(
        "Spec source", [SHIPPED, UPLOAD], key="factory_source", persist_state="session"
    )
    spec: FactorySpec | None = None
    error: str | None = None
    label = ""
    if source == SHIPPED:
        # Sample lines first, then the complex's archetypes (prefixed so the names stay apart).
        shipped = {
            **factory_specs(),
            **{f"archetype: {n}": p for n, p in archetype_specs().items()},
        }
        names = list(shipped)
        if not names:
            error = "No shipped factory specs found in data/factories."
        else:
            name = sb.selectbox(
                "Shipped factory",
                names,
                index=names.index(DEFAULT_FACTORY) if DEFAULT_FACTORY in names else 0,
                key="factory_name",
                persist_state="session",
            )
            label = str(name)
            try:
                spec = load_factory_spec(shipped[name])
            except InputError as exc:
                error = exc.line()
    else:
        upload = spec_upload(
            sb,
            key="factory_upload",
            help="The same format as the shipped specs in data/factories/*.yaml.",
            empty="Upload a spec to run it.",
        )
        if upload is not None:
            label, spec, error = f"upload {upload.name}", upload.spec, upload.error
    if error:
        sb.error(view.md_escape(error), icon=":material/error:")
    elif spec is not None:
        sb.caption(f"{view.md_escape(spec.name)}: {len(spec.stations)} stations")

    sb.header("Run settings")
    settings = {
        "days": sb.number_input(
            "Measured days",
            min_value=1,
            max_value=180,
            value=DEFAULTS["days"],
            step=1,
            key="factory_days",
            persist_state="session",
            help="Days measured per replication, after the warm-up.",
        ),
        "warmup_days": sb.number_input(
            "Warm-up days",
            min_value=0,
            max_value=60,
            value=DEFAULTS["warmup_days"],
            step=1,
            key="factory_warmup_days",
            persist_state="session",
            help="Days simulated first and discarded, so the line starts loaded.",
        ),
        "replications": sb.number_input(
            "Replications",
            min_value=1,
            max_value=30,
            value=DEFAULTS["replications"],
            step=1,
            key="factory_replications",
            persist_state="session",
            help="Independent runs; at least 2 give a 95 % confidence interval.",
        ),
        "seed": sb.number_input(
            "Seed",
            min_value=0,
            max_value=2**31 - 1,
            value=DEFAULTS["seed"],
            step=1,
            key="factory_seed",
            persist_state="session",
            help="Root random seed: the same seed and settings give the same result.",
        ),
    }
    run_clicked = sb.button(
        "Run simulation",
        type="primary",
        key="factory_run",
        disabled=spec is None,
        width="stretch",
        icon=":material/play_arrow:",
    )
    settings = {k: int(v) for k, v in settings.items()}
    return _Choice(spec, label, error, settings, run_clicked)


# --------------------------------------------------------------------------- running


def _run(choice: _Choice) -> dict[str, Any] | None:
    """Run (or fetch from the cache) the chosen spec; show an error and return None on failure."""
    if choice.spec is None:
        st.error(
            view.md_escape(choice.error)
            if choice.error
            else "Choose a shipped factory or upload a valid spec first."
        )
        return None
    s = choice.settings
    label = view.md_escape(choice.label)
    message = (
        f"Simulating {label}: {s['replications']} replications of "
        f"{s['warmup_days']} warm-up + {s['days']} measured days…"
    )
    try:
        with st.spinner(message, show_time=True):
            out = _simulate(
                canonical_json(choice.spec),
                s["days"],
                s["warmup_days"],
                s["replications"],
                s["seed"],
                choice.spec,
            )
    except InputError as exc:
        st.error(view.md_escape(exc.line()), icon=":material/error:")
        return None
    except ValueError as exc:
        st.error(view.md_escape(f"{choice.label}: the run failed: {exc}"), icon=":material/error:")
        return None
    except Exception as exc:  # last resort: a message, never a traceback, on the page
        log.exception("factory run failed for %s", choice.label)
        st.error(
            view.md_escape(
                f"{choice.label}: the run failed unexpectedly ({type(exc).__name__}: {exc}). "
                "Details are in the server log."
            ),
            icon=":material/error:",
        )
        return None
    return {
        "key": choice.key(),
        "label": choice.label,
        "spec": view.spec_summary(choice.spec),
        "run": out["run"],
        "profile_kw": out["profile_kw"],
        "state_min": out["state_min"],
        "factory_spec": choice.spec,
        "store_parts": [canonical_json(choice.spec), *(s[k] for k in DEFAULTS)],
    }


# --------------------------------------------------------------------------- results


def _show(result: dict[str, Any]) -> None:
    run = result["run"]
    spec = result["spec"]
    summary = run["summary"]
    reps = run["replications"]

    st.header(f"Results: {view.md_escape(spec['name'])}", divider="gray")
    st.caption(
        f"{run['days']:g} measured days after {run['warmup_days']:g} warm-up days · "
        f"{reps} replication{'s' if reps != 1 else ''} · seed {run['seed']} · "
        f"spec hash {run['spec_hash']} · from {view.md_escape(result['label'])}"
    )
    if spec["description"]:
        st.markdown(view.md_escape(spec["description"]))
    level, text = view.data_status(spec["provenance"])
    notice = st.warning if level == "warning" else st.info
    notice(text, icon=":material/fact_check:")

    _headline(summary, reps)
    _stations(result)
    _energy(result)
    _profile(result)
    _lever_effects(result)

    st.subheader("All KPIs")
    st.table(view.kpi_table(summary), hide_index=True)
    st.download_button(
        "Download this result (JSON)",
        json.dumps(run, indent=2),
        file_name=f"{spec['name']}-result.json",
        mime="application/json",
        on_click="ignore",
        key="factory_download",
        icon=":material/download:",
    )


def _chart(fig: Any) -> None:
    st.plotly_chart(fig, width="stretch", config={"displaylogo": False})


def _headline(summary: dict[str, Any], reps: int) -> None:
    cols = st.columns(len(view.HEADLINE_KPIS))
    for col, key in zip(cols, view.HEADLINE_KPIS, strict=True):
        fmt = view.KPIS[key]
        value, half = view.card_texts(key, summary.get(key, {}))
        with col.container(border=True):
            st.metric(fmt.label, value, help=fmt.help)
            if half is None:
                st.markdown("1 replication: no CI" if reps < 2 else "± — (95 % CI)")
            else:
                st.markdown(f"± {half} (95 % CI)")


def _stations(result: dict[str, Any]) -> None:
    run, spec = result["run"], result["spec"]
    st.subheader("Stations")
    st.markdown(
        f"Bottleneck: **{view.md_escape(run['bottleneck'])}**, the station most often busiest "
        "(processing, setup, warm-up or failed) across replications; it is marked on the chart "
        "and highlighted in the table."
    )
    if result.get("state_min"):
        _chart(view.station_time_figure(view.time_shares(result["state_min"]), run["bottleneck"]))
        st.caption(
            "Mean share of each station's scheduled machine time (shifts on, all machines) "
            "across replications: busy = processing; setup includes warm-up; blocked = done "
            "but no room downstream; starved = idle or standby, waiting for parts; down = "
            "breakdowns and planned repairs. Simulated by Gumi Twin from the spec above."
        )
    table = view.station_table(run["stations"], run["bottleneck"], spec["machines"])
    st.dataframe(view.station_styler(table), hide_index=True, width="stretch")
    st.caption(
        "Means across replications. Availability is the share of scheduled time not failed; "
        "utilization, blocked, starved and setup (incl. warm-up) are shares of available time "
        "(so they differ slightly from the chart's shares of scheduled time)."
    )


def _energy(result: dict[str, Any]) -> None:
    run, spec = result["run"], result["spec"]
    st.subheader("Energy")
    left, right = st.columns([3, 2], gap="large")
    with left:
        if result.get("state_min") and spec.get("power_kw"):
            kwh = view.station_energy_kwh(result["state_min"], spec["power_kw"])
            _chart(view.energy_sankey(kwh, run["energy_by_state_kwh"]["facility"], run["days"]))
            st.caption(
                "Where the electricity goes: the grid feeds each station and the facility "
                "loads; each station's kWh splits by machine state (machine-minutes in the state "
                "× the spec's kW for that state). Only processing makes product; the rest is "
                "the loss pool energy levers work on. Mean kWh per replication."
            )
    with right:
        _chart(view.energy_figure(run["energy_by_state_kwh"], run["days"]))
        st.caption(
            "Mean kWh per replication over the measured window: machine states summed over "
            "machines, plus the facility load (base load, off-shift load and a part per unit)."
        )


def _profile(result: dict[str, Any]) -> None:
    run = result["run"]
    st.subheader("Electric load")
    days = float(run["days"])
    max_days: float | None = None
    if days > PROFILE_DAYS:
        span = st.segmented_control(
            "Days shown",
            [f"First {PROFILE_DAYS} days", f"All {days:g} days"],
            default=f"First {PROFILE_DAYS} days",
            key="factory_profile_span",
        )
        max_days = None if span and span.startswith("All") else PROFILE_DAYS
    fig = view.profile_figure(
        result["profile_kw"],
        warmup_days=float(run["warmup_days"]),
        max_days=max_days,
        mean_kw=run["summary"].get("mean_kw", {}).get("mean"),
    )
    st.plotly_chart(fig, width="stretch", config={"displaylogo": False})
    st.caption(
        "Mean kW in each 15-minute interval, averaged over the replications; the dashed line is "
        "the mean over the whole measured window. The peak card is the mean of each "
        "replication's own peak, so it can exceed this averaged curve."
    )


# --------------------------------------------------------------------------- lever effects


def _lever_effects(result: dict[str, Any]) -> None:
    st.subheader("Effect of each lever on this line")
    run = result["run"]
    st.markdown(
        "Each AI lever (data/levers, *typical* preset) is trained for this line and the line "
        "is simulated with it and without it on the same random numbers, at the settings "
        f"above ({run['replications']} replications of {run['days']:g} days). Changes are "
        "means of the paired differences with their 95 % confidence intervals."
    )
    parts = result.get("store_parts")
    effects = st.session_state.get(LEVERS_KEY, {}).get(str(parts))
    if effects is None and parts is not None:
        effects = view.load_stored("levers", parts)  # measured before, by anyone
    if effects is None:
        clicked = st.button(
            "Measure lever effects",
            key="factory_levers_run",
            icon=":material/science:",
            disabled=parts is None,
            help="Trains every lever's model and runs the line once per lever: "
            "about half a minute for the sample lines at the default settings.",
        )
        if not clicked:
            st.caption(
                "Not measured yet for this line and these settings: press the button "
                "(results are kept for everyone who asks again)."
            )
            return
        effects = _measure(result)
        if effects is None:
            return
    st.session_state.setdefault(LEVERS_KEY, {})[str(parts)] = effects
    _chart(view.lever_effects_figure(effects))
    st.caption(
        "Bars: change against the line without levers, % of its mean; whiskers: 95 % CI of the "
        "paired difference over its mean. Green: the interval shows an improvement; orange: a "
        "worsening; grey: not distinguishable from no change in these runs (a sharper inspection "
        "scraps more and lets fewer defects escape: read scrap and escapes together). Lever effect "
        "sizes are the lever files' typical values (see the table's data status); the line "
        "is simulated by Gumi Twin."
    )
    st.dataframe(view.lever_effects_table(effects), hide_index=True, width="stretch")
    notes = []
    for lever in effects["levers"].values():
        order = ("published", "estimate", "synthetic")
        status = ", ".join(
            f"{lever['status'][k]} {k}" for k in sorted(lever["status"], key=order.index)
        )
        extra = " Nothing to act on in this line: no change." if lever["unchanged"] else ""
        notes.append(
            f"- **{view.md_escape(view.short_label(lever['label']))}**: effect parameters "
            f"{status}.{extra}"
        )
    st.markdown("Data status of each lever's effect parameters:\n" + "\n".join(notes))
    with st.expander("What each lever's model measured (quality on held-out data)"):
        for lever in effects["levers"].values():
            if lever["quality"]:
                st.markdown(f"**{view.md_escape(lever['label'])}**")
                st.dataframe(
                    {"measure": list(lever["quality"]), "value": list(lever["quality"].values())},
                    hide_index=True,
                )
    st.caption(
        "All runs use the wear-driven form of breakdowns, so runs with and without predictive "
        "maintenance share failure histories (as in twin roi); the line without levers can "
        "therefore differ slightly from the run above. Few events in a short run (scrap, "
        "escapes, breakdowns) give wide intervals: more days or replications narrow them."
    )


def _measure(result: dict[str, Any]) -> dict[str, Any] | None:
    """Measure the lever effects with a progress bar; an error becomes one line on the page."""
    run = result["run"]
    bar = st.progress(0.0, text="Starting…")
    try:
        effects = view.stored(
            "levers",
            result["store_parts"],
            lambda: view.measure_lever_effects(
                result["factory_spec"],
                days=float(run["days"]),
                warmup_days=float(run["warmup_days"]),
                replications=int(run["replications"]),
                seed=int(run["seed"]),
                progress=lambda f, text: bar.progress(min(max(f, 0.0), 1.0), text=text),
            ),
        )
    except InputError as exc:
        bar.empty()
        st.error(view.md_escape(exc.line()), icon=":material/error:")
        return None
    except Exception as exc:  # a message, never a traceback, on the page
        bar.empty()
        log.exception("lever effects failed for %s", result["label"])
        st.error(
            view.md_escape(
                f"{result['label']}: measuring the lever effects failed "
                f"({type(exc).__name__}: {exc}). Details are in the server log."
            ),
            icon=":material/error:",
        )
        return None
    bar.empty()
    return effects
