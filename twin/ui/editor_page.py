"""The Scenario editor page: start from a scenario, edit it in a form, validate, save, run.

Layout only. The scenario being edited is a plain document in ``st.session_state``
(:data:`DOC_KEY`); every widget starts from it and writes its value back, so a widget that is
hidden (a lever switched off) keeps its edits. Validation, curves, tables and figures come
from :mod:`twin.ui.editor_view`; the projection from :func:`twin.scenario_run.run_scenario`.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from twin.config.firmbase import SECTORS
from twin.config.lever import LEVELS
from twin.config.scenario import LEVER_NAMES, SIZE_CLASSES
from twin.core.errors import InputError
from twin.ui import editor_view as view
from twin.ui import sources_view
from twin.ui.factory_view import md_escape
from twin.viz import KPIS

__all__ = ["DEFAULT_START", "DOC_KEY", "RESULT_KEY", "render"]

log = logging.getLogger(__name__)

DEFAULT_START = "gumi-ax-2032"
DOC_KEY = "editor_doc"
ORIGINAL_KEY = "editor_original"
LOADED_KEY = "editor_loaded"
PARKED_KEY = "editor_parked"
SNAP_KEY = "editor_snap"
RESULT_KEY = "editor_result"
WIDGET = "editor_w_"
SHIPPED = "Shipped scenario"
MINE = "My saved scenarios"
UPLOAD = "Upload a scenario (YAML)"
DEFAULT_EDIT_SOURCE = "Scenario editor: user assumption (not a published figure)"
HEADLINE = ("output_krw", "productivity_mkrw", "electricity_mwh", "peak_mw", "co2_t")
MODES = {
    "levels": "each lever at its own level",
    "low": "every lever at its low preset",
    "typical": "every lever at its typical preset",
    "high": "every lever at its high preset",
    "sampled": "effects sampled between low and high, per replication",
}


def render() -> None:
    """Draw the Scenario editor page."""
    st.title("Scenario editor")
    st.markdown(
        "Start from a shipped AX scenario, change who adopts which AI lever when, the lever "
        "effects, demand growth, the AI data cluster, the carbon price and the grid factor; "
        "the scenario is checked as you type, with the same rules as `twin run`. Download it "
        "as YAML, keep it in *my scenarios*, or project it to 2032 against the baseline."
    )
    _load_start()
    doc: dict[str, Any] | None = st.session_state.get(DOC_KEY)
    if doc is None:
        st.info("Choose a scenario to start from in the sidebar.")
        return
    banner = st.container()
    _identity(doc)
    tabs = st.tabs(
        ["Adoption", "Effects and uncertainty", "Demand growth", "Compute, carbon, grid", "YAML"]
    )
    with tabs[0]:
        _adoption(doc)
    with tabs[1]:
        _effects(doc)
    with tabs[2]:
        _demand(doc)
    with tabs[3]:
        _context(doc)

    marked, edited = view.mark_edits(
        st.session_state[ORIGINAL_KEY], doc, _edit_source(), st.session_state[LOADED_KEY][-1]
    )
    text = view.document_yaml(marked)
    file_name = f"{doc.get('name') or 'scenario'}.yaml"
    error = _validate(text, file_name)
    with banner:
        if error:
            st.error(md_escape(error), icon=":material/error:")
        else:
            counts = view.status_counts(marked)
            st.success(
                f"Valid scenario **{md_escape(str(doc['name']))}** · "
                + (f"{len(edited)} edited figure group(s) · " if edited else "no figures edited · ")
                + " · ".join(f"{n} {k}" for k, n in counts.items() if n),
                icon=":material/check_circle:",
            )
    with tabs[4]:
        st.caption(
            "The scenario as it will be saved: self-contained (the shared defaults written out), "
            "every edited figure carrying your source and status *estimate*."
        )
        st.code(text, language="yaml")
    _save_and_run(marked, text, file_name, error)


# --------------------------------------------------------------------------- loading


def _reset_widgets() -> None:
    """Forget every form widget's state so the widgets start again from the document."""
    for key in list(st.session_state.keys()):
        if str(key).startswith(WIDGET):
            del st.session_state[key]
    st.session_state[SNAP_KEY] = {}


