"""Cash-flow metrics: closed forms worked by hand, independent of the code under test."""

from __future__ import annotations

import math

import numpy as np
import pytest

from twin.economics import (
    CashFlows,
    annuity_factor,
    benefit_cost_ratio,
    discounted_payback_years,
    irr,
    lever_cash_flows,
    npv,
    ramped_benefit,
)

# ---------------------------------------------------------------------------- npv, annuity


def test_npv_at_zero_rate_is_the_sum():
    flows = [-250.0, 40.0, 75.5, 90.0, 120.25]
    assert npv(0.0, flows) == pytest.approx(sum(flows))


def test_npv_discounts_each_year():
    assert npv(0.1, [-100, 55, 60.5]) == pytest.approx(-100 + 55 / 1.1 + 60.5 / 1.21)


def test_npv_of_level_annuity_is_payment_times_annuity_factor():
    rate, years, payment = 0.07, 10, 1234.5
    af = (1 - 1.07**-10) / 0.07  # 7.023582...
    assert annuity_factor(rate, years) == pytest.approx(af)
    assert npv(rate, [0.0] + [payment] * years) == pytest.approx(payment * af)


def test_annuity_factor_at_zero_rate_is_the_number_of_years():
    assert annuity_factor(0.0, 8) == 8.0
    assert annuity_factor(0.05, 0) == 0.0


def test_rate_must_exceed_minus_one():
    with pytest.raises(ValueError, match="greater than -1"):
        npv(-1.0, [1, 2])
    with pytest.raises(ValueError, match="finite"):
        npv(0.1, [1, float("nan")])


# ---------------------------------------------------------------------------- irr


def test_irr_one_year():
    assert irr([-100, 110]) == pytest.approx(0.10, abs=1e-12)


def test_irr_two_years_with_zero_in_between():
    assert irr([-100, 0, 121]) == pytest.approx(0.10, abs=1e-12)


def test_irr_of_an_annuity_priced_at_eight_percent():
    price = (1 - 1.08**-5) / 0.08
    assert irr([-price, 1, 1, 1, 1, 1]) == pytest.approx(0.08, abs=1e-10)


def test_irr_zeroes_npv():
    flows = [-1000, 120, 300, 450, 380, 90]
    r = irr(flows)
    assert r is not None
    assert npv(r, flows) == pytest.approx(0.0, abs=1e-6)


def test_irr_negative_rate():
    # -100 + 90 x = 0 with x = 1 / (1 + r): r = 90/100 - 1 = -0.1
    assert irr([-100, 90]) == pytest.approx(-0.10, abs=1e-12)


@pytest.mark.parametrize("flows", [[-100, -50, -10], [0, 0, 0], [5, 10]])
def test_no_irr_without_a_sign_change(flows):
    assert irr(flows) is None


def test_no_irr_when_ambiguous():
    # -1 + 5x - 6x^2 = 0 has x = 1/2 and 1/3: rates of 100 % and 200 %
    assert npv(1.0, [-1, 5, -6]) == pytest.approx(0.0)
    assert npv(2.0, [-1, 5, -6]) == pytest.approx(0.0)
    assert irr([-1, 5, -6]) is None


# ---------------------------------------------------------------------------- payback


def test_simple_payback_is_exactly_two_years():
    assert discounted_payback_years(0.0, [-100, 50, 50, 50]) == 2.0


def test_discounted_payback_interpolates_within_the_year():
    d1, d2, d3 = 50 / 1.1, 50 / 1.1**2, 50 / 1.1**3
    expected = 2 + (100 - d1 - d2) / d3  # 2.352
    assert discounted_payback_years(0.10, [-100, 50, 50, 50]) == pytest.approx(expected)
    assert expected == pytest.approx(2.352)


def test_half_year_payback():
    assert discounted_payback_years(0.0, [-100, 200]) == 0.5


def test_no_payback_when_all_negative_or_too_small():
    assert discounted_payback_years(0.05, [-100, -10, -10]) is None
    assert discounted_payback_years(0.0, [-100, 30, 30, 30]) is None


def test_nothing_to_pay_back():
    assert discounted_payback_years(0.1, [0, 10, 10]) == 0.0


# ---------------------------------------------------------------------------- bcr


def test_benefit_cost_ratio_closed_form():
    benefits, costs = [0, 60, 60], [100, 0, 0]
    expected = (60 / 1.1 + 60 / 1.21) / 100
    assert benefit_cost_ratio(0.1, benefits, costs) == pytest.approx(expected)
    assert benefit_cost_ratio(0.0, [0, 30, 30, 30], [45, 5, 5, 5]) == pytest.approx(90 / 60)


def test_benefit_cost_ratio_needs_costs():
    with pytest.raises(ValueError, match="positive present value"):
        benefit_cost_ratio(0.1, [0, 10], [0, 0])


# ---------------------------------------------------------------------------- ramp


