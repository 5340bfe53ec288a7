"""The membership screen: lines typed, edited and deleted through htmx and plain forms,
the recap and the options, as a school sees them."""

import logging
import re

import pytest

from occe.models import Membership, MembershipLine, MembershipOption, Option, User

from .factories import WORKED_EXAMPLE_LINES, make_membership, make_user
from .membership_support import (  # noqa: F401 (fixtures)
    HTMX,
    LINE_ENDPOINTS,
    client_school,
    line_data,
    recap_total,
    school,
    text,
    worked,
)


def membership_of(user):
    return Membership.get(Membership.cooperative == user.cooperative_id)


# --- The page --------------------------------------------------------------------------


def test_first_visit_creates_a_draft_with_the_table_and_a_blank_line(client_school, school):
    """The Adhésion button opens a draft with the columns, a blank line and the recap."""
    page = text(client_school.get("/adhesion/"))
    assert membership_of(school).state == Membership.DRAFT
    for heading in ("Classe ou fonction", "Nom", "Adultes", "Élèves", "Cotisation élèves",
                    "Cotisation adultes", "Assurance", "Total", "Récapitulatif",
                    "Valeur déclarée des biens", "Nombre d&#39;abonnements",
                    "Participation volontaire", "Recalculer", "Valider définitivement"):
        assert heading in page
    for column in ("Classe ou fonction", "Nom", "Adultes", "Élèves"):
        assert f'aria-label="{column}"' in page
    assert ">Ajouter</button>" in page
    assert recap_total(page) == "20,00 €"
    # A second visit finds the same membership.
    client_school.get("/adhesion/")
    assert Membership.select().count() == 1


def test_staff_opening_the_school_screen_go_to_their_side(campaign, login_as):
    staff = make_user("Gestion", role=User.STAFF)
    response = login_as(staff).get("/adhesion/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/gestion/")


def test_the_worked_example_typed_through_the_endpoints(client_school, school):
    """DESIGN.md's worked example reads 167,20 € then 222,84 € in the recap."""
    for label, person, adults, pupils in WORKED_EXAMPLE_LINES:
        response = client_school.post("/adhesion/lignes", headers=HTMX,
                                      data=line_data(label, person, adults, pupils))
        assert response.status_code == 200
    assert recap_total(text(response)) == "167,20 €"
    page = text(client_school.get("/adhesion/"))
    for amount in ("66,70", "76,20", "4,30", "115,00", "16,00", "16,20"):
        assert f"{amount}\xa0€" in page
    assert membership_of(school).total_cents == 16720

    response = client_school.post("/adhesion/options", headers=HTMX, data={
        "declared_value": "5 000", "subscriptions": "1",
        f"option-{visible_option().id}": "10",
    })
    assert response.status_code == 200
    assert recap_total(text(response)) == "222,84 €"
    assert "20,64\xa0€" in text(response)
    membership = membership_of(school)
    assert (membership.total_cents, membership.pupils, membership.adults) == (22284, 50, 4)


# --- Adding a line ---------------------------------------------------------------------


def test_adding_with_htmx_answers_the_row_a_new_blank_row_and_the_recap(client_school, school):
    response = client_school.post("/adhesion/lignes", headers=HTMX, data=line_data())
    body = text(response)
    line = MembershipLine.get()
    assert response.status_code == 200
    assert f'<tr id="line-{line.id}"' in body
    # The new blank row comes after the saved one, with the focus on its first field.
    assert body.index(f'id="line-{line.id}"') < body.index('id="line-new"')
    assert re.search(r'id="line-form-new-label"[^>]*autofocus', body, re.S)
    assert re.search(r'<section id="recap"[^>]*hx-swap-oob="true"', body)
    assert "66,70\xa0€" in body
    assert membership_of(school).total_cents == 2000 + 6670


def test_adding_without_javascript_redirects_to_the_screen(client_school, school):
    response = client_school.post("/adhesion/lignes", data=line_data())
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/adhesion/")
    assert MembershipLine.select().count() == 1
    assert "Mme Martin" in text(client_school.get("/adhesion/"))