def _set_doc(doc: dict[str, Any], loaded: tuple[str, ...]) -> None:
    st.session_state[DOC_KEY] = copy.deepcopy(doc)
    st.session_state[ORIGINAL_KEY] = copy.deepcopy(doc)
    st.session_state[LOADED_KEY] = loaded
    st.session_state[PARKED_KEY] = {}
    _reset_widgets()


@st.cache_data(max_entries=32, show_spinner=False)
def _load_file(path: str, mtime: float) -> tuple[dict[str, Any] | None, str | None]:
    del mtime  # part of the cache key only: a re-saved file is read again
    try:
        return view.load_document(path), None
    except InputError as exc:
        return None, exc.line()


@st.cache_data(max_entries=8, show_spinner=False)
def _parse_upload(name: str, data: bytes) -> tuple[dict[str, Any] | None, str | None]:
    return view.parse_upload(name, data)


@st.cache_data(max_entries=64, show_spinner=False)
def _validate(text: str, file_name: str) -> str | None:
    """The one-line problem of a scenario text (``twin run``'s checks), or ``None``."""
    names = _firm_names()
    doc = view.parse_yaml_text(text)
    return view.validate_document(doc, file_name, names)[1]


@st.cache_data(show_spinner=False)
def _firm_names() -> list[str] | None:
    try:
        from twin.io.geo import read_layer

        return read_layer("firms")["name"].tolist()
    except Exception:  # no firm layer: anchors are checked when the scenario runs
        log.exception("could not read the firm layer")
        return None


def _load_start() -> None:
    sb = st.sidebar
    sb.header("Start from")
    mine = view.user_scenarios()
    source = sb.radio("Scenario source", [SHIPPED, MINE, UPLOAD], key="editor_source")
    want: tuple[str, ...] | None = None
    path: Path | None = None
    if source == SHIPPED:
        shipped = view.shipped_scenarios()
        names = list(shipped)
        name = sb.selectbox(
            "Shipped scenario",
            names,
            index=names.index(DEFAULT_START) if DEFAULT_START in names else 0,
            key="editor_start",
        )
        path = shipped[name]
        want = ("shipped", str(name))
    elif source == MINE and not mine:
        sb.caption("No saved scenarios yet: edit one and press **Save to my scenarios**.")
    elif source == MINE:
        name = sb.selectbox("Saved scenario", list(mine), key="editor_mine")
        path = mine[name]
        want = ("mine", f"my scenario {name}")
    else:
        upload = sb.file_uploader(
            f"Scenario YAML, at most {view.MAX_UPLOAD_BYTES / 1e6:g} MB",
            type=["yaml", "yml"],
            key="editor_upload",
            max_upload_size=max(1, round(view.MAX_UPLOAD_BYTES / 1e6)),
            help="A scenario like scenarios/*.yaml; extends: may name a shipped scenario file.",
        )
        if upload is not None:
            data = upload.getvalue()
            digest = hashlib.sha256(data).hexdigest()[:16]
            want = ("upload", digest, f"upload {upload.name}")
            if st.session_state.get(LOADED_KEY) != want:
                doc, error = _parse_upload(upload.name, data)
                if error:
                    sb.error(md_escape(error), icon=":material/error:")
                    want = None
                else:
                    _set_doc(doc, want)
        else:
            sb.caption("Upload a scenario to edit it; the form keeps the current one meanwhile.")
    if path is not None and want is not None and st.session_state.get(LOADED_KEY) != want:
        doc, error = _load_file(str(path), path.stat().st_mtime)
        if error:
            sb.error(md_escape(error), icon=":material/error:")
        else:
            _set_doc(doc, want)
    if st.session_state.get(DOC_KEY) is not None:
        sb.caption(f"Editing: {md_escape(st.session_state[LOADED_KEY][-1])}")
        sb.button(
            "Discard my edits",
            key="editor_discard",
            on_click=_discard,
            icon=":material/undo:",
            help="Go back to the scenario as loaded.",
        )
    sb.header("Your changes")
    sb.text_input(
        "Source of your changes",
        value=DEFAULT_EDIT_SOURCE,
        key="editor_edit_source",
        help="Every figure you change gets this source and status 'estimate' in the saved file.",
    )


