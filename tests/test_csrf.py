"""CSRF protection on every POST, with the token htmx sends from <body hx-headers>."""

import json
import re

import pytest

from .factories import PASSWORD, make_user
from .membership_support import app_on_file


@pytest.fixture
def csrf_app(tmp_path):
    """An app with CSRF protection on (the ``app`` fixture turns it off)."""
    return app_on_file(tmp_path)


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
