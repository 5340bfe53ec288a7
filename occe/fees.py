"""The fee rule: tariff and declared figures in, amounts out.

Pure on purpose (no Flask, no Peewee): the membership screen, the documents, the
staff pages and the exports all call it, and its tests hold it to DESIGN.md's
worked example to the cent. Amounts are ``Decimal`` euros; the only rounding,
half-up to the cent, happens in ``round_cents``.
"""

from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# Kinds of departmental option ("Autres options").
FLAT = "flat"  # a fixed price, taken or not
QUANTITY = "quantity"  # a price per unit
FREE_AMOUNT = "free"  # an amount the school chooses, such as a voluntary participation


def round_cents(amount):
    """Round ``amount`` half-up to the cent: the one rounding of the fee rule."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def rate_from_ppm(ppm):
    """Return a rate given in parts per million as a Decimal fraction (6880 → 0.00688)."""
    return Decimal(ppm) / Decimal(1_000_000)


@dataclass(frozen=True)
class Tariff:
    """A campaign's prices, in euros (``goods_rate`` is a fraction: 0,688 % is 0.00688)."""

    base_fee: Decimal
    pupil_fee: Decimal
    adult_fee: Decimal
    member_insurance_fee: Decimal
    goods_rate: Decimal
    goods_included_value: Decimal
    subscription_price: Decimal


@dataclass(frozen=True)
class LineAmounts:
    """What one line (a class or a function) costs."""

    pupils: Decimal
    adults: Decimal
    insurance: Decimal
    total: Decimal


@dataclass(frozen=True)
class OptionChoice:
    """A departmental option with what the school chose for it."""

    label: str
    kind: str
    price: Decimal = ZERO
    quantity: int = 0
    amount: Decimal = ZERO
    visible: bool = True

    def amount_due(self):
        """Return what this option adds to the total (nothing when hidden)."""
        if not self.visible:
            return ZERO
        if self.kind == FLAT:
            return self.price if self.quantity else ZERO
        if self.kind == QUANTITY:
            return self.price * self.quantity
        if self.kind == FREE_AMOUNT:
            return max(Decimal(self.amount), ZERO)
        raise ValueError(f"unknown option kind: {self.kind!r}")


@dataclass(frozen=True)
class Recap:
    """The "Récapitulatif": every item of the fee rule, with the counts behind it."""

    lines: int
    pupils: int
    adults: int
    declared_value: Decimal
    subscriptions: int
    base_fee: Decimal
    pupil_amount: Decimal
    adult_amount: Decimal
    member_insurance: Decimal
    goods_insurance: Decimal
    subscription: Decimal
    options: Decimal
    total: Decimal
    option_items: tuple = field(default=())  # ((label, amount), …) of the counted options

    @property
    def insured(self):
        """Return the number of insured persons (pupils and adults)."""
        return self.pupils + self.adults

    def as_dict(self):
        """Return a JSON-ready dict (amounts as strings), for the frozen snapshot."""
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, Decimal):
                data[key] = str(value)
        data["option_items"] = [[label, str(amount)] for label, amount in self.option_items]
        return data

    @classmethod
    def from_dict(cls, data):
        """Rebuild a recap saved by ``as_dict``."""
        values = dict(data)
        for key in (
            "declared_value", "base_fee", "pupil_amount", "adult_amount",
            "member_insurance", "goods_insurance", "subscription", "options", "total",
        ):
            values[key] = Decimal(values[key])
        values["option_items"] = tuple(
            (label, Decimal(amount)) for label, amount in values.get("option_items", ())
        )
        return cls(**values)


def line_amounts(tariff, adults, pupils):
    """Return the amounts of one line of ``adults`` and ``pupils``."""
    pupil_amount = round_cents(pupils * tariff.pupil_fee)
    adult_amount = round_cents(adults * tariff.adult_fee)
    insurance = round_cents((pupils + adults) * tariff.member_insurance_fee)
    return LineAmounts(pupil_amount, adult_amount, insurance,
                       pupil_amount + adult_amount + insurance)


def goods_insurance(tariff, declared_value):
    """Return the insurance of the goods: the rate on the value above what is included."""
    insured_value = max(ZERO, Decimal(declared_value) - tariff.goods_included_value)
    return round_cents(tariff.goods_rate * insured_value)


def compute_recap(tariff, lines=(), declared_value=ZERO, subscriptions=0, options=()):
    """Apply the fee rule to a membership.

    ``lines`` holds ``(adults, pupils)`` pairs, ``options`` ``OptionChoice`` items;
    hidden options are neither listed nor counted.
    """
    lines = list(lines)
    adults = sum(a for a, _ in lines)
    pupils = sum(p for _, p in lines)
    counted = tuple(
        (choice.label, round_cents(choice.amount_due()))
        for choice in options
        if choice.visible and choice.amount_due() > 0
    )
    items = dict(
        base_fee=round_cents(tariff.base_fee),
        pupil_amount=round_cents(pupils * tariff.pupil_fee),
        adult_amount=round_cents(adults * tariff.adult_fee),
        member_insurance=round_cents((pupils + adults) * tariff.member_insurance_fee),
        goods_insurance=goods_insurance(tariff, declared_value),
        subscription=round_cents(subscriptions * tariff.subscription_price),
        options=sum((amount for _, amount in counted), ZERO),
    )
    return Recap(
        lines=len(lines),
        pupils=pupils,
        adults=adults,
        declared_value=round_cents(declared_value),
        subscriptions=subscriptions,
        total=sum(items.values(), ZERO),
        option_items=counted,
        **items,
    )
