"""Browser tests: Debian's Chromium, driven by Playwright, against a live server.

The server runs in a thread on a temporary SQLite file seeded with the demo data,
CSRF on, as a school would meet it. Without /usr/bin/chromium the tests are skipped
(with a message saying so), except in CI where a missing browser is a failure.
Never let Playwright download a browser: the Debian package is the one we test.
"""

import itertools
import os
import re
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from occe import create_app
from occe.db import db
from occe.demo import seed_demo
from occe.models import Campaign, Membership, User
from occe.schema import upgrade

from ..factories import PASSWORD, make_user

# Generous: CI and a developer's machine may be busy; a real failure still fails.
BROWSER_TIMEOUT_MS = 20_000

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking"]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 360, "height": 740}
SCREENSHOTS = Path(os.environ.get("OCCE_SCREENSHOTS", "")) if os.environ.get("OCCE_SCREENSHOTS") else None

MISSING = (f"{CHROMIUM} est absent : installez le paquet Debian « chromium » "
           "pour lancer les tests navigateur.")

DEMO_SCHOOL = ("EcoleDemo", "demo-ecole-2026")
DEMO_NEIGHBOUR = ("EcoleVoisine", "demo-voisine-2026")
DEMO_ADMIN = ("AdminOCCE", "demo-occe-2026")


def pytest_collection_modifyitems(items):
    """Skip (or, in CI, fail) the browser tests when Debian's Chromium is missing."""
    if CHROMIUM.exists() or os.environ.get("CI"):
        return  # in CI the ``browser`` fixture fails instead
    skip = pytest.mark.skip(reason=MISSING)
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def free_port():
    """Return OCCE_TEST_PORT when set (a port given to this machine's user), else a free one."""
    if os.environ.get("OCCE_TEST_PORT"):
        return int(os.environ["OCCE_TEST_PORT"])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    database: object  # the Peewee database the server uses

    def activate(self):
        """Point the app's one database handle back at this server's database.

        Other tests' ``app`` fixtures rebind the process-wide handle; the server's
        threads and the test's own queries must use the live database again.
        """
        db.initialize(self.database)


_accounts = itertools.count(1)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Serve the demo on a temporary database from a thread; yield a ``LiveServer``."""
    data_dir = tmp_path_factory.mktemp("live")
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "browser-test-secret",
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{data_dir / 'live.db'}",
        "SESSION_COOKIE_SECURE": False,
    })
    with app.app_context():
        upgrade()
        seed_demo()
    live = LiveServer(url="", database=db.obj)
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    live.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield live
    server.shutdown()
    thread.join()
    if not db.is_closed():
        db.close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(MISSING)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Watch:
    """What went wrong in the browser: console errors, uncaught exceptions, CSP violations.

    Every context the fixtures open reports here; the test fails at teardown when anything
    was seen that the test did not announce with ``allow(pattern)`` (a 422 answer, say,
    which Chromium logs as a failed resource).
    """

    def __init__(self):
        self.problems = []
        self.allowed = []

    def allow(self, pattern):
        """Accept console errors matching ``pattern`` (a regular expression) in this test."""
        self.allowed.append(re.compile(pattern))

    def attach(self, context, javascript=True):
        context.on("console", self._console)
        context.on("weberror", lambda error: self.problems.append(f"exception: {error.error}"))
        if javascript:
            # CSP violations also reach the console; the event says which directive.
            context.expose_binding("occeCspViolation",
                                   lambda source, text: self.problems.append(f"CSP: {text}"))
            context.add_init_script(CSP_LISTENER)

    def _console(self, message):
        if message.type != "error" and "Content Security Policy" not in message.text:
            return
        if any(pattern.search(message.text) for pattern in self.allowed):
            return
        self.problems.append(f"console {message.type}: {message.text} ({message.location.get('url')})")


CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.occeCspViolation(event.violatedDirective + " blocked " + (event.blockedURI || "inline")
                          + " in " + event.documentURI);
});
"""


@pytest.fixture
def watch():
    """The test's ``Watch``: fails the test when the browser reported a problem."""
    watch = Watch()
    yield watch
    assert not watch.problems, "Le navigateur a signalé :\n" + "\n".join(watch.problems)


@pytest.fixture
def new_context(browser, live_server, watch):
    """Open browser contexts watched for problems: ``new_context(javascript=True, viewport=...)``."""
    live_server.activate()
    contexts = []

    def _new_context(javascript=True, viewport=DESKTOP):
        context = browser.new_context(viewport=viewport, locale="fr-FR", base_url=live_server.url,
                                      java_script_enabled=javascript)
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        watch.attach(context, javascript)
        contexts.append(context)
        return context

    yield _new_context
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """A fresh French-speaking browser tab at 1366×768, relative URLs on the server."""
    return new_context().new_page()


@pytest.fixture
def nojs_page(new_context):
    """The same tab with JavaScript disabled, as on a locked-down school PC."""
    return new_context(javascript=False).new_page()


@pytest.fixture
def fresh_demo_school(live_server):
    """EcoleDemo without any membership this campaign, as at the opening of the campaign.

    The demo accounts are shared by the session; the journeys that must be EcoleDemo's
    start from a blank membership whatever ran before.
    """
    live_server.activate()
    campaign = Campaign.current()
    cooperative = User.get(User.login == DEMO_SCHOOL[0]).cooperative
    Membership.delete().where((Membership.cooperative == cooperative)
                              & (Membership.campaign == campaign)).execute()
    return DEMO_SCHOOL


@pytest.fixture
def new_school(live_server):
    """A school account of its own in the live database: ``(login, password)``.

    The demo accounts are shared by the whole session; a test that validates or
    fills a membership takes a new school so the others keep their starting point.
    """
    live_server.activate()
    user = make_user(f"EcoleTest{next(_accounts)}")
    return user.login, PASSWORD


@pytest.fixture
def login():
    """Log a page in through the login form: ``login(page, (login, password))``."""

    def _login(page, account=DEMO_SCHOOL):
        page.goto("/connexion")
        page.get_by_label("Identifiant").fill(account[0])
        page.get_by_label("Mot de passe").fill(account[1])
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(lambda url: "/connexion" not in url)
        return page

    return _login


def screenshot(page, name):
    """Save a full-page screenshot under $OCCE_SCREENSHOTS when set (to look at it)."""
    if SCREENSHOTS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
