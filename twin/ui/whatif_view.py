"""Tables, labels and figures of the What-if page (no streamlit: unit-testable).

The page answers from a surrogate (:mod:`twin.surrogate`): a Gaussian-process fit to a sweep
of the twin, so every figure here is an ESTIMATE of what the twin would give, with the
surrogate's cross-validated error beside it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from twin.io.paths import repo_root
from twin.surrogate import FILE_NAME, Prediction, Surrogate

__all__ = [
    "LESS_IS_BETTER",
    "LEVER_LABELS",
    "SWEEP_NAME",
    "UNITS",
    "baselines",
    "candidate_folders",
    "comparison_table",
    "cv_table",
    "delta_text",
    "find_folder",
    "fmt_change",
    "kpi_label",
    "kpi_order",
    "param_label",
    "prediction_figure",
    "query_text",
    "slider_range",
]

#: The shipped sweep the page's surrogate comes from (scenarios/sweeps/<name>.yaml).
SWEEP_NAME = "ax-effects"
#: How a KPI's change is shown: label, divisor, unit (changes are smaller than totals).
UNITS: dict[str, tuple[str, float, str]] = {
    "output_krw": ("Production", 1e9, "bn KRW"),
    "value_added_krw": ("Value added", 1e9, "bn KRW"),
    "employees": ("Employees", 1.0, "people"),
    "electricity_mwh": ("Electricity (factories)", 1e3, "GWh"),
    "ai_compute_mwh": ("AI compute energy", 1e3, "GWh"),
    "co2_t": ("CO2", 1e3, "kt"),
    "peak_mw": ("Peak demand (sum of sites)", 1.0, "MW"),
    "productivity_mkrw": ("Value added per employee", 1.0, "M KRW"),
    "output_per_employee_mkrw": ("Output per employee", 1.0, "M KRW"),
    "carbon_cost_krw": ("Carbon cost", 1e9, "bn KRW"),
}
#: KPIs whose fall is an improvement.
LESS_IS_BETTER = frozenset({"electricity_mwh", "ai_compute_mwh", "co2_t", "carbon_cost_krw"})
LEVER_LABELS = {
    "predictive_maintenance": "Predictive maintenance",
    "vision_qc": "Vision quality control",
    "energy_optimisation": "Energy optimisation",
    "scheduling": "AI scheduling",
    "yield_optimisation": "Yield optimisation",
}


def kpi_label(kpi: str) -> str:
    """A KPI's label with its unit, e.g. ``Value added (bn KRW)``."""
    label, _, unit = UNITS.get(kpi, (kpi, 1.0, ""))
    return f"{label} ({unit})" if unit else label


def kpi_order(kpis: Sequence[str]) -> list[str]:
    """``kpis`` once each, in display order (value added first; unknown ones last)."""
    first = ["value_added_krw", "productivity_mkrw", "output_krw"]
    order = [*first, *(k for k in UNITS if k not in first)]
    unique = list(dict.fromkeys(kpis))
    return sorted(unique, key=lambda k: order.index(k) if k in order else len(order))


def delta_text(delta: float, value: float, kpi: str) -> str:
    """The change from the plan as written (``no change`` when negligible next to
    ``value``)."""
    if abs(delta) <= 1e-4 * max(abs(value), 1e-12):
        return "no change from the plan as written"
    return f"{fmt_change(delta, kpi)} vs the plan as written"


def param_label(name: str) -> str:
    """A swept parameter's slider label (what its values mean)."""
    parts = name.split(".")
    if name == "adoption.ceiling_multiplier":
        return "Adoption reach: every lever's adoption ceiling × (1 = the plan)"
    if len(parts) == 3 and parts[0] == "levers":
        lever = LEVER_LABELS.get(parts[1], parts[1].replace("_", " ").capitalize())
        if parts[2] == "effect":
            return f"{lever}: effect size (-1 low, 0 plan's typical, +1 high)"
        if parts[2] == "ceiling_multiplier":
            return f"{lever}: adoption ceiling × (1 = the plan)"
    if name == "demand_growth.shift":
        return "Demand growth: added to every sector's rate"
    return name


def slider_range(
    low: float, high: float, margin: float = 0.25, steps: int = 100
) -> tuple[float, float, float]:
    """Slider ``(min, max, step)``: the sampled range widened by ``margin`` of its width on
    each side (so that a user can see the out-of-range warning), on a round step."""
    width = high - low
    step = 10 ** math.floor(math.log10(width / steps)) if width > 0 else 0.01
    lo = math.floor((low - margin * width) / step) * step
    hi = math.ceil((high + margin * width) / step) * step
    return round(lo, 10), round(hi, 10), step


def fmt_change(value: float, kpi: str, sd: float | None = None) -> str:
    """A change in its display unit with a sign, e.g. ``+412 bn KRW`` or ``+412 ± 31 bn KRW``
    (``sd`` shown as a 95 % band, ± 2 sd)."""
    _, div, unit = UNITS.get(kpi, (kpi, 1.0, ""))
    if not math.isfinite(value):
        return "-"

    def num(x: float, sign: bool) -> str:
        v = x / div
        s = f"{v:+,.3g}" if abs(v) < 1000 else f"{v:+,.0f}"
        return s if sign else s.lstrip("+")

    band = f" ± {num(2 * sd, False)}" if sd is not None and math.isfinite(sd) else ""
    return f"{num(value, True)}{band} {unit}".rstrip()


