"""The memberships: the filtered list, and one membership's page with the staff's actions
(documents received, payments, the OCCE's validation, reopening)."""

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from peewee import JOIN

from .. import audit
from ..auth import staff_required
from ..db import db
from ..membership import get_membership_for
from ..membership.service import (
    StateError,
    lines_with_amounts,
    paid_cents,
    recap_for,
    refresh_totals,
)
from ..models import (
    AuditEvent,
    Campaign,
    Cooperative,
    DocumentReceipt,
    Membership,
    Payment,
    utcnow,
)
from ..money import format_euros, from_cents
from . import bp, reports
from .paging import paginate
from .forms import CancelPaymentForm, PaymentForm, ReceiptForm, ReopenForm, ValidateForm

SORTS = {
    "numero": Cooperative.number,
    "ecole": Cooperative.school_name,
    "commune": Cooperative.commune,
    "circonscription": Cooperative.circonscription,
    "etat": Membership.state,
    "montant": Membership.total_cents,
    "validee": Membership.school_validated_at,
}


# ---- The list ---------------------------------------------------------------------


@dataclass
class ListFilters:
    """The list's filters, read leniently from the query string (unknown values ignored)."""

    state: str = ""
    circonscription: str = ""
    search: str = ""
    sort: str = "numero"
    descending: bool = False
    page: int = 1

    @classmethod
    def from_args(cls, args):
        sort = args.get("tri", "numero")
        descending = sort.startswith("-")
        sort = sort.lstrip("-")
        page = args.get("page", "1")
        state = args.get("etat", "")
        return cls(
            state=state if state in reports.STATE_LABELS else "",
            circonscription=args.get("circonscription", "").strip(),
            search=args.get("q", "").strip()[:100],
            sort=sort if sort in SORTS else "numero",
            descending=descending and sort in SORTS,
            page=int(page) if page.isdigit() and int(page) > 0 else 1,
        )

    def args(self, **changes):
        """Return the query string arguments of these filters with ``changes``."""
        values = {
            "etat": self.state,
            "circonscription": self.circonscription,
            "q": self.search,
            "tri": ("-" if self.descending else "") + self.sort,
            "page": self.page,
        }
        values.update(changes)
        return {key: value for key, value in values.items() if value not in ("", None, 1, "numero")}

    def sort_args(self, column):
        """Arguments for a column header: sort by it, or reverse it if it is the sort."""
        reverse = column == self.sort and not self.descending
        return self.args(tri=("-" if reverse else "") + column, page=1)


def filtered_cooperatives(campaign, filters):
    """Return the cooperatives (with their membership, if any) matching ``filters``."""
    query = (
        Cooperative.select(Cooperative, Membership, reports.has_lines().alias("started"))
        .join(
            Membership,
            JOIN.LEFT_OUTER,
            on=(Membership.cooperative == Cooperative.id) & (Membership.campaign == campaign),
            attr="membership",
        )
    )
    conditions = []
    if filters.state == reports.NOT_STARTED:
        conditions.append(
            Membership.id.is_null()
            | ((Membership.state == Membership.DRAFT) & ~reports.has_lines())
        )
    elif filters.state == Membership.DRAFT:
        conditions.append((Membership.state == Membership.DRAFT) & reports.has_lines())
    elif filters.state:
        conditions.append(Membership.state == filters.state)
    if filters.circonscription:
        conditions.append(Cooperative.circonscription == filters.circonscription)
    if filters.search:
        pattern = f"%{filters.search}%"
        conditions.append(
            (Cooperative.school_name ** pattern)
            | (Cooperative.number ** pattern)
            | (Cooperative.uai ** pattern)
            | (Cooperative.commune ** pattern)
        )
    if conditions:
        query = query.where(*conditions)
    column = SORTS[filters.sort]
    order = column.desc(nulls="LAST") if filters.descending else column.asc(nulls="LAST")
    return query.order_by(order, Cooperative.number)


@dataclass(frozen=True)
class Row:
    """One line of the list: a cooperative, its membership and what it has paid."""

    cooperative: Cooperative
    membership: Membership | None
    started: bool
    paid_cents: int
    receipts: dict

    @property
    def state(self):
        if self.membership is None:
            return reports.NOT_STARTED
        return reports.dashboard_state(self.membership.state, self.started)

    @property
    def state_label(self):
        return reports.STATE_LABELS[self.state]


