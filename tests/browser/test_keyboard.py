"""Keyboard only: the membership is filled, corrected and validated with Tab, Shift+Tab,
Enter, Space and Escape, never the mouse. The focus is always visible and never falls back to
<body> after htmx swaps a row."""

import re

import pytest
from playwright.sync_api import expect

from occe.models import Membership, User

pytestmark = pytest.mark.browser

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const label = el.labels && el.labels.length ? el.labels[0].innerText
              : el.getAttribute("aria-label") || el.innerText || el.value || "";
  return {tag: el.tagName, name: label.trim().replace(/\\s+/g, " "),
          outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2};
}"""


def focused(page):
    """What has the focus: ``{tag, name, outline}``; fails when the focus is on <body>."""
    info = page.evaluate(FOCUSED)
    assert info is not None, "Le focus est revenu sur <body>."
    assert info["outline"], f"Le focus sur {info} ne se voit pas."
    return info


def expect_focus(page, locator):
    """Wait for the focus to reach ``locator`` (htmx settles after the swap); it must show."""
    expect(locator).to_be_focused()
    focused(page)


def tab_to(page, name, backwards=False, limit=60):
    """Press Tab (Shift+Tab) until the focus is on what is named ``name`` (a regex).

    Nothing is pressed when the focus is there already (an autofocus field). A page just
    reached is first left to load its style sheet (the focus ring is in it), as a person
    sees it before pressing Tab."""
    page.wait_for_load_state()
    current = page.evaluate(FOCUSED)
    if current and re.search(name, current["name"]):
        return
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if re.search(name, focused(page)["name"]):
            return
    raise AssertionError(f"« {name} » n'est pas atteint au clavier.")


def total_bar(page):
    return page.get_by_role("paragraph").filter(has_text="Total de l'adhésion")


def type_line(page, *values):
    """Type a line from its first field: Tab between the fields, Enter to add it."""
    for value in values[:-1]:
        page.keyboard.type(str(value))
        page.keyboard.press("Tab")
    page.keyboard.type(str(values[-1]))
    page.keyboard.press("Enter")


def test_fill_correct_and_validate_with_the_keyboard(page, new_school):
    login, password = new_school
    page.goto("/connexion")
    tab_to(page, "^Identifiant")
    page.keyboard.type(login)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Adhésion", exact=True)).to_be_visible()

    tab_to(page, "^Adhésion$")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("^Adhésion "))).to_be_visible()
    tab_to(page, "^Classe ou fonction$")
    for line in (("CP", "Mme Martin", 1, 24), ("CE1", "M. Durand", 2, 62), ("ATSEM", "Mme Petit", 1, 0)):
        type_line(page, *line)
        expect(page.get_by_role("link", name=f"Modifier la ligne {line[0]}")).to_be_visible()
        # A person types on once the cursor is back in the new blank line.
        expect(page.get_by_role("textbox", name="Classe ou fonction").last).to_be_focused()

    # Back up to CE1's pencil, correct the pupils, Enter saves: the focus stays on the line.
    tab_to(page, "^Modifier la ligne CE1$", backwards=True)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Enregistrer")).to_be_visible()
    expect_focus(page, page.get_by_role("textbox", name="Classe ou fonction").first)
    tab_to(page, "^Élèves$")
    page.keyboard.press("Control+A")
    page.keyboard.type("26")
    page.keyboard.press("Enter")
    expect(page.get_by_role("row").filter(has_text="M. Durand")).to_contain_text("76,20\xa0€")
    expect_focus(page, page.get_by_role("link", name="Modifier la ligne CE1"))

    # Open then leave the editing with "Annuler": the focus comes back to the line.
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Enregistrer")).to_be_visible()
    tab_to(page, "^Annuler$")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Enregistrer")).to_have_count(0)
    expect_focus(page, page.get_by_role("link", name="Modifier la ligne CE1"))

    # Escape does the same as "Annuler": what was typed is dropped, the saved line is back.
    page.keyboard.press("Enter")
    expect_focus(page, page.get_by_role("textbox", name="Classe ou fonction").first)
    page.keyboard.type("CM2")
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Enregistrer")).to_have_count(0)
    expect_focus(page, page.get_by_role("link", name="Modifier la ligne CE1"))

    # Delete ATSEM: Enter on the cross, the confirmation accepted; the focus moves on.
    tab_to(page, "^Supprimer la ligne ATSEM$")
    page.once("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("Enter")
    expect(page.get_by_role("row").filter(has_text="Mme Petit")).to_have_count(0)
    expect_focus(page, page.get_by_role("textbox", name="Classe ou fonction"))

    # The options: type, Tab recalculates.
    tab_to(page, "^Valeur déclarée des biens$")
    page.keyboard.type("5000")
    tab_to(page, "^Nombre d'abonnements$")
    page.keyboard.type("1")
    tab_to(page, "^Participation volontaire$")
    page.keyboard.type("10")
    page.keyboard.press("Tab")
    expect(total_bar(page)).to_contain_text("218,54\xa0€")
    # Space presses "Recalculer" like a click.
    expect_focus(page, page.get_by_role("button", name="Recalculer"))
    page.keyboard.press("Space")
    expect(total_bar(page)).to_contain_text("218,54\xa0€")

    tab_to(page, "^Valider définitivement$")
    page.keyboard.press("Enter")
    expect(page.get_by_text("pour un total de 218,54\xa0€")).to_be_visible()
    tab_to(page, "^Valider définitivement$")
    page.keyboard.press("Space")
    expect(page.get_by_text("Votre adhésion est validée.")).to_be_visible()

    membership = Membership.get(Membership.cooperative == User.get(User.login == login).cooperative)
    assert (membership.state, membership.total_cents) == (Membership.SCHOOL_VALIDATED, 21854)
    assert sorted((line.label, line.pupils) for line in membership.lines) == [("CE1", 26), ("CP", 24)]


def test_an_error_is_tied_to_its_field_and_announced(page, login, new_school, watch):
    watch.allow(r"status of 422")
    login(page, new_school)
    page.goto("/adhesion/")
    tab_to(page, "^Classe ou fonction$")
    type_line(page, "CM1", "M. Roux", 1, 150)
    pupils = page.get_by_role("textbox", name="Élèves").last
    message = "Le nombre d'élèves doit être un entier entre 0 et 99."
    expect(page.get_by_role("alert")).to_have_text(message)
    expect(pupils).to_have_accessible_description(message)
    expect_focus(page, pupils)

    page.get_by_label("Valeur déclarée des biens").fill("beaucoup")
    page.keyboard.press("Tab")
    declared = page.get_by_label("Valeur déclarée des biens")
    expect(declared).to_have_attribute("aria-invalid", "true")
    expect(declared).to_have_accessible_description(re.compile("Matériel de la coopérative.*montant"))
