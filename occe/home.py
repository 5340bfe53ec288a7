"""The home page: a school's own, or the staff's."""

from datetime import timedelta

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user, login_required

from .models import Campaign, utcnow

bp = Blueprint("home", __name__)


def password_is_old(user):
    """Tell whether ``user``'s password is older than the configured age (a reminder only)."""
    max_age = timedelta(days=current_app.config["PASSWORD_MAX_AGE_DAYS"])
    return user.password_changed_at < utcnow() - max_age


@bp.route("/")
@login_required
def index():
    """Send staff to their side; show a school its home page."""
    if current_user.is_staff:
        return redirect(url_for("staff.index"))
    return render_template(
        "home/school.html",
        cooperative=current_user.cooperative,
        campaign=Campaign.current(),
        password_is_old=password_is_old(current_user),
    )