def candidate_folders(
    sweep: str = SWEEP_NAME, root: Path | None = None, cache: Path | None = None
) -> list[Path]:
    """Where a fitted sweep may be: ``twin sweep``'s default output (results/sweeps/<name>),
    then the explorer's own store (<cache>/whatif/<name>, cache: ``GUMI_TWIN_CACHE`` or
    .cache)."""
    root = root or repo_root()
    cache = cache or Path(os.environ.get("GUMI_TWIN_CACHE", root / ".cache"))
    return [root / "results" / "sweeps" / sweep, cache / "whatif" / sweep]


def find_folder(folders: Sequence[Path]) -> Path | None:
    """The folder with the newest surrogate among ``folders`` (``None`` when none has one)."""
    found = [f for f in folders if (f / FILE_NAME).is_file()]
    if not found:
        return None
    return max(found, key=lambda f: (f / FILE_NAME).stat().st_mtime)


def baselines(table: pd.DataFrame | None) -> dict[tuple[str, int], float]:
    """Per (KPI, year), the zero-adoption baseline's level in a sweep table (the median over
    the points: the parameters of an effect sweep leave it unchanged); empty without one."""
    if table is None or "baseline" not in table.columns:
        return {}
    med = table.groupby(["kpi", "year"])["baseline"].median()
    return {(str(k), int(y)): float(v) for (k, y), v in med.items()}


def cv_table(surrogate: Surrogate) -> pd.DataFrame:
    """The surrogate's cross-validated error, one row per KPI and year, in display units."""
    rows = []
    for _, r in surrogate.cv.iterrows():
        _, div, unit = UNITS.get(r["kpi"], (r["kpi"], 1.0, ""))
        rows.append(
            {
                "KPI": kpi_label(r["kpi"]),
                "year": int(r["year"]),
                "R² (cross-validated)": round(float(r["r2"]), 3),
                "RMSE": f"{float(r['rmse']) / div:,.3g} {unit}".rstrip(),
                "RMSE / spread of the sweep": f"{float(r['rmse_share']):.1%}",
            }
        )
    return pd.DataFrame(rows)


def comparison_table(
    prediction: Prediction, simulated: pd.DataFrame, kpis: Sequence[str] | None = None
) -> pd.DataFrame:
    """Simulated vs surrogate, one row per KPI and year the surrogate knows.

    Parameters
    ----------
    prediction
        The surrogate's answer at the point.
    simulated
        :func:`twin.study.evaluate_point` at the same point (``year``, ``kpi``, ``diff``,
        ``diff_low``, ``diff_high``).
    kpis
        KPIs to keep (default: all).
    """
    sim = simulated.set_index(["kpi", "year"])
    rows = []
    for _, p in prediction.table.iterrows():
        kpi, year = str(p["kpi"]), int(p["year"])
        if kpis is not None and kpi not in kpis:
            continue
        if (kpi, year) not in sim.index:
            continue
        s = sim.loc[(kpi, year)]
        diff = float(s["diff"])
        half = (float(s["diff_high"]) - float(s["diff_low"])) / 2
        rows.append(
            {
                "KPI": kpi_label(kpi),
                "year": year,
                "simulated (95 % interval)": fmt_change(diff, kpi, half / 2),
                "surrogate (± 2 sd)": fmt_change(float(p["diff"]), kpi, float(p["sd"])),
                "surrogate - simulated": fmt_change(float(p["diff"]) - diff, kpi),
                "within the surrogate's band": abs(float(p["diff"]) - diff)
                <= 2 * float(p["sd"]) + half,
            }
        )
    return pd.DataFrame(rows)


def prediction_figure(
    prediction: Prediction,
    kpi: str,
    neutral: Prediction | None = None,
    simulated: pd.DataFrame | None = None,
) -> go.Figure:
    """The KPI's predicted change per year (± 2 sd bars), beside the plan's typical point and
    a full simulation when given."""
    label, div, unit = UNITS.get(kpi, (kpi, 1.0, ""))
    fig = go.Figure()

    def bars(t: pd.DataFrame, name: str, colour: str, err: pd.Series | None) -> None:
        fig.add_bar(
            x=t["year"].astype(str),
            y=t["diff"] / div,
            name=name,
            marker_color=colour,
            error_y=None if err is None else {"type": "data", "array": err / div},
        )

    if neutral is not None:
        t = neutral.table[neutral.table["kpi"] == kpi]
        bars(t, "plan as written (surrogate)", "#7f7f7f", 2 * t["sd"])
    t = prediction.table[prediction.table["kpi"] == kpi]
    bars(t, "your settings (surrogate)", "#0072B2", 2 * t["sd"])
    if simulated is not None:
        s = simulated[simulated["kpi"] == kpi]
        s = s[s["year"].isin(t["year"])]
        bars(s, "your settings (full simulation)", "#D55E00", (s["diff_high"] - s["diff"]))
    fig.update_layout(
        barmode="group",
        font={"size": 16},
        height=420,
        margin={"l": 60, "r": 20, "t": 40, "b": 40},
        yaxis_title=f"{label}: change vs no-AI baseline ({unit})",
        xaxis_title="year",
        legend={"orientation": "h", "y": 1.12},
    )
    return fig


def query_text(query: Mapping[str, float]) -> str:
    """The slider values in one line (for the confirmed point's caption)."""
    return ", ".join(f"{k.removeprefix('levers.')} = {v:.3g}" for k, v in query.items())
