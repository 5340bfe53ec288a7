"""The benchmark harness's own parts (bench/): the floor app and the query counter.

No timing here: ``make bench`` measures, the suite only checks that what it measures is
what it claims to be.
"""

import importlib
import json
import logging

import pytest

from occe.db import db
from occe.models import User

from . import factories


@pytest.fixture
def floor(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'floor.db'}")
    module = importlib.import_module("bench.floor_app")
    module = importlib.reload(module)  # a fresh app on this test's database
    yield module
    if not db.is_closed():
        db.close()


def test_the_floor_inserts_one_row_and_answers_a_three_line_fragment(floor):
    client = floor.app.test_client()
    response = client.post("/adhesion/lignes", data={
        "label": "CP", "person": "Mme Martin", "adults": "1", "pupils": "24"})
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert len(fragment.splitlines()) == 3
    assert "Mme Martin" in fragment and 'id="line-1"' in fragment
    with db.connection_context():
        assert floor.FloorLine.select().count() == 1


@pytest.fixture
def counted(app, tmp_path):
    from bench.querycount import count_queries

    log = tmp_path / "queries.jsonl"
    count_queries(app, log)
    yield app, log
    logger = logging.getLogger("peewee")
    logger.handlers.clear()
    logger.propagate = True
    logger.setLevel(logging.NOTSET)


def test_the_query_counter_logs_every_statement_of_a_request(counted, login_as):
    app, log = counted
    staff = factories.make_user("Gestion", role=User.STAFF)
    client = login_as(staff)
    log.write_text("")
    assert client.get("/gestion/").status_code == 200
    entry = json.loads(log.read_text().splitlines()[-1])
    assert entry["path"] == "/gestion/"
    assert entry["count"] == len(entry["statements"]) >= 2
    # The session and its user are loaded before the view: that is counted too.
    assert any('FROM "user_session"' in statement and 'JOIN "user"' in statement
               for statement in entry["statements"])


def test_the_export_cpu_script_measures_each_export(app, campaign, monkeypatch, capsys):
    factories.make_membership(factories.make_cooperative(), campaign, factories.WORKED_EXAMPLE_LINES)
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    importlib.import_module("bench.export_cpu").main(["--repeat", "1"])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" : ")[0] for line in lines] == ["adhesions", "lignes", "reglements"]
    assert lines[0].startswith("adhesions : 1 lignes × ")
