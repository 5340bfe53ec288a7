"""The access-control and CSRF matrices, generated from ``app.url_map``.

Every route must be classified in ``ROUTES`` below, and every URL argument described in
``IDS`` or ``SHARED``: a new route that is not fails ``test_every_route_is_classified``.
Then each route is tried, with every method it accepts, as a plain request and as htmx:

- anonymously → sent to the login page (htmx: ``HX-Redirect``);
- by a school on a staff route → 403, on an admin route by staff → 403;
- by school A with school B's ids → 404, and nothing of B in the body;
- every state-changing request without a valid CSRF token → 400 in French, nothing changed.

When a route is added, add its row to ``ROUTES`` (and any new argument to ``IDS``/``SHARED``).
"""

import re
import tempfile
from datetime import date
from types import SimpleNamespace

import pytest

from occe import create_app
from occe.models import ALL_MODELS, DocumentReceipt, Payment, User

from .apps import app_with_csrf
from .factories import PASSWORD, make_campaign, make_cooperative, make_membership, make_user

PUBLIC = "public"  # anyone, logged in or not
LOGIN = "login"  # any account
SCHOOL = "school"  # a school's own data: its cooperative's, found from the session or from ids
STAFF = "staff"  # staff and admins; a school gets 403
ADMIN = "admin"  # admins only; a school or a staff member gets 403

ROUTES = {
    "static": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": PUBLIC,  # anonymous: simply back to the login page
    "home.favicon": PUBLIC,
    "auth.change_password": LOGIN,
    "home.index": LOGIN,
    "membership.show": SCHOOL,
    "membership.view": SCHOOL,
    "membership.create_line": SCHOOL,
    "membership.line": SCHOOL,
    "membership.update_line": SCHOOL,
    "membership.edit_line": SCHOOL,
    "membership.delete_line": SCHOOL,
    "membership.update_options": SCHOOL,
    "membership.validate": SCHOOL,
    "documents.show": SCHOOL,
    "home.update_notes": SCHOOL,
    "staff.index": STAFF,
    "staff.accounts": STAFF,
    "staff.show_account": STAFF,
    "staff.set_account_disabled": STAFF,
    "staff.account_letter": STAFF,
    "staff.reset_password": STAFF,
    "staff.create_account": STAFF,
    "staff.cooperatives": STAFF,
    "staff.update_cooperative": STAFF,
    "staff.import_cooperatives": STAFF,
    "staff.confirm_import": STAFF,
    "staff.import_template": STAFF,
    "staff.create_cooperative": STAFF,
    "staff.campaigns": ADMIN,
    "staff.campaign_settings": ADMIN,
    "staff.make_campaign_current": ADMIN,
    "staff.create_option": ADMIN,
    "staff.update_option": ADMIN,
    "staff.toggle_option": ADMIN,
    "staff.create_next_campaign": ADMIN,
    "staff.memberships": STAFF,
    "staff.membership": STAFF,
    "staff.record_document": STAFF,
    "staff.remove_document": STAFF,
    "staff.record_payment": STAFF,
    "staff.cancel": STAFF,
    "staff.validate": STAFF,
    "staff.reopen": STAFF,
    "staff.exports": STAFF,
    "staff.download": STAFF,
    "staff.audit_log": STAFF,
    "staff.printing": STAFF,
    "staff.print_documents": STAFF,
}

# URL arguments naming one school's objects: how to find ``owner``'s (school A's or B's) id.
IDS = {
    "cooperative_id": lambda owner: owner.cooperative.id,
    "membership_id": lambda owner: owner.membership.id,
    "line_id": lambda owner: owner.line.id,
    "payment_id": lambda owner: owner.payment.id,
    "receipt_id": lambda owner: owner.receipt.id,
    "user_id": lambda owner: owner.user.id,
}
# URL arguments that name nobody's own object: the same value whoever asks.
SHARED = {
    "filename": lambda owner: "css/app.css",
    "campaign_id": lambda owner: owner.campaign.id,
    "option_id": lambda owner: owner.option.id,
    "kind": lambda owner: "engagement",
    "name": lambda owner: "adhesions",
    "fmt": lambda owner: "csv",
    "documents": lambda owner: "attestations",
}

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
HTMX = {"HX-Request": "true"}


