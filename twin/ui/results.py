"""Scenario results for the explorer's pages: from the results store, computed once if absent.

Every page that shows projections (Overview, Map, Compare, the editor's run) gets its
:class:`~twin.scenario_run.ScenarioResult` objects here, so that

- scenarios shown together share one set of run settings (the first scenario's seed, the
  replications the sampled ones need): their differences are paired per replication, and
  the settings are those ``twin run`` uses by default, so a result computed on the command
  line serves the explorer and vice versa;
- a result is computed at most once per server (kept in memory, and in the results store
  on disk for the next start), with a progress bar that counts archetype runs;
- a widget change during a computation stops it (Streamlit reruns the page); runs already
  finished are stored and reused when the page asks again.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

import streamlit as st

from twin.build import load_archetypes
from twin.config.loader import canonical_json
from twin.config.scenario import Scenario, load_scenario
from twin.core.errors import InputError
from twin.io.paths import repo_root
from twin.projection import RunSettings
from twin.scenario_run import ScenarioResult, run_scenario, run_units_count

__all__ = [
    "DEFAULT_COMPARISON",
    "DEFAULT_SCENARIO",
    "Progress",
    "explorer_settings",
    "load_result",
    "load_results",
    "scenario_files",
    "scenario_label",
]

DEFAULT_SCENARIO = "gumi-ax-2032"
DEFAULT_COMPARISON = "baseline"
#: Replications of a scenario without sampled effects (``twin run``'s default).
REPLICATIONS = RunSettings().replications
_MEMO_SIZE = 24


def scenarios_dir() -> Path:
    """The shipped scenarios folder."""
    return repo_root() / "scenarios"


@st.cache_data(ttl=60, show_spinner=False)
def scenario_files() -> dict[str, str]:
    """Shipped scenario files by name (file stem), ``defaults.yaml`` and sweeps excluded."""
    return {p.stem: str(p) for p in sorted(scenarios_dir().glob("*.yaml")) if p.stem != "defaults"}


@st.cache_data(max_entries=64, show_spinner=False)
def _scenario(path: str, mtime: float) -> Scenario:
    del mtime  # part of the cache key: an edited file is read again
    return load_scenario(path)


def scenario(path: str | Path) -> Scenario:
    """The validated scenario in ``path`` (cached until the file changes)."""
    p = Path(path)
    return _scenario(str(p), p.stat().st_mtime)


def scenario_label(name: str) -> str:
    """A scenario's display label: its ``label`` when it has one, else its name."""
    files = scenario_files()
    if name not in files:
        return name
    try:
        label = scenario(files[name]).label
    except InputError:
        return f"{name} (invalid file)"
    return label or name


def explorer_settings(scenarios: Sequence[Scenario]) -> RunSettings:
    """Run settings shared by scenarios shown together.

    The first scenario's seed; replications: the largest of each scenario's own (its
    ``samples`` when its lever effects are sampled, else ``twin run``'s default of 5).
    """
    reps = max(s.uncertainty.samples or REPLICATIONS for s in scenarios)
    return RunSettings(seed=scenarios[0].seed, replications=reps)


class Progress:
    """A progress bar that counts archetype runs (a ``progress`` callback for the runs).

    Parameters
    ----------
    total
        Runs expected (stored runs count as they are read).
    label
        What is being computed, shown above the bar.
    """

    def __init__(self, total: int, label: str) -> None:
        self.total = max(total, 1)
        self.label = label
        self.done = 0
        self.start = time.monotonic()
        self.bar = st.progress(0.0, text=f"{label}: starting ...")

    def __call__(self, text: str) -> None:
        """Count one finished run (``text`` names it)."""
        self.done = min(self.done + 1, self.total)
        share = self.done / self.total
        elapsed = time.monotonic() - self.start
        left = elapsed / share - elapsed if 0 < share < 1 else 0.0
        eta = f", about {left:.0f} s left" if left >= 1 else ""
        self.bar.progress(share, text=f"{self.label}: {self.done}/{self.total} runs{eta} ({text})")

    def close(self) -> None:
        """Remove the bar."""
        self.bar.empty()


@st.cache_resource(show_spinner=False)
def _memo() -> OrderedDict[tuple, ScenarioResult]:
    """Finished results held by this server process (shared by sessions)."""
    return OrderedDict()


def load_result(
    path: str | Path,
    settings: RunSettings,
    *,
    progress: Callable[[str], None] | None = None,
) -> ScenarioResult:
    """One scenario's result: from memory, else the results store, else computed.

    Raises
    ------
    InputError
        When the scenario file is invalid (the message names the file and field).
    """
    spec = scenario(path)
    key = (canonical_json(spec), settings)
    memo = _memo()
    if key in memo:
        memo.move_to_end(key)
        return memo[key]
    bar = None
    if progress is None:
        total = run_units_count(spec, len(load_archetypes()))
        bar = Progress(total, f"Computing '{spec.name}' (once; then stored)")
        progress = bar
    try:
        result = run_scenario(path, settings, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    memo[key] = result
    while len(memo) > _MEMO_SIZE:
        memo.popitem(last=False)
    return result


def load_results(names: Sequence[str]) -> list[ScenarioResult] | None:
    """Results of the named shipped scenarios on shared settings (:func:`explorer_settings`).

    Shows one line in the page and returns ``None`` when a scenario file is invalid.
    """
    files = scenario_files()
    try:
        specs = [scenario(files[n]) for n in names]
        settings = explorer_settings(specs)
        return [load_result(files[n], settings) for n in names]
    except InputError as err:
        st.error(str(err))
        return None
