"""The audit log page: who, when, what in French, on which cooperative; filters, pages."""

from datetime import datetime

import pytest

from occe.models import AuditEvent

from .factories import make_cooperative, make_membership
from .staff_helpers import make_staff


@pytest.fixture
def staff(login_as, app):
    return login_as(make_staff())


@pytest.fixture
def events(campaign):
    jaures = make_cooperative(number="099-0001", school_name="École Jean Jaurès")
    curie = make_cooperative(number="099-0003", school_name="École Marie Curie")
    membership = make_membership(jaures, campaign)

    def event(action, login, at, **fields):
        AuditEvent.create(action=action, login=login, at=at, **fields)

    event("payment_recorded", "Gestion", datetime(2026, 10, 1, 10), membership=membership,
          cooperative=jaures, detail="167,20 € par chèque")
    event("membership_reopened", "AdminOCCE", datetime(2026, 10, 5, 10), cooperative=curie,
          detail="Une classe manque")
    event("login_failed", "inconnu", datetime(2026, 10, 9, 23, 30))


def shown(page):
    return [label for label in ("Règlement enregistré", "Adhésion rouverte", "Échec de connexion")
            if label in page.split("<tbody>")[1]]


def test_the_log_shows_who_when_what_and_where(staff, events):
    page = staff.get("/gestion/journal").get_data(as_text=True)
    assert shown(page) == ["Règlement enregistré", "Adhésion rouverte", "Échec de connexion"]
    rows = page.split("<tbody>")[1]
    assert rows.index("Échec de connexion") < rows.index("Adhésion rouverte")  # latest first
    assert "099-0001 · École Jean Jaurès" in page and "167,20 € par chèque" in page
    assert "1 octobre 2026 à 12:00" in page  # Paris time


@pytest.mark.parametrize("query, expected", [
    ("action=membership_reopened", ["Adhésion rouverte"]),
    ("utilisateur=admin", ["Adhésion rouverte"]),
    ("cooperative=jaur", ["Règlement enregistré"]),
    ("cooperative=099-0003", ["Adhésion rouverte"]),
    ("du=2026-10-05", ["Adhésion rouverte", "Échec de connexion"]),
    ("au=2026-10-05", ["Règlement enregistré", "Adhésion rouverte"]),
    ("du=2026-10-02&au=2026-10-04", []),
    # The days are Paris's: 9 October, 23:30 UTC is 10 October, 01:30 in Paris.
    ("du=2026-10-10&au=2026-10-10", ["Échec de connexion"]),
    ("au=2026-10-09", ["Règlement enregistré", "Adhésion rouverte"]),
    ("du=pas-une-date", ["Règlement enregistré", "Adhésion rouverte", "Échec de connexion"]),
])
def test_filters(staff, events, query, expected):
    page = staff.get(f"/gestion/journal?{query}").get_data(as_text=True)
    assert shown(page) == expected


def test_the_action_filter_lists_french_labels(staff, events):
    page = staff.get("/gestion/journal").get_data(as_text=True)
    assert '<option value="membership_reopened">Adhésion rouverte</option>' in page


def test_htmx_gets_only_the_results(staff, events):
    body = staff.get("/gestion/journal?action=login_failed",
                     headers={"HX-Request": "true", "HX-Target": "audit-results"}).get_data(as_text=True)
    assert '<section id="audit-results"' in body and "<html" not in body


def test_pages_of_50(staff, app):
    for n in range(60):
        AuditEvent.create(action="login", login=f"user{n:02d}", at=datetime(2026, 10, 1, 0, n))
    first = staff.get("/gestion/journal?action=login").get_data(as_text=True)
    second = staff.get("/gestion/journal?action=login&page=2").get_data(as_text=True)
    assert "user59" in first and "user09" not in first
    assert "user09" in second and "user00" in second and "page 2 sur 2" in second
    assert "action=login&amp;page=2" in first
