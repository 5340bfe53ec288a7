"""Logging in and out, changing one's password, and the login manager."""

import hashlib
import hmac
from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from . import audit, sessions
from .db import db
from .models import LoginThrottle, User, utcnow
from .passwords import hash_password, password_problem, verify_password

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Connectez-vous pour accéder à cette page."
login_manager.login_message_category = "info"

BAD_CREDENTIALS = (
    "Identifiant ou mot de passe incorrect. Attention : l'identifiant respecte "
    "les majuscules et les minuscules (« EcoleDemo » n'est pas « ecoledemo »)."
)
LOCKED = (
    "Trop de tentatives infructueuses pour cet identifiant : il est bloqué pendant "
    "{minutes} minutes. Réessayez plus tard ou contactez votre OCCE."
)
DISABLED = "Ce compte est désactivé. Contactez votre OCCE."
EXPIRED = "Votre session a expiré. Reconnectez-vous pour continuer."


@login_manager.user_loader
def load_user(token):
    """Return the user of a session, or None if the session is no longer valid.

    The account must be active with the same session version, and the session itself
    open in the registry (not logged out, revoked, idle or too old).
    """
    row = sessions.load(token)
    return row.user if row is not None else None


@login_manager.unauthorized_handler
def unauthorized():
    """Send a visitor to the login page (htmx: a full-page redirect, not a swapped form)."""
    target = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    flash(EXPIRED if g.get("session_expired") else login_manager.login_message, "info")
    if request.headers.get("HX-Request"):
        response = make_response("", 401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def staff_required(view):
    """Let staff and admins in; a school account gets 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    """Let admins in; anybody else logged in gets 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


class LoginForm(FlaskForm):
    login = StringField("Identifiant", validators=[
        InputRequired("Indiquez votre identifiant."),
        Length(max=200, message="L'identifiant ne peut pas dépasser 200 caractères."),
    ])
    password = PasswordField("Mot de passe", validators=[
        InputRequired("Indiquez votre mot de passe."),
        Length(max=200, message="Le mot de passe ne peut pas dépasser 200 caractères."),
    ])


class PasswordForm(FlaskForm):
    current = PasswordField("Mot de passe actuel",
                            validators=[InputRequired("Indiquez votre mot de passe actuel.")])
    new = PasswordField("Nouveau mot de passe",
                        validators=[InputRequired("Choisissez un nouveau mot de passe.")])
    confirmation = PasswordField("Confirmation",
                                 validators=[InputRequired("Retapez le nouveau mot de passe.")])

    def validate_current(self, field):
        if not verify_password(current_user.password_hash, field.data):
            raise ValidationError("Le mot de passe actuel n'est pas le bon.")

    def validate_new(self, field):
        if field.data == self.current.data:
            raise ValidationError("Le nouveau mot de passe doit être différent de l'actuel.")
        coop = current_user.cooperative
        words = [current_user.login, "occe", "cooperative", "ecole"]
        if coop:
            words += [coop.school_name, coop.commune, coop.number, coop.mandataire_name]
        problem = password_problem(
            field.data, current_app.config["PASSWORD_MIN_LENGTH"], user_inputs=words
        )
        if problem:
            raise ValidationError(problem)

    def validate_confirmation(self, field):
        if field.data != self.new.data:
            raise ValidationError("La confirmation ne correspond pas au nouveau mot de passe.")


def throttle_key(login, secret_key):
    """Return the key under which failures for ``login`` are counted.

    A keyed hash, not the identifier itself: what people type as an identifier is
    sometimes their password, and it must not sit in the database or a query log.
    """
    return hmac.new(secret_key.encode(), login.encode(), hashlib.sha256).hexdigest()


def _is_locked(throttle, now):
    return throttle is not None and throttle.locked_until is not None and throttle.locked_until > now


def _record_failure(login, now):
    """Count a failed login; lock the identifier at the configured number of failures."""
    config = current_app.config
    with db.atomic():
        throttle, _ = LoginThrottle.get_or_create(login=throttle_key(login, config["SECRET_KEY"]),
                                                  defaults={"window_started_at": now})
        if throttle.window_started_at <= now - config["LOGIN_FAILURE_WINDOW"] or (
            throttle.locked_until and throttle.locked_until <= now
        ):
            throttle.failures, throttle.window_started_at, throttle.locked_until = 0, now, None
        throttle.failures += 1
        if throttle.failures >= config["LOGIN_MAX_FAILURES"]:
            throttle.locked_until = now + config["LOGIN_LOCKOUT"]
        throttle.save()
    return throttle


def authenticate(login, password):
    """Return ``(user, None)`` for good credentials, else ``(None, French message)``."""
    now = utcnow()
    lockout_minutes = int(current_app.config["LOGIN_LOCKOUT"] / timedelta(minutes=1))
    key = throttle_key(login, current_app.config["SECRET_KEY"])
    user = User.get_or_none(User.login == login)
    # An identifier that names no account may be a password typed in the wrong field.
    logged_login = login if user else audit.mask(login)
    if _is_locked(LoginThrottle.get_or_none(LoginThrottle.login == key), now):
        audit.record("login_refused_locked", login=logged_login, user=user)
        return None, LOCKED.format(minutes=lockout_minutes)
    if not verify_password(user.password_hash if user else None, password):
        throttle = _record_failure(login, now)
        audit.record("login_failed", login=logged_login, user=user)
        if _is_locked(throttle, now):
            audit.record("login_locked", login=logged_login, user=user)
            return None, LOCKED.format(minutes=lockout_minutes)
        return None, BAD_CREDENTIALS
    if user.disabled:
        audit.record("login_refused_disabled", user=user)
        return None, DISABLED
    clear_failures(login)
    return user, None


def clear_failures(login):
    """Forget the failed logins counted for ``login`` (and lift its lock)."""
    key = throttle_key(login, current_app.config["SECRET_KEY"])
    LoginThrottle.delete().where(LoginThrottle.login == key).execute()


def _safe_next(target):
    """Return ``target`` if it is a path on this site, else the home page."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home.index")


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    """Show the login form; open a fresh session on good credentials."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user, error = authenticate(form.login.data, form.password.data)
        if user:
            session.clear()
            login_user(user)
            sessions.start_session(user)
            User.update(last_login_at=utcnow()).where(User.id == user.id).execute()
            audit.record("login", user=user)
            return redirect(_safe_next(request.args.get("next")), 303)
    return render_template("auth/login.html", form=form, error=error)


@bp.route("/deconnexion", methods=["POST"])
def logout():
    """End the session."""
    if current_user.is_authenticated:
        audit.record("logout")
        sessions.revoke_current("logout")
    logout_user()
    session.clear()
    flash("Vous êtes déconnecté.", "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/mot-de-passe", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's password; every other session of the account ends."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        with db.atomic():
            user.password_hash = hash_password(form.new.data)
            user.must_change_password = False
            user.password_changed_at = utcnow()
            user.session_version += 1
            user.save()
            sessions.revoke_sessions(user, except_session=sessions.current_session(user),
                                     reason="password_changed")
            audit.record("password_changed", user=user)
        login_user(user)  # this session carries the new version; the others are refused
        flash("Votre mot de passe a été changé.", "success")
        return redirect(url_for("home.index"), 303)
    status = 422 if form.errors else 200
    return render_template("auth/password.html", form=form), status


def force_password_change():
    """Before any page, send an account with a temporary password to the password form."""
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in ("auth.change_password", "auth.logout", "static")
    ):
        target = url_for("auth.change_password")
        if request.headers.get("HX-Request"):
            response = make_response("", 204)
            response.headers["HX-Redirect"] = target
            return response
        flash("Choisissez votre mot de passe personnel avant de continuer.", "info")
        return redirect(target)
    return None


def init_app(app):
    """Attach the login manager and the forced password change to ``app``."""
    login_manager.init_app(app)
    app.before_request(force_password_change)
    app.register_blueprint(bp)
