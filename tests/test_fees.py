"""The fee rule, held to DESIGN.md's worked example to the cent."""

from decimal import Decimal as D

import pytest

from occe import fees
from occe.fees import FLAT, FREE_AMOUNT, QUANTITY, OptionChoice, compute_recap, line_amounts

DEMO = fees.Tariff(
    base_fee=D("20.00"),
    pupil_fee=D("2.30"),
    adult_fee=D("4.00"),
    member_insurance_fee=D("0.30"),
    goods_rate=fees.rate_from_ppm(6880),
    goods_included_value=D("2000.00"),
    subscription_price=D("25.00"),
)
WORKED_LINES = [(1, 24), (2, 26), (1, 0)]  # CP / Mme Martin, CE1 / M. Durand, ATSEM / Mme Petit
VOLUNTARY = OptionChoice("Participation volontaire", FREE_AMOUNT, amount=D("10.00"))


@pytest.mark.parametrize("adults, pupils, total", [
    (1, 24, D("66.70")),
    (2, 26, D("76.20")),
    (1, 0, D("4.30")),
    (0, 0, D("0.00")),
])
def test_line_totals_of_the_worked_example(adults, pupils, total):
    assert line_amounts(DEMO, adults, pupils).total == total


def test_line_amounts_are_split_by_item():
    amounts = line_amounts(DEMO, adults=1, pupils=24)
    assert (amounts.pupils, amounts.adults, amounts.insurance) == (D("55.20"), D("4.00"), D("7.50"))


def test_worked_example_recap_without_options():
    recap = compute_recap(DEMO, WORKED_LINES)
    assert recap.base_fee == D("20.00")
    assert recap.pupil_amount == D("115.00")
    assert recap.adult_amount == D("16.00")
    assert recap.member_insurance == D("16.20")
    assert recap.goods_insurance == D("0.00")
    assert (recap.pupils, recap.adults, recap.insured, recap.lines) == (50, 4, 54, 3)
    assert recap.total == D("167.20")


def test_worked_example_recap_with_goods_subscription_and_participation():
    recap = compute_recap(DEMO, WORKED_LINES, declared_value=D("5000.00"), subscriptions=1,
                          options=[VOLUNTARY])
    assert recap.goods_insurance == D("20.64")
    assert recap.subscription == D("25.00")
    assert recap.options == D("10.00")
    assert recap.option_items == (("Participation volontaire", D("10.00")),)
    assert recap.total == D("222.84")


def test_no_line_costs_the_base_fee_only():
    recap = compute_recap(DEMO, [])
    assert recap.total == D("20.00")
    assert recap.lines == 0


@pytest.mark.parametrize("declared, expected", [
    (D("0"), D("0.00")),
    (D("1999.99"), D("0.00")),
    (D("2000.00"), D("0.00")),
    (D("2000.73"), D("0.01")),  # 0.73 × 0.00688 = 0.0050224 → rounds up to the cent
    (D("2000.72"), D("0.00")),  # 0.72 × 0.00688 = 0.0049536 → rounds down
    (D("5000.00"), D("20.64")),
    (D("12345.67"), D("71.18")),  # 10345.67 × 0.00688 = 71.1782…
])
def test_goods_insurance_covers_value_above_the_included_amount(declared, expected):
    assert fees.goods_insurance(DEMO, declared) == expected


def test_rounding_is_half_up_to_the_cent():
    assert fees.round_cents(D("0.005")) == D("0.01")
    assert fees.round_cents(D("0.0049")) == D("0.00")
    assert fees.round_cents(D("2.675")) == D("2.68")


@pytest.mark.parametrize("choice, due", [
    (OptionChoice("Fête", FLAT, price=D("15.00"), quantity=1), D("15.00")),
    (OptionChoice("Fête", FLAT, price=D("15.00"), quantity=0), D("0.00")),
    (OptionChoice("Agenda coopératif", QUANTITY, price=D("6.50"), quantity=3), D("19.50")),
    (OptionChoice("Participation volontaire", FREE_AMOUNT, amount=D("12.34")), D("12.34")),
    (OptionChoice("Agenda coopératif", QUANTITY, price=D("6.50"), quantity=3, visible=False),
     D("0.00")),
])
def test_every_option_kind(choice, due):
    recap = compute_recap(DEMO, [], options=[choice])
    assert recap.options == due
    assert recap.total == D("20.00") + due


def test_a_hidden_option_is_neither_listed_nor_counted():
    hidden = OptionChoice("Agenda coopératif", QUANTITY, price=D("6.50"), quantity=2, visible=False)
    recap = compute_recap(DEMO, WORKED_LINES, options=[hidden, VOLUNTARY])
    assert recap.option_items == (("Participation volontaire", D("10.00")),)
    assert recap.total == D("177.20")


def test_recap_survives_a_round_trip_through_its_snapshot():
    recap = compute_recap(DEMO, WORKED_LINES, declared_value=D("5000"), subscriptions=1,
                          options=[VOLUNTARY])
    assert fees.Recap.from_dict(recap.as_dict()) == recap


def test_amounts_are_decimal_never_float():
    recap = compute_recap(DEMO, WORKED_LINES, declared_value=D("5000"))
    assert all(isinstance(getattr(recap, name), D) for name in (
        "base_fee", "pupil_amount", "adult_amount", "member_insurance", "goods_insurance",
        "subscription", "options", "total"))
