"""Printable documents of a membership: one URL per document, for its school or the staff."""

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from ..models import Campaign, Cooperative, Membership
from ..pdf import pdf_response
from .printables import PRINTABLES, RENDERERS, available_printables

bp = Blueprint("documents", __name__, url_prefix="/documents")


def get_membership_for(user, membership_id):
    """Return the membership ``user`` may see: a school only its own cooperative's, staff any.

    Anything else answers 404, so a school learns nothing of another cooperative.
    """
    membership = (
        Membership.select(Membership, Cooperative, Campaign)
        .join(Cooperative).switch(Membership).join(Campaign)
        .where(Membership.id == membership_id)
        .first()
    )
    if membership is None:
        abort(404)
    if not user.is_staff and membership.cooperative_id != user.cooperative_id:
        abort(404)
    return membership


@bp.app_template_global("printables_for")
def printables_for(membership):
    """The document buttons a membership's state allows (used by ``documents/_buttons.html``)."""
    return available_printables(membership)


@bp.route("/<int:membership_id>/<any(engagement, changement, attestation, certificat):kind>.pdf")
@login_required
def show(membership_id, kind):
    """Open one document of a membership, or explain why it is not available yet (409)."""
    membership = get_membership_for(current_user, membership_id)
    printable = PRINTABLES[kind]
    if not printable.is_available(membership):
        return render_template("documents/unavailable.html", printable=printable,
                               membership=membership), 409
    return pdf_response(RENDERERS[kind](membership), printable.filename(membership))
