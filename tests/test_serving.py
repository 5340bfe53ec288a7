"""Production serving: the reverse proxy's client address and HTTPS, gunicorn's settings."""

import os
import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from occe.models import AuditEvent

from . import factories

FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
GUNICORN_CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def app_behind(config, proxies):
    """The test app with ``proxies`` trusted, and a route answering what it sees of a request."""
    from flask import request

    from occe import create_app

    app = create_app({**config, "TRUSTED_PROXIES": proxies})
    app.add_url_rule("/_probe", "probe", lambda: f"{request.remote_addr} {request.scheme}")
    return app


@pytest.mark.parametrize("proxies, seen", [
    (0, "127.0.0.1 http"),       # reached directly: forwarded headers are anybody's words
    (1, "203.0.113.7 https"),    # behind nginx: the client nginx saw, over HTTPS
])
def test_forwarded_headers_are_honoured_only_behind_the_configured_proxy(app, proxies, seen):
    client = app_behind(app.config, proxies).test_client()
    assert client.get("/_probe", headers=FORWARDED).get_data(as_text=True) == seen


@pytest.mark.parametrize("proxies, address", [(0, "127.0.0.1"), (1, "203.0.113.7")])
def test_the_audit_log_records_the_client_address_behind_the_proxy(app, proxies, address):
    """A failed login is recorded with the address of the person, not of nginx."""
    factories.make_user("EcoleDemo")
    app_behind(app.config, proxies).test_client().post("/connexion", data={"login": "EcoleDemo", "password": "faux"},
                           headers=FORWARDED)
    event = AuditEvent.get(AuditEvent.action == "login_failed")
    assert event.address == address


def test_proxy_count_comes_from_the_environment(app, monkeypatch):
    from occe import create_app

    monkeypatch.setenv("OCCE_TRUSTED_PROXIES", "1")
    assert create_app({"SECRET_KEY": "x", "TESTING": True,
                       "DATA_DIR": app.config["DATA_DIR"]}).config["TRUSTED_PROXIES"] == 1


def gunicorn_settings(monkeypatch, **environ):
    for name in ("OCCE_SECRET_KEY", "HOST", "PORT", "WEB_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(GUNICORN_CONF))


def test_gunicorn_refuses_to_serve_the_demo(monkeypatch, capsys):
    with pytest.raises(SystemExit) as stopped:
        gunicorn_settings(monkeypatch)
    assert stopped.value.code == 78  # EX_CONFIG: systemd does not start it again
    assert "OCCE_SECRET_KEY manque" in capsys.readouterr().err


def test_gunicorn_serves_on_localhost_with_workers_from_the_cores(monkeypatch):
    settings = gunicorn_settings(monkeypatch, OCCE_SECRET_KEY="k")
    assert settings["bind"] == "127.0.0.1:8000"
    assert settings["workers"] == 2 * len(os.sched_getaffinity(0)) + 1


def test_gunicorn_host_port_and_workers_can_be_overridden(monkeypatch):
    settings = gunicorn_settings(monkeypatch, OCCE_SECRET_KEY="k", HOST="0.0.0.0",
                                 PORT="5181", WEB_CONCURRENCY="3")
    assert settings["bind"] == "0.0.0.0:5181"
    assert settings["workers"] == 3


def test_gunicorn_logs_the_time_each_request_took(monkeypatch):
    from gunicorn.config import Config
    from gunicorn.glogging import Logger, SafeAtoms

    settings = gunicorn_settings(monkeypatch, OCCE_SECRET_KEY="k")
    config = Config()
    config.set("access_log_format", settings["access_log_format"])
    environ = {"REMOTE_ADDR": "203.0.113.7", "REQUEST_METHOD": "GET", "RAW_URI": "/connexion",
               "SERVER_PROTOCOL": "HTTP/1.1"}
    response = SimpleNamespace(status="200 OK", headers=[], sent=2048)
    atoms = Logger(config).atoms(response, SimpleNamespace(headers=[]), environ,
                                 timedelta(milliseconds=42))
    line = config.access_log_format % SafeAtoms(atoms)
    assert line.startswith("203.0.113.7 - - [")
    assert line.endswith('"GET /connexion HTTP/1.1" 200 2048 "-" "-" 42ms')


class FakeArbiter:
    """What gunicorn's hooks get: the arbiter, whose ``app.wsgi()`` is the loaded app."""

    def __init__(self, flask_app, preload=True):
        self.cfg = type("Config", (), {"preload_app": preload})()
        self.app = type("Application", (), {"wsgi": staticmethod(lambda: flask_app)})()


def test_gunicorn_serves_a_database_at_the_latest_schema(app, monkeypatch):
    on_starting = gunicorn_settings(monkeypatch, OCCE_SECRET_KEY="k")["on_starting"]
    on_starting(FakeArbiter(app))


def test_gunicorn_refuses_a_database_that_init_db_has_not_made(tmp_path, monkeypatch, capsys):
    from occe import create_app

    empty = create_app({"SECRET_KEY": "k", "TESTING": True, "DATA_DIR": str(tmp_path),
                        "DATABASE_URL": f"sqlite:///{tmp_path / 'vide.db'}"})
    on_starting = gunicorn_settings(monkeypatch, OCCE_SECRET_KEY="k")["on_starting"]
    with pytest.raises(SystemExit) as stopped:
        on_starting(FakeArbiter(empty))
    assert stopped.value.code == 78
    assert "lancez « flask init-db »" in capsys.readouterr().err


@pytest.mark.parametrize("preload", [True, False])
def test_gunicorn_warms_the_pdfs_in_the_master_before_forking(app, monkeypatch, preload):
    """With the app preloaded, the master loads the fonts and compiles the PDF templates
    once, and every worker it forks starts with them."""
    from occe import pdf

    warmed = []
    monkeypatch.setattr(pdf, "warm_up", warmed.append)
    settings = gunicorn_settings(monkeypatch, OCCE_SECRET_KEY="k")
    settings["when_ready"](FakeArbiter(app, preload))
    assert warmed == ([app] if preload else [])


def test_gunicorn_leaves_the_benchmarks_floor_alone(monkeypatch):
    """The floor (bench/floor_app.py) has neither our schema nor our PDFs."""
    from flask import Flask

    from occe import pdf

    warmed = []
    monkeypatch.setattr(pdf, "warm_up", warmed.append)
    settings = gunicorn_settings(monkeypatch, OCCE_SECRET_KEY="k")
    floor = FakeArbiter(Flask("bench.floor_app"))
    settings["on_starting"](floor)  # no schema check, no SystemExit
    settings["when_ready"](floor)
    assert warmed == []
