"""Exports read back as a spreadsheet would: the right sums, French CSV, neutralised formulas."""

import csv
import io
from datetime import datetime, time
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from occe.models import Campaign, MembershipOption, Option
from occe.staff.exports import csv_value, neutralise

from .factories import WORKED_EXAMPLE_LINES, make_cooperative, make_membership
from .staff_helpers import make_staff, pay, receive, validated_by_occe, validated_by_school


@pytest.fixture
def staff(login_as, app):
    return login_as(make_staff())


@pytest.fixture
def exported(campaign):
    """A draft (the full worked example: 222,84 € at the demo tariff), a validated
    membership whose tariff changed after its validation (its frozen 76,30 € stays), a
    formula in a school name. The pupil fee goes from 2,30 € to 9,99 €: the draft's 50
    pupils now cost 499,50 €, its total 222,84 + 50 × 7,69 = 607,34 €."""
    draft = make_membership(
        make_cooperative(number="A1", school_name="=HYPERLINK(\"http://x\")", uai="0990011A"),
        campaign, WORKED_EXAMPLE_LINES, declared_value_cents=500_000, subscriptions=1,
    )
    MembershipOption.create(membership=draft, option=Option.get(label="Participation volontaire"),
                            amount_cents=1000)
    validated = validated_by_school(make_cooperative(number="B2", school_name="École Bêta"),
                                    campaign, [("CM1", "+Mme Dupont", 1, 20)])
    Campaign.update(pupil_fee_cents=999).execute()  # after B2's validation
    pay(validated, 5000, reference="@cheque")
    pay(validated, 1000, cancelled=True)
    receive(validated)
    done = validated_by_occe(make_cooperative(number="C3", school_name="École Gamma"), campaign,
                             [("CE2", "Y", 2, 10)])
    pay(done, 5460, mode="virement")
    return campaign


def read_csv(response):
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def euros(text):
    return Decimal(text.replace(",", "."))


def test_memberships_csv(staff, exported):
    response = staff.get("/gestion/exports/adhesions.csv")
    assert response.mimetype == "text/csv"
    assert 'filename="adhesions-2026-2027.csv"' in response.headers["Content-Disposition"]
    rows = {row["N° de coopérative"]: row for row in read_csv(response)}
    assert rows["A1"]["Total"] == "607,34" and rows["A1"]["Assurance des biens"] == "20,64"
    assert rows["A1"]["Participation volontaire"] == "10,00"
    assert rows["A1"]["École"] == "'=HYPERLINK(\"http://x\")"
    assert rows["B2"]["Total"] == "76,30"  # frozen, whatever the new pupil fee
    assert rows["B2"]["Réglé"] == "50,00" and rows["B2"]["Solde"] == "26,30"
    assert rows["B2"]["Engagement reçu le"] == "02/10/2026"
    assert rows["C3"]["État"] == "Validée par l'OCCE" and rows["C3"]["Solde"] == "0,00"
    assert sum(euros(row["Total"]) for row in rows.values()) == Decimal("738.24")
    assert sum(euros(row["Réglé"]) for row in rows.values()) == Decimal("104.60")


def test_a_draft_is_exported_at_the_current_tariff(staff, exported):
    """The draft's pupils (50) at the new fee of 9,99 €: 499,50 €."""
    rows = {row["N° de coopérative"]: row for row in read_csv(staff.get("/gestion/exports/adhesions.csv"))}
    assert rows["A1"]["Adhésions des élèves"] == "499,50"


def test_lines_csv(staff, exported):
    rows = read_csv(staff.get("/gestion/exports/lignes.csv"))
    assert len(rows) == 5
    assert sum(int(row["Élèves"]) for row in rows) == 80
    assert sum(int(row["Assurés"]) for row in rows) == 87
    assert [row["Nom"] for row in rows if row["N° de coopérative"] == "B2"] == ["'+Mme Dupont"]


def test_payments_csv(staff, exported):
    rows = read_csv(staff.get("/gestion/exports/reglements.csv"))
    assert len(rows) == 3
    assert [row["Référence"] for row in rows if row["Montant"] == "50,00"] == ["'@cheque"]
    cancelled = [row for row in rows if row["Annulé le"]]
    assert [row["Motif d'annulation"] for row in cancelled] == ["Chèque sans provision"]
    assert {row["Mode"] for row in rows} == {"Chèque", "Virement"}


@pytest.mark.parametrize("name, rows_expected", [("adhesions", 3), ("lignes", 5), ("reglements", 3)])
def test_xlsx_reads_back(staff, exported, name, rows_expected):
    response = staff.get(f"/gestion/exports/{name}.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == rows_expected + 1


def test_xlsx_amounts_are_numbers_in_euros(staff, exported):
    sheet = load_workbook(io.BytesIO(staff.get("/gestion/exports/adhesions.xlsx").get_data())).active
    header = [cell.value for cell in sheet[1]]
    total = header.index("Total")
    cells = [row[total] for row in sheet.iter_rows(min_row=2)]
    assert all(isinstance(cell.value, (int, float)) for cell in cells)
    assert "€" in cells[0].number_format
    assert round(sum(cell.value for cell in cells), 2) == 738.24
    names = [row[header.index("École")].value for row in sheet.iter_rows(min_row=2)]
    assert names[0] == "'=HYPERLINK(\"http://x\")"


def xlsx_as_csv_text(cell):
    """The cell as the CSV export writes it, checking that its format suits its type."""
    value, fmt = cell.value, cell.number_format
    if value is None:
        return ""
    if isinstance(value, str):
        assert cell.data_type == "s" and fmt == "General"
        return value
    if fmt == '#,##0.00 "€"':
        assert isinstance(value, (int, float))  # a whole amount is read back as an int
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, int):
        assert fmt == "General"
        return str(value)
    assert isinstance(value, datetime)
    if fmt == "DD/MM/YYYY hh:mm":
        return value.strftime("%d/%m/%Y %H:%M")
    assert fmt == "DD/MM/YYYY" and value.time() == time(0)
    return value.strftime("%d/%m/%Y")


