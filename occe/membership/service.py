"""A membership's recap, totals and state changes, shared by every area.

The recap of a draft is always recomputed from the database (lines, chosen options,
the campaign's tariff); a validated membership answers with its frozen snapshot, so
a later tariff edit never changes it.
"""

import json

from peewee import fn

from .. import fees
from ..db import db
from ..models import (
    Campaign,
    Membership,
    MembershipLine,
    MembershipOption,
    Option,
    Payment,
    utcnow,
)
from ..money import from_cents, to_cents


class StateError(Exception):
    """Raised, with a French message, when a membership's state forbids an action."""


def membership_for(cooperative, campaign=None):
    """Return the cooperative's membership for ``campaign`` (default: current), creating it."""
    campaign = campaign or Campaign.current()
    membership, _ = Membership.get_or_create(cooperative=cooperative, campaign=campaign)
    return membership


def option_choices(membership):
    """Return ``fees.OptionChoice`` items for every option of the membership's campaign."""
    chosen = {
        c.option_id: c
        for c in MembershipOption.select().where(MembershipOption.membership == membership)
    }
    choices = []
    for option in membership.campaign.options.order_by(Option.position, Option.id):
        choice = chosen.get(option.id)
        choices.append(
            fees.OptionChoice(
                label=option.label,
                kind=option.kind,
                price=from_cents(option.price_cents),
                quantity=choice.quantity if choice else 0,
                amount=from_cents(choice.amount_cents) if choice else fees.ZERO,
                visible=option.visible,
            )
        )
    return choices


def live_recap(membership):
    """Apply the fee rule to what the database holds now for ``membership``."""
    lines = (
        MembershipLine.select(MembershipLine.adults, MembershipLine.pupils)
        .where(MembershipLine.membership == membership)
        .tuples()
    )
    return fees.compute_recap(
        membership.campaign.tariff(),
        lines=lines,
        declared_value=from_cents(membership.declared_value_cents),
        subscriptions=membership.subscriptions,
        options=option_choices(membership),
    )


def recap_for(membership):
    """Return the recap to show: frozen once validated, live while a draft."""
    return membership.frozen_recap() or live_recap(membership)


def refresh_totals(membership):
    """Recompute a draft's stored counts and total from its lines and options."""
    recap = live_recap(membership)
    membership.pupils = recap.pupils
    membership.adults = recap.adults
    membership.total_cents = to_cents(recap.total)
    membership.updated_at = utcnow()
    membership.save()
    return recap


def freeze(membership):
    """Freeze the recap into the snapshot and the stored totals (at the school's validation)."""
    recap = live_recap(membership)
    membership.snapshot = json.dumps(recap.as_dict())
    membership.pupils = recap.pupils
    membership.adults = recap.adults
    membership.total_cents = to_cents(recap.total)
    return recap


def paid_cents(membership):
    """Return the sum of the membership's payments that are not cancelled, in cents."""
    # int(): PostgreSQL's SUM of a bigint would answer a Decimal, SQLite's an int.
    return int(
        Payment.select(fn.COALESCE(fn.SUM(Payment.amount_cents), 0))
        .where((Payment.membership == membership) & Payment.cancelled_at.is_null())
        .scalar()
    )


def refresh_campaign_drafts(campaign):
    """Recompute every draft of ``campaign`` after a tariff change (validated ones stay)."""
    with db.atomic():
        for membership in campaign.memberships.where(Membership.state == Membership.DRAFT):
            refresh_totals(membership)
