"""The whole journey of a membership in Debian's Chromium, with and without JavaScript.

EcoleDemo types DESIGN.md's worked example with the keyboard, corrects a line, deletes
another, sets its options, reads the recap to the cent, validates and prints its two
documents; AdminOCCE records the engagement and the payment and validates; the school
then sees its follow-up complete and prints its attestation and certificate. The
``watch`` fixture fails the test on any console error or Content-Security-Policy
violation along the way.
"""

import re

import pytest
from playwright.sync_api import expect

from occe.models import Cooperative, DocumentReceipt, Membership

from ..factories import WORKED_EXAMPLE_LINES
from .conftest import DEMO_ADMIN, screenshot

pytestmark = pytest.mark.browser

DEMO_NUMBER = "099-0001"  # EcoleDemo's cooperative

# CE1 is first typed with a wrong count of pupils (corrected later); CM1 is typed by
# mistake (deleted later).
TYPED_LINES = [
    ("CP", "Mme Martin", 1, 24),
    ("CE1", "M. Durand", 2, 62),
    ("ATSEM", "Mme Petit", 1, 0),
    ("CM1", "M. Doublon", 1, 22),
]


def recap_total(page):
    return page.get_by_role("region", name="Récapitulatif").get_by_role("row", name=re.compile("^Total"))


def line_row(page, person):
    """The saved line of ``person`` (the blank line's typed values are not its text)."""
    return page.get_by_role("row").filter(has_text=person)


def type_line_with_keyboard(page, label, person, adults, pupils):
    """From the blank line's first field: type, Tab to the next field, Enter to add."""
    page.get_by_role("textbox", name="Classe ou fonction").last.focus()
    for value in (label, person, str(adults)):
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    page.keyboard.type(str(pupils))
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name=f"Modifier la ligne {label}", exact=True)).to_be_visible()


def open_pdf(page, name):
    """Open a document button's PDF in its new tab; check the answer is a PDF; close the tab."""
    context = page.context
    with context.expect_event("response", lambda r: "/documents/" in r.url) as answer, context.expect_page() as tab:
        page.get_by_role("link", name=re.compile(f"^{name}")).click()
    response = answer.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    # The tab shows Chromium's viewer; the bytes it was given are fetched again to be read.
    assert context.request.get(response.url).body().startswith(b"%PDF-")
    tab.value.close()
    return response


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_the_whole_journey(new_context, login, fresh_demo_school, javascript):
    school = new_context(javascript=javascript).new_page()
    login(school, fresh_demo_school)
    school.get_by_role("link", name="Adhésion", exact=True).click()
    expect(school.get_by_role("heading", name="Adhésion 2026-2027")).to_be_visible()

    for line in TYPED_LINES:
        type_line_with_keyboard(school, *line)
    expect(line_row(school, "Mme Martin")).to_contain_text("66,70\xa0€")

    # Correct CE1's pupils with Modifier (the pencil) then Enregistrer.
    school.get_by_role("link", name="Modifier la ligne CE1").click()
    pupils = school.get_by_role("row").filter(has=school.get_by_role("button", name="Enregistrer")) \
        .get_by_role("textbox", name="Élèves")
    expect(pupils).to_have_value("62")
    pupils.fill("26")
    pupils.press("Enter")
    expect(line_row(school, "M. Durand")).to_contain_text("76,20\xa0€")

    # Delete the line typed by mistake, confirming.
    if javascript:
        school.once("dialog", lambda dialog: dialog.accept())
        school.get_by_role("link", name="Supprimer la ligne CM1").click()
    else:
        school.get_by_role("link", name="Supprimer la ligne CM1").click()
        expect(school.get_by_role("heading", name="Supprimer cette ligne ?")).to_be_visible()
        school.get_by_role("button", name="Supprimer").click()
    expect(line_row(school, "M. Doublon")).to_have_count(0)

    for label, person, _adults, _pupils in WORKED_EXAMPLE_LINES:
        expect(line_row(school, person)).to_contain_text(label)
    expect(line_row(school, "Mme Petit")).to_contain_text("4,30\xa0€")
    expect(recap_total(school)).to_contain_text("167,20\xa0€")

    school.get_by_label("Valeur déclarée des biens").fill("5 000")
    school.get_by_label("Nombre d'abonnements").fill("1")
    school.get_by_label("Participation volontaire").fill("10")
    school.get_by_role("button", name="Recalculer").click()
    recap = school.get_by_role("region", name="Récapitulatif")
    expect(recap.get_by_role("row", name=re.compile("^Assurance des biens"))).to_contain_text("20,64\xa0€")
    expect(recap.get_by_role("row", name=re.compile("^Abonnement"))).to_contain_text("25,00\xa0€")
    expect(recap_total(school)).to_contain_text("222,84\xa0€")

    school.get_by_role("link", name="Valider définitivement").click()
    expect(school.get_by_text("pour un total de 222,84\xa0€")).to_be_visible()
    school.get_by_role("button", name="Valider définitivement").click()
    expect(school.get_by_text("Votre adhésion est validée.")).to_be_visible()
    open_pdf(school, "Engagement du mandataire")
    open_pdf(school, "Changement de mandataire")

    membership = Membership.get(Membership.cooperative == Cooperative.get(number=DEMO_NUMBER))
    assert membership.state == Membership.SCHOOL_VALIDATED
    assert membership.total_cents == 22284

    staff = new_context(javascript=javascript).new_page()
    login(staff, DEMO_ADMIN)
    staff.get_by_role("navigation", name="Gestion").get_by_role("link", name="Adhésions").click()
    staff.get_by_label("Rechercher").fill(DEMO_NUMBER)
    staff.get_by_label("Rechercher").press("Enter")
    expect(staff.get_by_text("1 coopérative", exact=True)).to_be_visible()
    staff.get_by_role("link", name="École élémentaire Jean Jaurès").click()
    staff.get_by_role("button", name="Engagement du mandataire reçu").click()
    expect(staff.get_by_text(re.compile(r"^Reçu le \d"))).to_have_count(1)
    staff.get_by_label("Montant").fill("222,84")
    staff.get_by_label("Mode de règlement").select_option(label="Chèque")
    staff.get_by_label("Référence").fill("Chèque n° 4521873")
    staff.get_by_role("button", name="Enregistrer le règlement").click()
    expect(staff.get_by_text("soldé")).to_be_visible()
    staff.get_by_role("button", name="Valider l'adhésion").click()
    expect(staff.get_by_text(re.compile("^Adhésion validée par l'OCCE le"))).to_be_visible()

    membership = Membership.get_by_id(membership.id)
    assert membership.state == Membership.OCCE_VALIDATED
    assert [r.kind for r in membership.receipts] == [DocumentReceipt.ENGAGEMENT]
    assert [(p.amount_cents, p.mode) for p in membership.payments] == [(22284, "cheque")]

    school.goto("/")
    follow_up = school.get_by_role("region", name="Suivi de votre adhésion")
    expect(follow_up.get_by_role("listitem")).to_have_count(4)
    for step in ("Validée par la coopérative", "Engagement du mandataire reçu", "Règlement reçu",
                 "Validée par l'OCCE"):
        expect(follow_up.get_by_role("listitem").filter(has_text=step)).to_contain_text("Fait :")
    expect(follow_up).to_contain_text("222,84\xa0€ reçus sur 222,84\xa0€ dus")
    screenshot(school, f"journey-follow-up-{'js' if javascript else 'nojs'}")
    open_pdf(school, "Attestation d'adhésion")
    open_pdf(school, "Certificat d'assurance")
