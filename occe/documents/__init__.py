"""Printable documents of a membership: one URL per document, for its school or the staff."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from ..membership import get_membership_for
from ..pdf import pdf_response
from .printables import PRINTABLES, RENDERERS, available_printables

bp = Blueprint("documents", __name__, url_prefix="/documents")


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
