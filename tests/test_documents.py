"""The printable documents: what each PDF says, when it is offered, and to whom."""

import functools
import http.server
import io
import threading
from datetime import datetime

import pytest
from reportlab.pdfbase import pdfmetrics
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

from occe import pdf
from occe.documents import printables
from occe.models import Membership

from .documents_helpers import font_files, pdf_text, validated_membership
from .factories import make_cooperative, make_user

ALL_KINDS = ["engagement", "changement", "attestation", "certificat"]
TITLES = {
    "engagement": "Engagement du mandataire",
    "changement": "Changement de mandataire",
    "attestation": "Attestation d'adhésion",
    "certificat": "Certificat d'assurance",
}
PREFIXES = {"engagement": "ENG", "changement": "CHG", "attestation": "ATT", "certificat": "ASS"}


@pytest.fixture
def cooperative(app):
    return make_cooperative(
        number="099-0001",
        school_name="École élémentaire Jean Jaurès",
        uai="0990001A",
        mandataire_name="Hélène Lefèvre-Nguyễn",
        mandataire_email="helene.lefevre@ac-demo.example.org",
    )


@pytest.fixture
def school(cooperative):
    return make_user("EcoleDemo", cooperative=cooperative)


@pytest.fixture
def validated(cooperative, campaign):
    """The worked example with goods, a subscription and a voluntary participation
    (222,84 €), validated by the OCCE."""
    return validated_membership(cooperative, campaign, Membership.OCCE_VALIDATED,
                                declared_value_cents=500_000, subscriptions=1,
                                participation_cents=1000)


def url(membership, kind):
    return f"/documents/{membership.id}/{kind}.pdf"


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_each_document_opens_inline_with_its_name_reference_and_date(login_as, school, validated, kind):
    """The school opens each document in its browser, named after the campaign and its number."""
    response = login_as(school).get(url(validated, kind))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'inline; filename="{kind}-2026-2027-099-0001.pdf"'
    )
    text = pdf_text(response.data)
    assert TITLES[kind] in text
    assert "École élémentaire Jean Jaurès" in text
    assert "099-0001" in text
    assert "2026-2027" in text
    assert f"{PREFIXES[kind]}-2026-099-0001" in text
    assert "Édité le" in text
    assert "OCCE 99 — Association de test" in text


def test_the_reference_is_stable_per_membership_and_kind(app, validated, cooperative, campaign):
    """Printing twice gives the same reference; two kinds never share one."""
    with app.test_request_context():
        references = {p.reference(validated) for p in printables.PRINTABLES.values()}
        first = pdf_text(printables.render_engagement(validated))
        second = pdf_text(printables.render_engagement(validated))
    assert len(references) == 4
    assert "ENG-2026-099-0001" in first and "ENG-2026-099-0001" in second


def test_engagement_holds_the_amount_due_and_its_recap_in_french(login_as, school, validated):
    """The mandataire reads the cooperative, the recap to the cent and the five commitments."""
    text = pdf_text(login_as(school).get(url(validated, "engagement")).data)
    for expected in [
        "UAI", "0990001A", "Hélène Lefèvre-Nguyễn", "helene.lefevre@ac-demo.example.org",
        "Forfait de base par coopérative", "20,00 €",
        "Adhésions des élèves (50)", "115,00 €",
        "Adhésions des adultes (4)", "16,00 €",
        "Assurance des adhérents (54 personnes)", "16,20 €",
        "valeur déclarée : 5 000,00 €", "20,64 €",
        "Abonnement Animation & Éducation (1)", "25,00 €",
        "Participation volontaire", "10,00 €",
        "Total à régler", "222,84 €",
        "transmettre à l'ensemble des enseignants",
        "régler à l'association départementale",
        "compte rendu d'activité et le compte",
        "conserver l'ensemble des pièces",
        "transmettre à son successeur",
        "Fait à", "Signature du mandataire",
    ]:
        assert expected in text, expected


def test_the_narrow_no_break_space_of_large_amounts_prints(login_as, school, cooperative, campaign):
    """A total above 1 000 € prints its French thousands separator, not a missing glyph."""
    big = validated_membership(cooperative, campaign, lines=[("CP", "Mme Martin", 1, 99)] * 5)
    response = login_as(school).get(url(big, "engagement"))
    assert "1 328,50 €" in pdf_text(response.data)  # 20 + 5 × (227,70 + 4,00 + 30,00)


def test_engagement_amounts_come_from_the_frozen_snapshot(login_as, school, validated, campaign):
    """A tariff changed after the school's validation does not change its engagement."""
    campaign.base_fee_cents = 9900
    campaign.save()
    text = pdf_text(login_as(school).get(url(validated, "engagement")).data)
    assert "222,84 €" in text and "99,00 €" not in text


