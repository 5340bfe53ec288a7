"""Valider définitivement: the confirmation, the frozen amounts, the read-only screen,
the 409 on every later change, and two validations at once."""

import json
import re
import threading

import pytest

from occe.membership import service
from occe.models import AuditEvent, Campaign, Membership, MembershipLine, MembershipOption

from .factories import PASSWORD, WORKED_EXAMPLE_LINES, make_membership, make_user
from .membership_support import (  # noqa: F401 (fixtures)
    HTMX,
    app_on_file,
    client_school,
    school,
    text,
    worked,
)


def fresh(membership):
    return Membership.get_by_id(membership.id)


def test_valider_asks_for_confirmation_first(client_school, worked):
    page = text(client_school.get("/adhesion/valider"))
    assert "Valider définitivement votre adhésion ?" in page
    assert "167,20\xa0€" in page
    assert 'action="/adhesion/valider"' in page
    assert fresh(worked).state == Membership.DRAFT


def test_validation_is_refused_without_a_line(client_school, school):
    page = text(client_school.get("/adhesion/valider"))
    assert "Ajoutez au moins une ligne" in page
    assert 'action="/adhesion/valider"' not in page
    response = client_school.post("/adhesion/valider")
    assert response.status_code == 303
    assert "Ajoutez au moins une ligne" in text(client_school.get("/adhesion/"))
    membership = Membership.get(Membership.cooperative == school.cooperative_id)
    assert membership.state == Membership.DRAFT
    assert membership.snapshot is None


def test_validation_freezes_the_amounts_and_records_who_and_when(client_school, school, worked):
    response = client_school.post("/adhesion/valider")
    assert response.status_code == 303
    membership = fresh(worked)
    assert membership.state == Membership.SCHOOL_VALIDATED
    assert membership.school_validated_by_id == school.id
    assert membership.school_validated_at is not None
    assert json.loads(membership.snapshot)["total"] == "167.20"
    assert membership.total_cents == 16720
    event = AuditEvent.get(AuditEvent.action == "membership_school_validated")
    assert (event.user_id, event.membership_id, event.cooperative_id) == (
        school.id, worked.id, school.cooperative_id)


def test_the_validated_screen_is_read_only_with_its_state(client_school, worked):
    client_school.post("/adhesion/valider")
    page = text(client_school.get("/adhesion/"))
    assert "Votre adhésion est validée." in page
    assert "Validée par la coopérative" in page
    assert "Mme Martin" in page and "66,70\xa0€" in page
    for tool in ("Ajouter", "Modifier la ligne", "Supprimer la ligne", 'id="options"',
                 "Recalculer", 'href="/adhesion/valider"'):
        assert tool not in page


def test_a_later_tariff_change_does_not_change_a_validated_membership(client_school, worked,
                                                                     campaign):
    client_school.post("/adhesion/valider")
    Campaign.update(pupil_fee_cents=999, base_fee_cents=5000).where(
        Campaign.id == campaign.id).execute()
    service.refresh_campaign_drafts(Campaign.get_by_id(campaign.id))
    page = text(client_school.get("/adhesion/"))
    assert "167,20\xa0€" in page
    # The lines' amounts still add up to the frozen recap.
    assert "66,70\xa0€" in page and "76,20\xa0€" in page
    assert fresh(worked).total_cents == 16720


def line_id(membership):
    return membership.lines.order_by(MembershipLine.id).first().id


EDITS = [
    ("post", "/adhesion/lignes", {"label": "CM2", "person": "M. Roux", "adults": "1", "pupils": "20"}),
    ("post", "/adhesion/lignes", {"label": "", "person": "", "adults": "x", "pupils": "x"}),
    ("get", "/adhesion/lignes/{line}/modifier", {}),
    ("post", "/adhesion/lignes/{line}", {"label": "CP", "person": "Autre", "adults": "5", "pupils": "5"}),
    ("post", "/adhesion/lignes/{line}", {"label": "", "person": "", "adults": "", "pupils": ""}),
    ("get", "/adhesion/lignes/{line}/supprimer", {}),
    ("post", "/adhesion/lignes/{line}/supprimer", {}),
    ("post", "/adhesion/options", {"declared_value": "9 000", "subscriptions": "3"}),
    ("post", "/adhesion/options", {"declared_value": "abc", "subscriptions": "99"}),
]


