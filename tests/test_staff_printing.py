"""Bulk printing: the attestations and certificates of the validated memberships as one PDF."""

import html
import io
import re

import pytest
from pypdf import PdfReader

from occe.documents import printables
from occe.models import Membership
from occe.staff import printing

from .documents_helpers import font_files, validated_membership
from .factories import make_cooperative, make_user
from .staff_helpers import make_staff

TITLES = {"attestations": "Attestation d'adhésion", "certificats": "Certificat d'assurance"}
# Created in this order, printed by number.
VALIDATED_NUMBERS = ["099-0105", "099-0101", "099-0104", "099-0102", "099-0103"]


@pytest.fixture
def memberships(campaign):
    """Five memberships validated by the OCCE, one validated by its school only, one draft."""
    for number in VALIDATED_NUMBERS:
        validated_membership(make_cooperative(number=number, school_name=f"École {number}"),
                             campaign, state=Membership.OCCE_VALIDATED)
    validated_membership(make_cooperative(number="099-0100", school_name="École en attente"),
                         campaign, state=Membership.SCHOOL_VALIDATED)
    validated_membership(make_cooperative(number="099-0106", school_name="École brouillon"),
                         campaign, state=Membership.DRAFT)


@pytest.fixture
def staff(login_as):
    return login_as(make_staff())


def pages_text(data):
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


@pytest.mark.parametrize("documents", ["attestations", "certificats"])
def test_one_page_per_membership_validated_by_the_occe_in_number_order(
        staff, memberships, monkeypatch, documents):
    monkeypatch.setattr(printing, "CHUNK", 2)  # three chunks over two processes
    response = staff.get(f"/gestion/documents/{documents}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename={documents}-2026-2027.pdf")
    pages = pages_text(response.data)
    assert len(pages) == 5
    assert [re.search(r"099-01\d\d", page).group() for page in pages] == sorted(VALIDATED_NUMBERS)
    assert all(TITLES[documents] in page for page in pages)
    assert not [page for page in pages if "en attente" in page or "brouillon" in page]
    assert font_file_count(response.data) == 2  # shared by the chunks the workers joined
    # Each page has its bookmark, kept through the join of the workers' chunks; the
    # viewer opens with the list.
    reader = PdfReader(io.BytesIO(response.data))
    assert [(item.title, reader.get_destination_page_number(item)) for item in reader.outline] == [
        (f"{number} — École {number}", page) for page, number in enumerate(sorted(VALIDATED_NUMBERS))]
    assert reader.trailer["/Root"]["/PageMode"] == "/UseOutlines"


def font_file_count(data):
    return sum(len(files) for files in font_files(data).values())


def test_the_joined_file_holds_each_font_once_however_many_documents(app, memberships):
    """Every attestation embeds the same DejaVu subsets: joined, the file keeps one copy
    of each (two: regular and bold), for one document as for twenty, and grows by the
    documents' own content only."""
    with app.test_request_context():
        documents = [printables.render_attestation(m) for m in
                     Membership.select().where(Membership.state == Membership.OCCE_VALIDATED)]
    twenty = (documents * 4)[:20]
    one, joined = printing.join_pdfs(twenty[:1]), printing.join_pdfs(twenty)
    assert font_file_count(one) == font_file_count(joined) == 2
    assert len(PdfReader(io.BytesIO(joined)).pages) == 20
    assert len(joined) < len(one) + 19 * 8_000  # a document alone is over 60 kB
    assert len(documents[0]) > 60_000


def test_a_large_campaign_is_offered_in_parts(app, staff, memberships):
    app.config["BULK_PRINT_PART"] = 2
    page = html.unescape(staff.get("/gestion/impressions").get_data(as_text=True))
    assert "Attestations d'adhésion" in page and "Certificats d'assurance" in page
    assert "5 adhésions validées par l'OCCE" in page
    assert "Adhésions 1 à 2" in page and "Adhésions 5 à 5" in page
    assert "flask print-attestations" in page
    response = staff.get("/gestion/documents/attestations.pdf?partie=2")
    assert response.headers["Content-Disposition"].endswith("attestations-2026-2027-partie-2.pdf")
    assert [re.search(r"099-01\d\d", p).group() for p in pages_text(response.data)] == [
        "099-0103", "099-0104"]
    assert len(pages_text(staff.get("/gestion/documents/attestations.pdf?partie=3").data)) == 1


@pytest.mark.parametrize("part", ["0", "4", "deux", "-1"])
def test_a_part_that_does_not_exist_answers_404(app, staff, memberships, part):
    app.config["BULK_PRINT_PART"] = 2
    assert staff.get(f"/gestion/documents/attestations.pdf?partie={part}").status_code == 404


def test_the_page_offers_one_download_of_each_kind_for_a_small_campaign(staff, memberships):
    page = staff.get("/gestion/impressions").get_data(as_text=True)
    assert page.count("Télécharger le PDF") == 2
    assert "/gestion/documents/attestations.pdf?partie=1" in page
    assert "/gestion/documents/certificats.pdf?partie=1" in page
    assert "flask print-attestations" not in page


def test_the_exports_page_leads_to_bulk_printing(staff, campaign):
    assert "/gestion/impressions" in staff.get("/gestion/exports").get_data(as_text=True)


def test_nothing_validated_yet_says_so(staff, campaign):
    validated_membership(make_cooperative(number="099-0100"), campaign,
                         state=Membership.SCHOOL_VALIDATED)
    page = html.unescape(staff.get("/gestion/impressions").get_data(as_text=True))
    assert "Aucune adhésion n'est encore validée" in page
    response = staff.get("/gestion/documents/attestations.pdf")
    assert response.status_code == 409
    assert "il n'y a rien à imprimer" in html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("url", ["/gestion/impressions", "/gestion/documents/attestations.pdf"])
def test_a_school_gets_403(login_as, memberships, url):
    school = make_user("EcoleAlpha", cooperative=make_cooperative(number="099-0200"))
    response = login_as(school).get(url)
    assert response.status_code == 403
    assert b"%PDF" not in response.data


@pytest.mark.parametrize("args, documents, count", [
    ([], "attestations", 5),
    (["--certificats"], "certificats", 5),
    (["--limit", "2"], "attestations", 2),
])
def test_the_command_writes_the_whole_campaign_to_one_file(runner, memberships, tmp_path,
                                                           args, documents, count):
    output = tmp_path / "lot.pdf"
    result = runner.invoke(args=["print-attestations", str(output), *args])
    assert result.exit_code == 0, result.output
    assert f"{count} {printing.PLURALS[documents]} dans {output}" in result.output
    pages = pages_text(output.read_bytes())
    assert [re.search(r"099-01\d\d", p).group() for p in pages] == sorted(VALIDATED_NUMBERS)[:count]
    assert all(TITLES[documents] in page for page in pages)


def test_the_command_refuses_an_empty_campaign(runner, campaign, tmp_path):
    output = tmp_path / "lot.pdf"
    result = runner.invoke(args=["print-attestations", str(output)])
    assert result.exit_code != 0
    assert "rien à imprimer" in result.output
    assert not output.exists()
