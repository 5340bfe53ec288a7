"""The data model (see DESIGN.md's glossary for the French names).

Money is stored as integer cents (SQLite would store DECIMAL as REAL); every
``*_cents`` column is an amount in euro cents, never negative. Dates and times are
UTC. The fee rule itself lives in ``occe.fees``; models only carry data and queries.
"""

import json
from datetime import datetime, timezone

from flask_login import UserMixin
from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from . import fees
from .db import db
from .money import from_cents


def utcnow():
    """Return the current UTC time without tzinfo (as stored in the database)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class Association(BaseModel):
    """The departmental association running this install (a single row)."""

    name = CharField(max_length=200)
    address = TextField(default="")
    siret = CharField(max_length=20, default="")
    email = CharField(max_length=200, default="")
    phone = CharField(max_length=40, default="")
    president = CharField(max_length=120, default="")
    insurer = CharField(max_length=200, default="")
    insurance_contract = CharField(max_length=80, default="")

    @classmethod
    def current(cls):
        """Return the association's settings, or an unnamed placeholder."""
        return cls.select().order_by(cls.id).first() or cls(name="OCCE")


class Campaign(BaseModel):
    """One school year, with its tariff (all fees in cents, goods rate in ppm)."""

    name = CharField(max_length=9, unique=True)  # "2026-2027"
    start_year = IntegerField(unique=True)
    is_current = BooleanField(default=False)
    opens_on = DateField(null=True)
    closes_on = DateField(null=True)
    base_fee_cents = IntegerField(default=0)
    pupil_fee_cents = IntegerField(default=0)
    adult_fee_cents = IntegerField(default=0)
    member_insurance_fee_cents = IntegerField(default=0)
    # Parts per million of the declared value: 0,688 % is 6880.
    goods_rate_ppm = IntegerField(default=0)
    goods_included_cents = IntegerField(default=0)
    subscription_name = CharField(max_length=80, default="Animation & Éducation")
    subscription_price_cents = IntegerField(default=0)

    @classmethod
    def current(cls):
        """Return the current campaign, or None before any is set up."""
        return cls.get_or_none(cls.is_current == True)  # noqa: E712

    @property
    def end_year(self):
        return self.start_year + 1

    def tariff(self):
        """Return this campaign's tariff for the fee rule."""
        return fees.Tariff(
            base_fee=from_cents(self.base_fee_cents),
            pupil_fee=from_cents(self.pupil_fee_cents),
            adult_fee=from_cents(self.adult_fee_cents),
            member_insurance_fee=from_cents(self.member_insurance_fee_cents),
            goods_rate=fees.rate_from_ppm(self.goods_rate_ppm),
            goods_included_value=from_cents(self.goods_included_cents),
            subscription_price=from_cents(self.subscription_price_cents),
        )

    def visible_options(self):
        """Return the departmental options the schools see, in display order."""
        return self.options.where(Option.visible == True).order_by(  # noqa: E712
            Option.position, Option.id
        )


class Option(BaseModel):
    """A departmental extra ("Autres options"), visible or hidden by the staff."""

    FLAT, QUANTITY, FREE = fees.FLAT, fees.QUANTITY, fees.FREE_AMOUNT
    KINDS = {FLAT: "Forfait", QUANTITY: "À la quantité", FREE: "Montant libre"}

    campaign = ForeignKeyField(Campaign, backref="options", on_delete="CASCADE")
    label = CharField(max_length=80)
    kind = CharField(max_length=10, choices=list(KINDS.items()))
    price_cents = IntegerField(default=0)  # unused for a free amount
    visible = BooleanField(default=True)
    position = IntegerField(default=0)


class Cooperative(BaseModel):
    """A school cooperative and its mandataire."""

    number = CharField(max_length=20, unique=True)
    school_name = CharField(max_length=120)
    uai = CharField(max_length=8, default="")
    commune = CharField(max_length=80, default="")
    circonscription = CharField(max_length=80, default="")
    email = CharField(max_length=200, default="")
    mandataire_name = CharField(max_length=80, default="")
    mandataire_email = CharField(max_length=200, default="")
    # "Notes personnelles": the school's own, kept across campaigns, never shown to staff.
    private_notes = TextField(default="")
    created_at = DateTimeField(default=utcnow)