def test_spaces_around_values_are_trimmed_and_blank_counts_are_zero(client_school):
    client_school.post("/adhesion/lignes", headers=HTMX,
                       data=line_data("  ATSEM ", "\tMme Petit  ", " 1 ", ""))
    line = MembershipLine.get()
    assert (line.label, line.person, line.adults, line.pupils) == ("ATSEM", "Mme Petit", 1, 0)


@pytest.mark.parametrize("field, value, message", [
    ("label", "", "Indiquez la classe ou la fonction."),
    ("label", "   ", "Indiquez la classe ou la fonction."),
    ("label", "C" * 61, "La classe ou la fonction ne doit pas dépasser 60 caractères."),
    ("person", "", "Indiquez le nom."),
    ("person", "N" * 81, "Le nom ne doit pas dépasser 80 caractères."),
    ("adults", "21", "Le nombre d&#39;adultes doit être un entier entre 0 et 20."),
    ("adults", "-1", "Le nombre d&#39;adultes doit être un entier entre 0 et 20."),
    ("adults", "1.5", "Le nombre d&#39;adultes doit être un entier entre 0 et 20."),
    ("adults", "deux", "Le nombre d&#39;adultes doit être un entier entre 0 et 20."),
    ("pupils", "100", "Le nombre d&#39;élèves doit être un entier entre 0 et 99."),
    ("pupils", "2e1", "Le nombre d&#39;élèves doit être un entier entre 0 et 99."),
])
@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_invalid_line_is_refused_with_a_french_message_and_nothing_saved(
        client_school, school, field, value, message, headers):
    data = line_data(**{field: value})
    response = client_school.post("/adhesion/lignes", headers=headers, data=data)
    body = text(response)
    assert response.status_code == 422
    assert message in body
    assert f'aria-describedby="line-form-new-{field}-error"' in body
    assert MembershipLine.select().count() == 0
    assert membership_of(school).total_cents == 0


def test_a_line_must_count_at_least_one_person(client_school):
    response = client_school.post("/adhesion/lignes", headers=HTMX,
                                  data=line_data(adults="0", pupils=""))
    assert response.status_code == 422
    assert "Une ligne doit compter au moins un adulte ou un élève." in text(response)
    assert MembershipLine.select().count() == 0


def test_invalid_input_is_given_back_as_typed(client_school):
    """Nothing typed is lost: the row comes back with the values and the messages."""
    response = client_school.post("/adhesion/lignes", headers=HTMX,
                                  data=line_data("CM2", "Mme Roux", "1", "150"))
    body = text(response)
    assert 'value="CM2"' in body and 'value="Mme Roux"' in body and 'value="150"' in body


@pytest.mark.parametrize("label, person, adults, pupils", [
    ("C" * 60, "N" * 80, 20, 99),
    ("Direction", "M. Blanc", 1, 0),
    ("PS", "Mme Noir", 0, 1),
])
def test_limits_are_accepted(client_school, label, person, adults, pupils):
    response = client_school.post("/adhesion/lignes", headers=HTMX,
                                  data=line_data(label, person, adults, pupils))
    assert response.status_code == 200
    line = MembershipLine.get()
    assert (line.label, line.person, line.adults, line.pupils) == (label, person, adults, pupils)


def test_a_membership_holds_at_most_one_hundred_lines(client_school, school, campaign):
    membership = make_membership(school.cooperative, campaign,
                                 lines=[(f"Classe {n}", "M. X", 0, 1) for n in range(100)])
    response = client_school.post("/adhesion/lignes", headers=HTMX, data=line_data())
    assert response.status_code == 422
    assert "Votre adhésion compte déjà 100 lignes, le maximum." in text(response)
    assert membership.lines.count() == 100
    assert Membership.get_by_id(membership.id).pupils == 100


@pytest.mark.parametrize("label, person", [
    ("<b>CP</b>", "O'Hara"),
    ("Ñoño", "ねこ"),
    ("<script>alert(1)</script>", "Mme \"Guillemets\" & Cie"),
])
def test_unicode_and_markup_are_stored_exactly_and_shown_escaped(client_school, label, person):
    client_school.post("/adhesion/lignes", headers=HTMX, data=line_data(label, person))
    line = MembershipLine.get()
    assert (line.label, line.person) == (label, person)
    page = text(client_school.get("/adhesion/"))
    escaped = (label.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
               .replace('"', "&#34;").replace("'", "&#39;"))
    assert f'<td data-label="Classe ou fonction">{escaped}</td>' in page
    assert "<b>CP</b>" not in page and "<script>alert" not in page


