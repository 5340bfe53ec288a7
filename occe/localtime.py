"""The association's time zone (``TIMEZONE``, Europe/Paris by default: ``occe.config``).

Timestamps are stored as naive UTC datetimes; days (today, a week's Monday, a date in an
export) are the association's, whatever the server's own time zone.
"""

from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from flask import current_app


def zone():
    """Return the association's time zone."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def today():
    """Return today's date for the association (the server may run on UTC)."""
    return datetime.now(zone()).date()


def local(value, in_zone=None):
    """Return a stored (naive UTC) datetime as the association's wall-clock time, naive."""
    return value.replace(tzinfo=timezone.utc).astimezone(in_zone or zone()).replace(tzinfo=None)


def utc_start(day, in_zone=None):
    """Return when the association's ``day`` begins, as a stored (naive UTC) datetime."""
    start = datetime.combine(day, time.min, tzinfo=in_zone or zone())
    return start.astimezone(timezone.utc).replace(tzinfo=None)
