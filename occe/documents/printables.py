"""The four printables of a membership, each rendered by a named function.

The engagement du mandataire and the changement de mandataire are for the school to
sign and send once it has validated; the attestation d'adhésion and the certificat
d'assurance prove the membership once the OCCE has validated it. The staff's bulk
printing reuses the ``render_*`` functions.
"""

import re
from dataclasses import dataclass
from datetime import date

from ..membership import service
from ..models import Association, Membership
from ..money import from_cents
from ..pdf import render_pdf

SCHOOL_VALIDATED_STATES = (Membership.SCHOOL_VALIDATED, Membership.OCCE_VALIDATED)
OCCE_VALIDATED_STATES = (Membership.OCCE_VALIDATED,)

# The mandataire's commitments, in the order of the printed engagement.
COMMITMENTS = (
    "transmettre à l'ensemble des enseignants et des adultes de l'école les informations "
    "et les propositions de l'OCCE ;",
    "régler à l'association départementale, dans les délais indiqués, la cotisation "
    "d'adhésion et l'assurance de la coopérative ;",
    "adresser chaque année à l'association départementale le compte rendu d'activité et "
    "le compte rendu financier de la coopérative ;",
    "tenir la comptabilité de la coopérative et conserver l'ensemble des pièces "
    "justificatives (factures, relevés bancaires, reçus) ;",
    "en cas de changement de mandataire, transmettre à son successeur les documents, les "
    "comptes et les moyens de paiement de la coopérative, et en informer l'association "
    "départementale par le formulaire de changement de mandataire.",
)


@dataclass(frozen=True)
class Printable:
    """One kind of document: its names, its reference prefix and when it is available."""

    kind: str  # the URL's name: ``engagement``, ``changement``…
    title: str
    prefix: str
    states: tuple
    unavailable: str  # French explanation given before the membership reaches ``states``

    def is_available(self, membership):
        """Tell whether ``membership``'s state allows this document."""
        return membership.state in self.states

    def reference(self, membership):
        """Return the document's reference: stable per membership and kind."""
        return f"{self.prefix}-{membership.campaign.start_year}-{membership.cooperative.number}"

    def filename(self, membership):
        """Return the file name offered to the browser, e.g. ``engagement-2026-2027-099-0001.pdf``."""
        number = re.sub(r"[^A-Za-z0-9-]+", "-", membership.cooperative.number).strip("-")
        return f"{self.kind}-{membership.campaign.name}-{number}.pdf"


AFTER_SCHOOL = (
    "Ce document sera disponible dès que votre coopérative aura validé définitivement son "
    "adhésion, depuis l'écran Adhésion."
)
AFTER_OCCE = (
    "Ce document sera disponible dès que l'OCCE aura validé votre adhésion, après réception "
    "de l'engagement du mandataire (ou du changement de mandataire) et de votre règlement."
)

ENGAGEMENT = Printable("engagement", "Engagement du mandataire", "ENG",
                       SCHOOL_VALIDATED_STATES, AFTER_SCHOOL)
CHANGEMENT = Printable("changement", "Changement de mandataire", "CHG",
                       SCHOOL_VALIDATED_STATES, AFTER_SCHOOL)
ATTESTATION = Printable("attestation", "Attestation d'adhésion", "ATT",
                        OCCE_VALIDATED_STATES, AFTER_OCCE)
CERTIFICAT = Printable("certificat", "Certificat d'assurance", "ASS",
                       OCCE_VALIDATED_STATES, AFTER_OCCE)

PRINTABLES = {p.kind: p for p in (ENGAGEMENT, CHANGEMENT, ATTESTATION, CERTIFICAT)}


def available_printables(membership):
    """Return the printables ``membership``'s state allows, in the order a school uses them."""
    if membership is None:
        return []
    return [p for p in PRINTABLES.values() if p.is_available(membership)]


def association_place(association):
    """Return the town of the association's address (its last line, without the postcode)."""
    lines = [line.strip() for line in association.address.splitlines() if line.strip()]
    return re.sub(r"^\d{4,5}\s+", "", lines[-1]) if lines else ""


def _render(printable, membership, association=None, **context):
    """Render ``printable`` for ``membership`` with the context every document shares.

    ``association`` (the current one unless given) saves a query per document when
    many are rendered together.
    """
    if association is None:
        association = Association.current()
    return render_pdf(
        f"{printable.kind}.html",
        association=association,
        place=association_place(association),
        membership=membership,
        cooperative=membership.cooperative,
        campaign=membership.campaign,
        reference=printable.reference(membership),
        title=printable.title,
        **context,
    )


def render_engagement(membership, association=None):
    """Return the engagement du mandataire of ``membership`` as PDF bytes."""
    return _render(ENGAGEMENT, membership, association, recap=service.recap_for(membership),
                   commitments=COMMITMENTS)


def render_changement(membership, association=None):
    """Return the changement de mandataire form of ``membership`` as PDF bytes."""
    return _render(CHANGEMENT, membership, association)


def render_attestation(membership, association=None):
    """Return the attestation d'adhésion of ``membership`` as PDF bytes."""
    return _render(ATTESTATION, membership, association, recap=service.recap_for(membership))


def insurance_period(campaign):
    """Return the first and last day covered: 1 September to 31 August of the campaign."""
    return date(campaign.start_year, 9, 1), date(campaign.end_year, 8, 31)


def render_certificat(membership, association=None):
    """Return the certificat d'assurance of ``membership`` as PDF bytes."""
    starts_on, ends_on = insurance_period(membership.campaign)
    return _render(
        CERTIFICAT, membership, association,
        recap=service.recap_for(membership),
        starts_on=starts_on,
        ends_on=ends_on,
        goods_included=from_cents(membership.campaign.goods_included_cents),
    )


RENDERERS = {
    ENGAGEMENT.kind: render_engagement,
    CHANGEMENT.kind: render_changement,
    ATTESTATION.kind: render_attestation,
    CERTIFICAT.kind: render_certificat,
}
