"""Logging in and out: case-sensitive identifiers, one message for bad credentials,
lockout after repeated failures, disabled accounts, session cookies."""

from datetime import timedelta

import pytest

from occe import auth as auth_module
from occe.models import AuditEvent, LoginThrottle, User, utcnow

from .factories import PASSWORD, make_user


@pytest.fixture
def school(app, campaign):
    return make_user("EcoleDemo")


@pytest.fixture
def throttle_key(app):
    """Where the failures of an identifier are counted (never the identifier in clear)."""
    return lambda login: auth_module.throttle_key(login, app.config["SECRET_KEY"])


def test_login_page_shows_the_french_fields(client):
    """A visitor sees Identifiant, Mot de passe and Se connecter."""
    page = client.get("/connexion").get_data(as_text=True)
    assert 'for="login">Identifiant</label>' in page
    assert 'for="password">Mot de passe</label>' in page
    assert "Se connecter" in page


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]


def test_good_credentials_open_the_home_page(client, auth, school):
    response = auth.login("EcoleDemo")
    assert response.status_code == 303
    home = client.get("/").get_data(as_text=True)
    assert school.cooperative.school_name in home
    assert "Se déconnecter" in home and "Changer mon mot de passe" in home
    assert AuditEvent.get(AuditEvent.action == "login").user_id == school.id


def test_identifier_is_case_sensitive(client, auth, school):
    """'ecoledemo' does not open 'EcoleDemo', and the message reminds of upper and lower case."""
    page = auth.login("ecoledemo").get_data(as_text=True)
    assert "respecte les majuscules et les minuscules" in page
    assert client.get("/").status_code == 302


def test_unknown_identifier_and_wrong_password_get_the_same_message(app, school):
    unknown = app.test_client().post("/connexion", data={"login": "Personne", "password": PASSWORD})
    wrong = app.test_client().post("/connexion", data={"login": "EcoleDemo", "password": "mauvais"})
    message = auth_module.BAD_CREDENTIALS.replace("'", "&#39;").replace("«", "«")
    assert message in unknown.get_data(as_text=True)
    assert message in wrong.get_data(as_text=True)


def test_two_accounts_may_not_differ_by_case_alone(app, school):
    from peewee import IntegrityError

    with pytest.raises(IntegrityError):
        make_user("ECOLEDEMO")


def test_ten_failures_lock_the_identifier(client, auth, school):
    for _ in range(9):
        assert "incorrect" in auth.login("EcoleDemo", "mauvais").get_data(as_text=True)
    page = auth.login("EcoleDemo", "mauvais").get_data(as_text=True)
    assert "bloqué pendant 15 minutes" in page
    # Even the right password is refused while the lock lasts.
    page = auth.login("EcoleDemo").get_data(as_text=True)
    assert "bloqué pendant 15 minutes" in page
    assert client.get("/").status_code == 302
    assert AuditEvent.select().where(AuditEvent.action == "login_locked").count() == 1


def test_lock_ends_after_fifteen_minutes(client, auth, school, monkeypatch, throttle_key):
    for _ in range(10):
        auth.login("EcoleDemo", "mauvais")
    later = utcnow() + timedelta(minutes=15, seconds=1)
    monkeypatch.setattr(auth_module, "utcnow", lambda: later)
    assert auth.login("EcoleDemo").status_code == 303
    assert not LoginThrottle.select().where(LoginThrottle.login == throttle_key("EcoleDemo")).exists()


def test_failures_spread_over_more_than_the_window_do_not_lock(client, auth, school, monkeypatch,
                                                              throttle_key):
    for _ in range(9):
        auth.login("EcoleDemo", "mauvais")
    later = utcnow() + timedelta(minutes=16)
    monkeypatch.setattr(auth_module, "utcnow", lambda: later)
    assert "incorrect" in auth.login("EcoleDemo", "mauvais").get_data(as_text=True)
    assert LoginThrottle.get(LoginThrottle.login == throttle_key("EcoleDemo")).failures == 1


def test_failed_attempts_are_counted_in_the_database(auth, school, throttle_key):
    auth.login("EcoleDemo", "mauvais")
    auth.login("EcoleDemo", "mauvais")
    assert LoginThrottle.get(LoginThrottle.login == throttle_key("EcoleDemo")).failures == 2


def test_disabled_account_cannot_log_in(client, auth, school):
    User.update(disabled=True).where(User.id == school.id).execute()
    page = auth.login("EcoleDemo").get_data(as_text=True)
    assert "Ce compte est désactivé" in page
    assert client.get("/").status_code == 302


def test_disabling_an_account_ends_its_open_session(client, auth, school):
    auth.login("EcoleDemo")
    User.update(disabled=True).where(User.id == school.id).execute()
    assert client.get("/").status_code == 302


def test_logout_ends_the_session(client, auth, school):
    auth.login("EcoleDemo")
    response = auth.logout()
    assert response.status_code == 303
    assert client.get("/").status_code == 302


def test_login_starts_a_new_session(client, auth, school):
    """Whatever the visitor's session held before logging in is dropped (no fixation)."""
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login("EcoleDemo")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{school.id}:1"


def test_session_cookie_is_httponly_and_samesite_lax(auth, school):
    cookie = auth.login("EcoleDemo").headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_session_cookie_is_secure_outside_debug(tmp_path):
    from occe import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATA_DIR": str(tmp_path)})
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("target, expected", [
    ("/adhesion/", "/adhesion/"),
    ("https://evil.example.org/", "/"),
    ("//evil.example.org/", "/"),
])
def test_login_only_follows_local_next_addresses(client, school, target, expected):
    response = client.post(f"/connexion?next={target}",
                           data={"login": "EcoleDemo", "password": PASSWORD})
    assert response.headers["Location"] == expected


def test_htmx_request_without_session_gets_a_redirect_header(client):
    response = client.post("/deconnexion", headers={"HX-Request": "true"})
    assert response.status_code in (303, 302)
    response = client.get("/adhesion/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/connexion")
