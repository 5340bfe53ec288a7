"""The school's home page: the follow-up of its membership and its private notes."""

from datetime import date, datetime

import pytest

from occe.documents.follow_up import follow_up
from occe.db import db
from occe.home import NOTES_MAX_LENGTH
from occe.models import Cooperative, DocumentReceipt, Membership, Payment

from .documents_helpers import validated_membership
from .factories import make_cooperative, make_membership, make_user


@pytest.fixture
def school(app, campaign):
    return make_user("EcoleDemo", cooperative=make_cooperative(school_name="École Jean Jaurès"))


def home_page(login_as, user):
    return login_as(user).get("/").get_data(as_text=True)


def test_home_keeps_the_membership_button(login_as, school):
    page = home_page(login_as, school)
    assert 'href="/adhesion/"' in page and ">Adhésion</a>" in page


def test_follow_up_of_a_membership_not_started_says_so(login_as, school):
    page = home_page(login_as, school)
    assert "Suivi de votre adhésion" in page
    assert "Vous n'avez pas encore commencé votre adhésion 2026-2027" in page


def test_follow_up_of_a_draft_shows_every_step_waiting(login_as, school, campaign):
    make_membership(school.cooperative, campaign, [("CP", "Mme Martin", 1, 24)])
    page = home_page(login_as, school)
    assert page.count("follow-up__step--pending") == 4
    assert "Votre adhésion est en brouillon" in page
    assert "0,00\xa0€ reçus sur 86,70\xa0€ dus" in page


def test_follow_up_shows_each_steps_date(login_as, school, campaign):
    """A few days later, the school sees each step done, with its date."""
    validated_membership(school.cooperative, campaign, Membership.OCCE_VALIDATED)
    page = home_page(login_as, school)
    assert page.count("follow-up__step--done") == 4
    for label, day in [
        ("Validée par la coopérative", "2 octobre 2026"),
        ("Engagement du mandataire reçu", "5 octobre 2026"),
        ("Règlement reçu", "6 octobre 2026"),
        ("Validée par l&#39;OCCE", "9 octobre 2026"),
    ]:
        assert f"<strong>{label}</strong>" in page
        assert f">{day}</time>" in page, day
    assert "167,20\xa0€ reçus sur 167,20\xa0€ dus" in page


def test_follow_up_shows_a_changement_and_a_partial_payment(login_as, school, campaign):
    """A changement de mandataire counts as the document; a cancelled payment does not count."""
    membership = validated_membership(school.cooperative, campaign)
    DocumentReceipt.create(membership=membership, kind=DocumentReceipt.CHANGEMENT,
                           received_on=date(2026, 10, 7))
    Payment.create(membership=membership, amount_cents=5000, mode="virement", paid_on=date(2026, 10, 8))
    Payment.create(membership=membership, amount_cents=11720, mode="cheque", paid_on=date(2026, 10, 12),
                   cancelled_at=datetime(2026, 10, 13), cancel_reason="Chèque sans provision")
    page = home_page(login_as, school)
    assert "<strong>Changement de mandataire reçu</strong>" in page
    assert ">7 octobre 2026</time>" in page
    assert "follow-up__step--partial" in page and "<strong>Règlement reçu en partie</strong>" in page
    assert "50,00\xa0€ reçus sur 167,20\xa0€ dus" in page
    assert ">8 octobre 2026</time>" in page and "12 octobre 2026" not in page
    assert "<strong>Validée par l&#39;OCCE</strong>" in page and "9 octobre 2026" not in page


