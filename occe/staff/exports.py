"""Exports for the accountant and the insurer: memberships, lines and payments, as CSV
for a French spreadsheet or as XLSX.

CSV: UTF-8 with a BOM (so Excel reads the accents), ``;`` between fields, decimal
comma, streamed row by row. XLSX: openpyxl's write-only mode, amounts as numbers in a
euro format, dates as dates, columns as wide as their header and first rows. A text
beginning with ``=``, ``+``, ``-`` or ``@`` is prefixed with ``'`` so that a spreadsheet
never runs it as a formula (CSV injection); in the XLSX the characters XML forbids (a
vertical tab pasted from a word processor) become spaces first.
"""

import csv
import io
import re
import tempfile
from datetime import date, datetime
from decimal import Decimal
from itertools import chain, islice

from flask import Response, abort, render_template, send_file, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from peewee import JOIN

from .. import localtime
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
DATETIME_FORMAT = DATE_FORMAT + " hh:mm"
# openpyxl refuses XML's forbidden control characters (IllegalCharacterError), and lxml
# the non-characters U+FFFE and U+FFFF and lone surrogates: each becomes a space.
ILLEGAL_CHARACTERS = re.compile(f"{ILLEGAL_CHARACTERS_RE.pattern}|[\ud800-\udfff\ufffe\uffff]")
# A spreadsheet reads "_x0041_" in a text as "A": escaping each "_" that starts such a
# sequence (as "_x005F_") keeps it literal, "_x005F_x0041_" included.
EXCEL_ESCAPE = re.compile("_(?=x[0-9A-Fa-f]{4}_)")
# openpyxl would store a text such as "#N/A" as an error value.
ERROR_TEXTS = frozenset(ERROR_CODES)
# Column widths come from the header and the first rows (the sheet is written as it goes).
MEASURED_ROWS = 100
MAX_WIDTH = 50


class Money(Decimal):
    """An amount in euros: a number in the XLSX with the euro format."""


def neutralise(text):
    """Return ``text`` so that no spreadsheet takes it for a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def xlsx_text(text):
    """Return ``text`` as an XLSX cell can hold it: the characters XML forbids as spaces,
    Excel's ``_xHHHH_`` escapes kept literal, then never a formula."""
    if ILLEGAL_CHARACTERS.search(text):
        text = ILLEGAL_CHARACTERS.sub(" ", text)
    if "_x" in text:
        text = EXCEL_ESCAPE.sub("_x005F_", text)
    return neutralise(text)


def csv_value(value, zone=None):
    """Format a value for a French spreadsheet's CSV (``zone``: the association's)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, datetime):
        return localtime.local(value, zone).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, int):
        return str(value)
    return neutralise(str(value))


def stream_csv(header, rows):
    """Yield the CSV text in chunks: the BOM, the header (option labels, typed by the
    staff, are neutralised too), then the rows."""
    zone = localtime.zone()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(name) for name in header])
    yield "\ufeff" + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([csv_value(value, zone) for value in row])
        yield buffer.getvalue()


def xlsx_file(title, header, rows):
    """Write the rows to an XLSX workbook in a temporary file and return the file."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    rows = iter(rows)
    first_rows = list(islice(rows, MEASURED_ROWS))
    set_column_widths(sheet, header, first_rows)  # before any row: write-only mode
    bold = Font(bold=True)
    cells = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=xlsx_text(name))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    xlsx_value = xlsx_converter(sheet)
    for row in chain(first_rows, rows):
        sheet.append([xlsx_value(value) for value in row])
    output = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(output)
    output.seek(0)
    return output


def shown_length(value):
    """Return about how many characters a spreadsheet shows for ``value``."""
    if value is None:
        return 0
    if isinstance(value, Money):
        return len(f"{value:,.2f} €")
    if isinstance(value, datetime):
        return len("31/12/2026 23:59")
    if isinstance(value, date):
        return len("31/12/2026")
    return len(str(value))


def set_column_widths(sheet, header, first_rows):
    """Make each column as wide as its header and first rows, up to ``MAX_WIDTH`` (at the
    default width, 8.43, a spreadsheet shows a date as ``###``)."""
    for number, values in enumerate(zip(header, *first_rows), 1):
        width = min(max(map(shown_length, values)) + 2, MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(number)].width = width


def formatted_cells(sheet, number_format):
    """Return a function making cells of ``sheet`` in ``number_format``: the style is
    looked up once here, each cell only copies it."""
    template = WriteOnlyCell(sheet)
    template.number_format = number_format
    style = template._style  # openpyxl's StyleArray, which Cell() accepts and copies
    return lambda value: Cell(sheet, row=1, column=1, value=value, style_array=style)


def xlsx_converter(sheet):
    """Return a function giving what to append to ``sheet`` for a value: a cell for an
    amount or a date (in the association's time zone, looked up once), text cleaned and
    neutralised, an empty text as no cell, other values (integers, None) as they are
    (openpyxl needs no cell object for them, which keeps 30,000 rows quick to write)."""
    zone = localtime.zone()
    euro, day, moment = (formatted_cells(sheet, number_format) for number_format in
                         (EURO_FORMAT, DATE_FORMAT, DATETIME_FORMAT))

    def xlsx_value(value):
        if isinstance(value, str):
            if not value:
                return None
            text = xlsx_text(value)
            if text in ERROR_TEXTS:
                cell = WriteOnlyCell(sheet, value=text)
                cell.data_type = "s"
                return cell
            return text
        if isinstance(value, Money):
            # A float: openpyxl writes it a third faster than a Decimal, and cents survive.
            return euro(float(value))
        if isinstance(value, datetime):
            return moment(localtime.local(value, zone))
        if isinstance(value, date):
            return day(value)
        return value

    return xlsx_value


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