def _discard() -> None:
    original = st.session_state.get(ORIGINAL_KEY)
    if original is not None:
        st.session_state[DOC_KEY] = copy.deepcopy(original)
        st.session_state[PARKED_KEY] = {}
        _reset_widgets()


def _edit_source() -> str:
    text = str(st.session_state.get("editor_edit_source") or "").strip()
    return text or DEFAULT_EDIT_SOURCE


# --------------------------------------------------------------------------- form helpers


def _source_caption(block: dict[str, Any] | None, original: dict[str, Any] | None) -> None:
    """Source and status of a figure group, or a note that the user's source replaces it."""
    if not block:
        return
    if original is None or view.edited_paths({"x": original}, {"x": block}):
        st.caption(
            f"{view.status_badge('estimate')} edited: saved with your source"
            + (f" (was {original.get('status')})" if original else "")
        )
        return
    status = str(block.get("status", ""))
    text = " ".join(str(block.get("source", "")).split())
    short = text if len(text) <= 160 else text[:157].rsplit(" ", 1)[0] + " …"
    st.caption(
        f"{view.status_badge(status)} {md_escape(short)}", help=text if short != text else None
    )


def _original(*path: Any) -> Any:
    return view.get_path(st.session_state.get(ORIGINAL_KEY), path)


def _table_snapshot(key: str, rows: pd.DataFrame) -> pd.DataFrame:
    """The rows a data editor starts from: taken when the editor is fresh, then kept, so
    that its stored edits always apply to the same base."""
    snaps = st.session_state.setdefault(SNAP_KEY, {})
    if key not in st.session_state or key not in snaps:
        snaps[key] = rows
    return snaps[key]


# --------------------------------------------------------------------------- the form


def _identity(doc: dict[str, Any]) -> None:
    left, right = st.columns([1, 2])
    doc["name"] = left.text_input(
        "Name (file name)",
        value=str(doc.get("name", "")),
        key=f"{WIDGET}name",
        help="Lower-case letters, digits and hyphens, e.g. my-ax-plan.",
    ).strip()
    label = right.text_input("Label", value=str(doc.get("label") or ""), key=f"{WIDGET}label")
    if label.strip():
        doc["label"] = label.strip()
    else:
        doc.pop("label", None)
    doc["description"] = st.text_area(
        "Description", value=str(doc.get("description", "")), key=f"{WIDGET}description", height=80
    )


def _adoption(doc: dict[str, Any]) -> None:
    levers = doc.setdefault("levers", {})
    years = list(range(doc["horizon"]["start_year"], doc["horizon"]["end_year"] + 1))
    st.markdown(
        "Each lever's adoption rules: a group of firms (sectors x size classes) and the share "
        "of the group that adopts after 2023, as a Bass curve (p: innovation, q: imitation, "
        "ceiling: long-run share) or as shares by year. The chart shows the curves over the "
        "horizon as `twin.adoption` evaluates them."
    )
    for lever in LEVER_NAMES:
        plan = levers.get(lever)
        title = view.LEVER_LABELS[lever]
        state = (
            f"adopted, {len(plan.get('adoption', []))} rule(s)"
            if plan is not None
            else "not adopted"
        )
        with st.expander(f"{title}: {state}", expanded=lever == _first_adopted(doc)):
            on = st.toggle(
                "Adopted in this scenario", value=plan is not None, key=f"{WIDGET}{lever}_on"
            )
            plan = _switch_lever(doc, lever, on)
            if plan is None:
                st.caption("Not adopted: no firm takes up this lever (its settings are kept).")
                continue
            rules = plan.setdefault("adoption", [])
            form, chart = st.columns([3, 2], gap="medium")
            with form:
                for i, rule in enumerate(rules):
                    _rule(doc, lever, i, rule, years)
                left, right = st.columns(2)
                left.button(
                    "Add a rule",
                    key=f"{WIDGET}{lever}_add",
                    on_click=_add_rule,
                    args=(lever,),
                    icon=":material/add:",
                )
                right.button(
                    "Use these rules for every adopted lever",
                    key=f"{WIDGET}{lever}_copy",
                    on_click=_copy_rules,
                    args=(lever,),
                    icon=":material/content_copy:",
                )
            with chart:
                frame = view.adoption_frame(rules, years)
                if frame.empty:
                    st.caption("No valid curve to draw yet.")
                else:
                    st.plotly_chart(
                        view.adoption_figure(frame, f"{title}: adoption by rule"),
                        width="stretch",
                        config={"displaylogo": False},
                        key=f"{WIDGET}{lever}_chart",
                    )
                    st.caption(
                        "Share of each rule's firms that has adopted by the year (Bass "
                        "closed form or linear between listed years; twin.adoption)."
                    )
    _anchors(doc)


