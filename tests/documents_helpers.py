"""Memberships set up directly in the states the documents depend on (the staff's screens
that record receipts and payments are another area's)."""

import io
from datetime import date, datetime

from pypdf import PdfReader

from occe.membership import service
from occe.models import DocumentReceipt, Membership, MembershipOption, Option, Payment

from .factories import WORKED_EXAMPLE_LINES, make_membership

SCHOOL_VALIDATED_AT = datetime(2026, 10, 2, 8, 30)
OCCE_VALIDATED_AT = datetime(2026, 10, 9, 14, 0)


def validated_membership(cooperative, campaign, state=Membership.SCHOOL_VALIDATED,
                         lines=WORKED_EXAMPLE_LINES, participation_cents=0, **fields):
    """A membership validated by the school (and by the OCCE if ``state`` says so)."""
    membership = make_membership(cooperative, campaign, lines, **fields)
    if participation_cents:
        MembershipOption.create(
            membership=membership,
            option=Option.get((Option.campaign == campaign)
                              & (Option.label == "Participation volontaire")),
            amount_cents=participation_cents,
        )
    if state == Membership.DRAFT:
        service.refresh_totals(membership)
        return membership
    service.freeze(membership)
    membership.state = state
    membership.school_validated_at = SCHOOL_VALIDATED_AT
    if state == Membership.OCCE_VALIDATED:
        DocumentReceipt.create(membership=membership, kind=DocumentReceipt.ENGAGEMENT,
                               received_on=date(2026, 10, 5))
        Payment.create(membership=membership, amount_cents=membership.total_cents,
                       mode="cheque", paid_on=date(2026, 10, 6))
        membership.occe_validated_at = OCCE_VALIDATED_AT
    membership.save()
    return membership


def pdf_text(data):
    """Return the text of every page of a PDF as one line: line breaks and French
    no-break spaces made plain, so a wrapped label still reads as written."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


def font_files(data):
    """Return the embedded font files of a PDF: ``{font name: {object number: bytes}}``,
    one entry per font file object (a font the pages share is there once)."""
    found = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if "/FontDescriptor" in font:
                reference = font["/FontDescriptor"].get_object().raw_get("/FontFile2")
                found.setdefault(str(font["/BaseFont"]), {})[reference.idnum] = (
                    reference.get_object().get_data())
    return found
