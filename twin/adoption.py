"""Adoption of AI levers: diffusion curves and which firms have adopted by a year.

A scenario (:class:`twin.config.scenario.Scenario`) gives each lever adoption rules: a group
of firms (sectors x size classes) and a curve, the share of the group that has adopted the
lever after the base year, by year (Bass diffusion or explicit shares). This module evaluates
the curves and turns them into firm-level decisions:

- every (firm, lever) gets one uniform threshold ``u`` in [0, 1), drawn from
  ``stream(seed, "adoption", lever, firm_id)``: the firm adopts in the first year in which its
  group's share exceeds ``u``. So the decision is deterministic for a seed, monotone in time (a
  share never falls, so a firm that adopted stays adopted), the same for a firm whatever
  other firms are in the table, and the realised share of a large group is close to the curve
  (each firm adopts with probability equal to the share; the realised share is binomial);
- anchor firms named by the scenario are forced in from their year, in addition to the
  curve (so in groups holding anchors, e.g. large electronics firms, the realised share is
  above the curve);
- firms in no rule's group, and levers the scenario does not adopt, never adopt.

Digital maturity does not change who adopts (a possible refinement); the levers' effects may
depend on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Literal

import numpy as np
import pandas as pd

from twin.config.scenario import (
    LEVER_NAMES,
    AdoptionCurve,
    AdoptionRule,
    BassCurve,
    LeverPlan,
    Scenario,
    check_anchor_names,
    interpolate_years,
)
from twin.core.streams import stream

__all__ = [
    "REQUIRED_COLUMNS",
    "adoption_share",
    "adoption_table",
    "adoption_thresholds",
    "adoption_years",
    "bass_cumulative",
    "firm_adoption",
]

REQUIRED_COLUMNS = ("firm_id", "sector", "size_class")


def bass_cumulative(
    p: float, q: float, ceiling: float, t_years: float | np.ndarray
) -> float | np.ndarray:
    """Cumulative Bass adoption F(t) = ceiling (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}).

    The closed-form solution of dF/dt = (p + q F / ceiling)(ceiling - F) with F(0) = 0 (Bass
    1969, Management Science 15(5):215-227).

    Parameters
    ----------
    p
        Coefficient of innovation (> 0).
    q
        Coefficient of imitation (>= 0).
    ceiling
        Long-run share of the group that adopts, in (0, 1].
    t_years
        Years since the diffusion started (scalar or array); negative times give 0.

    Returns
    -------
    float or numpy.ndarray
        The adopted share at ``t_years`` (a float for a scalar input).
    """
    if not p > 0:
        raise ValueError("p must be positive")
    if not q >= 0:
        raise ValueError("q must not be negative")
    if not 0 < ceiling <= 1:
        raise ValueError("ceiling must lie in (0, 1]")
    t = np.maximum(np.asarray(t_years, dtype=float), 0.0)
    decay = np.exp(-(p + q) * t)
    f = ceiling * (1.0 - decay) / (1.0 + (q / p) * decay)
    return float(f) if f.ndim == 0 else f


def adoption_share(
    rule_or_curve: AdoptionRule | AdoptionCurve | BassCurve | Mapping[int, float], year: float
) -> float:
    """Share of a group that has adopted by ``year``.

    Parameters
    ----------
    rule_or_curve
        An adoption rule, its curve, a Bass curve, or a mapping year -> share (linear between
        the listed years, 0 before the first, flat after the last).
    year
        The year (fractional years allowed).

    Returns
    -------
    float
        The share in [0, 1].
    """
    curve = rule_or_curve.curve if isinstance(rule_or_curve, AdoptionRule) else rule_or_curve
    if isinstance(curve, AdoptionCurve):
        curve = curve.bass if curve.bass is not None else curve.shares or {}
    if isinstance(curve, BassCurve):
        share = bass_cumulative(curve.p, curve.q, curve.ceiling, year - curve.start_year)
    elif isinstance(curve, Mapping):
        share = interpolate_years(curve, year)
    else:
        raise TypeError(f"not an adoption rule or curve: {type(rule_or_curve).__name__}")
    return float(min(max(share, 0.0), 1.0))


def _name_part(firm_id: object) -> str | int:
    if isinstance(firm_id, np.integer):
        firm_id = int(firm_id)
    if isinstance(firm_id, int) and not isinstance(firm_id, bool) and firm_id >= 0:
        return firm_id
    return str(firm_id)


def adoption_thresholds(firm_ids: Iterable[object], seed: int, lever: str) -> np.ndarray:
    """One uniform threshold in [0, 1) per firm for ``lever``.

    Drawn from ``stream(seed, "adoption", lever, firm_id)``: a firm's threshold depends only
    on the seed, the lever and its own id. Creating thousands of named streams is about half
    of a projection's time, and sweeps project the same firms many times, so the draws are
    remembered per (firm ids, seed, lever) in this process: the same numbers as drawing them
    again (a pure function of its arguments, no shared random state); each call returns its
    own copy.
    """
    ids = tuple(_name_part(f) for f in firm_ids)
    return _thresholds(ids, int(seed), str(lever)).copy()


@lru_cache(maxsize=64)
def _thresholds(ids: tuple[str | int, ...], seed: int, lever: str) -> np.ndarray:
    out = np.array([stream(seed, "adoption", lever, f).random() for f in ids], dtype=float)
    out.flags.writeable = False
    return out


def _check_frame(firms: pd.DataFrame, need_name: bool) -> None:
    need = [*REQUIRED_COLUMNS, *(("name",) if need_name else ())]
    missing = [c for c in need if c not in firms.columns]
    if missing:
        raise ValueError(f"firm table lacks column(s): {', '.join(missing)}")
    if firms["firm_id"].duplicated().any():
        dup = firms.loc[firms["firm_id"].duplicated(), "firm_id"].iloc[0]
        raise ValueError(f"firm_id must be unique (repeated: {dup!r})")


def _check_lever(lever: str) -> None:
    if lever not in LEVER_NAMES:
        raise ValueError(f"unknown lever {lever!r} (allowed: {', '.join(LEVER_NAMES)})")


def _rule_index(firms: pd.DataFrame, plan: LeverPlan) -> np.ndarray:
    """Index of the rule covering each firm (-1 if none)."""
    cell_rule = {cell: i for i, rule in enumerate(plan.adoption) for cell in rule.cells()}
    cells = zip(firms["sector"].astype(str), firms["size_class"].astype(str), strict=True)
    return np.array([cell_rule.get(c, -1) for c in cells], dtype=np.int64)


def _curve_shares(plan: LeverPlan, rule_index: np.ndarray, year: float) -> np.ndarray:
    """The curve share of each firm's group in ``year`` (0 outside every rule)."""
    per_rule = np.array([adoption_share(r, year) for r in plan.adoption] + [0.0])
    return per_rule[rule_index]  # index -1 picks the trailing 0


