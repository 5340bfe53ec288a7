"""Prepared reads give what Peewee's own query gives, and generate their SQL only once."""

import peewee
import pytest
from peewee import JOIN

from occe.membership import service
from occe.models import Campaign, Membership, MembershipOption, Option
from occe.prepared import PreparedSelect

from .factories import make_campaign, make_cooperative, make_membership

DRAFT_WITH_CAMPAIGN = PreparedSelect(
    lambda cooperative_id: (Membership.select(Membership, Campaign).join(Campaign)
                            .where(Membership.cooperative == cooperative_id)
                            .order_by(Membership.id)),
    "cooperative_id",
)


@pytest.fixture
def two_memberships(app):
    with app.app_context():
        first, second = make_cooperative(), make_cooperative()
        older = make_campaign(start_year=2025, is_current=False)
        current = make_campaign()
        make_membership(first, older, declared_value_cents=100)
        make_membership(first, current, declared_value_cents=250)
        make_membership(second, current, lines=[("CP", "Mme Martin", 1, 24)])
        yield first, second


def test_rows_are_the_models_peewee_would_give_joins_included(app, two_memberships):
    first, _ = two_memberships
    with app.app_context():
        plain = list(Membership.select(Membership, Campaign).join(Campaign)
                     .where(Membership.cooperative == first.id).order_by(Membership.id))
        prepared = list(DRAFT_WITH_CAMPAIGN.rows(cooperative_id=first.id))
    assert [m.__data__ for m in prepared] == [m.__data__ for m in plain]
    assert [m.campaign.__data__ for m in prepared] == [m.campaign.__data__ for m in plain]
    assert [m.campaign.name for m in prepared] == ["2025-2026", "2026-2027"]


def test_each_run_binds_its_own_values(app, two_memberships):
    first, second = two_memberships
    with app.app_context():
        assert DRAFT_WITH_CAMPAIGN.first(cooperative_id=first.id).declared_value_cents == 100
        assert DRAFT_WITH_CAMPAIGN.first(cooperative_id=second.id).cooperative_id == second.id
        assert DRAFT_WITH_CAMPAIGN.first(cooperative_id=-1) is None


def test_the_sql_text_is_generated_once(app, two_memberships, monkeypatch):
    first, _ = two_memberships
    with app.app_context():
        DRAFT_WITH_CAMPAIGN.first(cooperative_id=first.id)
        generated = []
        original = peewee.Context.sql
        monkeypatch.setattr(peewee.Context, "sql",
                            lambda ctx, obj: generated.append(obj) or original(ctx, obj))
        assert DRAFT_WITH_CAMPAIGN.first(cooperative_id=first.id) is not None
    assert generated == []


def test_the_options_read_matches_the_plain_join(app, two_memberships):
    """The recap's prepared read of the options, with tuples and a LEFT JOIN condition."""
    first, _ = two_memberships
    with app.app_context():
        membership = (Membership.select().join(Campaign)
                      .where((Membership.cooperative == first.id) & Campaign.is_current).get())
        option = Option.get((Option.campaign == membership.campaign_id) & Option.visible)
        MembershipOption.create(membership=membership, option=option, quantity=2,
                                amount_cents=2 * option.price_cents)
        plain = list(
            Option.select(Option.label, Option.kind, Option.price_cents, Option.visible,
                          MembershipOption.quantity, MembershipOption.amount_cents)
            .join(MembershipOption, JOIN.LEFT_OUTER,
                  on=((MembershipOption.option == Option.id)
                      & (MembershipOption.membership == membership.id)))
            .where(Option.campaign == membership.campaign_id)
            .order_by(Option.position, Option.id)
            .tuples()
        )
        choices = service.option_choices(membership)
    assert len(plain) == len(choices) > 1
    assert [(c.label, c.kind, c.quantity) for c in choices] == [
        (label, kind, quantity or 0) for label, kind, _, _, quantity, _ in plain
    ]
    assert [c.quantity for c in choices if c.label == option.label] == [2]