class User(UserMixin, BaseModel):
    """An account: a school's (tied to its cooperative), a staff member's or an admin's."""

    SCHOOL, STAFF, ADMIN = "school", "staff", "admin"
    ROLES = {SCHOOL: "École", STAFF: "Gestionnaire", ADMIN: "Administrateur"}

    login = CharField(max_length=60, unique=True)  # case-sensitive
    # The login case-folded: two accounts may not differ by case alone.
    login_key = CharField(max_length=60, unique=True)
    password_hash = CharField(max_length=255)
    role = CharField(max_length=10, choices=list(ROLES.items()))
    cooperative = ForeignKeyField(Cooperative, null=True, backref="users", on_delete="RESTRICT")
    must_change_password = BooleanField(default=False)
    password_changed_at = DateTimeField(default=utcnow)
    disabled = BooleanField(default=False)
    # Bumped when a password changes: the sessions opened before it stop working.
    session_version = IntegerField(default=1)
    created_at = DateTimeField(default=utcnow)
    last_login_at = DateTimeField(null=True)

    def save(self, *args, **kwargs):
        self.login_key = self.login.casefold()
        return super().save(*args, **kwargs)

    def get_id(self):
        """Session token: id and session version, so an old session can be refused."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self):
        return not self.disabled

    @property
    def is_staff(self):
        return self.role in (self.STAFF, self.ADMIN)

    @property
    def is_admin(self):
        return self.role == self.ADMIN


class UserSession(BaseModel):
    """One open session of an account, named by a random key kept in the signed cookie.

    Only the key's SHA-256 is stored. A session is valid while it is neither revoked nor
    idle or older than the configured limits (see ``occe.sessions``); a copied cookie
    stops working as soon as its row is revoked.
    """

    key_hash = CharField(max_length=64, unique=True)
    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow, index=True)
    last_seen_at = DateTimeField(default=utcnow)
    address = CharField(max_length=64, default="")
    user_agent = CharField(max_length=200, default="")
    revoked_at = DateTimeField(null=True)
    # Why it ended: "logout", "password_changed", "disabled", "password_reset", "restore"…
    revoked_reason = CharField(max_length=40, default="")


class LoginThrottle(BaseModel):
    """Failed logins for one identifier, kept in the database so processes share them."""

    login = CharField(max_length=200, unique=True)  # a keyed hash: see auth.throttle_key
    failures = IntegerField(default=0)
    window_started_at = DateTimeField(default=utcnow)
    locked_until = DateTimeField(null=True)


class Membership(BaseModel):
    """One cooperative's membership for one campaign."""

    DRAFT, SCHOOL_VALIDATED, OCCE_VALIDATED = "draft", "school_validated", "occe_validated"
    STATES = {
        DRAFT: "Brouillon",
        SCHOOL_VALIDATED: "Validée par la coopérative",
        OCCE_VALIDATED: "Validée par l'OCCE",
    }

    cooperative = ForeignKeyField(Cooperative, backref="memberships", on_delete="RESTRICT")
    campaign = ForeignKeyField(Campaign, backref="memberships", on_delete="RESTRICT")
    state = CharField(max_length=20, default=DRAFT, choices=list(STATES.items()), index=True)
    declared_value_cents = IntegerField(default=0)
    subscriptions = IntegerField(default=0)
    # Kept equal to the recap of the lines and options (recomputed at every change of a
    # draft, frozen at the school's validation) so lists and totals need no per-row work.
    pupils = IntegerField(default=0)
    adults = IntegerField(default=0)
    total_cents = IntegerField(default=0)
    # The recap frozen at the school's validation, as JSON (see ``fees.Recap.as_dict``).
    snapshot = TextField(null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    school_validated_at = DateTimeField(null=True)
    school_validated_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    occe_validated_at = DateTimeField(null=True)
    occe_validated_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    occe_validation_reason = TextField(default="")

    class Meta:
        indexes = ((("cooperative", "campaign"), True),)

    @property
    def state_label(self):
        return self.STATES[self.state]

    @property
    def is_draft(self):
        return self.state == self.DRAFT

    @classmethod
    def for_campaign(cls, campaign):
        """Return the memberships of ``campaign`` with their cooperatives."""
        return (
            cls.select(cls, Cooperative)
            .join(Cooperative)
            .where(cls.campaign == campaign)
        )

    def frozen_recap(self):
        """Return the recap frozen at the school's validation, or None for a draft."""
        return fees.Recap.from_dict(json.loads(self.snapshot)) if self.snapshot else None


class MembershipLine(BaseModel):
    """One class, or one adult's function, of a membership."""

    membership = ForeignKeyField(Membership, backref="lines", on_delete="CASCADE")
    label = CharField(max_length=60)  # "Classe ou fonction"
    person = CharField(max_length=80)  # "Nom"
    adults = IntegerField(default=0)  # 0..20
    pupils = IntegerField(default=0)  # 0..99
    created_at = DateTimeField(default=utcnow)


class MembershipOption(BaseModel):
    """A departmental option chosen by a membership."""

    membership = ForeignKeyField(Membership, backref="chosen_options", on_delete="CASCADE")
    option = ForeignKeyField(Option, backref="choices", on_delete="CASCADE")
    quantity = IntegerField(default=0)  # flat: 0 or 1; quantity: how many
    amount_cents = IntegerField(default=0)  # free amount only

    class Meta:
        indexes = ((("membership", "option"), True),)


class DocumentReceipt(BaseModel):
    """A document the association received from the school."""

    ENGAGEMENT, CHANGEMENT = "engagement", "changement"
    KINDS = {ENGAGEMENT: "Engagement du mandataire", CHANGEMENT: "Changement de mandataire"}

    membership = ForeignKeyField(Membership, backref="receipts", on_delete="CASCADE")
    kind = CharField(max_length=12, choices=list(KINDS.items()))
    received_on = DateField()
    recorded_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    recorded_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("membership", "kind"), True),)


