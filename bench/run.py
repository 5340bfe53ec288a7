"""The benchmarks of issue 8, run against the real production server; writes bench/RESULTS.md.

    .venv/bin/python bench/run.py            # everything (make bench)
    .venv/bin/python bench/run.py --quick    # a short run to check the harness

What it measures, each figure repeated and reported as min / median / max:

1. The row-save cycle (``POST /adhesion/lignes`` as htmx, logged in, with CSRF) under
   load with wrk at 10 and 50 connections, beside the *floor* (``bench/floor_app.py``)
   under the same gunicorn settings, on SQLite (and PostgreSQL with ``--postgresql``).
2. One row-save with 1, 30 and 100 lines in the membership, with its SQL statements.
3. The staff pages and exports of ``PAGES`` with 300, 3,000 and 30,000 cooperatives
   (``flask seed-scale``), with their SQL statements (``bench/counted_app.py``).
4. The PDFs of ``PDFS``, one part of the staff's bulk attestations (``BULK_PAGE``), and
   1,000 attestations in one file with ``flask print-attestations``.

A URL answering 404 (an area not merged yet) is skipped with a note. Machines here are
shared: compare figures of one run with each other, not with another run's.
"""

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from http.client import HTTPConnection
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "RESULTS.md"
# Everything under this heading in RESULTS.md is the team's and survives a new run.
NOTES_HEADING = "## Ce qui a changé les chiffres"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432/"
PG_BENCH_DATABASE = "occe_bench"

ADMIN = ("AdminOCCE", "demo-occe-2026")
SCHOOL = ("EcoleDemo", "demo-ecole-2026")
BENCH_PASSWORD = "banc-essai-2026-adhesion"
VALIDATED_ACCOUNT = "BancValidee"  # the demo's OCCE-validated cooperative, for its documents


@dataclass
class Page:
    """A URL to time: who asks for it, how often, and the issue's target beside it."""

    name: str
    path: str
    account: str = "admin"  # admin, school, or validated (a school whose membership is done)
    kind: str = "page"  # page, export or pdf: exports and PDFs are repeated fewer times
    target: str = ""
    target_ms: float | None = None  # median limit at 3,000 cooperatives, when the issue sets one


# The one list of URLs the harness times. Paths of areas still being built are the
# expected ones: a path answering 404 is reported as skipped, never as a figure.
PAGES = [
    Page("Connexion (témoin)", "/connexion", account=None),
    Page("Tableau de bord", "/gestion/", target="< 300 ms (médiane, 3 000)", target_ms=300),
    Page("Liste des adhésions", "/gestion/adhesions", target="< 300 ms (médiane, 3 000)",
         target_ms=300),
    Page("Export XLSX des adhésions", "/gestion/exports/adhesions.xlsx", kind="export",
         target="< 5 s (3 000)", target_ms=5000),
    Page("Export CSV des adhésions", "/gestion/exports/adhesions.csv", kind="export"),
]
# ``{membership}``: the membership of the demo's OCCE-validated cooperative (all four
# documents are available to it), opened by its own school account.
PDFS = [
    Page("Engagement du mandataire", "/documents/{membership}/engagement.pdf",
         account="validated", kind="pdf", target="< 200 ms (médiane)", target_ms=200),
    Page("Changement de mandataire", "/documents/{membership}/changement.pdf",
         account="validated", kind="pdf", target="< 200 ms (médiane)", target_ms=200),
    Page("Attestation d'adhésion", "/documents/{membership}/attestation.pdf",
         account="validated", kind="pdf", target="< 200 ms (médiane)", target_ms=200),
    Page("Certificat d'assurance", "/documents/{membership}/certificat.pdf",
         account="validated", kind="pdf", target="< 200 ms (médiane)", target_ms=200),
]
# The bulk attestations: one part of the staff's download (at most 500 per request) on
# the server, and 1,000 at once through ``flask print-attestations --limit``.
BULK_PAGE = Page("Attestations en lot (une partie, 500 au plus, par le serveur)",
                 "/gestion/documents/attestations.pdf?partie=1", kind="bulk")