def list_page(campaign, filters):
    """Return ``(rows, page)`` for one page of the list, in four queries."""
    page = paginate(filtered_cooperatives(campaign, filters), filters.page)
    filters.page = page.number
    cooperatives = page.items
    memberships = {
        coop.id: coop.membership for coop in cooperatives
        if coop.membership is not None and coop.membership.id is not None
    }
    ids = [m.id for m in memberships.values()]
    paid = reports.paid_by_membership(ids) if ids else {}
    receipts = reports.receipts_by_membership(ids) if ids else {}
    rows = []
    for coop in cooperatives:
        membership = memberships.get(coop.id)
        rows.append(Row(
            cooperative=coop,
            membership=membership,
            started=bool(coop.started),
            paid_cents=paid.get(membership.id, 0) if membership else 0,
            receipts=receipts.get(membership.id, {}) if membership else {},
        ))
    return rows, page


def circonscriptions():
    """Return the circonscriptions of the cooperatives, for the filter."""
    return [
        name for (name,) in Cooperative.select(Cooperative.circonscription)
        .where(Cooperative.circonscription != "")
        .distinct()
        .order_by(Cooperative.circonscription)
        .tuples()
    ]


@bp.route("/adhesions")
@staff_required
def memberships():
    """List the cooperatives and their membership, filtered, sorted, 50 a page."""
    campaign = current_campaign()
    filters = ListFilters.from_args(request.args)
    rows, page = list_page(campaign, filters)
    template = (
        "staff/_membership_results.html"
        if request.headers.get("HX-Target") == "membership-results"
        else "staff/memberships.html"
    )
    return render_template(
        template,
        campaign=campaign,
        filters=filters,
        rows=rows,
        page=page,
        states=reports.STATE_LABELS,
        circonscriptions=circonscriptions(),
        kinds=DocumentReceipt.KINDS,
    )


def current_campaign():
    """Return the current campaign, or a French 404 before any campaign exists."""
    campaign = Campaign.current()
    if campaign is None:
        abort(404, "Aucune campagne n'est en cours.")
    return campaign


# ---- One membership: the staff's actions ------------------------------------------


def get_membership(membership_id, document_kind=None):
    """Return a membership with its cooperative and campaign, or abort 404 (also for an
    unknown kind of document, when one is named)."""
    if document_kind is not None and document_kind not in DocumentReceipt.KINDS:
        abort(404)
    return get_membership_for(current_user, membership_id)


def missing_for_validation(membership):
    """Return what the OCCE's validation lacks, in French (empty when the file is complete)."""
    missing = []
    if not membership.receipts.exists():
        missing.append("Aucun document reçu (engagement ou changement de mandataire).")
    balance = membership.total_cents - paid_cents(membership)
    if balance > 0:
        missing.append(
            f"Les règlements ne couvrent pas le total : il manque {format_euros(from_cents(balance))}."
        )
    return missing


def record_receipt(membership, kind, received_on):
    """Record (or correct the date of) a document received from the school."""
    with db.atomic():
        updated = (
            DocumentReceipt.update(received_on=received_on, recorded_by=current_user.id,
                                   recorded_at=utcnow())
            .where((DocumentReceipt.membership == membership) & (DocumentReceipt.kind == kind))
            .execute()
        )
        if not updated:
            DocumentReceipt.create(membership=membership, kind=kind, received_on=received_on,
                                   recorded_by=current_user.id)
        audit.record(
            "document_received",
            f"{DocumentReceipt.KINDS[kind]} reçu le {received_on:%d/%m/%Y}",
            membership=membership,
        )


def remove_receipt(membership, kind):
    """Withdraw a document recorded by mistake."""
    with db.atomic():
        deleted = (
            DocumentReceipt.delete()
            .where((DocumentReceipt.membership == membership) & (DocumentReceipt.kind == kind))
            .execute()
        )
        if deleted:
            audit.record("document_removed", DocumentReceipt.KINDS[kind], membership=membership)


def add_payment(membership, form):
    """Record a payment from a valid ``PaymentForm``."""
    with db.atomic():
        payment = Payment.create(
            membership=membership,
            amount_cents=form.amount_cents,
            mode=form.mode.data,
            paid_on=form.paid_on.data,
            reference=(form.reference.data or "").strip(),
            recorded_by=current_user.id,
        )
        audit.record("payment_recorded", describe_payment(payment), membership=membership)
    return payment


