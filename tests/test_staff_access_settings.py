"""Every URL of the cooperatives, accounts and campaigns screens is for staff only;
campaign settings are for admins only."""

import pytest

from occe.models import Option, User

from .factories import make_cooperative, make_user

# (method, URL template); {coop}, {user}, {campaign} and {option} are filled per test.
STAFF_URLS = [
    ("GET", "/gestion/cooperatives"),
    ("GET", "/gestion/cooperatives/nouvelle"),
    ("POST", "/gestion/cooperatives/nouvelle"),
    ("GET", "/gestion/cooperatives/{coop}"),
    ("POST", "/gestion/cooperatives/{coop}"),
    ("GET", "/gestion/cooperatives/import"),
    ("POST", "/gestion/cooperatives/import"),
    ("POST", "/gestion/cooperatives/import/confirmer"),
    ("GET", "/gestion/cooperatives/import/modele.csv"),
    ("GET", "/gestion/comptes"),
    ("GET", "/gestion/comptes/nouveau"),
    ("POST", "/gestion/comptes/nouveau"),
    ("GET", "/gestion/comptes/{user}"),
    ("POST", "/gestion/comptes/{user}/mot-de-passe"),
    ("POST", "/gestion/comptes/{user}/etat"),
    ("POST", "/gestion/comptes/{user}/lettre"),
]
ADMIN_URLS = [
    ("GET", "/gestion/campagnes"),
    ("POST", "/gestion/campagnes/suivante"),
    ("GET", "/gestion/campagnes/{campaign}"),
    ("POST", "/gestion/campagnes/{campaign}"),
    ("POST", "/gestion/campagnes/{campaign}/courante"),
    ("POST", "/gestion/campagnes/{campaign}/options"),
    ("GET", "/gestion/campagnes/{campaign}/options/{option}"),
    ("POST", "/gestion/campagnes/{campaign}/options/{option}"),
    ("POST", "/gestion/campagnes/{campaign}/options/{option}/visibilite"),
]


@pytest.fixture
def ids(app, campaign):
    """Real ids, so a refusal cannot come from a missing object."""
    school = make_user("EcoleDemo", cooperative=make_cooperative())
    return {
        "coop": school.cooperative_id,
        "user": school.id,
        "campaign": campaign.id,
        "option": Option.select().where(Option.campaign == campaign).first().id,
    }


def _request(client, method, url, ids):
    return client.open(url.format(**ids), method=method, data={})


@pytest.mark.parametrize("method,url", STAFF_URLS + ADMIN_URLS)
def test_a_school_account_is_refused(login_as, ids, method, url):
    """A school that types a staff address gets « Accès refusé » (403), and nothing changes."""
    client = login_as(User.get_by_id(ids["user"]))
    response = _request(client, method, url, ids)
    assert response.status_code == 403
    assert "Accès refusé" in response.get_data(as_text=True)


@pytest.mark.parametrize("method,url", STAFF_URLS + ADMIN_URLS)
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, ids, method, url):
    response = _request(client, method, url, ids)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion")


@pytest.mark.parametrize("method,url", ADMIN_URLS)
def test_plain_staff_cannot_reach_campaign_settings(login_as, ids, method, url):
    client = login_as(make_user("Gestion", role=User.STAFF))
    assert _request(client, method, url, ids).status_code == 403


@pytest.mark.parametrize("method,url", [
    ("GET", "/gestion/cooperatives"),
    ("GET", "/gestion/comptes"),
    ("GET", "/gestion/cooperatives/{coop}"),
    ("GET", "/gestion/comptes/{user}"),
])
def test_plain_staff_reaches_cooperatives_and_school_accounts(login_as, ids, method, url):
    """The refusals above are about roles: the same URLs open for a gestionnaire."""
    client = login_as(make_user("Gestion", role=User.STAFF))
    assert _request(client, method, url, ids).status_code == 200


def test_the_campaigns_link_is_shown_to_admins_only(login_as, ids):
    staff_page = login_as(make_user("Gestion", role=User.STAFF)).get("/gestion/comptes")
    admin_page = login_as(make_user("Admin", role=User.ADMIN)).get("/gestion/comptes")
    assert 'href="/gestion/campagnes"' not in staff_page.get_data(as_text=True)
    assert 'href="/gestion/campagnes"' in admin_page.get_data(as_text=True)
