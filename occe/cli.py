"""Flask CLI commands: init-db, seed-demo, create-user, set-password."""

import click
from flask import current_app
from flask.cli import with_appcontext

from . import audit, dbtools, maintenance
from .db import db
from .demo import DEMO_ACCOUNTS, is_demo_database, seed_demo
from .models import Cooperative, User
from .passwords import hash_password, password_problem, temporary_password
from .schema import upgrade
from .sessions import revoke_sessions


def create_demo_database_if_missing(app):
    """Create and seed the demo database when it does not exist yet."""
    with app.app_context():
        with db.connection_context():
            upgrade()
            seed_demo()


def print_demo_accounts():
    click.echo("Comptes de démonstration (identifiant / mot de passe) :")
    for login, password, role, _ in DEMO_ACCOUNTS:
        click.echo(f"  {login:<14} {password:<20} ({User.ROLES[role]})")


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create the tables, or migrate an existing database to the latest schema."""
    with db.connection_context():
        version = upgrade()
    click.echo(f"Base de données prête (schéma version {version}).")


@click.command("seed-demo")
@with_appcontext
@click.option("--quiet", is_flag=True, help="Ne pas afficher les comptes de démonstration.")
def seed_demo_command(quiet):
    """Load the demo data into an empty database (nothing happens if data is there)."""
    with db.connection_context():
        upgrade()
        if seed_demo() or is_demo_database():
            click.echo("Base de démonstration prête.")
        else:
            click.echo("La base contient déjà d'autres données : rien n'a été ajouté.")
    if not quiet:
        print_demo_accounts()


def _check_new_password(password):
    problem = password_problem(password, current_app.config["PASSWORD_MIN_LENGTH"])
    if problem:
        raise click.BadParameter(problem, param_hint="mot de passe")


@click.command("create-user")
@with_appcontext
@click.argument("login")
@click.option("--role", type=click.Choice(list(User.ROLES)), default=User.SCHOOL, show_default=True)
@click.option("--cooperative", "cooperative_number", help="N° de la coopérative (compte école).")
@click.option("--password", help="Mot de passe ; sans cette option, un mot de passe provisoire est généré.")
def create_user_command(login, role, cooperative_number, password):
    """Create an account. Without --password it gets a temporary one to change at first login."""
    with db.connection_context():
        cooperative = None
        if role == User.SCHOOL:
            if not cooperative_number:
                raise click.UsageError("Un compte école demande --cooperative <numéro>.")
            cooperative = Cooperative.get_or_none(Cooperative.number == cooperative_number)
            if cooperative is None:
                raise click.UsageError(f"Aucune coopérative n° {cooperative_number}.")
        if User.select().where(User.login_key == login.casefold()).exists():
            raise click.UsageError(
                f"Un compte « {login} » existe déjà (les identifiants ne peuvent différer "
                "seulement par les majuscules)."
            )
        temporary = password is None
        if temporary:
            password = temporary_password()
        else:
            _check_new_password(password)
        user = User.create(login=login, password_hash=hash_password(password), role=role,
                           cooperative=cooperative, must_change_password=temporary)
        audit.record("account_created", f"Compte créé en ligne de commande ({role})",
                     user=user, cooperative=cooperative)
    click.echo(f"Compte « {login} » créé ({User.ROLES[role]}).")
    if temporary:
        click.echo(f"Mot de passe provisoire, à changer à la première connexion : {password}")


@click.command("set-password")
@with_appcontext
@click.argument("login")
@click.option("--password", help="Nouveau mot de passe ; sans cette option, un mot de passe "
                                 "provisoire est généré.")
def set_password_command(login, password):
    """Set an account's password (temporary, to change at next login, unless given)."""
    with db.connection_context():
        user = User.get_or_none(User.login == login)
        if user is None:
            raise click.UsageError(
                f"Aucun compte « {login} » (l'identifiant respecte les majuscules et minuscules)."
            )
        temporary = password is None
        if temporary:
            password = temporary_password()
        else:
            _check_new_password(password)
        user.password_hash = hash_password(password)
        user.must_change_password = temporary
        user.session_version += 1
        user.save()
        revoke_sessions(user, reason="password_reset")
        audit.record("password_set", "Mot de passe changé en ligne de commande", user=user)
    click.echo(f"Mot de passe de « {login} » changé.")
    if temporary:
        click.echo(f"Mot de passe provisoire, à changer à la prochaine connexion : {password}")


def init_app(app):
    """Register the commands on ``app``."""
    for command in (init_db_command, seed_demo_command, create_user_command, set_password_command):
        app.cli.add_command(command)
    dbtools.init_app(app)
    maintenance.init_app(app)
