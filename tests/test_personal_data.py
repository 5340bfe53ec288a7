"""Personal data (GDPR): export everything about a person; anonymise a former mandataire
without changing any amount or head count."""

import json

import pytest

from occe import audit
from occe.models import AuditEvent, Cooperative, Membership, MembershipLine
from occe.personal_data import ANONYMOUS_NAME, ANONYMOUS_PERSON

from .factories import make_campaign, make_cooperative, make_membership, make_user

EMAIL = "claire.lefevre@ac-demo.example.org"


@pytest.fixture
def world(app, campaign):
    """Claire Lefèvre, mandataire of one cooperative over two campaigns, named on lines."""
    coop = make_cooperative(number="099-0001", mandataire_name="Claire Lefèvre", mandataire_email=EMAIL)
    other = make_cooperative(number="099-0002", mandataire_name="Hélène Roussel",
                             mandataire_email="helene@example.org")
    account = make_user("EcoleDemo", cooperative=coop)
    previous = make_campaign(start_year=2025, is_current=False, options=False)
    make_membership(coop, previous, lines=[("CP", "Claire Lefèvre", 1, 22)])
    current = make_membership(coop, campaign, lines=[
        ("CP", "Mme Claire Lefèvre", 1, 24),
        ("CE1", "M. Lefèvre", 1, 26),  # another Lefèvre, maybe: kept
        ("ATSEM", "Mme Petit", 1, 0),
    ])
    make_membership(other, campaign, lines=[("GS", "Hélène Roussel", 1, 25)])
    audit.record("cooperative_updated", f"Mandataire : Claire Lefèvre <{EMAIL}>", cooperative=coop,
                 login="Gestion")
    audit.record("login", user=account)
    return {"coop": coop, "other": other, "account": account, "current": current}


def export(runner, *args):
    result = runner.invoke(args=["personal-data", "export", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # the log lines go to stderr


def test_export_by_email_finds_the_cooperative_lines_and_events(runner, world):
    data = export(runner, EMAIL)
    assert [c["numero"] for c in data["cooperatives"]] == ["099-0001"]
    assert data["cooperatives"][0]["en_tant_que"] == "mandataire"
    assert data["cooperatives"][0]["mandataire"] == "Claire Lefèvre"
    assert sorted((line["campagne"], line["nom"]) for line in data["lignes"]) == [
        ("2025-2026", "Claire Lefèvre"), ("2026-2027", "Mme Claire Lefèvre")]
    assert [e["action"] for e in data["evenements"]] == ["cooperative_updated"]
    assert "Hélène" not in json.dumps(data, ensure_ascii=False)


def test_export_by_login_gives_the_account_its_sessions_and_events(runner, login_as, world):
    login_as(world["account"])
    data = export(runner, "EcoleDemo")
    (account,) = data["comptes"]
    assert account["identifiant"] == "EcoleDemo" and account["cooperative"] == "099-0001"
    assert account["sessions"][0]["adresse"] == "127.0.0.1"
    assert {"login"} <= {e["action"] for e in data["evenements"]}
    text = json.dumps(data)
    assert "password" not in text and "scrypt" not in text and "key_hash" not in text


def test_export_can_search_more_names_in_the_lines(runner, world):
    data = export(runner, EMAIL, "--nom", "Petit")
    assert "Mme Petit" in [line["nom"] for line in data["lignes"]]


def test_export_is_recorded(runner, world):
    export(runner, EMAIL)
    assert AuditEvent.get(AuditEvent.action == "personal_data_exported").login == "cli"


def test_export_of_nobody_says_so(runner, world):
    result = runner.invoke(args=["personal-data", "export", "personne@example.org"])
    assert result.exit_code != 0
    assert "Aucune donnée trouvée pour « personne@example.org »" in result.output


def totals():
    return {m.id: (m.total_cents, m.pupils, m.adults, m.lines.count(), m.snapshot)
            for m in Membership.select()}


def test_anonymising_keeps_every_total_and_line(runner, world):
    before = totals()
    result = runner.invoke(args=["personal-data", "anonymise-mandataire", "099-0001", "--yes"])
    assert result.exit_code == 0, result.output
    assert "2 ligne(s)" in result.output
    assert totals() == before
    coop = Cooperative.get_by_id(world["coop"].id)
    assert coop.mandataire_name == ANONYMOUS_NAME and coop.mandataire_email == ""
    people = [line.person for line in MembershipLine.select().order_by(MembershipLine.id)]
    assert people == [ANONYMOUS_PERSON, ANONYMOUS_PERSON, "M. Lefèvre", "Mme Petit", "Hélène Roussel"]
    details = " ".join(e.detail for e in AuditEvent.select())
    assert "Claire" not in details and EMAIL not in details
    assert Cooperative.get_by_id(world["other"].id).mandataire_name == "Hélène Roussel"
    event = AuditEvent.get(AuditEvent.action == "mandataire_anonymised")
    assert event.cooperative_id == coop.id and "Lefèvre" not in event.detail
    assert export(runner, "EcoleDemo")["comptes"]  # the school's account itself stays


def test_anonymising_asks_first_and_only_once(runner, world):
    result = runner.invoke(args=["personal-data", "anonymise-mandataire", "099-0001"], input="non\n")
    assert "Anonymiser « Claire Lefèvre »" in result.output and result.exit_code != 0
    assert Cooperative.get_by_id(world["coop"].id).mandataire_name == "Claire Lefèvre"
    result = runner.invoke(args=["personal-data", "anonymise-mandataire", "099-0001"], input="oui\n")
    assert result.exit_code == 0
    again = runner.invoke(args=["personal-data", "anonymise-mandataire", "099-0001", "--yes"])
    assert again.exit_code != 0 and "déjà anonymisé" in again.output


def test_anonymising_an_unknown_cooperative(runner, world):
    result = runner.invoke(args=["personal-data", "anonymise-mandataire", "999-9999", "--yes"])
    assert result.exit_code != 0 and "Aucune coopérative n° 999-9999" in result.output
