"""CSRF protection on every POST, with the token htmx sends from <body hx-headers>."""

import json
import re

import pytest

from occe import create_app
from occe.schema import upgrade

from .factories import PASSWORD, make_association, make_campaign, make_user


@pytest.fixture
def csrf_app(tmp_path):
    app = create_app({
        "TESTING": True, "SECRET_KEY": "test", "DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'csrf.db'}", "SESSION_COOKIE_SECURE": False,
    })
    with app.app_context():
        upgrade()
        make_association()
        make_campaign()
    return app


def token_from(page):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_post_without_token_is_refused_in_french(csrf_app):
    make_user("EcoleDemo")
    response = csrf_app.test_client().post("/connexion", data={"login": "EcoleDemo", "password": PASSWORD})
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.get_data(as_text=True)


def test_post_with_the_form_token_is_accepted(csrf_app):
    make_user("EcoleDemo")
    client = csrf_app.test_client()
    token = token_from(client.get("/connexion").get_data(as_text=True))
    response = client.post("/connexion", data={"login": "EcoleDemo", "password": PASSWORD,
                                               "csrf_token": token})
    assert response.status_code == 303


def test_htmx_sends_the_token_from_the_body_header(csrf_app):
    make_user("EcoleDemo")
    client = csrf_app.test_client()
    token = token_from(client.get("/connexion").get_data(as_text=True))
    client.post("/connexion", data={"login": "EcoleDemo", "password": PASSWORD, "csrf_token": token})
    page = client.get("/").get_data(as_text=True)
    headers = json.loads(re.search(r"<body hx-headers='([^']+)'", page).group(1))
    response = client.post("/deconnexion", headers={"X-CSRFToken": headers["X-CSRFToken"]})
    assert response.status_code == 303
