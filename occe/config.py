"""Configuration: safe defaults for the demo, overridden from the environment.

Every setting can be given as an environment variable prefixed with ``OCCE_``
(``OCCE_SECRET_KEY``, ``OCCE_PASSWORD_MAX_AGE_DAYS``…); the database comes from
``DATABASE_URL``. Without ``OCCE_SECRET_KEY`` the app runs in *demo mode*: a secret
key is generated once and kept in the data folder, and an empty database is created
and loaded with the demo data.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_settings(data_dir):
    """Return the defaults, before the environment and the test config apply."""
    return dict(
        DATA_DIR=str(data_dir),
        DATABASE_URL=os.environ.get(
            "DATABASE_URL", f"sqlite:///{Path(data_dir) / 'occe.db'}"
        ),
        # Counted in days: the home page reminds, it never forces a rotation.
        PASSWORD_MAX_AGE_DAYS=365,
        PASSWORD_MIN_LENGTH=12,
        LOGIN_MAX_FAILURES=10,
        LOGIN_FAILURE_WINDOW=timedelta(minutes=15),
        LOGIN_LOCKOUT=timedelta(minutes=15),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="occe_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        # A session ends after this long without a request, and this long after login.
        SESSION_IDLE_MINUTES=60,
        SESSION_MAX_HOURS=12,
        # How many reverse proxies (the HTTPS front) stand before the app: 0 when none.
        TRUSTED_PROXIES=0,
        # True to also log to DATA_DIR/occe.log, or a file's path; the log goes to stderr anyway.
        LOG_FILE=False,
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        SQLITE_BUSY_TIMEOUT_MS=10_000,
        # The association's: dates shown, the current day, the dashboard's weeks.
        TIMEZONE="Europe/Paris",
    )


def demo_secret_key(data_dir):
    """Return the demo secret key kept in the data folder, creating it once."""
    path = Path(data_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()