def describe_payment(payment):
    """Return a payment in words, for the audit log."""
    text = (
        f"{format_euros(from_cents(payment.amount_cents))} par {payment.mode_label.lower()} "
        f"du {payment.paid_on:%d/%m/%Y}"
    )
    return text + (f" (réf. {payment.reference})" if payment.reference else "")


def cancel_payment(membership, payment, reason):
    """Cancel a payment, keeping it with the reason; refuse one already cancelled."""
    with db.atomic():
        cancelled = (
            Payment.update(cancelled_at=utcnow(), cancelled_by=current_user.id, cancel_reason=reason)
            .where((Payment.id == payment.id) & Payment.cancelled_at.is_null())
            .execute()
        )
        if not cancelled:
            raise StateError("Ce règlement est déjà annulé.")
        audit.record("payment_cancelled", f"{describe_payment(payment)} — motif : {reason}",
                     membership=membership)


def validate_membership(membership, reason):
    """Validate for the OCCE a membership the school validated; return False if a reason
    is required (the file is incomplete) and none was given."""
    with db.atomic():
        missing = missing_for_validation(membership)
        if missing and not reason:
            return False
        validated = (
            Membership.update(
                state=Membership.OCCE_VALIDATED,
                occe_validated_at=utcnow(),
                occe_validated_by=current_user.id,
                occe_validation_reason=reason,
                updated_at=utcnow(),
            )
            .where((Membership.id == membership.id)
                   & (Membership.state == Membership.SCHOOL_VALIDATED))
            .execute()
        )
        if not validated:
            raise StateError(
                "Cette adhésion n'est pas (ou plus) en attente de validation : rechargez la page."
            )
        detail = "Dossier complet" if not missing else f"Validée malgré : {' '.join(missing)} Motif : {reason}"
        audit.record("membership_occe_validated", detail, membership=membership)
    return True


def reopen_membership(membership, expected_state, reason):
    """Put a validated membership back to draft so the school can correct it.

    The snapshot goes: the draft's amounts are computed again from the lines and the
    campaign's tariff, and the school will have to validate again.
    """
    with db.atomic():
        reopened = (
            Membership.update(
                state=Membership.DRAFT,
                snapshot=None,
                school_validated_at=None,
                school_validated_by=None,
                occe_validated_at=None,
                occe_validated_by=None,
                occe_validation_reason="",
                updated_at=utcnow(),
            )
            .where((Membership.id == membership.id) & (Membership.state == expected_state))
            .execute()
        )
        if not reopened:
            raise StateError("Cette adhésion a changé d'état entre-temps : rechargez la page.")
        refresh_totals(get_membership(membership.id))
        audit.record("membership_reopened", reason, membership=membership)


