"""A membership's recap, totals and state changes, shared by every area.

The recap of a draft is always recomputed from the database (lines, chosen options,
the campaign's tariff); a validated membership answers with its frozen snapshot, so
a later tariff edit never changes it.
"""

import dataclasses
import json

from peewee import JOIN, fn

from .. import audit, fees
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
from ..money import format_euros, from_cents, to_cents
from ..prepared import PreparedSelect


class StateError(Exception):
    """Raised, with a French message, when a membership's state forbids an action."""


class NothingToValidate(StateError):
    """Raised when a school validates a membership that has no line."""


def membership_for(cooperative, campaign=None):
    """Return the cooperative's membership for ``campaign`` (default: current), creating it."""
    campaign = campaign or Campaign.current()
    membership, _ = Membership.get_or_create(cooperative=cooperative, campaign=campaign)
    return membership


def _with_campaign(condition):
    """Build a read of the membership matching ``condition``, with its campaign."""
    return lambda **markers: (Membership.select(Membership, Campaign).join(Campaign)
                              .where(condition(**markers)).limit(1))


# Read at every request of a school's screen, and first in every change of a draft:
# prepared (their SQL text generated once).
_BY_ID = PreparedSelect(
    _with_campaign(lambda membership_id: Membership.id == membership_id), "membership_id"
)
_CURRENT = PreparedSelect(
    _with_campaign(lambda cooperative_id: (Membership.cooperative == cooperative_id)
                   & (Campaign.is_current == True)),  # noqa: E712
    "cooperative_id",
)


def current_membership_of(cooperative):
    """Return the cooperative's membership of the current campaign, with that campaign.

    One query when the membership exists (every request but a school's very first);
    None when no campaign is current.
    """
    membership = _CURRENT.first(cooperative_id=cooperative.id) or _create_current(cooperative)
    if membership is not None:
        membership.cooperative = cooperative  # already loaded with the account
    return membership


def _create_current(cooperative):
    """Create the cooperative's membership of the current campaign; None if there is none."""
    campaign = Campaign.current()
    return membership_for(cooperative, campaign) if campaign is not None else None


# Read at every change of a draft: prepared (its SQL text generated once).
_OPTIONS_WITH_CHOICES = PreparedSelect(
    lambda membership_id, campaign_id: (
        Option.select(Option.label, Option.kind, Option.price_cents, Option.visible,
                      MembershipOption.quantity, MembershipOption.amount_cents)
        .join(MembershipOption, JOIN.LEFT_OUTER,
              on=((MembershipOption.option == Option.id)
                  & (MembershipOption.membership == membership_id)))
        .where(Option.campaign == campaign_id)
        .order_by(Option.position, Option.id)
        .tuples()
    ),
    "membership_id", "campaign_id",
)


def option_choices(membership):
    """Return ``fees.OptionChoice`` items for every option of the membership's campaign.

    One query: the campaign's options, each with the membership's choice if any.
    """
    rows = _OPTIONS_WITH_CHOICES.rows(membership_id=membership.id,
                                      campaign_id=membership.campaign_id)
    return [
        fees.OptionChoice(
            label=label,
            kind=kind,
            price=from_cents(price_cents),
            quantity=quantity or 0,
            amount=from_cents(amount_cents) if amount_cents is not None else fees.ZERO,
            visible=visible,
        )
        for label, kind, price_cents, visible, quantity, amount_cents in rows
    ]


def line_counts(membership):
    """Return the ``(adults, pupils)`` of each of the membership's lines."""
    return list(
        MembershipLine.select(MembershipLine.adults, MembershipLine.pupils)
        .where(MembershipLine.membership == membership)
        .tuples()
    )


def live_recap(membership, lines=None):
    """Apply the fee rule to what the database holds now for ``membership``.

    ``lines``: the ``(adults, pupils)`` of its lines when the caller has them already.
    """
    return fees.compute_recap(
        membership.campaign.tariff(),
        lines=line_counts(membership) if lines is None else lines,
        declared_value=from_cents(membership.declared_value_cents),
        subscriptions=membership.subscriptions,
        options=option_choices(membership),
    )


def recap_for(membership):
    """Return the recap to show: frozen once validated, live while a draft."""
    return membership.frozen_recap() or live_recap(membership)


def refresh_totals(membership, lines=None):
    """Recompute a draft's stored counts and total from its lines and options."""
    recap = live_recap(membership, lines)
    membership.pupils = recap.pupils
    membership.adults = recap.adults
    membership.total_cents = to_cents(recap.total)
    membership.updated_at = utcnow()
    membership.save(only=membership.dirty_fields)  # the totals, and what the caller set
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


# --- Changes made by the school on its draft ------------------------------------------
#
# Every change runs in one transaction that starts by "locking the draft". Write
# transactions run one at a time (SQLite's BEGIN IMMEDIATE; on PostgreSQL the writers'
# advisory lock of occe.db), so the draft read at the start of the transaction stays as
# read until it commits: a change and the school's validation never interleave, and a
# validated membership changes nothing.

LOCKED_MESSAGE = (
    "Votre adhésion a été validée : elle ne peut plus être modifiée. "
    "Pour toute correction, contactez votre OCCE."
)
ALREADY_VALIDATED = "Votre adhésion est déjà validée."
NO_LINE_MESSAGE = "Ajoutez au moins une ligne (une classe ou une fonction) avant de valider."


def lock_draft(membership_id):
    """Return the draft freshly read in this write transaction; StateError otherwise.

    With its campaign, read inside the transaction too: the recap needs the tariff as
    it is now, and the row's amounts after it.
    """
    membership = _checked_draft(_BY_ID.first(membership_id=membership_id))
    if membership is None:
        raise StateError(LOCKED_MESSAGE)
    return membership