@pytest.mark.parametrize("name, title", [
    ("adhesions", "Adhésions"), ("lignes", "Lignes"), ("reglements", "Règlements"),
])
def test_xlsx_holds_what_the_csv_holds(staff, exported, name, title):
    """Cell by cell the same content as the CSV: texts as texts, counts as integers,
    amounts as numbers in euros, dates and times as dates in the association's time."""
    validated_by_school(make_cooperative(number="D4"), exported, [("CP", "Z", 1, 1)],
                        at=datetime(2026, 11, 15, 9, 28))  # UTC: 10:28 in Paris
    csv_rows = read_csv(staff.get(f"/gestion/exports/{name}.csv"))
    sheet = load_workbook(io.BytesIO(staff.get(f"/gestion/exports/{name}.xlsx").get_data())).active
    assert sheet.title == title
    assert [(cell.value, cell.font.b) for cell in sheet[1]] == [(h, True) for h in csv_rows[0]]
    assert [[xlsx_as_csv_text(cell) for cell in row] for row in sheet.iter_rows(min_row=2)] == [
        list(row.values()) for row in csv_rows]
    if name == "adhesions":
        header = [cell.value for cell in sheet[1]]
        d4 = sheet[sheet.max_row]
        assert d4[0].value == "D4"
        assert d4[header.index("Validée par la coopérative le")].value == datetime(2026, 11, 15, 10, 28)
        assert isinstance(d4[header.index("Élèves")].value, int)
    if name == "reglements":
        header = [cell.value for cell in sheet[1]]
        paid_on = sheet.cell(row=2, column=header.index("Date") + 1)
        assert paid_on.number_format == "DD/MM/YYYY" and paid_on.value.time() == time(0)


def test_xlsx_dates_are_not_shown_as_hashes(staff, exported):
    """At the default width (8.43) a spreadsheet shows a date and time as ###."""
    sheet = load_workbook(io.BytesIO(staff.get("/gestion/exports/reglements.xlsx").get_data())).active
    header = [cell.value for cell in sheet[1]]
    for name, shown in [("Date", "02/10/2026"), ("Enregistré le", "15/11/2026 10:28"),
                        ("Annulé le", "15/11/2026 10:28")]:
        letter = sheet.cell(row=1, column=header.index(name) + 1).column_letter
        assert sheet.column_dimensions[letter].width >= len(shown)


def test_xlsx_survives_characters_xml_forbids(staff, exported):
    """A vertical tab pasted from a word processor made openpyxl raise (a 500)."""
    make_membership(make_cooperative(number="E5", school_name="École\x0bdu Centre & <Fils>",
                                     commune="\x0b=1+1", circonscription="=SUM(A1)"),
                    exported, [("CP", "\x01Mme\x0cX", 1, 2)])
    for name in ("adhesions", "lignes"):
        response = staff.get(f"/gestion/exports/{name}.xlsx")
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.get_data())).active
        header = [cell.value for cell in sheet[1]]
        e5 = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == "E5")
        assert e5[header.index("École")].value == "École du Centre & <Fils>"
        assert e5[header.index("Circonscription")].value == "'=SUM(A1)"
        assert all(cell.data_type != "f" for cell in e5)
        if name == "adhesions":
            assert e5[header.index("Commune")].value == " =1+1"
        else:
            assert e5[header.index("Nom")].value == " Mme X"


def test_an_option_label_is_neutralised_in_both_headers(staff, exported):
    """An option's label, typed by the staff, is a column header of the memberships."""
    Option.create(campaign=exported, label="=Don\x0b", kind=Option.FREE, position=9)
    csv_header = list(read_csv(staff.get("/gestion/exports/adhesions.csv"))[0])
    sheet = load_workbook(io.BytesIO(staff.get("/gestion/exports/adhesions.xlsx").get_data())).active
    assert "'=Don\x0b" in csv_header
    assert "'=Don " in [cell.value for cell in sheet[1]]


@pytest.mark.parametrize("text, expected", [
    ("=1+1", "'=1+1"), ("+33 1 23", "'+33 1 23"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("École", "École"), ("a=b", "a=b"),
])
def test_neutralise(text, expected):
    assert neutralise(text) == expected


def test_numbers_are_not_neutralised():
    """A negative balance (overpaid) stays a number for the spreadsheet."""
    assert csv_value(Decimal("-12.50")) == "-12,50"


def test_unknown_export_is_404(staff, exported):
    assert staff.get("/gestion/exports/autre.csv").status_code == 404
    assert staff.get("/gestion/exports/adhesions.pdf").status_code == 404
