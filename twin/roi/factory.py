"""The line a company asks about: loading it and the demand that saturates it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from twin.baseline import load_settings
from twin.config.factory import FactorySpec
from twin.config.loader import load_factory_spec
from twin.config.transform import with_utilisation
from twin.core.errors import InputError
from twin.des.results import visit_ratios
from twin.io.paths import archetype_specs


@dataclass(frozen=True)
class Factory:
    """The line a company asks about, at its demand.

    Attributes
    ----------
    spec
        The factory spec with its release rate at the line's demand.
    label
        A short name for reports.
    source
        The file the spec came from.
    archetype
        The archetype's name when the line is one of the complex's archetypes (its calibrated
        utilisation then sets the demand), else ``None``.
    utilisation
        The demand multiplier applied to the spec's release rate (1 for a company's spec).
    """

    spec: FactorySpec
    label: str
    source: str
    archetype: str | None
    utilisation: float


def load_factory(name: str) -> Factory:
    """The line named by an archetype name, an archetype file or a company's own spec file.

    Archetypes (``data/archetypes``) run at their calibrated utilisation
    (``data/calibration.yaml``); a company's spec runs at its own release rate.

    Raises
    ------
    InputError
        If ``name`` is neither an archetype nor a readable, valid spec file (naming the file
        and the field).
    """
    archetypes = archetype_specs()
    path = Path(name)
    if name in archetypes:
        path = archetypes[name]
    elif not path.is_file():
        if path.suffix in (".yaml", ".yml") or os.sep in name or "/" in name:
            raise InputError(name, None, "file not found")
        raise InputError(
            name,
            None,
            "not an archetype or a spec file (archetypes: " + ", ".join(archetypes) + ")",
        )
    spec = load_factory_spec(path)
    arch = None
    for a, p in archetypes.items():
        if p.resolve() == path.resolve():
            arch = a
    if arch is None:
        return Factory(spec, spec.name, str(path), None, 1.0)
    u = float(load_settings().utilisation.get(arch, 1.0))
    return Factory(with_utilisation(spec, u), arch, str(path), arch, u)


#: The capacity runs release at least this multiple of the line's nominal capacity (the
#: bottleneck's processing time per released part, from the pass routes): setups, breakdowns
#: and blocking take capacity the nominal figure does not see.
OVERLOAD = 1.5
#: ... and at least this multiple of the line's demand (the projection's saturation).
MIN_SATURATION = 1.6


def saturating_factor(spec: FactorySpec) -> float:
    """Demand multiplier that saturates ``spec``: ``max(1.6, 1.5 / nominal utilisation)``.

    The nominal utilisation is the design bottleneck's work per released part (visits x mean
    process time / machines) over the mean time between releases. The projection's fixed
    1.6 leaves lines with much spare capacity unsaturated (the SMT-assembly archetype makes
    about 18 % more at 3x its calibrated demand than at 1.6x).
    """
    visits = visit_ratios(spec)
    load = max(visits[st.name] * st.mean_process_time() / st.machines for st in spec.stations)
    nominal = load / spec.source.interarrival_min.mean_value
    return max(MIN_SATURATION, OVERLOAD / nominal) if nominal > 0 else MIN_SATURATION
