"""Personal data (GDPR): export what is stored about a person, anonymise a former mandataire.

``flask personal-data export <identifiant-ou-courriel>`` prints as JSON every account,
cooperative, membership line and audit event that names the person; ``flask personal-data
anonymise-mandataire <n° de coopérative>`` replaces a former mandataire's name and email by
an anonymous value, keeping every amount and head count as it was.
"""

import json

import click
from flask.cli import with_appcontext
from peewee import JOIN, fn

from . import audit
from .db import db
from .maintenance import confirm
from .models import AuditEvent, Campaign, Cooperative, Membership, MembershipLine, User, UserSession

ANONYMOUS_NAME = "Ancien mandataire (anonymisé)"
ANONYMOUS_PERSON = "Anonymisé"


def _when(value):
    return value.isoformat(timespec="seconds") + "Z" if value else None


def _accounts(identifier):
    users = list(User.select(User, Cooperative).join(Cooperative, join_type=JOIN.LEFT_OUTER)
                 .where(User.login == identifier))
    sessions = {}
    for row in UserSession.select().where(UserSession.user.in_([u.id for u in users])):
        sessions.setdefault(row.user_id, []).append({
            "ouverte_le": _when(row.created_at), "derniere_activite": _when(row.last_seen_at),
            "adresse": row.address, "navigateur": row.user_agent,
            "fermee_le": _when(row.revoked_at),
        })
    return users, [{
        "identifiant": u.login, "role": User.ROLES[u.role],
        "cooperative": u.cooperative.number if u.cooperative_id else None,
        "cree_le": _when(u.created_at), "derniere_connexion": _when(u.last_login_at),
        "mot_de_passe_change_le": _when(u.password_changed_at),
        "desactive": u.disabled, "sessions": sessions.get(u.id, []),
    } for u in users]


def _cooperatives(email):
    folded = email.casefold()
    coops = list(Cooperative.select().where(
        (fn.LOWER(Cooperative.mandataire_email) == folded) | (fn.LOWER(Cooperative.email) == folded)
    ).order_by(Cooperative.number))
    return coops, [{
        "numero": c.number, "ecole": c.school_name, "commune": c.commune,
        "en_tant_que": "mandataire" if c.mandataire_email.casefold() == folded else "adresse de l'école",
        "mandataire": c.mandataire_name, "courriel_mandataire": c.mandataire_email,
        "courriel_ecole": c.email,
    } for c in coops]


def _lines_naming(names):
    """Return the membership lines whose "Nom" contains one of ``names`` (any case)."""
    names = [n for n in names if n.strip()]
    if not names:
        return []
    condition = None
    for name in names:
        match = fn.LOWER(MembershipLine.person).contains(name.lower())
        condition = match if condition is None else condition | match
    query = (MembershipLine.select(MembershipLine, Membership, Cooperative, Campaign)
             .join(Membership).join(Cooperative).switch(Membership).join(Campaign)
             .where(condition).order_by(Campaign.start_year, Cooperative.number, MembershipLine.id))
    return [{
        "campagne": line.membership.campaign.name, "cooperative": line.membership.cooperative.number,
        "classe_ou_fonction": line.label, "nom": line.person,
        "adultes": line.adults, "eleves": line.pupils,
    } for line in query]


def _events(users, identifier):
    condition = AuditEvent.login == identifier
    if users:
        condition |= AuditEvent.user.in_([u.id for u in users])
    if "@" in identifier:
        condition |= fn.LOWER(AuditEvent.detail).contains(identifier.casefold())
    return [{
        "le": _when(e.at), "action": e.action, "detail": e.detail, "identifiant": e.login,
        "adresse": e.address,
    } for e in AuditEvent.select().where(condition).order_by(AuditEvent.at, AuditEvent.id)]


def personal_data(identifier, extra_names=()):
    """Return everything stored about the person named by a login or an email, as a dict."""
    users, accounts = _accounts(identifier)
    coops, cooperatives = _cooperatives(identifier) if "@" in identifier else ([], [])
    names = [c.mandataire_name for c in coops if c.mandataire_email.casefold() == identifier.casefold()]
    return {
        "recherche": identifier,
        "comptes": accounts,
        "cooperatives": cooperatives,
        "lignes": _lines_naming(names + list(extra_names)),
        "evenements": _events(users, identifier),
    }


def anonymise_mandataire(cooperative):
    """Replace the mandataire's name and email of ``cooperative`` by an anonymous value.

    The lines naming them in full, and the audit details quoting their name or email, are
    anonymised too; amounts, head counts and totals do not change. Returns the number of
    lines changed.
    """
    name, email = cooperative.mandataire_name, cooperative.mandataire_email
    with db.atomic():
        lines = 0
        if name.strip():
            memberships = Membership.select(Membership.id).where(Membership.cooperative == cooperative)
            lines = MembershipLine.update(person=ANONYMOUS_PERSON).where(
                MembershipLine.membership.in_(memberships)
                & fn.LOWER(MembershipLine.person).contains(name.lower())
            ).execute()
        for secret in (s for s in (name, email) if s.strip()):
            AuditEvent.update(detail=fn.REPLACE(AuditEvent.detail, secret, "[anonymisé]")).where(
                AuditEvent.detail.contains(secret)
            ).execute()
        Cooperative.update(mandataire_name=ANONYMOUS_NAME, mandataire_email="").where(
            Cooperative.id == cooperative.id
        ).execute()
        audit.record("mandataire_anonymised", f"{lines} ligne(s) anonymisée(s)",
                     cooperative=cooperative, login="cli")
    return lines


@click.group("personal-data")
def personal_data_command():
    """Personal data (GDPR): export, anonymise."""


@personal_data_command.command("export")
@with_appcontext
@click.argument("identifier")
@click.option("--nom", "names", multiple=True,
              help="Chercher aussi ce nom dans les lignes des adhésions (plusieurs fois possible).")
def export_command(identifier, names):
    """Print as JSON everything stored about a person (identifier or email)."""
    with db.connection_context():
        data = personal_data(identifier, names)
        if not (data["comptes"] or data["cooperatives"] or data["lignes"] or data["evenements"]):
            raise click.ClickException(f"Aucune donnée trouvée pour « {identifier} ».")
        audit.record("personal_data_exported", f"Export des données personnelles de {identifier}",
                     login="cli")
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@personal_data_command.command("anonymise-mandataire")
@with_appcontext
@click.argument("number")
@click.option("--yes", is_flag=True, help="Ne pas demander de confirmation.")
def anonymise_command(number, yes):
    """Anonymise a former mandataire of a cooperative (name, email, lines naming them)."""
    with db.connection_context():
        cooperative = Cooperative.get_or_none(Cooperative.number == number)
        if cooperative is None:
            raise click.ClickException(f"Aucune coopérative n° {number}.")
        if cooperative.mandataire_name == ANONYMOUS_NAME:
            raise click.ClickException(f"Le mandataire de la coopérative n° {number} est déjà anonymisé.")
        if not yes:
            confirm(f"Anonymiser « {cooperative.mandataire_name} » (coopérative n° {number}) ? "
                    "C'est définitif.")
        lines = anonymise_mandataire(cooperative)
    click.echo(f"Mandataire de la coopérative n° {number} anonymisé ({lines} ligne(s) modifiée(s)). "
               "Pensez à saisir le nouveau mandataire.")