def render_membership(membership, status=200, **forms):
    """Render a membership's page, with the forms given (those in error) or fresh ones."""
    payments = list(membership.payments.order_by(Payment.paid_on, Payment.id))
    cancel_forms = {
        payment.id: CancelPaymentForm(prefix=f"annulation-{payment.id}", formdata=None)
        for payment in payments
        if payment.cancelled_at is None
    }
    cancel_forms.update(forms.pop("cancel_forms", {}))
    receipt_forms = {
        kind: ReceiptForm(prefix=kind, formdata=None) for kind in DocumentReceipt.KINDS
    }
    receipt_forms.update(forms.pop("receipt_forms", {}))
    paid = sum(p.amount_cents for p in payments if p.cancelled_at is None)
    history = (
        AuditEvent.select()
        .where(AuditEvent.membership == membership)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    recap = recap_for(membership)
    context = dict(
        membership=membership,
        coop=membership.cooperative,
        recap=recap,
        rows=lines_with_amounts(membership, recap),
        receipts={r.kind: r for r in membership.receipts},
        kinds=DocumentReceipt.KINDS,
        payments=payments,
        paid_cents=paid,
        balance_cents=membership.total_cents - paid,
        missing=missing_for_validation(membership),
        history=list(history),
        payment_form=forms.pop("payment_form", None) or PaymentForm(formdata=None),
        validate_form=forms.pop("validate_form", None) or ValidateForm(prefix="validation", formdata=None),
        reopen_form=forms.pop("reopen_form", None) or ReopenForm(
            prefix="reouverture", formdata=None, expected_state=membership.state
        ),
        cancel_forms=cancel_forms,
        receipt_forms=receipt_forms,
        invalid=status == 422,
    )
    return render_template("staff/membership.html", **context), status


def back_to(membership, anchor, message):
    """Redirect (303) to the membership's page after an action, with a message."""
    flash(message, "success")
    return redirect(url_for("staff.membership", membership_id=membership.id, _anchor=anchor), 303)


@bp.route("/adhesions/<int:membership_id>")
@staff_required
def membership(membership_id):
    """Show one membership: lines, recap, documents, payments, validation, history."""
    return render_membership(get_membership(membership_id))


@bp.route("/adhesions/<int:membership_id>/documents/<kind>", methods=["POST"])
@staff_required
def record_document(membership_id, kind):
    """Record that a document was received, with its date."""
    membership = get_membership(membership_id, kind)
    form = ReceiptForm(prefix=kind)
    if not form.validate():
        return render_membership(membership, 422, receipt_forms={kind: form})
    record_receipt(membership, kind, form.received_on.data)
    return back_to(membership, "documents", f"{DocumentReceipt.KINDS[kind]} : réception enregistrée.")


@bp.route("/adhesions/<int:membership_id>/documents/<kind>/retrait", methods=["POST"])
@staff_required
def remove_document(membership_id, kind):
    """Withdraw a document recorded by mistake."""
    membership = get_membership(membership_id, kind)
    remove_receipt(membership, kind)
    return back_to(membership, "documents", f"{DocumentReceipt.KINDS[kind]} : réception retirée.")


@bp.route("/adhesions/<int:membership_id>/reglements", methods=["POST"])
@staff_required
def record_payment(membership_id):
    """Record a payment."""
    membership = get_membership(membership_id)
    form = PaymentForm()
    if not form.validate():
        return render_membership(membership, 422, payment_form=form)
    payment = add_payment(membership, form)
    return back_to(membership, "reglements", f"Règlement enregistré : {describe_payment(payment)}.")


@bp.route("/adhesions/<int:membership_id>/reglements/<int:payment_id>/annulation", methods=["POST"])
@staff_required
def cancel(membership_id, payment_id):
    """Cancel a payment, with a reason."""
    membership = get_membership(membership_id)
    payment = Payment.get_or_none((Payment.id == payment_id) & (Payment.membership == membership))
    if payment is None:
        abort(404)
    form = CancelPaymentForm(prefix=f"annulation-{payment.id}")
    if not form.validate():
        return render_membership(membership, 422, cancel_forms={payment.id: form})
    try:
        cancel_payment(membership, payment, (form.reason.data or "").strip())
    except StateError as error:
        abort(409, str(error))
    return back_to(membership, "reglements", "Règlement annulé.")


@bp.route("/adhesions/<int:membership_id>/validation", methods=["POST"])
@staff_required
def validate(membership_id):
    """Validate the membership for the OCCE (with a reason when the file is incomplete)."""
    membership = get_membership(membership_id)
    form = ValidateForm(prefix="validation")
    if form.validate():
        try:
            if validate_membership(membership, (form.reason.data or "").strip()):
                return back_to(membership, "validation", "Adhésion validée par l'OCCE.")
        except StateError as error:
            abort(409, str(error))
        form.reason.errors.append(
            "Le dossier est incomplet : indiquez pourquoi vous validez quand même."
        )
    return render_membership(membership, 422, validate_form=form)


@bp.route("/adhesions/<int:membership_id>/reouverture", methods=["POST"])
@staff_required
def reopen(membership_id):
    """Reopen a validated membership (back to draft) so the school can correct it."""
    membership = get_membership(membership_id)
    form = ReopenForm(prefix="reouverture")
    if not form.validate():
        if form.expected_state.errors:
            abort(409, "Cette adhésion ne peut pas être rouverte dans son état actuel.")
        return render_membership(membership, 422, reopen_form=form)
    try:
        reopen_membership(membership, form.expected_state.data, (form.reason.data or "").strip())
    except StateError as error:
        abort(409, str(error))
    return back_to(membership, "validation",
                   "Adhésion rouverte : l'école peut de nouveau la modifier et devra la revalider.")
