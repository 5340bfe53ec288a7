"""The XLSX export's writing (openpyxl, write-only) read back by openpyxl: cells, types,
formats, column widths, and any text cleaned and escaped as a spreadsheet needs."""

import io
import sys
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from flask import Flask
from openpyxl.utils.escape import unescape

from occe import localtime
from occe.staff import exports
from occe.staff.exports import Money, xlsx_file

EURO = '#,##0.00 "€"'


@pytest.fixture(scope="module")
def app():
    """Writing a file needs only the association's time zone: no database."""
    app = Flask(__name__)
    app.config["TIMEZONE"] = "Europe/Paris"
    return app


def xlsx_bytes(app, header, rows, title="Feuille"):
    with app.app_context():
        return xlsx_file(title, header, rows).read()


def written(app, header, rows, title="Feuille"):
    return load_workbook(io.BytesIO(xlsx_bytes(app, header, rows, title))).active


def shown_text(cell):
    """What a spreadsheet shows for a text cell: it decodes the ``_xHHHH_`` escapes."""
    return unescape(cell.value or "")


def xml_legal(character):
    """XML 1.0's Char production."""
    code = ord(character)
    return (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF)


def expected_text(text):
    """The text the staff should see: illegal characters as spaces, formulas neutralised."""
    text = "".join(c if xml_legal(c) else " " for c in text)
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def test_cells_keep_their_type_and_format(app):
    header = ["Texte", "Entier", "Montant", "Jour", "Horodatage", "Vide", "Texte vide"]
    rows = [["École", 1234567, Money("-12.50"), date(2026, 10, 2), datetime(2026, 11, 15, 9, 28), None, ""],
            ["b", -3, Money("607.34"), None, None, None, ""]]
    sheet = written(app, header, rows)
    assert sheet.title == "Feuille"
    assert [(c.value, c.font.b) for c in sheet[1]] == [(name, True) for name in header]
    text, number, amount, day, stamp, empty, empty_text = sheet[2]
    assert (text.value, text.data_type, text.font.b) == ("École", "s", False)
    assert (number.value, number.number_format) == (1234567, "General")
    assert (amount.value, amount.number_format) == (-12.5, EURO)
    assert (day.value, day.number_format) == (datetime(2026, 10, 2), "DD/MM/YYYY")
    # Stored in UTC, shown in the association's time (Paris: UTC+1 in November).
    assert (stamp.value, stamp.number_format) == (datetime(2026, 11, 15, 10, 28), "DD/MM/YYYY hh:mm")
    assert empty.value is None and empty_text.value is None
    assert [c.value for c in sheet[3]] == ["b", -3, 607.34, None, None, None, None]


def test_columns_are_wide_enough_for_dates_amounts_and_headers(app):
    """At the default width (8.43) a spreadsheet shows a date as ###."""
    sheet = written(app, ["Le", "N°", "Total", "Ouverture de la campagne", "École"],
                    [[datetime(2026, 11, 15, 9, 28), 1, Money("123456.78"), date(2026, 9, 1), "x" * 200]])
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDE"}
    assert widths["A"] >= len("15/11/2026 09:28")
    assert widths["B"] >= len("N°")
    assert widths["C"] >= len("123 456,78 €")
    assert widths["D"] >= len("Ouverture de la campagne")
    assert widths["E"] == exports.MAX_WIDTH  # a long text does not make a huge column


def test_column_widths_only_look_at_the_first_rows(app):
    rows = [["a"]] * exports.MEASURED_ROWS + [["long text " * 3]]
    sheet = written(app, ["N"], rows)
    assert sheet.column_dimensions["A"].width == len("N") + 2
    assert sheet.max_row == exports.MEASURED_ROWS + 2  # the rows after them are all there


