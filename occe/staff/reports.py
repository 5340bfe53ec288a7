"""Campaign-wide figures for the staff: dashboard totals, weekly progress, bulk recaps.

Everything here answers for a whole campaign in a fixed number of queries, whatever
the number of cooperatives (a federation may have 30,000): aggregate SQL for the
dashboard, and for the exports one pass over the memberships with the lines' sums,
the chosen options, the payments and the documents loaded in bulk beforehand.
"""

import json
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from peewee import SQL, Case, fn

from .. import fees, localtime
from ..db import is_sqlite
from ..models import (
    Cooperative,
    DocumentReceipt,
    Membership,
    MembershipLine,
    MembershipOption,
    Option,
    Payment,
)
from ..money import from_cents

# The dashboard's states: a draft without any line is counted as not started.
NOT_STARTED = "not_started"
STATE_LABELS = {
    NOT_STARTED: "Non commencée",
    Membership.DRAFT: "Brouillon",
    Membership.SCHOOL_VALIDATED: "Validée par la coopérative",
    Membership.OCCE_VALIDATED: "Validée par l'OCCE",
}
# Longest chart shown: a campaign lasts about three months.
MAX_WEEKS = 53


def has_lines():
    """SQL: whether the membership of the current row has at least one line."""
    return fn.EXISTS(
        MembershipLine.select(SQL("1")).where(MembershipLine.membership == Membership.id)
    )


@dataclass
class StateFigures:
    """The counts and amounts of the memberships in one state."""

    state: str
    memberships: int = 0
    pupils: int = 0
    adults: int = 0
    due_cents: int = 0
    received_cents: int = 0
    outstanding_cents: int = 0  # what remains to pay, membership by membership

    @property
    def label(self):
        return STATE_LABELS[self.state]

    @property
    def insured(self):
        return self.pupils + self.adults


@dataclass
class CampaignFigures:
    """The dashboard's figures: one ``StateFigures`` per state, and the cooperatives."""

    cooperatives: int
    by_state: dict = field(default_factory=dict)

    def __getitem__(self, state):
        return self.by_state[state]

    @property
    def committed(self):
        """The states in which the school has committed to its amount."""
        return [self.by_state[Membership.SCHOOL_VALIDATED], self.by_state[Membership.OCCE_VALIDATED]]

    def _sum(self, name, states):
        return sum(getattr(figures, name) for figures in states)

    @property
    def pupils(self):
        return self._sum("pupils", self.by_state.values())

    @property
    def adults(self):
        return self._sum("adults", self.by_state.values())

    @property
    def insured(self):
        return self.pupils + self.adults

    @property
    def due_cents(self):
        """What the schools that validated owe (drafts may still change)."""
        return self._sum("due_cents", self.committed)

    @property
    def draft_due_cents(self):
        return self.by_state[Membership.DRAFT].due_cents

    @property
    def received_cents(self):
        """Every payment of the campaign that is not cancelled, whatever the state."""
        return self._sum("received_cents", self.by_state.values())

    @property
    def outstanding_cents(self):
        """What the schools that validated still have to pay."""
        return self._sum("outstanding_cents", self.committed)


def campaign_figures(campaign):
    """Return the dashboard's figures for ``campaign`` in two aggregate queries."""
    figures = CampaignFigures(
        cooperatives=Cooperative.select().count(),
        by_state={state: StateFigures(state) for state in STATE_LABELS},
    )
    paid = (
        Payment.select(fn.COALESCE(fn.SUM(Payment.amount_cents), 0))
        .where((Payment.membership == Membership.id) & Payment.cancelled_at.is_null())
    )
    # What each school still owes, never less than nothing: an overpayment by one school
    # does not reduce what the others owe.
    owed = Case(None, [((Membership.total_cents - paid) > 0, Membership.total_cents - paid)], 0)
    rows = (
        Membership.select(
            Membership.state,
            has_lines().alias("started"),
            fn.COUNT(Membership.id),
            fn.COALESCE(fn.SUM(Membership.pupils), 0),
            fn.COALESCE(fn.SUM(Membership.adults), 0),
            fn.COALESCE(fn.SUM(Membership.total_cents), 0),
            fn.COALESCE(fn.SUM(paid), 0),
            fn.COALESCE(fn.SUM(owed), 0),
        )
        .where(Membership.campaign == campaign)
        .group_by(Membership.state, SQL("started"))
        .tuples()
    )
    memberships = 0
    for state, is_started, count, pupils, adults, due, received, outstanding in rows:
        memberships += count
        target = figures[dashboard_state(state, is_started)]
        target.memberships += count
        target.pupils += pupils
        target.adults += adults
        target.due_cents += due
        target.received_cents += received
        target.outstanding_cents += outstanding
    figures[NOT_STARTED].memberships += figures.cooperatives - memberships
    return figures