def _first_adopted(doc: dict[str, Any]) -> str | None:
    return next((n for n in LEVER_NAMES if doc.get("levers", {}).get(n) is not None), None)


def _switch_lever(doc: dict[str, Any], lever: str, on: bool) -> dict[str, Any] | None:
    levers = doc["levers"]
    parked = st.session_state.setdefault(PARKED_KEY, {})
    if not on:
        if levers.get(lever) is not None:
            parked[lever] = levers.pop(lever)
        levers.pop(lever, None)
        return None
    if levers.get(lever) is None:
        first = _first_adopted(doc)
        levers[lever] = parked.pop(lever, None) or {
            "level": "typical",
            "adoption": copy.deepcopy(levers[first]["adoption"])
            if first
            else [view.default_rule(doc["base_year"], _edit_source())],
        }
    return levers[lever]


def _rule(doc: dict[str, Any], lever: str, i: int, rule: dict[str, Any], years: list[int]) -> None:
    key = f"{WIDGET}{lever}_{i}_"
    with st.container(border=True):
        a, b, d = st.columns([4, 3, 2], vertical_alignment="bottom")
        sectors = a.multiselect(
            f"Rule {i + 1}: sectors",
            list(SECTORS),
            default=_names(rule.get("sectors", "all"), SECTORS),
            key=f"{key}sectors",
            placeholder="all sectors",
        )
        sizes = b.multiselect(
            "Size classes (employees)",
            list(SIZE_CLASSES),
            default=_names(rule.get("size_classes", "all"), SIZE_CLASSES),
            key=f"{key}sizes",
            placeholder="all sizes",
        )
        d.button(
            "Remove",
            key=f"{key}remove",
            on_click=_remove_rule,
            args=(lever, i),
            icon=":material/delete:",
            width="stretch",
        )
        # An empty choice means every sector (or size class), as "all" in the file.
        rule["sectors"] = sectors if 0 < len(sectors) < len(SECTORS) else "all"
        rule["size_classes"] = sizes if 0 < len(sizes) < len(SIZE_CLASSES) else "all"
        curve = rule.setdefault("curve", {})
        kind_col, *cols = st.columns([2, 1, 1, 1, 1], vertical_alignment="bottom")
        kind = kind_col.radio(
            "Curve",
            ["Bass", "Shares by year"],
            index=0 if "bass" in curve else 1,
            key=f"{key}kind",
            horizontal=True,
        )
        if kind == "Bass":
            bass = curve.get("bass") or {
                "p": 0.03,
                "q": 0.35,
                "ceiling": 0.3,
                "start_year": doc["base_year"],
            }
            bass["p"] = cols[0].number_input(
                "p",
                min_value=0.0,
                max_value=1.0,
                value=float(bass["p"]),
                step=0.005,
                format="%.3f",
                key=f"{key}p",
                help="Coefficient of innovation: adoption from outside influence (about 0.03).",
            )
            bass["q"] = cols[1].number_input(
                "q",
                min_value=0.0,
                max_value=2.0,
                value=float(bass["q"]),
                step=0.05,
                format="%.2f",
                key=f"{key}q",
                help="Coefficient of imitation: adoption by copying adopters (about 0.35).",
            )
            bass["ceiling"] = cols[2].number_input(
                "Ceiling",
                min_value=0.0,
                max_value=1.0,
                value=float(bass["ceiling"]),
                step=0.01,
                format="%.2f",
                key=f"{key}ceiling",
                help="Share of the group that adopts in the long run.",
            )
            bass["start_year"] = int(
                cols[3].number_input(
                    "Start year",
                    min_value=2000,
                    max_value=2100,
                    value=int(bass["start_year"]),
                    step=1,
                    key=f"{key}start",
                )
            )
            rule["curve"] = {"bass": bass}
        else:
            shares = curve.get("shares") or {
                y: round(view.adoption_share_of(curve, y), 3) for y in (years[0], years[-1])
            }
            base = pd.DataFrame({"year": list(shares), "share": list(shares.values())})
            table = st.data_editor(
                _table_snapshot(f"{key}shares", base),
                num_rows="dynamic",
                key=f"{key}shares",
                column_config={
                    "year": st.column_config.NumberColumn("Year", step=1, format="%d"),
                    "share": st.column_config.NumberColumn(
                        "Share of firms (0-1)", min_value=0.0, max_value=1.0, step=0.01
                    ),
                },
                hide_index=True,
            )
            rule["curve"] = {"shares": view.shares_from_table(table)}
        _source_caption(rule, _original("levers", lever, "adoption", i))