@pytest.mark.parametrize("text, expected", [
    ("École\x0bdu Centre", "École du Centre"),  # Word's line break, pasted
    ("\x00\x08\x0c\x1f", "    "),
    ("a\ud800b\ufffe\uffff", "a b  "),  # lxml refuses them; a lone surrogate is not even UTF-8
    ("R&D <Fils> \"x\" 'y'", "R&D <Fils> \"x\" 'y'"),
    ("  deux espaces  ", "  deux espaces  "),
    ("ligne\r\nsuivante\r", "ligne\r\nsuivante\r"),
    ("ligne\nsuivante", "ligne\nsuivante"),
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("\x0b=1+1", " =1+1"),  # cleaned first: the formula cannot slip through
    ("\x0b", " "),
    ("@cheque", "'@cheque"),
    ("-2", "'-2"),
    ("+33 1 23", "'+33 1 23"),
    ("\tx", "'\tx"),
    ("_x0041_ et _x005F_", "_x0041_ et _x005F_"),  # not read as "A" and "_"
    ("_x005F_x0041_", "_x005F_x0041_"),
    ("😀 €", "😀 €"),
    ("#N/A", "#N/A"),  # a text, not an error value
])
def test_text_is_escaped_and_cleaned(app, text, expected):
    sheet = written(app, ["Nom"], [[text]])
    assert shown_text(sheet["A2"]) == expected
    assert sheet["A2"].data_type == "s"


def test_a_header_is_cleaned_too(app):
    """Option labels, typed by the staff, are column headers of the memberships export."""
    sheet = written(app, ["=Don\x0b", "Total"], [])
    assert [c.value for c in sheet[1]] == ["'=Don ", "Total"]


def test_surrounding_spaces_are_kept_for_excel(app):
    """Excel trims a text's spaces unless the XML says to preserve them."""
    package = zipfile.ZipFile(io.BytesIO(xlsx_bytes(app, ["Nom"], [["  deux  "]])))
    assert b'<t xml:space="preserve">  deux  </t>' in package.read("xl/worksheets/sheet1.xml")


# Plain text, and text made of the pieces that need care: Excel's escapes, formulas,
# characters XML forbids.
TEXTS = st.text() | st.lists(st.sampled_from(
    ["_x", "_", "x", "0041", "005F", "_x0041_", "=", "-", " ", "\x0b", "\r", "\n", "é", "&<"]
)).map("".join)


@settings(max_examples=80, deadline=None)
@given(st.lists(TEXTS, min_size=1, max_size=5))
def test_any_text_reads_back_as_shown(app, texts):
    sheet = written(app, ["Nom"] * len(texts), [texts])
    assert [shown_text(cell) for cell in sheet[2]] == [expected_text(text) for text in texts]


def test_the_time_zone_is_looked_up_once_per_file(app, monkeypatch):
    lookups = []
    real = localtime.ZoneInfo

    def counted(key):
        lookups.append(key)
        return real(key)

    monkeypatch.setattr(localtime, "ZoneInfo", counted)
    at = datetime(2026, 11, 15, 9, 28)
    written(app, ["Le", "Le"], [[at, at]] * 50)
    assert lookups == ["Europe/Paris"]


def python_calls(function):
    calls = 0

    def count(frame, event, arg):
        nonlocal calls
        calls += event == "call"

    sys.setprofile(count)
    try:
        function()
    finally:
        sys.setprofile(None)
    return calls


def test_few_python_calls_per_cell(app):
    """A deterministic guard of the writer's cost, for a row like the memberships
    export's: 27 Python calls a cell when each amount's and date's format was set cell by
    cell and the time zone looked up for each date, 24 with the formats' styles made once
    per file (most of the rest is openpyxl's own work)."""
    row = ["099-0003", "École primaire", "0990003R", "Bellecombe", "Sud", "Brouillon", 47, 2,
           49, *[Money("108.10")] * 13, datetime(2026, 11, 15, 9, 28), None, "", date(2026, 10, 2),
           None]
    rows = [row] * 1000
    calls = python_calls(lambda: xlsx_bytes(app, ["Colonne"] * len(row), rows))
    assert calls / (len(rows) * len(row)) < 25


def test_a_decimal_that_is_not_money_stays_a_plain_number(app):
    sheet = written(app, ["Valeur"], [[Decimal("1.50")]])
    assert (sheet["A2"].value, sheet["A2"].number_format) == (1.5, "General")
