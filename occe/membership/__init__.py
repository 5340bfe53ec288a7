"""The membership screen: a school's lines, recap and options for the current campaign."""

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from ..models import Campaign
from .service import membership_for, recap_for

bp = Blueprint("membership", __name__, url_prefix="/adhesion")


def current_membership():
    """Return the logged-in school's membership for the current campaign (404 for others)."""
    campaign = Campaign.current()
    if current_user.cooperative is None or campaign is None:
        abort(404)
    return membership_for(current_user.cooperative, campaign)


@bp.route("/")
@login_required
def show():
    """Show the school's membership."""
    membership = current_membership()
    return render_template(
        "membership/show.html",
        membership=membership,
        lines=membership.lines.order_by("id"),
        recap=recap_for(membership),
    )
