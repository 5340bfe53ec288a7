"""The staff's forms on a membership: documents, payments, validation, reopening."""

from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from .. import localtime
from ..models import Membership, Payment
from ..money import AmountError, parse_euros, to_cents
from .staff_forms import OneLineForm


class FrenchDateField(DateField):
    """A date typed as the browser's date picker sends it, or as ``jj/mm/aaaa``."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=["%Y-%m-%d", "%d/%m/%Y"], **kwargs)

    def process_formdata(self, valuelist):
        text = " ".join(valuelist).strip() if valuelist else ""
        if not text:
            # Only spaces: nothing was typed, and InputRequired must say so (not None saved).
            self.raw_data = []
            self.data = None
            return
        for pattern in self.format:
            try:
                self.data = datetime.strptime(text, pattern).date()
                return
            except ValueError:
                continue
        self.data = None
        raise ValueError("Indiquez une date au format jj/mm/aaaa, par exemple 15/10/2026.")


class FrenchSelectField(SelectField):
    """A select whose unknown value is refused in French."""

    def pre_validate(self, form):
        if self.data not in {choice.value for choice in self.choices}:
            raise ValidationError("Choisissez une valeur de la liste.")


def not_in_future(form, field):
    if field.data and field.data > localtime.today():
        raise ValidationError("La date ne peut pas être dans le futur.")


class ReceiptForm(FlaskForm):
    """When a document (named by the URL) was received from the school."""

    received_on = FrenchDateField(
        "Reçu le", validators=[InputRequired("Indiquez la date de réception."), not_in_future],
        default=localtime.today,
    )


class PaymentForm(OneLineForm):
    """A payment received: amount in euros (decimal comma), mode, date, reference."""

    amount = StringField("Montant", validators=[InputRequired("Indiquez le montant reçu.")])
    mode = FrenchSelectField(
        "Mode de règlement",
        choices=[SelectChoice(value, label) for value, label in Payment.MODES.items()],
    )
    paid_on = FrenchDateField(
        "Date", validators=[InputRequired("Indiquez la date du règlement."), not_in_future],
        default=localtime.today,
    )
    reference = StringField(
        "Référence", validators=[Length(max=80, message="80 caractères au plus.")]
    )

    def validate_amount(self, field):
        try:
            amount = parse_euros(field.data)
        except AmountError as error:
            raise ValidationError(str(error))
        if amount <= 0:
            raise ValidationError("Le montant doit être supérieur à zéro.")

    @property
    def amount_cents(self):
        return to_cents(parse_euros(self.amount.data))


class CancelPaymentForm(FlaskForm):
    """Why a payment is cancelled (a bounced cheque, a typing error…)."""

    reason = TextAreaField("Motif de l'annulation", validators=[
        DataRequired("Indiquez pourquoi ce règlement est annulé."),
        Length(max=500, message="500 caractères au plus."),
    ])


class ValidateForm(FlaskForm):
    """The OCCE's validation; the reason is required when the file is not complete."""

    reason = TextAreaField("Motif de la validation", validators=[
        Length(max=500, message="500 caractères au plus."),
    ])


class ReopenForm(FlaskForm):
    """Reopening a validated membership so the school can correct it."""

    # The state the staff member saw: two people reopening at once do it once.
    expected_state = HiddenField()
    reason = TextAreaField("Motif de la réouverture", validators=[
        DataRequired("Indiquez pourquoi l'adhésion est rouverte (ce qui est à corriger)."),
        Length(max=500, message="500 caractères au plus."),
    ])

    def validate_expected_state(self, field):
        if field.data not in (Membership.SCHOOL_VALIDATED, Membership.OCCE_VALIDATED):
            raise ValidationError("Seule une adhésion validée peut être rouverte.")
