"""The one database handle, chosen from ``DATABASE_URL``.

SQLite (the default) runs with WAL, foreign keys on, a busy timeout, and write
transactions that take the write lock when they begin (``BEGIN IMMEDIATE``): a
read-then-write never fails half way with "database is locked". PostgreSQL (psycopg 3)
is reached through the same proxy with a ``postgresql://`` URL and keeps the same
guarantee (see ``WriterLockPostgresqlDatabase``).
"""

import fcntl
import os
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from peewee import DatabaseProxy, OperationalError, PostgresqlDatabase, SqliteDatabase
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


class QueuedSqliteDatabase(SqliteDatabase):
    """SQLite whose write transactions queue on a lock file before ``BEGIN IMMEDIATE``.

    ``BEGIN IMMEDIATE`` lets one writer in at a time; the others wait in SQLite's busy
    handler, which sleeps between tries for longer and longer (up to 100 ms). Under load a
    writer can lose again and again: the row-save's p99 reached 4 × the floor's at 10
    connections. Waiting on a lock file (``<database>-writers``) first, tried every
    millisecond, lets the next writer in as soon as the previous one commits, as
    PostgreSQL's advisory lock does; past the busy timeout it fails like SQLite would.
    The lock is the process's open file (one per thread), released at commit or rollback
    and by the system if the process dies.
    """

    LOCK_POLL_SECONDS = 0.001

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        self._lock_path = None if database == ":memory:" else f"{database}-writers"
        self._writer = threading.local()

    def begin(self, lock_type=None):
        self._queue()
        try:
            super().begin(lock_type)
        except Exception:
            self._leave()
            raise

    def commit(self):
        try:
            super().commit()
        finally:
            self._leave()

    def rollback(self):
        try:
            super().rollback()
        finally:
            self._leave()

    def _queue(self):
        if self._lock_path is None:
            return
        fd = getattr(self._writer, "fd", None)
        if fd is None:
            fd = self._writer.fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OperationalError("database is locked") from None
                time.sleep(self.LOCK_POLL_SECONDS)

    def _leave(self):
        fd = getattr(self._writer, "fd", None)
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)


def open_database(url, busy_timeout_ms=10_000):
    """Return an unconnected Peewee database for ``url``."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = url[len("sqlite:///"):]
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return QueuedSqliteDatabase(
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
