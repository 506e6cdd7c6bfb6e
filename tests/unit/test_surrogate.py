"""The sweep surrogate: cross-validated error, fast predictions, out-of-range flags."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import qmc

from twin.surrogate import fit_surrogate, load_surrogate, save_surrogate

PARAMS = ["levers.a.effect", "adoption.ceiling_multiplier"]


def truth(t, m):
    """A smooth response like the twin's: linear in the effect, saturating in the ceiling."""
    return 100.0 + 40.0 * t + 80.0 * (1 - np.exp(-1.5 * m)) + 10.0 * t * m


def _table(n=40, seed=1, noise=0.0):
    u = qmc.LatinHypercube(d=2, rng=np.random.default_rng(seed)).random(n)
    t = -1 + 2 * u[:, 0]
    m = 0.5 + u[:, 1]
    rng = np.random.default_rng(seed + 1)
    rows = []
    for i in range(n):
        for year, scale in ((2030, 0.5), (2032, 1.0)):
            y = scale * truth(t[i], m[i]) + noise * rng.normal()
            rows.append(
                {
                    "point": i,
                    PARAMS[0]: t[i],
                    PARAMS[1]: m[i],
                    "year": year,
                    "kpi": "value_added_krw",
                    "diff": y,
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def fitted():
    return fit_surrogate(
        _table(),
        PARAMS,
        neutral={PARAMS[0]: 0.0, PARAMS[1]: 1.0},
        bounds={PARAMS[0]: (-1.0, 1.0), PARAMS[1]: (0.5, 1.5)},
    )


def test_cross_validated_error_is_reported_and_small_for_a_smooth_response(fitted):
    cv = fitted.cv
    assert set(cv.columns) >= {"kpi", "year", "r2", "rmse", "rmse_share"}
    assert len(cv) == 2 and (cv["r2"] > 0.99).all()
    assert (cv["rmse_share"] < 0.05).all()


def test_cross_validation_does_not_flatter_noise():
    """A target that is pure noise cannot be predicted: its CV R² is near or below zero."""
    t = _table(noise=0.0)
    rng = np.random.default_rng(5)
    t["diff"] = rng.normal(size=len(t))
    s = fit_surrogate(t, PARAMS)
    assert (s.cv["r2"] < 0.3).all()


def test_predictions_match_the_truth_inside_the_range_in_milliseconds(fitted):
    fitted.predict({PARAMS[0]: 0.0, PARAMS[1]: 1.0})  # first call warms caches
    for t, m in [(0.3, 0.9), (-0.7, 1.3), (0.9, 0.6)]:
        p = fitted.predict({PARAMS[0]: t, PARAMS[1]: m})
        assert p.in_range and not p.messages
        assert p.value("value_added_krw", 2032) == pytest.approx(truth(t, m), rel=0.01)
        assert p.value("value_added_krw", 2030) == pytest.approx(0.5 * truth(t, m), rel=0.01)
        assert p.seconds < 0.05


def test_out_of_range_is_flagged_with_the_parameter_and_range(fitted):
    p = fitted.predict({PARAMS[0]: 1.4, PARAMS[1]: 1.0})
    assert not p.in_range
    assert any(PARAMS[0] in m and "[-1, 1]" in m for m in p.messages)
    # The design's range counts as sampled, also where no point lies right at the edge.
    assert fitted.predict({PARAMS[0]: -1.0, PARAMS[1]: 0.5}).in_range


def test_missing_parameters_take_their_neutral_value_and_unknown_ones_are_refused(fitted):
    p = fitted.predict({PARAMS[0]: 0.2})
    assert p.in_range and any("neutral value 1" in m for m in p.messages)
    assert p.value("value_added_krw", 2032) == pytest.approx(truth(0.2, 1.0), rel=0.01)
    with pytest.raises(ValueError, match="unknown parameter 'x'"):
        fitted.predict({"x": 1.0})


def test_a_parameter_that_did_not_vary_is_fixed():
    t = _table()
    t["grid_factor_t_per_mwh"] = 0.4
    s = fit_surrogate(t, [*PARAMS, "grid_factor_t_per_mwh"])
    assert s.parameters == PARAMS and s.fixed == {"grid_factor_t_per_mwh": 0.4}
    p = s.predict({PARAMS[0]: 0.0, PARAMS[1]: 1.0, "grid_factor_t_per_mwh": 0.3})
    assert not p.in_range and "grid_factor_t_per_mwh" in p.messages[0]


def test_save_and_load_round_trip(fitted, tmp_path):
    path = save_surrogate(fitted, tmp_path)
    assert path.name == "surrogate.joblib" and not list(tmp_path.glob("*.tmp"))
    again = load_surrogate(tmp_path)
    q = {PARAMS[0]: 0.1, PARAMS[1]: 1.2}
    pd.testing.assert_frame_equal(again.predict(q).table, fitted.predict(q).table)
    with pytest.raises(FileNotFoundError):
        load_surrogate(tmp_path / "nothing")


def test_too_few_points_is_an_error():
    with pytest.raises(ValueError, match="at least 4"):
        fit_surrogate(_table(n=3), PARAMS)
