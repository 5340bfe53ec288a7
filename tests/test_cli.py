"""The Flask CLI commands: init-db, seed-demo, create-user, set-password."""

import re

from occe.models import Association, Campaign, Cooperative, Option, User
from occe.passwords import verify_password
from occe.schema import LATEST_VERSION, current_version

from .factories import make_cooperative, make_user


def test_init_db_is_idempotent(runner):
    first = runner.invoke(args=["init-db"])
    second = runner.invoke(args=["init-db"])
    assert first.exit_code == second.exit_code == 0
    assert f"schéma version {LATEST_VERSION}" in second.output
    assert current_version() == LATEST_VERSION


def test_seed_demo_loads_the_demo_once(runner):
    Association.delete().execute()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0
    assert "EcoleDemo" in result.output and "demo-ecole-2026" in result.output
    campaign = Campaign.get(Campaign.name == "2026-2027")
    assert campaign.is_current and campaign.pupil_fee_cents == 230
    assert Cooperative.select().count() == 6
    demo = User.get(User.login == "EcoleDemo")
    assert demo.cooperative.school_name == "École élémentaire Jean Jaurès"
    assert verify_password(demo.password_hash, "demo-ecole-2026")
    assert verify_password(User.get(User.login == "EcoleVoisine").password_hash, "demo-voisine-2026")
    admin = User.get(User.login == "AdminOCCE")
    assert admin.role == User.ADMIN and verify_password(admin.password_hash, "demo-occe-2026")
    options = {o.label: o for o in Option.select()}
    assert options["Participation volontaire"].visible
    assert not options["Agenda coopératif"].visible and options["Agenda coopératif"].price_cents == 650

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0
    assert Cooperative.select().count() == 6


def test_seed_demo_leaves_a_real_database_alone(runner):
    result = runner.invoke(args=["seed-demo", "--quiet"])
    assert "rien n'a été ajouté" in result.output
    assert Cooperative.select().count() == 0


def test_create_school_user_with_a_temporary_password(runner):
    coop = make_cooperative(number="099-0042")
    result = runner.invoke(args=["create-user", "EcoleNouvelle", "--cooperative", "099-0042"])
    assert result.exit_code == 0, result.output
    password = re.search(r"première connexion : (\S+)", result.output).group(1)
    user = User.get(User.login == "EcoleNouvelle")
    assert user.cooperative_id == coop.id and user.role == User.SCHOOL
    assert user.must_change_password
    assert verify_password(user.password_hash, password)


def test_create_staff_user_with_a_chosen_password(runner):
    result = runner.invoke(args=["create-user", "Gestion2", "--role", "staff",
                                 "--password", "plume-orage-citron-vert"])
    assert result.exit_code == 0, result.output
    user = User.get(User.login == "Gestion2")
    assert user.role == User.STAFF and not user.must_change_password


def test_create_user_refuses_a_login_differing_by_case_only(runner):
    make_user("EcoleDemo")
    result = runner.invoke(args=["create-user", "ecoledemo", "--role", "staff"])
    assert result.exit_code != 0
    assert "existe déjà" in result.output


def test_create_user_refuses_a_weak_password(runner):
    result = runner.invoke(args=["create-user", "Gestion3", "--role", "staff", "--password", "password1234"])
    assert result.exit_code != 0
    assert "trop facile à deviner" in result.output
    assert not User.select().where(User.login == "Gestion3").exists()


def test_create_school_user_needs_a_cooperative(runner):
    result = runner.invoke(args=["create-user", "EcoleSansCoop"])
    assert result.exit_code != 0
    assert "--cooperative" in result.output


def test_set_password_gives_a_temporary_password_and_ends_sessions(runner):
    user = make_user("EcoleDemo")
    result = runner.invoke(args=["set-password", "EcoleDemo"])
    assert result.exit_code == 0, result.output
    password = re.search(r"prochaine connexion : (\S+)", result.output).group(1)
    updated = User.get_by_id(user.id)
    assert verify_password(updated.password_hash, password)
    assert updated.must_change_password
    assert updated.session_version == user.session_version + 1


def test_set_password_for_an_unknown_login(runner):
    result = runner.invoke(args=["set-password", "Inconnu"])
    assert result.exit_code != 0
    assert "Aucun compte" in result.output
