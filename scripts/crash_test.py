#!/usr/bin/env python3
"""Crash test: no acknowledged save is ever lost when the server is killed.

A temporary install (demo data, a real secret key, SQLite) is served by gunicorn with
the repository's ``gunicorn.conf.py`` and several workers. Concurrent clients, each
logged in as its own school account, save lines through ``POST /adhesion/lignes`` as
htmx does (CSRF token in ``X-CSRFToken``, ``HX-Request: true``) and record every save
answered 200. Meanwhile the whole server (master and workers: its process group) is
killed with SIGKILL at random moments and started again, over and over. At the end,
``PRAGMA integrity_check`` must say ``ok`` and every acknowledged line must be in the
database. A save whose answer never came is not counted: it may or may not be there.

    .venv/bin/python scripts/crash_test.py                  # 3 kills, about 10 s (CI)
    .venv/bin/python scripts/crash_test.py --kills 200 --clients 8 --accounts 200

Prints the counts (kills, acknowledged saves, lost) and exits 1 on any loss or
integrity failure, 2 if the run could not be carried out (the server never answered).
"""

import argparse
import http.cookiejar
import os
import random
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "crash-test-lanterne-violon"
TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')
FORM_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=3, help="how many times to kill the server")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    parser.add_argument("--accounts", type=int, default=12,
                        help="school accounts (100 lines each, the membership's limit)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=5211)
    parser.add_argument("--min-uptime", type=float, default=1.5,
                        help="shortest time the server runs before a kill (seconds)")
    parser.add_argument("--max-uptime", type=float, default=3.0,
                        help="longest time the server runs before a kill (seconds)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (to replay a run)")
    return parser.parse_args(argv)


# --- The install -------------------------------------------------------------------------


def prepare_install(data_dir, accounts):
    """Create the database with the demo data and ``accounts`` school accounts; return
    the environment to serve it and the accounts' logins."""
    env = dict(os.environ)
    env.update(
        OCCE_SECRET_KEY=secrets.token_hex(32),
        OCCE_DATA_DIR=str(data_dir),
        DATABASE_URL=f"sqlite:///{data_dir / 'occe.db'}",
        # Plain HTTP on 127.0.0.1: the cookie must not be marked Secure.
        OCCE_SESSION_COOKIE_SECURE="false",
        PYTHONPATH=str(ROOT),
    )
    # One process (the app is imported once): the demo data, then the clients' accounts.
    code = (
        "import sys\n"
        "from occe import create_app\n"
        "from occe.demo import seed_demo\n"
        "from occe.models import Cooperative, User\n"
        "from occe.passwords import hash_password\n"
        "from occe.schema import upgrade\n"
        "app = create_app()\n"
        "hashed = hash_password(sys.argv[1])\n"
        "with app.app_context():\n"
        "    upgrade()\n"
        "    seed_demo()\n"
        "    for n in range(int(sys.argv[2])):\n"
        "        coop = Cooperative.create(number=f'CRASH-{n:04d}', school_name=f'École crash {n}')\n"
        "        User.create(login=f'EcoleCrash{n}', password_hash=hashed, role=User.SCHOOL,\n"
        "                    cooperative=coop, must_change_password=False)\n"
    )
    made = subprocess.run([sys.executable, "-c", code, PASSWORD, str(accounts)], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if made.returncode:
        print("L'installation temporaire n'a pas pu être créée :\n" + made.stderr[-3000:])
        raise SystemExit(2)
    return env, [f"EcoleCrash{n}" for n in range(accounts)]


def start_server(env, port, workers, log):
    """Start gunicorn in a process group of its own (so one signal reaches every worker)."""
    server_env = dict(env, HOST="127.0.0.1", PORT=str(port), WEB_CONCURRENCY=str(workers))
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"],
        cwd=ROOT, env=server_env, stdout=log, stderr=log, start_new_session=True,
    )


def kill_server(process):
    """SIGKILL the master and its workers at once, as a power cut would."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def wait_until_up(port, deadline=30):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/connexion", timeout=2).read()
            return True
        except (OSError, urllib.error.URLError):
            time.sleep(0.05)
    return False


# --- The clients -------------------------------------------------------------------------


class Client(threading.Thread):
    """One teacher saving lines as fast as the server answers, logged in as a school."""

    def __init__(self, number, base, accounts, stop, acknowledged, lock):
        super().__init__(daemon=True)
        self.number, self.base, self.accounts = number, base, accounts
        self.stop, self.acknowledged, self.lock = stop, acknowledged, lock
        self.sent = self.unanswered = 0
        self.refused = {}  # status → count, for the report

    def run(self):
        while not self.stop.is_set():
            try:
                login = self.accounts.pop()
            except IndexError:
                return  # every account is full
            self.save_lines_as(login)

    def open(self, path, data=None, headers=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        with self.opener.open(request, timeout=5) as response:
            return response.status, response.read().decode("utf-8")

    def log_in(self, login):
        """Log in through the form; return the token htmx sends (from the page's body)."""
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        _, page = self.open("/connexion")
        token = FORM_TOKEN.search(page).group(1)
        self.open("/connexion", {"login": login, "password": PASSWORD, "csrf_token": token})
        _, page = self.open("/adhesion/")
        return TOKEN.search(page).group(1)

    def save_lines_as(self, login):
        """Save lines until the membership is full (100 lines) or the run ends."""
        token = None
        n = 0
        while not self.stop.is_set():
            try:
                token = token or self.log_in(login)
            except (OSError, urllib.error.URLError, AttributeError):
                time.sleep(0.05)  # the server is down (or restarting): try again
                continue
            n += 1
            label = f"c{self.number}-{n}"
            person = f"{login} {n}"
            headers = {"X-CSRFToken": token, "HX-Request": "true"}
            self.sent += 1
            try:
                status, _ = self.open("/adhesion/lignes", {
                    "label": label, "person": person, "adults": "1", "pupils": str(n % 30)},
                    headers)
            except urllib.error.HTTPError as error:
                self.refused[error.code] = self.refused.get(error.code, 0) + 1
                if error.code == 422:
                    return  # the membership holds its 100 lines: take another account
                if error.code in (401, 400):
                    token = None  # log in again
                continue
            except (OSError, urllib.error.URLError) as error:
                # Refused at connection: never sent. Otherwise no answer: the save may or
                # may not have happened; it is not counted.
                reason = getattr(error, "reason", error)
                self.unanswered += not isinstance(reason, ConnectionRefusedError)
                time.sleep(0.05)
                continue
            if status == 200:
                with self.lock:
                    self.acknowledged.append((login, label, person))


# --- The run -----------------------------------------------------------------------------


def check_database(path, acknowledged):
    """Return (integrity_check's answer, the acknowledged lines missing from the database)."""
    connection = sqlite3.connect(path)
    try:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        present = set(connection.execute(
            'SELECT u.login, l.label, l.person FROM membership_line l '
            'JOIN membership m ON m.id = l.membership_id '
            'JOIN "user" u ON u.cooperative_id = m.cooperative_id').fetchall())
    finally:
        connection.close()
    return integrity, [saved for saved in acknowledged if saved not in present]


def main(argv=None):
    args = parse_args(argv)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="occe-crash-") as tmp:
        data_dir = Path(tmp)
        env, accounts = prepare_install(data_dir, args.accounts)
        log = open(data_dir / "gunicorn.log", "w")
        acknowledged, lock, stop = [], threading.Lock(), threading.Event()
        base = f"http://127.0.0.1:{args.port}"
        server = start_server(env, args.port, args.workers, log)
        started = time.monotonic()
        if not wait_until_up(args.port):
            kill_server(server)
            print("Le serveur n'a pas démarré :\n" + (data_dir / "gunicorn.log").read_text()[-3000:])
            return 2
        startup = time.monotonic() - started
        rng.shuffle(accounts)
        clients = [Client(n, base, accounts, stop, acknowledged, lock) for n in range(args.clients)]
        for client in clients:
            client.start()
        kills = 0
        try:
            while kills < args.kills:
                time.sleep(rng.uniform(args.min_uptime, args.max_uptime))
                kill_server(server)
                kills += 1
                time.sleep(rng.uniform(0, 0.3))  # clients find the door closed for a moment
                server = start_server(env, args.port, args.workers, log)
                if not wait_until_up(args.port):
                    print("Le serveur n'a pas redémarré :\n"
                          + (data_dir / "gunicorn.log").read_text()[-3000:])
                    return 2
            time.sleep(args.min_uptime)  # a last stretch of saves after the last restart
        finally:
            stop.set()
            for client in clients:
                client.join(timeout=15)
            kill_server(server)
            log.close()
        integrity, lost = check_database(data_dir / "occe.db", acknowledged)
    unanswered = sum(c.unanswered for c in clients)
    print(f"Arrêts brutaux (SIGKILL) : {kills} (démarrage du serveur : {startup:.1f} s)")
    print(f"Enregistrements confirmés : {len(acknowledged)} "
          f"(sans réponse, non comptés : {unanswered})")
    refused = {}
    for client in clients:
        for status, count in client.refused.items():
            refused[status] = refused.get(status, 0) + count
    if refused:
        print("Refus du serveur :", ", ".join(f"{n} × {s}" for s, n in sorted(refused.items())))
    print(f"Perdus : {len(lost)}")
    print(f"PRAGMA integrity_check : {integrity}")
    for saved in lost[:20]:
        print("  perdu :", saved)
    if not acknowledged:
        print("Aucun enregistrement confirmé : le test n'a rien prouvé.")
        return 2
    return 0 if integrity == "ok" and not lost else 1


if __name__ == "__main__":
    sys.exit(main())
