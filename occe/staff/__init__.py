"""The departmental staff's back-office, one module per area sharing the ``staff`` blueprint."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/gestion")

# The areas register their views on ``bp`` when imported.
from . import (  # noqa: E402,F401
    accounts,
    audit_log,
    campaigns,
    cooperatives,
    dashboard,
    exports,
    memberships,
    printing,
)
