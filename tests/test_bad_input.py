"""Bad input everywhere gets a French message and loses nothing already saved: NUL
characters (which PostgreSQL refuses), over-long text, negative, huge or non-numbers,
a 10 MB body, and malformed or wrongly encoded CSV files."""

import io
import re

import pytest

from occe.models import Campaign, Cooperative, MembershipLine, Option, Payment, User
from occe.security import NUL_MESSAGE

from .factories import make_membership, make_user
from .membership_support import HTMX, line_data

TEN_MB = 10 * 1024 * 1024


@pytest.fixture
def world(app, campaign):
    """A school with one saved line, staff and an admin, each with a client."""
    school = make_user("EcoleDemo")
    membership = make_membership(school.cooperative, campaign, lines=[("CP", "Mme Martin", 1, 24)])
    return dict(school=school, membership=membership, campaign=campaign,
                staff=make_user("AgentOCCE", role=User.STAFF), admin=make_user("AdminOCCE", role=User.ADMIN))


def snapshot():
    """What the database holds that a refused post must not change."""
    return (
        list(MembershipLine.select().order_by(MembershipLine.id).tuples()),
        list(Cooperative.select().order_by(Cooperative.id).tuples()),
        list(User.select(User.id, User.login, User.password_hash).order_by(User.id).tuples()),
        list(Payment.select().tuples()),
        list(Campaign.select().tuples()),
        list(Option.select().order_by(Option.id).tuples()),
    )


def nul_posts(world):
    line = MembershipLine.get().id
    membership = world["membership"].id
    coop = world["school"].cooperative_id
    campaign = world["campaign"].id
    return {
        "new line": ("school", "/adhesion/lignes", line_data(person="Mme\x00Martin")),
        "line edit": ("school", f"/adhesion/lignes/{line}", line_data(label="CP\x00")),
        "options": ("school", "/adhesion/options", {"declared_value": "5\x00000"}),
        "notes": ("school", "/notes", {"notes": "à faire\x00"}),
        "password": ("school", "/mot-de-passe", {"current": "x\x00", "new": "a\x00", "confirmation": "a\x00"}),
        "login": (None, "/connexion", {"login": "EcoleDemo\x00", "password": "x"}),
        "payment": ("staff", f"/gestion/adhesions/{membership}/reglements",
                    {"amount": "10", "mode": "cheque", "paid_on": "2026-10-01", "reference": "n°\x00"}),
        "cooperative": ("staff", f"/gestion/cooperatives/{coop}", {"number": "T\x00", "school_name": "É"}),
        "campaign": ("admin", f"/gestion/campagnes/{campaign}", {"subscription_name": "A\x00"}),
        "option": ("admin", f"/gestion/campagnes/{campaign}/options", {"label": "Carte\x00", "kind": "flat",
                                                                       "price": "3"}),
    }


@pytest.mark.parametrize("case", ["new line", "line edit", "options", "notes", "password", "login",
                                  "payment", "cooperative", "campaign", "option"])
@pytest.mark.parametrize("htmx", [False, True])
def test_a_nul_character_is_refused_in_french_and_changes_nothing(app, world, login_as, case, htmx):
    role, path, data = nul_posts(world)[case]
    client = login_as(world[role]) if role else app.test_client()
    before = snapshot()
    response = client.post(path, data=data, headers=HTMX if htmx else {})
    assert response.status_code == 422
    assert NUL_MESSAGE in response.get_data(as_text=True)
    if htmx:  # shown in the message area, not in place of the row or form
        assert response.headers["HX-Retarget"] == "#messages"
    assert snapshot() == before


def test_a_nul_character_in_a_search_is_refused_in_french(world, login_as):
    response = login_as(world["staff"]).get("/gestion/cooperatives?q=%00")
    assert response.status_code == 422
    assert NUL_MESSAGE in response.get_data(as_text=True)


@pytest.mark.parametrize("field, value, message", [
    ("label", "C" * 61, "ne doit pas dépasser 60 caractères"),
    ("person", "N" * 81, "ne doit pas dépasser 80 caractères"),
    ("person", "N" * 100_000, "ne doit pas dépasser 80 caractères"),
    ("adults", "-1", "entre 0 et 20"),
    ("adults", "21", "entre 0 et 20"),
    ("pupils", "99999999999999999999", "entre 0 et 99"),
    ("pupils", "douze", "entre 0 et 99"),
    ("pupils", "1e3", "entre 0 et 99"),
    ("pupils", "2.5", "entre 0 et 99"),
])
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_line_values_get_a_french_message_and_change_nothing(world, login_as, field, value, message, htmx):
    client = login_as(world["school"])
    line = MembershipLine.get()
    before = snapshot()
    for path in ("/adhesion/lignes", f"/adhesion/lignes/{line.id}"):
        response = client.post(path, data=line_data(**{field: value}), headers=HTMX if htmx else {})
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    assert snapshot() == before


