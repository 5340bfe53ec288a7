"""HTTP security headers, the reverse proxy, and the log of refused requests.

The Content-Security-Policy allows nothing but this site's own files: no inline script,
no ``eval`` (htmx runs with ``allowEval: false`` and without its injected indicator
styles, see ``base.html``), no inline style, no plugin, no framing. Behind the HTTPS
proxy, ``OCCE_TRUSTED_PROXIES`` (the number of proxies in front of the app) lets the app
see the visitor's real address and scheme, so that HSTS, secure cookies, Flask-WTF's
referer check and the audit log's addresses are right.
"""

import logging

from flask import render_template, request
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
])

# A PDF shown inline is wrapped by Chromium in a page of its own, with an <embed> and inline
# styles, under the PDF response's policy: fetch directives (object-src, style-src…) would
# leave it blank. A PDF runs no script of ours, so it only gets the framing rules.
PDF_POLICY = "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

# "same-origin" still sends the full Referer to this site, which Flask-WTF checks on every
# HTTPS POST (WTF_CSRF_SSL_STRICT); other sites learn nothing of our addresses.
REFERRER_POLICY = "same-origin"
HSTS = "max-age=63072000; includeSubDomains"

# Answers that mean "refused": logged with who asked, for the audit trail.
REFUSALS = {400, 401, 403, 404, 405, 409, 413}

log = logging.getLogger("occe.security")

# No one types a NUL character, and PostgreSQL refuses it in text: it is refused up front.
NUL_MESSAGE = (
    "Le texte envoyé contient un caractère invalide (caractère nul) : retapez-le au clavier "
    "plutôt que de le copier depuis un autre logiciel, puis recommencez."
)
# The cooperative import reads its own large body and refuses a file holding NUL
# characters itself.
OWN_BODY_ENDPOINTS = {"staff.import_cooperatives", "staff.confirm_import"}


def add_security_headers(response):
    """Give every response the security headers (HSTS only over HTTPS)."""
    headers = response.headers
    pdf = response.mimetype == "application/pdf"
    headers.setdefault("Content-Security-Policy", PDF_POLICY if pdf else CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def refuse_nul_characters():
    """Answer 422 with a French message to a query or form holding a NUL character."""
    values = list(request.args.values())
    if request.method != "GET" and request.endpoint not in OWN_BODY_ENDPOINTS:
        values += request.form.values()
    if not any("\x00" in value for value in values):
        return None
    if request.headers.get("HX-Request"):
        # Shown in the page's message area, not in place of the row or form that asked.
        headers = {"HX-Retarget": "#messages", "HX-Reswap": "innerHTML"}
        return render_template("_error.html", message=NUL_MESSAGE), 422, headers
    return render_template("error.html", title="Texte refusé", message=NUL_MESSAGE), 422


def log_refusal(response):
    """Log a refused request (403, 404, 409, CSRF failure…) with who made it."""
    if response.status_code in REFUSALS and request.endpoint != "static":
        from .audit import request_context  # audit imports the models; keep this module light

        log.warning("refused status=%s method=%s path=%s %s", response.status_code,
                    request.method, request.path, request_context())
    return response


def raise_body_limits():
    """Let the cooperative import take its larger body (a file, then its signed copy).

    It runs before Flask-WTF reads the form for its token: a limit raised in the view
    itself comes too late, and the request would end in a bare 413.
    """
    if request.endpoint in OWN_BODY_ENDPOINTS:
        from .staff.cooperatives import IMPORT_REQUEST_LIMIT

        request.max_content_length = IMPORT_REQUEST_LIMIT
        request.max_form_memory_size = IMPORT_REQUEST_LIMIT


def init_app(app):
    """Install the headers, the refusal log and, if configured, the proxy fix on ``app``.

    Called before the CSRF protection is installed, so that its hooks run first.
    """
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.before_request(raise_body_limits)
    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)
    app.after_request(log_refusal)
