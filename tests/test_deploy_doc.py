"""docs/deploy.md as written: its files parse, agree with the app, and its commands exist.

The guide is followed by hand on a server: a unit that systemd ignores, an nginx limit below
the app's, or a command renamed since would only show there. These tests read the files the
guide writes (``cat > PATH <<'EOF'``) and the commands it runs, and check them against the
code; nginx and systemd check their own files when they are installed.
"""

import configparser
import re
import runpy
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from occe import create_app
from occe.config import PROJECT_ROOT, default_settings
from occe.staff.cooperatives import IMPORT_REQUEST_LIMIT

DOC = (PROJECT_ROOT / "docs" / "deploy.md").read_text()
CODE = "/srv/occe/app"


def written_files(doc):
    """Return ``{path: content}`` of every ``cat > PATH <<'EOF'`` … ``EOF`` of the guide."""
    return {path: body for path, body in
            re.findall(r"cat > (\S+) <<'?EOF'?\n(.*?)\nEOF\n", doc, flags=re.S)}


FILES = written_files(DOC)
NGINX_SITE = FILES["/etc/nginx/sites-available/occe"]


def unit(path):
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str
    parser.read_string(FILES[path])
    return parser


def gunicorn_settings(monkeypatch):
    monkeypatch.setenv("OCCE_SECRET_KEY", "k")
    for name in ("HOST", "PORT", "WEB_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    return runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))


def test_the_guide_writes_the_files_it_talks_about():
    assert set(FILES) == {
        "/etc/occe/occe.env", "/usr/local/bin/occe-flask", "/etc/systemd/system/occe.service",
        "/etc/nginx/sites-available/occe", "/etc/systemd/system/occe-backup.service",
        "/etc/systemd/system/occe-backup.timer",
    }


# ---------------------------------------------------------------------------- nginx

def nginx_size(text):
    number, unit_ = re.fullmatch(r"(\d+)([kKmMgG]?)", text).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}[unit_.lower()]


def nginx_directives(name):
    return re.findall(rf"^\s*{name}\s+([^;]+);", NGINX_SITE, flags=re.M)


def test_nginx_lets_through_every_body_the_app_answers_itself():
    """Over the app's limits it is the app that refuses, in French; nginx's 413 is English."""
    (size,) = nginx_directives("client_max_body_size")
    largest = max(default_settings(PROJECT_ROOT / "data")["MAX_CONTENT_LENGTH"], IMPORT_REQUEST_LIMIT)
    assert nginx_size(size) >= largest


def test_nginx_waits_as_long_as_gunicorn_and_reaches_it(monkeypatch):
    settings = gunicorn_settings(monkeypatch)
    (timeout,) = nginx_directives("proxy_read_timeout")
    assert int(timeout.removesuffix("s")) >= settings["timeout"]
    assert nginx_directives("proxy_pass") == [f"http://{settings['bind']}"]


def test_nginx_sets_every_forwarded_header_the_app_trusts(tmp_path):
    """A header the app trusts and nginx passes on unchanged would be the visitor's word."""
    app = create_app({"SECRET_KEY": "k", "TESTING": True, "DATA_DIR": str(tmp_path),
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "TRUSTED_PROXIES": 1})
    proxy_fix = app.wsgi_app
    headers = {"x_for": "X-Forwarded-For", "x_proto": "X-Forwarded-Proto",
               "x_host": "X-Forwarded-Host", "x_port": "X-Forwarded-Port",
               "x_prefix": "X-Forwarded-Prefix"}
    trusted = {header for attribute, header in headers.items() if getattr(proxy_fix, attribute)}
    assert trusted
    set_by_nginx = dict(line.split(None, 1) for line in nginx_directives("proxy_set_header"))
    assert trusted <= set(set_by_nginx)
    assert set_by_nginx["X-Forwarded-For"] == "$remote_addr"


def test_nginx_serves_the_static_folder_of_the_code():
    (alias,) = nginx_directives("alias")
    assert alias == f"{CODE}/static/"
    assert (PROJECT_ROOT / "static" / "css" / "app.css").is_file()


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed")
def test_nginx_accepts_the_site(tmp_path):
    (tmp_path / "site.conf").write_text(NGINX_SITE)
    temp = " ".join(f"{kind}_temp_path {tmp_path}/{kind};"
                    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nevents {{}}\n"
        f"http {{ access_log off; {temp} include {tmp_path}/site.conf; }}\n")
    result = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                             "-e", str(tmp_path / "error.log")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------------------- systemd