BULK_COUNT = 1000
BULK_TARGET_S = 120
ROW_SAVE = "/adhesion/lignes"
ROW_SAVE_FORM = {"label": "CM1", "person": "Mme Martin", "adults": "1", "pupils": "24"}


# --- figures ------------------------------------------------------------------------------

def spread(values):
    """Return ``(min, median, max)`` of ``values``."""
    return min(values), statistics.median(values), max(values)


def fmt(values, unit="ms", digits=0):
    """Format min / median / max, the median in bold."""
    low, mid, high = spread(values)
    return f"{low:.{digits}f} / **{mid:.{digits}f}** / {high:.{digits}f} {unit}"


def thousands(number):
    """1 234 567, the French way (a narrow space would do, a plain one reads everywhere)."""
    return f"{number:,}".replace(",", " ")


def verdict(ok):
    return "✅" if ok else "❌"


# --- servers and clients ------------------------------------------------------------------

def free_port(start):
    """Return the first port from ``start`` nobody listens on."""
    for port in range(start, start + 50):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError(f"aucun port libre à partir de {start}")


class Server:
    """A gunicorn server with the production settings (gunicorn.conf.py)."""

    def __init__(self, wsgi, port, env, log_path):
        self.wsgi, self.port, self.env, self.log_path = wsgi, port, env, log_path
        self.process = None

    def __enter__(self):
        env = {**self.env, "HOST": "127.0.0.1", "PORT": str(self.port)}
        self.log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"), self.wsgi],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn s'est arrêté : voir {self.log_path}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn ne répond pas sur {self.port}")

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def locked_errors(self):
        """Count "database is locked" in the server's log so far."""
        return Path(self.log_path).read_text(errors="replace").count("database is locked")


class Client:
    """A browser's worth of HTTP: cookies, the CSRF token, timings."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, form=None, headers=None):
        """Return ``(status, body, seconds)``; the cookies set are kept."""
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = HTTPConnection("127.0.0.1", self.port, timeout=600)
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - started
        self.last_location = response.getheader("Location")
        for cookie in response.msg.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value
        connection.close()
        return response.status, data, elapsed

    def cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def login(self, login, password):
        """Log in through the form, as a person would; return the page's CSRF token."""
        _, page, _ = self.request("GET", "/connexion")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
        status, _, _ = self.request("POST", "/connexion", form={
            "login": login, "password": password, "csrf_token": token})
        if status != 303:
            raise RuntimeError(f"connexion de {login} refusée ({status})")
        return self.csrf_token()

    def csrf_token(self, path="/"):
        """Return the CSRF token htmx sends (``hx-headers`` on ``<body>``) of the home page.

        The page may set a new session cookie holding the token: it is kept, like a browser.
        """
        for _ in range(3):  # the home page of staff redirects to the back-office
            status, page, _ = self.request("GET", path)
            if status not in (301, 302, 303):
                break
            path = self.last_location
        found = re.search(rb'X-CSRFToken(?:&#34;|")\s*:\s*(?:&#34;|")([^"&]+)', page)
        if found is None:
            raise RuntimeError(f"pas de jeton CSRF dans {path}")
        return found.group(1).decode()


# --- data ---------------------------------------------------------------------------------