def _names(value: Any, every: tuple[str, ...]) -> list[str]:
    """A selection as widget defaults: ``all`` shows as an empty choice ("all ...")."""
    return [] if value == "all" else [v for v in value if v in every]


def _add_rule(lever: str) -> None:
    doc = st.session_state[DOC_KEY]
    doc["levers"][lever].setdefault("adoption", []).append(
        view.default_rule(doc["base_year"], _edit_source())
    )
    _reset_widgets()


def _remove_rule(lever: str, i: int) -> None:
    doc = st.session_state[DOC_KEY]
    del doc["levers"][lever]["adoption"][i]
    _reset_widgets()


def _copy_rules(lever: str) -> None:
    doc = st.session_state[DOC_KEY]
    rules = doc["levers"][lever].get("adoption", [])
    for name, plan in doc["levers"].items():
        if name != lever and plan is not None:
            plan["adoption"] = copy.deepcopy(rules)
    _reset_widgets()


def _anchors(doc: dict[str, Any]) -> None:
    anchors = doc.get("anchors") or []
    st.subheader("Anchor firms")
    if not anchors and not _original("anchors"):
        st.caption("No anchor firms in this scenario.")
        return
    st.caption(
        "Named firms forced to adopt from a year, on top of their group's curve. Untick to "
        "drop one; change its year."
    )
    all_anchors = _original("anchors") or []
    kept = {(a["firm"], _levers_text(a)): a for a in anchors}
    base = pd.DataFrame(
        {
            "keep": [(a["firm"], _levers_text(a)) in kept for a in all_anchors],
            "firm": [a["firm"] for a in all_anchors],
            "levers": [_levers_text(a) for a in all_anchors],
            "year": [int(kept.get((a["firm"], _levers_text(a)), a)["year"]) for a in all_anchors],
        }
    )
    table = st.data_editor(
        _table_snapshot(f"{WIDGET}anchors", base),
        key=f"{WIDGET}anchors",
        disabled=["firm", "levers"],
        hide_index=True,
        column_config={
            "keep": st.column_config.CheckboxColumn("Keep"),
            "year": st.column_config.NumberColumn("Year", step=1, format="%d"),
        },
    )
    out = []
    for row, anchor in zip(table.itertuples(), all_anchors, strict=False):
        if row.keep:
            out.append({**anchor, "year": int(row.year)})
    doc["anchors"] = out


