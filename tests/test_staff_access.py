"""Every staff URL refuses a school account (403) and sends an anonymous visitor to login."""

import pytest

from occe.models import User

from .factories import WORKED_EXAMPLE_LINES, make_cooperative, make_user
from .staff_helpers import make_staff, pay, validated_by_school

GET_URLS = [
    "/gestion/",
    "/gestion/adhesions",
    "/gestion/adhesions?etat=draft",
    "/gestion/adhesions/{m}",
    "/gestion/exports",
    "/gestion/exports/adhesions.csv",
    "/gestion/exports/adhesions.xlsx",
    "/gestion/exports/lignes.csv",
    "/gestion/exports/lignes.xlsx",
    "/gestion/exports/reglements.csv",
    "/gestion/exports/reglements.xlsx",
    "/gestion/journal",
]
POST_URLS = [
    "/gestion/adhesions/{m}/documents/engagement",
    "/gestion/adhesions/{m}/documents/changement/retrait",
    "/gestion/adhesions/{m}/reglements",
    "/gestion/adhesions/{m}/reglements/{p}/annulation",
    "/gestion/adhesions/{m}/validation",
    "/gestion/adhesions/{m}/reouverture",
]


@pytest.fixture
def ids(app, campaign):
    membership = validated_by_school(make_cooperative(), campaign, WORKED_EXAMPLE_LINES)
    payment = pay(membership, 1000)
    return {"m": membership.id, "p": payment.id}


@pytest.mark.parametrize("url", GET_URLS)
def test_a_school_account_is_refused_every_staff_page(login_as, ids, url):
    school = login_as(make_user("EcoleDemo"))
    response = school.get(url.format(**ids))
    assert response.status_code == 403
    assert "Accès refusé" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", POST_URLS)
def test_a_school_account_cannot_act_as_staff(login_as, ids, url):
    school = login_as(make_user("EcoleDemo"))
    response = school.post(url.format(**ids), data={
        "reason": "x", "reouverture-reason": "x", "validation-reason": "x",
        "reouverture-expected_state": "school_validated", "amount": "10",
    })
    assert response.status_code == 403


@pytest.mark.parametrize("url", GET_URLS + POST_URLS)
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, ids, url):
    method = client.post if url in POST_URLS else client.get
    response = method(url.format(**ids))
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]


@pytest.mark.parametrize("role", [User.STAFF, User.ADMIN])
@pytest.mark.parametrize("url", GET_URLS)
def test_staff_and_admins_reach_every_staff_page(login_as, ids, url, role):
    staff = login_as(make_staff(role=role))
    assert staff.get(url.format(**ids)).status_code == 200