def _rules():
    app = create_app({"TESTING": True, "SECRET_KEY": "matrix", "DATA_DIR": tempfile.mkdtemp(),
                      "DATABASE_URL": "sqlite:///:memory:"})
    return sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))


RULES = _rules()


def cases(*categories, methods=None, with_ids=False):
    """``(rule, method)`` pairs of the routes in ``categories``, for parametrize."""
    found = []
    for rule in RULES:
        if ROUTES.get(rule.endpoint) not in categories:
            continue
        if with_ids and not (set(rule.arguments) & set(IDS)):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if methods is None or method in methods:
                found.append(pytest.param(rule, method, id=f"{method} {rule.rule}"))
    return found


def test_every_route_is_classified():
    endpoints = {rule.endpoint for rule in RULES}
    unclassified = sorted(endpoints - set(ROUTES))
    assert not unclassified, f"Classify these routes in ROUTES: {unclassified}"
    stale = sorted(set(ROUTES) - endpoints)
    assert not stale, f"These rows of ROUTES name no route: {stale}"
    for rule in RULES:
        unknown = set(rule.arguments) - set(IDS) - set(SHARED)
        assert not unknown, f"Describe {sorted(unknown)} of {rule.rule} in IDS or SHARED"


def test_the_matrix_has_routes_to_try():
    """Guard against a matrix that silently tests nothing."""
    assert cases(LOGIN) and cases(SCHOOL) and cases(STAFF)
    assert cases(PUBLIC, LOGIN, SCHOOL, STAFF, ADMIN, methods=STATE_CHANGING)


# ---------------------------------------------------------------------------- the world

def _school(name, campaign):
    coop = make_cooperative(school_name=f"École {name}", mandataire_name=f"Mandataire{name}",
                            mandataire_email=f"{name.lower()}@example.org")
    user = make_user(f"Ecole{name}", cooperative=coop)
    membership = make_membership(coop, campaign, lines=[("CP", f"Enseignant{name}", 1, 24)])
    line = membership.lines.get()
    payment = Payment.create(membership=membership, amount_cents=1234, mode="cheque",
                             paid_on=date(2026, 10, 1), reference=f"CHQ-{name}")
    receipt = DocumentReceipt.create(membership=membership, kind=DocumentReceipt.ENGAGEMENT,
                                     received_on=date(2026, 10, 2))
    # What must never appear in another school's page.
    markers = [coop.school_name, coop.number, f"Mandataire{name}", f"Enseignant{name}", f"CHQ-{name}"]
    return SimpleNamespace(cooperative=coop, user=user, membership=membership, line=line,
                           payment=payment, receipt=receipt, markers=markers,
                           campaign=campaign, option=campaign.options.first())


def build_world():
    campaign = make_campaign()
    return SimpleNamespace(
        a=_school("Alpha", campaign),
        b=_school("Bravo", campaign),
        staff=make_user("Gestion", role=User.STAFF),
        admin=make_user("AdminOCCE", role=User.ADMIN),
    )


@pytest.fixture
def world(app):
    return build_world()


def url_for_owner(rule, owner):
    """The rule's URL with ``owner``'s ids (school A's own, or B's)."""
    values = {name: (IDS.get(name) or SHARED[name])(owner) for name in rule.arguments}
    return rule.build(values, append_unknown=False)[1]


def send(client, method, url, htmx=False, **kwargs):
    return client.open(url, method=method, headers=HTMX if htmx else {}, **kwargs)


def is_sent_to_login(response, htmx):
    if htmx:
        return response.status_code == 401 and response.headers["HX-Redirect"].startswith("/connexion")
    return response.status_code in (302, 303) and "/connexion" in response.headers["Location"]


# ---------------------------------------------------------------------------- access

@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize("rule, method", cases(LOGIN, SCHOOL, STAFF, ADMIN))
def test_anonymous_visitors_are_sent_to_login(client, world, rule, method, htmx):
    response = send(client, method, url_for_owner(rule, world.a), htmx)
    assert is_sent_to_login(response, htmx), response.status_code


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize("rule, method", cases(STAFF, ADMIN))
def test_a_school_gets_403_on_staff_routes(login_as, world, rule, method, htmx):
    response = send(login_as(world.a.user), method, url_for_owner(rule, world.a), htmx)
    assert response.status_code == 403