def test_changement_prefills_the_outgoing_mandataire_and_leaves_the_incoming_blank(login_as, school, validated):
    text = pdf_text(login_as(school).get(url(validated, "changement")).data)
    for expected in [
        "Mandataire sortant", "Hélène Lefèvre-Nguyễn", "Nouveau mandataire", "Nom et prénom",
        "Classe", "Courriel", "Téléphone", "Date d'effet", "Motif du changement",
        "Le mandataire sortant", "Le nouveau mandataire", "La direction de l'école",
        "Approbation de l'association départementale",
    ]:
        assert expected in text, expected


def test_attestation_names_the_members_the_validation_date_and_the_president(login_as, school, validated):
    text = pdf_text(login_as(school).get(url(validated, "attestation")).data)
    assert "Marianne Dupont-Roux" in text
    assert "Élèves adhérents 50" in text
    assert "Adultes adhérents 4" in text
    assert "9 octobre 2026" in text
    assert "Signature" in text


def test_certificat_gives_the_contract_the_period_and_what_is_covered(login_as, school, validated):
    text = pdf_text(login_as(school).get(url(validated, "certificat")).data)
    for expected in [
        "Mutuelle de test", "CONTRAT-42", "1er septembre 2026", "31 août 2027",
        "50 élèves adhérents", "4 adultes adhérents", "adultes bénévoles",
        "2 000,00 €", "5 000,00 €", "Marianne Dupont-Roux",
    ]:
        assert expected in text, expected


REFUSED = [
    (Membership.DRAFT, "engagement"),
    (Membership.DRAFT, "changement"),
    (Membership.DRAFT, "attestation"),
    (Membership.DRAFT, "certificat"),
    (Membership.SCHOOL_VALIDATED, "attestation"),
    (Membership.SCHOOL_VALIDATED, "certificat"),
]


@pytest.mark.parametrize("state, kind", REFUSED)
def test_a_document_is_refused_before_the_state_that_allows_it(login_as, school, cooperative, campaign, state, kind):
    """Too early, the school reads why in French (409), and gets no PDF."""
    membership = validated_membership(cooperative, campaign, state)
    response = login_as(school).get(url(membership, kind))
    assert response.status_code == 409
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "%PDF" not in page
    assert TITLES[kind].replace("'", "&#39;") in page
    assert "Ce document sera disponible dès que" in page


@pytest.mark.parametrize("kind", ["engagement", "changement"])
def test_the_mandataire_documents_open_once_the_school_has_validated(login_as, school, cooperative, campaign, kind):
    membership = validated_membership(cooperative, campaign, Membership.SCHOOL_VALIDATED)
    assert login_as(school).get(url(membership, kind)).status_code == 200


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_another_cooperatives_documents_answer_404(login_as, validated, campaign, kind):
    """A school asking for another cooperative's document learns nothing of it."""
    neighbour = make_user("EcoleVoisine")
    response = login_as(neighbour).get(url(validated, kind))
    assert response.status_code == 404
    assert "Jean Jaurès" not in response.get_data(as_text=True)


def test_an_unknown_membership_answers_404(login_as, school):
    assert login_as(school).get("/documents/999999/engagement.pdf").status_code == 404


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_staff_get_any_cooperatives_documents(login_as, validated, kind):
    staff = make_user("Gestion", role="staff")
    response = login_as(staff).get(url(validated, kind))
    assert response.status_code == 200
    assert "École élémentaire Jean Jaurès" in pdf_text(response.data)


def test_documents_need_a_login(client, validated):
    response = client.get(url(validated, "engagement"))
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


BUTTONS = [
    (Membership.DRAFT, []),
    (Membership.SCHOOL_VALIDATED, ["engagement", "changement"]),
    (Membership.OCCE_VALIDATED, ALL_KINDS),
]