def test_twelve_month_ramp_halves_year_one():
    assert ramped_benefit(120.0, 12, 3) == pytest.approx([60.0, 120.0, 120.0])


def test_eighteen_month_ramp():
    # rate b*t/1.5 until t = 1.5: year 1 = b/(2*1.5) = b/3;
    # year 2 = b*[(1.5^2 - 1)/(2*1.5) + 0.5] = b*(1.25/3 + 0.5) = 11b/12; year 3 = b
    assert ramped_benefit(1.0, 18, 3) == pytest.approx([1 / 3, 11 / 12, 1.0], abs=1e-15)


def test_six_and_twenty_four_month_ramps():
    # 6 months: year 1 loses half of the ramp's half year = 0.25
    assert ramped_benefit(1.0, 6, 2) == pytest.approx([0.75, 1.0])
    # 24 months: F(1) = 1/4, F(2) = 1 -> years 1/4, 3/4, then 1
    assert ramped_benefit(1.0, 24, 3) == pytest.approx([0.25, 0.75, 1.0])


def test_ramp_loses_half_the_ramp_period_of_benefit():
    for months in (3, 9, 12, 18, 30, 47):
        lost = 10 * 1.0 - ramped_benefit(1.0, months, 10).sum()
        assert lost == pytest.approx(months / 12 / 2)


def test_no_ramp_gives_the_steady_benefit():
    assert ramped_benefit(7.5, 0, 4) == pytest.approx([7.5] * 4)
    assert ramped_benefit(7.5, 12, 0).shape == (0,)


# ---------------------------------------------------------------------------- lever flows


def test_lever_cash_flows_table():
    df = lever_cash_flows(
        capex=1000.0,
        opex_per_year=50.0,
        annual_savings={"energy": 300.0, "scrap": 100.0},
        ramp_months=12,
        years=4,
        carbon_t_per_year=20.0,
        carbon_price_krw_per_t=5.0,
    )
    assert list(df.columns) == [
        "year",
        "capex",
        "opex",
        "energy",
        "scrap",
        "margin",
        "carbon",
        "net",
    ]
    assert list(df["year"]) == [0, 1, 2, 3, 4]
    assert list(df["capex"]) == [1000.0, 0, 0, 0, 0]
    assert list(df["opex"]) == [0, 50.0, 50.0, 50.0, 50.0]
    assert df["energy"].tolist() == pytest.approx([0, 150.0, 300.0, 300.0, 300.0])
    assert df["scrap"].tolist() == pytest.approx([0, 50.0, 100.0, 100.0, 100.0])
    assert df["carbon"].tolist() == pytest.approx([0, 50.0, 100.0, 100.0, 100.0])
    # year 1: -50 + 150 + 50 + 50; later years: -50 + 300 + 100 + 100
    assert df["net"].tolist() == pytest.approx([-1000.0, 200.0, 450.0, 450.0, 450.0])
    assert npv(0.0, df["net"]) == pytest.approx(-1000 + 200 + 3 * 450)


def test_lever_margin_ramps_like_the_savings():
    df = lever_cash_flows(0.0, 0.0, {}, 12, 2, annual_margin_krw=80.0)
    assert df["margin"].tolist() == pytest.approx([0, 40.0, 80.0])
    assert df["net"].tolist() == pytest.approx([0, 40.0, 80.0])


def test_cash_flows_net():
    cf = CashFlows(
        years=2,
        capex=[500, 0, 0],
        opex=[0, 20, 20],
        savings={"energy": [0, 100, 200], "labour": [0, 30, 30]},
        margin=[0, 5, 5],
    )
    assert cf.net() == pytest.approx([-500, 115, 215])
    assert cf.to_frame()["net"].tolist() == pytest.approx([-500, 115, 215])


def test_saving_kinds_may_not_shadow_columns():
    with pytest.raises(ValueError, match="saving kind 'net'"):
        lever_cash_flows(1.0, 0.0, {"net": 5.0}, 0, 2)
    with pytest.raises(ValueError, match="years \\+ 1"):
        CashFlows(years=2, capex=[1, 0], opex=[0, 0, 0])


def test_lever_rejects_negative_costs():
    with pytest.raises(ValueError, match="capex"):
        lever_cash_flows(-1.0, 0.0, {}, 0, 2)
    with pytest.raises(ValueError, match="years"):
        lever_cash_flows(1.0, 0.0, {}, 0, 0)


def test_metrics_of_a_lever_agree():
    df = lever_cash_flows(1000.0, 0.0, {"energy": 400.0}, 0, 5)
    net = df["net"].to_numpy()
    r = irr(net)
    # -1000 + 400 * AF(r, 5) = 0
    assert 400 * annuity_factor(r, 5) == pytest.approx(1000.0)
    assert discounted_payback_years(0.0, net) == 2.5
    assert math.isclose(npv(r, net), 0.0, abs_tol=1e-6)
    assert np.all(np.diff(net[1:]) == 0)
