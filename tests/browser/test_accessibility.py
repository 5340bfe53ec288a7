"""axe-core (shipped by axe-playwright-python) on every screen: zero WCAG 2.1 A/AA violation.

Each test walks through a group of screens in one browser tab and reports every
violation of every screen at once, so one run shows all there is to fix.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from occe.models import Campaign, Membership

from .conftest import DEMO_ADMIN
from .test_journey import type_line_with_keyboard

pytestmark = pytest.mark.browser

WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
              "resultTypes": ["violations"]}

axe = Axe()


class Audit:
    """The violations found on each screen, reported together."""

    def __init__(self):
        self.found = {}

    def check(self, page, screen):
        """Run axe on what ``page`` shows now, under the name ``screen``."""
        violations = axe.run(page, options=WCAG_21_AA).response["violations"]
        if violations:
            self.found[screen] = [
                f"{v['id']} ({v['impact']}): {v['help']} — "
                + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
                for v in violations
            ]

    def assert_clean(self):
        report = "\n".join(f"{screen}:\n  " + "\n  ".join(items) for screen, items in self.found.items())
        assert not self.found, "Violations WCAG 2.1 A/AA :\n" + report


def test_school_screens(page, login, new_school, watch):
    watch.allow(r"status of 422")  # the screen with errors
    audit = Audit()
    page.goto("/connexion")
    audit.check(page, "connexion")
    page.get_by_label("Identifiant").fill("inconnu")
    page.get_by_label("Mot de passe").fill("mauvais")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit.check(page, "connexion refusée")

    login(page, new_school)
    audit.check(page, "accueil")
    page.get_by_role("link", name="Adhésion", exact=True).click()
    audit.check(page, "adhésion vide")

    type_line_with_keyboard(page, "CP", "Mme Martin", 1, 24)
    type_line_with_keyboard(page, "CE1", "M. Durand", 2, 26)
    audit.check(page, "adhésion avec lignes")
    page.get_by_role("link", name="Modifier la ligne CP").click()
    expect(page.get_by_role("button", name="Enregistrer")).to_be_visible()
    audit.check(page, "adhésion, ligne en modification")
    page.get_by_role("link", name="Annuler").click()
    expect(page.get_by_role("link", name="Modifier la ligne CP")).to_be_focused()

    page.get_by_role("textbox", name="Classe ou fonction").last.fill("CM1")
    page.get_by_role("textbox", name="Élèves").last.fill("150")
    page.get_by_role("textbox", name="Élèves").last.press("Enter")
    expect(page.get_by_text("Le nombre d'élèves doit être un entier entre 0 et 99.")).to_be_visible()
    # The cursor goes to the first field in error (the name, left empty) once the row is in.
    expect(page.get_by_role("textbox", name="Nom", exact=True).last).to_be_focused()
    page.get_by_label("Valeur déclarée des biens").fill("beaucoup")
    page.get_by_label("Valeur déclarée des biens").press("Tab")
    expect(page.get_by_label("Valeur déclarée des biens")).to_have_attribute("aria-invalid", "true")
    audit.check(page, "adhésion avec erreurs")

    page.goto("/adhesion/")
    page.get_by_role("link", name="Valider définitivement").click()
    audit.check(page, "confirmation de la validation")
    page.get_by_role("button", name="Valider définitivement").click()
    expect(page.get_by_text("Votre adhésion est validée.")).to_be_visible()
    audit.check(page, "adhésion validée")
    page.goto("/")
    audit.check(page, "accueil, adhésion validée")

    page.get_by_role("link", name="Changer mon mot de passe").click()
    audit.check(page, "mot de passe")
    page.get_by_role("button", name="Changer mon mot de passe").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    audit.check(page, "mot de passe, erreurs")
    audit.assert_clean()


def test_staff_screens(page, login, live_server, watch):
    watch.allow(r"status of 422")
    audit = Audit()
    live_server.activate()
    campaign = Campaign.current()
    validated = Membership.get((Membership.campaign == campaign)
                               & (Membership.state == Membership.SCHOOL_VALIDATED))
    login(page, DEMO_ADMIN)
    for screen, url in [
        ("tableau de bord", "/gestion/"),
        ("adhésions", "/gestion/adhesions"),
        ("une adhésion", f"/gestion/adhesions/{validated.id}"),
        ("coopératives", "/gestion/cooperatives"),
        ("nouvelle coopérative", "/gestion/cooperatives/nouvelle"),
        ("import des coopératives", "/gestion/cooperatives/import"),
        ("comptes", "/gestion/comptes"),
        ("nouveau compte", "/gestion/comptes/nouveau"),
        ("campagnes", "/gestion/campagnes"),
        ("réglages de la campagne", f"/gestion/campagnes/{campaign.id}"),
        ("exports", "/gestion/exports"),
        ("journal", "/gestion/journal"),
    ]:
        page.goto(url)
        audit.check(page, screen)

    page.goto(f"/gestion/adhesions/{validated.id}")
    page.get_by_label("Montant").fill("douze")
    page.get_by_role("button", name="Enregistrer le règlement").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    audit.check(page, "une adhésion, erreur de règlement")
    audit.assert_clean()
