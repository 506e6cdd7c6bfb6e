"""Process and yield optimisation: lower defect rates at the process stations.

AI process control (parameter optimisation, virtual metrology with run-to-run control, yield
learning) acts on the scrap-and-rework loss pool: the share of parts a process step makes
defective. The lever is a pure spec transform multiplying each process station's
``defect_rate`` by ``1 - defect_rate_reduction`` (the level's value from the lever file).
Inspection stations (their detection and false rejects are the vision lever's pool) and
rework stations are left alone, and so is everything else, so a run with the lever shares
random numbers with one without.
"""

from __future__ import annotations

from twin.ai.lever import AppliedLever
from twin.config.factory import FactorySpec, Station
from twin.config.lever import Level, LeverSpec
from twin.des.results import visit_ratios

__all__ = ["apply", "defects_per_part", "is_process_station", "reduce_defects"]

NAME = "yield_optimisation"


def is_process_station(st: Station) -> bool:
    """A station that makes defects and neither inspects nor reworks."""
    return st.defect_rate > 0 and st.inspection is None and not st.rework


def reduce_defects(spec: FactorySpec, reduction: float) -> FactorySpec:
    """The factory with every process station's defect rate lowered by ``reduction``.

    Parameters
    ----------
    spec
        The factory.
    reduction
        Relative reduction of the defect rate, in [0, 1].
    """
    if not 0.0 <= reduction <= 1.0:
        raise ValueError("reduction must lie in [0, 1]")
    data = spec.model_dump()
    for st, raw in zip(spec.stations, data["stations"], strict=True):
        if is_process_station(st):
            raw["defect_rate"] = st.defect_rate * (1.0 - reduction)
    return FactorySpec.model_validate(data)


def defects_per_part(spec: FactorySpec) -> float:
    """Expected defects made per released part along pass routes (first pass, no rework).

    The sum over process stations of visits per part times defect rate: for small rates,
    about the share of parts that come out of the process steps defective.
    """
    visits = visit_ratios(spec)
    return float(
        sum(visits[s.name] * s.defect_rate for s in spec.stations if is_process_station(s))
    )


def apply(spec: FactorySpec, lever: LeverSpec, level: Level, seed: int) -> AppliedLever:
    """Apply the yield-optimisation lever at ``level``.

    Parameters
    ----------
    spec
        The factory.
    lever
        ``data/levers/yield_optimisation.yaml`` (``defect_rate_reduction``).
    level
        ``"low"``, ``"typical"`` or ``"high"``.
    seed
        Unused: the lever learns nothing inside the simulation (kept for the common
        interface).

    Returns
    -------
    AppliedLever
        ``spec`` with lower defect rates, no policy; ``quality``: ``defect_rate_reduction``,
        ``process_stations`` (how many were changed) and ``defects_per_part_before`` /
        ``_after`` (see :func:`defects_per_part`).
    """
    reduction = lever.value("defect_rate_reduction", level)
    new = reduce_defects(spec, reduction)
    quality = {
        "defect_rate_reduction": reduction,
        "process_stations": float(sum(is_process_station(s) for s in spec.stations)),
        "defects_per_part_before": defects_per_part(spec),
        "defects_per_part_after": defects_per_part(new),
    }
    return AppliedLever(name=NAME, spec=new, policy=None, quality=quality)