def _levers_text(anchor: dict[str, Any]) -> str:
    levers = anchor.get("levers", "all")
    return levers if isinstance(levers, str) else ", ".join(levers)


def _effects(doc: dict[str, Any]) -> None:
    st.markdown(
        "Effect presets come from `data/levers/<lever>.yaml`: *low* (average adopters), "
        "*typical* (competent large-firm deployments), *high* (Lighthouse-grade sites)."
    )
    unc = doc.setdefault("uncertainty", {"mode": "levels"})
    modes = list(MODES)
    left, right = st.columns([2, 1])
    mode = left.radio(
        "How lever effects are taken",
        modes,
        index=modes.index(unc.get("mode", "levels")),
        format_func=lambda m: f"{m}: {MODES[m]}",
        key=f"{WIDGET}mode",
    )
    if mode == "sampled":
        samples = right.number_input(
            "Samples (replications)",
            min_value=2,
            max_value=1000,
            value=int(unc.get("samples") or 10),
            step=1,
            key=f"{WIDGET}samples",
        )
        doc["uncertainty"] = {"mode": "sampled", "samples": int(samples)}
    else:
        doc["uncertainty"] = {"mode": mode}
    levers = doc.get("levers", {})
    active = [n for n in LEVER_NAMES if levers.get(n) is not None]
    if not active:
        st.info("No lever is adopted: switch one on under Adoption.")
        return
    presets = sources_view.lever_tables()
    for lever in active:
        plan = levers[lever]
        a, b = st.columns([1, 3])
        plan["level"] = a.selectbox(
            view.LEVER_LABELS[lever],
            list(LEVELS),
            index=list(LEVELS).index(plan.get("level", "typical")),
            key=f"{WIDGET}{lever}_level",
            disabled=mode not in ("levels", "sampled"),
            help="Used when effects are taken per lever (levels) or as the centre (sampled).",
        )
        table = presets.get(lever)
        if table is not None:
            with b.expander(f"{view.LEVER_LABELS[lever]}: low / typical / high presets"):
                st.dataframe(sources_view.status_styler(table), hide_index=True, width="stretch")


def _demand(doc: dict[str, Any]) -> None:
    growth = doc["demand_growth"]
    st.markdown(
        "Annual demand growth per sector, compounding from the base year. A capacity gain "
        "from AI becomes output only where demand allows."
    )
    cols = st.columns(3)
    rates = growth["rates"]
    for i, sector in enumerate(SECTORS):
        pct = cols[i % 3].number_input(
            f"{sector.capitalize()} (%/yr)",
            min_value=-50.0,
            max_value=50.0,
            value=round(float(rates[sector]) * 100, 4),
            step=0.5,
            format="%.2f",
            key=f"{WIDGET}growth_{sector}",
        )
        rates[sector] = round(pct / 100, 6)
    _source_caption(growth, _original("demand_growth"))