def _forced_years(
    firms: pd.DataFrame, scenario: Scenario, lever: str, strict_anchors: bool
) -> np.ndarray:
    """Year from which each firm is forced to adopt (inf if it is no anchor)."""
    years = scenario.anchor_years(lever)
    if not years:
        return np.full(len(firms), np.inf)
    if strict_anchors:
        unknown = check_anchor_names(scenario, firms["name"])
        unknown = [n for n in unknown if n in years]
        if unknown:
            raise ValueError(
                f"scenario {scenario.name}: anchor firm(s) not in the firm table: "
                + ", ".join(repr(n) for n in unknown)
            )
    return firms["name"].map(years).astype(float).fillna(np.inf).to_numpy()


class _Lever:
    """Everything about one lever that does not change with the year."""

    def __init__(
        self,
        firms: pd.DataFrame,
        scenario: Scenario,
        lever: str,
        seed: int,
        strict_anchors: bool,
    ) -> None:
        _check_lever(lever)
        self.plan = scenario.lever_plans.get(lever)
        n = len(firms)
        if self.plan is None:
            self.thresholds = np.ones(n)
            self.rule_index = np.full(n, -1, dtype=np.int64)
            self.forced = np.full(n, np.inf)
            return
        self.thresholds = adoption_thresholds(firms["firm_id"], seed, lever)
        self.rule_index = _rule_index(firms, self.plan)
        self.forced = _forced_years(firms, scenario, lever, strict_anchors)

    def curve_shares(self, year: float) -> np.ndarray:
        if self.plan is None:
            return np.zeros(len(self.thresholds))
        return _curve_shares(self.plan, self.rule_index, year)

    def adopted(self, year: float) -> np.ndarray:
        if self.plan is None:
            return np.zeros(len(self.thresholds), dtype=bool)
        return (self.thresholds < self.curve_shares(year)) | (self.forced <= year)


def _needs_name(scenario: Scenario, levers: Iterable[str]) -> bool:
    return any(scenario.anchor_years(lever) for lever in levers)


def firm_adoption(
    firms: pd.DataFrame,
    scenario: Scenario,
    lever: str,
    year: float,
    seed: int | None = None,
    *,
    strict_anchors: bool = True,
) -> pd.Series:
    """Which firms have adopted ``lever`` by ``year``.

    Parameters
    ----------
    firms
        One row per firm with columns ``firm_id`` (unique), ``sector``, ``size_class`` and,
        when the scenario names anchors for this lever, ``name``.
    scenario
        The scenario.
    lever
        One of :data:`twin.config.scenario.LEVER_NAMES`.
    year
        The year.
    seed
        Root seed of the adoption draws (default: the scenario's seed).
    strict_anchors
        Raise if an anchor the scenario names for this lever is not in ``firms``.

    Returns
    -------
    pandas.Series
        Boolean, indexed like ``firms``, named ``lever``.

    Raises
    ------
    ValueError
        On an unknown lever, a missing column, repeated firm ids, or (``strict_anchors``) an
        anchor missing from the table.
    """
    _check_lever(lever)
    _check_frame(firms, _needs_name(scenario, [lever]))
    seed = scenario.seed if seed is None else seed
    state = _Lever(firms, scenario, lever, seed, strict_anchors)
    return pd.Series(state.adopted(year), index=firms.index, name=lever, dtype=bool)