def test_the_row_save_does_not_query_once_per_line(client_school, school, campaign):
    """Saving a line costs the same number of queries with 2 lines or with 40."""
    membership = make_membership(school.cooperative, campaign, lines=WORKED_EXAMPLE_LINES[:2])

    few = len(statements_of_one_row_save(client_school))
    assert few > 0
    for n in range(38):
        MembershipLine.create(membership=membership, label=f"C{n}", person="X", pupils=1)
    assert len(statements_of_one_row_save(client_school)) == few


def test_the_row_save_sends_six_statements(client_school, school, campaign):
    """The row-save under load is mostly SQL: each statement below is one it needs.

    The session comes with its account and cooperative; the draft is read once, inside
    the write transaction, with its campaign (the tariff as it is now); the lines are
    read once for the limit and the recap; the options with the school's choices in one
    join; the totals are written alone.
    """
    make_membership(school.cooperative, campaign, lines=WORKED_EXAMPLE_LINES[:2])
    statements = [sql for sql in statements_of_one_row_save(client_school)
                  if not sql.startswith("SELECT pg_advisory_xact_lock")]
    shapes = [re.match(r'(SELECT|INSERT INTO|UPDATE) .*?"(\w+)"', sql).groups() for sql in
              [re.sub(r'SELECT .*? FROM', "SELECT FROM", sql, count=1) for sql in statements]]
    assert shapes == [
        ("SELECT", "user_session"),   # joined with user and cooperative
        ("SELECT", "membership"),     # the draft of the current campaign, with it
        ("SELECT", "membership_line"),
        ("INSERT INTO", "membership_line"),
        ("SELECT", "option"),         # with the membership's choices
        ("UPDATE", "membership"),     # the stored totals
    ], statements


def statements_of_one_row_save(client):
    """Post one line as htmx; return the SQL statements the request sent."""
    handler = StatementCollector()
    logger = logging.getLogger("peewee")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        response = client.post("/adhesion/lignes", headers=HTMX, data=line_data())
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 200
    return handler.statements


class StatementCollector(logging.Handler):
    def __init__(self):
        super().__init__()
        self.statements = []

    def emit(self, record):
        self.statements.append(record.msg[0] if isinstance(record.msg, tuple) else record.getMessage())


# --- Editing and deleting --------------------------------------------------------------


def first_line(membership):
    return membership.lines.order_by(MembershipLine.id).first()


def test_modifier_turns_the_row_into_inputs_with_enregistrer_and_annuler(client_school, worked):
    line = first_line(worked)
    response = client_school.get(f"/adhesion/lignes/{line.id}/modifier", headers=HTMX)
    body = text(response)
    assert response.status_code == 200
    assert body.lstrip().startswith("<")
    assert f'<tr id="line-{line.id}"' in body
    assert 'value="CP"' in body and 'value="Mme Martin"' in body
    assert "Enregistrer" in body and "Annuler" in body
    assert "<html" not in body


def test_modifier_without_javascript_shows_the_page_with_the_row_as_inputs(client_school, worked):
    line = first_line(worked)
    body = text(client_school.get(f"/adhesion/lignes/{line.id}/modifier"))
    assert "<html" in body
    assert f'action="/adhesion/lignes/{line.id}"' in body
    assert "Enregistrer" in body


def test_annuler_gives_back_the_saved_row(client_school, worked):
    line = first_line(worked)
    body = text(client_school.get(f"/adhesion/lignes/{line.id}", headers=HTMX))
    assert f'<tr id="line-{line.id}" class="line">' in body
    assert "66,70\xa0€" in body


