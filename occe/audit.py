"""The audit log: who did what, when, from where."""

from flask import has_request_context, request
from flask_login import current_user

from .models import AuditEvent


def record(action, detail="", *, user=None, login=None, cooperative=None, membership=None):
    """Record an event, taking the user and the address from the request when there is one."""
    address = ""
    if has_request_context():
        address = request.remote_addr or ""
        if user is None and current_user.is_authenticated:
            user = current_user._get_current_object()
    if cooperative is None and membership is not None:
        cooperative = membership.cooperative_id
    return AuditEvent.create(
        action=action,
        detail=detail,
        user=user,
        login=login if login is not None else (user.login if user else ""),
        cooperative=cooperative,
        membership=membership,
        address=address,
    )
