"""Changing one's password: the policy, the forced change, the end of other sessions,
and the reminder for an old password."""

from datetime import timedelta

import pytest

from occe.models import User, utcnow
from occe.passwords import password_problem, temporary_password, verify_password

from .factories import PASSWORD, make_user

NEW = "lanterne-violon-marée-basse"


@pytest.fixture
def school(app, campaign):
    return make_user("EcoleDemo")


def change(client, current=PASSWORD, new=NEW, confirmation=None):
    return client.post("/mot-de-passe", data={
        "current": current, "new": new,
        "confirmation": new if confirmation is None else confirmation,
    })


def test_password_page_has_the_three_fields(login_as, school):
    page = login_as(school).get("/mot-de-passe").get_data(as_text=True)
    for label in ("Mot de passe actuel", "Nouveau mot de passe", "Confirmation"):
        assert f">{label}</label>" in page


def test_change_password_from_any_page(login_as, school):
    """The link sits in the header, so every page offers it."""
    client = login_as(school)
    for url in ("/", "/adhesion/", "/mot-de-passe"):
        assert 'href="/mot-de-passe">Changer mon mot de passe' in client.get(url).get_data(as_text=True)


def test_a_good_new_password_is_saved(login_as, school):
    client = login_as(school)
    response = change(client)
    assert response.status_code == 303
    user = User.get_by_id(school.id)
    assert verify_password(user.password_hash, NEW)
    assert user.password_changed_at > school.password_changed_at


@pytest.mark.parametrize("fields, message", [
    ({"new": "court-11car"}, "au moins 12 caractères"),
    ({"new": "password1234"}, "trop facile à deviner"),
    ({"new": "azertyuiop123"}, "trop facile à deviner"),
    ({"new": "EcoleDemo2026!"}, "trop facile à deviner"),
    ({"confirmation": "autre-chose-encore"}, "La confirmation ne correspond pas"),
    ({"current": "pas-le-bon"}, "Le mot de passe actuel n&#39;est pas le bon"),
    ({"new": PASSWORD}, "doit être différent"),
])
def test_bad_new_passwords_are_refused_with_a_message(login_as, school, fields, message):
    client = login_as(school)
    response = change(client, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert verify_password(User.get_by_id(school.id).password_hash, PASSWORD)


def test_no_character_class_rules():
    """A long lower-case passphrase is fine: no 'one digit, one capital' rule."""
    assert password_problem("cheval agrafe batterie correcte") is None


def test_temporary_passwords_pass_the_policy():
    assert all(password_problem(temporary_password()) is None for _ in range(20))


def test_temporary_password_must_be_changed_before_anything_else(login_as, app, campaign):
    user = make_user("NouvelleEcole", must_change_password=True)
    client = login_as(user)
    for url in ("/", "/adhesion/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"] == "/mot-de-passe"
    assert "Votre mot de passe est provisoire" in client.get("/mot-de-passe").get_data(as_text=True)
    assert change(client).status_code == 303
    assert client.get("/").status_code == 200
    assert not User.get_by_id(user.id).must_change_password


def test_htmx_request_with_temporary_password_is_redirected(login_as, campaign):
    client = login_as(make_user(must_change_password=True))
    response = client.get("/adhesion/", headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == "/mot-de-passe"


def test_password_change_ends_the_other_sessions(app, login_as, school):
    laptop, school_pc = login_as(school), login_as(school)
    assert change(laptop).status_code == 303
    assert laptop.get("/").status_code == 200
    response = school_pc.get("/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_home_reminds_of_an_old_password(login_as, school):
    User.update(password_changed_at=utcnow() - timedelta(days=400)).where(User.id == school.id).execute()
    page = login_as(school).get("/").get_data(as_text=True)
    assert "Votre mot de passe a plus de 365 jours" in page


def test_home_does_not_remind_of_a_recent_password(login_as, school):
    page = login_as(school).get("/").get_data(as_text=True)
    assert "Votre mot de passe a plus de" not in page