def dashboard_state(state, is_started):
    """Return the dashboard's state of a membership (an empty draft is "not started")."""
    if state == Membership.DRAFT and not is_started:
        return NOT_STARTED
    return state


@dataclass(frozen=True)
class Week:
    """The validations of one week (starting on a Monday)."""

    monday: date
    school: int
    occe: int


def _quarter_hour(column):
    """SQL: a UTC timestamp column cut to its quarter hour, as ``YYYY-MM-DD HH:MM`` text.

    Every current time zone offset is a multiple of a quarter hour, so each group falls
    on one day of the association's, which the database cannot tell (SQLite knows no
    zones).
    """
    if is_sqlite():
        minutes = fn.strftime("%M", column).cast("INTEGER") / 15 * 15
        return fn.strftime("%Y-%m-%d %H:", column).concat(fn.printf("%02d", minutes))
    quarters = fn.floor(fn.date_part("minute", column) / 15) * SQL("interval '15 minutes'")
    return fn.to_char(fn.date_trunc("hour", column) + quarters, "YYYY-MM-DD HH24:MI")


def monday_of(day):
    """Return the Monday of the week of ``day``."""
    return day - timedelta(days=day.weekday())


def _count_by_week(campaign, column, zone):
    """Return ``{Monday: count}`` of the campaign's memberships by the association's week
    of ``column`` (a UTC timestamp)."""
    rows = (
        Membership.select(_quarter_hour(column), fn.COUNT(Membership.id))
        .where((Membership.campaign == campaign) & column.is_null(False))
        .group_by(SQL("1"))  # PostgreSQL: the SELECT's expression, bound values and all
        .tuples()
    )
    counts = Counter()
    for quarter, count in rows:
        moment = datetime.fromisoformat(quarter)
        counts[monday_of(localtime.local(moment, zone).date())] += count
    return counts


def weekly_validations(campaign, today=None):
    """Return ``Week`` items from the campaign's opening to now (or its close).

    Counts the memberships *currently* validated by the school and by the OCCE, by the
    week of that validation in the association's time zone: a reopened membership leaves
    the chart until validated again.
    """
    zone = localtime.zone()
    school = _count_by_week(campaign, Membership.school_validated_at, zone)
    occe = _count_by_week(campaign, Membership.occe_validated_at, zone)
    today = today or localtime.today()
    end = min(today, campaign.closes_on) if campaign.closes_on else today
    known = list(school) + list(occe)
    first = min([campaign.opens_on or end] + known)
    last = max([end] + known)
    monday = monday_of(first)
    last = max(monday, monday_of(last))
    monday = max(monday, last - timedelta(weeks=MAX_WEEKS - 1))
    weeks = []
    while monday <= last:
        weeks.append(Week(monday, school.get(monday, 0), occe.get(monday, 0)))
        monday += timedelta(weeks=1)
    return weeks


# ---- Per membership, in bulk -------------------------------------------------------


def paid_by_membership(memberships):
    """Return ``{membership id: cents paid}`` (payments not cancelled) for a query or ids."""
    return dict(
        Payment.select(Payment.membership, fn.SUM(Payment.amount_cents))
        .where(Payment.membership.in_(memberships) & Payment.cancelled_at.is_null())
        .group_by(Payment.membership)
        .tuples()
    )


def receipts_by_membership(memberships):
    """Return ``{membership id: {kind: received_on}}`` for a query or a list of ids."""
    receipts = {}
    rows = (
        DocumentReceipt.select(
            DocumentReceipt.membership, DocumentReceipt.kind, DocumentReceipt.received_on
        )
        .where(DocumentReceipt.membership.in_(memberships))
        .tuples()
    )
    for membership_id, kind, received_on in rows:
        receipts.setdefault(membership_id, {})[kind] = received_on
    return receipts


