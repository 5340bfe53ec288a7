"""The one database handle, chosen from ``DATABASE_URL``.

SQLite (the default) runs with WAL, foreign keys on, a busy timeout, and write
transactions that take the write lock when they begin (``BEGIN IMMEDIATE``): a
read-then-write never fails half way with "database is locked". PostgreSQL is
reached through the same proxy with a ``postgresql://`` URL.
"""

from pathlib import Path
from urllib.parse import urlparse

from peewee import DatabaseProxy, SqliteDatabase
from playhouse.db_url import connect as connect_url

db = DatabaseProxy()


def open_database(url, busy_timeout_ms=10_000):
    """Return an unconnected Peewee database for ``url``."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = url[len("sqlite:///"):]
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return SqliteDatabase(
            path,
            lock_type="IMMEDIATE",
            timeout=busy_timeout_ms / 1000,
            pragmas={
                "journal_mode": "wal",
                "foreign_keys": 1,
                "busy_timeout": busy_timeout_ms,
                "synchronous": "full",
            },
        )
    if parsed.scheme in ("postgres", "postgresql"):
        url = "postgresql" + url[len(parsed.scheme):]
    return connect_url(url)


def is_sqlite():
    """Tell whether the handle currently points at SQLite."""
    return isinstance(db.obj, SqliteDatabase)


def init_app(app):
    """Bind the handle to the app's database and open it around each request."""
    db.initialize(
        open_database(app.config["DATABASE_URL"], app.config["SQLITE_BUSY_TIMEOUT_MS"])
    )

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not db.is_closed():
            db.close()
