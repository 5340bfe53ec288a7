"""Server-side sessions: a copied cookie stops working at logout, password change, reset or
disabling; idle and absolute timeouts; expiry seen by htmx; CSRF failures in French."""

import re
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner

from occe import create_app, sessions
from occe.db import db
from occe.models import ALL_MODELS, MembershipLine, SchemaVersion, User, UserSession, utcnow
from occe.schema import LATEST_VERSION, upgrade
from occe.sessions import revoke_sessions

from .apps import app_with_csrf
from .factories import PASSWORD, make_association, make_campaign, make_user

COOKIE = "occe_session"
NEW = "lanterne-violon-marée-basse"


@pytest.fixture
def school(app, campaign):
    return make_user("EcoleDemo")


def copy_of(app, client):
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return thief


def is_logged_in(client):
    return client.get("/").status_code == 200


@pytest.fixture
def clock(monkeypatch):
    """Move the sessions' clock forward: ``clock(minutes=61)``."""
    start = utcnow()

    def move(**delta):
        monkeypatch.setattr(sessions, "utcnow", lambda: start + timedelta(**delta))

    return move


def test_login_opens_a_session_row_and_the_cookie_holds_only_a_random_key(app, client, auth, school):
    auth.login("EcoleDemo")
    row = UserSession.get(UserSession.user == school.id)
    assert row.revoked_at is None and row.address == "127.0.0.1"
    assert row.user_agent.startswith("Werkzeug")
    with client.session_transaction() as session:
        key = session[sessions.SESSION_KEY]
    assert len(key) >= 40 and key != row.key_hash and key not in row.key_hash


def test_a_copied_cookie_works_until_logout_then_never_again(app, client, auth, school):
    auth.login("EcoleDemo")
    thief = copy_of(app, client)
    assert is_logged_in(thief)
    auth.logout()
    assert not is_logged_in(client)
    assert not is_logged_in(thief)
    assert UserSession.get(UserSession.user == school.id).revoked_reason == "logout"


def test_password_change_ends_the_other_sessions_but_keeps_this_one(app, login_as, school):
    laptop, school_pc = login_as(school), login_as(school)
    copy = copy_of(app, laptop)
    response = laptop.post("/mot-de-passe", data={"current": PASSWORD, "new": NEW, "confirmation": NEW})
    assert response.status_code == 303
    assert is_logged_in(laptop)
    assert not is_logged_in(school_pc)
    reasons = sorted(row.revoked_reason for row in UserSession.select())
    assert reasons == ["", "password_changed"]
    # The copy of the laptop's cookie predates the change: its session version is old.
    assert not is_logged_in(copy)


def test_revoke_sessions_ends_every_session_of_the_account_only(app, login_as, school):
    """What the staff's "Désactiver" and "Réinitialiser le mot de passe" call."""
    other = make_user("EcoleVoisine")
    first, second, neighbour = login_as(school), login_as(school), login_as(other)
    assert revoke_sessions(school, reason="disabled") == 2
    assert not is_logged_in(first) and not is_logged_in(second)
    assert is_logged_in(neighbour)


def test_revoke_sessions_can_keep_one(app, login_as, school):
    first, second = login_as(school), login_as(school)
    kept = UserSession.select().order_by(UserSession.id).first()
    assert revoke_sessions(school, except_session=kept) == 1
    assert is_logged_in(first) and not is_logged_in(second)


def test_password_reset_from_the_command_line_ends_the_sessions(app, runner, login_as, school):
    client = login_as(school)
    assert runner.invoke(args=["set-password", "EcoleDemo"]).exit_code == 0
    assert not is_logged_in(client)
    assert UserSession.get().revoked_reason == "password_reset"


@pytest.mark.parametrize("minutes, still_open", [(59, True), (61, False)])
def test_idle_timeout_defaults_to_an_hour(app, login_as, school, clock, minutes, still_open):
    client = login_as(school)
    clock(minutes=minutes)
    assert is_logged_in(client) is still_open


def test_activity_keeps_a_session_open_until_the_absolute_limit(app, login_as, school, clock):
    client = login_as(school)
    for minutes in range(50, 12 * 60, 50):
        clock(minutes=minutes)
        assert is_logged_in(client), minutes
    clock(hours=12, seconds=1)
    assert not is_logged_in(client)
    assert UserSession.get().revoked_reason == "expired"


