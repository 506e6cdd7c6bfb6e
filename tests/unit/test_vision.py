"""AI vision inspection: part features, the classifier, the in-loop policy, the lever file."""

from pathlib import Path

import numpy as np
import pytest

from twin.ai import vision
from twin.config import parse_factory_spec
from twin.config.lever import load_lever
from twin.core.streams import stream

LEVER = Path(__file__).resolve().parents[2] / "data" / "levers" / "vision_qc.yaml"


@pytest.fixture(scope="module")
def model():
    return vision.train(5.0, 0.01, 1)


def test_part_features_shift_defective_parts_only():
    n = 40_000
    good = vision.part_features(stream(1, "f"), np.zeros(n, bool), 4.0)
    bad = vision.part_features(stream(1, "f"), np.ones(n, bool), 4.0)
    assert good.shape == bad.shape == (n, vision.N_FEATURES)
    np.testing.assert_allclose(good.mean(axis=0), 0.0, atol=0.03)
    # unit noise plus the shared lighting factor
    np.testing.assert_allclose(good.var(axis=0), 1 + vision.LIGHTING**2, rtol=0.05)
    share = dict(vision.DEFECT_TYPES)
    assert bad[:, 0].mean() == pytest.approx(4.0 * share["excess"], abs=0.05)
    assert bad[:, 2].mean() == pytest.approx(-4.0 * share["missing"], abs=0.05)
    assert abs(bad[:, 4].mean()) < 0.05  # misalignment of either sign
    assert bad[:, 6].var() > 1.5 * good[:, 6].var()  # contamination widens the spread
    np.testing.assert_allclose(bad[:, 10:].var(axis=0), 1 + vision.LIGHTING**2, rtol=0.05)


def test_part_features_are_reproducible_from_the_stream():
    y = np.arange(100) % 3 == 0
    a = vision.part_features(stream(2, "x"), y, 3.0)
    b = vision.part_features(stream(2, "x"), y, 3.0)
    c = vision.part_features(stream(3, "x"), y, 3.0)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_training_is_deterministic_and_meets_the_false_reject_target(model):
    again = vision.train(5.0, 0.01, 1)
    assert again == model
    assert model.false_reject_rate == pytest.approx(0.01, abs=0.003)
    assert 0.93 < model.detection_rate < 0.99
    assert model.auc > 0.99
    assert len(model.good_flags) == len(model.defect_flags) == vision.TABLE_SIZE
    # the in-loop tables are the test parts' decisions: their rates are the measured ones
    assert np.mean(model.defect_flags) == pytest.approx(model.detection_rate, abs=0.01)
    assert np.mean(model.good_flags) == pytest.approx(model.false_reject_rate, abs=0.003)


def test_more_separable_defects_give_a_better_model(model):
    weak = vision.train(3.0, 0.01, 1)
    assert weak.auc < model.auc
    assert weak.detection_rate < model.detection_rate - 0.1
    assert weak.false_reject_rate == pytest.approx(0.01, abs=0.003)


def test_policy_decides_with_the_table_at_its_stations(model):
    pol = vision.VisionPolicy(model, ["aoi"], assist=False)
    n = vision.TABLE_SIZE
    for u in (0.0, 0.1234567, 0.5, 0.999999):
        i = int((u * 2**20) % 1.0 * n)
        assert pol.inspect("aoi", True, 0.0, 0.0, u) is model.defect_flags[i]
        assert pol.inspect("aoi", False, 1.0, 1.0, u) is model.good_flags[i]
    # other stations keep their own inspection
    assert pol.inspect("test", True, 0.9, 0.0, 0.5) is True
    assert pol.inspect("test", True, 0.9, 0.0, 0.95) is False
    assert pol.inspect("test", False, 0.9, 0.02, 0.01) is True


