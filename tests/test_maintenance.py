"""Running an install: flask check-deploy, flask backup (under write load), flask restore."""

import re
import shutil
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest

from occe import create_app, maintenance
from occe.db import db
from occe.models import AuditEvent, Cooperative, MembershipLine, SchemaVersion, UserSession
from occe.schema import LATEST_VERSION, upgrade

from .factories import WORKED_EXAMPLE_LINES, make_membership, make_user

MOUNTS = """\
sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
/dev/sda1 / ext4 rw,relatime 0 0
/dev/sdb1 /srv ext4 rw,relatime 0 0
nas:/export/occe /srv/partage nfs4 rw,relatime,vers=4.2 0 0
//nas/docs /mnt/mes\\040documents cifs rw,relatime 0 0
sshfs#me@host: /home/me/distant fuse.sshfs rw 0 0
"""


# ---------------------------------------------------------------------------- check-deploy

@pytest.mark.parametrize("path, expected", [
    ("/srv/occe/data/occe.db", "ext4"),
    ("/srv/partage/occe.db", "nfs4"),
    ("/srv/partage", "nfs4"),
    ("/srv/partagee/occe.db", "ext4"),  # a name that merely starts like a mount point
    ("/mnt/mes documents/occe.db", "cifs"),
    ("/home/me/distant/occe.db", "fuse.sshfs"),
    ("/var/lib/occe.db", "ext4"),
])
def test_the_filesystem_holding_the_database_is_found(path, expected):
    assert maintenance.filesystem_type(path, maintenance.parse_mounts(MOUNTS)) == expected


@pytest.fixture
def production_app(tmp_path):
    """An app configured as the README says a real install should be, after flask init-db."""
    app = create_app({
        "SECRET_KEY": "k" * 64, "DATA_DIR": str(tmp_path), "DEMO": False,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'occe.db'}", "SESSION_COOKIE_SECURE": True,
        "TRUSTED_PROXIES": 1,
    })
    with app.app_context(), db.connection_context():
        upgrade()
    return app


def local_mounts(app):
    return [("/", "ext4")]


def test_a_well_configured_install_has_no_problem(production_app):
    with production_app.app_context():
        facts, problems = maintenance.deployment_problems(
            production_app, sqlite_version="3.51.3", mounts=local_mounts(production_app))
    assert problems == []
    assert "SQLite 3.51.3" in facts


@pytest.mark.parametrize("change, serious, words", [
    ({"DEBUG": True}, True, "mode debug"),
    ({"DEMO": True}, True, "Aucune clé secrète"),
    ({"SECRET_KEY": "court"}, True, "trop courte"),
    ({"SESSION_COOKIE_SECURE": False}, True, "HTTPS"),
    ({"TRUSTED_PROXIES": 0}, False, "OCCE_TRUSTED_PROXIES"),
])
def test_each_risky_setting_is_reported_in_french(production_app, change, serious, words):
    production_app.config.update(change)
    if "DEBUG" in change:
        production_app.debug = True
    with production_app.app_context():
        _, problems = maintenance.deployment_problems(
            production_app, sqlite_version="3.51.3", mounts=local_mounts(production_app))
    assert len(problems) == 1
    assert problems[0][0] is serious and words in problems[0][1]


def test_a_database_on_a_network_share_is_serious(production_app):
    with production_app.app_context():
        path = str(maintenance.sqlite_path())
        _, problems = maintenance.deployment_problems(
            production_app, sqlite_version="3.51.3", mounts=[("/", "ext4"), (str(Path(path).parent), "nfs")])
    assert problems == [(True, problems[0][1])]
    assert "partage réseau (nfs)" in problems[0][1]


@pytest.mark.parametrize("version, words", [
    (None, "n'est pas créée : lancez « flask init-db »"),
    (1, f"attend le schéma {LATEST_VERSION} : lancez « flask init-db »"),
    (LATEST_VERSION + 1, "mettez l'application à jour"),
])
def test_a_database_this_release_cannot_serve_is_serious(tmp_path, production_app, version, words):
    """A new install before flask init-db, or an upgrade that forgot it."""
    if version is None:
        production_app.config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'vide.db'}"
        production_app = create_app(production_app.config)
    else:
        with production_app.app_context(), db.connection_context():
            SchemaVersion.update(version=version).execute()
    with production_app.app_context():
        _, problems = maintenance.deployment_problems(
            production_app, sqlite_version="3.51.3", mounts=local_mounts(production_app))
    assert problems == [(True, problems[0][1])] and words in problems[0][1]


