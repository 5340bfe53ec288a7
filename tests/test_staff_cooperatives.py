"""Cooperatives on the staff side: list and search, create, edit, import from CSV."""

import csv
import io
import re

import pytest

from occe.models import AuditEvent, Cooperative, User
from occe.uai import with_check_letter

from .factories import PASSWORD, make_cooperative, make_user
from .membership_support import app_on_file

GOOD_UAI = with_check_letter("0990101")


@pytest.fixture
def staff(login_as, app):
    return login_as(make_user("Gestion", role=User.STAFF))


def coop_form(**fields):
    values = dict(number="099-0101", school_name="École Victor Hugo", uai=GOOD_UAI,
                  commune="Bellecombe", circonscription="Circonscription Sud",
                  email="ce.0990101@ac-exemple.fr", mandataire_name="Paul Martin",
                  mandataire_email="paul.martin@ac-exemple.fr")
    values.update(fields)
    return values


def test_list_shows_cooperatives_with_their_accounts(staff):
    coop = make_cooperative(school_name="École des Lilas")
    make_user("EcoleLilas", cooperative=coop)
    make_cooperative(school_name="École sans compte")
    page = staff.get("/gestion/cooperatives").get_data(as_text=True)
    assert "École des Lilas" in page and "EcoleLilas" in page
    assert "École sans compte" in page and "Créer le compte" in page


def test_search_finds_by_name_number_or_uai(staff):
    make_cooperative(number="099-0777", school_name="École Pasteur", uai=GOOD_UAI)
    make_cooperative(school_name="École Curie")
    for text in ("pasteur", "0777", "0990101"):
        page = staff.get(f"/gestion/cooperatives?q={text}").get_data(as_text=True)
        assert "École Pasteur" in page and "École Curie" not in page