def test_enregistrer_saves_the_line_and_answers_the_row_and_recap(client_school, worked):
    line = first_line(worked)
    response = client_school.post(f"/adhesion/lignes/{line.id}", headers=HTMX,
                                  data=line_data("CP", "Mme Martin", "2", "25"))
    body = text(response)
    assert response.status_code == 200
    assert f'<tr id="line-{line.id}" class="line">' in body
    assert re.search(r'<section id="recap"[^>]*hx-swap-oob="true"', body)
    saved = MembershipLine.get_by_id(line.id)
    assert (saved.adults, saved.pupils) == (2, 25)
    # 167,20 € + 1 adult (4,00 + 0,30) + 1 pupil (2,30 + 0,30)
    assert Membership.get_by_id(worked.id).total_cents == 16720 + 430 + 260
    assert recap_total(body) == "174,10 €"


def test_enregistrer_without_javascript_redirects(client_school, worked):
    line = first_line(worked)
    response = client_school.post(f"/adhesion/lignes/{line.id}",
                                  data=line_data("CP A", "Mme Martin", "1", "24"))
    assert response.status_code == 303
    assert MembershipLine.get_by_id(line.id).label == "CP A"


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_invalid_edit_is_refused_and_the_line_unchanged(client_school, worked, headers):
    line = first_line(worked)
    response = client_school.post(f"/adhesion/lignes/{line.id}", headers=headers,
                                  data=line_data("CP", "", "1", "24"))
    assert response.status_code == 422
    assert "Indiquez le nom." in text(response)
    assert MembershipLine.get_by_id(line.id).person == "Mme Martin"
    assert Membership.get_by_id(worked.id).total_cents == 16720


def test_supprimer_asks_for_confirmation_without_javascript(client_school, worked):
    line = first_line(worked)
    page = text(client_school.get(f"/adhesion/lignes/{line.id}/supprimer"))
    assert "Supprimer cette ligne ?" in page
    assert f'action="/adhesion/lignes/{line.id}/supprimer"' in page
    assert MembershipLine.get_or_none(MembershipLine.id == line.id) is not None


def test_the_row_carries_the_confirmation_for_htmx(client_school, worked):
    page = text(client_school.get("/adhesion/"))
    assert 'hx-confirm="Supprimer cette ligne ?"' in page
    assert "Modifier la ligne CP" in page and "Supprimer la ligne CP" in page


def test_supprimer_with_htmx_removes_the_row_and_answers_the_recap(client_school, worked):
    line = first_line(worked)
    response = client_school.post(f"/adhesion/lignes/{line.id}/supprimer", headers=HTMX)
    body = text(response)
    assert response.status_code == 200
    assert "<tr" not in body.split('<section id="recap"')[0]
    assert re.search(r'<section id="recap"[^>]*hx-swap-oob="true"', body)
    assert MembershipLine.get_or_none(MembershipLine.id == line.id) is None
    assert Membership.get_by_id(worked.id).total_cents == 16720 - 6670
    assert recap_total(body) == "100,50 €"


def test_supprimer_without_javascript_redirects_with_a_message(client_school, worked):
    line = first_line(worked)
    response = client_school.post(f"/adhesion/lignes/{line.id}/supprimer")
    assert response.status_code == 303
    assert MembershipLine.get_or_none(MembershipLine.id == line.id) is None
    assert "La ligne « CP » a été supprimée." in text(client_school.get("/adhesion/"))


@pytest.mark.parametrize("method, path", LINE_ENDPOINTS)
@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_a_line_deleted_in_another_tab_answers_a_404_message(
        client_school, worked, method, path, headers):
    line = first_line(worked)
    line.delete_instance()
    response = getattr(client_school, method)(path.format(id=line.id), headers=headers,
                                              data=line_data())
    assert response.status_code == 404
    assert "Cette ligne n&#39;existe plus" in text(response)


# --- Only one's own --------------------------------------------------------------------


@pytest.fixture
def neighbour(campaign):
    other = make_user("EcoleVoisine")
    return make_membership(other.cooperative, campaign,
                           lines=[("Secret-CM1", "Mme Voisine-Cachée", 1, 12)])


