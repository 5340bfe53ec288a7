"""Running an install: ``flask check-deploy``, ``flask backup`` and ``flask restore``.

Backups go through SQLite's online backup API, never a file copy: the copy is a
consistent snapshot even while the application writes (a copied file could catch a
half-written page, or miss what still sits in the WAL file). On PostgreSQL the backup
is ``pg_dump``'s archive, and a restore is ``pg_restore``'s business.
"""

import os
import re
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import click
from flask import current_app
from flask.cli import with_appcontext

from . import audit
from .db import db, is_sqlite
from .schema import LATEST_VERSION, current_version, upgrade
from .sessions import revoke_all

# The WAL-reset bug (possible corruption when connections write and checkpoint at the
# same time) is fixed from this release on.
SQLITE_MIN_VERSION = (3, 51, 3)
NETWORK_FILESYSTEMS = {
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "9p", "ceph", "glusterfs",
    "fuse.glusterfs", "afs", "davfs", "fuse.rclone",
}
# A backup must hold these tables to be restored (the ones of schema version 1).
REQUIRED_TABLES = {
    "association", "campaign", "option", "cooperative", "user", "login_throttle",
    "membership", "membership_line", "membership_option", "document_receipt", "payment",
    "audit_event", "schema_version",
}
PG_RESTORE = ("La base est sur PostgreSQL : restaurez une sauvegarde de « flask backup » avec "
              "pg_restore (voir docs/deploy.md, § 8).")
# What ``flask backup`` writes when given no file name, and what ``--keep`` may delete.
BACKUP_NAME = re.compile(r"occe-\d{8}-\d{6}\.(db|dump)")


class BackupError(Exception):
    """A backup or a restore that cannot be done, with a French message."""


def confirm(question):
    """Ask before something that cannot be undone; stop unless the answer is "oui"."""
    answer = click.prompt(f"{question} Tapez « oui » pour continuer", default="", show_default=False)
    if answer.strip().lower() not in ("oui", "o"):
        raise click.ClickException("Rien n'a été fait.")


# ---------------------------------------------------------------------------- check-deploy

def parse_mounts(text):
    """Return ``[(mount point, filesystem type)]`` from the text of ``/proc/mounts``."""
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            # /proc/mounts writes a space in a path as \040.
            point = fields[1].replace("\\040", " ").replace("\\011", "\t")
            mounts.append((point, fields[2]))
    return mounts


def filesystem_type(path, mounts):
    """Return the type of the filesystem holding ``path``: the deepest mount above it."""
    path = Path(path)
    best, best_type = None, "inconnu"
    for point, fstype in mounts:
        point_path = Path(point)
        if (path == point_path or point_path in path.parents) and (
            best is None or len(point_path.parts) >= len(best.parts)
        ):
            best, best_type = point_path, fstype
    return best_type


def _read_mounts():
    try:
        return parse_mounts(Path("/proc/mounts").read_text())
    except OSError:
        return []


def sqlite_path():
    """Return the path of the SQLite database file (resolved)."""
    return Path(db.obj.database).resolve()


def deployment_problems(app, sqlite_version=None, mounts=None):
    """Return ``(facts, problems)``: lines to report, and ``(serious, message)`` warnings."""
    config = app.config
    facts = [f"Python {sys.version.split()[0]}"]
    problems = []
    if app.debug:
        problems.append((True, "Le mode debug est activé : il permet d'exécuter du code à "
                               "distance. Ne lancez jamais l'application avec --debug en service."))
    if config.get("DEMO"):
        problems.append((True, "Aucune clé secrète (OCCE_SECRET_KEY) : l'application tourne en "
                               "mode démonstration, avec une clé générée dans le dossier des données."))
    elif len(str(config.get("SECRET_KEY") or "")) < 32:
        problems.append((True, "La clé secrète (OCCE_SECRET_KEY) est trop courte : donnez-lui au "
                               "moins 32 caractères aléatoires."))
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append((True, "Les cookies de session ne sont pas réservés à HTTPS "
                               "(SESSION_COOKIE_SECURE) : servez l'application en HTTPS et "
                               "retirez OCCE_SESSION_COOKIE_SECURE=false."))
    if not config.get("TRUSTED_PROXIES"):
        problems.append((False, "OCCE_TRUSTED_PROXIES n'est pas réglé : derrière le proxy HTTPS, "
                                "indiquez OCCE_TRUSTED_PROXIES=1 pour que l'application voie "
                                "l'adresse des visiteurs et le protocole HTTPS."))
    schema_problem = schema_behind()
    if schema_problem:
        problems.append((True, schema_problem))
    if is_sqlite():
        version = sqlite_version or sqlite3.sqlite_version
        path = sqlite_path()
        fstype = filesystem_type(path, _read_mounts() if mounts is None else mounts)
        facts.append(f"SQLite {version}")
        facts.append(f"Base de données : {path} (système de fichiers {fstype})")
        if fstype in NETWORK_FILESYSTEMS:
            problems.append((True, f"La base de données est sur un partage réseau ({fstype}) : "
                                   "SQLite n'y est pas fiable. Placez-la sur un disque local."))
        if tuple(int(part) for part in version.split(".")[:3]) < SQLITE_MIN_VERSION:
            problems.append((False, f"SQLite {version} est antérieur à 3.51.3, qui corrige un "
                                    "défaut rare pouvant abîmer une base en mode WAL quand plusieurs "
                                    "connexions écrivent en même temps. Mettez à jour SQLite, "
                                    "sauvegardez chaque nuit, ou passez à PostgreSQL."))
    else:
        facts.append("Base de données : PostgreSQL")
    return facts, problems