@pytest.mark.parametrize("method, path, data", EDITS)
@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_every_change_after_validation_answers_409_and_changes_nothing(
        client_school, worked, method, path, data, headers):
    client_school.post("/adhesion/valider")
    before = fresh(worked)
    lines_before = list(MembershipLine.select().order_by(MembershipLine.id).tuples())
    response = getattr(client_school, method)(path.format(line=line_id(worked)),
                                              headers=headers, data=data)
    assert response.status_code == 409
    assert "ne peut plus être modifiée" in text(response)
    if headers:
        assert response.headers["HX-Retarget"] == "#messages"
    after = fresh(worked)
    assert list(MembershipLine.select().order_by(MembershipLine.id).tuples()) == lines_before
    assert (after.total_cents, after.declared_value_cents, after.subscriptions, after.snapshot,
            after.updated_at) == (before.total_cents, before.declared_value_cents,
                                  before.subscriptions, before.snapshot, before.updated_at)
    assert MembershipOption.select().count() == 0


def test_validating_twice_answers_409(client_school, worked):
    assert client_school.post("/adhesion/valider").status_code == 303
    response = client_school.post("/adhesion/valider")
    assert response.status_code == 409
    assert "Votre adhésion est déjà validée." in text(response)
    assert AuditEvent.select().where(AuditEvent.action == "membership_school_validated").count() == 1


def test_a_stale_second_validation_changes_nothing(school, worked):
    """Two requests that both read the draft: the conditional update lets only one through."""
    first, second = fresh(worked), fresh(worked)
    service.validate_by_school(first, school)
    validated_at = fresh(worked).school_validated_at
    with pytest.raises(service.StateError):
        service.validate_by_school(second, school)
    assert fresh(worked).school_validated_at == validated_at


def test_two_validations_sent_at_once_produce_exactly_one(tmp_path):
    """Two browsers click "Valider définitivement" at the same moment."""
    app = app_on_file(tmp_path, WTF_CSRF_ENABLED=False)
    campaign = Campaign.current()
    school = make_user("EcoleDemo")
    membership = make_membership(school.cooperative, campaign, lines=WORKED_EXAMPLE_LINES)
    clients = []
    for _ in range(4):
        client = app.test_client()
        client.post("/connexion", data={"login": "EcoleDemo", "password": PASSWORD})
        clients.append(client)
    start = threading.Barrier(len(clients))
    statuses = []

    def validate(client):
        start.wait()
        statuses.append(client.post("/adhesion/valider").status_code)

    threads = [threading.Thread(target=validate, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [303, 409, 409, 409]
    assert fresh(membership).state == Membership.SCHOOL_VALIDATED
    assert AuditEvent.select().where(AuditEvent.action == "membership_school_validated").count() == 1


def test_htmx_posts_carry_the_csrf_token_in_a_header(tmp_path):
    """The load test posts lines with the token from <body hx-headers>, CSRF on."""
    app = app_on_file(tmp_path)
    make_user("EcoleDemo")
    client = app.test_client()
    login_page = text(client.get("/connexion"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post("/connexion", data={"login": "EcoleDemo", "password": PASSWORD, "csrf_token": token})
    page = text(client.get("/adhesion/"))
    header = json.loads(re.search(r"<body hx-headers='([^']+)'", page).group(1))
    data = {"label": "CP", "person": "Mme Martin", "adults": "1", "pupils": "24"}
    assert client.post("/adhesion/lignes", data=data, headers=HTMX).status_code == 400
    response = client.post("/adhesion/lignes", data=data, headers={**HTMX, **header})
    assert response.status_code == 200
    assert MembershipLine.select().count() == 1
