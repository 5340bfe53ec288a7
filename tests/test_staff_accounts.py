"""Accounts on the staff side: temporary passwords shown once, the letter, reset,
disable / enable, who may manage whom, and the audit log."""

import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader

from occe.auth import throttle_key
from occe.models import AuditEvent, LoginThrottle, User, utcnow

from .factories import make_cooperative, make_user


@pytest.fixture
def gestion(app):
    return make_user("Gestion", role=User.STAFF)


@pytest.fixture
def staff(login_as, gestion):
    return login_as(gestion)


@pytest.fixture
def admin(login_as, app):
    return login_as(make_user("AdminOCCE", role=User.ADMIN))


def shown_password(page):
    return re.search(r'<code class="secret">([^<]+)</code>', page).group(1)


def pdf_text(data):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def create_school_account(client, login="EcoleHugo", number="099-0101"):
    return client.post("/gestion/comptes/nouveau",
                       data={"login": login, "role": "school", "cooperative_number": number})


def test_create_a_school_account_shows_the_password_once(app, staff):
    coop = make_cooperative(number="099-0101")
    response = create_school_account(staff)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    password = shown_password(page)
    account = User.get(User.login == "EcoleHugo")
    assert (account.role, account.cooperative_id, account.must_change_password) == ("school", coop.id, True)
    assert password not in account.password_hash
    assert "ne sera plus jamais affiché" in page
    event = AuditEvent.get(AuditEvent.action == "account_created")
    assert event.cooperative_id == coop.id and "EcoleHugo" in event.detail
    assert password not in event.detail
    # The account page does not show it again.
    assert password not in staff.get(f"/gestion/comptes/{account.id}").get_data(as_text=True)


def test_the_new_school_logs_in_and_must_choose_its_password(app, staff):
    make_cooperative(number="099-0101")
    password = shown_password(create_school_account(staff).get_data(as_text=True))
    school = app.test_client()
    response = school.post("/connexion", data={"login": "EcoleHugo", "password": password})
    assert response.status_code == 303
    home = school.get("/")
    assert home.status_code == 302 and home.headers["Location"] == "/mot-de-passe"
    page = school.get("/mot-de-passe").get_data(as_text=True)
    assert "Votre mot de passe est provisoire" in page


def test_the_letter_holds_the_identifier_and_the_password(app, staff):
    make_cooperative(number="099-0101", school_name="École Victor Hugo")
    page = create_school_account(staff).get_data(as_text=True)
    password = shown_password(page)
    account = User.get(User.login == "EcoleHugo")
    assert f'name="password" value="{password}"' in page
    response = staff.post(f"/gestion/comptes/{account.id}/lettre", data={"password": password})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    text = pdf_text(response.data)
    assert "EcoleHugo" in text and password in text
    assert "École Victor Hugo" in text and "/connexion" in text


def test_the_letter_refuses_a_password_that_is_not_the_accounts(app, staff, gestion):
    school = make_user("EcoleHugo", must_change_password=True)
    response = staff.post(f"/gestion/comptes/{school.id}/lettre", data={"password": "abcd-efgh-jkmn-pqrs"})
    assert response.status_code == 409
    assert "Réinitialisez le mot de passe" in response.get_data(as_text=True)


def test_the_letter_is_refused_once_the_school_chose_its_password(app, staff):
    make_cooperative(number="099-0101")
    password = shown_password(create_school_account(staff).get_data(as_text=True))
    account = User.get(User.login == "EcoleHugo")
    User.update(must_change_password=False).where(User.id == account.id).execute()
    assert staff.post(f"/gestion/comptes/{account.id}/lettre", data={"password": password}).status_code == 409


@pytest.mark.parametrize("login", ["EcoleDemo", "ecoledemo", "ECOLEDEMO"])
def test_a_login_taken_whatever_its_case_is_refused_in_french(app, staff, login):
    make_user("EcoleDemo")
    make_cooperative(number="099-0101")
    response = create_school_account(staff, login=login)
    assert response.status_code == 422
    assert "L&#39;identifiant « EcoleDemo » est déjà pris" in response.get_data(as_text=True)
    assert User.select().where(User.login_key == "ecoledemo").count() == 1


@pytest.mark.parametrize("data,field,message", [
    ({"login": "École Hugo", "cooperative_number": "099-0101"}, "login", "sans espace"),
    ({"login": "EcoleHugo", "cooperative_number": ""}, "cooperative_number", "Indiquez le numéro"),
    ({"login": "EcoleHugo", "cooperative_number": "999"}, "cooperative_number", "Aucune coopérative ne porte"),
])
def test_a_wrong_account_form_says_what_to_fix(app, staff, data, field, message):
    make_cooperative(number="099-0101")
    response = staff.post("/gestion/comptes/nouveau", data={"role": "school", **data})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and message in page
    assert not User.select().where(User.login == data["login"]).exists()


