"""The departmental staff's back-office."""

from flask import Blueprint, render_template

from ..auth import staff_required
from ..models import Campaign, Cooperative, Membership

bp = Blueprint("staff", __name__, url_prefix="/gestion")


@bp.route("/")
@staff_required
def index():
    """List the cooperatives with their membership's state for the current campaign."""
    campaign = Campaign.current()
    states = {}
    if campaign:
        states = {
            m.cooperative_id: m
            for m in Membership.select().where(Membership.campaign == campaign)
        }
    cooperatives = Cooperative.select().order_by(Cooperative.number)
    return render_template(
        "staff/index.html", campaign=campaign, cooperatives=cooperatives, memberships=states
    )


from . import accounts, campaigns, cooperatives  # noqa: E402,F401  (they add views to bp)
