"""Euros in and out: integer cents for storage, French text for people.

Display goes through Babel (``1 234,50 €``); parsing accepts what a French user
types (``5000``, ``5 000``, ``5 000,50``, ``5000.50``, with or without ``€``).
"""

import re
from functools import lru_cache
from decimal import Decimal, InvalidOperation

from babel import Locale
from babel.numbers import format_currency, format_decimal

from .fees import CENT, round_cents

LOCALE = "fr_FR"
# Parsed once: Babel would parse the locale's name again at every amount (half its time).
_FRENCH = Locale.parse(LOCALE)
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def from_cents(cents):
    """Return ``cents`` (an int) as Decimal euros."""
    return (Decimal(int(cents)) * CENT).quantize(CENT)


def to_cents(amount):
    """Return Decimal euros as integer cents (rounded half-up to the cent)."""
    return int(round_cents(amount) / CENT)


@lru_cache(maxsize=4096)
def format_euros(amount):
    """Format an amount in euros the French way: ``1 234,50 €``.

    Remembered: a page shows the same fees again and again, and Babel's formatting is
    the costliest step of the recap.
    """
    return format_currency(Decimal(amount), "EUR", locale=_FRENCH)


def format_number(value):
    """Format a count or a decimal the French way: ``1 234``."""
    return format_decimal(value, locale=_FRENCH)


class AmountError(ValueError):
    """Raised with a French message when a typed amount cannot be read."""


def parse_euros(text, maximum=Decimal("10000000")):
    """Read an amount typed by a person; raise ``AmountError`` with a French message."""
    cleaned = _SPACES.sub("", (text or "").replace("€", "")).replace(",", ".")
    if cleaned == "":
        return Decimal("0.00")
    if not re.fullmatch(r"\d+(\.\d{1,2})?", cleaned):
        if re.fullmatch(r"-\d+([.]\d*)?", cleaned):
            raise AmountError("Le montant ne peut pas être négatif.")
        if re.fullmatch(r"\d+\.\d{3,}", cleaned):
            raise AmountError("Indiquez le montant au centime près (deux décimales au plus).")
        raise AmountError("Indiquez un montant en euros, par exemple 5 000 ou 5 000,50.")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern above already rules it out
        raise AmountError("Indiquez un montant en euros, par exemple 5 000 ou 5 000,50.")
    if amount > maximum:
        raise AmountError(f"Le montant ne peut pas dépasser {format_euros(maximum)}.")
    return amount.quantize(CENT)
