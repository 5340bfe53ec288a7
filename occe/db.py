"""The one database handle, chosen from ``DATABASE_URL``.

SQLite (the default) runs with WAL, foreign keys on, a busy timeout, and write
transactions that take the write lock when they begin (``BEGIN IMMEDIATE``): a
read-then-write never fails half way with "database is locked". PostgreSQL (psycopg 3)
is reached through the same proxy with a ``postgresql://`` URL and keeps the same
guarantee (see ``WriterLockPostgresqlDatabase``).
"""

from pathlib import Path
from urllib.parse import urlparse

from peewee import DatabaseProxy, PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import parse as parse_url

db = DatabaseProxy()

# Any constant shared by every process of the install: the key of the writers' lock.
WRITER_LOCK_KEY = 0x0CCE


class WriterLockPostgresqlDatabase(PostgresqlDatabase):
    """PostgreSQL where write transactions run one at a time, as on SQLite.

    The code reads then writes inside ``db.atomic()`` (a membership's lines, then its
    totals; a login's failure counter) and relies on no other writer slipping in
    between, which ``BEGIN IMMEDIATE`` gives on SQLite. Under PostgreSQL's default
    READ COMMITTED two such transactions would both read the old state and the last
    to commit would overwrite the other's totals. A transaction-scoped advisory lock
    taken at ``BEGIN`` keeps SQLite's one-writer model without retry loops; reads
    outside ``db.atomic()`` never wait for it, and it is released at commit or rollback.
    """

    def begin(self, isolation_level=None):
        super().begin(isolation_level)
        self.execute_sql("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK_KEY,))


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
        params = parse_url(url, unquote_password=True, unquote_user=True)
        return WriterLockPostgresqlDatabase(params.pop("database"), **params)
    raise ValueError(f"DATABASE_URL inconnue : {parsed.scheme}:// (sqlite ou postgresql attendu)")


def is_postgresql():
    """Tell whether the handle currently points at PostgreSQL."""
    return isinstance(db.obj, PostgresqlDatabase)


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
