"""Exports read back as a spreadsheet would: the right sums, French CSV, neutralised formulas."""

import csv
import io
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
