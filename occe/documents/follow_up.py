"""The school's "Suivi de votre adhésion": each step of a membership with its date."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from peewee import fn

from ..models import DocumentReceipt, Membership, Payment
from ..money import from_cents

DONE, PARTIAL, PENDING = "done", "partial", "pending"


@dataclass(frozen=True)
class Step:
    """One step of the follow-up: what, whether it is done, when, and a detail in French."""

    label: str
    status: str
    on: date | datetime | None = None
    detail: str = ""
    paid: Decimal | None = None  # the payment step only: received of due
    due: Decimal | None = None


def _membership_with_payments(cooperative, campaign):
    """Return the cooperative's membership of ``campaign`` with ``paid_cents`` and
    ``last_paid_on`` (its payments not cancelled), in one query; None if there is none."""
    active = Payment.cancelled_at.is_null() & (Payment.membership == Membership.id)
    paid = Payment.select(fn.COALESCE(fn.SUM(Payment.amount_cents), 0)).where(active)
    last_paid_on = Payment.select(fn.MAX(Payment.paid_on)).where(active)
    membership = (
        Membership.select(Membership, paid.alias("paid_cents"), last_paid_on.alias("last_paid_on"))
        .where((Membership.cooperative == cooperative) & (Membership.campaign == campaign))
        .first()
    )
    if membership is not None:
        # A sub-query's date comes back as text from SQLite: read it as the column would.
        membership.last_paid_on = Payment.paid_on.python_value(membership.last_paid_on)
    return membership


def follow_up(cooperative, campaign):
    """Return ``(membership, steps)`` for the school's home page, in two queries.

    ``membership`` is None when the school has not started this campaign's membership.
    """
    membership = _membership_with_payments(cooperative, campaign) if campaign else None
    if membership is None:
        return None, []
    receipts = list(
        DocumentReceipt.select(DocumentReceipt.kind, DocumentReceipt.received_on)
        .where(DocumentReceipt.membership == membership)
        .order_by(DocumentReceipt.received_on, DocumentReceipt.id)
    )
    return membership, [
        _school_step(membership),
        *_document_steps(receipts),
        _payment_step(membership),
        _occe_step(membership),
    ]


def _school_step(membership):
    if membership.is_draft:
        return Step("Validée par la coopérative", PENDING,
                    detail="Votre adhésion est en brouillon : validez-la depuis l'écran Adhésion.")
    return Step("Validée par la coopérative", DONE, membership.school_validated_at)


def _document_steps(receipts):
    if not receipts:
        return [Step("Engagement du mandataire (ou changement de mandataire) reçu", PENDING,
                     detail="Pas encore reçu par l'OCCE.")]
    return [Step(f"{DocumentReceipt.KINDS[r.kind]} reçu", DONE, r.received_on) for r in receipts]


def _payment_step(membership):
    due = from_cents(membership.total_cents)
    paid = from_cents(membership.paid_cents)
    if membership.paid_cents == 0:
        return Step("Règlement reçu", PENDING, paid=paid, due=due)
    if membership.paid_cents < membership.total_cents:
        return Step("Règlement reçu en partie", PARTIAL, membership.last_paid_on, paid=paid, due=due)
    return Step("Règlement reçu", DONE, membership.last_paid_on, paid=paid, due=due)


def _occe_step(membership):
    if membership.state == Membership.OCCE_VALIDATED:
        return Step("Validée par l'OCCE", DONE, membership.occe_validated_at)
    return Step("Validée par l'OCCE", PENDING,
                detail="Après réception de vos documents et de votre règlement.")
