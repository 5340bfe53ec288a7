"""Helpers for the staff's tests: memberships at each stage of their life."""

from datetime import date

from occe.membership import service
from occe.models import DocumentReceipt, Membership, Payment, User, utcnow

from .factories import make_membership, make_user


def make_staff(login="Gestion", role=User.STAFF):
    return make_user(login, role=role)


def validated_by_school(cooperative, campaign, lines, at=None, **fields):
    """A membership the school validated: its recap frozen in the snapshot."""
    membership = make_membership(cooperative, campaign, lines, **fields)
    service.freeze(membership)
    membership.state = Membership.SCHOOL_VALIDATED
    membership.school_validated_at = at or utcnow()
    membership.save()
    return membership


def validated_by_occe(cooperative, campaign, lines, at=None, **fields):
    membership = validated_by_school(cooperative, campaign, lines, at=at, **fields)
    membership.state = Membership.OCCE_VALIDATED
    membership.occe_validated_at = at or utcnow()
    membership.save()
    return membership


def pay(membership, cents, cancelled=False, mode="cheque", paid_on=None, reference=""):
    return Payment.create(
        membership=membership, amount_cents=cents, mode=mode,
        paid_on=paid_on or date(2026, 10, 1), reference=reference,
        cancelled_at=utcnow() if cancelled else None,
        cancel_reason="Chèque sans provision" if cancelled else "",
    )


def receive(membership, kind=DocumentReceipt.ENGAGEMENT, on=None):
    return DocumentReceipt.create(membership=membership, kind=kind,
                                  received_on=on or date(2026, 10, 2))
