"""Campaign settings (admins): next campaign, dates and tariff, options, the current campaign.
A tariff or option change recalculates drafts and never a validated membership."""

from datetime import date

import pytest

from occe.membership import service
from occe.models import AuditEvent, Campaign, Membership, Option, User

from .factories import WORKED_EXAMPLE_LINES, make_campaign, make_cooperative, make_membership, make_user


@pytest.fixture
def admin(login_as, app):
    return login_as(make_user("AdminOCCE", role=User.ADMIN))


def tariff_form(**fields):
    values = dict(opens_on="2026-09-01", closes_on="2026-11-30", base_fee="20,00",
                  pupil_fee="2,30", adult_fee="4,00", member_insurance_fee="0,30",
                  goods_rate="0,688", goods_included="2 000,00",
                  subscription_name="Animation & Éducation", subscription_price="25,00")
    values.update(fields)
    return values


def validated_membership(campaign):
    membership = make_membership(make_cooperative(), campaign, lines=WORKED_EXAMPLE_LINES)
    service.freeze(membership)
    membership.state = Membership.SCHOOL_VALIDATED
    membership.save()
    return membership


def test_settings_page_shows_the_tariff_as_typed(admin, campaign):
    page = admin.get(f"/gestion/campagnes/{campaign.id}").get_data(as_text=True)
    assert 'value="2,30"' in page and 'value="0,688"' in page and 'value="2000,00"' in page
    assert "Participation volontaire" in page and "Agenda coopératif" in page


def test_tariff_edit_recalculates_drafts_and_keeps_validated_amounts(admin, campaign):
    validated = validated_membership(campaign)
    draft = make_membership(make_cooperative(), campaign, lines=WORKED_EXAMPLE_LINES)
    assert validated.total_cents == draft.total_cents == 16720

    response = admin.post(f"/gestion/campagnes/{campaign.id}", data=tariff_form(pupil_fee="2,50"))
    assert response.status_code == 303
    assert Campaign.get_by_id(campaign.id).pupil_fee_cents == 250
    # 50 pupils × 0,20 € more.
    assert Membership.get_by_id(draft.id).total_cents == 16720 + 1000
    kept = Membership.get_by_id(validated.id)
    assert kept.total_cents == 16720
    assert str(service.recap_for(kept).total) == "167.20"
    event = AuditEvent.get(AuditEvent.action == "campaign_tariff_updated")
    assert "Adhésion par élève (€) : 2,30\xa0€ → 2,50\xa0€" in event.detail
    page = admin.get(f"/gestion/campagnes/{campaign.id}").get_data(as_text=True)
    assert "1 adhésion(s) en brouillon recalculée(s)" in page


@pytest.mark.parametrize("typed,ppm", [("0,688", 6880), ("0,6885", 6885), ("1", 10000),
                                        ("0.5 %", 5000), ("", 0)])
def test_goods_rate_is_a_percentage_with_up_to_four_decimals(admin, campaign, typed, ppm):
    admin.post(f"/gestion/campagnes/{campaign.id}", data=tariff_form(goods_rate=typed))
    assert Campaign.get_by_id(campaign.id).goods_rate_ppm == ppm


