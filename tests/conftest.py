"""Fixtures in flaskr's style: an app on a temporary file database, a client, a runner,
and a helper to log in."""

import os

import pytest
from peewee import sort_models

from occe import create_app
from occe.db import db
from occe.models import ALL_MODELS, SchemaVersion
from occe.schema import LATEST_VERSION, current_version, upgrade

from . import factories


def test_database_url(tmp_path):
    """SQLite in the test's folder, or the server named by OCCE_TEST_DATABASE_URL."""
    return os.environ.get("OCCE_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.db'}"


def on_server(url):
    return not url.startswith("sqlite")


# Whether this session already rebuilt the server database's schema.
_server_schema = {"checked": False}


def reset_database():
    """Empty a shared server database (PostgreSQL) so each test starts clean.

    The tables are dropped and created once per session (a leftover schema from an
    older run may differ), then emptied per test with DELETEs and their id sequences
    restarted, in one round trip. Measured on the tiny tables of a test: a few tens of
    milliseconds, against 300 to 400 ms for TRUNCATE (new files on disk for every table)
    and for dropping and creating them. A test that changed the schema (a migration test) leaves another
    version or table set, and the next test rebuilds it.
    """
    models = [m for m in sort_models(ALL_MODELS) if m is not SchemaVersion]
    tables = [m._meta.table_name for m in models]
    intact = (
        _server_schema["checked"]
        and set(tables) <= set(db.get_tables())
        and current_version() == LATEST_VERSION
    )
    if not intact:
        db.drop_tables(ALL_MODELS, safe=True, cascade=True)
        _server_schema["checked"] = True
        return
    statements = [f'DELETE FROM "{t}"' for t in reversed(tables)] + [
        f"SELECT setval(pg_get_serial_sequence('\"{t}\"', 'id'), 1, false)" for t in tables
    ]
    with db.atomic():
        db.execute_sql("; ".join(statements))


@pytest.fixture
def app(tmp_path):
    url = test_database_url(tmp_path)
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": url,
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
    })
    # No app context stays pushed: requests must not share Flask's ``g`` (and the user
    # Flask-Login caches there) with each other. Models work without one.
    with app.app_context():
        if on_server(url):
            reset_database()
        upgrade()
        factories.make_association()
    yield app
    if not db.is_closed():
        db.close()


@pytest.fixture
def sqlite_only():
    """Skip a test of SQLite's own settings when the suite runs against a server."""
    if on_server(os.environ.get("OCCE_TEST_DATABASE_URL") or "sqlite"):
        pytest.skip("SQLite-specific (pragmas, WAL): the suite runs on PostgreSQL")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def campaign(app):
    return factories.make_campaign()


class AuthActions:
    """Log a test client in and out, as a person would through the login form."""

    def __init__(self, client):
        self._client = client

    def login(self, login, password=factories.PASSWORD):
        return self._client.post("/connexion", data={"login": login, "password": password})

    def logout(self):
        return self._client.post("/deconnexion")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def login_as(app):
    """Return a new client logged in as ``user`` (CTFd's ``login_as_user``)."""

    def _login_as(user, password=factories.PASSWORD):
        client = app.test_client()
        response = AuthActions(client).login(user.login, password)
        assert response.status_code == 303, response.get_data(as_text=True)
        return client

    return _login_as
