"""Factory helpers in CTFd's style: sensible defaults, any field overridable."""

import itertools
from datetime import date

from occe.demo import demo_tariff
from occe.membership import service
from occe.models import (
    Association,
    Campaign,
    Cooperative,
    Membership,
    MembershipLine,
    Option,
    User,
)
from occe.passwords import hash_password

PASSWORD = "correct-horse-battery-staple"
# Hashing is slow on purpose; the tests hash the default password once.
PASSWORD_HASH = hash_password(PASSWORD)
_numbers = itertools.count(1)


def make_association(**fields):
    values = dict(
        name="OCCE 99 — Association de test",
        address="12 rue des Écoles\n99000 Chef-Lieu",
        siret="123 456 789 00012",
        president="Marianne Dupont-Roux",
        insurer="Mutuelle de test",
        insurance_contract="CONTRAT-42",
    )
    values.update(fields)
    return Association.create(**values)


def make_campaign(start_year=2026, is_current=True, options=True, **fields):
    """A campaign with the demo tariff, and the demo options unless ``options=False``."""
    campaign = demo_tariff(Campaign(
        name=f"{start_year}-{start_year + 1}",
        start_year=start_year,
        is_current=is_current,
        opens_on=date(start_year, 9, 1),
        closes_on=date(start_year, 11, 30),
    ))
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign.save()
    if options:
        Option.create(campaign=campaign, label="Participation volontaire", kind=Option.FREE,
                      visible=True, position=1)
        Option.create(campaign=campaign, label="Agenda coopératif", kind=Option.QUANTITY,
                      price_cents=650, visible=False, position=2)
    return campaign


def make_cooperative(**fields):
    n = next(_numbers)
    values = dict(
        number=f"T-{n:04d}",
        school_name=f"École de test n° {n}",
        uai="0990001N",
        commune="Saint-Martin-des-Prés",
        circonscription="Circonscription Nord",
        email=f"ecole{n}@example.org",
        mandataire_name="Claire Lefèvre",
        mandataire_email="claire@example.org",
    )
    values.update(fields)
    return Cooperative.create(**values)


def make_user(login=None, role=User.SCHOOL, cooperative=None, password=None, **fields):
    """An account; a school account gets a new cooperative unless one is given."""
    if role == User.SCHOOL and cooperative is None:
        cooperative = make_cooperative()
    return User.create(
        login=login or f"user{next(_numbers)}",
        password_hash=hash_password(password) if password else PASSWORD_HASH,
        role=role,
        cooperative=cooperative,
        **fields,
    )


def make_membership(cooperative, campaign, lines=(), **fields):
    """A membership with ``lines`` given as ``(label, person, adults, pupils)``."""
    membership = Membership.create(cooperative=cooperative, campaign=campaign, **fields)
    for label, person, adults, pupils in lines:
        MembershipLine.create(membership=membership, label=label, person=person,
                              adults=adults, pupils=pupils)
    service.refresh_totals(membership)
    return membership


WORKED_EXAMPLE_LINES = [
    ("CP", "Mme Martin", 1, 24),
    ("CE1", "M. Durand", 2, 26),
    ("ATSEM", "Mme Petit", 1, 0),
]