@pytest.mark.parametrize("method, path", LINE_ENDPOINTS)
@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_another_cooperatives_line_answers_404_with_nothing_of_it(
        client_school, neighbour, method, path, headers):
    line = first_line(neighbour)
    response = getattr(client_school, method)(path.format(id=line.id), headers=headers,
                                              data=line_data("Pirate", "Pirate", 1, 1))
    body = text(response)
    assert response.status_code == 404
    assert "Secret-CM1" not in body and "Voisine" not in body
    line = MembershipLine.get_by_id(line.id)
    assert (line.label, line.person) == ("Secret-CM1", "Mme Voisine-Cachée")
    assert Membership.get_by_id(neighbour.id).total_cents == neighbour.total_cents


def test_another_cooperatives_membership_answers_404(client_school, neighbour):
    response = client_school.get(f"/adhesion/{neighbour.id}")
    assert response.status_code == 404
    assert "Secret-CM1" not in text(response)


def test_unknown_membership_answers_404(client_school):
    assert client_school.get("/adhesion/999999").status_code == 404


def test_a_school_opening_its_own_membership_by_id_lands_on_its_screen(client_school, worked):
    response = client_school.get(f"/adhesion/{worked.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/adhesion/")


def test_staff_see_any_membership_read_only(neighbour, login_as):
    staff = make_user("Gestion", role=User.STAFF)
    response = login_as(staff).get(f"/adhesion/{neighbour.id}")
    body = text(response)
    assert response.status_code == 200
    assert "Secret-CM1" in body and "Brouillon" in body
    assert "Ajouter" not in body and "Modifier la ligne" not in body
    assert 'id="options"' not in body and "Valider définitivement" not in body
    assert recap_total(body) == f"{neighbour.total_cents // 100},{neighbour.total_cents % 100:02d} €"


# --- Options ---------------------------------------------------------------------------


def visible_option():
    return Option.get(Option.label == "Participation volontaire")


def hidden_option():
    return Option.get(Option.label == "Agenda coopératif")


@pytest.mark.parametrize("typed, cents", [
    ("5000", 500_000), ("5 000", 500_000), ("5\u202f000", 500_000), ("5 000,50", 500_050),
    ("5000.5", 500_050), ("", 0), ("1 500", 150_000),
])
def test_declared_value_is_read_the_french_way(client_school, school, typed, cents):
    response = client_school.post("/adhesion/options", headers=HTMX,
                                  data={"declared_value": typed, "subscriptions": "0"})
    assert response.status_code == 200
    assert membership_of(school).declared_value_cents == cents


def test_a_declared_value_below_the_included_value_costs_nothing(client_school, school):
    client_school.post("/adhesion/options", headers=HTMX,
                       data={"declared_value": "1 500", "subscriptions": "0"})
    assert membership_of(school).total_cents == 2000


@pytest.mark.parametrize("field, value, message", [
    ("declared_value", "cinq mille", "Indiquez un montant en euros"),
    ("declared_value", "-10", "Le montant ne peut pas être négatif."),
    ("subscriptions", "11", "Le nombre d&#39;abonnements doit être un entier entre 0 et 10."),
    ("subscriptions", "-1", "Le nombre d&#39;abonnements doit être un entier entre 0 et 10."),
])
@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_invalid_options_are_refused_beside_the_field(client_school, school, field, value,
                                                     message, headers):
    data = {"declared_value": "3 000", "subscriptions": "2"}
    data[field] = value
    response = client_school.post("/adhesion/options", headers=headers, data=data)
    body = text(response)
    assert response.status_code == 422
    assert message in body
    assert f'aria-describedby="{field}-hint {field}-error"' in body
    assert f'value="{value}"' in body
    membership = membership_of(school)
    assert (membership.declared_value_cents, membership.subscriptions) == (0, 0)


def test_recalculer_without_javascript_saves_and_redirects(client_school, school):
    response = client_school.post("/adhesion/options",
                                  data={"declared_value": "", "subscriptions": "2"})
    assert response.status_code == 303
    assert membership_of(school).total_cents == 2000 + 5000
    assert recap_total(text(client_school.get("/adhesion/"))) == "70,00 €"


def test_hidden_options_are_neither_shown_nor_accepted(client_school, school):
    page = text(client_school.get("/adhesion/"))
    assert "Agenda coopératif" not in page
    hidden = hidden_option()
    response = client_school.post("/adhesion/options", headers=HTMX, data={
        "declared_value": "", "subscriptions": "0", f"option-{hidden.id}": "3",
    })
    assert response.status_code == 200
    assert "Agenda" not in text(response)
    assert not MembershipOption.select().where(MembershipOption.option == hidden).exists()
    assert membership_of(school).total_cents == 2000


