"""The installed `twin` console script, run as a user would."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TWIN = shutil.which("twin", path=str(Path(sys.executable).parent))


@pytest.fixture(scope="module")
def twin() -> str:
    if TWIN is None:
        pytest.skip("the twin console script is not installed in this environment")
    return TWIN


def test_factory_runs_end_to_end(twin):
    out = subprocess.run(
        [
            twin,
            "factory",
            str(ROOT / "data/factories/smt-line.yaml"),
            "--days",
            "1",
            "--warmup-days",
            "0.5",
            "--replications",
            "2",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    doc = json.loads(out.stdout)
    assert doc["summary"]["good_units"]["mean"] > 0
    assert doc["bottleneck"] in doc["stations"]


def test_bad_spec_is_one_line_no_traceback(twin, tmp_path):
    bad = tmp_path / "line.yaml"
    bad.write_text("source: {interarrival_min: {dist: exponential, mean: 0}}\nstations: []\n")
    out = subprocess.run([twin, "factory", str(bad)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert "line.yaml" in out.stderr and "interarrival_min" in out.stderr
