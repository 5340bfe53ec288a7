"""The home page: a school's own (follow-up, documents, private notes), or the staff's."""

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from .db import db
from .documents.follow_up import follow_up
from .models import Campaign, Cooperative, utcnow

bp = Blueprint("home", __name__)

NOTES_MAX_LENGTH = 5000


def normalize_newlines(text):
    """Count a line break as one character, whatever the browser sent (CRLF or LF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if text else ""


class NotesForm(FlaskForm):
    notes = TextAreaField(
        "Vos notes",
        filters=[normalize_newlines],
        validators=[Length(max=NOTES_MAX_LENGTH, message=(
            "Vos notes dépassent 5 000 caractères (%(length)s actuellement) : raccourcissez-les "
            "pour pouvoir les enregistrer."
        ))],
    )


def password_is_old(user):
    """Tell whether ``user``'s password is older than the configured age (a reminder only)."""
    max_age = timedelta(days=current_app.config["PASSWORD_MAX_AGE_DAYS"])
    return user.password_changed_at < utcnow() - max_age


def render_school_home(form, status=200):
    """Render the school's home page with ``form`` as its notes form."""
    cooperative = current_user.cooperative
    campaign = Campaign.current()
    membership, steps = follow_up(cooperative, campaign)
    return render_template(
        "home/school.html",
        cooperative=cooperative,
        campaign=campaign,
        membership=membership,
        steps=steps,
        notes_form=form,
        password_is_old=password_is_old(current_user),
    ), status


def school_cooperative():
    """Return the logged-in school's cooperative; staff have no private notes (403)."""
    if current_user.cooperative is None:
        abort(403)
    return current_user.cooperative


def save_notes(cooperative, text):
    """Keep ``text`` as the cooperative's private notes (only that column is written)."""
    with db.atomic():
        Cooperative.update(private_notes=text).where(Cooperative.id == cooperative.id).execute()


@bp.route("/favicon.ico")
def favicon():
    """The site's icon where no page names it (Chromium asks for it beside a PDF)."""
    return current_app.send_static_file("favicon.svg")


@bp.route("/")
@login_required
def index():
    """Send staff to their side; show a school its home page."""
    if current_user.is_staff:
        return redirect(url_for("staff.index"))
    return render_school_home(NotesForm(notes=current_user.cooperative.private_notes))


@bp.route("/notes", methods=["POST"])
@login_required
def update_notes():
    """Save the school's private notes (htmx: the form and a polite status; else 303)."""
    cooperative = school_cooperative()
    form = NotesForm()
    is_htmx = bool(request.headers.get("HX-Request"))
    if not form.validate():
        if is_htmx:
            return render_template("home/_notes_response.html", notes_form=form), 422
        return render_school_home(form, 422)
    save_notes(cooperative, form.notes.data)
    if is_htmx:
        return render_template("home/_notes_response.html", notes_form=form, saved_at=utcnow())
    flash("Vos notes personnelles sont enregistrées.", "success")
    return redirect(url_for("home.index", _anchor="notes"), 303)
