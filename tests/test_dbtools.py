"""flask seed-scale (a department's volume) and flask copy-db (SQLite to PostgreSQL)."""

from datetime import date, datetime

import pytest
from peewee import fn

from occe import create_app
from occe.db import db, open_database
from occe.dbtools import data_models, money_sums, row_counts
from occe.demo import seed_demo
from occe.membership import service
from occe.models import (
    Cooperative,
    DocumentReceipt,
    Membership,
    MembershipLine,
    Payment,
    User,
)
from occe.schema import upgrade

from . import factories

PG_SERVER = "postgresql://postgres@127.0.0.1:5432/"
COPY_DATABASE = "occe_copy_test"


def postgresql_answers():
    try:
        import psycopg

        psycopg.connect(PG_SERVER + "test", connect_timeout=3).close()
    except Exception:
        return False
    return True


# --- seed-scale ---------------------------------------------------------------------------

def test_seed_scale_refuses_a_database_that_is_not_the_demo(runner, campaign):
    result = runner.invoke(args=["seed-scale", "10"])
    assert result.exit_code != 0
    assert "n'est pas celle de démonstration" in result.output
    assert Cooperative.select().count() == 0


def test_seed_scale_adds_cooperatives_at_every_stage_with_consistent_totals(runner, campaign):
    factories.make_user("AdminOCCE", role=User.ADMIN)
    result = runner.invoke(args=["seed-scale", "200", "--force"])
    assert result.exit_code == 0, result.output
    assert "200 coopératives ajoutées" in result.output
    assert Cooperative.select().count() == 200
    states = dict(Membership.select(Membership.state, fn.COUNT(Membership.id))
                  .group_by(Membership.state).tuples())
    assert set(states) == set(Membership.STATES)
    assert 150 <= sum(states.values()) < 200  # about one in ten has not started yet
    assert (MembershipLine.select().count() == 10 * sum(states.values()))
    # Every stored total is the fee rule applied to the lines, frozen or not.
    for membership in Membership.select().limit(40):
        assert membership.total_cents == int(service.live_recap(membership).total * 100)
        assert (membership.snapshot is None) == membership.is_draft
    validated = Membership.select().where(Membership.state == Membership.OCCE_VALIDATED)
    for membership in validated:
        assert service.paid_cents(membership) == membership.total_cents
        assert membership.receipts.count() == 1
    # The app keeps creating rows after the explicit ids (sequences moved on PostgreSQL).
    assert factories.make_cooperative().id == Cooperative.select(fn.MAX(Cooperative.id)).scalar()


def test_seed_scale_twice_adds_more(runner, campaign):
    for _ in range(2):
        assert runner.invoke(args=["seed-scale", "5", "--force"]).exit_code == 0
    assert Cooperative.select().count() == 10
    assert len({c.number for c in Cooperative.select()}) == 10


# --- copy-db ------------------------------------------------------------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def target_url(request, tmp_path):
    """An empty database to copy into: a SQLite file, or a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'copie.db'}"
        return
    if not postgresql_answers():
        pytest.skip("no PostgreSQL server answers on 127.0.0.1:5432")
    import psycopg

    with psycopg.connect(PG_SERVER + "test", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {COPY_DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {COPY_DATABASE}")
    yield PG_SERVER + COPY_DATABASE
    with psycopg.connect(PG_SERVER + "test", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {COPY_DATABASE} WITH (FORCE)")


@pytest.fixture
def live_sqlite_app(tmp_path):
    """A live install on SQLite: the demo, 60 more cooperatives, a cancelled payment."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATA_DIR": str(tmp_path / "live"),
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'live.db'}"})
    with db.connection_context():
        upgrade()
        seed_demo()
    assert app.test_cli_runner().invoke(args=["seed-scale", "60"]).exit_code == 0
    with db.connection_context():
        membership = Membership.get(Membership.state == Membership.OCCE_VALIDATED)
        Payment.create(membership=membership, amount_cents=1234, mode="cheque",
                       paid_on=date(2026, 10, 5), reference="Chèque rejeté",
                       cancelled_at=datetime(2026, 10, 6, 9, 30), cancel_reason="Sans provision")
    yield app
    if not db.is_closed():
        db.close()


def all_rows(database):
    """Every row of every table, as Python values, by table."""
    return {
        m._meta.table_name: list(m.select().order_by(m.id).bind(database).tuples())
        for m in data_models()
    }


def test_copy_db_moves_every_row_and_cent_and_the_copy_works(live_sqlite_app, target_url):
    runner = live_sqlite_app.test_cli_runner()
    result = runner.invoke(args=["copy-db", "--to", target_url])
    assert result.exit_code == 0, result.output
    assert "Copie vérifiée" in result.output
    source, target = db.obj, open_database(target_url)
    with db.connection_context(), target.connection_context():
        assert all_rows(target) == all_rows(source)
        assert row_counts(target)["membership_line"] > 500
        assert money_sums(target) == money_sums(source)
        assert money_sums(target)["payment.amount_cents"] > 0
        # The copy is usable: the demo login is there and new rows get fresh ids.
        with target.bind_ctx([User, Cooperative, DocumentReceipt]):
            assert User.get(User.login == "EcoleDemo").cooperative.number == "099-0001"
            largest = Cooperative.select(fn.MAX(Cooperative.id)).scalar()
            assert factories.make_cooperative().id == largest + 1


def test_copy_db_refuses_a_target_holding_data(live_sqlite_app, target_url):
    runner = live_sqlite_app.test_cli_runner()
    assert runner.invoke(args=["copy-db", "--to", target_url]).exit_code == 0
    target = open_database(target_url)
    with target.connection_context():
        before = row_counts(target)
    again = runner.invoke(args=["copy-db", "--to", target_url])
    assert again.exit_code != 0
    assert "contient déjà des données" in again.output
    with target.connection_context():
        assert row_counts(target) == before


def test_copy_db_refuses_to_copy_onto_itself(live_sqlite_app):
    url = live_sqlite_app.config["DATABASE_URL"]
    result = live_sqlite_app.test_cli_runner().invoke(args=["copy-db", "--to", url])
    assert result.exit_code != 0
    assert "la base actuelle" in result.output