class Install:
    """A temporary install (data folder, database) the benchmarks run against."""

    def __init__(self, workdir, database_url):
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.url = database_url
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "OCCE_DATA_DIR": str(workdir / "data"),
            "OCCE_SECRET_KEY": secrets.token_hex(32),
            "OCCE_TRUSTED_PROXIES": "0",
            "PYTHONPATH": str(ROOT),
        }
        self.cooperatives = 0
        self._database = None

    def bind(self):
        """Point the app's database handle at this install (for the harness's own set-up)."""
        from occe.db import db, open_database

        if self._database is None:
            self._database = open_database(self.url)
        if db.obj is not self._database:
            db.initialize(self._database)

    def flask(self, *args):
        started = time.perf_counter()
        subprocess.run([str(BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=self.env,
                       check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - started

    def create(self):
        self.flask("init-db")
        self.flask("seed-demo", "--quiet")
        self.cooperatives = 6

    def grow_to(self, count):
        """Add cooperatives with ``flask seed-scale`` up to ``count``; return the seconds."""
        if count <= self.cooperatives:
            return 0.0
        seconds = self.flask("seed-scale", str(count - self.cooperatives))
        self.cooperatives = count
        return seconds

    def bench_schools(self, count):
        """Create ``count`` school accounts with an empty draft membership; return logins."""
        from occe.db import db
        from occe.membership.service import membership_for
        from occe.models import Cooperative, User
        from occe.passwords import hash_password

        self.bind()
        password_hash = hash_password(BENCH_PASSWORD)
        logins = []
        with db.connection_context(), db.atomic():
            for n in range(1, count + 1):
                cooperative = Cooperative.create(number=f"BANC-{n:03d}",
                                                 school_name=f"École du banc d'essai n° {n}")
                User.create(login=f"Banc{n:03d}", password_hash=password_hash,
                            role=User.SCHOOL, cooperative=cooperative)
                membership_for(cooperative)
                logins.append(f"Banc{n:03d}")
            validated = Cooperative.get(Cooperative.number == "099-0005")
            User.create(login=VALIDATED_ACCOUNT, password_hash=password_hash, role=User.SCHOOL,
                        cooperative=validated)
        return logins

    def membership_id(self, number):
        """Return the id of the current membership of cooperative ``number``."""
        from occe.db import db
        from occe.models import Cooperative, Membership

        self.bind()
        with db.connection_context():
            return Membership.select(Membership.id).join(Cooperative).where(
                Cooperative.number == number).scalar()

    def validated_count(self):
        """Return how many memberships the OCCE validated."""
        from occe.db import db
        from occe.models import Membership

        self.bind()
        with db.connection_context():
            return Membership.select().where(
                Membership.state == Membership.OCCE_VALIDATED).count()

    def set_lines(self, login, count):
        """Give the membership of ``login`` exactly ``count`` lines."""
        from occe.db import db
        from occe.membership.service import membership_for, refresh_totals
        from occe.models import MembershipLine, User

        self.bind()
        with db.connection_context(), db.atomic():
            membership = membership_for(User.get(User.login == login).cooperative)
            MembershipLine.delete().where(MembershipLine.membership == membership).execute()
            MembershipLine.insert_many([
                dict(membership=membership, label=f"Classe {n}", person="Mme Martin",
                     adults=1, pupils=20) for n in range(count)
            ]).execute()
            refresh_totals(membership)

    def most_lines(self, logins):
        """Return the most lines one of ``logins``' memberships holds."""
        from peewee import fn

        from occe.db import db
        from occe.models import Cooperative, Membership, MembershipLine, User

        self.bind()
        counts = (MembershipLine.select(fn.COUNT(MembershipLine.id).alias("lines"))
                  .join(Membership).join(Cooperative).join(User)
                  .where(User.login.in_(logins)).group_by(Membership.id))
        with db.connection_context():
            return max((row.lines for row in counts), default=0)

    def clear_lines(self, logins):
        """Empty the memberships of ``logins`` (between load runs)."""
        from occe.db import db
        from occe.models import Cooperative, Membership, MembershipLine, User

        self.bind()
        cooperatives = Cooperative.select(Cooperative.id).join(User).where(User.login.in_(logins))
        memberships = Membership.select(Membership.id).where(
            Membership.cooperative.in_(cooperatives))
        with db.connection_context(), db.atomic():
            MembershipLine.delete().where(MembershipLine.membership.in_(memberships)).execute()


# --- 1. the row-save cycle under load -----------------------------------------------------

def run_wrk(port, connections, seconds, sessions):
    """Run wrk with row_save.lua; return its figures (throughput, percentiles in ms, errors)."""
    env = {**os.environ, "BENCH_SESSIONS": "\n".join(f"{c}|{t}" for c, t in sessions)}
    # One wrk thread: it drives tens of thousands of requests a second, far above the
    # server, and leaves the cores to gunicorn.
    result = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
         "-s", str(ROOT / "bench" / "row_save.lua"), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, env=env, check=True,
    )
    line = next(l for l in result.stdout.splitlines() if l.startswith("BENCH_JSON "))
    raw = json.loads(line[len("BENCH_JSON "):])
    return {
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50": raw["p50_us"] / 1000, "p95": raw["p95_us"] / 1000, "p99": raw["p99_us"] / 1000,
        "errors": sum(raw[k] for k in ("connect", "read", "write", "status", "timeout")),
        "requests": raw["requests"],
    }


def row_save_answers(port, session):
    """Return the status the row-save endpoint answers (404: not merged yet)."""
    client = Client(port)
    cookie, token = session
    status, _, _ = client.request("POST", ROW_SAVE, form=ROW_SAVE_FORM,
                                  headers={"Cookie": cookie, "X-CSRFToken": token,
                                           "HX-Request": "true"})
    return status


def bench_load(install, options, backend, notes):
    """Row-save vs floor at each connection count; return ``{(server, c): [runs]}``."""
    from occe.membership.forms import MAX_LINES

    logins = install.bench_schools(options.schools)
    app_port, floor_port = free_port(options.port), free_port(options.port + 3)
    floor_env = {**install.env}
    if backend == "sqlite":
        floor_env["DATABASE_URL"] = f"sqlite:///{install.workdir / 'floor.db'}"
    runs = {}
    log = install.workdir / f"gunicorn-{backend}.log"
    with Server("app:app", app_port, install.env, log) as app_server, \
            Server("bench.floor_app:app", floor_port, floor_env, log.with_suffix(".floor.log")):
        sessions = []
        for login in logins:
            client = Client(app_port)
            token = client.login(login, BENCH_PASSWORD)
            sessions.append((client.cookie_header(), token))
        status = row_save_answers(app_port, sessions[0])
        measure_app = status < 400
        if not measure_app:
            notes.append(f"{backend} : `POST {ROW_SAVE}` répond {status} : row-save de l'appli "
                         "non mesuré (point d'entrée pas encore livré), seul le plancher l'est.")
        for connections in options.connections:
            for _ in range(options.repeat):
                targets = [("plancher", floor_port)] + ([("appli", app_port)] if measure_app else [])
                for name, port in targets:
                    install.clear_lines(logins)
                    locked_before = app_server.locked_errors()
                    figures = run_wrk(port, connections, options.seconds, sessions)
                    figures["locked"] = app_server.locked_errors() - locked_before
                    runs.setdefault((name, connections), []).append(figures)
                    if name == "appli" and install.most_lines(logins) >= MAX_LINES:
                        notes.append(f"{backend}, {connections} connexions : une école a atteint "
                                     f"la limite de {MAX_LINES} lignes (réponses 422 comptées en "
                                     "erreurs) : il faut plus d'écoles (`bench_schools`).")
    return runs


# --- 2-4. single requests: row-save by size, pages, PDFs ----------------------------------

def query_counts(log_path, path):
    """Return the statements of the last request for ``path`` in the query log."""
    last = None
    for line in Path(log_path).read_text().splitlines():
        entry = json.loads(line)
        if entry["path"] == path:
            last = entry
    return last


def time_row_save_by_size(install, port, query_log, sizes, repeat):
    """Time the row-save that brings the membership to each of ``sizes`` lines (100 is
    the most a membership may have: one more would be refused, not saved)."""
    from occe.db import db
    from occe.models import MembershipLine

    client = Client(port)
    token = client.login("Banc001", BENCH_PASSWORD)
    headers = {"X-CSRFToken": token, "HX-Request": "true"}
    status, _, _ = client.request("POST", ROW_SAVE, form=ROW_SAVE_FORM, headers=headers)
    if status >= 400:
        return None
    results = {}
    for size in sizes:
        install.set_lines("Banc001", size - 1)  # the line saved is the size-th
        times = []
        for _ in range(repeat):
            with db.connection_context():
                newest = MembershipLine.select(MembershipLine.id).order_by(
                    MembershipLine.id.desc()).scalar() or 0
            status, _, seconds = client.request("POST", ROW_SAVE, form=ROW_SAVE_FORM,
                                                headers=headers)
            times.append(seconds * 1000)
            with db.connection_context():  # back to ``size`` lines for the next request
                MembershipLine.delete().where(MembershipLine.id > newest).execute()
        entry = query_counts(query_log, ROW_SAVE)
        results[size] = {"ms": times, "queries": entry["count"] if entry else None}
    return results


def time_pages(port, query_log, pages, repeat, clients, notes, values=None):
    """Time each page; return ``{name: {"ms": [...], "queries": n, "status": s}}``.

    ``values`` fill the ``{…}`` of the paths (ids known once the data exists)."""
    results = {}
    for page in pages:
        client = clients[page.account] if page.account else Client(port)
        path = page.path.format(**(values or {}))
        status, _, first = client.request("GET", path)
        if status == 404:
            notes.add(f"`{path}` ({page.name}) répond 404 : pas encore livré, non mesuré.")
            continue
        if status >= 400:
            notes.add(f"`{path}` ({page.name}) répond {status} : non mesuré.")
            continue
        count = repeat if page.kind == "page" else max(1, repeat // 3)
        times = ([first * 1000] if page.kind == "bulk"  # minutes each: the first counts
                 else [client.request("GET", path)[2] * 1000 for _ in range(count)])
        entry = query_counts(query_log, path)
        results[page.name] = {"ms": times, "queries": entry["count"] if entry else None,
                              "statements": entry["statements"] if entry else []}
    return results


def bench_pages(install, options, notes):
    """Pages at each size, row-save by size and PDFs, on the counting server."""
    query_log = install.workdir / "queries.jsonl"
    env = {**install.env, "OCCE_COUNT_QUERIES": "1", "OCCE_QUERY_LOG": str(query_log)}
    port = free_port(options.port + 6)
    by_size, seeding, row_save, pdfs = {}, {}, None, {}
    with Server("bench.counted_app:app", port, env, install.workdir / "gunicorn-pages.log"):
        clients = {"admin": Client(port), "school": Client(port), "validated": Client(port)}
        clients["admin"].login(*ADMIN)
        clients["school"].login(*SCHOOL)
        clients["validated"].login(VALIDATED_ACCOUNT, BENCH_PASSWORD)
        row_save = time_row_save_by_size(install, port, query_log, options.line_sizes,
                                         options.page_repeat)
        if row_save is None:
            notes.add(f"`POST {ROW_SAVE}` absent : coût par nombre de lignes non mesuré.")
        for size in options.sizes:
            seeding[size] = install.grow_to(size)
            by_size[size] = time_pages(port, query_log, PAGES, options.page_repeat, clients,
                                       notes)
        pdfs = time_pages(port, query_log, PDFS + [BULK_PAGE], options.page_repeat, clients,
                          notes, {"membership": install.membership_id("099-0005")})
    return by_size, seeding, row_save, pdfs


def time_bulk(install, repeat):
    """Time ``flask print-attestations`` for ``BULK_COUNT`` attestations (fewer when the
    data has fewer validated memberships); return ``{"count", "pages", "s": [...]}``."""
    from pypdf import PdfReader

    output = install.workdir / "attestations.pdf"
    seconds = [install.flask("print-attestations", str(output), "--limit", str(BULK_COUNT))
               for _ in range(repeat)]
    pages = len(PdfReader(output).pages)
    return {"count": min(BULK_COUNT, install.validated_count()), "pages": pages, "s": seconds,
            "megabytes": output.stat().st_size / 1e6}


# --- the report ---------------------------------------------------------------------------

def machine():
    """Describe the machine, the date and the versions."""
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text()
                .splitlines() if l.startswith("model name")), platform.processor())
    memory = next((l.split()[1] for l in Path("/proc/meminfo").read_text().splitlines()
                   if l.startswith("MemTotal")), "0")
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("[")[0]
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    load = os.getloadavg()
    return [
        f"- Date : {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC ; révision `{commit}`",
        f"- Machine : {cpu}, {len(os.sched_getaffinity(0))} cœurs, "
        f"{int(memory) // 1024} Mio ; {platform.platform()} ; charge au départ "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (machine partagée)",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"Flask {version('flask')}, Peewee {version('peewee')}, gunicorn {version('gunicorn')}, "
        f"psycopg {version('psycopg')}, {wrk.strip()}",
    ]


def load_section(runs, backend):
    lines = [f"### Enregistrement d'une ligne sous charge — {backend}", "",
             "| Serveur | Connexions | Débit (req/s) | p50 | p95 | p99 | Erreurs | "
             "« database is locked » |", "|---|---|---|---|---|---|---|---|"]
    for (name, connections), figures in sorted(runs.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        lines.append(
            f"| {name} | {connections} | {fmt([f['rps'] for f in figures], '')} | "
            f"{fmt([f['p50'] for f in figures], 'ms', 1)} | "
            f"{fmt([f['p95'] for f in figures], 'ms', 1)} | "
            f"{fmt([f['p99'] for f in figures], 'ms', 1)} | "
            f"{sum(f['errors'] for f in figures)} / {sum(f['requests'] for f in figures)} | "
            f"{sum(f['locked'] for f in figures)} |")
    lines.append("")
    med = {key: {m: statistics.median(f[m] for f in figs) for m in ("rps", "p99")}
           for key, figs in runs.items()}
    if ("appli", 50) in med and ("plancher", 50) in med:
        ratio = med[("appli", 50)]["rps"] / med[("plancher", 50)]["rps"]
        lines.append(f"- Débit à 50 connexions : {ratio:.2f} × le plancher "
                     f"(objectif ≥ 0,5) {verdict(ratio >= 0.5)}")
    if ("appli", 10) in med and ("plancher", 10) in med:
        ratio = med[("appli", 10)]["p99"] / med[("plancher", 10)]["p99"]
        lines.append(f"- p99 à 10 connexions : {ratio:.2f} × celui du plancher "
                     f"(objectif ≤ 3) {verdict(ratio <= 3)}")
    app_runs = [f for (name, _), figs in runs.items() if name == "appli" for f in figs]
    if app_runs:
        errors = sum(f["errors"] + f["locked"] for f in app_runs)
        lines.append(f"- Erreurs et « database is locked » de l'appli : {errors} "
                     f"(objectif 0) {verdict(errors == 0)}")
    return lines + [""]


def pages_section(by_size, seeding):
    lines = ["### Pages et exports selon le nombre de coopératives (10 lignes chacune)", "",
             "| Page | Coopératives | Temps (min / médiane / max) | Requêtes SQL | Objectif |",
             "|---|---|---|---|---|"]
    names = [p.name for p in PAGES]
    for page in PAGES:
        for size, results in by_size.items():
            if page.name not in results:
                continue
            r = results[page.name]
            target = page.target
            if page.target_ms and size == 3000:
                target += " " + verdict(statistics.median(r["ms"]) < page.target_ms)
            lines.append(f"| {page.name} | {thousands(size)} | {fmt(r['ms'])} | "
                         f"{r['queries']} | {target} |")
    lines.append("")
    sizes = sorted(by_size)
    if 3000 in by_size and 30000 in by_size:
        for name in names:
            if name in by_size[3000] and name in by_size[30000]:
                growth = (statistics.median(by_size[30000][name]["ms"])
                          / statistics.median(by_size[3000][name]["ms"]))
                lines.append(f"- {name} : × {growth:.1f} de 3 000 à 30 000 coopératives "
                             f"(linéaire : × 10) {verdict(growth <= 10)}")
    lines.append("- Création des données (`flask seed-scale`) : " + ", ".join(
        f"{thousands(size)} en {seeding[size]:.1f} s" for size in sizes if seeding[size]))
    return lines + [""]


def row_save_section(row_save):
    lines = ["### Une ligne enregistrée selon la taille de l'adhésion", "",
             "| Lignes après l'enregistrement | Temps (min / médiane / max) | Requêtes SQL |", "|---|---|---|"]
    for size, r in row_save.items():
        lines.append(f"| {size} | {fmt(r['ms'], 'ms', 1)} | {r['queries']} |")
    first, last = row_save[min(row_save)], row_save[max(row_save)]
    growth = statistics.median(last["ms"]) / statistics.median(first["ms"])
    lines += ["", f"- De {min(row_save)} à {max(row_save)} lignes : × {growth:.2f} "
              f"(objectif : presque constant) {verdict(growth < 1.5)}", ""]
    return lines


def pdf_section(pdfs, bulk):
    lines = ["### Documents PDF", "", "| Document | Temps (min / médiane / max) | Objectif |",
             "|---|---|---|"]
    for page in PDFS + [BULK_PAGE]:
        if page.name in pdfs:
            ms = pdfs[page.name]["ms"]
            target = (f"{page.target} {verdict(statistics.median(ms) < page.target_ms)}"
                      if page.target_ms else "")
            lines.append(f"| {page.name} | {fmt(ms)} | {target} |")
    if bulk:
        seconds = bulk["s"]
        lines.append(
            f"| {thousands(bulk['count'])} attestations en un fichier (`flask "
            f"print-attestations`, {len(os.sched_getaffinity(0))} cœurs) | "
            f"{fmt(seconds, 's', 1)} | {thousands(BULK_COUNT)} en < 2 min "
            f"{verdict(bulk['count'] >= BULK_COUNT and statistics.median(seconds) < BULK_TARGET_S)} |")
        lines += ["", f"- Le fichier : {bulk['pages']} pages, {bulk['megabytes']:.1f} Mo ; le "
                  "temps compte le démarrage de la commande et des processus de rendu."]
    return lines + [""]


def statements_section(by_size):
    """The SQL of each page at the largest size, so a query per row shows at once."""
    lines = ["### Requêtes SQL de chaque page", ""]
    largest = by_size[max(by_size)] if by_size else {}
    for name, r in largest.items():
        lines += [f"<details><summary>{name} : {r['queries']} requêtes</summary>", "", "```sql"]
        lines += [re.sub(r"\s+", " ", s)[:300] for s in r["statements"]]
        lines += ["```", "", "</details>", ""]
    return lines


def write_results(options, load_runs, by_size, seeding, row_save, pdfs, bulk, notes):
    kept = ""
    if RESULTS.exists() and NOTES_HEADING in RESULTS.read_text():
        kept = RESULTS.read_text().split(NOTES_HEADING, 1)[1]
    lines = ["# Mesures de performance (issue 8)", "",
             "Écrit par `make bench` (`bench/run.py`"
             + (" --quick" if options.quick else "") + "). Chaque chiffre : min / **médiane** / "
             f"max sur {options.repeat} passage(s) (charge) ou {options.page_repeat} requêtes "
             "(pages). Les rapports entre chiffres d'un même passage comptent ; les valeurs "
             "absolues varient d'une exécution à l'autre sur une machine partagée.", "",
             *machine(),
             f"- Charge : wrk (1 fil), {options.seconds} s par mesure, {options.schools} écoles "
             "connectées en alternance ; gunicorn avec `gunicorn.conf.py` "
             f"({os.environ.get('WEB_CONCURRENCY') or 'workers = 2 × cœurs + 1'}), "
             "sur la même machine que wrk.", ""]
    for backend, runs in load_runs.items():
        lines += load_section(runs, backend)
    if row_save:
        lines += row_save_section(row_save)
    if by_size:
        lines += pages_section(by_size, seeding)
    if pdfs or bulk:
        lines += pdf_section(pdfs, bulk)
    if notes:
        lines += ["### Non mesuré", ""] + [f"- {n}" for n in sorted(notes)] + [""]
    lines += statements_section(by_size)
    lines += [NOTES_HEADING + (kept if kept else "\n\n(Rien encore.)\n")]
    RESULTS.write_text("\n".join(lines))


# --- main ---------------------------------------------------------------------------------

def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="court : 300 coopératives, 3 s par mesure, un passage")
    parser.add_argument("--postgresql", action=argparse.BooleanOptionalAction, default=None,
                        help="mesurer aussi l'enregistrement sur PostgreSQL "
                             f"({PG_SERVER}) ; par défaut, si un serveur répond")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 5181)),
                        help="premier port essayé pour les serveurs (BENCH_PORT, 5181)")
    options = parser.parse_args(argv)
    if options.postgresql is None:
        options.postgresql = postgresql_answers()
    options.connections = [10, 50]
    options.line_sizes = [1, 30, 100]
    if options.quick:
        options.sizes, options.seconds, options.repeat, options.page_repeat = [300], 3, 1, 3
        options.schools = 40
    else:
        options.sizes, options.seconds, options.repeat = [300, 3000, 30000], 15, 3
        # Each school must stay under the limit of lines for a whole run: at 600 saves a
        # second for 15 s, 200 schools get about 45 lines each (MAX_LINES is 100).
        options.page_repeat, options.schools = 10, 200
    return options


