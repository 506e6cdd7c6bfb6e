"""Study plumbing: adoption draws remembered across points, and a quiet local Dask cluster."""

import socket
import warnings

import numpy as np
import pandas as pd

from twin import adoption
from twin.core.streams import stream
from twin.execution import DaskRunner

IDS = ["f-001", "f-002", 7, 12, "해성"]
FIRMS = pd.Series(["f-001", "f-002", 7, np.int64(12), "해성"], dtype=object)  # as in a table


def _by_stream(ids, seed, lever):
    """Each firm's threshold drawn directly from its named stream (the definition)."""
    return np.array([stream(seed, "adoption", lever, f).random() for f in ids])


def test_remembered_draws_are_the_named_streams_bit_for_bit():
    expected = _by_stream(IDS, 5, "vision_qc")
    first = adoption.adoption_thresholds(FIRMS, 5, "vision_qc")
    again = adoption.adoption_thresholds(FIRMS, 5, "vision_qc")
    other = adoption.adoption_thresholds(FIRMS, 5, "scheduling")
    reseeded = adoption.adoption_thresholds(FIRMS, 6, "vision_qc")
    np.testing.assert_array_equal(first, expected)
    np.testing.assert_array_equal(again, expected)
    np.testing.assert_array_equal(other, _by_stream(IDS, 5, "scheduling"))
    np.testing.assert_array_equal(reseeded, _by_stream(IDS, 6, "vision_qc"))
    assert not np.array_equal(first, other) and not np.array_equal(first, reseeded)


def test_a_caller_cannot_spoil_the_remembered_draws():
    a = adoption.adoption_thresholds(FIRMS, 1, "scheduling")
    a[:] = 2.0
    b = adoption.adoption_thresholds(FIRMS, 1, "scheduling")
    np.testing.assert_array_equal(b, _by_stream(IDS, 1, "scheduling"))


def test_adoption_years_are_the_same_on_repeated_calls():
    """The public function that uses the draws gives the same years when they are reused."""
    from twin.config.scenario import load_scenario
    from twin.io.paths import repo_root

    scenario = load_scenario(repo_root() / "scenarios" / "gumi-ax-2032.yaml")
    firms = pd.DataFrame(
        {
            "firm_id": [f"x{i}" for i in range(300)],
            "sector": ["electronics", "machinery", "chemicals"] * 100,
            "size_class": ["300+", "50-299", "10-49"] * 100,
            "name": [f"firm {i}" for i in range(300)],
        }
    )
    adoption._thresholds.cache_clear()
    plain = adoption.adoption_years(firms, scenario, "vision_qc", strict_anchors=False)
    again = [
        adoption.adoption_years(firms, scenario, "vision_qc", strict_anchors=False)
        for _ in range(2)
    ]
    assert adoption._thresholds.cache_info().hits >= 2
    assert plain.notna().sum() > 0  # some firms adopt: the comparison means something
    for s in again:
        pd.testing.assert_series_equal(s, plain)


def test_a_local_cluster_says_nothing_when_the_dashboard_port_is_taken(capfd):
    """8787 (Dask's default dashboard port) busy, e.g. with another cluster: no warning."""
    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", 8787))
        holder.listen()
    except OSError:
        pass  # already taken by something else: the same situation
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            runner = DaskRunner(workers=1)
            try:
                assert runner.workers == 1
                assert dict(runner.map(lambda shared, chunk: shared + chunk, 1, [2])) == {0: 3}
            finally:
                runner.close()
    finally:
        holder.close()
    said = [str(w.message) for w in seen] + [capfd.readouterr().err]
    assert not any("already in use" in s for s in said), said