def test_assist_rejects_when_either_the_ai_or_the_station_flags(model):
    assist = vision.VisionPolicy(model, ["aoi"], assist=True)
    replace = vision.VisionPolicy(model, ["aoi"], assist=False)
    us = stream(4, "u").random(20_000)
    for defective, d, f in ((True, 0.77, 0.02), (False, 0.77, 0.02)):
        a = np.array([assist.inspect("aoi", defective, d, f, u) for u in us])
        r = np.array([replace.inspect("aoi", defective, d, f, u) for u in us])
        human = us < (d if defective else f)
        np.testing.assert_array_equal(a, r | human)
        # the AI's decisions are independent of the human check (low-order bits of u)
        p_ai, p_h = r.mean(), human.mean()
        assert a.mean() == pytest.approx(1 - (1 - p_ai) * (1 - p_h), abs=0.01)


def test_lever_file_validates_and_apply_keeps_the_spec():
    lever = load_lever(LEVER)
    assert lever.name == "vision_qc"
    assert lever.value("assist", "typical") == 1
    spec = parse_factory_spec(
        {
            "source": {"interarrival_min": {"dist": "constant", "value": 1}},
            "stations": [
                {
                    "name": "make",
                    "process_time_min": {"dist": "constant", "value": 0.5},
                    "defect_rate": 0.05,
                },
                {
                    "name": "check",
                    "process_time_min": {"dist": "constant", "value": 0.5},
                    "inspection": {"detection_rate": 0.77, "false_reject_rate": 0.02},
                },
            ],
        }
    )
    out = vision.apply(spec, lever, "typical", 1)
    assert out.name == "vision_qc" and out.spec == spec
    assert out.policy.stations == {"check"} and out.policy.assist
    q = out.quality
    assert q["human_detection_rate"] == 0.77 and q["human_false_reject_rate"] == 0.02
    assert q["detection_rate"] == pytest.approx(1 - (1 - q["ai_detection_rate"]) * 0.23)
    assert q["detection_rate"] > q["human_detection_rate"]
    assert 0 < q["auc"] <= 1
    high = vision.apply(spec, lever, "high", 1)
    assert not high.policy.assist
    assert high.quality["false_reject_rate"] == high.quality["ai_false_reject_rate"] < 0.02
    no_inspection = parse_factory_spec(
        {
            "source": {"interarrival_min": {"dist": "constant", "value": 1}},
            "stations": [{"name": "a", "process_time_min": {"dist": "constant", "value": 0.5}}],
        }
    )
    assert vision.apply(no_inspection, lever, "typical", 1).policy is None


def test_ai_is_deployed_only_where_it_lowers_the_cost_per_part():
    """Closed form: cost = p (1 - d) E + (1 - p) f R. With no defects reaching the station
    the AI can only add false rejects, so it is not deployed; with 5 % defects it pays."""
    assert vision.inspection_cost(0.05, 0.77, 0.02, 3.0, 1.0) == pytest.approx(
        0.05 * 0.23 * 3.0 + 0.95 * 0.02
    )
    lever = load_lever(LEVER)

    def line(defect_rate):
        return parse_factory_spec(
            {
                "source": {"interarrival_min": {"dist": "constant", "value": 1}},
                "stations": [
                    {
                        "name": "make",
                        "process_time_min": {"dist": "constant", "value": 0.5},
                        "defect_rate": defect_rate,
                    },
                    {
                        "name": "check",
                        "process_time_min": {"dist": "constant", "value": 0.5},
                        "inspection": {"detection_rate": 0.77, "false_reject_rate": 0.02},
                    },
                ],
            }
        )

    clean = vision.apply(line(0.0), lever, "typical", 1)
    assert clean.policy is None and clean.quality["deployed_stations"] == 0
    assert clean.quality["cost_per_part_change[check]"] > 0
    dirty = vision.apply(line(0.05), lever, "typical", 1)
    assert dirty.policy.stations == {"check"}
    assert dirty.quality["cost_per_part_change[check]"] < 0