def postgresql_answers():
    """Tell whether the PostgreSQL server of the benchmarks answers."""
    try:
        import psycopg

        psycopg.connect(PG_SERVER + "test", connect_timeout=3).close()
    except Exception:
        return False
    return True


def postgresql_database():
    """Create an empty database for the benchmark; return its URL."""
    import psycopg

    with psycopg.connect(PG_SERVER + "test", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {PG_BENCH_DATABASE}")
    return PG_SERVER + PG_BENCH_DATABASE


def drop_postgresql_database():
    import psycopg

    with psycopg.connect(PG_SERVER + "test", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DATABASE} WITH (FORCE)")


def main(argv=None):
    options = parse_args(argv)
    if not shutil.which("wrk"):
        sys.exit("wrk manque : apt-get install wrk (make bench l'installe).")
    notes = set()
    workdir = Path(tempfile.mkdtemp(prefix="occe-bench-"))
    load_runs = {}
    try:
        install = Install(workdir / "sqlite", f"sqlite:///{workdir / 'sqlite' / 'occe.db'}")
        install.create()
        print("Enregistrement sous charge (SQLite)…", flush=True)
        load_notes = []
        load_runs["SQLite"] = bench_load(install, options, "sqlite", load_notes)
        print("Pages, exports et PDF…", flush=True)
        by_size, seeding, row_save, pdfs = bench_pages(install, options, notes)
        print(f"Attestations en lot ({BULK_COUNT})…", flush=True)
        # Two runs: a thousand documents take a minute or more on a shared machine.
        bulk = time_bulk(install, 1 if options.quick else 2)
        if options.postgresql:
            print("Enregistrement sous charge (PostgreSQL)…", flush=True)
            try:
                pg = Install(workdir / "pg", postgresql_database())
                pg.create()
                load_runs["PostgreSQL"] = bench_load(pg, options, "postgresql", load_notes)
            finally:
                from occe.db import db

                if not db.is_closed():
                    db.close()
                drop_postgresql_database()
        notes.update(load_notes)
        write_results(options, load_runs, by_size, seeding, row_save, pdfs, bulk, notes)
        print(f"Écrit : {RESULTS}")
    finally:
        if os.environ.get("BENCH_KEEP"):
            print(f"Données et journaux gardés dans {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