def lock_current_draft(cooperative):
    """Like ``lock_draft``, for the cooperative's membership of the current campaign.

    One query on the row-save path (the membership is created the first time); None when
    no campaign is current.
    """
    membership = _checked_draft(_CURRENT.first(cooperative_id=cooperative.id))
    if membership is None:
        created = _create_current(cooperative)
        membership = lock_draft(created.id) if created is not None else None
    return membership


def _checked_draft(membership):
    """Return ``membership`` (or None) read in a write transaction; StateError if validated."""
    assert db.in_transaction(), "a draft is locked inside db.atomic() only"
    if membership is not None and membership.state != Membership.DRAFT:
        raise StateError(LOCKED_MESSAGE)
    return membership


def line_count(membership):
    """Return how many lines the membership has."""
    return MembershipLine.select().where(MembershipLine.membership == membership).count()


def add_line(cooperative, values, max_lines):
    """Add a line to the cooperative's current draft; return ``(line, recap)``.

    ``(None, None)`` at the limit of lines; None when no campaign is current.
    """
    with db.atomic():
        membership = lock_current_draft(cooperative)
        if membership is None:
            return None
        lines = line_counts(membership)  # the limit, then the recap: one read
        if len(lines) >= max_lines:
            return None, None
        line = MembershipLine.create(membership=membership, **values)
        lines.append((line.adults, line.pupils))
        return line, refresh_totals(membership, lines)


def update_line(line, values):
    """Change a line of a draft; return ``(line, recap)``."""
    with db.atomic():
        membership = lock_draft(line.membership_id)
        for name, value in values.items():
            setattr(line, name, value)
        if line.save() != 1:
            raise MembershipLine.DoesNotExist
        return line, refresh_totals(membership)


def delete_line(line):
    """Delete a line of a draft; return the new recap."""
    with db.atomic():
        membership = lock_draft(line.membership_id)
        if line.delete_instance() != 1:
            raise MembershipLine.DoesNotExist
        return refresh_totals(membership)


def save_options(membership, data):
    """Store the declared value, the subscriptions and the chosen visible options."""
    with db.atomic():
        membership = lock_draft(membership.id)
        membership.declared_value_cents = data["declared_value_cents"]
        membership.subscriptions = data["subscriptions"]
        for option_id, (quantity, amount_cents) in data["options"].items():
            (
                MembershipOption.insert(
                    membership=membership, option=option_id,
                    quantity=quantity, amount_cents=amount_cents,
                )
                .on_conflict(
                    conflict_target=[MembershipOption.membership, MembershipOption.option],
                    update={MembershipOption.quantity: quantity,
                            MembershipOption.amount_cents: amount_cents},
                )
                .execute()
            )
        return membership, refresh_totals(membership)


def validate_by_school(membership, user):
    """Validate a draft for good: freeze its recap, record who and when.

    The state changes through ``UPDATE ... WHERE state = 'draft'``: of two validations
    sent at once exactly one changes a row; the other raises StateError.
    """
    with db.atomic():
        try:
            membership = lock_draft(membership.id)
        except StateError:
            raise StateError(ALREADY_VALIDATED) from None
        if line_count(membership) == 0:
            raise NothingToValidate(NO_LINE_MESSAGE)
        freeze(membership)
        now = utcnow()
        changed = (
            Membership.update(
                state=Membership.SCHOOL_VALIDATED,
                snapshot=membership.snapshot,
                pupils=membership.pupils,
                adults=membership.adults,
                total_cents=membership.total_cents,
                school_validated_at=now,
                school_validated_by=user,
                updated_at=now,
            )
            .where((Membership.id == membership.id) & (Membership.state == Membership.DRAFT))
            .execute()
        )
        if changed != 1:
            raise StateError(ALREADY_VALIDATED)
        audit.record("membership_school_validated",
                     f"Total arrêté : {format_euros(from_cents(membership.total_cents))}",
                     user=user, membership=membership)
    return Membership.get_by_id(membership.id)


def line_tariff(membership, recap):
    """Return the unit prices that give each line's amounts, matching ``recap``.

    A draft uses the campaign's tariff. A validated membership's lines must add up to
    its frozen recap even if the tariff changed since: its unit prices are read back
    from the snapshot (each item is a count times a price in cents, so exactly).
    """
    tariff = membership.campaign.tariff()
    if membership.snapshot is None:
        return tariff

    def unit(amount, count, current):
        return (amount / count).quantize(fees.CENT) if count else current

    return dataclasses.replace(
        tariff,
        pupil_fee=unit(recap.pupil_amount, recap.pupils, tariff.pupil_fee),
        adult_fee=unit(recap.adult_amount, recap.adults, tariff.adult_fee),
        member_insurance_fee=unit(recap.member_insurance, recap.insured,
                                  tariff.member_insurance_fee),
    )


def line_rows(lines, tariff):
    """Pair each line with its amounts, computed in Python from already loaded lines."""
    return [(line, fees.line_amounts(tariff, line.adults, line.pupils)) for line in lines]


def lines_with_amounts(membership, recap):
    """Return the ``(line, amounts)`` rows of ``templates/membership/_lines_table.html``.

    One query for the lines; ``recap`` is the membership's (``recap_for``), so the
    lines of a validated membership add up to its frozen total.
    """
    lines = membership.lines.order_by(MembershipLine.id)
    return line_rows(lines, line_tariff(membership, recap))