def test_follow_up_takes_two_queries(app, school, campaign, monkeypatch):
    """However many receipts and payments, the follow-up is read in two queries."""
    membership = validated_membership(school.cooperative, campaign, Membership.OCCE_VALIDATED)
    DocumentReceipt.create(membership=membership, kind=DocumentReceipt.CHANGEMENT,
                           received_on=date(2026, 10, 7))
    for day in (6, 7, 8):
        Payment.create(membership=membership, amount_cents=100, mode="cheque", paid_on=date(2026, 10, day))
    queries = []
    execute_sql = type(db.obj).execute_sql
    monkeypatch.setattr(type(db.obj), "execute_sql",
                        lambda self, sql, *a, **k: queries.append(sql) or execute_sql(self, sql, *a, **k))
    found, steps = follow_up(school.cooperative, campaign)
    assert len(queries) == 2
    assert found.id == membership.id
    assert [s.label for s in steps][1:3] == ["Engagement du mandataire reçu",
                                            "Changement de mandataire reçu"]
    assert steps[3].on == date(2026, 10, 8)


# Notes personnelles

def test_notes_are_saved_without_javascript(login_as, school):
    client = login_as(school)
    response = client.post("/notes", data={"notes": "Commander les cahiers\r\nAppeler Mme Roussel"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/#notes")
    assert Cooperative.get_by_id(school.cooperative_id).private_notes == (
        "Commander les cahiers\nAppeler Mme Roussel"
    )
    page = client.get("/").get_data(as_text=True)
    assert "Vos notes personnelles sont enregistrées." in page
    assert "Commander les cahiers\nAppeler Mme Roussel</textarea>" in page


def test_notes_are_saved_with_htmx_and_the_saving_is_announced(login_as, school):
    response = login_as(school).post("/notes", data={"notes": "Réunion coopérative jeudi"},
                                     headers={"HX-Request": "true"})
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<form id="notes-form"')
    assert "Réunion coopérative jeudi</textarea>" in fragment
    assert 'id="notes-status"' in fragment and 'hx-swap-oob="innerHTML"' in fragment
    assert "Notes enregistrées à" in fragment
    assert "<html" not in fragment
    assert Cooperative.get_by_id(school.cooperative_id).private_notes == "Réunion coopérative jeudi"


def test_the_home_page_has_a_polite_live_region_for_the_notes(login_as, school):
    page = home_page(login_as, school)
    assert '<p id="notes-status" class="notes-status" role="status" aria-live="polite">' in page
    assert page.count('id="notes"') == 1  # the textarea, which the plain form's redirect targets
    assert 'hx-post="/notes"' in page and 'action="/notes"' in page


@pytest.mark.parametrize("htmx", [True, False])
def test_notes_beyond_the_limit_are_refused_and_kept_on_screen(login_as, school, htmx):
    """Too long, the notes are not saved; the French message says why and nothing typed is lost."""
    Cooperative.update(private_notes="Anciennes notes").where(
        Cooperative.id == school.cooperative_id).execute()
    too_long = "é" * (NOTES_MAX_LENGTH + 1)
    headers = {"HX-Request": "true"} if htmx else {}
    response = login_as(school).post("/notes", data={"notes": too_long}, headers=headers)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Vos notes dépassent 5 000 caractères (5001 actuellement)" in page
    assert 'aria-invalid="true"' in page and 'aria-describedby="notes-hint notes-error"' in page
    assert f"{too_long}</textarea>" in page
    assert Cooperative.get_by_id(school.cooperative_id).private_notes == "Anciennes notes"


def test_line_breaks_count_as_one_character(login_as, school):
    """Browsers send CRLF: 5 000 characters with line breaks still fit."""
    text = ("a" * 99 + "\r\n") * 50  # 100 characters a line once normalised
    response = login_as(school).post("/notes", data={"notes": text})
    assert response.status_code == 303
    assert len(Cooperative.get_by_id(school.cooperative_id).private_notes) == NOTES_MAX_LENGTH


def test_notes_are_not_visible_to_another_school(login_as, school):
    login_as(school).post("/notes", data={"notes": "Code du portail : 1234"})
    neighbour = make_user("EcoleVoisine")
    assert "Code du portail" not in home_page(login_as, neighbour)


def test_staff_have_no_notes_to_save(login_as, school):
    staff = make_user("Gestion", role="staff")
    response = login_as(staff).post("/notes", data={"notes": "x"})
    assert response.status_code == 403
