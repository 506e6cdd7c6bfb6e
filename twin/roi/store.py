"""The store of company ROI results (``.cache/roi``): a repeat with the same inputs is served.

An entry's key is the hash of everything a result depends on: the line's spec (canonical
JSON), the chosen levers and their files (and predictive maintenance's, whose wear-driven
form every run uses), the tariff, every setting, the seed, and the digest of the data and the
model's code (:func:`twin.scenario_run.data_digest`), so an edited input file or a new version
of the code is never served an old result. The number of worker processes is not in it:
results do not depend on it. Entries are written atomically (a crash or Ctrl-C never leaves a
half-written one); a damaged entry is recomputed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from twin.config.factory import FactorySpec
from twin.config.lever import LeverSpec
from twin.config.loader import canonical_json
from twin.config.tariff import Tariff
from twin.roi.results import RoiResult
from twin.scenario_run import _key, _load, _store, data_digest

#: The store's folder under the cache (``GUMI_TWIN_CACHE`` or ``.cache``).
KIND = "roi"
#: Bumped whenever what a stored ROI result holds changes.
ROI_FORMAT = 1


def result_key(
    spec: FactorySpec,
    names: tuple[str, ...],
    lever_specs: Mapping[str, LeverSpec],
    tariff: Tariff,
    settings: Mapping[str, Any],
) -> str:
    """The store key of a company ROI (see the module doc)."""
    used = sorted({*names, "predictive_maintenance"} & set(lever_specs))
    return _key(
        KIND,
        ROI_FORMAT,
        data_digest(),
        canonical_json(spec),
        list(names),
        {n: canonical_json(lever_specs[n]) for n in used},
        canonical_json(tariff),
        dict(settings),
    )


def load_result(key: str) -> RoiResult | None:
    """The stored result under ``key``, or ``None`` (missing or damaged)."""
    got = _load(KIND, key)
    return got if isinstance(got, RoiResult) else None


def store_result(key: str, result: RoiResult) -> None:
    """Store ``result`` under ``key`` atomically."""
    _store(KIND, key, result)
