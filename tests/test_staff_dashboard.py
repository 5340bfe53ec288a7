"""The campaign dashboard: counts by state and amounts, against figures worked out by hand."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from occe import localtime
from occe.models import Membership
from occe.money import format_euros
from occe.staff import reports

from .factories import WORKED_EXAMPLE_LINES, make_cooperative, make_membership
from .staff_helpers import make_staff, pay, validated_by_occe, validated_by_school


@pytest.fixture
def campaign_in_progress(app, campaign):
    """Five cooperatives, one at each stage (amounts at the demo tariff, worked out by hand).

    - A: no membership; B: an empty draft                      → not started (2)
    - C: draft, the worked example: 50 pupils, 4 adults        → 167,20 €
    - D: validated by the school, 1 adult 20 pupils            → 20 + 46 + 4 + 6,30 = 76,30 €,
         paid 50,00 €
    - E: validated by the OCCE, 2 adults 10 pupils             → 20 + 23 + 8 + 3,60 = 54,60 €,
         paid 30,00 € (and 10,00 € cancelled)
    """
    make_cooperative(school_name="A")
    make_membership(make_cooperative(school_name="B"), campaign)
    make_membership(make_cooperative(school_name="C"), campaign, WORKED_EXAMPLE_LINES)
    d = validated_by_school(make_cooperative(school_name="D"), campaign, [("CM1", "X", 1, 20)],
                            at=datetime(2026, 10, 7, 9, 0))
    pay(d, 5000)
    e = validated_by_occe(make_cooperative(school_name="E"), campaign, [("CE2", "Y", 2, 10)],
                          at=datetime(2026, 10, 14, 9, 0))
    pay(e, 3000)
    pay(e, 1000, cancelled=True)
    return campaign


def test_figures_match_the_hand_computed_ones(campaign_in_progress):
    figures = reports.campaign_figures(campaign_in_progress)
    counts = {state: row.memberships for state, row in figures.by_state.items()}
    assert counts == {"not_started": 2, "draft": 1, "school_validated": 1, "occe_validated": 1}
    assert figures.cooperatives == 5
    assert (figures.pupils, figures.adults, figures.insured) == (80, 7, 87)
    assert figures.due_cents == 7630 + 5460
    assert figures.draft_due_cents == 16720
    assert figures.received_cents == 8000
    assert figures.outstanding_cents == 13090 - 8000
    assert figures["school_validated"].outstanding_cents == 2630


def test_the_dashboard_shows_the_figures(login_as, campaign_in_progress):
    page = login_as(make_staff()).get("/gestion/").get_data(as_text=True)
    assert "Tableau de bord — campagne 2026-2027" in page
    for amount in ("130.90", "80.00", "50.90", "167.20"):
        assert format_euros(Decimal(amount)) in page
    assert "Non commencée" in page and "Validée par l&#39;OCCE" in page
    assert ">87</span>" in page  # insured persons


def weekly(app, campaign, today=date(2026, 10, 20)):
    """Return ``{Monday: (validated by the school, by the OCCE)}`` up to ``today``."""
    with app.app_context():
        return {week.monday: (week.school, week.occe)
                for week in reports.weekly_validations(campaign, today=today)}


def test_weekly_validations_count_each_week(app, campaign_in_progress):
    with app.app_context():
        weeks = reports.weekly_validations(campaign_in_progress, today=date(2026, 10, 20))
    assert weeks[0].monday == date(2026, 8, 31)  # the week of the opening, 1 September
    assert weeks[-1].monday == date(2026, 10, 19)
    by_monday = {week.monday: (week.school, week.occe) for week in weeks}
    # E was validated by the school and by the OCCE in the week of 12 October.
    assert by_monday[date(2026, 10, 5)] == (1, 0)
    assert by_monday[date(2026, 10, 12)] == (1, 1)
    assert sum(week.school for week in weeks) == 2


def test_a_week_is_the_associations_week(app, campaign):
    """Timestamps are in UTC; the weeks are Paris's. Sunday 11 October 2026, 23:45 in Paris
    is 21:45 UTC; Monday 12 October, 00:30 in Paris is still Sunday 22:30 UTC."""
    for at in (datetime(2026, 10, 11, 21, 45), datetime(2026, 10, 11, 22, 30)):
        validated_by_school(make_cooperative(), campaign, [("CP", "X", 1, 20)], at=at)
    weeks = weekly(app, campaign)
    assert weeks[date(2026, 10, 5)] == (1, 0)
    assert weeks[date(2026, 10, 12)] == (1, 0)


def test_a_week_in_a_time_zone_a_half_hour_off(app, campaign):
    """In the Marquesas (UTC−9:30), Monday 12 October at 09:15 UTC is Sunday 23:45 there,
    09:45 UTC is Monday 00:15: the groups of a quarter hour fall on one side each."""
    app.config["TIMEZONE"] = "Pacific/Marquesas"
    for minute in (15, 29, 30, 45):
        validated_by_occe(make_cooperative(), campaign, [("CP", "X", 1, 20)],
                          at=datetime(2026, 10, 12, 9, minute))
    weeks = weekly(app, campaign)
    assert weeks[date(2026, 10, 5)] == (2, 2)
    assert weeks[date(2026, 10, 12)] == (2, 2)


def test_today_is_the_associations_day(app):
    """Kiritimati (UTC+14) is always a day or two ahead of Pago Pago (UTC−11)."""
    with app.app_context():
        app.config["TIMEZONE"] = "Pacific/Kiritimati"
        ahead = localtime.today()
        app.config["TIMEZONE"] = "Pacific/Pago_Pago"
        behind = localtime.today()
    assert 1 <= (ahead - behind).days <= 2


def test_the_chart_is_an_accessible_svg_with_its_table(login_as, campaign_in_progress):
    page = login_as(make_staff()).get("/gestion/").get_data(as_text=True)
    assert '<svg viewBox="0 0 720 240" role="img" aria-labelledby="chart-title chart-desc"' in page
    assert "<title id=\"chart-title\">Adhésions validées par semaine</title>" in page
    assert page.count('class="chart__bar chart__bar--school"') == 2
    assert page.count('class="chart__bar chart__bar--occe"') == 1
    assert "Semaine du" in page and "5 octobre 2026" in page


def test_the_dashboard_of_an_install_without_campaign(login_as, app):
    page = login_as(make_staff()).get("/gestion/").get_data(as_text=True)
    assert "Aucune campagne n'est en cours" in page


def test_an_overpayment_does_not_reduce_what_the_others_owe(campaign_in_progress):
    """E (54,60 €) overpaid by 100 €: D still owes 26,30 €, E nothing."""
    e = Membership.get(Membership.total_cents == 5460)
    pay(e, 10000)
    figures = reports.campaign_figures(campaign_in_progress)
    assert figures.outstanding_cents == 2630
    assert figures.received_cents == 18000
