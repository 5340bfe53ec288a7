"""Screenshots of the main screens for the README: `make screenshots`.

Serves the demo on a temporary database, walks the journey of DESIGN.md's worked example
in Debian's Chromium (driven by Playwright: never `playwright install`) and writes PNGs at
1366×768 (and one at 360 px wide) into docs/screenshots/, plus the first page of the
attestation rendered by pdftoppm. The PNGs are reduced to a 256-colour palette, which
keeps text sharp at a fraction of the size.

    .venv/bin/python scripts/screenshots.py [--port 5201] [--out docs/screenshots]
"""

import argparse
import logging
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from PIL import Image
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from occe import create_app  # noqa: E402
from occe.demo import seed_demo  # noqa: E402
from occe.schema import upgrade  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking"]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 360, "height": 740}
SCHOOL = ("EcoleDemo", "demo-ecole-2026")
ADMIN = ("AdminOCCE", "demo-occe-2026")
WORKED_EXAMPLE = [("CP", "Mme Martin", 1, 24), ("CE1", "M. Durand", 2, 26),
                  ("ATSEM", "Mme Petit", 1, 0)]


def serve_demo(data_dir, port):
    """Start the demo app on a fresh database in ``data_dir``; return the server."""
    app = create_app({
        "SECRET_KEY": "screenshots",
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{data_dir / 'demo.db'}",
        "SESSION_COOKIE_SECURE": False,
    })
    with app.app_context():
        upgrade()
        seed_demo()
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def save(target, path):
    """Screenshot a page or an element into ``path`` as a palette PNG."""
    target.screenshot(path=str(path))
    optimise(path)
    print(f"{path} ({path.stat().st_size // 1024} Kio)")


def optimise(path):
    image = Image.open(path).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE) \
        .save(path, optimize=True)


def login(page, account):
    page.goto("/connexion")
    page.get_by_label("Identifiant").fill(account[0])
    page.get_by_label("Mot de passe").fill(account[1])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: "/connexion" not in url)


def fill_membership(page):
    """Type the worked example, its options, and wait for the recap's 222,84 €."""
    for line in WORKED_EXAMPLE:
        page.get_by_role("textbox", name="Classe ou fonction").last.focus()
        for value in line[:-1]:
            page.keyboard.type(str(value))
            page.keyboard.press("Tab")
        page.keyboard.type(str(line[-1]))
        page.keyboard.press("Enter")
        expect(page.get_by_role("link", name=f"Modifier la ligne {line[0]}", exact=True)).to_be_visible()
    page.get_by_label("Valeur déclarée des biens").fill("5 000")
    page.get_by_label("Nombre d'abonnements").fill("1")
    page.get_by_label("Participation volontaire").fill("10")
    page.get_by_label("Participation volontaire").press("Tab")
    expect(page.get_by_role("region", name="Récapitulatif")).to_contain_text("222,84\xa0€")


def staff_validates(page):
    """AdminOCCE records the engagement and the payment of EcoleDemo, and validates."""
    page.goto("/gestion/adhesions?q=099-0001")
    page.get_by_role("link", name="École élémentaire Jean Jaurès").click()
    page.get_by_role("button", name="Engagement du mandataire reçu").click()
    page.get_by_label("Montant").fill("222,84")
    page.get_by_label("Référence").fill("Chèque n° 4521873")
    page.get_by_role("button", name="Enregistrer le règlement").click()
    page.get_by_role("button", name="Valider l'adhésion").click()
    expect(page.get_by_text("Adhésion validée par l'OCCE le").first).to_be_visible()


def take_screenshots(base_url, out):
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)

        def new_page(viewport=DESKTOP):
            context = browser.new_context(viewport=viewport, locale="fr-FR", base_url=base_url)
            return context.new_page()

        school = new_page()
        school.goto("/connexion")
        save(school, out / "connexion.png")
        login(school, SCHOOL)
        school.goto("/adhesion/")
        fill_membership(school)
        school.evaluate("window.scrollTo(0, 0)")
        school.get_by_role("textbox", name="Classe ou fonction").last.blur()
        save(school, out / "adhesion.png")
        school.get_by_role("button", name="Recalculer").blur()
        school.get_by_role("region", name="Récapitulatif").scroll_into_view_if_needed()
        save(school.locator(".membership__summary"), out / "recapitulatif.png")

        phone = new_page(PHONE)
        login(phone, SCHOOL)
        phone.goto("/adhesion/")
        save(phone, out / "adhesion-telephone.png")
        phone.context.close()

        school.get_by_role("link", name="Valider définitivement").click()
        school.get_by_role("button", name="Valider définitivement").click()

        staff = new_page()
        login(staff, ADMIN)
        staff_validates(staff)
        staff.goto("/gestion/")
        save(staff, out / "tableau-de-bord.png")

        school.goto("/")
        save(school, out / "suivi.png")
        attestation = school.get_by_role("link", name="Attestation d'adhésion").get_attribute("href")
        pdf_page(school.context.request.get(attestation).body(), out / "attestation.png")
        browser.close()


def pdf_page(pdf, path):
    """Render the first page of ``pdf`` (bytes) to ``path`` with pdftoppm at 70 dpi."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "document.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile",
                        str(source), str(path.with_suffix(""))], check=True)
    optimise(path)
    print(f"{path} ({path.stat().st_size // 1024} Kio)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5201)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} est absent : installez le paquet Debian « chromium ».")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per screenshot is enough
    with tempfile.TemporaryDirectory() as tmp:
        server = serve_demo(Path(tmp), args.port)
        try:
            take_screenshots(f"http://127.0.0.1:{args.port}", args.out)
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
