"""The parameters a study may vary and the points (validated scenario variants) made of them.

**Parameters** (dotted paths, checked against the base scenario):

============================================  ===============================================
``adoption.ceiling_multiplier``               every lever's adoption ceilings (Bass ``ceiling``
                                              or ``shares``) times this, capped at 1; neutral 1
``levers.<lever>.ceiling_multiplier``         the same for one lever
``levers.<lever>.effect``                     effect position t in [-1, 1]: -1 the lever's
                                              ``low`` preset, 0 the scenario's level, +1
                                              ``high`` (linear in between; needs the lever run
                                              at its low and high presets too)
``demand_growth.shift``                       added to every sector's growth rate; neutral 0
``demand_growth.<sector>``                    that sector's annual growth rate
``grid_factor_t_per_mwh``                     grid emission factor, tCO2/MWh
``carbon_price_krw_per_t``                    K-ETS price (only ``carbon_cost_krw`` uses it)
``compute.gpus.<year>``                       data-cluster GPUs in that year (a listed year or
                                              a new one; linear between listed years)
============================================  ===============================================

A point sets the non-effect parameters in the scenario itself (validated again, so a shifted
growth rate beyond its bounds is an input error) and keeps the effect positions beside it:
:mod:`twin.study` moves the lever presets when it projects the point.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from twin import __version__
from twin.config.firmbase import SECTORS
from twin.config.loader import canonical_json
from twin.config.scenario import LEVER_NAMES, Scenario, parse_scenario
from twin.core.errors import InputError
from twin.projection import RunSettings

__all__ = [
    "POINT_FORMAT",
    "Parameter",
    "Point",
    "build_points",
    "checked_parameter",
    "parameter",
    "parameter_names",
]

#: Part of every point's store key; bumped whenever what a stored point holds changes
#: (:func:`twin.study.evaluate_point`), so old entries are not served.
POINT_FORMAT = 1


@dataclass(frozen=True)
class Parameter:
    """A scenario parameter a study can vary.

    Attributes
    ----------
    name
        Its dotted path, e.g. ``levers.vision_qc.effect``.
    low, high
        The values allowed (inclusive; ``low_open``: the low end excluded).
    neutral
        The value that leaves the base scenario as it is.
    lever
        For an effect position, the lever it moves (``None`` otherwise).
    """

    name: str
    low: float
    high: float
    neutral: float
    lever: str | None = None
    low_open: bool = False

    def check(self, value: float) -> str | None:
        """Why ``value`` is not allowed (``None`` if it is)."""
        if not math.isfinite(value):
            return f"{value} is not a finite number"
        below = value <= self.low if self.low_open else value < self.low
        if below or value > self.high:
            lo = f"above {self.low:g}" if self.low_open else f"from {self.low:g}"
            return f"{value:g} is outside the allowed range ({lo} to {self.high:g})"
        return None

    @property
    def is_effect(self) -> bool:
        """Whether the parameter is an effect position (needs the low and high runs)."""
        return self.lever is not None


def parameter_names(scenario: Scenario) -> list[str]:
    """Every parameter name a study of ``scenario`` may vary (for messages and the explorer)."""
    names = ["adoption.ceiling_multiplier"]
    for lever in scenario.levers.active():
        names += [f"levers.{lever}.ceiling_multiplier", f"levers.{lever}.effect"]
    names += ["demand_growth.shift", *(f"demand_growth.{s}" for s in SECTORS)]
    names += ["grid_factor_t_per_mwh", "carbon_price_krw_per_t"]
    if scenario.compute is not None:
        names.append(
            f"compute.gpus.<year {scenario.horizon.start_year}-{scenario.horizon.end_year}>"
        )
    return names


def parameter(name: str, scenario: Scenario) -> Parameter:
    """The parameter called ``name`` for ``scenario``.

    Raises
    ------
    ValueError
        With what is allowed, if ``name`` is unknown or does not apply to the scenario
        (a lever it does not adopt, a data cluster it does not have).
    """
    active = list(scenario.levers.active())
    parts = name.split(".")
    if name == "adoption.ceiling_multiplier":
        return Parameter(name, 0.0, 10.0, 1.0, low_open=True)
    if name == "demand_growth.shift":
        return Parameter(name, -0.5, 0.5, 0.0)
    if name == "grid_factor_t_per_mwh":
        return Parameter(name, 0.0, 2.0, scenario.grid_factor_t_per_mwh.value, low_open=True)
    if name == "carbon_price_krw_per_t":
        return Parameter(name, 0.0, 1e7, scenario.carbon_price_krw_per_t.value)
    if len(parts) == 2 and parts[0] == "demand_growth" and parts[1] in SECTORS:
        return Parameter(name, -0.5, 0.5, scenario.demand_growth.rate(parts[1]))
    if len(parts) == 3 and parts[0] == "levers" and parts[2] in ("effect", "ceiling_multiplier"):
        lever = parts[1]
        if lever not in LEVER_NAMES:
            raise ValueError(f"unknown lever {lever!r} (allowed: {', '.join(LEVER_NAMES)})")
        if lever not in active:
            raise ValueError(
                f"the scenario does not adopt {lever} (adopted: {', '.join(active) or 'none'})"
            )
        if parts[2] == "effect":
            return Parameter(name, -1.0, 1.0, 0.0, lever=lever)
        return Parameter(name, 0.0, 10.0, 1.0, low_open=True)
    if len(parts) == 3 and parts[:2] == ["compute", "gpus"]:
        if scenario.compute is None:
            raise ValueError("the scenario has no data cluster (compute)")
        lo, hi = scenario.horizon.start_year, scenario.horizon.end_year
        if not parts[2].isdigit() or not lo <= int(parts[2]) <= hi:
            raise ValueError(f"the year must be one of the horizon's, {lo} to {hi}")
        return Parameter(name, 0.0, 1e7, scenario.compute.gpus_at(int(parts[2])))
    raise ValueError(
        f"unknown parameter {name!r} (allowed: {', '.join(parameter_names(scenario))})"
    )


def _scale_curves(plan: dict[str, Any], m: float) -> None:
    for rule in plan.get("adoption", []):
        curve = rule["curve"]
        if curve.get("bass") is not None:
            curve["bass"]["ceiling"] = min(1.0, curve["bass"]["ceiling"] * m)
        if curve.get("shares") is not None:
            curve["shares"] = {y: min(1.0, s * m) for y, s in curve["shares"].items()}


def _apply(data: dict[str, Any], name: str, value: float) -> None:
    """Set parameter ``name`` to ``value`` in a scenario's dict (effects are not set here)."""
    parts = name.split(".")
    if name == "adoption.ceiling_multiplier":
        for plan in data["levers"].values():
            if plan is not None:
                _scale_curves(plan, value)
    elif parts[0] == "levers" and parts[2] == "ceiling_multiplier":
        _scale_curves(data["levers"][parts[1]], value)
    elif name == "demand_growth.shift":
        rates = data["demand_growth"]["rates"]
        for s in rates:
            rates[s] = rates[s] + value
    elif parts[0] == "demand_growth":
        data["demand_growth"]["rates"][parts[1]] = value
    elif name == "grid_factor_t_per_mwh":
        data["grid_factor_t_per_mwh"]["value"] = value
    elif name == "carbon_price_krw_per_t":
        data["carbon_price_krw_per_t"]["value"] = value
    elif parts[:2] == ["compute", "gpus"]:
        data["compute"]["gpus"]["values"][int(parts[2])] = value


