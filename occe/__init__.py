"""OCCE Adhésion: the yearly membership of school cooperatives to their departmental OCCE."""

import os
from pathlib import Path

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.local import LocalProxy

from . import audit, auth, cli, db as database, filters, security
from .config import PROJECT_ROOT, default_settings, demo_secret_key
from .models import Association

csrf = CSRFProtect()


def create_app(test_config=None):
    """Create and configure the app (flaskr's factory: defaults, environment, test config)."""
    test_config = test_config or {}
    data_dir = Path(
        test_config.get("DATA_DIR") or os.environ.get("OCCE_DATA_DIR") or PROJECT_ROOT / "data"
    )
    app = Flask(
        __name__,
        instance_path=str(data_dir.resolve()),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(default_settings(data_dir))
    app.config.from_prefixed_env("OCCE")
    app.config.from_mapping(test_config)
    # Without a secret key of its own the app is the demo: it keeps a generated key
    # in data/ and creates and seeds its database on first start.
    app.config.setdefault("DEMO", not app.config.get("SECRET_KEY"))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = demo_secret_key(data_dir)
    if "SESSION_COOKIE_SECURE" not in test_config and "OCCE_SESSION_COOKIE_SECURE" not in os.environ:
        # HTTPS only, except for the debug server of the demo on http://127.0.0.1.
        app.config["SESSION_COOKIE_SECURE"] = not app.debug

    audit.init_app(app)
    security.init_app(app)
    database.init_app(app)
    csrf.init_app(app)
    auth.init_app(app)
    filters.init_app(app)
    cli.init_app(app)
    register_blueprints(app)
    register_error_pages(app)

    @app.context_processor
    def inject_association():
        # Read when a template first uses it (whole pages do, most fragments never).
        return {"association": LocalProxy(current_association)}

    @app.after_request
    def vary_on_htmx(response):
        # Pages answer a fragment to htmx and a whole page otherwise.
        response.vary.add("HX-Request")
        return response

    if app.config["DEMO"] and not app.config.get("TESTING"):
        cli.create_demo_database_if_missing(app)
    return app


def current_association():
    """Return the association's settings, read at most once per request."""
    if "association" not in g:
        g.association = Association.current()
    return g.association


def register_blueprints(app):
    """Register one blueprint per area."""
    from . import home, membership, staff

    app.register_blueprint(home.bp)
    app.register_blueprint(membership.bp)
    app.register_blueprint(staff.bp)
    from .documents import bp as documents_bp
    app.register_blueprint(documents_bp)


def register_error_pages(app):
    """Answer errors with a French page (or the bare message to htmx)."""
    messages = {
        400: ("Requête invalide", "La demande n'a pas pu être traitée. Revenez en arrière et réessayez."),
        403: ("Accès refusé", "Votre compte ne donne pas accès à cette page."),
        404: ("Page introuvable", "Cette page n'existe pas, ou elle ne concerne pas votre coopérative."),
        405: ("Action impossible", "Cette action n'est pas possible à cette adresse."),
        409: ("Action impossible", "Cette action n'est plus possible dans l'état actuel de l'adhésion."),
        413: ("Fichier trop volumineux", "Le fichier ou le formulaire envoyé dépasse la taille permise."),
        500: ("Erreur du serveur", "Une erreur inattendue s'est produite. Réessayez dans un instant ; "
              "si elle persiste, contactez votre OCCE."),
    }

    def render_error(code, title, message):
        template = "_error.html" if request.headers.get("HX-Request") else "error.html"
        return render_template(template, code=code, title=title, message=message), code

    def handler(code):
        def handle(error):
            title, message = messages[code]
            # abort(409, "…") gives a French message of its own; Werkzeug's default is English.
            description = getattr(error, "description", None)
            if description and description != type(error).description:
                message = description
            return render_error(code, title, message)
        return handle

    for code in messages:
        app.register_error_handler(code, handler(code))

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return render_error(
            400,
            "Formulaire expiré",
            "Le formulaire a expiré ou n'a pas pu être vérifié. Rechargez la page et recommencez.",
        )
