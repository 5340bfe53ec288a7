"""Exports for the accountant and the insurer: memberships, lines and payments, as CSV
for a French spreadsheet or as XLSX.

CSV: UTF-8 with a BOM (so Excel reads the accents), ``;`` between fields, decimal
comma, streamed row by row. XLSX: openpyxl's write-only mode, amounts as numbers in a
euro format. A text beginning with ``=``, ``+``, ``-`` or ``@`` is prefixed with ``'``
so that a spreadsheet never runs it as a formula (CSV injection).
"""

import csv
import io
import tempfile
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, render_template, send_file, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from peewee import JOIN

from ..auth import staff_required
from ..models import (
    Campaign,
    Cooperative,
    DocumentReceipt,
    Membership,
    MembershipLine,
    Option,
    Payment,
    User,
)
from ..money import from_cents
from . import bp, reports

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EURO_FORMAT = '#,##0.00 "€"'
DATE_FORMAT = "DD/MM/YYYY"


class Money(Decimal):
    """An amount in euros: a number in the XLSX with the euro format."""


def neutralise(text):
    """Return ``text`` so that no spreadsheet takes it for a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def local_time(value):
    """Return a stored UTC datetime in the association's time zone, without tzinfo."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return value.replace(tzinfo=timezone.utc).astimezone(zone).replace(tzinfo=None)


def csv_value(value):
    """Format a value for a French spreadsheet's CSV."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, datetime):
        return local_time(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, int):
        return str(value)
    return neutralise(str(value))


def stream_csv(header, rows):
    """Yield the CSV text in chunks: the BOM, the header, then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    yield "\ufeff" + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([csv_value(value) for value in row])
        yield buffer.getvalue()


def xlsx_file(title, header, rows):
    """Write the rows to an XLSX workbook in a temporary file and return the file."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    bold = Font(bold=True)
    cells = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        sheet.append([xlsx_cell(sheet, value) for value in row])
    output = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(output)
    output.seek(0)
    return output


def xlsx_cell(sheet, value):
    """Return a cell for ``value``: amounts and dates formatted, text neutralised (plain
    values need no cell object, which keeps 30,000 rows quick to write)."""
    if isinstance(value, Money):
        # A float: openpyxl writes it a third faster than a Decimal, and cents survive.
        cell = WriteOnlyCell(sheet, value=float(value))
        cell.number_format = EURO_FORMAT
        return cell
    if isinstance(value, (date, datetime)):
        cell = WriteOnlyCell(sheet, value=local_time(value) if isinstance(value, datetime) else value)
        cell.number_format = DATE_FORMAT + (" hh:mm" if isinstance(value, datetime) else "")
        return cell
    if isinstance(value, str):
        return neutralise(value)
    return value


# ---- What each export holds -------------------------------------------------------


def membership_table(campaign):
    """Return ``(header, rows)`` of the memberships export: one row per membership."""
    options = [label for (label,) in campaign.options.select(Option.label)
               .order_by(Option.position, Option.id).tuples()]
    header = [
        "N° de coopérative", "École", "UAI", "Commune", "Circonscription", "État",
        "Élèves", "Adultes", "Assurés", "Forfait de base", "Adhésions des élèves",
        "Adhésions des adultes", "Assurance des adhérents", "Valeur déclarée des biens",
        "Assurance des biens", "Abonnements", "Abonnement", *options, "Total", "Réglé",
        "Solde", "Validée par la coopérative le", "Validée par l'OCCE le",
        "Motif de validation", "Engagement reçu le", "Changement reçu le",
    ]

    def rows():
        for report in reports.membership_reports(campaign):
            m, recap = report.row, report.recap
            chosen = dict(recap.option_items)
            yield [
                m.number, m.school_name, m.uai, m.commune, m.circonscription,
                report.state_label, recap.pupils, recap.adults, recap.insured,
                Money(recap.base_fee), Money(recap.pupil_amount), Money(recap.adult_amount),
                Money(recap.member_insurance), Money(recap.declared_value),
                Money(recap.goods_insurance), recap.subscriptions, Money(recap.subscription),
                *(Money(chosen.get(label, Decimal("0.00"))) for label in options),
                Money(recap.total), Money(from_cents(report.paid_cents)), Money(report.balance),
                m.school_validated_at, m.occe_validated_at, m.occe_validation_reason,
                report.receipts.get(DocumentReceipt.ENGAGEMENT),
                report.receipts.get(DocumentReceipt.CHANGEMENT),
            ]

    return header, rows()


def line_table(campaign):
    """Return ``(header, rows)`` of the lines export: one row per class or function."""
    header = ["N° de coopérative", "École", "UAI", "Circonscription", "État",
              "Classe ou fonction", "Nom", "Adultes", "Élèves", "Assurés"]
    query = (
        MembershipLine.select(
            Cooperative.number, Cooperative.school_name, Cooperative.uai,
            Cooperative.circonscription, Membership.state, MembershipLine.label,
            MembershipLine.person, MembershipLine.adults, MembershipLine.pupils,
        )
        .join(Membership)
        .join(Cooperative)
        .where(Membership.campaign == campaign)
        .order_by(Cooperative.number, MembershipLine.id)
        .tuples()
    )

    def rows():
        for number, name, uai, circonscription, state, label, person, adults, pupils in query.iterator():
            yield [number, name, uai, circonscription, Membership.STATES[state],
                   label, person, adults, pupils, adults + pupils]

    return header, rows()


def payment_table(campaign):
    """Return ``(header, rows)`` of the payments export, cancelled ones included."""
    header = ["N° de coopérative", "École", "Date", "Montant", "Mode", "Référence",
              "Enregistré par", "Enregistré le", "Annulé le", "Motif d'annulation"]
    query = (
        Payment.select(
            Cooperative.number, Cooperative.school_name, Payment.paid_on, Payment.amount_cents,
            Payment.mode, Payment.reference, User.login, Payment.recorded_at,
            Payment.cancelled_at, Payment.cancel_reason,
        )
        .join(Membership)
        .join(Cooperative)
        .switch(Payment)
        .join(User, JOIN.LEFT_OUTER, on=(Payment.recorded_by == User.id))
        .where(Membership.campaign == campaign)
        .order_by(Payment.paid_on, Payment.id)
        .tuples()
    )

    def rows():
        for number, name, paid_on, cents, mode, reference, login, at, cancelled_at, reason in query.iterator():
            yield [number, name, paid_on, Money(from_cents(cents)), Payment.MODES[mode],
                   reference, login or "", at, cancelled_at, reason]

    return header, rows()


EXPORTS = {
    "adhesions": ("Adhésions", membership_table),
    "lignes": ("Lignes", line_table),
    "reglements": ("Règlements", payment_table),
}


@bp.route("/exports")
@staff_required
def exports():
    """List the exports of the current campaign."""
    return render_template("staff/exports.html", campaign=Campaign.current(), exports=EXPORTS)


@bp.route("/exports/<name>.<fmt>")
@staff_required
def download(name, fmt):
    """Download one export of the current campaign as CSV (streamed) or XLSX."""
    campaign = Campaign.current()
    if name not in EXPORTS or fmt not in ("csv", "xlsx") or campaign is None:
        abort(404)
    title, table = EXPORTS[name]
    header, rows = table(campaign)
    filename = f"{name}-{campaign.name}.{fmt}"
    if fmt == "xlsx":
        return send_file(
            xlsx_file(title, header, rows),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            as_attachment=True,
            download_name=filename,
        )
    return Response(
        stream_with_context(stream_csv(header, rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