@pytest.mark.parametrize("version, warned", [
    ("3.40.1", True), ("3.51.2", True), ("3.51.3", False), ("3.52.0", False), ("4.0.0", False),
])
def test_sqlite_older_than_the_wal_reset_fix_is_reported(production_app, version, warned):
    with production_app.app_context():
        _, problems = maintenance.deployment_problems(
            production_app, sqlite_version=version, mounts=local_mounts(production_app))
    assert any("3.51.3" in message for _, message in problems) is warned


@pytest.mark.usefixtures("sqlite_only")
def test_check_deploy_reports_the_sqlite_version_and_fails_on_serious_problems(runner):
    result = runner.invoke(args=["check-deploy"])
    assert f"SQLite {sqlite3.sqlite_version}" in result.output
    assert "GRAVE : Les cookies de session ne sont pas réservés à HTTPS" in result.output
    assert result.exit_code == 1


def test_check_deploy_passes_on_a_good_install(production_app, monkeypatch):
    monkeypatch.setattr(maintenance.sqlite3, "sqlite_version", "3.51.3")
    monkeypatch.setattr(maintenance, "_read_mounts", lambda: [("/", "ext4")])
    result = production_app.test_cli_runner().invoke(args=["check-deploy"])
    assert result.exit_code == 0, result.output
    assert "Aucun problème grave." in result.output


def test_check_deploy_exits_zero_with_only_mild_warnings(production_app, monkeypatch):
    monkeypatch.setattr(maintenance.sqlite3, "sqlite_version", "3.40.1")
    monkeypatch.setattr(maintenance, "_read_mounts", lambda: [("/", "ext4")])
    result = production_app.test_cli_runner().invoke(args=["check-deploy"])
    assert result.exit_code == 0
    assert "ATTENTION : SQLite 3.40.1 est antérieur à 3.51.3" in result.output


# ---------------------------------------------------------------------------- backup

def count_rows(path, table):
    connection = sqlite3.connect(path)
    try:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        connection.close()


@pytest.fixture
def membership(app, campaign):
    school = make_user("EcoleDemo")
    return make_membership(school.cooperative, campaign, lines=WORKED_EXAMPLE_LINES)


def add_lines_in_pairs(membership, stop, written):
    """Keep writing two lines per transaction until told to stop (the server at work)."""
    with db.connection_context():
        while not stop.is_set():
            with db.atomic():
                for person in ("Paire A", "Paire B"):
                    MembershipLine.create(membership=membership, label="CM2", person=person,
                                          adults=1, pupils=20)
            written.append(2)


@pytest.mark.usefixtures("sqlite_only")
def test_backup_under_write_load_is_consistent_and_can_be_restored(app, runner, membership):
    stop, written = threading.Event(), []
    writer = threading.Thread(target=add_lines_in_pairs, args=(membership, stop, written))
    writer.start()
    try:
        while len(written) < 20:
            threading.Event().wait(0.005)
        result = runner.invoke(args=["backup"])
        while len(written) < 60:
            threading.Event().wait(0.005)
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    backup = Path(re.search(r"vérifiée : (\S+)", result.output).group(1))
    assert re.fullmatch(r"occe-\d{8}-\d{6}\.db", backup.name)
    assert backup.parent == Path(app.config["DATA_DIR"]) / "backups"
    assert maintenance.check_backup(backup) == LATEST_VERSION
    # A snapshot: whole transactions only, some of the load and not all of it.
    in_backup = count_rows(backup, "membership_line") - len(WORKED_EXAMPLE_LINES)
    assert in_backup % 2 == 0 and 40 <= in_backup < 2 * len(written)
    assert sqlite3.connect(backup).execute("PRAGMA journal_mode").fetchone()[0] == "delete"

    live = MembershipLine.select().count()
    assert live > in_backup + len(WORKED_EXAMPLE_LINES)
    result = runner.invoke(args=["restore", str(backup), "--yes"])
    assert result.exit_code == 0, result.output
    assert MembershipLine.select().count() == in_backup + len(WORKED_EXAMPLE_LINES)
    # The database it replaced was kept aside, whole.
    aside = next((Path(app.config["DATA_DIR"]) / "backups").glob("occe-avant-restauration-*.db"))
    assert count_rows(aside, "membership_line") == live
    assert AuditEvent.get(AuditEvent.action == "database_restored").login == "cli"
    with db.connection_context():
        assert db.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.usefixtures("sqlite_only")