def test_the_service_runs_gunicorn_from_the_code_with_the_guide_s_settings(monkeypatch):
    service = unit("/etc/systemd/system/occe.service")["Service"]
    assert service["WorkingDirectory"] == CODE
    assert service["ExecStart"] == f"{CODE}/.venv/bin/gunicorn --config gunicorn.conf.py"
    assert (PROJECT_ROOT / "gunicorn.conf.py").is_file()
    assert service["Type"] == "notify"  # gunicorn tells systemd when it listens
    assert int(service["TimeoutStopSec"]) > gunicorn_settings(monkeypatch)["graceful_timeout"]
    assert service["EnvironmentFile"] == "/etc/occe/occe.env"
    # A configuration gunicorn refuses is not started again and again.
    assert service["RestartPreventExitStatus"] == str(gunicorn_settings(monkeypatch)["EX_CONFIG"])
    environment = dict(line.split("=", 1) for line in FILES["/etc/occe/occe.env"].splitlines()
                       if line and not line.startswith("#"))
    assert service["ReadWritePaths"] == environment["OCCE_DATA_DIR"]
    assert environment["DATABASE_URL"] == f"sqlite:///{environment['OCCE_DATA_DIR']}/occe.db"


def test_every_setting_of_the_environment_file_is_one_the_app_reads():
    known = set(default_settings(PROJECT_ROOT / "data")) | {"SECRET_KEY"}
    for line in FILES["/etc/occe/occe.env"].splitlines():
        if line and not line.startswith("#"):
            name = line.split("=", 1)[0]
            assert name in ("DATABASE_URL", "OCCE_DATA_DIR") or name.removeprefix("OCCE_") in known


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd is not installed")
@pytest.mark.parametrize("name", ["occe.service", "occe-backup.service", "occe-backup.timer"])
def test_systemd_accepts_the_units(tmp_path, name):
    """Its programs taken from this checkout, since /srv/occe/app is the server's."""
    venv_bin = Path(sys.executable).parent
    for path, body in FILES.items():
        if path.startswith("/etc/systemd/system/"):
            body = body.replace(f"{CODE}/.venv/bin", str(venv_bin)).replace(CODE, str(PROJECT_ROOT))
            (tmp_path / Path(path).name).write_text(body)
    result = subprocess.run(["systemd-analyze", "verify", str(tmp_path / name)],
                            capture_output=True, text=True)
    assert result.returncode == 0 and "ignoring" not in result.stderr, result.stderr


# ---------------------------------------------------------------------------- commands

def flask_commands(doc):
    """Return the argument lists of every ``occe-flask …`` / ``flask --app app …`` of the guide."""
    commands = []
    for line in doc.splitlines():
        line = re.sub(r"\s+#.*", "", line).strip(" `")
        match = re.search(r"(?:occe-flask|flask --app app)\s+([a-z].*)", line)
        if match:
            commands.append(shlex.split(match.group(1).split("`")[0]))
    return commands


def test_every_flask_command_of_the_guide_exists_with_its_options(app):
    commands = flask_commands(DOC)
    assert {args[0] for args in commands} >= {
        "init-db", "create-user", "check-deploy", "backup", "restore", "copy-db",
        "print-attestations"}
    for args in commands:
        command = app.cli.get_command(None, args[0])
        assert command is not None, args
        command.make_context(args[0], args[1:])  # raises on an unknown option


def test_the_make_targets_and_extras_of_the_guide_exist():
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    targets = set(re.findall(r"(?:-- |exec )make (?:-C \S+ )?([a-z-]+)", DOC))
    assert targets == {"install", "serve"}
    for target in targets:
        assert re.search(rf"^{target}:", makefile, flags=re.M), target
    assert "'.[pg]'" in DOC and re.search(r"^pg = ", (PROJECT_ROOT / "pyproject.toml").read_text(), re.M)
