"""Audit and logs: one line per event with user, cooperative, address and UTC time;
never a password, a session cookie or a CSRF token."""

import logging
import re
from pathlib import Path

import pytest

from .apps import app_with_csrf
from .factories import PASSWORD, make_user

NEW = "lanterne-violon-marée-basse"
WRONG = "mauvais-mot-de-passe-7781"
LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (INFO|WARNING) occe\.\w+ .+$")


@pytest.fixture
def logged_app(tmp_path):
    """An app as in production: CSRF on, and the log also written to DATA_DIR/occe.log."""
    app = app_with_csrf(tmp_path, LOG_FILE=True)
    yield app
    logger = logging.getLogger("occe")
    for handler in [h for h in logger.handlers if isinstance(h, logging.FileHandler)]:
        logger.removeHandler(handler)
        handler.close()


def form_token(client, url):
    page = client.get(url).get_data(as_text=True)
    return re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


class Journey:
    """A real sequence of requests, remembering every secret that went over the wire."""

    def __init__(self, app):
        self.client = app.test_client()
        self.secrets = {PASSWORD, NEW, WRONG}

    def remember(self):
        cookie = self.client.get_cookie("occe_session")
        if cookie:
            self.secrets.add(cookie.value)

    def post(self, url, data, token=True, form_page=None):
        if token:
            data = dict(data, csrf_token=form_token(self.client, form_page or url))
            self.secrets.add(data["csrf_token"])
        response = self.client.post(url, data=data)
        self.remember()
        return response

    def login(self, login, password):
        return self.post("/connexion", {"login": login, "password": password})


def test_a_journey_leaves_a_complete_log_without_any_secret(logged_app, caplog, capsys):
    school = make_user("EcoleDemo")
    caplog.set_level(logging.DEBUG)
    journey = Journey(logged_app)
    assert journey.login("EcoleDemo", WRONG).status_code == 200
    assert journey.login(PASSWORD, PASSWORD).status_code == 200  # password typed as identifier
    assert journey.login("EcoleDemo", PASSWORD).status_code == 303
    assert journey.client.get("/gestion/").status_code == 403
    assert journey.post("/mot-de-passe", {"current": WRONG, "new": NEW, "confirmation": NEW}).status_code == 422
    assert journey.post("/mot-de-passe", {"current": PASSWORD, "new": NEW, "confirmation": NEW}).status_code == 303
    assert journey.post("/deconnexion", {}, token=False).status_code == 400  # CSRF refusal
    assert journey.post("/deconnexion", {}, form_page="/").status_code == 303
    for _ in range(11):  # the tenth failure locks, the eleventh attempt is refused
        journey.login("EcoleDemo", WRONG)

    logs = {
        "caplog": caplog.text,
        "stderr": capsys.readouterr().err,
        "file": (Path(logged_app.config["DATA_DIR"]) / "occe.log").read_text(),
    }
    for where, text in logs.items():
        for secret in journey.secrets:
            assert secret not in text, f"a secret is in the {where} log"
    assert len(journey.secrets) >= 8  # passwords, several cookies and CSRF tokens

    lines = logs["file"].splitlines()
    assert lines and all(LINE.match(line) for line in lines)
    coop = school.cooperative.number

    def logged(pattern):
        return [line for line in lines if re.search(pattern, line)]

    assert logged(rf"occe\.audit login_failed user=EcoleDemo coop={coop} addr=127\.0\.0\.1")
    assert logged(r"occe\.audit login_failed user=co…\(28\) ")  # the unknown "identifier", masked
    assert logged(rf"occe\.audit login user=EcoleDemo coop={coop} addr=127\.0\.0\.1")
    assert logged(rf"refused status=403 method=GET path=/gestion/ user=EcoleDemo coop={coop} addr=")
    assert logged(r"refused status=400 method=POST path=/deconnexion user=EcoleDemo")
    assert logged(r"occe\.audit password_changed user=EcoleDemo")
    assert logged(r"occe\.audit logout user=EcoleDemo")
    assert logged(r"occe\.audit login_locked user=EcoleDemo")
    assert logged(r"occe\.audit login_refused_locked user=EcoleDemo")


def test_an_unknown_identifier_is_stored_masked(logged_app):
    """Whoever reads the history or the throttle table never sees a mistyped password."""
    from occe.models import AuditEvent, LoginThrottle

    Journey(logged_app).login(PASSWORD, "x")
    assert AuditEvent.get(AuditEvent.action == "login_failed").login == "co…(28)"
    assert PASSWORD not in LoginThrottle.get().login


def test_every_audit_event_is_also_a_log_line(app, caplog):
    from occe import audit
    from .factories import make_cooperative

    coop = make_cooperative(number="099-0042")
    caplog.set_level(logging.INFO, logger="occe.audit")
    audit.record("payment_recorded", "Chèque n° 1234 de 167,20 €", login="Gestion", cooperative=coop.id)
    (record,) = [r for r in caplog.records if r.name == "occe.audit"]
    assert record.getMessage() == ('payment_recorded user=Gestion coop=099-0042 addr=- membership=- '
                                   'detail="Chèque n° 1234 de 167,20 €"')


def test_a_multi_line_detail_stays_on_one_line(app, caplog):
    from occe import audit

    caplog.set_level(logging.INFO, logger="occe.audit")
    audit.record("note", "première ligne\nseconde ligne")
    assert "\n" not in caplog.records[-1].getMessage()
