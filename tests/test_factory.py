"""The application factory: configuration, demo mode on an empty data folder, schema."""

from pathlib import Path

from occe import create_app
from occe.db import db
from occe.models import Cooperative, SchemaVersion, User
from occe.schema import LATEST_VERSION


def test_testing_config(app):
    assert app.testing
    assert not create_app({"SECRET_KEY": "x", "DATA_DIR": "/tmp/occe-unused", "TESTING": False,
                           "DEMO": False}).testing


def test_empty_data_folder_gets_a_seeded_database_and_a_kept_secret_key(tmp_path, monkeypatch):
    """The demo: no secret key configured, nothing in data/ → everything is created."""
    monkeypatch.delenv("OCCE_SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"DATA_DIR": str(tmp_path)})
    assert (tmp_path / "occe.db").exists()
    key_file = tmp_path / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert app.config["SECRET_KEY"] == key_file.read_text().strip()
    with db.connection_context():
        assert User.get(User.login == "EcoleDemo")
        assert Cooperative.select().count() == 6
    # A second start keeps the same key and adds nothing.
    again = create_app({"DATA_DIR": str(tmp_path)})
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]
    with db.connection_context():
        assert Cooperative.select().count() == 6


def test_configured_install_is_not_seeded(tmp_path, monkeypatch):
    monkeypatch.setenv("OCCE_SECRET_KEY", "a-real-secret")
    app = create_app({"DATA_DIR": str(tmp_path)})
    assert app.config["SECRET_KEY"] == "a-real-secret"
    assert not app.config["DEMO"]
    assert not (tmp_path / "occe.db").exists()
    assert not (tmp_path / "secret_key").exists()


def test_database_url_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'ailleurs.db'}")
    app = create_app({"SECRET_KEY": "x", "DATA_DIR": str(tmp_path)})
    assert app.config["DATABASE_URL"].endswith("ailleurs.db")


def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(sqlite_only, app):
    with db.connection_context():
        assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_schema_version_is_recorded(app):
    assert SchemaVersion.get().version == LATEST_VERSION


def test_a_pending_migration_is_applied_to_a_live_database(app, monkeypatch):
    """A later release adds a column: the existing data stays, the version moves on."""
    from peewee import TextField
    from playhouse.migrate import migrate

    from occe import schema

    def add_a_column(migrator):
        migrate(migrator.add_column("cooperative", "extra_note", TextField(default="")))

    coop_count = Cooperative.select().count()
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS + [add_a_column])
    with db.connection_context():
        assert schema.upgrade() == LATEST_VERSION + 1
        columns = [c.name for c in db.get_columns("cooperative")]
    assert "extra_note" in columns
    assert SchemaVersion.get().version == LATEST_VERSION + 1
    assert Cooperative.select().count() == coop_count


def test_static_htmx_is_vendored_with_its_version(app):
    assert Path(app.static_folder, "htmx-2.0.11.min.js").exists()
    page = app.test_client().get("/connexion").get_data(as_text=True)
    assert 'src="/static/htmx-2.0.11.min.js"' in page
    assert "http://" not in page and "https://" not in page