def _context(doc: dict[str, Any]) -> None:
    st.subheader("Manufacturing AI data cluster")
    compute = doc.get("compute")
    parked = st.session_state.setdefault(PARKED_KEY, {})
    on = st.toggle("The scenario has a data cluster", value=compute is not None, key=f"{WIDGET}dc")
    if not on:
        if compute is not None:
            parked["compute"] = doc.pop("compute")
        doc.pop("compute", None)
        st.caption("No data cluster: no AI compute energy beyond the levers' own edge devices.")
    else:
        if compute is None:
            compute = doc["compute"] = parked.pop("compute", None) or view.default_cluster(
                doc, _edit_source()
            )
        left, right = st.columns([1, 2])
        with left:
            gpus = compute["gpus"]
            base = pd.DataFrame(
                {"year": list(gpus["values"]), "GPUs": list(gpus["values"].values())}
            )
            table = st.data_editor(
                _table_snapshot(f"{WIDGET}gpus", base),
                num_rows="dynamic",
                key=f"{WIDGET}gpus",
                hide_index=True,
                column_config={
                    "year": st.column_config.NumberColumn("Year", step=1, format="%d"),
                    "GPUs": st.column_config.NumberColumn("GPUs", min_value=0, step=1),
                },
            )
            gpus["values"] = view.shares_from_table(table, column="GPUs")
            _source_caption(gpus, _original("compute", "gpus"))
        with right:
            a, b, c = st.columns(3)
            for col, field, label, lo, hi, step in (
                (a, "kw_per_gpu", "kW per GPU", 0.0, 10.0, 0.1),
                (b, "pue", "PUE", 1.0, 3.0, 0.05),
                (c, "utilisation", "Utilisation (0-1)", 0.0, 1.0, 0.05),
            ):
                with col:
                    compute[field]["value"] = st.number_input(
                        label,
                        min_value=lo,
                        max_value=hi,
                        value=float(compute[field]["value"]),
                        step=step,
                        format="%.2f",
                        key=f"{WIDGET}dc_{field}",
                    )
                    _source_caption(compute[field], _original("compute", field))
            st.metric(
                f"Cluster electricity in {doc['horizon']['end_year']}",
                view.cluster_gwh_text(compute, doc["horizon"]["end_year"]),
                help="GPUs x kW per GPU x utilisation x PUE x 8,760 h.",
            )
    st.subheader("Carbon price and grid factor")
    a, b = st.columns(2)
    with a:
        carbon = doc["carbon_price_krw_per_t"]
        carbon["value"] = st.number_input(
            "K-ETS carbon price (KRW per t CO2eq)",
            min_value=0.0,
            max_value=1_000_000.0,
            value=float(carbon["value"]),
            step=1000.0,
            format="%.0f",
            key=f"{WIDGET}carbon",
        )
        _source_caption(carbon, _original("carbon_price_krw_per_t"))
    with b:
        grid = doc["grid_factor_t_per_mwh"]
        grid["value"] = st.number_input(
            "Grid emission factor (t CO2eq per MWh)",
            min_value=0.0,
            max_value=2.0,
            value=float(grid["value"]),
            step=0.01,
            format="%.4f",
            key=f"{WIDGET}grid",
        )
        _source_caption(grid, _original("grid_factor_t_per_mwh"))


# --------------------------------------------------------------------------- save and run


def _save_and_run(marked: dict[str, Any], text: str, file_name: str, error: str | None) -> None:
    st.header("Save and run", divider="gray")
    a, b = st.columns(2)
    a.download_button(
        "Download YAML",
        text,
        file_name=file_name,
        mime="application/x-yaml",
        on_click="ignore",
        disabled=error is not None,
        key="editor_download",
        icon=":material/download:",
        width="stretch",
    )
    if b.button(
        "Save to my scenarios",
        key="editor_save",
        disabled=error is not None,
        icon=":material/save:",
        width="stretch",
        help=f"Written to {view.user_scenario_dir()} (never into the shipped scenarios/).",
    ):
        try:
            path = view.save_user_scenario(marked)
            st.success(f"Saved as {md_escape(str(path))}", icon=":material/save:")
        except OSError as exc:
            st.error(md_escape(f"{file_name}: could not save ({exc.strerror or exc})"))

    sampled = marked.get("uncertainty", {}).get("samples")
    st.markdown(
        "**Run** projects the scenario and its zero-adoption baseline on common random "
        f"numbers over the horizon, {sampled or 5} replications of one simulated week per "
        "archetype (the settings every explorer page and `twin run` use). A first run "
        "simulates the archetypes (about a minute); later runs with the same levers and "
        "effect levels reuse the stored runs and take seconds."
    )
    run = st.button(
        "Run projection",
        type="primary",
        key="editor_run",
        disabled=error is not None,
        icon=":material/play_arrow:",
    )
    key = hashlib.sha256(text.encode()).hexdigest()[:16]
    if run:
        fresh = _run(text, file_name)
        if fresh is not None:
            st.session_state[RESULT_KEY] = {**fresh, "key": key}
    result = st.session_state.get(RESULT_KEY)
    if result is None:
        st.caption("No projection yet: press **Run projection**.")
        return
    if result["key"] != key:
        st.info(
            "The scenario changed since this projection. Press **Run projection** "
            "to update it; this result stays until the new run finishes.",
            icon=":material/info:",
        )
    _show(result)


