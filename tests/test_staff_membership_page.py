"""One membership's page: documents received, payments, validation, reopening, history."""

from datetime import date, timedelta

import pytest

from occe import localtime
from occe.models import AuditEvent, DocumentReceipt, Membership, Payment, User

from .factories import WORKED_EXAMPLE_LINES, make_cooperative, make_membership, make_user
from .staff_helpers import make_staff, pay, receive, validated_by_occe, validated_by_school


@pytest.fixture
def staff(login_as, app):
    return login_as(make_staff())


@pytest.fixture
def membership(campaign):
    """The worked example, validated by the school: 167,20 € due."""
    return validated_by_school(make_cooperative(school_name="École Jean Jaurès"), campaign,
                               WORKED_EXAMPLE_LINES)


def url(membership, action=""):
    return f"/gestion/adhesions/{membership.id}" + (f"/{action}" if action else "")


def reload(membership):
    return Membership.get_by_id(membership.id)


def actions(membership):
    return [e.action for e in AuditEvent.select().where(AuditEvent.membership == membership)
            .order_by(AuditEvent.id)]


def test_the_page_shows_lines_recap_and_balance(staff, membership):
    page = staff.get(url(membership)).get_data(as_text=True)
    assert "École Jean Jaurès" in page and "Validée par la coopérative" in page
    assert "Mme Martin" in page and "ATSEM" in page
    assert "Forfait de base par coopérative" in page and "167,20\xa0€" in page
    assert "reste à payer" in page


def test_an_unknown_membership_is_404(staff, membership):
    assert staff.get("/gestion/adhesions/999").status_code == 404


@pytest.mark.parametrize("kind, label", list(DocumentReceipt.KINDS.items()))
def test_recording_a_document_received(staff, membership, kind, label):
    response = staff.post(url(membership, f"documents/{kind}"),
                          data={f"{kind}-received_on": "2026-10-15"})
    assert response.status_code == 303
    receipt = DocumentReceipt.get(membership=membership, kind=kind)
    assert receipt.received_on == date(2026, 10, 15)
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "Reçu le 15 octobre 2026" in page and "réception enregistrée" in page
    assert "document_received" in actions(membership)


def test_a_date_typed_the_french_way_is_accepted_and_corrected(staff, membership):
    staff.post(url(membership, "documents/engagement"), data={"engagement-received_on": "2026-10-15"})
    staff.post(url(membership, "documents/engagement"), data={"engagement-received_on": "16/10/2026"})
    assert [r.received_on for r in DocumentReceipt.select()] == [date(2026, 10, 16)]


def test_the_future_starts_after_the_associations_today(app, staff, membership):
    """Kiritimati (UTC+14) is always a day or two ahead of Pago Pago (UTC−11): its today
    is a date of the past or present there, of the future in Pago Pago."""
    app.config["TIMEZONE"] = "Pacific/Kiritimati"
    with app.app_context():
        today_in_kiritimati = localtime.today().isoformat()
    response = staff.post(url(membership, "documents/engagement"),
                          data={"engagement-received_on": today_in_kiritimati})
    assert response.status_code == 303
    app.config["TIMEZONE"] = "Pacific/Pago_Pago"
    response = staff.post(url(membership, "documents/changement"),
                          data={"changement-received_on": today_in_kiritimati})
    assert response.status_code == 422
    assert "La date ne peut pas être dans le futur." in response.get_data(as_text=True)


@pytest.mark.parametrize("value, message", [
    ("", "Indiquez la date de réception."),
    ("demain", "Indiquez une date au format jj/mm/aaaa"),
    ((date.today() + timedelta(days=2)).isoformat(), "La date ne peut pas être dans le futur."),
])
def test_a_bad_receipt_date_is_refused_beside_the_field(staff, membership, value, message):
    response = staff.post(url(membership, "documents/engagement"),
                          data={"engagement-received_on": value})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'id="engagement-received_on-error"' in page
    assert DocumentReceipt.select().count() == 0


def test_removing_a_document_recorded_by_mistake(staff, membership):
    receive(membership)
    assert staff.post(url(membership, "documents/engagement/retrait")).status_code == 303
    assert DocumentReceipt.select().count() == 0
    assert "document_removed" in actions(membership)


