"""The campaign dashboard: where the campaign stands, at a glance."""

from flask import render_template

from ..auth import staff_required
from ..models import Campaign
from . import bp, reports
from .chart import weekly_chart


@bp.route("/")
@staff_required
def index():
    """Show the current campaign's counts by state, amounts and weekly progress."""
    campaign = Campaign.current()
    if campaign is None:
        return render_template("staff/index.html", campaign=None)
    weeks = reports.weekly_validations(campaign)
    return render_template(
        "staff/index.html",
        campaign=campaign,
        figures=reports.campaign_figures(campaign),
        weeks=weeks,
        chart=weekly_chart(weeks),
    )