def _project(path: str) -> tuple[pd.DataFrame, int]:
    """Project the scenario in ``path`` (memory, results store or computed, with a progress
    bar) on the explorer's shared settings; its summary table and replications."""
    from twin.scenario_run import summary_table
    from twin.ui.results import explorer_settings, load_result, scenario

    settings = explorer_settings([scenario(path)])
    return summary_table(load_result(path, settings)), settings.replications


def _run(text: str, file_name: str) -> dict[str, Any] | None:
    doc = view.parse_yaml_text(text)
    with st.status(f"Projecting {md_escape(file_name)}…", expanded=True) as status:
        try:
            with tempfile.TemporaryDirectory(prefix="gumi-editor-run-") as tmp:
                path = Path(tmp) / file_name
                path.write_text(text, encoding="utf-8")
                summary, replications = _project(str(path))
        except InputError as exc:
            status.update(label="The scenario could not run", state="error")
            st.error(md_escape(InputError(file_name, exc.field, exc.message).line()))
            return None
        except Exception as exc:  # a message, never a traceback, on the page
            log.exception("scenario run failed for %s", file_name)
            status.update(label="The run failed", state="error")
            st.error(
                md_escape(
                    f"{file_name}: the run failed unexpectedly ({type(exc).__name__}: {exc}). "
                    "Details are in the server log."
                )
            )
            return None
        status.update(label=f"Projected {md_escape(file_name)}", state="complete", expanded=False)
    return {
        "name": doc.get("name"),
        "label": doc.get("label") or doc.get("name"),
        "replications": replications,
        "summary": summary,
        "counts": view.status_counts(doc),
    }


def _show(result: dict[str, Any]) -> None:
    summary: pd.DataFrame = result["summary"]
    year = int(summary["year"].max())
    table = view.headline_table(summary, year)
    st.subheader(f"{md_escape(str(result['label']))}: {year} against the baseline")
    st.caption(
        f"{result['replications']} replications · the baseline is the same scenario with no "
        "adoption, on the same random numbers; changes are paired differences with their 95 % "
        "interval."
    )
    rows = table.set_index("key")
    cols = st.columns(len(HEADLINE))
    for col, key in zip(cols, HEADLINE, strict=True):
        if key not in rows.index:
            continue
        r = rows.loc[key]
        kpi = KPIS[key]
        with col.container(border=True):
            st.metric(
                kpi.label.split(" (")[0],
                view.fmt_value(r["Scenario"]),
                delta=view.fmt_change(r["Change"], r["Change %"]),
                delta_color="off",
                help=f"{kpi.label}. Baseline {view.fmt_value(r['Baseline'])} {kpi.unit}; "
                f"change 95 % interval {r['Change 95 % CI']}",
            )
            st.caption(f"{kpi.unit} · change 95 %: {r['Change 95 % CI']}")
    st.dataframe(view.headline_display(table), hide_index=True, width="stretch", key="editor_table")
    counts = result.get("counts", {})
    st.caption(
        "Scenario figures: "
        + ", ".join(f"{n} {k}" for k, n in counts.items() if n)
        + ". Firms are synthetic (matched to published 2023 totals); archetypes are "
        "representative lines; lever effects come from literature ranges (estimates). "
        "See the Sources page."
    )
    kpi = st.selectbox(
        "KPI over the years",
        list(KPIS),
        index=list(KPIS).index("electricity_mwh"),
        format_func=lambda k: f"{KPIS[k].label} ({KPIS[k].unit})",
        key="editor_chart_kpi",
    )
    st.plotly_chart(
        view.change_figure(summary, kpi), width="stretch", config={"displaylogo": False}
    )
    st.caption("Source: Gumi Twin projection (twin.scenario_run) of the scenario above.")