def test_search_answers_the_results_fragment_to_htmx(staff):
    make_cooperative(school_name="École Pasteur")
    response = staff.get("/gestion/cooperatives?q=Pasteur", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert body.startswith('<div id="cooperative-results">') and "<html" not in body


def test_list_is_paged(staff):
    for n in range(55):
        make_cooperative(number=f"P-{n:03d}")
    first = staff.get("/gestion/cooperatives").get_data(as_text=True)
    second = staff.get("/gestion/cooperatives?page=2").get_data(as_text=True)
    assert "P-049" in first and "P-050" not in first
    assert "P-050" in second and "Page 2 sur 2" in second


def test_create_a_cooperative(staff):
    response = staff.post("/gestion/cooperatives/nouvelle", data=coop_form())
    assert response.status_code == 303
    coop = Cooperative.get(Cooperative.number == "099-0101")
    assert (coop.school_name, coop.uai, coop.mandataire_name) == ("École Victor Hugo", GOOD_UAI, "Paul Martin")
    assert AuditEvent.get(AuditEvent.action == "cooperative_created").cooperative_id == coop.id


@pytest.mark.parametrize("uai,message", [
    ("0990101", "sept chiffres suivis d&#39;une lettre"),
    ("099010A", "sept chiffres suivis d&#39;une lettre"),
    ("0990101" + ("A" if GOOD_UAI[-1] != "A" else "B"), f"est « {GOOD_UAI[-1]} »"),
])
def test_a_wrong_uai_is_refused_with_the_expected_letter(staff, uai, message):
    response = staff.post("/gestion/cooperatives/nouvelle", data=coop_form(uai=uai))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'id="uai-error"' in page and 'aria-describedby="uai-hint uai-error"' in page
    assert Cooperative.select().count() == 0


def test_a_lowercase_uai_is_accepted_in_capitals(staff):
    staff.post("/gestion/cooperatives/nouvelle", data=coop_form(uai=GOOD_UAI.lower()))
    assert Cooperative.get().uai == GOOD_UAI


def test_a_number_already_used_is_a_form_error(staff):
    make_cooperative(number="099-0101", school_name="École Jules Ferry")
    response = staff.post("/gestion/cooperatives/nouvelle", data=coop_form())
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Le numéro 099-0101 est déjà celui de la coopérative « École Jules Ferry »" in page
    # What was typed is still there.
    assert 'value="École Victor Hugo"' in page
    assert Cooperative.select().count() == 1


def test_edit_a_cooperative(staff):
    coop = make_cooperative()
    response = staff.post(f"/gestion/cooperatives/{coop.id}", data=coop_form(number=coop.number))
    assert response.status_code == 303
    assert Cooperative.get_by_id(coop.id).school_name == "École Victor Hugo"


def test_editing_to_another_cooperatives_number_is_refused(staff):
    make_cooperative(number="099-0101", school_name="École Jules Ferry")
    coop = make_cooperative(school_name="École Curie")
    response = staff.post(f"/gestion/cooperatives/{coop.id}", data=coop_form(school_name="École Curie"))
    assert response.status_code == 422
    assert "déjà celui de la coopérative « École Jules Ferry »" in response.get_data(as_text=True)
    assert Cooperative.get_by_id(coop.id).number != "099-0101"


def test_unknown_cooperative_is_404(staff):
    assert staff.get("/gestion/cooperatives/999").status_code == 404


# --- Import from CSV -------------------------------------------------------------------

HEADER = ["numero", "ecole", "uai", "commune", "circonscription", "email", "mandataire",
          "email_mandataire"]
GOOD_ROWS = [
    ["099-0201", "École élémentaire Émile Zola", with_check_letter("0990201"), "Bellecombe",
     "Circonscription Sud", "ce.0990201@ac-exemple.fr", "Hélène Roussel", ""],
    ["099-0202", "École maternelle Les Pâquerettes", "", "Saint-Martin-des-Prés",
     "Circonscription Nord", "", "François Lœb", "francois@ac-exemple.fr"],
]


def make_csv(rows, header=HEADER, separator=";", encoding="utf-8", bom=False):
    out = io.StringIO()
    csv.writer(out, delimiter=separator, lineterminator="\r\n").writerows([header, *rows])
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def upload(client, data, name="cooperatives.csv"):
    return client.post("/gestion/cooperatives/import",
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def confirm(client, preview_page):
    payload = re.search(r'name="payload" value="([^"]+)"', preview_page).group(1)
    return client.post("/gestion/cooperatives/import/confirmer", data={"payload": payload})


def test_import_page_documents_the_columns_and_offers_the_model(staff):
    page = staff.get("/gestion/cooperatives/import").get_data(as_text=True)
    for column in HEADER:
        assert f"<code>{column}</code>" in page
    assert "mise à jour" in page and "tout ou rien" in page
    model = staff.get("/gestion/cooperatives/import/modele.csv")
    assert model.headers["Content-Disposition"].startswith("attachment")
    text = model.get_data().decode("utf-8")
    assert text.startswith("\ufeffnumero;ecole;uai")


def test_the_model_file_imports_as_it_is(staff):
    """The example line of the downloadable model is itself valid."""
    model = staff.get("/gestion/cooperatives/import/modele.csv").get_data()
    preview = upload(staff, model)
    assert preview.status_code == 200, preview.get_data(as_text=True)
    assert confirm(staff, preview.get_data(as_text=True)).status_code == 303
    assert Cooperative.get().number == "099-0101"


@pytest.mark.parametrize("separator", [";", ","])
@pytest.mark.parametrize("encoding,bom", [("utf-8", False), ("utf-8", True), ("cp1252", False)])
def test_a_good_file_is_previewed_then_imported(staff, separator, encoding, bom):
    """Both encodings and both separators: the accents arrive intact, after confirmation only."""
    data = make_csv(GOOD_ROWS, separator=separator, encoding=encoding, bom=bom)
    preview = upload(staff, data)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "2 coopératives à créer" in page and "École maternelle Les Pâquerettes" in page
    assert Cooperative.select().count() == 0  # nothing before the confirmation

    response = confirm(staff, page)
    assert response.status_code == 303
    imported = {c.number: c for c in Cooperative.select()}
    assert imported["099-0201"].school_name == "École élémentaire Émile Zola"
    assert imported["099-0202"].mandataire_name == "François Lœb"
    assert imported["099-0201"].uai == GOOD_ROWS[0][2]
    event = AuditEvent.get(AuditEvent.action == "cooperatives_imported")
    assert "2 créée(s), 0 mise(s) à jour" in event.detail


def test_a_bad_file_lists_every_error_by_line_and_imports_nothing(staff):
    rows = [
        GOOD_ROWS[0],
        ["", "École sans numéro", "", "", "", "", "", ""],  # line 3
        ["099-0203", "", "0990203A", "", "", "pas-une-adresse", "", ""],  # line 4
        ["099-0201", "Doublon", "", "", "", "", "", ""],  # line 5
        ["099-0204", "École trop", "", "", "", "", "", "", "en trop"],  # line 6
    ]
    response = upload(staff, make_csv(rows))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "n'a pas été importé" in page and "Aucune coopérative n'a été créée" in page
    errors = re.findall(r'<tr><td class="num">(\d+)</td><td>([^<]*)</td>', page)
    assert errors == [
        ("3", "numero"),
        ("4", "ecole"),
        ("4", "uai"),
        ("4", "email"),
        ("5", "numero"),
        ("6", "toute la ligne"),
    ]
    assert f"est « {with_check_letter('0990203')[-1]} »" in page
    assert "figure déjà à la ligne 2" in page
    assert 'name="payload"' not in page  # no way to confirm
    assert Cooperative.select().count() == 0


def test_missing_and_unknown_columns_are_reported_on_line_1(staff):
    response = upload(staff, make_csv([["Bellecombe", "x"]], header=["commune", "telephone"]))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Colonne inconnue « telephone »" in page
    assert "La colonne obligatoire « numero »" in page and "La colonne obligatoire « ecole »" in page


def test_headers_are_read_without_case_or_accents(staff):
    data = make_csv([["099-0301", "École Zola"]], header=["Numéro", "École"])
    assert upload(staff, data).status_code == 200


def test_an_existing_number_is_updated_and_empty_cells_keep_values(staff):
    coop = make_cooperative(number="099-0201", school_name="Ancien nom", commune="Ancienne commune",
                            mandataire_name="Ancien mandataire")
    data = make_csv([["099-0201", "Nouveau nom", "", "", "", "", "Nouveau mandataire", ""]])
    page = upload(staff, data).get_data(as_text=True)
    assert "0 coopérative à créer" in page and "1 à mettre à jour" in page
    confirm(staff, page)
    coop = Cooperative.get_by_id(coop.id)
    assert (coop.school_name, coop.commune, coop.mandataire_name) == (
        "Nouveau nom", "Ancienne commune", "Nouveau mandataire")
    assert Cooperative.select().count() == 1


def test_a_file_neither_utf8_nor_windows_1252_is_refused(staff):
    response = upload(staff, b"numero;ecole\r\n099-1;\x81\x8d\r\n")
    assert response.status_code == 422
    assert "ni en UTF-8 ni en Windows-1252" in response.get_data(as_text=True)


@pytest.mark.parametrize("lines", [25_000, 50_000])
def test_a_file_over_2_mb_is_refused_in_french(staff, lines):
    """Just over the limit or far over it, the message is beside the field."""
    data = make_csv([["099-0001", "x" * 100]] * lines)
    assert len(data) > 2 * 1024 * 1024
    response = upload(staff, data)
    assert response.status_code in (413, 422)
    assert "Le fichier dépasse 2 Mo" in response.get_data(as_text=True)
    assert Cooperative.select().count() == 0


@pytest.fixture
def staff_with_csrf(tmp_path):
    """A staff member on an app with CSRF on, as in production: the form is read for its
    token before the view runs."""
    client = app_on_file(tmp_path).test_client()
    make_user("Gestion", role=User.STAFF)
    page = client.get("/connexion").get_data(as_text=True)
    client.post("/connexion", data={"login": "Gestion", "password": PASSWORD,
                                    "csrf_token": csrf_token(page)})
    return client


def csrf_token(page):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def upload_with_token(client, data):
    token = csrf_token(client.get("/gestion/cooperatives/import").get_data(as_text=True))
    return client.post("/gestion/cooperatives/import", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), "cooperatives.csv"), "csrf_token": token})


