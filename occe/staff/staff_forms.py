"""Forms of the staff's settings: cooperatives, accounts, campaigns and their options.

Validation lives here, with French messages that say what to do; the views only
save what a valid form holds.
"""

import re
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from .. import uai
from ..membership.forms import clean_text
from ..models import Cooperative, Option, User
from ..money import AmountError, parse_euros, to_cents

class OneLineForm(FlaskForm):
    """A form whose one-line text fields drop control characters and surrounding spaces,
    as the school's line form does: they would end up in PDFs and CSV exports."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(
                    field_class, (TextAreaField, PasswordField)):
                options["filters"] = [*unbound_field.kwargs.get("filters", ()), _one_line]
            return unbound_field.bind(form=form, **options)


def _one_line(value):
    return clean_text(value) if isinstance(value, str) else value


# Logins are typed by teachers from a printed letter: letters, digits and . _ -
LOGIN_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{2,59}")


def uai_problem(value):
    """Return a French message saying what is wrong with a UAI, or None (empty is allowed)."""
    value = (value or "").strip().upper()
    if not value:
        return None
    if not re.fullmatch(r"\d{7}[A-Z]", value):
        return "L'UAI compte sept chiffres suivis d'une lettre, par exemple 0990001N."
    expected = uai.check_letter(value[:7])
    if value[7] != expected:
        return (
            f"La lettre de contrôle de l'UAI {value[:7]} est « {expected} », pas « {value[7]} » : "
            f"vérifiez l'UAI ({value[:7]}{expected})."
        )
    return None


def email_problem(value):
    """Return a French message if ``value`` is not an email address, or None (empty is allowed)."""
    if value and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        return "Indiquez une adresse électronique valide, par exemple prenom.nom@ac-exemple.fr."
    return None


def parse_percent(text):
    """Read a rate typed as a percentage (``0,688``) into parts per million (6880).

    Up to four decimals of a percent, so the ppm is always a whole number.
    """
    cleaned = re.sub(r"[\s\u00a0\u202f%]+", "", text or "").replace(",", ".")
    if cleaned == "":
        return 0
    if not re.fullmatch(r"\d{1,3}(\.\d{1,4})?", cleaned):
        raise AmountError(
            "Indiquez un pourcentage avec au plus quatre décimales, par exemple 0,688."
        )
    try:
        percent = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern rules it out
        raise AmountError("Indiquez un pourcentage, par exemple 0,688.")
    if percent > 100:
        raise AmountError("Le taux ne peut pas dépasser 100 %.")
    return int(percent * 10_000)


def format_percent(ppm):
    """Show parts per million as the percentage a person types: 6880 → ``0,688``."""
    text = f"{Decimal(ppm) / Decimal(10_000):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def format_amount(cents):
    """Show cents as the amount a person types: 2050 → ``20,50``."""
    return f"{cents // 100},{cents % 100:02d}"


class EurosField(StringField):
    """An amount typed in euros with a decimal comma; ``cents`` holds the parsed value."""

    cents = None

    def pre_validate(self, form):
        try:
            self.cents = to_cents(parse_euros(self.data))
        except AmountError as error:
            raise ValidationError(str(error))


class CooperativeForm(OneLineForm):
    number = StringField("N° de coopérative", validators=[
        DataRequired("Indiquez le numéro de la coopérative."), Length(max=20, message="20 caractères au plus.")])
    school_name = StringField("École", validators=[
        DataRequired("Indiquez le nom de l'école."), Length(max=120, message="120 caractères au plus.")])
    uai = StringField("UAI", validators=[
        Optional(),
        Length(max=8, message="L'UAI compte 7 chiffres et une lettre, par exemple 0990001N."),
    ])
    commune = StringField("Commune", validators=[Length(max=80, message="80 caractères au plus.")])
    circonscription = StringField("Circonscription", validators=[
        Length(max=80, message="80 caractères au plus.")])
    email = StringField("Adresse électronique de l'école", validators=[
        Length(max=200, message="200 caractères au plus.")])
    mandataire_name = StringField("Mandataire", validators=[
        Length(max=80, message="80 caractères au plus.")])
    mandataire_email = StringField("Adresse électronique du mandataire", validators=[
        Length(max=200, message="200 caractères au plus.")])

    def validate_uai(self, field):
        field.data = (field.data or "").strip().upper()
        problem = uai_problem(field.data)
        if problem:
            raise ValidationError(problem)

    def validate_email(self, field):
        if problem := email_problem(field.data):
            raise ValidationError(problem)

    def validate_mandataire_email(self, field):
        if problem := email_problem(field.data):
            raise ValidationError(problem)

    def fill(self, cooperative):
        """Copy the form's values into ``cooperative`` (not saved)."""
        for name in ("number", "school_name", "uai", "commune", "circonscription",
                     "email", "mandataire_name", "mandataire_email"):
            setattr(cooperative, name, (getattr(self, name).data or "").strip())


class ImportForm(FlaskForm):
    file = FileField("Fichier CSV des coopératives")