def test_recording_payments_with_a_decimal_comma(staff, membership):
    response = staff.post(url(membership, "reglements"), data={
        "amount": "100,20", "mode": "cheque", "paid_on": "2026-10-10", "reference": "Chèque n° 42",
    })
    assert response.status_code == 303
    staff.post(url(membership, "reglements"), data={
        "amount": "67", "mode": "virement", "paid_on": "12/10/2026", "reference": "",
    })
    payments = list(Payment.select().order_by(Payment.id))
    assert [(p.amount_cents, p.mode, p.paid_on) for p in payments] == [
        (10020, "cheque", date(2026, 10, 10)), (6700, "virement", date(2026, 10, 12)),
    ]
    page = staff.get(url(membership)).get_data(as_text=True)
    assert "Chèque n° 42" in page and "soldé" in page
    assert actions(membership).count("payment_recorded") == 2


@pytest.mark.parametrize("amount, mode, message", [
    ("", "cheque", "Indiquez le montant reçu."),
    ("douze", "cheque", "Indiquez un montant en euros"),
    ("-5", "cheque", "Le montant ne peut pas être négatif."),
    ("0", "cheque", "Le montant doit être supérieur à zéro."),
    ("12,345", "cheque", "deux décimales au plus"),
    ("12", "especes", "Choisissez une valeur de la liste."),
])
def test_a_bad_payment_is_refused_and_what_was_typed_is_kept(staff, membership, amount, mode, message):
    response = staff.post(url(membership, "reglements"), data={
        "amount": amount, "mode": mode, "paid_on": "2026-10-10", "reference": "Réf. gardée",
    })
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'value="Réf. gardée"' in page
    assert Payment.select().count() == 0


def test_cancelling_a_payment_with_a_reason(staff, membership):
    payment = pay(membership, 16720)
    response = staff.post(url(membership, f"reglements/{payment.id}/annulation"),
                          data={f"annulation-{payment.id}-reason": "Chèque sans provision"})
    assert response.status_code == 303
    payment = Payment.get_by_id(payment.id)
    assert payment.cancelled_at is not None and payment.cancel_reason == "Chèque sans provision"
    page = staff.get(url(membership)).get_data(as_text=True)
    assert "Annulé" in page and "Chèque sans provision" in page and "reste à payer" in page
    again = staff.post(url(membership, f"reglements/{payment.id}/annulation"),
                       data={f"annulation-{payment.id}-reason": "Encore"})
    assert again.status_code == 409
    assert "déjà annulé" in again.get_data(as_text=True)


def test_cancelling_without_a_reason_is_refused(staff, membership):
    payment = pay(membership, 16720)
    response = staff.post(url(membership, f"reglements/{payment.id}/annulation"),
                          data={f"annulation-{payment.id}-reason": "  "})
    assert response.status_code == 422
    assert "Indiquez pourquoi ce règlement est annulé." in response.get_data(as_text=True)
    assert Payment.get_by_id(payment.id).cancelled_at is None


def test_a_payment_of_another_membership_is_404(staff, membership, campaign):
    other = pay(make_membership(make_cooperative(), campaign), 500)
    response = staff.post(url(membership, f"reglements/{other.id}/annulation"),
                          data={f"annulation-{other.id}-reason": "x"})
    assert response.status_code == 404


def test_validating_a_complete_file(staff, membership):
    receive(membership)
    pay(membership, 16720)
    page = staff.get(url(membership)).get_data(as_text=True)
    assert "l'adhésion peut être validée" in page and "Motif de la validation" not in page
    response = staff.post(url(membership, "validation"), data={})
    assert response.status_code == 303
    validated = reload(membership)
    assert validated.state == Membership.OCCE_VALIDATED
    assert validated.occe_validated_at is not None and validated.occe_validated_by.login == "Gestion"
    assert "membership_occe_validated" in actions(membership)


