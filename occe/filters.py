"""Jinja filters for French display: euros, numbers, dates in the association's time zone."""

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from . import localtime
from .money import LOCALE, format_euros, format_number, from_cents


def init_app(app):
    """Register the filters on ``app``."""
    ZoneInfo(app.config["TIMEZONE"])  # an unknown name stops the start here

    @app.template_filter("euros")
    def euros(amount):
        """Decimal euros → ``1 234,50 €``."""
        return format_euros(amount)

    @app.template_filter("cents")
    def cents(value):
        """Integer cents → ``1 234,50 €``."""
        return format_euros(from_cents(value))

    @app.template_filter("number")
    def number(value):
        return format_number(value)

    @app.template_filter("date_fr")
    def date_fr(value, format="d MMMM y"):
        """A date (or a naive UTC datetime) → ``27 novembre 2026``."""
        if value is None:
            return ""
        if isinstance(value, datetime):
            return format_datetime(value, format, tzinfo=localtime.zone(), locale=LOCALE)
        return format_date(value, format, locale=LOCALE)

    @app.template_filter("datetime_fr")
    def datetime_fr(value):
        """A UTC datetime → ``27 novembre 2026 à 14:05`` in the association's time zone."""
        if value is None:
            return ""
        return format_datetime(value, "d MMMM y 'à' HH:mm", tzinfo=localtime.zone(), locale=LOCALE)