class Payment(BaseModel):
    """A payment received for a membership; cancelled payments stay, with a reason."""

    MODES = {"cheque": "Chèque", "virement": "Virement", "prelevement": "Prélèvement"}

    membership = ForeignKeyField(Membership, backref="payments", on_delete="CASCADE")
    amount_cents = IntegerField()  # > 0
    mode = CharField(max_length=12, choices=list(MODES.items()))
    paid_on = DateField()
    reference = CharField(max_length=80, default="")
    recorded_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    recorded_at = DateTimeField(default=utcnow)
    cancelled_at = DateTimeField(null=True)
    cancelled_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    cancel_reason = TextField(default="")

    @property
    def mode_label(self):
        return self.MODES[self.mode]


class AuditEvent(BaseModel):
    """Who did what, when, from where: every state change and staff action."""

    at = DateTimeField(default=utcnow, index=True)
    user = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    login = CharField(max_length=200, default="")  # kept when the account goes
    cooperative = ForeignKeyField(Cooperative, null=True, backref="+", on_delete="SET NULL")
    membership = ForeignKeyField(Membership, null=True, backref="events", on_delete="SET NULL")
    action = CharField(max_length=40, index=True)
    detail = TextField(default="")
    address = CharField(max_length=64, default="")


class SchemaVersion(BaseModel):
    """The schema version this database has been migrated to (a single row)."""

    version = IntegerField()


ALL_MODELS = [
    Association,
    Campaign,
    Option,
    Cooperative,
    User,
    UserSession,
    LoginThrottle,
    Membership,
    MembershipLine,
    MembershipOption,
    DocumentReceipt,
    Payment,
    AuditEvent,
    SchemaVersion,
]