@pytest.mark.parametrize("field,typed,message", [
    ("goods_rate", "0,68851", "au plus quatre décimales"),
    ("goods_rate", "150", "ne peut pas dépasser 100"),
    ("pupil_fee", "2,305", "au centime près"),
    ("pupil_fee", "-2", "ne peut pas être négatif"),
    ("base_fee", "vingt", "Indiquez un montant en euros"),
    ("closes_on", "2026-08-01", "après l&#39;ouverture"),
    ("opens_on", "31/02/2026", "Indiquez une date valide"),
])
def test_a_wrong_rate_is_refused_beside_its_field(admin, campaign, field, typed, message):
    response = admin.post(f"/gestion/campagnes/{campaign.id}", data=tariff_form(**{field: typed}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and message in page
    assert f'value="{typed}"' in page  # what was typed stays
    assert Campaign.get_by_id(campaign.id).pupil_fee_cents == 230


def test_add_an_option_counts_in_drafts_only(admin, campaign):
    validated = validated_membership(campaign)
    draft = make_membership(make_cooperative(), campaign, lines=WORKED_EXAMPLE_LINES)
    response = admin.post(f"/gestion/campagnes/{campaign.id}/options",
                          data={"label": "Fichier pédagogique", "kind": "flat", "price": "12,00"})
    assert response.status_code == 303
    option = Option.get(Option.label == "Fichier pédagogique")
    assert (option.kind, option.price_cents, option.visible, option.position) == ("flat", 1200, True, 3)
    # Not chosen by anybody yet, so the totals stay; the draft was recomputed all the same.
    assert Membership.get_by_id(draft.id).total_cents == 16720
    assert Membership.get_by_id(validated.id).total_cents == 16720


def test_an_option_without_price_is_refused(admin, campaign):
    response = admin.post(f"/gestion/campagnes/{campaign.id}/options",
                          data={"label": "Agenda", "kind": "quantity", "price": ""})
    assert response.status_code == 422
    assert "Indiquez le prix de l&#39;option" in response.get_data(as_text=True)
    assert Option.select().count() == 2


def test_edit_an_option_price_recalculates_drafts_and_not_validated(admin, campaign):
    from occe.models import MembershipOption

    agenda = Option.get(Option.label == "Agenda coopératif")
    agenda.visible = True
    agenda.save()
    validated = make_membership(make_cooperative(), campaign, lines=WORKED_EXAMPLE_LINES)
    draft = make_membership(make_cooperative(), campaign, lines=WORKED_EXAMPLE_LINES)
    for membership in (validated, draft):
        MembershipOption.create(membership=membership, option=agenda, quantity=2)
        service.refresh_totals(membership)
    service.freeze(validated)
    validated.state = Membership.SCHOOL_VALIDATED
    validated.save()
    assert validated.total_cents == 16720 + 1300

    response = admin.post(f"/gestion/campagnes/{campaign.id}/options/{agenda.id}",
                          data={"label": "Agenda coopératif", "kind": "quantity", "price": "7,00"})
    assert response.status_code == 303
    assert Membership.get_by_id(draft.id).total_cents == 16720 + 1400
    assert Membership.get_by_id(validated.id).total_cents == 16720 + 1300


@pytest.mark.parametrize("htmx", [False, True])
def test_show_and_hide_an_option(admin, campaign, htmx):
    agenda = Option.get(Option.label == "Agenda coopératif")
    headers = {"HX-Request": "true"} if htmx else {}
    url = f"/gestion/campagnes/{campaign.id}/options/{agenda.id}/visibilite"
    response = admin.post(url, data={"visible": "1"}, headers=headers)
    assert Option.get_by_id(agenda.id).visible
    if htmx:
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and body.startswith(f'<tr id="option-{agenda.id}"')
        assert "Masquer" in body
    else:
        assert response.status_code == 303
    admin.post(url, data={"visible": "0"}, headers=headers)
    assert not Option.get_by_id(agenda.id).visible
    assert [e.action for e in AuditEvent.select().order_by(AuditEvent.id)
            if e.action.startswith("campaign_option")] == ["campaign_option_shown", "campaign_option_hidden"]


def test_an_option_of_another_campaign_is_404(admin, campaign):
    other = make_campaign(start_year=2027, is_current=False)
    option = other.options.first()
    assert admin.get(f"/gestion/campagnes/{campaign.id}/options/{option.id}").status_code == 404


def test_create_the_next_campaign_from_the_current_one(admin, campaign):
    campaign.pupil_fee_cents = 245
    campaign.save()
    response = admin.post("/gestion/campagnes/suivante")
    assert response.status_code == 303
    nxt = Campaign.get(Campaign.start_year == 2027)
    assert (nxt.name, nxt.is_current, nxt.pupil_fee_cents, nxt.goods_rate_ppm) == ("2027-2028", False, 245, 6880)
    assert (nxt.opens_on, nxt.closes_on) == (date(2027, 9, 1), date(2027, 11, 30))
    copied = [(o.label, o.kind, o.price_cents, o.visible) for o in nxt.options.order_by(Option.position)]
    assert copied == [("Participation volontaire", "free", 0, True), ("Agenda coopératif", "quantity", 650, False)]
    assert Campaign.current().id == campaign.id  # still the current one
    # The next click makes the year after.
    admin.post("/gestion/campagnes/suivante")
    assert Campaign.select().where(Campaign.start_year == 2028).exists()


def test_make_a_campaign_current_leaves_exactly_one(admin, campaign):
    nxt = make_campaign(start_year=2027, is_current=False)
    response = admin.post(f"/gestion/campagnes/{nxt.id}/courante")
    assert response.status_code == 303
    current = list(Campaign.select().where(Campaign.is_current == True))  # noqa: E712
    assert [c.id for c in current] == [nxt.id]
    assert AuditEvent.get(AuditEvent.action == "campaign_made_current").detail == "2027-2028"


def test_campaigns_list(admin, campaign):
    page = admin.get("/gestion/campagnes").get_data(as_text=True)
    assert "2026-2027" in page and "Courante" in page and "Créer la campagne 2027-2028" in page