@pytest.mark.parametrize("value, message", [
    ("-5", "ne peut pas être négatif"),
    ("99999999999", "ne peut pas dépasser"),
    ("cinq mille", "Indiquez un montant en euros"),
    ("NaN", "Indiquez un montant en euros"),
])
def test_bad_amounts_get_a_french_message_and_change_nothing(world, login_as, value, message):
    before = snapshot()
    response = login_as(world["school"]).post("/adhesion/options", data={"declared_value": value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert snapshot() == before


@pytest.mark.parametrize("role, path", [
    ("school", "/adhesion/lignes"),
    ("school", "/notes"),
    ("staff", "/gestion/cooperatives/import"),
])
@pytest.mark.parametrize("htmx", [False, True])
def test_a_10_mb_post_gets_the_french_413_page(world, login_as, role, path, htmx):
    client = login_as(world[role])
    before = snapshot()
    if path.endswith("import"):
        data = {"file": (io.BytesIO(b"numero;ecole\r\n" + b"x" * TEN_MB), "grand.csv")}
    else:
        data = {"label": "x" * TEN_MB, "person": "M", "pupils": "1", "notes": "x" * TEN_MB}
    response = client.post(path, data=data, headers=HTMX if htmx else {})
    assert response.status_code == 413
    body = response.get_data(as_text=True)
    assert "dépasse" in body and "Request Entity Too Large" not in body
    assert ("<html" in body) is (not htmx or path.endswith("import"))
    assert snapshot() == before


CSV_FILES = {
    "binary garbage": (bytes(range(256)) * 40, "ni en UTF-8 ni en Windows-1252"),
    "NUL characters": (b"numero;ecole\r\n099\x00-1;\x00\x00", "caractères nuls"),
    "UTF-16 without BOM": ("numero;ecole\r\n099-0101;École\r\n".encode("utf-16-le"), "caractères nuls"),
    "empty": (b"", "Le fichier est vide"),
    "blank lines only": (b"\r\n \r\n", "Le fichier est vide"),
    "header only": (b"numero;ecole\r\n", "ne contient aucune coopérative"),
    "a huge number of columns": ((";".join(f"c{n}" for n in range(20_000)) + "\r\n1;2").encode(),
                                 "La première ligne compte 20000 colonnes"),
    "unclosed quote": (b'numero;ecole\r\n099-0101;"' + b"x" * 200_000, "guillemet jamais refermé"),
    "wrong separator": (b"numero|ecole\r\n099-0101|Ecole", "Colonne inconnue"),
}


@pytest.mark.parametrize("case", list(CSV_FILES))
def test_a_bad_csv_file_gets_a_french_message_and_imports_nothing(world, login_as, case):
    content, message = CSV_FILES[case]
    before = snapshot()
    response = login_as(world["staff"]).post(
        "/gestion/cooperatives/import", data={"file": (io.BytesIO(content), "cooperatives.csv")})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body, body[:3000]
    assert 'name="payload"' not in body  # nothing to confirm
    assert snapshot() == before


def test_a_utf16_file_from_a_spreadsheet_is_read(world, login_as):
    content = "numero;ecole\r\n099-0101;École Jaurès\r\n".encode("utf-16")
    response = login_as(world["staff"]).post(
        "/gestion/cooperatives/import", data={"file": (io.BytesIO(content), "cooperatives.csv")})
    assert response.status_code == 200
    assert "École Jaurès" in response.get_data(as_text=True)


# Found by the fuzzing (tests/test_fuzz.py): each answered a 500 or stored a blank.
@pytest.mark.parametrize("role, path, data, message", [
    ("staff", "/gestion/adhesions/{membership}/documents/engagement", {"engagement-received_on": " "},
     "Indiquez la date de réception."),
    ("staff", "/gestion/adhesions/{membership}/reglements",
     {"amount": "10", "mode": "cheque", "paid_on": " "}, "Indiquez la date du règlement."),
    ("admin", "/gestion/campagnes/{campaign}/options", {"label": "  ", "kind": "flat", "price": "3"},
     "Indiquez le libellé de l&#39;option."),
    ("staff", "/gestion/cooperatives/nouvelle", {"number": " ", "school_name": " "},
     "Indiquez le numéro de la coopérative."),
    ("school", "/mot-de-passe", {"current": "x", "new": "0" * 73, "confirmation": "0" * 73},
     "trop facile à deviner"),
])
def test_blank_dates_and_labels_and_long_passwords_get_a_french_message(
        world, login_as, role, path, data, message):
    before = snapshot()
    path = path.format(membership=world["membership"].id, campaign=world["campaign"].id)
    response = login_as(world[role]).post(path, data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert snapshot() == before


def test_control_characters_are_dropped_from_the_staffs_one_line_fields(world, login_as):
    coop = world["school"].cooperative
    response = login_as(world["staff"]).post(f"/gestion/cooperatives/{coop.id}", data={
        "number": coop.number, "school_name": "École\x07 Jaurès\x1b", "mandataire_name": "\x7fPaul"})
    assert response.status_code == 303
    stored = Cooperative.get_by_id(coop.id)
    assert (stored.school_name, stored.mandataire_name) == ("École Jaurès", "Paul")
    login_as(world["admin"]).post(f"/gestion/campagnes/{world['campaign'].id}/options",
                                  data={"label": "Carte\x08 coop", "kind": "flat", "price": "3"})
    assert Option.get(Option.label.startswith("Carte")).label == "Carte coop"


def test_control_characters_are_dropped_from_imported_cells(world, login_as):
    client = login_as(world["staff"])
    content = "numero;ecole\r\n099-0101;École\x07 Jaurès\r\n".encode()
    page = client.post("/gestion/cooperatives/import",
                       data={"file": (io.BytesIO(content), "c.csv")}).get_data(as_text=True)
    payload = re.search(r'name="payload" value="([^"]+)"', page).group(1)
    assert client.post("/gestion/cooperatives/import/confirmer", data={"payload": payload}).status_code == 303
    assert Cooperative.get(number="099-0101").school_name == "École Jaurès"


@pytest.mark.parametrize("field", ["login", "password"])
def test_an_overlong_login_field_gets_a_french_message(client, field):
    """Two hundred characters at most, said in French (never WTForms' English)."""
    data = {"login": "EcoleDemo", "password": "x"}
    data[field] = "a" * 201
    page = client.post("/connexion", data=data).get_data(as_text=True)
    assert "ne peut pas dépasser 200 caractères" in page