def schema_behind():
    """Return why the database cannot be served by this release, or None when it can."""
    with db.connection_context():
        version = current_version()
    if version == 0:
        return "La base de données n'est pas créée : lancez « flask init-db »."
    if version < LATEST_VERSION:
        return (f"La base de données est au schéma {version}, cette version de l'application "
                f"attend le schéma {LATEST_VERSION} : lancez « flask init-db » (après une sauvegarde).")
    if version > LATEST_VERSION:
        return (f"La base de données est au schéma {version}, plus récent que celui de cette "
                f"version de l'application ({LATEST_VERSION}) : mettez l'application à jour.")
    return None


@click.command("check-deploy")
@with_appcontext
def check_deploy_command():
    """Check the install before going live; exit 1 when a serious problem is found."""
    facts, problems = deployment_problems(current_app)
    click.echo("Vérification de l'installation")
    for fact in facts:
        click.echo(f"  {fact}")
    for serious, message in problems:
        click.echo(f"{'GRAVE' if serious else 'ATTENTION'} : {message}")
    serious_count = sum(1 for serious, _ in problems if serious)
    if serious_count:
        click.echo(f"{serious_count} problème(s) grave(s) : corrigez-les avant la mise en service.")
        sys.exit(1)
    click.echo("Aucun problème grave.")


# ---------------------------------------------------------------------------- backup

def _integrity(connection):
    rows = connection.execute("PRAGMA integrity_check").fetchall()
    return "ok" if rows == [("ok",)] else "; ".join(row[0] for row in rows[:5])


def _connect(path, busy_timeout_s):
    return sqlite3.connect(str(path), timeout=busy_timeout_s, isolation_level=None)


def _copy(source, target, busy_timeout_s, single_file=False):
    """Copy ``source`` into ``target`` with SQLite's backup API; return the integrity check.

    ``single_file`` switches the copy to the classic journal mode, so that it needs no
    -wal file beside it.
    """
    src = _connect(source, busy_timeout_s)
    try:
        dst = _connect(target, busy_timeout_s)
        try:
            src.backup(dst)
            if single_file:
                dst.execute("PRAGMA journal_mode=DELETE")
            return _integrity(dst)
        finally:
            dst.close()
    finally:
        src.close()


def backup_database(source, destination, busy_timeout_s=10):
    """Copy the SQLite database ``source`` to the new file ``destination``, consistently.

    The copy is written next to its destination, checked, switched to the classic journal
    mode (one self-contained file) and only then renamed into place.
    """
    destination = Path(destination)
    if destination.exists():
        raise BackupError(f"{destination} existe déjà : choisissez un autre nom.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".part")
    partial.unlink(missing_ok=True)
    result = _copy(source, partial, busy_timeout_s, single_file=True)
    if result != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"La copie n'est pas intègre ({result}) : la sauvegarde a échoué.")
    os.replace(partial, destination)
    return destination


