"""The membership screen in Debian's Chromium: typing lines with the keyboard,
editing and deleting them, the recap following every change."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, screenshot

pytestmark = pytest.mark.browser


def blank_row(page):
    return page.locator("#line-new")


def type_line(page, label, person, adults, pupils):
    """Type a line in the blank row and press Enter, as a teacher would."""
    row = blank_row(page)
    row.get_by_label("Classe ou fonction").fill(label)
    row.get_by_label("Nom").fill(person)
    row.get_by_label("Adultes").fill(str(adults))
    row.get_by_label("Élèves").fill(str(pupils))
    row.get_by_label("Élèves").press("Enter")


def recap_total(page):
    return page.locator("#recap .recap__total td.num")


def test_add_edit_and_delete_lines_with_the_keyboard(page, login, fresh_demo_school, watch):
    """Enter adds a line and puts the cursor in the new blank line; the recap follows."""
    watch.allow(r"status of 422")  # the wrong value below is answered 422, as it should
    login(page, fresh_demo_school)
    page.get_by_role("link", name="Adhésion", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Adhésion 2026-2027"))).to_be_visible()
    expect(recap_total(page)).to_have_text("20,00\xa0€")

    type_line(page, "CP", "Mme Martin", 1, 24)
    expect(page.locator("tr.line", has_text="Mme Martin")).to_contain_text("66,70\xa0€")
    # The focus is on the new blank line's first field: the next line is typed straight away.
    expect(blank_row(page).get_by_label("Classe ou fonction")).to_be_focused()
    page.keyboard.type("CE1")
    page.keyboard.press("Tab")
    page.keyboard.type("M. Durand")
    page.keyboard.press("Tab")
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    page.keyboard.type("26")
    page.keyboard.press("Enter")
    expect(page.locator("tr.line", has_text="M. Durand")).to_contain_text("76,20\xa0€")
    type_line(page, "ATSEM", "Mme Petit", 1, 0)
    expect(recap_total(page)).to_have_text("167,20\xa0€")

    # A wrong value: the French message beside the field, nothing added.
    type_line(page, "CM1", "M. Roux", 1, 150)
    expect(blank_row(page).get_by_text("Le nombre d'élèves doit être un entier entre 0 et 99.")).to_be_visible()
    expect(blank_row(page).get_by_label("Élèves")).to_be_focused()  # the row has settled
    expect(page.locator("tr.line", has_text="M. Roux")).to_have_count(0)
    expect(recap_total(page)).to_have_text("167,20\xa0€")
    blank_row(page).get_by_label("Élèves").fill("")
    blank_row(page).get_by_label("Classe ou fonction").fill("")
    blank_row(page).get_by_label("Nom").fill("")
    blank_row(page).get_by_label("Adultes").fill("")

    # The options recalculate on change.
    page.get_by_label("Valeur déclarée des biens").fill("5 000")
    page.get_by_label("Nombre d'abonnements").fill("1")
    page.get_by_label("Participation volontaire").fill("10")
    page.get_by_label("Participation volontaire").press("Tab")
    expect(recap_total(page)).to_have_text("222,84\xa0€")
    screenshot(page, "membership-desktop")

    # Modifier (the pencil), then Enregistrer.
    row = page.locator("tr.line", has_text="Mme Martin")
    row.get_by_role("link", name="Modifier la ligne CP").click()
    editing = page.locator("tr.line--form", has=page.get_by_role("button", name="Enregistrer"))
    expect(editing.get_by_label("Élèves")).to_have_value("24")
    editing.get_by_label("Élèves").fill("25")
    screenshot(page, "membership-editing")
    editing.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("tr.line", has_text="Mme Martin")).to_contain_text("69,30\xa0€")
    expect(recap_total(page)).to_have_text("225,44\xa0€")

    # Modifier then Annuler leaves the line as it was.
    page.get_by_role("link", name="Modifier la ligne CE1").click()
    page.get_by_role("link", name="Annuler").click()
    expect(page.locator("tr.line", has_text="M. Durand")).to_contain_text("76,20\xa0€")

    # Supprimer (the cross) asks first; refusing keeps the line.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("link", name="Supprimer la ligne ATSEM").click()
    expect(page.locator("tr.line", has_text="Mme Petit")).to_have_count(1)
    page.once("dialog", lambda dialog: (dialog.message == "Supprimer cette ligne ?") and dialog.accept())
    page.get_by_role("link", name="Supprimer la ligne ATSEM").click()
    expect(page.locator("tr.line", has_text="Mme Petit")).to_have_count(0)
    expect(recap_total(page)).to_have_text("221,14\xa0€")

    # What was typed is in the database: a reload shows the same.
    page.reload()
    expect(page.locator("tr.line:not(.line--form)")).to_have_count(2)
    expect(recap_total(page)).to_have_text("221,14\xa0€")


def test_a_line_deleted_in_another_tab_shows_a_message(page, login, new_school, watch):
    watch.allow(r"404")  # the line is gone: the server says so (htmx logs it)
    login(page, new_school)
    page.goto("/adhesion/")
    type_line(page, "PS", "Mme Roussel", 1, 20)
    expect(page.locator("tr.line", has_text="Mme Roussel")).to_have_count(1)
    other = page.context.new_page()
    other.goto("/adhesion/")
    other.once("dialog", lambda dialog: dialog.accept())
    other.get_by_role("link", name="Supprimer la ligne PS").click()
    expect(other.locator("tr.line", has_text="Mme Roussel")).to_have_count(0)

    page.get_by_role("link", name="Modifier la ligne PS").click()
    expect(page.locator("#messages")).to_contain_text("Cette ligne n'existe plus")


def test_the_screen_on_a_phone(page, login, new_school):
    """At 360 px the lines read as small cards and nothing needs a sideways scroll."""
    login(page, new_school)
    page.set_viewport_size(PHONE)
    page.goto("/adhesion/")
    type_line(page, "GS", "Mme Lefèvre", 2, 27)
    expect(page.locator("tr.line", has_text="Mme Lefèvre")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    screenshot(page, "membership-phone")


def test_everything_works_with_javascript_off(nojs_page, login, new_school, watch):
    """Add, edit, delete through plain forms and confirmation pages, then validate."""
    watch.allow(r"status of 422")  # the mistake below
    page = nojs_page
    login(page, new_school)
    page.goto("/adhesion/")
    type_line(page, "CP", "Mme Martin", 1, 24)
    expect(page.locator("tr.line", has_text="Mme Martin")).to_contain_text("66,70\xa0€")
    type_line(page, "CE1", "M. Durand", 2, 26)
    blank_row(page).get_by_label("Classe ou fonction").fill("ATSEM")
    blank_row(page).get_by_label("Nom").fill("Mme Petit")
    blank_row(page).get_by_label("Adultes").fill("1")
    page.get_by_role("button", name="Ajouter").click()
    expect(recap_total(page)).to_have_text("167,20\xa0€")

    # A mistake comes back on the page with its message and what was typed.
    type_line(page, "CM1", "", 1, 20)
    expect(page.get_by_text("Indiquez le nom.")).to_be_visible()
    expect(blank_row(page).get_by_label("Classe ou fonction")).to_have_value("CM1")

    page.get_by_label("Valeur déclarée des biens").fill("5 000")
    page.get_by_label("Nombre d'abonnements").fill("1")
    page.get_by_label("Participation volontaire").fill("10")
    page.get_by_role("button", name="Recalculer").click()
    expect(recap_total(page)).to_have_text("222,84\xa0€")

    page.get_by_role("link", name="Modifier la ligne CE1").click()
    page.locator("tr.line--form", has=page.get_by_role("button", name="Enregistrer")) \
        .get_by_label("Élèves").fill("25")
    page.get_by_role("button", name="Enregistrer").click()
    expect(recap_total(page)).to_have_text("220,24\xa0€")

    page.get_by_role("link", name="Supprimer la ligne ATSEM").click()
    expect(page.get_by_role("heading", name="Supprimer cette ligne ?")).to_be_visible()
    page.get_by_role("button", name="Supprimer").click()
    expect(page.get_by_text("La ligne « ATSEM » a été supprimée.")).to_be_visible()
    expect(recap_total(page)).to_have_text("215,94\xa0€")

    page.get_by_role("link", name="Valider définitivement").click()
    expect(page.get_by_role("heading", name="Valider définitivement votre adhésion ?")).to_be_visible()
    screenshot(page, "membership-confirm-validation")
    page.get_by_role("button", name="Valider définitivement").click()
    expect(page.get_by_text("Votre adhésion est validée.")).to_be_visible()
    expect(page.locator(".membership__header .state")).to_have_text("Validée par la coopérative")
    expect(page.get_by_role("button", name="Ajouter")).to_have_count(0)
    expect(recap_total(page)).to_have_text("215,94\xa0€")
    screenshot(page, "membership-validated")