@pytest.mark.parametrize("rule, method", cases(ADMIN))
def test_staff_get_403_on_admin_routes(login_as, world, rule, method):
    response = send(login_as(world.staff), method, url_for_owner(rule, world.a))
    assert response.status_code == 403


def is_let_in(response):
    """Access granted: whatever the page answers (200, a redirect to the right screen, a 409
    about the membership's state…), it is neither a refusal nor the login page."""
    location = response.headers.get("Location", "")
    return response.status_code not in (401, 403, 404) and "/connexion" not in location


@pytest.mark.parametrize("rule, method", cases(STAFF, ADMIN, methods={"GET"}))
def test_admins_reach_staff_and_admin_pages(login_as, world, rule, method):
    """The other side of the 403s above: the same URLs do open for the right people."""
    response = send(login_as(world.admin), method, url_for_owner(rule, world.a))
    assert is_let_in(response), response.status_code


@pytest.mark.parametrize("rule, method", cases(LOGIN, SCHOOL, methods={"GET"}))
def test_a_school_reaches_its_own_pages(login_as, world, rule, method):
    """The other side of the 404s below: school A's own ids do open, showing nothing of B."""
    response = send(login_as(world.a.user), method, url_for_owner(rule, world.a))
    assert is_let_in(response), response.status_code
    body = response.get_data(as_text=True)
    assert not [m for m in world.b.markers if m in body]


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize("rule, method", cases(SCHOOL, with_ids=True))
def test_a_school_never_reaches_another_schools_objects(login_as, world, rule, method, htmx):
    assert_cannot_reach_b(login_as(world.a.user), world, rule, method, htmx)


def assert_cannot_reach_b(client, world, rule, method, htmx):
    """School A's client, given B's ids: 404, nothing of B shown, nothing changed."""
    before = database_fingerprint()
    response = send(client, method, url_for_owner(rule, world.b), htmx,
                    data={"label": "Intrus", "person": "Intrus", "adults": "1", "pupils": "1"})
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert not [m for m in world.b.markers if m in body]
    assert database_fingerprint() == before


def test_the_cross_school_check_catches_a_leaky_route(app, login_as):
    """The check above on a route that forgets the ownership test: it must fail."""
    from occe.models import Membership

    def leaky(membership_id):
        return Membership.get_by_id(membership_id).cooperative.school_name

    app.add_url_rule("/essai/<int:membership_id>", "leaky", leaky)
    world = build_world()
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "leaky")
    with pytest.raises(AssertionError):
        assert_cannot_reach_b(login_as(world.a.user), world, rule, "GET", htmx=False)


# ---------------------------------------------------------------------------- CSRF

def database_fingerprint():
    """Every row of every table: equal before and after means nothing changed."""
    return {model.__name__: sorted(map(repr, model.select().tuples())) for model in ALL_MODELS}


@pytest.fixture
def csrf_app(tmp_path):
    return app_with_csrf(tmp_path, campaign=False)


def logged_in(app, user):
    """A client logged in through the real form, token included."""
    client = app.test_client()
    page = client.get("/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/connexion", data={"login": user.login, "password": PASSWORD,
                                               "csrf_token": token})
    assert response.status_code == 303
    return client


def actor_for(category, world):
    return {PUBLIC: world.a.user, LOGIN: world.a.user, SCHOOL: world.a.user,
            STAFF: world.staff, ADMIN: world.admin}[category]


@pytest.mark.parametrize("token", ["missing", "forged"])
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize("rule, method", cases(PUBLIC, LOGIN, SCHOOL, STAFF, ADMIN, methods=STATE_CHANGING))
def test_state_changing_requests_need_a_valid_csrf_token(csrf_app, rule, method, htmx, token):
    world = build_world()
    client = logged_in(csrf_app, actor_for(ROUTES[rule.endpoint], world))
    before = database_fingerprint()
    headers = dict(HTMX) if htmx else {}
    data = {"label": "CE2", "person": "Mme Test", "adults": "1", "pupils": "20",
            "login": world.a.user.login, "password": PASSWORD}
    if token == "forged":
        headers["X-CSRFToken"] = "IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAi.aaaa.bbbb"
        data["csrf_token"] = headers["X-CSRFToken"]
    response = client.open(url_for_owner(rule, world.a), method=method, headers=headers, data=data)
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.get_data(as_text=True)
    assert database_fingerprint() == before
