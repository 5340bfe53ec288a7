"""What the screens look like: usable at 360 px wide without sideways scrolling, and on a
long table at 1366×768 the total stays in view with a way down to the recap."""

import pytest
from playwright.sync_api import expect

from occe.membership.service import refresh_totals
from occe.models import Campaign, Membership, User

from ..factories import make_membership
from .conftest import DEMO_ADMIN, PHONE, screenshot
from .test_journey import type_line_with_keyboard

pytestmark = pytest.mark.browser


def assert_no_sideways_scroll(page, screen):
    page.wait_for_load_state("load")  # the style sheet applied
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{screen} : la page défile de côté ({width} px pour {PHONE['width']})."


def in_view(page, locator):
    """Whether ``locator`` is wholly inside the window."""
    box = locator.bounding_box()
    viewport = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]


def test_school_screens_at_360_px(new_context, login, new_school, watch):
    watch.allow(r"status of 422")
    page = new_context(viewport=PHONE).new_page()
    page.goto("/connexion")
    assert_no_sideways_scroll(page, "connexion")
    login(page, new_school)
    assert_no_sideways_scroll(page, "accueil")
    page.get_by_role("link", name="Adhésion", exact=True).click()
    expect(page.get_by_role("heading", name="Classes et fonctions")).to_be_visible()
    assert_no_sideways_scroll(page, "adhésion vide")
    type_line_with_keyboard(page, "Petite et moyenne sections", "Mme Kerhervé-Delacroix", 2, 27)
    type_line_with_keyboard(page, "Direction", "M. Dupont", 1, 0)
    page.get_by_role("link", name="Modifier la ligne Direction").click()
    expect(page.get_by_role("button", name="Enregistrer")).to_be_visible()
    assert_no_sideways_scroll(page, "adhésion, ligne en modification")
    page.get_by_role("link", name="Annuler").click()
    page.get_by_role("textbox", name="Élèves").last.fill("150")
    page.get_by_role("textbox", name="Élèves").last.press("Enter")
    expect(page.get_by_role("alert").first).to_be_visible()
    assert_no_sideways_scroll(page, "adhésion avec erreurs")
    screenshot(page, "phone-membership-errors")
    page.goto("/adhesion/")
    page.get_by_role("link", name="Valider définitivement").click()
    expect(page.get_by_role("heading", name="Valider définitivement votre adhésion ?")).to_be_visible()
    assert_no_sideways_scroll(page, "confirmation")
    page.get_by_role("button", name="Valider définitivement").click()
    expect(page.get_by_text("Votre adhésion est validée.")).to_be_visible()
    assert_no_sideways_scroll(page, "adhésion validée")
    page.goto("/")
    assert_no_sideways_scroll(page, "accueil, adhésion validée")
    screenshot(page, "phone-home")


def test_staff_screens_at_360_px(new_context, login, live_server):
    page = new_context(viewport=PHONE).new_page()
    login(page, DEMO_ADMIN)
    validated = Membership.get(Membership.state == Membership.SCHOOL_VALIDATED)
    for screen, url in [("tableau de bord", "/gestion/"), ("adhésions", "/gestion/adhesions"),
                        ("une adhésion", f"/gestion/adhesions/{validated.id}")]:
        page.goto(url)
        assert_no_sideways_scroll(page, screen)


def test_on_a_long_table_the_total_stays_in_view(page, login, new_school):
    login(page, new_school)
    cooperative = User.get(User.login == new_school[0]).cooperative
    lines = [(f"Classe {n}", f"Enseignant {n}", 1, 20 + n) for n in range(1, 26)]
    refresh_totals(make_membership(cooperative, Campaign.current(), lines=lines))
    page.goto("/adhesion/")
    recap = page.get_by_role("region", name="Récapitulatif")
    recap_total = recap.get_by_role("row").last.get_by_role("cell")
    total_bar = page.get_by_role("paragraph").filter(has_text="Total de l'adhésion")

    # Correcting a line in the middle of the table: the total is on screen, the recap is not.
    page.get_by_role("link", name="Modifier la ligne Classe 9", exact=True).focus()
    assert in_view(page, total_bar)
    assert not in_view(page, recap.get_by_role("heading", name="Récapitulatif"))
    expect(total_bar).to_contain_text(recap_total.inner_text())
    page.keyboard.press("Enter")
    editing = page.get_by_role("row").filter(has=page.get_by_role("button", name="Enregistrer"))
    pupils = editing.get_by_role("textbox", name="Élèves")
    expect(pupils).to_have_value("29")
    pupils.fill("40")
    pupils.press("Enter")
    expect(page.get_by_role("link", name="Modifier la ligne Classe 9", exact=True)).to_be_focused()
    expect(total_bar).to_contain_text(recap_total.inner_text())
    assert in_view(page, total_bar)
    screenshot(page, "long-table")

    total_bar.get_by_role("link", name="Voir le récapitulatif").click()
    expect(recap.get_by_role("heading", name="Récapitulatif")).to_be_in_viewport()