# The columns the exports need of a membership and its cooperative: read as plain rows,
# since building model instances for 30,000 memberships would take most of the time.
REPORT_COLUMNS = (
    Membership.id, Membership.state, Membership.declared_value_cents, Membership.subscriptions,
    Membership.snapshot, Membership.school_validated_at, Membership.occe_validated_at,
    Membership.occe_validation_reason, Cooperative.number, Cooperative.school_name,
    Cooperative.uai, Cooperative.commune, Cooperative.circonscription,
)


@dataclass(frozen=True)
class MembershipReport:
    """One membership with everything the exports show of it (``row`` has the
    ``REPORT_COLUMNS`` as attributes)."""

    row: tuple
    recap: fees.Recap
    paid_cents: int
    receipts: dict

    @property
    def state_label(self):
        return Membership.STATES[self.row.state]

    @property
    def balance(self):
        """What remains to be paid (negative when the school paid too much)."""
        return self.recap.total - from_cents(self.paid_cents)


def _line_sums(campaign):
    """Return ``{draft id: (lines, adults, pupils)}`` for the campaign's drafts."""
    rows = (
        MembershipLine.select(
            MembershipLine.membership,
            fn.COUNT(MembershipLine.id),
            fn.SUM(MembershipLine.adults),
            fn.SUM(MembershipLine.pupils),
        )
        .join(Membership)
        .where((Membership.campaign == campaign) & (Membership.state == Membership.DRAFT))
        .group_by(MembershipLine.membership)
        .tuples()
    )
    return {membership_id: (count, adults, pupils) for membership_id, count, adults, pupils in rows}


def _chosen_options(campaign):
    """Return ``{draft id: {option id: MembershipOption}}`` for the campaign's drafts."""
    chosen = {}
    rows = (
        MembershipOption.select(MembershipOption)
        .join(Membership)
        .where((Membership.campaign == campaign) & (Membership.state == Membership.DRAFT))
    )
    for choice in rows:
        chosen.setdefault(choice.membership_id, {})[choice.option_id] = choice
    return chosen


def _draft_recap(row, tariff, options, line_sums, chosen):
    """Apply the fee rule to a draft from the sums loaded in bulk."""
    count, adults, pupils = line_sums.get(row.id, (0, 0, 0))
    picked = chosen.get(row.id, {})
    # Options nobody chose add nothing: skip building them for most memberships.
    choices = picked and [
        fees.OptionChoice(
            label=option.label,
            kind=option.kind,
            price=from_cents(option.price_cents),
            quantity=picked[option.id].quantity if option.id in picked else 0,
            amount=from_cents(picked[option.id].amount_cents) if option.id in picked else fees.ZERO,
            visible=option.visible,
        )
        for option in options
    ]
    # The fee rule is linear in the head counts: one pair with the sums gives the same
    # amounts as the lines one by one; only the number of lines must be put back.
    recap = fees.compute_recap(
        tariff,
        lines=[(adults, pupils)] if count else [],
        declared_value=from_cents(row.declared_value_cents),
        subscriptions=row.subscriptions,
        options=choices or (),
    )
    return replace(recap, lines=count)


def membership_reports(campaign):
    """Yield a ``MembershipReport`` for every membership of ``campaign``, by number.

    Validated memberships answer with their frozen snapshot, drafts with their live
    recap; six queries in all, and the memberships are streamed, not held in memory.
    """
    tariff = campaign.tariff()
    options = list(campaign.options.order_by(Option.position, Option.id))
    in_campaign = Membership.select(Membership.id).where(Membership.campaign == campaign)
    line_sums = _line_sums(campaign)
    chosen = _chosen_options(campaign)
    paid = paid_by_membership(in_campaign)
    receipts = receipts_by_membership(in_campaign)
    rows = (
        Membership.select(*REPORT_COLUMNS)
        .join(Cooperative)
        .where(Membership.campaign == campaign)
        .order_by(Cooperative.number)
        .namedtuples()
        .iterator()
    )
    for row in rows:
        recap = (
            fees.Recap.from_dict(json.loads(row.snapshot)) if row.snapshot
            else _draft_recap(row, tariff, options, line_sums, chosen)
        )
        yield MembershipReport(
            row=row,
            recap=recap,
            paid_cents=paid.get(row.id, 0),
            receipts=receipts.get(row.id, {}),
        )
