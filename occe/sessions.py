"""The server-side session registry: every login opens a ``UserSession`` row.

The signed session cookie carries a random key; the database keeps its SHA-256 with the
account, the times, the address and the browser. A request is authenticated only while
that row is neither revoked, nor idle for longer than ``SESSION_IDLE_MINUTES``, nor
older than ``SESSION_MAX_HOURS``. Nothing lives in process memory, so several
application processes agree, and revoking a row makes any copy of the cookie useless.
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from flask import current_app, g, request, session

from peewee import JOIN

from .models import Cooperative, User, UserSession, utcnow
from .prepared import PreparedSelect

SESSION_KEY = "sid"
# ``last_seen_at`` is written at most this often: no database write per request.
TOUCH_INTERVAL = timedelta(minutes=1)
# Ended sessions are kept this long after their absolute limit (for "who was connected"),
# then deleted at the next login.
KEEP_ENDED = timedelta(days=30)

log = logging.getLogger("occe.sessions")


def _hash(key):
    return hashlib.sha256(key.encode()).hexdigest()


def _limits():
    config = current_app.config
    return (timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
            timedelta(hours=config["SESSION_MAX_HOURS"]))


def start_session(user):
    """Open a session for ``user`` (just authenticated) and put its key in the cookie."""
    now = utcnow()
    key = secrets.token_urlsafe(32)
    row = UserSession.create(
        key_hash=_hash(key),
        user=user,
        created_at=now,
        last_seen_at=now,
        address=(request.remote_addr or "")[:64],
        user_agent=(request.user_agent.string or "")[:200],
    )
    session[SESSION_KEY] = key
    g.user_session = row
    _, max_age = _limits()
    UserSession.delete().where(UserSession.created_at < now - max_age - KEEP_ENDED).execute()
    return row


def is_expired(row, now):
    """Tell whether ``row`` has been idle, or open, for longer than allowed."""
    idle, max_age = _limits()
    return row.last_seen_at <= now - idle or row.created_at <= now - max_age


# The one read of every authenticated request: prepared (its SQL text generated once).
_SESSION_WITH_USER = PreparedSelect(
    lambda key_hash, user_id, version: (
        UserSession.select(UserSession, User, Cooperative)
        .join(User)
        .join(Cooperative, JOIN.LEFT_OUTER)
        .where((UserSession.key_hash == key_hash) & UserSession.revoked_at.is_null()
               & (User.id == user_id) & (User.session_version == version)
               & (User.disabled == False))  # noqa: E712
        .limit(1)
    ),
    "key_hash", "user_id", "version",
)


def load(token):
    """Return the valid session row of this request, with its user, or None.

    The user loader's one query per request: the session named by the cookie's key, its
    account if still active with the same session version (``token``), and the account's
    cooperative (``current_user.cooperative`` costs nothing more).
    """
    user_id, _, version = token.partition(":")
    key = session.get(SESSION_KEY)
    row = None
    if key and user_id.isdigit() and version.isdigit():
        row = _SESSION_WITH_USER.first(key_hash=_hash(key), user_id=int(user_id),
                                       version=int(version))
    return _checked(row)


def current_session(user):
    """Return the valid session row of this request for ``user``, or None.

    Read once per request (by ``load``, from the user loader); an expired session is
    marked so the login page can say why the person must log in again.
    """
    if "user_session" in g:
        return g.user_session
    key = session.get(SESSION_KEY)
    row = None
    if key:
        row = UserSession.get_or_none(
            (UserSession.key_hash == _hash(key))
            & (UserSession.user == user.id)
            & UserSession.revoked_at.is_null()
        )
    return _checked(row)


def _checked(row):
    """Refuse an expired session row (marking it), touch a live one; remember it in ``g``."""
    now = utcnow()
    if row is not None and is_expired(row, now):
        UserSession.update(revoked_at=now, revoked_reason="expired").where(
            (UserSession.id == row.id) & UserSession.revoked_at.is_null()
        ).execute()
        log.info("session expired user=%s session=%s", row.user.login, row.id)
        g.session_expired = True
        row = None
    elif row is not None and row.last_seen_at <= now - TOUCH_INTERVAL:
        UserSession.update(last_seen_at=now).where(UserSession.id == row.id).execute()
        row.last_seen_at = now
    g.user_session = row
    return row


def revoke_current(reason="logout"):
    """End the session of this request (logout)."""
    row = g.get("user_session")
    if row is not None:
        UserSession.update(revoked_at=utcnow(), revoked_reason=reason).where(
            (UserSession.id == row.id) & UserSession.revoked_at.is_null()
        ).execute()
    g.user_session = None
    session.pop(SESSION_KEY, None)


def revoke_sessions(user, except_session=None, reason="revoked"):
    """End every open session of ``user`` but ``except_session``; return how many ended.

    Called when the password changes (keeping the session that changed it), when an
    account is disabled or its password reset (ending them all).
    """
    query = UserSession.update(revoked_at=utcnow(), revoked_reason=reason).where(
        (UserSession.user == user.id) & UserSession.revoked_at.is_null()
    )
    if except_session is not None:
        query = query.where(UserSession.id != except_session.id)
    count = query.execute()
    if count:
        log.info("sessions revoked user=%s count=%s reason=%s", user.login, count, reason)
    return count


def revoke_all(reason):
    """End every open session of every account (after a restore, for instance)."""
    return UserSession.update(revoked_at=utcnow(), revoked_reason=reason).where(
        UserSession.revoked_at.is_null()
    ).execute()