def adoption_years(
    firms: pd.DataFrame,
    scenario: Scenario,
    lever: str,
    seed: int | None = None,
    *,
    strict_anchors: bool = True,
) -> pd.Series:
    """The first horizon year in which each firm has adopted ``lever`` (<NA> if never).

    Parameters and errors as :func:`firm_adoption`. Returns a nullable-integer Series indexed
    like ``firms``.
    """
    _check_lever(lever)
    _check_frame(firms, _needs_name(scenario, [lever]))
    seed = scenario.seed if seed is None else seed
    state = _Lever(firms, scenario, lever, seed, strict_anchors)
    first = np.full(len(firms), -1, dtype=np.int64)
    for year in scenario.years:
        new = state.adopted(year) & (first < 0)
        first[new] = year
    out = pd.Series(first, index=firms.index, name=lever).astype("Int64")
    return out.mask(out < 0)


def adoption_table(
    firms: pd.DataFrame,
    scenario: Scenario,
    years: Iterable[int] | None = None,
    seed: int | None = None,
    *,
    by: Literal["firm", "group"] = "firm",
    strict_anchors: bool = True,
) -> pd.DataFrame:
    """Adoption of every lever by every firm (or group) in every year, as a tidy table.

    Parameters
    ----------
    firms
        As for :func:`firm_adoption` (``employees`` is used when ``by="group"``, if present).
    scenario
        The scenario.
    years
        The years (default: the scenario's horizon).
    seed
        Root seed of the adoption draws (default: the scenario's seed).
    by
        ``"firm"``: columns ``year, lever, firm_id, adopted``. ``"group"``: one row per
        (year, lever, sector, size_class) with ``firms``, ``adopters``, ``share`` (realised),
        ``curve_share`` (the rule's share; 0 outside every rule) and, with an ``employees``
        column, ``employees``, ``adopter_employees``, ``employee_share``.
    strict_anchors
        Raise if an anchor the scenario names is not in ``firms``.

    Returns
    -------
    pandas.DataFrame
        Every lever of :data:`~twin.config.scenario.LEVER_NAMES` appears (levers the scenario
        does not adopt with no adopters).
    """
    if by not in ("firm", "group"):
        raise ValueError("by must be 'firm' or 'group'")
    _check_frame(firms, _needs_name(scenario, LEVER_NAMES))
    seed = scenario.seed if seed is None else seed
    years = list(scenario.years if years is None else years)
    states = {lv: _Lever(firms, scenario, lv, seed, strict_anchors) for lv in LEVER_NAMES}
    n = len(firms)
    blocks = []
    for year in years:
        for lever, state in states.items():
            block = {
                "year": np.full(n, year, dtype=np.int64),
                "lever": np.full(n, lever, dtype=object),
                "firm_id": firms["firm_id"].to_numpy(),
                "adopted": state.adopted(year),
            }
            if by == "group":
                block["curve_share"] = state.curve_shares(year)
            blocks.append(block)
    cols = ["year", "lever", "firm_id", "adopted", *(["curve_share"] if by == "group" else [])]
    if not blocks:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    table = pd.DataFrame({c: np.concatenate([b[c] for b in blocks]) for c in cols})
    if by == "firm":
        return table
    reps = len(years) * len(LEVER_NAMES)
    table["sector"] = np.tile(firms["sector"].astype(str).to_numpy(), reps)
    table["size_class"] = np.tile(firms["size_class"].astype(str).to_numpy(), reps)
    has_emp = "employees" in firms.columns
    if has_emp:
        emp = np.tile(firms["employees"].to_numpy(dtype=float), reps)
        table["employees"] = emp
        table["adopter_employees"] = np.where(table["adopted"], emp, 0.0)
    keys = ["year", "lever", "sector", "size_class"]
    agg = {
        "firms": ("adopted", "size"),
        "adopters": ("adopted", "sum"),
        "curve_share": ("curve_share", "first"),
    }
    if has_emp:
        agg |= {
            "employees": ("employees", "sum"),
            "adopter_employees": ("adopter_employees", "sum"),
        }
    out = table.groupby(keys, sort=True, observed=True).agg(**agg).reset_index()
    out["adopters"] = out["adopters"].astype(np.int64)
    out["share"] = out["adopters"] / out["firms"]
    if has_emp:
        share = out["adopter_employees"] / out["employees"].replace(0, np.nan)
        out["employee_share"] = share.fillna(0.0)
    order = [*keys, "firms", "adopters", "share", "curve_share"]
    if has_emp:
        order += ["employees", "adopter_employees", "employee_share"]
    return out[order]