def test_an_expired_session_tells_why_on_the_login_page(app, login_as, school, clock):
    client = login_as(school)
    clock(minutes=61)
    response = client.get("/adhesion/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Votre session a expiré" in page


def test_an_htmx_request_on_an_expired_session_gets_a_full_page_redirect(app, login_as, school, clock):
    client = login_as(school)
    clock(minutes=61)
    response = client.get("/adhesion/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/connexion")
    assert response.get_data(as_text=True) == ""


@pytest.mark.parametrize("setting, value, delta, still_open", [
    ("SESSION_IDLE_MINUTES", 5, {"minutes": 4}, True),
    ("SESSION_IDLE_MINUTES", 5, {"minutes": 6}, False),
    ("SESSION_MAX_HOURS", 1, {"minutes": 30}, True),
])
def test_timeouts_are_configurable(app, login_as, school, clock, setting, value, delta, still_open):
    app.config[setting] = value
    client = login_as(school)
    clock(**delta)
    assert is_logged_in(client) is still_open


def test_absolute_limit_is_configurable(app, login_as, school, clock):
    app.config["SESSION_MAX_HOURS"] = 1
    client = login_as(school)
    for minutes in (30, 59):
        clock(minutes=minutes)
        assert is_logged_in(client)
    clock(minutes=61)
    assert not is_logged_in(client)


def test_timeouts_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("OCCE_SESSION_IDLE_MINUTES", "20")
    monkeypatch.setenv("OCCE_SESSION_MAX_HOURS", "8")
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATA_DIR": str(tmp_path)})
    assert app.config["SESSION_IDLE_MINUTES"] == 20 and app.config["SESSION_MAX_HOURS"] == 8


def test_last_seen_is_written_at_most_once_a_minute(app, login_as, school, clock):
    client = login_as(school)
    opened = UserSession.get().last_seen_at
    clock(seconds=30)
    assert is_logged_in(client) and is_logged_in(client)
    assert UserSession.get().last_seen_at == opened
    clock(seconds=61)
    assert is_logged_in(client)
    assert UserSession.get().last_seen_at > opened


def test_a_cookie_without_a_session_key_is_refused(app, client, auth, school):
    """A session signed before the registry existed (or forged without a key) opens nothing."""
    auth.login("EcoleDemo")
    with client.session_transaction() as session:
        del session[sessions.SESSION_KEY]
    assert not is_logged_in(client)


def test_another_accounts_session_key_is_refused(app, login_as, school):
    other = make_user("EcoleVoisine")
    mine, theirs = login_as(school), login_as(other)
    with theirs.session_transaction() as session:
        their_key = session[sessions.SESSION_KEY]
    with mine.session_transaction() as session:
        session[sessions.SESSION_KEY] = their_key
    assert not is_logged_in(mine)


def test_old_ended_sessions_are_cleaned_up_at_login(app, login_as, school):
    UserSession.create(key_hash="x" * 64, user=school, created_at=utcnow() - timedelta(days=45),
                       last_seen_at=utcnow() - timedelta(days=45))
    login_as(school)
    assert not UserSession.select().where(UserSession.key_hash == "x" * 64).exists()
    assert UserSession.select().count() == 1


def table_shape(table):
    columns = {(c.name, c.data_type.upper(), c.null) for c in db.get_columns(table)}
    indexes = {(i.name, tuple(i.columns), i.unique) for i in db.get_indexes(table)}
    foreign_keys = {(f.column, f.dest_table) for f in db.get_foreign_keys(table)}
    return columns, indexes, foreign_keys


def test_a_foundation_database_upgrades_to_the_session_registry(tmp_path):
    """A database made at schema version 1 (no user_session table) is migrated in place."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATA_DIR": str(tmp_path),
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'v1.db'}", "SESSION_COOKIE_SECURE": False,
                      "WTF_CSRF_ENABLED": False})
    with app.app_context(), db.connection_context():
        db.create_tables([m for m in ALL_MODELS if m is not UserSession])
        SchemaVersion.create(version=1)
        make_association()
        make_campaign()
        make_user("EcoleDemo")
        assert not db.table_exists("user_session")
        assert upgrade() == LATEST_VERSION
        assert db.table_exists("user_session")
        migrated = table_shape("user_session")
        db.drop_tables([UserSession])
        db.create_tables([UserSession])
        assert migrated == table_shape("user_session")  # what a new database gets
    client = app.test_client()
    assert client.post("/connexion", data={"login": "EcoleDemo", "password": PASSWORD}).status_code == 303
    assert is_logged_in(client)
    assert User.get().login == "EcoleDemo"


# --- CSRF failures answer in French, to a form as to htmx ------------------------------

@pytest.fixture
def csrf_app(tmp_path):
    app = app_with_csrf(tmp_path, WTF_CSRF_TIME_LIMIT=3600)
    make_user("EcoleDemo")
    return app


def logged_in_with_token(app):
    client = app.test_client()
    page = client.get("/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/connexion", data={"login": "EcoleDemo", "password": PASSWORD, "csrf_token": token})
    page = client.get("/").get_data(as_text=True)
    return client, re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize("token_kind", ["missing", "forged", "expired"])
def test_a_bad_csrf_token_gives_a_french_message_never_a_500(csrf_app, monkeypatch, htmx, token_kind):
    client, token = logged_in_with_token(csrf_app)
    headers = {"HX-Request": "true"} if htmx else {}
    if token_kind == "forged":
        headers["X-CSRFToken"] = token[:-4] + "AAAA"
    elif token_kind == "expired":
        headers["X-CSRFToken"] = token
        later = TimestampSigner.get_timestamp(TimestampSigner("k")) + 7200
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    response = client.post("/deconnexion", headers=headers)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Le formulaire a expiré" in body
    # htmx gets the message alone, to show in place; a form gets a whole page.
    assert ("<html" in body) is not htmx
    monkeypatch.undo()
    assert is_logged_in(client)  # the refused logout changed nothing


# --- The main htmx endpoints of the membership screen -----------------------------------

@pytest.mark.parametrize("path, data", [
    ("/adhesion/lignes", {"label": "CP", "person": "Mme Martin", "adults": "1", "pupils": "24"}),
    ("/adhesion/options", {"declared_value": "5000", "subscriptions": "1"}),
])
def test_an_expired_session_on_a_line_save_or_the_options_gets_hx_redirect(
        app, login_as, school, clock, path, data):
    client = login_as(school)
    clock(minutes=61)
    response = client.post(path, data=data, headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/connexion")
    assert UserSession.select().where(UserSession.revoked_at.is_null()).count() == 0
    assert MembershipLine.select().count() == 0


def test_an_expired_csrf_token_on_an_htmx_line_save_gives_the_french_message(csrf_app, monkeypatch):
    client, token = logged_in_with_token(csrf_app)
    later = TimestampSigner.get_timestamp(TimestampSigner("k")) + 7200
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    response = client.post("/adhesion/lignes", headers={"HX-Request": "true", "X-CSRFToken": token},
                           data={"label": "CP", "person": "Mme Martin", "adults": "1", "pupils": "24"})
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.get_data(as_text=True)
    assert MembershipLine.select().count() == 0