def test_backup_to_a_chosen_file_and_folder(app, runner, tmp_path):
    target = tmp_path / "ailleurs" / "nuit.db"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    assert maintenance.check_backup(target) == LATEST_VERSION
    folder = tmp_path / "dossier"
    folder.mkdir()
    assert runner.invoke(args=["backup", str(folder)]).exit_code == 0
    assert len(list(folder.glob("occe-*.db"))) == 1


@pytest.mark.usefixtures("sqlite_only")
def test_backup_never_overwrites_a_file(app, runner, tmp_path):
    target = tmp_path / "existe.db"
    target.write_text("précieux")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code != 0 and "existe déjà" in result.output
    assert target.read_text() == "précieux"


@pytest.mark.usefixtures("sqlite_only")
def test_restore_ends_every_session(app, runner, login_as, membership, tmp_path):
    client = login_as(membership.cooperative.users.get())
    backup = tmp_path / "b.db"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    assert runner.invoke(args=["restore", str(backup), "--yes"]).exit_code == 0
    assert client.get("/").status_code == 302
    assert UserSession.get().revoked_reason == "restore"


@pytest.mark.usefixtures("sqlite_only")
def test_restore_asks_for_confirmation(app, runner, membership, tmp_path):
    backup = tmp_path / "b.db"
    runner.invoke(args=["backup", str(backup)])
    Cooperative.update(school_name="Après la sauvegarde").execute()
    result = runner.invoke(args=["restore", str(backup)], input="n\n")
    assert result.exit_code != 0
    assert "Remplacer la base actuelle" in result.output
    assert Cooperative.get().school_name == "Après la sauvegarde"
    result = runner.invoke(args=["restore", str(backup)], input="oui\n")
    assert result.exit_code == 0, result.output
    assert Cooperative.get().school_name != "Après la sauvegarde"


def make_bad_backup(kind, path, good):
    """Write a file that must not be restored, of the given kind."""
    if kind == "absent":
        return
    if kind == "texte":
        path.write_text("nom;prénom\n")
        return
    data = bytearray(good.read_bytes())
    if kind == "abîmée":
        page_size = int.from_bytes(data[16:18], "big")
        for offset in range(page_size * 2, len(data) - 100, page_size):
            data[offset + 40: offset + 90] = b"\xff" * 50
    path.write_bytes(bytes(data))
    if kind == "autre application":
        connection = sqlite3.connect(path)
        connection.execute("DROP TABLE membership_line")
        connection.commit()
        connection.close()
    if kind == "plus récente":
        connection = sqlite3.connect(path)
        connection.execute("UPDATE schema_version SET version = ?", (LATEST_VERSION + 1,))
        connection.commit()
        connection.close()


@pytest.mark.parametrize("kind, message", [
    ("absent", "n'existe pas"),
    ("texte", "n'est pas une base SQLite lisible"),
    ("abîmée", "abîmé"),
    ("autre application", "tables absentes : membership_line"),
    ("plus récente", "version plus récente"),
])
@pytest.mark.usefixtures("sqlite_only")
def test_restore_refuses_a_bad_backup_and_leaves_the_database_alone(
        app, runner, membership, tmp_path, kind, message):
    good = tmp_path / "good.db"
    runner.invoke(args=["backup", str(good)])
    bad = tmp_path / f"{kind}.db"
    make_bad_backup(kind, bad, good)
    lines = MembershipLine.select().count()
    result = runner.invoke(args=["restore", str(bad), "--yes"])
    assert result.exit_code != 0
    assert "Restauration refusée" in result.output and message in result.output
    assert MembershipLine.select().count() == lines
    assert not (Path(app.config["DATA_DIR"]) / "backups").exists()


