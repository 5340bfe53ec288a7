"""What the membership tests share: htmx headers, reading pages, a school and its client."""

import re

import pytest

from occe import create_app
from occe.schema import upgrade

from .factories import WORKED_EXAMPLE_LINES, make_association, make_campaign, make_membership, make_user

HTMX = {"HX-Request": "true"}

# The endpoints that act on one line (method, path with {id}).
LINE_ENDPOINTS = [
    ("get", "/adhesion/lignes/{id}"),
    ("get", "/adhesion/lignes/{id}/modifier"),
    ("post", "/adhesion/lignes/{id}"),
    ("get", "/adhesion/lignes/{id}/supprimer"),
    ("post", "/adhesion/lignes/{id}/supprimer"),
]


def text(response):
    return response.get_data(as_text=True)


def line_data(label="CP", person="Mme Martin", adults="1", pupils="24"):
    return dict(label=label, person=person, adults=str(adults), pupils=str(pupils))


def recap_total(page):
    """Return the amount shown on the recap's "Total" row."""
    match = re.search(r'class="recap__total">.*?<td class="num">([^<]+)</td>', page, re.S)
    return match.group(1).replace("\u202f", " ").replace("\xa0", " ")


def app_on_file(tmp_path, **config):
    """An app on its own SQLite file with the test campaign, for tests that need CSRF
    on or several threads (the ``app`` fixture's defaults otherwise)."""
    app = create_app({
        "TESTING": True, "SECRET_KEY": "test", "DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'own.db'}", "SESSION_COOKIE_SECURE": False,
        **config,
    })
    with app.app_context():
        upgrade()
        make_association()
        make_campaign()
    return app


@pytest.fixture
def school(campaign):
    return make_user("EcoleDemo")


@pytest.fixture
def client_school(school, login_as):
    return login_as(school)


@pytest.fixture
def worked(school, campaign):
    """The school's draft holding DESIGN.md's worked example (167,20 €)."""
    return make_membership(school.cooperative, campaign, lines=WORKED_EXAMPLE_LINES)
