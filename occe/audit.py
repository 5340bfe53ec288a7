"""The audit log: who did what, when, from where — in the database and in the log.

Every event is one ``AuditEvent`` row and one line of the ``occe.audit`` logger, with
the account, the cooperative, the address and the UTC time. Nothing secret is ever
written: callers pass no password, and the login form masks an identifier that matches
no account (it may be a password typed in the wrong field) with ``mask``.
"""

import json
import logging
import sys
import time
from pathlib import Path

from flask import has_request_context, request
from flask_login import current_user

from .models import AuditEvent, Cooperative

log = logging.getLogger("occe.audit")

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def record(action, detail="", *, user=None, login=None, cooperative=None, membership=None):
    """Record an event, taking the user and the address from the request when there is one."""
    address = ""
    if has_request_context():
        address = request.remote_addr or ""
        if user is None and current_user.is_authenticated:
            user = current_user._get_current_object()
    if cooperative is None and membership is not None:
        cooperative = membership.cooperative_id
    event = AuditEvent.create(
        action=action,
        detail=detail,
        user=user,
        login=login if login is not None else (user.login if user else ""),
        cooperative=cooperative,
        membership=membership,
        address=address,
    )
    log.info(
        "%s user=%s coop=%s addr=%s membership=%s detail=%s",
        action,
        user.login if user else (login or "-"),
        # A school account's events belong to its cooperative, even when not said.
        _cooperative_number(cooperative or (user.cooperative_id if user else None)),
        address or "-",
        getattr(membership, "id", membership) or "-",
        json.dumps(detail, ensure_ascii=False),
    )
    return event


def mask(identifier):
    """Hide an identifier that names no account: keep its first two characters and length."""
    if not identifier:
        return "-"
    return f"{identifier[:2]}…({len(identifier)})"


def _cooperative_number(cooperative):
    if cooperative is None:
        return "-"
    if isinstance(cooperative, Cooperative):
        return cooperative.number
    number = Cooperative.select(Cooperative.number).where(Cooperative.id == cooperative).scalar()
    return number or cooperative


def request_context():
    """Return ``user=… coop=… addr=…`` for a log line about the current request."""
    user = current_user if current_user and current_user.is_authenticated else None
    coop = user.cooperative.number if user and user.cooperative_id else "-"
    return f"user={user.login if user else '-'} coop={coop} addr={request.remote_addr or '-'}"


class _StderrHandler(logging.StreamHandler):
    """Write to whatever ``sys.stderr`` is at the time (gunicorn and pytest replace it)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def _formatter():
    formatter = logging.Formatter(LOG_FORMAT, datefmt="%Y-%m-%dT%H:%M:%SZ")
    formatter.converter = time.gmtime
    return formatter


def init_app(app):
    """Send the ``occe`` loggers (audit, security, sessions) to stderr, and to a file if set.

    ``LOG_FILE``: True for ``DATA_DIR/occe.log``, or a path. Handlers are added once per
    process, whatever the number of apps created (tests create many).
    """
    # Peewee's query log carries the parameters (what was typed as an identifier, which may
    # be a password): it stays off even when someone turns the root logger to DEBUG.
    logging.getLogger("peewee").setLevel(logging.INFO)
    logger = logging.getLogger("occe")
    logger.setLevel(logging.INFO)
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(_formatter())
        logger.addHandler(handler)
    setting = app.config.get("LOG_FILE")
    if setting:
        path = Path(app.config["DATA_DIR"]) / "occe.log" if setting is True else Path(setting)
        path = str(path.resolve())
        if not any(getattr(h, "baseFilename", None) == path for h in logger.handlers):
            path_handler = logging.FileHandler(path, encoding="utf-8")
            path_handler.setFormatter(_formatter())
            logger.addHandler(path_handler)
