"""The memberships list: filters, search, sort, pagination, htmx partial, bounded queries."""

import logging

import pytest

from .factories import WORKED_EXAMPLE_LINES, make_cooperative, make_membership
from .staff_helpers import make_staff, pay, receive, validated_by_occe, validated_by_school


@pytest.fixture
def staff(login_as, app):
    return login_as(make_staff())


@pytest.fixture
def schools(campaign):
    """One cooperative at each stage, in two circonscriptions."""
    nord = dict(circonscription="Circonscription Nord")
    sud = dict(circonscription="Circonscription Sud")
    make_cooperative(number="001", school_name="École Alpha", uai="0990011A", **nord)
    make_membership(make_cooperative(number="002", school_name="École Bêta", uai="0990022B", **nord),
                    campaign)
    make_membership(make_cooperative(number="003", school_name="École Gamma", uai="0990033C", **sud),
                    campaign, WORKED_EXAMPLE_LINES)
    delta = validated_by_school(
        make_cooperative(number="004", school_name="École Delta", uai="0990044D", **sud),
        campaign, [("CM1", "X", 1, 20)])
    pay(delta, 5000)
    pay(delta, 700)
    pay(delta, 999, cancelled=True)
    receive(delta)
    validated_by_occe(make_cooperative(number="005", school_name="École Epsilon", uai="0990055E", **nord),
                      campaign, [("CE2", "Y", 2, 10)])


def names(page):
    return [name for name in ("Alpha", "Bêta", "Gamma", "Delta", "Epsilon") if f"École {name}" in page]


@pytest.mark.parametrize("query, expected", [
    ("", ["Alpha", "Bêta", "Gamma", "Delta", "Epsilon"]),
    ("etat=not_started", ["Alpha", "Bêta"]),
    ("etat=draft", ["Gamma"]),
    ("etat=school_validated", ["Delta"]),
    ("etat=occe_validated", ["Epsilon"]),
    ("circonscription=Circonscription+Sud", ["Gamma", "Delta"]),
    ("circonscription=Circonscription+Nord&etat=not_started", ["Alpha", "Bêta"]),
    ("q=gamma", ["Gamma"]),
    ("q=004", ["Delta"]),
    ("q=0990055", ["Epsilon"]),
    ("q=introuvable", []),
    ("etat=nimportequoi", ["Alpha", "Bêta", "Gamma", "Delta", "Epsilon"]),
])
def test_filters_and_search(staff, schools, query, expected):
    page = staff.get(f"/gestion/adhesions?{query}").get_data(as_text=True)
    assert names(page) == [n for n in ["Alpha", "Bêta", "Gamma", "Delta", "Epsilon"] if n in expected]
    if not expected:
        assert "Aucune coopérative ne correspond à ces critères." in page


@pytest.mark.parametrize("sort, expected", [
    ("ecole", ["Alpha", "Bêta", "Delta", "Epsilon", "Gamma"]),
    ("-numero", ["Epsilon", "Delta", "Gamma", "Bêta", "Alpha"]),
    ("-montant", ["Gamma", "Delta", "Epsilon", "Bêta", "Alpha"]),
])
def test_sort(staff, schools, sort, expected):
    page = staff.get(f"/gestion/adhesions?tri={sort}").get_data(as_text=True)
    positions = [page.index(f"École {name}") for name in expected]
    assert positions == sorted(positions)


def test_each_row_shows_due_paid_and_documents(staff, schools):
    page = staff.get("/gestion/adhesions?q=Delta").get_data(as_text=True)
    assert "76,30\xa0€" in page  # due
    assert "57,00\xa0€" in page  # paid: 50 + 7, the cancelled 9,99 left out
    assert "Engagement (02/10)" in page


def test_htmx_gets_only_the_results(staff, schools):
    response = staff.get("/gestion/adhesions?etat=draft",
                         headers={"HX-Request": "true", "HX-Target": "membership-results"})
    body = response.get_data(as_text=True)
    assert '<section id="membership-results"' in body and "<html" not in body
    assert names(body) == ["Gamma"]


def test_the_filters_form_works_without_javascript(staff, schools):
    page = staff.get("/gestion/adhesions").get_data(as_text=True)
    assert 'method="get" action="/gestion/adhesions"' in page
    assert 'hx-get="/gestion/adhesions"' in page and 'hx-push-url="true"' in page
    assert 'hx-target="#membership-results"' in page


def test_pagination_50_a_page(staff, campaign):
    for n in range(55):
        make_cooperative(number=f"P{n:03d}", school_name=f"École P{n:03d}")
    first = staff.get("/gestion/adhesions").get_data(as_text=True)
    second = staff.get("/gestion/adhesions?page=2").get_data(as_text=True)
    assert "École P049" in first and "École P050" not in first
    assert "École P050" in second and "École P054" in second and "École P000" not in second
    assert "page 2 sur 2" in second
    assert "page=2" in first  # the link to the next page
    assert "École P050" in staff.get("/gestion/adhesions?page=99").get_data(as_text=True)


def count_queries(client, url, caplog):
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        assert client.get(url).status_code == 200
    return sum(1 for record in caplog.records if record.name == "peewee")


def test_the_number_of_queries_does_not_grow_with_the_rows(staff, campaign, caplog):
    make_membership(make_cooperative(), campaign, WORKED_EXAMPLE_LINES)
    few = count_queries(staff, "/gestion/adhesions", caplog)
    for _ in range(20):
        membership = validated_by_school(make_cooperative(), campaign, WORKED_EXAMPLE_LINES)
        pay(membership, 1000)
        receive(membership)
    many = count_queries(staff, "/gestion/adhesions", caplog)
    assert many == few