class AccountForm(OneLineForm):
    login = StringField("Identifiant", validators=[InputRequired("Choisissez un identifiant.")])
    role = SelectField("Rôle", default=User.SCHOOL)
    cooperative_number = StringField("N° de coopérative")

    def __init__(self, *args, allowed_roles=(User.SCHOOL,), **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice(r, label) for r, label in User.ROLES.items()
                             if r in allowed_roles]
        self.cooperative = None

    def validate_login(self, field):
        field.data = (field.data or "").strip()
        if not LOGIN_PATTERN.fullmatch(field.data):
            raise ValidationError(
                "L'identifiant compte de 3 à 60 caractères : lettres sans accent, chiffres, "
                "point, tiret ou tiret bas, sans espace (par exemple EcoleJaures)."
            )
        taken = User.get_or_none(User.login_key == field.data.casefold())
        if taken:
            raise ValidationError(login_taken_message(taken.login))

    def validate_cooperative_number(self, field):
        field.data = (field.data or "").strip()
        if self.role.data != User.SCHOOL:
            return
        if not field.data:
            raise ValidationError("Indiquez le numéro de la coopérative de ce compte d'école.")
        self.cooperative = Cooperative.get_or_none(Cooperative.number == field.data)
        if self.cooperative is None:
            raise ValidationError(
                f"Aucune coopérative ne porte le numéro « {field.data} ». "
                "Vérifiez-le dans la liste des coopératives."
            )


def login_taken_message(existing):
    """The French message for an identifier already in use (whatever its case)."""
    return (
        f"L'identifiant « {existing} » est déjà pris (les identifiants ne peuvent pas différer "
        "seulement par les majuscules). Choisissez-en un autre."
    )


BAD_DATE = "Indiquez une date valide (jour, mois, année), par exemple le 1er septembre 2026."


class CampaignForm(OneLineForm):
    opens_on = DateField("Ouverture", validators=[Optional()], invalid_value_message=BAD_DATE)
    closes_on = DateField("Clôture", validators=[Optional()], invalid_value_message=BAD_DATE)
    base_fee = EurosField("Forfait de base par coopérative (€)")
    pupil_fee = EurosField("Adhésion par élève (€)")
    adult_fee = EurosField("Adhésion par adulte (€)")
    member_insurance_fee = EurosField("Assurance par adhérent (€)")
    goods_rate = StringField("Taux de l'assurance des biens (%)")
    goods_included = EurosField("Valeur des biens couverte sans supplément (€)")
    subscription_name = StringField("Nom de l'abonnement", validators=[
        DataRequired("Indiquez le nom de l'abonnement."), Length(max=80, message="80 caractères au plus.")])
    subscription_price = EurosField("Prix d'un abonnement (€)")

    goods_rate_ppm = None
    TARIFF = ("base_fee", "pupil_fee", "adult_fee", "member_insurance_fee",
              "goods_included", "subscription_price")

    def validate_goods_rate(self, field):
        try:
            self.goods_rate_ppm = parse_percent(field.data)
        except AmountError as error:
            raise ValidationError(str(error))

    def validate_closes_on(self, field):
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError("La clôture doit venir après l'ouverture.")

    @classmethod
    def for_campaign(cls, campaign, **kwargs):
        """A form showing ``campaign``'s settings as a person types them."""
        return cls(
            opens_on=campaign.opens_on,
            closes_on=campaign.closes_on,
            base_fee=format_amount(campaign.base_fee_cents),
            pupil_fee=format_amount(campaign.pupil_fee_cents),
            adult_fee=format_amount(campaign.adult_fee_cents),
            member_insurance_fee=format_amount(campaign.member_insurance_fee_cents),
            goods_rate=format_percent(campaign.goods_rate_ppm),
            goods_included=format_amount(campaign.goods_included_cents),
            subscription_name=campaign.subscription_name,
            subscription_price=format_amount(campaign.subscription_price_cents),
            **kwargs,
        )

    def fill(self, campaign):
        """Copy the settings into ``campaign`` (not saved)."""
        campaign.opens_on = self.opens_on.data
        campaign.closes_on = self.closes_on.data
        for name in self.TARIFF:
            setattr(campaign, f"{name}_cents", getattr(self, name).cents)
        campaign.goods_rate_ppm = self.goods_rate_ppm
        campaign.subscription_name = self.subscription_name.data.strip()


class OptionForm(OneLineForm):
    label = StringField("Libellé", validators=[
        DataRequired("Indiquez le libellé de l'option."), Length(max=80, message="80 caractères au plus.")])
    kind = SelectField("Type", choices=[SelectChoice(k, label) for k, label in Option.KINDS.items()],
                       default=Option.FLAT)
    price = EurosField("Prix (€)")

    def validate_price(self, field):
        if self.kind.data != Option.FREE and not field.cents:
            raise ValidationError("Indiquez le prix de l'option (un montant libre n'en a pas).")

    @classmethod
    def for_option(cls, option, **kwargs):
        return cls(label=option.label, kind=option.kind,
                   price=format_amount(option.price_cents), **kwargs)

    def fill(self, option):
        option.label = self.label.data.strip()
        option.kind = self.kind.data
        option.price_cents = 0 if self.kind.data == Option.FREE else self.price.cents