def default_backup_path(data_dir, prefix="occe", suffix=".db"):
    """Return ``DATA_DIR/backups/<prefix>-YYYYMMDD-HHMMSS<suffix>`` (local time)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path(data_dir) / "backups" / f"{prefix}-{stamp}{suffix}"


def dump_postgresql(url, destination):
    """Write ``pg_dump``'s archive of the database at ``url`` to the new file ``destination``.

    The password, if the URL holds one, goes to ``pg_dump`` through its environment, not
    its command line (which every user of the machine can read).
    """
    destination = Path(destination)
    if destination.exists():
        raise BackupError(f"{destination} existe déjà : choisissez un autre nom.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".part")
    parts = urlsplit(url)
    environ = dict(os.environ)
    if parts.password is not None:
        environ["PGPASSWORD"] = unquote(parts.password)
        netloc = parts.netloc.replace(f":{parts.password}@", "@", 1)
        url = urlunsplit(parts._replace(netloc=netloc))
    command = ["pg_dump", "--format=custom", "--file", str(partial), "--dbname", url]
    try:
        result = subprocess.run(command, env=environ, capture_output=True, text=True)
    except FileNotFoundError as error:
        partial.unlink(missing_ok=True)
        raise BackupError("pg_dump est introuvable : installez le paquet postgresql-client.") from error
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump a échoué : {result.stderr.strip()}")
    os.replace(partial, destination)
    return destination


def prune_backups(folder, keep):
    """Delete all but the ``keep`` newest backups that ``flask backup`` named in ``folder``.

    Only its own names (``occe-YYYYMMDD-HHMMSS.db`` or ``.dump``) are touched: a copy set
    aside by a restore, or any other file, stays. Return the deleted paths.
    """
    backups = sorted(path for path in Path(folder).iterdir() if BACKUP_NAME.fullmatch(path.name))
    old = backups[:-keep] if keep else backups
    for path in old:
        path.unlink()
    return old


@click.command("backup")
@with_appcontext
@click.argument("destination", required=False, type=click.Path(path_type=Path))
@click.option("--keep", type=click.IntRange(min=1), metavar="N",
              help="Garder les N sauvegardes les plus récentes du dossier, supprimer les autres.")
def backup_command(destination, keep):
    """Back up the database while the application runs (SQLite's online backup, or pg_dump).

    Without DESTINATION, the copy goes to DATA_DIR/backups/occe-YYYYMMDD-HHMMSS.db
    (.dump on PostgreSQL); a folder gets a file of that name.
    """
    sqlite = is_sqlite()
    default = default_backup_path(current_app.config["DATA_DIR"], suffix=".db" if sqlite else ".dump")
    if destination is None:
        destination = default
    elif destination.is_dir():
        destination = destination / default.name
    try:
        if sqlite:
            path = backup_database(sqlite_path(), destination, _busy_timeout_s())
        else:
            path = dump_postgresql(current_app.config["DATABASE_URL"], destination)
    except (BackupError, sqlite3.Error) as error:
        raise click.ClickException(f"Sauvegarde impossible : {error}") from error
    verified = "faite et vérifiée" if sqlite else "faite (pg_dump)"
    click.echo(f"Sauvegarde {verified} : {path} ({path.stat().st_size // 1024} Kio).")
    if keep:
        for old in prune_backups(path.parent, keep):
            click.echo(f"Ancienne sauvegarde supprimée : {old.name}")


# ---------------------------------------------------------------------------- restore

def check_backup(path):
    """Check that ``path`` is an intact OCCE database this release can use; return its version."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"Le fichier {path} n'existe pas.")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = _integrity(connection)
            tables = {row[0] for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = REQUIRED_TABLES - tables
            version = None
            if not missing:
                row = connection.execute("SELECT max(version) FROM schema_version").fetchone()
                version = row[0] if row else None
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} n'est pas une base SQLite lisible ({error}).") from error
    if result != "ok":
        raise BackupError(f"{path} est abîmé (contrôle d'intégrité : {result}).")
    if missing:
        raise BackupError(f"{path} n'est pas une sauvegarde d'OCCE Adhésion (tables absentes : "
                          f"{', '.join(sorted(missing))}).")
    if not version or version > LATEST_VERSION:
        raise BackupError(f"{path} vient d'une version plus récente de l'application (schéma "
                          f"{version}, cette version connaît le schéma {LATEST_VERSION}) : "
                          "mettez l'application à jour avant de restaurer.")
    return version


def restore_database(source, target, busy_timeout_s=10):
    """Write the checked backup ``source`` over the live database ``target``."""
    result = _copy(source, target, busy_timeout_s)
    if result != "ok":
        raise BackupError(f"La base restaurée n'est pas intègre ({result}).")


def _busy_timeout_s():
    return current_app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000


@click.command("restore")
@with_appcontext
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="Ne pas demander de confirmation.")
def restore_command(source, yes):
    """Put a backup back, after checking it and keeping the current database aside."""
    if not is_sqlite():
        raise click.ClickException(PG_RESTORE)
    try:
        version = check_backup(source)
    except BackupError as error:
        raise click.ClickException(f"Restauration refusée : {error}") from error
    click.echo(f"Sauvegarde vérifiée : {source} (intègre, schéma version {version}).")
    if not yes:
        confirm("Remplacer la base actuelle par cette sauvegarde ? Arrêtez l'application avant "
                "de continuer. Tout le monde devra se reconnecter.")
    target = sqlite_path()
    aside = None
    try:
        if target.exists():
            aside = backup_database(target, default_backup_path(
                current_app.config["DATA_DIR"], prefix="occe-avant-restauration"), _busy_timeout_s())
            click.echo(f"Base actuelle mise de côté : {aside}")
        restore_database(source, target, _busy_timeout_s())
    except (BackupError, sqlite3.Error) as error:
        raise click.ClickException(f"Restauration impossible : {error}") from error
    with db.connection_context():
        reached = upgrade()
        revoke_all("restore")
        audit.record("database_restored", f"Base restaurée depuis {Path(source).name}"
                     + (f" ; ancienne base gardée dans {aside.name}" if aside else ""), login="cli")
    click.echo(f"Base restaurée (schéma version {reached}).")


def init_app(app):
    """Register the maintenance commands on ``app``."""
    from .personal_data import personal_data_command

    for command in (check_deploy_command, backup_command, restore_command, personal_data_command):
        app.cli.add_command(command)
