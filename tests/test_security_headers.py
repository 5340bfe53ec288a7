"""Security headers on every response: a CSP that htmx lives with, nosniff, a referrer
policy that keeps the CSRF referer check working, HSTS over HTTPS only."""

import json
import re
from pathlib import Path

import pytest

from occe import create_app
from occe.config import PROJECT_ROOT
from occe.schema import upgrade

from .apps import app_with_csrf
from .factories import PASSWORD, make_user

TEMPLATES = PROJECT_ROOT / "templates"


def csp(response):
    """Return the response's Content-Security-Policy as ``{directive: [sources]}``."""
    policy = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        policy[name] = sources
    return policy


@pytest.fixture
def school(app, campaign):
    return make_user("EcoleDemo")


@pytest.fixture
def responses(client, login_as, school):
    """One response of every kind: pages, a redirect, an error, an htmx fragment, a file."""
    logged_in = login_as(school)
    return {
        "login page": client.get("/connexion"),
        "redirect to login": client.get("/"),
        "home": logged_in.get("/"),
        "403": logged_in.get("/gestion/"),
        "404": logged_in.get("/nulle-part"),
        "htmx fragment": logged_in.get("/gestion/", headers={"HX-Request": "true"}),
        "htmx redirect": client.get("/adhesion/", headers={"HX-Request": "true"}),
        "static file": client.get("/static/css/app.css"),
    }


def test_every_response_carries_the_security_headers(responses):
    for kind, response in responses.items():
        policy = csp(response)
        assert policy["default-src"] == ["'self'"], kind
        assert policy["script-src"] == ["'self'"], kind
        assert policy["style-src"] == ["'self'"], kind
        assert policy["object-src"] == ["'none'"], kind
        assert policy["base-uri"] == ["'none'"], kind
        assert policy["frame-ancestors"] == ["'none'"], kind
        assert policy["form-action"] == ["'self'"], kind
        assert response.headers["X-Content-Type-Options"] == "nosniff", kind
        assert response.headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin")


def test_an_inline_pdf_keeps_a_policy_the_browser_viewer_can_live_with(app):
    """Chromium shows a PDF inside a page of its own, under the PDF's policy."""
    from occe.pdf import pdf_response

    app.add_url_rule("/essai.pdf", "essai_pdf", lambda: pdf_response(b"%PDF-1.4\n%%EOF\n", "essai.pdf"))
    response = app.test_client().get("/essai.pdf")
    assert response.mimetype == "application/pdf"
    policy = csp(response)
    assert policy["frame-ancestors"] == ["'none'"]
    assert not {"default-src", "object-src", "style-src"} & set(policy)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_policy_never_allows_inline_code_or_eval(responses):
    header = responses["home"].headers["Content-Security-Policy"]
    for loophole in ("unsafe-inline", "unsafe-eval", "unsafe-hashes", "*", "data:", "http:", "https:"):
        assert loophole not in header


def test_htmx_is_configured_to_need_neither_eval_nor_injected_styles(client):
    page = client.get("/connexion").get_data(as_text=True)
    config = json.loads(re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", page).group(1))
    assert config["allowEval"] is False
    assert config["includeIndicatorStyles"] is False
    # The vendored htmx injects its indicator <style> and evaluates code (hx-on, js: values)
    # only when these settings allow it.
    htmx = (PROJECT_ROOT / "static" / "htmx-2.0.11.min.js").read_text()
    assert re.search(r"config\.includeIndicatorStyles!==false\)\{", htmx)
    assert re.search(r"if\(\w+\.config\.allowEval\)\{return \w+\(\)\}else\{", htmx)


def html_templates():
    return sorted(p for p in TEMPLATES.rglob("*.html") if "pdf" not in p.relative_to(TEMPLATES).parts)


@pytest.mark.parametrize("template", html_templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_have_no_inline_script_style_or_handler(template):
    """The CSP would block them: scripts come from files, styles from CSS classes."""
    source = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source), "inline <script>"
    assert not re.search(r"\sstyle\s*=", source), 'style="" attribute: use a CSS class'
    assert "<style" not in source, "<style> element: put the rules in static/css"
    assert not re.search(r"\son[a-z]+\s*=", source), "inline event handler"
    assert not re.search(r"\shx-on[:-]", source), "hx-on needs eval"
    assert "javascript:" not in source


def test_hsts_only_over_https(client, school):
    assert "Strict-Transport-Security" not in client.get("/connexion").headers
    secure = client.get("/connexion", base_url="https://adhesion.example.org")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert int(secure.headers["Strict-Transport-Security"].split("=")[1].split(";")[0]) >= 31536000


def proxied_app(tmp_path, proxies):
    return create_app({
        "TESTING": True, "SECRET_KEY": "test", "DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'proxy.db'}", "TRUSTED_PROXIES": proxies,
    })


def test_behind_a_trusted_proxy_https_and_the_visitor_address_are_seen(tmp_path):
    app = proxied_app(tmp_path, proxies=1)
    with app.app_context():
        upgrade()
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    response = app.test_client().get("/connexion", headers=headers)
    assert "Strict-Transport-Security" in response.headers


def test_forwarded_headers_are_ignored_without_a_trusted_proxy(tmp_path):
    """A visitor cannot pretend to be on HTTPS (or at another address) by sending headers."""
    app = proxied_app(tmp_path, proxies=0)
    with app.app_context():
        upgrade()
    response = app.test_client().get("/connexion", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


@pytest.fixture
def csrf_https_app(tmp_path):
    app = app_with_csrf(tmp_path, SESSION_COOKIE_SECURE=True)
    make_user("EcoleDemo")
    return app


@pytest.mark.parametrize("referer, status", [
    ("https://adhesion.example.org/connexion", 303),  # what "same-origin" makes browsers send
    (None, 400),
    ("https://ailleurs.example.net/piege", 400),
])
def test_over_https_the_csrf_referer_check_works_with_the_referrer_policy(csrf_https_app, referer, status):
    client = csrf_https_app.test_client()
    base = "https://adhesion.example.org"
    page = client.get("/connexion", base_url=base).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    headers = {"Referer": referer} if referer else {}
    response = client.post("/connexion", base_url=base, headers=headers,
                           data={"login": "EcoleDemo", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == status
    if status == 400:
        assert "Le formulaire a expiré" in response.get_data(as_text=True)


def test_no_template_is_forgotten_by_the_scan():
    assert Path(TEMPLATES / "base.html") in html_templates()
    assert not any("pdf" in p.parts for p in html_templates())
