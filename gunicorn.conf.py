"""Gunicorn settings for a real install (``make serve``, the systemd unit of docs/deploy.md).

Sync workers: a request is short and mostly CPU (templates, the fee rule, a PDF), nginx
in front buffers slow clients, and the database is the shared state, so processes scale
with the cores (gunicorn's rule of thumb, 2 × cores + 1, keeps a core busy while another
worker waits on the disk). ``WEB_CONCURRENCY`` overrides it.
"""

import os
import sys

# sysexits' EX_CONFIG: a configuration to fix. The systemd unit of docs/deploy.md does not
# restart on it (RestartPreventExitStatus), rather than failing again every five seconds.
EX_CONFIG = 78


def refuse(message):
    """Stop gunicorn: ``message`` on its error output (the journal), status EX_CONFIG."""
    print(message, file=sys.stderr, flush=True)
    raise SystemExit(EX_CONFIG)


if not os.environ.get("OCCE_SECRET_KEY"):
    refuse("OCCE_SECRET_KEY manque : un serveur de production ne sert pas la démonstration. "
           "Voir docs/deploy.md (fichier d'environnement /etc/occe/occe.env).")

wsgi_app = "app:app"
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# The cores this process may run on (a container or a systemd CPUAffinity may give fewer).
cores = len(os.sched_getaffinity(0))
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * cores + 1)
# The app is built once in the master and forked: less memory, and a broken
# configuration stops the start instead of every worker failing in turn.
preload_app = True
# A bulk PDF export takes up to a couple of minutes; an ordinary page milliseconds.
timeout = 180
graceful_timeout = 30
# Recycle workers now and then: xhtml2pdf keeps caches that only grow.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
# gunicorn's usual line and the time taken. The address is the client nginx saw: the
# app's ProxyFix has put it in the request's REMOTE_ADDR by the time the line is written.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
errorlog = "-"
# Its default path ($HOME/.gunicorn/gunicorn.ctl) is one per user: a second instance
# (the benchmarks' floor, another install) would take it over. systemd manages the process.
control_socket_disable = True


def occe_app(server):
    """Return the loaded app when it is OCCE Adhésion's (not the benchmarks' floor), or None."""
    app = server.app.wsgi() if server.cfg.preload_app else None
    return app if getattr(app, "import_name", None) == "occe" else None


def on_starting(server):
    """Refuse to serve a database that ``flask init-db`` has not created or brought up to date.

    The app is already loaded (``preload_app``): a new install before ``init-db``, or an
    upgrade that forgot it, stops here with a French message instead of answering errors.
    """
    from occe.maintenance import schema_behind

    app = occe_app(server)
    if app is None:
        return
    with app.app_context():
        problem = schema_behind()
    if problem:
        refuse(f"{problem} Voir docs/deploy.md.")


def when_ready(server):
    """Warm the PDF machinery in the master before it forks the workers (``preload_app``):
    each worker then starts with the fonts loaded and the PDF templates compiled, instead
    of its first document taking a few hundred milliseconds more. Only for this app (not
    the benchmarks' floor, which prints nothing)."""
    app = occe_app(server)
    if app is not None:
        from occe.pdf import warm_up

        warm_up(app)
