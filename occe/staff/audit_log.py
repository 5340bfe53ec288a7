"""The audit log page: who did what, when, on which cooperative; filterable."""

from dataclasses import dataclass
from datetime import date, timedelta

from flask import render_template, request
from peewee import JOIN

from .. import localtime
from ..auth import staff_required
from ..models import AuditEvent, Cooperative
from . import bp
from .paging import paginate


# French labels of the action codes recorded through ``audit.record``; an unknown code
# (a new area's) is shown as it is until it gets a label here.
ACTION_LABELS = {
    "login": "Connexion",
    "logout": "Déconnexion",
    "login_failed": "Échec de connexion",
    "login_locked": "Identifiant bloqué après trop d'échecs",
    "login_refused_locked": "Connexion refusée (identifiant bloqué)",
    "login_refused_disabled": "Connexion refusée (compte désactivé)",
    "password_changed": "Mot de passe changé",
    "password_set": "Mot de passe défini en ligne de commande",
    "password_reset": "Mot de passe réinitialisé",
    "account_created": "Compte créé",
    "account_disabled": "Compte désactivé",
    "account_enabled": "Compte réactivé",
    "cooperative_created": "Coopérative créée",
    "cooperative_updated": "Coopérative modifiée",
    "cooperatives_imported": "Coopératives importées",
    "campaign_created": "Campagne créée",
    "campaign_updated": "Campagne modifiée",
    "tariff_updated": "Tarif modifié",
    "membership_school_validated": "Adhésion validée par la coopérative",
    "membership_occe_validated": "Adhésion validée par l'OCCE",
    "membership_reopened": "Adhésion rouverte",
    "document_received": "Document reçu",
    "document_removed": "Document retiré",
    "payment_recorded": "Règlement enregistré",
    "payment_cancelled": "Règlement annulé",
}


@bp.app_template_filter("action_label")
def action_label(code):
    """Return the French label of an audit action code."""
    return ACTION_LABELS.get(code, code)


def _date(text):
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


@dataclass
class LogFilters:
    """The log's filters from the query string (unreadable values are ignored)."""

    action: str = ""
    login: str = ""
    cooperative: str = ""
    since: date | None = None
    until: date | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args):
        page = args.get("page", "1")
        return cls(
            action=args.get("action", "").strip()[:40],
            login=args.get("utilisateur", "").strip()[:200],
            cooperative=args.get("cooperative", "").strip()[:100],
            since=_date(args.get("du")),
            until=_date(args.get("au")),
            page=int(page) if page.isdigit() and int(page) > 0 else 1,
        )

    def args(self, **changes):
        values = {
            "action": self.action,
            "utilisateur": self.login,
            "cooperative": self.cooperative,
            "du": self.since.isoformat() if self.since else "",
            "au": self.until.isoformat() if self.until else "",
            "page": self.page,
        }
        values.update(changes)
        return {key: value for key, value in values.items() if value not in ("", None, 1)}


def filtered_events(filters):
    """Return the events matching ``filters``, the latest first, with their cooperative."""
    query = (
        AuditEvent.select(AuditEvent, Cooperative)
        .join(Cooperative, JOIN.LEFT_OUTER, on=(AuditEvent.cooperative == Cooperative.id))
    )
    conditions = []
    if filters.action:
        conditions.append(AuditEvent.action == filters.action)
    if filters.login:
        conditions.append(AuditEvent.login ** f"%{filters.login}%")
    if filters.cooperative:
        pattern = f"%{filters.cooperative}%"
        conditions.append((Cooperative.number ** pattern) | (Cooperative.school_name ** pattern))
    # The days are the association's (the page shows its times); events are stored in UTC.
    if filters.since:
        conditions.append(AuditEvent.at >= localtime.utc_start(filters.since))
    if filters.until:
        conditions.append(AuditEvent.at < localtime.utc_start(filters.until + timedelta(days=1)))
    if conditions:
        query = query.where(*conditions)
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def recorded_actions():
    """Return ``(code, label)`` of the actions present in the log, for the filter."""
    codes = [code for (code,) in AuditEvent.select(AuditEvent.action).distinct().tuples()]
    return sorted(((code, action_label(code)) for code in codes), key=lambda item: item[1])


@bp.route("/journal")
@staff_required
def audit_log():
    """Show the audit log, filtered, 50 events a page."""
    filters = LogFilters.from_args(request.args)
    page = paginate(filtered_events(filters), filters.page)
    filters.page = page.number
    template = (
        "staff/_audit_results.html"
        if request.headers.get("HX-Target") == "audit-results"
        else "staff/audit_log.html"
    )
    return render_template(
        template,
        page=page,
        filters=filters,
        actions=recorded_actions(),
    )
