"""SQLite done right: WAL, foreign keys, a busy timeout on every connection, and write
transactions that take the write lock first so read-then-write never fails."""

import threading

import pytest
from peewee import IntegrityError, OperationalError, SqliteDatabase

from occe.db import db, open_database
from occe.models import Cooperative, User

from .factories import make_cooperative, make_user

THREADS, ROUNDS = 4, 15


def pragmas(database):
    return {name: database.execute_sql(f"PRAGMA {name}").fetchone()[0]
            for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")}


@pytest.mark.usefixtures("sqlite_only")
def test_every_connection_gets_the_pragmas(app):
    """Each thread has its own connection: the settings must hold on all of them."""
    seen = []

    def look():
        with db.connection_context():
            seen.append(pragmas(db))

    threads = [threading.Thread(target=look) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 3
    for values in seen:
        assert values["journal_mode"] == "wal"
        assert values["foreign_keys"] == 1
        assert values["busy_timeout"] >= 5000
        assert values["synchronous"] == 2  # FULL: a committed transaction survives a power cut


def test_foreign_keys_are_enforced(app):
    coop = make_cooperative()
    make_user(cooperative=coop)
    with pytest.raises(IntegrityError):
        Cooperative.delete().where(Cooperative.id == coop.id).execute()
    assert User.select().count() == 1


@pytest.mark.usefixtures("sqlite_only")
def test_write_transactions_begin_immediate(app):
    statements = []
    with db.connection_context():
        db.connection().set_trace_callback(statements.append)
        with db.atomic():
            Cooperative.select().count()
        db.connection().set_trace_callback(None)
    assert statements[0] == "BEGIN IMMEDIATE"


def read_then_write(database, errors):
    """Read a counter, think a moment, write it back plus one — in one transaction."""
    database.connect(reuse_if_open=True)
    try:
        for _ in range(ROUNDS):
            try:
                with database.atomic():
                    value = database.execute_sql("SELECT value FROM counter").fetchone()[0]
                    threading.Event().wait(0.002)
                    database.execute_sql("UPDATE counter SET value = ?", (value + 1,))
            except OperationalError as error:
                errors.append(str(error))
    finally:
        database.close()


def run_concurrently(database):
    """Run THREADS read-then-write workers on ``database``; return (errors, final counter)."""
    with database.connection_context():
        database.execute_sql("CREATE TABLE IF NOT EXISTS counter (value INTEGER NOT NULL)")
        database.execute_sql("DELETE FROM counter")
        database.execute_sql("INSERT INTO counter VALUES (0)")
    errors = []
    threads = [threading.Thread(target=read_then_write, args=(database, errors)) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with database.connection_context():
        return errors, database.execute_sql("SELECT value FROM counter").fetchone()[0]


def test_concurrent_read_then_write_never_fails_and_loses_nothing(tmp_path):
    """With the app's settings, the transactions queue for the write lock instead of failing."""
    database = open_database(f"sqlite:///{tmp_path / 'busy.db'}")
    errors, value = run_concurrently(database)
    assert errors == []
    assert value == THREADS * ROUNDS


def test_without_begin_immediate_the_same_work_fails(tmp_path):
    """The control: deferred transactions upgrade their read lock too late and get
    "database is locked" — which is what the test above proves cannot happen."""
    database = SqliteDatabase(str(tmp_path / "deferred.db"), timeout=10,
                              pragmas={"journal_mode": "wal", "busy_timeout": 10_000})
    errors, value = run_concurrently(database)
    assert errors and all("locked" in e or "busy" in e for e in errors)
    assert value == THREADS * ROUNDS - len(errors)


def test_writers_queue_on_the_lock_file_and_give_up_after_the_busy_timeout(tmp_path):
    """A second writer waits on ``<database>-writers`` while the first is in its
    transaction, gets "database is locked" past its busy timeout (never hangs), and
    writes as soon as the first has committed."""
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    first, second = open_database(url, busy_timeout_ms=50), open_database(url, busy_timeout_ms=50)
    with first.connection_context():
        first.execute_sql("CREATE TABLE counter (value INTEGER NOT NULL)")
    first.connect()
    second.connect()
    try:
        with first.atomic():
            first.execute_sql("INSERT INTO counter VALUES (1)")
            with pytest.raises(OperationalError, match="database is locked"):
                with second.atomic():
                    pytest.fail("the second writer must not get in")
        with second.atomic():
            second.execute_sql("INSERT INTO counter VALUES (2)")
    finally:
        first.close()
        second.close()
    assert (tmp_path / "queue.db-writers").exists()


def test_the_writers_lock_is_left_at_rollback(tmp_path):
    url = f"sqlite:///{tmp_path / 'rollback.db'}"
    first, second = open_database(url, busy_timeout_ms=50), open_database(url, busy_timeout_ms=50)
    first.connect()
    second.connect()
    try:
        with pytest.raises(ZeroDivisionError):
            with first.atomic():
                first.execute_sql("CREATE TABLE t (x INTEGER)")
                1 / 0
        with second.atomic():  # not "database is locked": the rollback let the lock go
            second.execute_sql("CREATE TABLE t (x INTEGER)")
    finally:
        first.close()
        second.close()