def _order(name: str) -> int:
    """Application order: sector rates before the shift that moves them all."""
    return 1 if name == "demand_growth.shift" else 0


# --- points --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """One variant of the base scenario.

    Attributes
    ----------
    index
        Its number in the study (0, 1, ...).
    params
        Parameter name -> value, as the design gave them.
    scenario
        The base scenario with the non-effect parameters applied (validated).
    effects
        Lever -> effect position t in [-1, 1] (levers not named stay at the scenario level).
    key
        The store key: canonical scenario JSON, effects, settings and inputs' digest.
    """

    index: int
    params: dict[str, float]
    scenario: Scenario
    effects: dict[str, float]
    key: str


def _key(*parts: Any) -> str:
    blob = json.dumps([POINT_FORMAT, *parts], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def build_points(
    base: Scenario,
    designs: Sequence[dict[str, float]],
    settings: RunSettings,
    digest: str,
    source: str = "<study>",
    where: str = "design",
) -> list[Point]:
    """Turn parameter values into validated scenario variants with their store keys.

    Parameters
    ----------
    base
        The base scenario.
    designs
        Per point, parameter name -> value.
    settings
        The run settings (part of each key).
    digest
        The inputs' digest (:func:`twin.scenario_run.data_digest`; part of each key).
    source, where
        File and field named in errors.

    Raises
    ------
    InputError
        If a parameter is unknown, a value is out of its range, or a variant is not a valid
        scenario (e.g. a shifted growth rate beyond its bounds).
    """
    params = {n: checked_parameter(n, base, source, f"{where}.{n}") for d in designs for n in d}
    base_data = base.model_dump()
    points = []
    for i, values in enumerate(designs):
        data = _copy(base_data)
        effects: dict[str, float] = {}
        for name in sorted(values, key=_order):
            value = float(values[name])
            why = params[name].check(value)
            if why:
                raise InputError(source, f"{where}.{name}", why)
            if params[name].is_effect:
                effects[params[name].lever] = value
            else:
                _apply(data, name, value)
        try:
            scenario = parse_scenario(data, source)
        except InputError as exc:
            shown = ", ".join(f"{k}={v:g}" for k, v in values.items())
            raise InputError(
                source,
                where,
                f"point {i} ({shown}) gives an invalid scenario: {exc.field}: {exc.message}",
            ) from None
        key = _key(
            canonical_json(scenario),
            {k: effects[k] for k in sorted(effects)},
            asdict(settings),
            digest,
            __version__,
        )
        points.append(Point(i, {k: float(v) for k, v in values.items()}, scenario, effects, key))
    return points


def _copy(value: Any) -> Any:
    """A deep copy of plain dicts, lists and tuples (faster than ``copy.deepcopy``)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_copy(v) for v in value]
    return value


def checked_parameter(name: str, base: Scenario, source: str, where: str) -> Parameter:
    """:func:`parameter`, with an unknown or inapplicable name as an :class:`InputError`
    naming ``source`` and ``where``."""
    try:
        return parameter(name, base)
    except ValueError as exc:
        raise InputError(source, where, str(exc)) from None
