"""Fixtures in flaskr's style: an app on a temporary file database, a client, a runner,
and a helper to log in."""

import os

import pytest

from occe import create_app
from occe.db import db
from occe.schema import upgrade

from . import factories


def test_database_url(tmp_path):
    """SQLite in the test's folder, or the server named by OCCE_TEST_DATABASE_URL."""
    return os.environ.get("OCCE_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.db'}"


def reset_database():
    """Empty a shared server database (PostgreSQL) so each test starts clean."""
    from occe.models import ALL_MODELS

    db.drop_tables(ALL_MODELS, safe=True, cascade=True)


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
        if not url.startswith("sqlite"):
            reset_database()
        upgrade()
        factories.make_association()
    yield app
    if not db.is_closed():
        db.close()


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
