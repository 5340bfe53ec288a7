"""The same code on SQLite and PostgreSQL: write transactions, sums of money, logins."""

import threading
from datetime import date

import pytest

from occe.db import db, is_postgresql, open_database
from occe.membership import service
from occe.models import Cooperative, Payment

from . import factories


def test_an_unknown_database_url_is_refused():
    with pytest.raises(ValueError, match="sqlite ou postgresql"):
        open_database("mysql://root@localhost/occe")


def test_write_transactions_run_one_at_a_time(app):
    """Eight writers each read a counter and write it back plus one: no update is lost.

    SQLite serialises them with BEGIN IMMEDIATE, PostgreSQL with the writers' lock; on
    PostgreSQL without it, READ COMMITTED lets two of them read the same value.
    """
    coop = factories.make_cooperative(private_notes="0")
    barrier = threading.Barrier(8)
    errors = []

    def increment():
        try:
            barrier.wait()
            for _ in range(5):
                with db.connection_context(), db.atomic():
                    current = Cooperative.get_by_id(coop.id)
                    current.private_notes = str(int(current.private_notes) + 1)
                    current.save()
        except Exception as error:  # reported below: a thread's exception is otherwise lost
            errors.append(error)

    threads = [threading.Thread(target=increment) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Cooperative.get_by_id(coop.id).private_notes == "40"


def test_paid_cents_is_an_integer_on_every_database(app, campaign):
    membership = factories.make_membership(factories.make_cooperative(), campaign)
    assert service.paid_cents(membership) == 0
    for cents in (12_345, 2_000_000_000, 2_000_000_000):
        Payment.create(membership=membership, amount_cents=cents, mode="cheque",
                       paid_on=date(2026, 10, 1))
    Payment.create(membership=membership, amount_cents=99, mode="cheque",
                   paid_on=date(2026, 10, 1), cancelled_at=date(2026, 10, 2))
    paid = service.paid_cents(membership)
    assert paid == 4_000_012_345
    assert type(paid) is int


@pytest.mark.parametrize("other", ["ecoledemo", "ECOLEDEMO", "EcoleDEMO"])
def test_logins_differing_by_case_alone_are_refused_by_the_database(app, other):
    """The case-folded login_key is unique on both databases (a plain UNIQUE is not)."""
    from peewee import IntegrityError

    from occe.models import User

    factories.make_user("EcoleDemo")
    with pytest.raises(IntegrityError), db.atomic():
        factories.make_user(other)
    assert User.select().count() == 1


def test_the_suite_knows_which_database_it_runs_on(app):
    assert is_postgresql() == app.config["DATABASE_URL"].startswith("postgresql")