def test_reset_gives_a_new_temporary_password_and_ends_open_sessions(app, staff, login_as):
    school = make_user("EcoleDemo")
    school_client = login_as(school)
    assert school_client.get("/").status_code == 200
    LoginThrottle.create(login=throttle_key("EcoleDemo", app.config["SECRET_KEY"]), failures=10,
                         locked_until=utcnow() + timedelta(minutes=15))

    response = staff.post(f"/gestion/comptes/{school.id}/mot-de-passe")
    assert response.status_code == 200
    password = shown_password(response.get_data(as_text=True))
    account = User.get_by_id(school.id)
    assert account.must_change_password and account.session_version == school.session_version + 1
    assert not LoginThrottle.select().exists()
    # The school can log in again at once with the letter's password.
    assert login_as(account, password).get("/").headers["Location"] == "/mot-de-passe"
    # The session opened before the reset is over; the new password leads to the password page.
    assert school_client.get("/").headers["Location"].startswith("/connexion")
    fresh = app.test_client()
    assert fresh.post("/connexion", data={"login": "EcoleDemo", "password": password}).status_code == 303
    assert fresh.get("/").headers["Location"] == "/mot-de-passe"
    # The old password no longer opens the account.
    assert app.test_client().post("/connexion", data={"login": "EcoleDemo", "password": "correct-horse-battery-staple"}).status_code == 200
    # The same letter can be printed.
    letter = staff.post(f"/gestion/comptes/{school.id}/lettre", data={"password": password})
    assert password in pdf_text(letter.data)
    assert AuditEvent.select().where(AuditEvent.action == "account_password_reset").count() == 1


@pytest.mark.parametrize("htmx", [False, True])
def test_disable_then_enable_an_account(app, staff, login_as, htmx):
    school = make_user("EcoleDemo")
    school_client = login_as(school)
    headers = {"HX-Request": "true"} if htmx else {}
    response = staff.post(f"/gestion/comptes/{school.id}/etat", data={"disabled": "1"}, headers=headers)
    if htmx:
        assert response.status_code == 200
        assert response.get_data(as_text=True).startswith('<div id="account-status"')
        assert "Réactiver le compte" in response.get_data(as_text=True)
    else:
        assert response.status_code == 303
    assert User.get_by_id(school.id).disabled
    assert school_client.get("/").status_code == 302  # its session ended
    page = app.test_client().post("/connexion", data={"login": "EcoleDemo", "password": "correct-horse-battery-staple"})
    assert "Ce compte est désactivé" in page.get_data(as_text=True)

    staff.post(f"/gestion/comptes/{school.id}/etat", data={"disabled": "0"}, headers=headers)
    assert not User.get_by_id(school.id).disabled
    actions = [e.action for e in AuditEvent.select().where(AuditEvent.action.startswith("account_"))
               .order_by(AuditEvent.id)]
    assert actions == ["account_disabled", "account_enabled"]


def test_plain_staff_manage_school_accounts_only(app, staff):
    other = make_user("Collegue", role=User.STAFF)
    assert staff.get(f"/gestion/comptes/{other.id}").status_code == 403
    assert staff.post(f"/gestion/comptes/{other.id}/mot-de-passe").status_code == 403
    assert staff.post(f"/gestion/comptes/{other.id}/etat", data={"disabled": "1"}).status_code == 403
    assert not User.get_by_id(other.id).disabled
    response = staff.post("/gestion/comptes/nouveau", data={"login": "Nouveau", "role": "admin"})
    assert response.status_code == 422
    assert not User.select().where(User.login == "Nouveau").exists()
    assert "Collegue" not in staff.get("/gestion/comptes").get_data(as_text=True)


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_an_admin_creates_staff_accounts(app, admin, role):
    response = admin.post("/gestion/comptes/nouveau", data={"login": "Gestionnaire2", "role": role})
    assert response.status_code == 200
    account = User.get(User.login == "Gestionnaire2")
    assert account.role == role and account.cooperative_id is None and account.must_change_password
    password = shown_password(response.get_data(as_text=True))
    letter = admin.post(f"/gestion/comptes/{account.id}/lettre", data={"password": password})
    text = pdf_text(letter.data)
    assert "Gestionnaire2" in text and password in text and User.ROLES[role] in text


def test_an_admin_resets_and_disables_a_staff_account(app, admin, gestion):
    assert admin.post(f"/gestion/comptes/{gestion.id}/mot-de-passe").status_code == 200
    assert admin.post(f"/gestion/comptes/{gestion.id}/etat", data={"disabled": "1"}).status_code == 303
    assert User.get_by_id(gestion.id).disabled


def test_nobody_disables_or_resets_their_own_account(app, admin):
    me = User.get(User.login == "AdminOCCE")
    assert admin.post(f"/gestion/comptes/{me.id}/etat", data={"disabled": "1"}).status_code == 409
    assert admin.post(f"/gestion/comptes/{me.id}/mot-de-passe").status_code == 409
    assert not User.get_by_id(me.id).disabled


def test_accounts_list_searches_by_school(app, staff):
    make_user("EcoleLilas", cooperative=make_cooperative(school_name="École des Lilas"))
    make_user("EcoleCurie", cooperative=make_cooperative(school_name="École Curie"))
    page = staff.get("/gestion/comptes?q=Lilas").get_data(as_text=True)
    assert "EcoleLilas" in page and "EcoleCurie" not in page
