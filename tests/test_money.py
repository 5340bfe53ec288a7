"""Euros typed by people and shown to them."""

from decimal import Decimal as D

import pytest

from occe.money import AmountError, format_euros, from_cents, parse_euros, to_cents


@pytest.mark.parametrize("text, amount", [
    ("5000", D("5000.00")),
    ("5 000", D("5000.00")),
    ("5 000,50", D("5000.50")),
    ("5\u202f000,50", D("5000.50")),
    ("5000.5", D("5000.50")),
    (" 5 000 € ", D("5000.00")),
    ("", D("0.00")),
    ("0", D("0.00")),
])
def test_amounts_typed_the_french_way_are_read(text, amount):
    assert parse_euros(text) == amount


@pytest.mark.parametrize("text, message", [
    ("-5", "ne peut pas être négatif"),
    ("12,345", "au centime près"),
    ("douze", "Indiquez un montant en euros"),
    ("1e5", "Indiquez un montant en euros"),
    ("99999999", "ne peut pas dépasser"),
])
def test_unreadable_amounts_get_a_french_message(text, message):
    with pytest.raises(AmountError, match=message):
        parse_euros(text)


def test_amounts_are_shown_the_french_way():
    assert format_euros(D("1234.5")) == "1\u202f234,50\u00a0€"
    assert format_euros(D("167.20")) == "167,20\u00a0€"


def test_cents_round_trip():
    assert from_cents(22284) == D("222.84")
    assert to_cents(D("222.84")) == 22284
    assert to_cents(from_cents(1)) == 1
