"""The demo data: an association, the 2026-2027 campaign, six cooperatives, three accounts.

The accounts, their passwords and the tariff are part of the project's contract
(README, DESIGN.md): keep them stable.
"""

from datetime import date, timedelta

from . import audit
from .db import db
from .membership import service
from .models import (
    Association,
    Campaign,
    Cooperative,
    DocumentReceipt,
    Membership,
    MembershipLine,
    Option,
    Payment,
    User,
    utcnow,
)
from .passwords import hash_password
from .uai import with_check_letter

DEMO_ACCOUNTS = [
    # login, password, role, cooperative number
    ("EcoleDemo", "demo-ecole-2026", User.SCHOOL, "099-0001"),
    ("EcoleVoisine", "demo-voisine-2026", User.SCHOOL, "099-0002"),
    ("AdminOCCE", "demo-occe-2026", User.ADMIN, None),
]

COOPERATIVES = [
    # number, school, UAI digits, commune, circonscription, mandataire
    ("099-0001", "École élémentaire Jean Jaurès", "0990001", "Saint-Martin-des-Prés",
     "Circonscription Nord", "Claire Lefèvre"),
    ("099-0002", "École maternelle Les Tilleuls", "0990002", "Saint-Martin-des-Prés",
     "Circonscription Nord", "Hélène Roussel"),
    ("099-0003", "École primaire Marie Curie", "0990003", "Bellecombe",
     "Circonscription Sud", "Julien Garnier"),
    ("099-0004", "École élémentaire Jules Ferry", "0990004", "Villeneuve-sur-Lys",
     "Circonscription Sud", "Sophie Marchand"),
    ("099-0005", "École primaire Françoise Dolto", "0990005", "Montferrand-le-Bas",
     "Circonscription Est", "Nicolas Bérard"),
    ("099-0006", "École maternelle Le Petit Prince", "0990006", "Bellecombe",
     "Circonscription Est", "Amélie Nguyen"),
]


def demo_tariff(campaign):
    """Set the demo tariff of DESIGN.md on ``campaign`` (amounts in cents)."""
    campaign.base_fee_cents = 2000
    campaign.pupil_fee_cents = 230
    campaign.adult_fee_cents = 400
    campaign.member_insurance_fee_cents = 30
    campaign.goods_rate_ppm = 6880  # 0,688 %
    campaign.goods_included_cents = 200_000
    campaign.subscription_name = "Animation & Éducation"
    campaign.subscription_price_cents = 2500
    return campaign


DEMO_ASSOCIATION = "OCCE 99 — Association départementale de démonstration"


def is_demo_database():
    """Tell whether the database holds the demo association."""
    return Association.select().where(Association.name == DEMO_ASSOCIATION).exists()


def is_seeded():
    """Tell whether the demo data (or any association) is already there."""
    return Association.select().exists()


def seed_demo():
    """Load the demo data into an empty database; return False if data is already there."""
    if is_seeded():
        return False
    with db.atomic():
        Association.create(
            name=DEMO_ASSOCIATION,
            address="12 rue des Écoles\n99000 Chef-Lieu",
            siret="123 456 789 00012",
            email="contact@occe99.example.org",
            phone="01 23 45 67 89",
            president="Marianne Dupont-Roux",
            insurer="Mutuelle Assurance des Coopératives Scolaires (démonstration)",
            insurance_contract="MAE-99-2026-0042",
        )
        campaign = demo_tariff(Campaign(
            name="2026-2027",
            start_year=2026,
            is_current=True,
            opens_on=date(2026, 9, 1),
            closes_on=date(2026, 11, 30),
        ))
        campaign.save()
        Option.create(campaign=campaign, label="Participation volontaire", kind=Option.FREE,
                      price_cents=0, visible=True, position=1)
        Option.create(campaign=campaign, label="Agenda coopératif", kind=Option.QUANTITY,
                      price_cents=650, visible=False, position=2)
        cooperatives = {}
        for number, school, digits, commune, circonscription, mandataire in COOPERATIVES:
            first, last = mandataire.split(" ", 1)
            cooperatives[number] = Cooperative.create(
                number=number,
                school_name=school,
                uai=with_check_letter(digits),
                commune=commune,
                circonscription=circonscription,
                email=f"ce.{digits}@ac-demo.example.org",
                mandataire_name=mandataire,
                mandataire_email=f"{first.lower()}.{last.lower().replace(' ', '-')}@ac-demo.example.org",
            )
        users = {}
        for login, password, role, number in DEMO_ACCOUNTS:
            users[login] = User.create(
                login=login,
                password_hash=hash_password(password),
                role=role,
                cooperative=cooperatives.get(number),
            )
        _seed_campaign_progress(campaign, cooperatives, users["AdminOCCE"])
    return True


def _seed_campaign_progress(campaign, cooperatives, staff):
    """Give the staff's dashboard something to show: other schools at every stage."""
    today = date.today()

    def draft(number, lines, declared_cents=0, subscriptions=0):
        membership = Membership.create(
            cooperative=cooperatives[number], campaign=campaign,
            declared_value_cents=declared_cents, subscriptions=subscriptions,
        )
        for label, person, adults, pupils in lines:
            MembershipLine.create(membership=membership, label=label, person=person,
                                  adults=adults, pupils=pupils)
        service.refresh_totals(membership)
        return membership

    def validate_by_school(membership, days_ago):
        service.freeze(membership)
        membership.state = Membership.SCHOOL_VALIDATED
        membership.school_validated_at = utcnow() - timedelta(days=days_ago)
        membership.save()
        audit.record("membership_school_validated", membership=membership, login="demo")

    draft("099-0003", [
        ("CP-CE1", "M. Garnier", 1, 22),
        ("CE2", "Mme Morel", 1, 25),
    ])
    waiting = draft("099-0004", [
        ("CM1", "Mme Marchand", 1, 27),
        ("CM2", "M. Faure", 1, 26),
        ("Direction", "Mme Marchand", 1, 0),
    ], declared_cents=350_000, subscriptions=1)
    validate_by_school(waiting, days_ago=12)

    done = draft("099-0005", [
        ("GS", "Mme Bérard", 2, 24),
        ("CP", "M. Bérard", 1, 21),
    ], subscriptions=1)
    validate_by_school(done, days_ago=30)
    received = today - timedelta(days=20)
    DocumentReceipt.create(membership=done, kind=DocumentReceipt.ENGAGEMENT,
                           received_on=received, recorded_by=staff)
    Payment.create(membership=done, amount_cents=done.total_cents, mode="cheque",
                   paid_on=received, reference="Chèque n° 0001234", recorded_by=staff)
    done.state = Membership.OCCE_VALIDATED
    done.occe_validated_at = utcnow() - timedelta(days=18)
    done.occe_validated_by = staff
    done.save()
    audit.record("membership_occe_validated", membership=done, user=staff)