@pytest.mark.usefixtures("sqlite_only")
def test_backup_keeps_the_newest_copies_it_named(app, runner, tmp_path):
    folder = tmp_path / "sauvegardes"
    folder.mkdir()
    old = ["occe-20251001-023000.db", "occe-20251002-023000.db", "occe-20251003-023000.dump"]
    others = ["occe-avant-restauration-20251001-101010.db", "notes.txt", "occe-copie.db"]
    for name in old + others:
        (folder / name).write_text("x")
    result = runner.invoke(args=["backup", str(folder), "--keep", "2"])
    assert result.exit_code == 0, result.output
    kept = sorted(path.name for path in folder.iterdir())
    new = next(name for name in kept if name not in old + others)
    assert kept == sorted(others + ["occe-20251003-023000.dump", new])
    assert "Ancienne sauvegarde supprimée : occe-20251001-023000.db" in result.output


def fake_pg_dump(calls):
    def run(command, env, **kwargs):
        calls.append((command, env))
        Path(command[command.index("--file") + 1]).write_bytes(b"PGDMP")
        return subprocess.CompletedProcess(command, 0, "", "")
    return run


def test_on_postgresql_backup_runs_pg_dump_without_the_password_on_its_command_line(
        app, runner, monkeypatch):
    calls = []
    monkeypatch.setattr(maintenance, "is_sqlite", lambda: False)
    monkeypatch.setattr(maintenance.subprocess, "run", fake_pg_dump(calls))
    app.config["DATABASE_URL"] = "postgresql://occe:m%40t@db.example.org/occe"
    result = runner.invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    (command, env), = calls
    assert command[:2] == ["pg_dump", "--format=custom"]
    assert command[-2:] == ["--dbname", "postgresql://occe@db.example.org/occe"]
    assert env["PGPASSWORD"] == "m@t"
    dump = next((Path(app.config["DATA_DIR"]) / "backups").glob("occe-*.dump"))
    assert re.fullmatch(r"occe-\d{8}-\d{6}\.dump", dump.name)
    assert not list(dump.parent.glob("*.part"))


@pytest.mark.parametrize("failure, message", [
    (FileNotFoundError("pg_dump"), "installez le paquet postgresql-client"),
    (subprocess.CompletedProcess([], 1, "", "connexion refusée"), "pg_dump a échoué : connexion refusée"),
])
def test_on_postgresql_a_failed_pg_dump_leaves_no_file(app, runner, monkeypatch, failure, message):
    def run(command, **kwargs):
        Path(command[command.index("--file") + 1]).write_bytes(b"PGD")
        if isinstance(failure, Exception):
            raise failure
        return failure

    monkeypatch.setattr(maintenance, "is_sqlite", lambda: False)
    monkeypatch.setattr(maintenance.subprocess, "run", run)
    result = runner.invoke(args=["backup"])
    assert result.exit_code != 0 and message in result.output
    assert not list((Path(app.config["DATA_DIR"]) / "backups").glob("occe-*"))


def test_on_postgresql_a_real_backup_is_a_pg_restore_archive(app, runner, tmp_path):
    """On the PostgreSQL run of the suite, with the server's own pg_dump."""
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite") or not shutil.which("pg_dump"):
        pytest.skip("needs the suite on PostgreSQL and pg_dump")
    result = runner.invoke(args=["backup", str(tmp_path / "nuit.dump")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "nuit.dump").read_bytes()[:5] == b"PGDMP"


def test_on_postgresql_restore_points_to_pg_restore(runner, monkeypatch):
    monkeypatch.setattr(maintenance, "is_sqlite", lambda: False)
    result = runner.invoke(args=["restore", "x.dump", "--yes"])
    assert result.exit_code != 0
    assert "pg_restore" in result.output
