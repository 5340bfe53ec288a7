"""What a school types on the membership screen, read and checked with French messages.

Hand-written rather than WTForms: the line form is rendered once per table row (one
set of ids per row, fields joined to their row's ``<form>``) and the options form has
one field per visible departmental option of the campaign.
"""

import re
from decimal import Decimal

from ..models import Option
from ..money import AmountError, parse_euros, to_cents

MAX_LINES = 100
LABEL_MAX, PERSON_MAX = 60, 80
ADULTS_MAX, PUPILS_MAX = 20, 99
SUBSCRIPTIONS_MAX = 10
OPTION_QUANTITY_MAX = 99
FREE_AMOUNT_MAX = Decimal("100000")

# Control characters cannot be typed in a one-line field; PostgreSQL refuses NUL.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

LINE_FIELDS = ("label", "person", "adults", "pupils")
MESSAGES = {
    "label_missing": "Indiquez la classe ou la fonction.",
    "label_long": f"La classe ou la fonction ne doit pas dépasser {LABEL_MAX} caractères.",
    "person_missing": "Indiquez le nom.",
    "person_long": f"Le nom ne doit pas dépasser {PERSON_MAX} caractères.",
    "adults": f"Le nombre d'adultes doit être un entier entre 0 et {ADULTS_MAX}.",
    "pupils": f"Le nombre d'élèves doit être un entier entre 0 et {PUPILS_MAX}.",
    "nobody": "Une ligne doit compter au moins un adulte ou un élève.",
    "too_many": (
        f"Votre adhésion compte déjà {MAX_LINES} lignes, le maximum. "
        "Regroupez des lignes pour en ajouter une."
    ),
    "subscriptions": (
        f"Le nombre d'abonnements doit être un entier entre 0 et {SUBSCRIPTIONS_MAX}."
    ),
    "quantity": f"La quantité doit être un entier entre 0 et {OPTION_QUANTITY_MAX}.",
}


def clean_text(value):
    """Return a typed text without surrounding spaces nor control characters."""
    return _CONTROL.sub("", value or "").strip()


def parse_count(value, maximum):
    """Return the whole number typed in ``value`` (blank is 0), or None if not in 0..maximum."""
    text = (value or "").strip()
    if text == "":
        return 0
    if not re.fullmatch(r"\d{1,4}", text):
        return None
    number = int(text)
    return number if number <= maximum else None


class LineForm:
    """One line of the table: class or function, name, adults, pupils.

    ``raw`` keeps what was typed (shown back when invalid), ``data`` the clean values,
    ``errors`` one French message per field name (``line`` for the whole line).
    """

    def __init__(self, formdata=None, line=None):
        if formdata is not None:
            self.raw = {name: formdata.get(name, "") for name in LINE_FIELDS}
        elif line is not None:
            self.raw = {name: str(getattr(line, name)) for name in LINE_FIELDS}
        else:
            self.raw = dict.fromkeys(LINE_FIELDS, "")
        self.data = {}
        self.errors = {}

    def validate(self):
        """Check every rule; return True when ``data`` can be saved."""
        label, person = clean_text(self.raw["label"]), clean_text(self.raw["person"])
        self.raw.update(label=label, person=person)
        if not label:
            self.errors["label"] = MESSAGES["label_missing"]
        elif len(label) > LABEL_MAX:
            self.errors["label"] = MESSAGES["label_long"]
        if not person:
            self.errors["person"] = MESSAGES["person_missing"]
        elif len(person) > PERSON_MAX:
            self.errors["person"] = MESSAGES["person_long"]
        adults = parse_count(self.raw["adults"], ADULTS_MAX)
        pupils = parse_count(self.raw["pupils"], PUPILS_MAX)
        if adults is None:
            self.errors["adults"] = MESSAGES["adults"]
        if pupils is None:
            self.errors["pupils"] = MESSAGES["pupils"]
        if adults == 0 and pupils == 0:
            self.errors["pupils"] = MESSAGES["nobody"]
        self.data = dict(label=label, person=person, adults=adults, pupils=pupils)
        return not self.errors

    def refuse(self, message):
        """Attach a message about the whole line (such as the line limit)."""
        self.errors["line"] = message


class OptionsForm:
    """The options beside the recap: declared value, subscriptions, visible options.

    Only the campaign's visible options are read: a hidden option posted by hand is
    ignored, so it is neither counted nor stored.
    """

    def __init__(self, membership, options, chosen, formdata=None):
        self.options = list(options)
        if formdata is None:
            self.raw = {
                "declared_value": _amount_text(membership.declared_value_cents),
                "subscriptions": str(membership.subscriptions),
            }
            for option in self.options:
                choice = chosen.get(option.id)
                if option.kind == Option.FREE:
                    self.raw[self.name(option)] = _amount_text(choice.amount_cents if choice else 0)
                else:
                    self.raw[self.name(option)] = str(choice.quantity if choice else 0)
        else:
            names = ["declared_value", "subscriptions"] + [self.name(o) for o in self.options]
            self.raw = {name: formdata.get(name, "") for name in names}
        self.data = {}
        self.errors = {}

    @staticmethod
    def name(option):
        """Return the form field name of a departmental option."""
        return f"option-{option.id}"

    def validate(self):
        """Check every field; return True when ``data`` can be saved."""
        try:
            self.data["declared_value_cents"] = to_cents(parse_euros(self.raw["declared_value"]))
        except AmountError as error:
            self.errors["declared_value"] = str(error)
        subscriptions = parse_count(self.raw["subscriptions"], SUBSCRIPTIONS_MAX)
        if subscriptions is None:
            self.errors["subscriptions"] = MESSAGES["subscriptions"]
        self.data["subscriptions"] = subscriptions
        self.data["options"] = {}
        for option in self.options:
            name = self.name(option)
            value = self.raw[name]
            if option.kind == Option.FREE:
                try:
                    cents = to_cents(parse_euros(value, maximum=FREE_AMOUNT_MAX))
                except AmountError as error:
                    self.errors[name] = str(error)
                    continue
                self.data["options"][option.id] = (0, cents)
            elif option.kind == Option.FLAT:
                self.data["options"][option.id] = (1 if value not in ("", "0") else 0, 0)
            else:
                quantity = parse_count(value, OPTION_QUANTITY_MAX)
                if quantity is None:
                    self.errors[name] = MESSAGES["quantity"]
                    continue
                self.data["options"][option.id] = (quantity, 0)
        return not self.errors


def _amount_text(cents):
    """Show stored cents as a person would type them: ``5 000`` or ``5 000,50``."""
    euros, rest = divmod(int(cents), 100)
    whole = f"{euros:,}".replace(",", "\u202f")
    return f"{whole},{rest:02d}" if rest else whole