def test_with_csrf_on_a_file_over_2_mb_still_gets_the_french_message(staff_with_csrf):
    response = upload_with_token(staff_with_csrf, make_csv([["099-0001", "x" * 100]] * 25_000))
    assert response.status_code in (413, 422)
    assert "Le fichier dépasse 2 Mo" in response.get_data(as_text=True)


def test_with_csrf_on_a_confirmation_over_2_mb_reaches_its_view(staff_with_csrf):
    """The signed copy of a file that hardly compresses can weigh more than 2 MB."""
    page = staff_with_csrf.get("/gestion/cooperatives/import").get_data(as_text=True)
    response = staff_with_csrf.post("/gestion/cooperatives/import/confirmer", data={
        "payload": "x" * (3 * 1024 * 1024), "csrf_token": csrf_token(page)})
    assert response.status_code == 422
    assert "envoyez le fichier à nouveau" in response.get_data(as_text=True)


def test_a_tampered_preview_is_refused(staff):
    page = upload(staff, make_csv(GOOD_ROWS)).get_data(as_text=True)
    payload = re.search(r'name="payload" value="([^"]+)"', page).group(1)
    response = staff.post("/gestion/cooperatives/import/confirmer", data={"payload": payload[:-2] + "xx"})
    assert response.status_code == 422
    assert "envoyez le fichier à nouveau" in response.get_data(as_text=True)
    assert Cooperative.select().count() == 0


def test_confirmation_checks_the_file_again(staff):
    """A number created by someone else between preview and confirmation becomes an update."""
    page = upload(staff, make_csv(GOOD_ROWS)).get_data(as_text=True)
    make_cooperative(number="099-0202", school_name="Créée entre-temps")
    response = confirm(staff, page)
    # The row becomes an update of the new cooperative; the import goes through as a whole.
    assert response.status_code == 303
    assert Cooperative.get(Cooperative.number == "099-0202").school_name == "École maternelle Les Pâquerettes"
    assert Cooperative.select().count() == 2