@pytest.mark.parametrize("state, offered", BUTTONS)
def test_the_home_page_offers_the_buttons_the_state_allows(login_as, school, cooperative, campaign, state, offered):
    """Each offered document opens in a new tab, and screen readers are told so."""
    membership = validated_membership(cooperative, campaign, state)
    page = login_as(school).get("/").get_data(as_text=True)
    assert 'id="documents"' in page
    for kind in ALL_KINDS:
        link = f'href="{url(membership, kind)}"'
        assert (link in page) == (kind in offered), kind
    assert page.count('target="_blank"') == len(offered)
    assert page.count("(PDF, s'ouvre dans un nouvel onglet)") == len(offered)


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    requests = []

    def do_GET(self):  # noqa: N802 - the name http.server calls
        self.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    """An HTTP server on one of this area's ports that counts what it is asked for."""
    _CountingHandler.requests = []
    server = http.server.HTTPServer(("127.0.0.1", 5141), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, _CountingHandler.requests
    server.shutdown()
    server.server_close()


REMOTE_HTML = """<html><head>
  <link rel="stylesheet" href="{remote}/style.css">
  <style>@import url("{remote}/import.css"); body {{ background-image: url("{remote}/bg.png"); }}</style>
  </head><body><p>Logo :</p><img src="{remote}/logo.png" width="40" height="40"></body></html>"""


def test_a_remote_image_or_stylesheet_in_a_template_is_never_fetched(app, local_server, monkeypatch):
    """xhtml2pdf may not reach the network: the server it is pointed at receives nothing."""
    server, requests = local_server
    html = REMOTE_HTML.format(remote="http://127.0.0.1:5141")
    # xhtml2pdf refuses loopback addresses by itself; let it reach them, so that only
    # the app's own refusal of remote resources stands between the template and the server.
    monkeypatch.setattr(pdf, "ResourceAccessPolicy",
                        functools.partial(ResourceAccessPolicy, allow_private_networks=True))
    pisa.CreatePDF(html, dest=io.BytesIO(),
                   resource_policy=ResourceAccessPolicy(allow_private_networks=True))
    assert "/logo.png" in requests, "the control rendering should have fetched the image"
    requests.clear()
    with app.app_context():
        data = pdf.render_pdf_html(html)
    assert data.startswith(b"%PDF")
    assert requests == []


# ---- What a process renders once (occe/pdf.py) --------------------------------------


def fixed_date(monkeypatch):
    """Render every document with the same date and ReportLab's invariant ids and dates,
    so that two renders of one document can be compared byte for byte."""
    from reportlab import rl_config

    monkeypatch.setattr(rl_config, "invariant", 1)
    render_pdf = pdf.render_pdf
    monkeypatch.setattr(printables, "render_pdf", functools.partial(
        render_pdf, generated_at=datetime(2026, 11, 20, 10, 30)))


def clear_pdf_caches():
    pdf.register_fonts()
    pdf.parsed_rules.cache_clear()
    for name in pdf.FONT_FACES:
        pdfmetrics.getFont(name).face.compressed_subset.cache_clear()


def test_a_document_is_the_same_whatever_the_process_rendered_before(
        app, validated, cooperative, campaign, monkeypatch):
    """The stylesheets and font files kept between documents leak nothing from one
    document into the next: each document, rendered after all the others (of another
    cooperative too, whose name takes letters outside the subsets' shared start), is
    byte for byte the one rendered with empty caches."""
    fixed_date(monkeypatch)
    other = validated_membership(
        make_cooperative(number="099-0002", school_name="École Œdipe — Ærø, Ŵales",
                         mandataire_name="Łukasz Żółć"),
        campaign, Membership.OCCE_VALIDATED)
    documents = [(render, membership) for render in printables.RENDERERS.values()
                 for membership in (validated, other)]
    with app.test_request_context():
        alone = []
        for render, membership in documents:
            clear_pdf_caches()
            alone.append(render(membership))
        after_others = [render(membership) for render, membership in documents]
    assert after_others == alone
    assert pdf.parsed_rules.cache_info().hits > 0


def test_documents_within_the_alphabet_embed_the_same_font_files(app, validated, campaign):
    """Each face's subset starts with the same characters, so two documents embed the
    same bytes for it (which joining them shares), and it is compressed only once."""
    other = validated_membership(make_cooperative(number="099-0002", school_name="École Zoé"),
                                 campaign, Membership.OCCE_VALIDATED)
    with app.test_request_context():
        pdf.register_fonts()
        regular = pdfmetrics.getFont("dejavu sans_00")
        misses = regular.face.compressed_subset.cache_info().misses
        fonts = [font_files(printables.render_certificat(m)) for m in (validated, other)]
        assert regular.face.compressed_subset.cache_info().misses <= misses + 1
    assert sorted(fonts[0]) == ["/AAAAAA+DejaVuSans", "/AAAAAA+DejaVuSans-Bold"]
    for name in fonts[0]:
        assert len({data for f in fonts for data in f[name].values()}) == 1


def test_warming_up_loads_the_fonts_and_compiles_the_pdf_templates(app):
    pdf.warm_up(app)
    for name in pdf.FONT_FACES:
        assert isinstance(pdfmetrics.getFont(name), pdf._SharedSubsetFont)
    assert pdfmetrics.getFont("dejavu sans_00").face.compressed_subset.cache_info().currsize
    cached = {template.name for template in app.jinja_env.cache.values()}
    assert {"pdf/_base.html", "pdf/attestation.html", "pdf/changement.html"} <= cached