@pytest.mark.parametrize("paid, received, missing", [
    (0, True, "il manque 167,20"),
    (16000, True, "il manque 7,20"),
    (16720, False, "Aucun document reçu"),
])
def test_an_incomplete_file_needs_a_reason(staff, membership, paid, received, missing):
    if paid:
        pay(membership, paid)
    if received:
        receive(membership, DocumentReceipt.CHANGEMENT)
    page = staff.get(url(membership)).get_data(as_text=True)
    assert missing in page and "Motif de la validation" in page
    refused = staff.post(url(membership, "validation"), data={"validation-reason": ""})
    assert refused.status_code == 422
    assert "indiquez pourquoi vous validez quand même" in refused.get_data(as_text=True)
    assert reload(membership).state == Membership.SCHOOL_VALIDATED
    accepted = staff.post(url(membership, "validation"),
                          data={"validation-reason": "Chèque annoncé par la directrice"})
    assert accepted.status_code == 303
    validated = reload(membership)
    assert validated.state == Membership.OCCE_VALIDATED
    assert validated.occe_validation_reason == "Chèque annoncé par la directrice"


@pytest.mark.parametrize("state", [Membership.DRAFT, Membership.OCCE_VALIDATED])
def test_only_a_membership_validated_by_the_school_can_be_validated(staff, membership, state):
    Membership.update(state=state).where(Membership.id == membership.id).execute()
    response = staff.post(url(membership, "validation"), data={"validation-reason": "x"})
    assert response.status_code == 409
    assert reload(membership).state == state


def test_reopening_puts_it_back_to_draft_and_the_school_sees_it(staff, login_as, campaign):
    school = make_user("EcoleDemo")
    membership = validated_by_occe(school.cooperative, campaign, WORKED_EXAMPLE_LINES)
    assert "Validée par l&#39;OCCE" in login_as(school).get("/adhesion/").get_data(as_text=True)
    response = staff.post(url(membership, "reouverture"), data={
        "reouverture-expected_state": Membership.OCCE_VALIDATED,
        "reouverture-reason": "Une classe manque",
    })
    assert response.status_code == 303
    reopened = reload(membership)
    assert reopened.state == Membership.DRAFT
    assert reopened.snapshot is None and reopened.occe_validated_at is None
    assert reopened.school_validated_at is None and reopened.total_cents == 16720
    event = AuditEvent.get(AuditEvent.action == "membership_reopened")
    assert event.detail == "Une classe manque" and event.user.role == User.STAFF
    assert "Brouillon" in login_as(school).get("/adhesion/").get_data(as_text=True)
    history = staff.get(url(membership)).get_data(as_text=True)
    assert "Adhésion rouverte" in history and "Une classe manque" in history


def test_reopening_needs_a_reason(staff, membership):
    response = staff.post(url(membership, "reouverture"), data={
        "reouverture-expected_state": Membership.SCHOOL_VALIDATED, "reouverture-reason": "",
    })
    assert response.status_code == 422
    assert "Indiquez pourquoi l&#39;adhésion est rouverte" in response.get_data(as_text=True)
    assert reload(membership).state == Membership.SCHOOL_VALIDATED


def test_reopening_what_changed_meanwhile_is_refused(staff, membership):
    """Two staff members on the same page: the second one's reopening does nothing."""
    response = staff.post(url(membership, "reouverture"), data={
        "reouverture-expected_state": Membership.OCCE_VALIDATED, "reouverture-reason": "x",
    })
    assert response.status_code == 409
    assert reload(membership).state == Membership.SCHOOL_VALIDATED
    assert "membership_reopened" not in actions(membership)


def test_the_history_lists_the_actions_in_french(staff, membership):
    staff.post(url(membership, "documents/engagement"), data={"engagement-received_on": "2026-10-15"})
    staff.post(url(membership, "reglements"), data={"amount": "167,20", "mode": "cheque",
                                                     "paid_on": "2026-10-15"})
    staff.post(url(membership, "validation"), data={})
    page = staff.get(url(membership)).get_data(as_text=True)
    history = page[page.index("Historique"):]
    assert history.index("Adhésion validée par l&#39;OCCE") < history.index("Règlement enregistré")
    assert "Engagement du mandataire reçu le 15/10/2026" in history
    assert "167,20\xa0€ par chèque du 15/10/2026" in history