def test_each_visible_option_kind_has_its_field(client_school, school, campaign):
    flat = Option.create(campaign=campaign, label="Fichier coopératif", kind=Option.FLAT,
                         price_cents=1200, visible=True, position=3)
    quantity = Option.create(campaign=campaign, label="Revue", kind=Option.QUANTITY,
                             price_cents=300, visible=True, position=4)
    page = text(client_school.get("/adhesion/"))
    assert f'type="checkbox" id="option-{flat.id}"' in page
    assert f'id="option-{quantity.id}"' in page
    response = client_school.post("/adhesion/options", headers=HTMX, data={
        "declared_value": "", "subscriptions": "0", f"option-{flat.id}": "1",
        f"option-{quantity.id}": "2", f"option-{visible_option().id}": "1,50",
    })
    assert response.status_code == 200
    assert membership_of(school).total_cents == 2000 + 1200 + 600 + 150
    # Unticking the flat option takes it off.
    client_school.post("/adhesion/options", headers=HTMX, data={
        "declared_value": "", "subscriptions": "0", f"option-{quantity.id}": "2",
        f"option-{visible_option().id}": "1,50",
    })
    assert membership_of(school).total_cents == 2000 + 600 + 150


def test_a_recalculation_answers_only_the_recap_so_typing_is_not_overwritten(client_school):
    """While the teacher types in the next field, a success only swaps the recap."""
    response = client_school.post("/adhesion/options", headers=HTMX,
                                  data={"declared_value": "3 000", "subscriptions": "0"})
    assert response.headers["HX-Reswap"] == "none"
    assert 'id="options"' not in text(response)
    assert re.search(r'<section id="recap"[^>]*hx-swap-oob="true"', text(response))


def test_a_recalculation_after_errors_gives_back_the_form_without_them(client_school):
    response = client_school.post("/adhesion/options", headers=HTMX,
                                  data={"declared_value": "x", "subscriptions": "0"})
    assert 'name="shown_errors"' in text(response)
    response = client_school.post("/adhesion/options", headers=HTMX, data={
        "declared_value": "3 000", "subscriptions": "0", "shown_errors": "1"})
    body = text(response)
    assert response.status_code == 200 and "HX-Reswap" not in response.headers
    assert 'id="options"' in body and "field__error" not in body


@pytest.mark.parametrize("path", ["/adhesion/lignes/{id}", "/adhesion/lignes/{id}/supprimer"])
def test_a_line_deleted_between_reading_and_saving_answers_404(client_school, worked,
                                                               monkeypatch, path):
    """The other tab's deletion lands between this request's read and its write."""
    import occe.membership as views

    read = views.get_line_for

    def read_then_lose(user, line_id):
        line = read(user, line_id)
        MembershipLine.delete_by_id(line_id)
        return line

    monkeypatch.setattr(views, "get_line_for", read_then_lose)
    line = first_line(worked)
    response = client_school.post(path.format(id=line.id), headers=HTMX, data=line_data())
    assert response.status_code == 404
    assert "Cette ligne n&#39;existe plus" in text(response)
    assert Membership.get_by_id(worked.id).total_cents == 16720


def test_the_recap_and_lines_partials_render_on_their_own(app, worked):
    """Staff pages include them with only the documented context."""
    from flask import render_template

    from occe.membership import service

    membership = Membership.get_by_id(worked.id)
    recap = service.recap_for(membership)
    with app.test_request_context():
        recap_html = render_template("membership/_recap.html", recap=recap, membership=membership)
        table_html = render_template("membership/_lines_table.html",
                                     rows=service.lines_with_amounts(membership, recap))
    assert recap_html.lstrip().startswith('<section id="recap"')
    assert recap_total(recap_html) == "167,20 €"
    assert table_html.lstrip().startswith('<div id="lines-table"')
    assert "Mme Martin" in table_html and "66,70\xa0€" in table_html
    assert "<input" not in table_html and "Modifier" not in table_html
