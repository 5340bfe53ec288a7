"""Property-based fuzzing of every form through the test client (Hypothesis).

Each form gets arbitrary text (any Unicode, control characters, NUL, very long strings),
numbers out of range, non-numbers and missing fields. Whatever is sent: never a 500,
what is stored stays within the model's bounds, and a membership's stored totals and
shown recap always equal the fee rule applied to what is stored.

The app is built once for the module (not by the function-scoped ``app`` fixture, which
Hypothesis would share between examples); the properties hold over whatever earlier
examples left. ``OCCE_FUZZ_EXAMPLES`` sets the examples per test (default 25: the file
runs in about a minute); raise it for a long run.
"""

import io
import os
import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from occe import create_app, fees, localtime
from occe.db import db
from occe.membership import forms as line_rules
from occe.membership.service import refresh_totals
from occe.models import (
    Campaign,
    Cooperative,
    DocumentReceipt,
    Membership,
    MembershipLine,
    MembershipOption,
    Option,
    Payment,
    User,
)
from occe.money import format_euros, from_cents, to_cents
from occe.passwords import verify_password
from occe.schema import upgrade

from . import factories
from . import conftest
from .conftest import AuthActions
from .membership_support import HTMX, recap_total

EXAMPLES = int(os.environ.get("OCCE_FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None)
STATEFUL = settings(max_examples=max(EXAMPLES // 2, 5), stateful_step_count=20, deadline=None)

# What a form post may answer: saved (303, or 200 to htmx), refused with messages (422),
# refused by the membership's state (409). Never a 500.
ANSWERS = {200, 303, 409, 422}
MISSING = object()
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# --- Strategies ------------------------------------------------------------------------

ODD_TEXTS = [
    "", " ", "\x00", "a\x00b", "\t", "\r\n", "\u202e", "\ufeff", "\u00a0", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "é" * 61,
    "0", "-1", "-0", "99999999999999999999", "1e309", "NaN", "Infinity", "١٢", "²", "1,5",
    "1.005", " 12 ", "12,345", "5 000,50 €", "<script>alert(1)</script>", "' OR 1=1 --", "%00",
    "\x7f", "{{ 7*7 }}",
]
texts = st.one_of(
    st.text(max_size=90),
    st.sampled_from(ODD_TEXTS),
    # Very long: one character repeated, up to 20 000 times (one a browser can send: a
    # lone surrogate cannot even be put in a URL-encoded form).
    st.builds(lambda ch, n: ch * n, st.characters(codec="utf-8"), st.integers(0, 20_000)),
)
numbers = st.one_of(
    st.integers(-10**3, 10**3).map(str),
    st.integers().map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(str),
    texts,
)


def form(**fields):
    """A strategy for a form's data: each field a value or absent."""
    return st.fixed_dictionaries(
        {name: st.one_of(st.just(MISSING), strategy) for name, strategy in fields.items()}
    ).map(lambda data: {k: v for k, v in data.items() if v is not MISSING})


# Half of the lines are plausible (most then save) so that saved data builds up; the
# other half is anything at all.
words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=65)
plausible_lines = st.fixed_dictionaries({
    "label": words, "person": words,
    "adults": st.integers(0, 21).map(str), "pupils": st.integers(0, 100).map(str),
})
line_forms = st.one_of(plausible_lines, form(label=texts, person=texts, adults=numbers, pupils=numbers))
htmx_or_not = st.sampled_from([{}, HTMX])


# --- The app, built once ---------------------------------------------------------------


class World:
    """The app, its campaign with one option of each kind, and clients logged in."""

    def __init__(self, app):
        self.app = app
        with app.app_context():
            self.campaign = factories.make_campaign()
            self.options = [
                Option.create(campaign=self.campaign, label=label, kind=kind, price_cents=price,
                              visible=True, position=3)
                for label, kind, price in [("Carte", Option.FLAT, 300), ("Agenda", Option.QUANTITY, 650)]
            ]
            self.option_ids = [o.id for o in Option.select().where(Option.campaign == self.campaign.id)]
            self.school = factories.make_user("EcoleFuzz")
            self.staff = factories.make_user("AgentFuzz", role=User.STAFF)
            self.admin = factories.make_user("AdminFuzz", role=User.ADMIN)
            self.password_user = factories.make_user("EcoleMotDePasse")
            self.machine_school = factories.make_user("EcoleSequences")
            for school in (self.school, self.machine_school):
                factories.make_membership(school.cooperative, self.campaign)
            # A membership the school validated, for the staff's forms.
            self.staff_target = factories.make_membership(
                factories.make_cooperative(), self.campaign, lines=factories.WORKED_EXAMPLE_LINES,
                state=Membership.SCHOOL_VALIDATED)
        self.password = factories.PASSWORD
        self.school_client = self.login(self.school)
        self.staff_client = self.login(self.staff)
        self.admin_client = self.login(self.admin)
        self.password_client = self.login(self.password_user)

    def login(self, user):
        client = self.app.test_client()
        assert AuthActions(client).login(user.login).status_code == 303
        return client

    def membership(self):
        return Membership.get(cooperative=self.school.cooperative_id, campaign=self.campaign.id)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("fuzz")
    url = conftest.test_database_url(tmp_path)
    app = create_app({
        "TESTING": True, "SECRET_KEY": "fuzz-secret", "DATA_DIR": str(tmp_path),
        "DATABASE_URL": url, "WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False,
    })
    with app.app_context():
        if conftest.on_server(url):
            conftest.reset_database()
        upgrade()
        factories.make_association()
    yield World(app)
    if not db.is_closed():
        db.close()


def post(client, path, data, headers=None):
    """POST and check the answer is one a person can read: never a 500."""
    response = client.post(path, data=data, headers=headers or {})
    assert response.status_code in ANSWERS, (response.status_code, data)
    if response.status_code == 422:
        # The page says what is wrong in French (a message beside a field, or in the area).
        body = response.get_data(as_text=True)
        assert "field__error" in body or "message--error" in body or "card--error" in body, body[:2000]
    return response


# --- Bounds of what is stored ----------------------------------------------------------


def assert_text(value, maximum, required=True, typed_line=False):
    """Within its length, never a NUL; a one-line text never a control character."""
    assert isinstance(value, str) and len(value) <= maximum
    assert "\x00" not in value
    if required:
        assert value.strip()
    if typed_line:
        assert not CONTROL.search(value)


def assert_lines_within_bounds():
    counts = {}
    for line in MembershipLine.select():
        assert_text(line.label, line_rules.LABEL_MAX, typed_line=True)
        assert_text(line.person, line_rules.PERSON_MAX, typed_line=True)
        assert line.label == line.label.strip() and line.person == line.person.strip()
        assert 0 <= line.adults <= line_rules.ADULTS_MAX
        assert 0 <= line.pupils <= line_rules.PUPILS_MAX
        assert line.adults + line.pupils >= 1
        counts[line.membership_id] = counts.get(line.membership_id, 0) + 1
    assert all(count <= line_rules.MAX_LINES for count in counts.values())


def expected_recap(membership):
    """The fee rule applied directly to the rows stored for ``membership``."""
    campaign = Campaign.get_by_id(membership.campaign_id)
    chosen = {c.option_id: c for c in MembershipOption.select().where(
        MembershipOption.membership == membership.id)}
    options = []
    for option in Option.select().where(Option.campaign == campaign.id).order_by(Option.position, Option.id):
        choice = chosen.get(option.id)
        options.append(fees.OptionChoice(
            label=option.label, kind=option.kind, price=from_cents(option.price_cents),
            quantity=choice.quantity if choice else 0,
            amount=from_cents(choice.amount_cents) if choice else fees.ZERO,
            visible=option.visible,
        ))
    lines = MembershipLine.select(MembershipLine.adults, MembershipLine.pupils).where(
        MembershipLine.membership == membership.id).tuples()
    return fees.compute_recap(campaign.tariff(), lines=list(lines),
                              declared_value=from_cents(membership.declared_value_cents),
                              subscriptions=membership.subscriptions, options=options)


def assert_membership_follows_the_rule(membership, client=None):
    """Stored totals, and the recap shown, equal the fee rule applied to the stored rows."""
    membership = Membership.get_by_id(membership.id)
    assert 0 <= membership.declared_value_cents <= to_cents(Decimal("10000000"))
    assert 0 <= membership.subscriptions <= line_rules.SUBSCRIPTIONS_MAX
    for choice in MembershipOption.select().where(MembershipOption.membership == membership.id):
        assert 0 <= choice.quantity <= line_rules.OPTION_QUANTITY_MAX
        assert 0 <= choice.amount_cents <= to_cents(line_rules.FREE_AMOUNT_MAX)
    if not membership.is_draft:
        return
    recap = expected_recap(membership)
    assert (membership.pupils, membership.adults) == (recap.pupils, recap.adults)
    assert membership.total_cents == to_cents(recap.total)
    if client is not None:
        page = client.get("/adhesion/").get_data(as_text=True)
        assert recap_total(page) == format_euros(recap.total).replace("\u202f", " ").replace("\xa0", " ")


# --- The school's forms ----------------------------------------------------------------


@FUZZ
@given(data=line_forms, headers=htmx_or_not)
def test_fuzzed_new_lines_keep_the_bounds_and_the_fee_rule(world, data, headers):
    before = MembershipLine.select().count()
    response = post(world.school_client, "/adhesion/lignes", data, headers)
    saved = response.status_code in (200, 303)
    assert MembershipLine.select().count() == before + saved
    assert_lines_within_bounds()
    assert_membership_follows_the_rule(world.membership())


@FUZZ
@given(data=line_forms, headers=htmx_or_not)
def test_a_fuzzed_line_edit_saves_clean_values_or_changes_nothing(world, data, headers):
    line = MembershipLine.create(membership=world.membership(),
                                 label="CP", person="Mme Martin", adults=1, pupils=20)
    try:
        response = post(world.school_client, f"/adhesion/lignes/{line.id}", data, headers)
        stored = MembershipLine.get_by_id(line.id)
        if response.status_code in (200, 303):
            assert stored.label == line_rules.clean_text(data.get("label"))
            assert stored.person == line_rules.clean_text(data.get("person"))
        else:
            assert (stored.label, stored.person, stored.adults, stored.pupils) == ("CP", "Mme Martin", 1, 20)
        assert_lines_within_bounds()
    finally:
        MembershipLine.delete_by_id(line.id)


def options_forms(world):
    """The options form over the campaign's first options (a fixed set: Hypothesis replays
    an example with the same fields even when the option tests have added some since)."""
    names = ["declared_value", "subscriptions"] + [f"option-{id}" for id in world.option_ids]
    plausible = st.one_of(st.integers(-1, 120).map(str),
                          st.decimals(0, 20_000, places=2).map(lambda d: str(d).replace(".", ",")))
    return form(**{name: st.one_of(plausible, numbers) for name in names},
                shown_errors=st.sampled_from(["", "1"]))


@FUZZ
@given(data=st.data(), headers=htmx_or_not)
def test_fuzzed_options_keep_the_bounds_and_the_fee_rule(world, data, headers):
    values = data.draw(options_forms(world))
    membership = world.membership()
    before = (membership.declared_value_cents, membership.subscriptions,
              list(MembershipOption.select().where(MembershipOption.membership == membership.id)
                   .order_by(MembershipOption.id).tuples()))
    response = post(world.school_client, "/adhesion/options", values, headers)
    if response.status_code == 422:
        after = Membership.get_by_id(membership.id)
        assert before == (after.declared_value_cents, after.subscriptions, list(
            MembershipOption.select().where(MembershipOption.membership == membership.id)
            .order_by(MembershipOption.id).tuples()))
    assert_membership_follows_the_rule(membership, world.school_client)


@FUZZ
@given(data=form(current=st.one_of(texts, st.just("<current>")),
                 new=st.one_of(texts, st.sampled_from(["lanterne-violon-marée-basse", "tortue-orage-42-cerf"])),
                 confirmation=st.one_of(texts, st.just("<new>"))))
def test_a_fuzzed_password_change_is_refused_in_french_or_really_done(world, data):
    if data.get("current") == "<current>":
        data["current"] = world.password
    if data.get("confirmation") == "<new>":
        data["confirmation"] = data.get("new", "")
    response = post(world.password_client, "/mot-de-passe", data)
    user = User.get_by_id(world.password_user.id)
    if response.status_code == 303:
        assert verify_password(user.password_hash, data["new"])
        world.password = data["new"]
    else:
        assert verify_password(user.password_hash, world.password)


@FUZZ
@given(notes=st.one_of(st.just(MISSING), texts), headers=htmx_or_not)
def test_fuzzed_notes_are_kept_within_bounds(world, notes, headers):
    before = Cooperative.get_by_id(world.school.cooperative_id).private_notes
    response = post(world.school_client, "/notes", {} if notes is MISSING else {"notes": notes}, headers)
    stored = Cooperative.get_by_id(world.school.cooperative_id).private_notes
    assert len(stored) <= 5000 and "\x00" not in stored
    if response.status_code == 422:
        assert stored == before


# --- The staff's forms -----------------------------------------------------------------


dates = st.one_of(st.dates().map(str), st.dates().map(lambda d: d.strftime("%d/%m/%Y")), texts)


@FUZZ
@given(data=form(amount=numbers, mode=st.one_of(st.sampled_from(list(Payment.MODES)), texts),
                 paid_on=dates, reference=texts))
def test_fuzzed_payments_are_positive_and_bounded(world, data):
    membership = world.staff_target
    before = Payment.select().count()
    response = post(world.staff_client, f"/gestion/adhesions/{membership.id}/reglements", data)
    assert Payment.select().count() == before + (response.status_code == 303)
    for payment in Payment.select():
        assert 0 < payment.amount_cents <= to_cents(Decimal("10000000"))
        assert payment.mode in Payment.MODES
        assert_text(payment.reference, 80, required=False, typed_line=True)


@FUZZ
@given(kind=st.sampled_from(list(DocumentReceipt.KINDS)), received_on=st.one_of(st.just(MISSING), dates))
def test_fuzzed_receipt_dates_are_real_and_not_in_the_future(world, kind, received_on):
    data = {} if received_on is MISSING else {f"{kind}-received_on": received_on}
    post(world.staff_client, f"/gestion/adhesions/{world.staff_target.id}/documents/{kind}", data)
    with world.app.app_context():
        today = localtime.today()
    for receipt in DocumentReceipt.select():
        assert receipt.received_on <= today


@FUZZ
@given(step=st.sampled_from(["validation", "reouverture", "annulation"]),
       reason=st.one_of(st.just(MISSING), texts),
       expected_state=st.one_of(st.sampled_from(list(Membership.STATES)), texts))
def test_fuzzed_reasons_are_bounded_and_states_stay_known(world, step, reason, expected_state):
    membership = world.staff_target
    data = {} if reason is MISSING else {f"{step}-reason": reason}
    if step == "validation":
        path = f"/gestion/adhesions/{membership.id}/validation"
    elif step == "reouverture":
        data["reouverture-expected_state"] = expected_state
        path = f"/gestion/adhesions/{membership.id}/reouverture"
    else:
        payment = Payment.create(membership=membership, amount_cents=1000, mode="cheque",
                                 paid_on="2026-10-01")
        data = {} if reason is MISSING else {f"annulation-{payment.id}-reason": reason}
        path = f"/gestion/adhesions/{membership.id}/reglements/{payment.id}/annulation"
    post(world.staff_client, path, data)
    stored = Membership.get_by_id(membership.id)
    assert stored.state in Membership.STATES
    assert_text(stored.occe_validation_reason, 500, required=False)
    for payment in Payment.select().where(Payment.cancelled_at.is_null(False)):
        assert_text(payment.cancel_reason, 500)
    if stored.state == Membership.DRAFT:
        assert_membership_follows_the_rule(stored)
        # Back to school-validated for the next example, as the school would do.
        Membership.update(state=Membership.SCHOOL_VALIDATED).where(Membership.id == membership.id).execute()


COOPERATIVE_FIELDS = {"number": 20, "school_name": 120, "uai": 8, "commune": 80, "circonscription": 80,
                      "email": 200, "mandataire_name": 80, "mandataire_email": 200}


def assert_cooperatives_within_bounds():
    for coop in Cooperative.select():
        for name, maximum in COOPERATIVE_FIELDS.items():
            assert_text(getattr(coop, name), maximum, required=name in ("number", "school_name"),
                        typed_line=True)


uais = st.one_of(texts, st.sampled_from(["0990001N", "0990001n", "0990001A", " 0990101X "]))
emails = st.one_of(texts, st.just("prenom.nom@ac-exemple.fr"))
cooperative_forms = form(number=texts, school_name=texts, uai=uais, commune=texts, circonscription=texts,
                         email=emails, mandataire_name=texts, mandataire_email=emails)


@FUZZ
@given(data=cooperative_forms, edit=st.booleans())
def test_fuzzed_cooperative_forms_keep_the_bounds(world, data, edit):
    path = (f"/gestion/cooperatives/{world.staff_target.cooperative_id}" if edit
            else "/gestion/cooperatives/nouvelle")
    before = Cooperative.get_by_id(world.staff_target.cooperative_id)
    response = post(world.staff_client, path, data)
    if edit and response.status_code == 422:
        assert Cooperative.get_by_id(before.id).__data__ == before.__data__
    assert_cooperatives_within_bounds()


@FUZZ
@given(data=form(login=st.one_of(texts, st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{2,70}", fullmatch=True)),
                 role=st.one_of(st.sampled_from(list(User.ROLES)), texts),
                 cooperative_number=st.one_of(texts, st.just("__target__"))))
def test_fuzzed_account_forms_create_only_valid_accounts(world, data):
    if data.get("cooperative_number") == "__target__":
        data["cooperative_number"] = Cooperative.get_by_id(world.staff_target.cooperative_id).number
    before = User.select().count()
    response = post(world.admin_client, "/gestion/comptes/nouveau", data)
    assert User.select().count() == before + (response.status_code == 200)
    for user in User.select():
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{2,59}", user.login)
        assert user.role in User.ROLES
        assert (user.cooperative_id is not None) == (user.role == User.SCHOOL)


euros = st.one_of(numbers, st.decimals(0, 100_000, places=2).map(lambda d: str(d).replace(".", ",")))


@FUZZ
@given(data=form(opens_on=dates, closes_on=dates, base_fee=euros, pupil_fee=euros, adult_fee=euros,
                 member_insurance_fee=euros, goods_rate=numbers, goods_included=euros,
                 subscription_name=texts, subscription_price=euros))
def test_fuzzed_tariffs_stay_valid_and_drafts_follow_them(world, data):
    post(world.admin_client, f"/gestion/campagnes/{world.campaign.id}", data)
    campaign = Campaign.get_by_id(world.campaign.id)
    for name in ("base_fee", "pupil_fee", "adult_fee", "member_insurance_fee", "goods_included",
                 "subscription_price"):
        assert 0 <= getattr(campaign, f"{name}_cents") <= to_cents(Decimal("10000000"))
    assert 0 <= campaign.goods_rate_ppm <= 1_000_000
    assert_text(campaign.subscription_name, 80, typed_line=True)
    if campaign.opens_on and campaign.closes_on:
        assert campaign.opens_on <= campaign.closes_on
    for membership in Membership.select().where(Membership.state == Membership.DRAFT):
        assert_membership_follows_the_rule(membership)


@FUZZ
@given(data=form(label=texts, kind=st.one_of(st.sampled_from(list(Option.KINDS)), texts), price=euros),
       edit=st.booleans())
def test_fuzzed_option_forms_stay_valid(world, data, edit):
    path = f"/gestion/campagnes/{world.campaign.id}/options" + (f"/{world.options[0].id}" if edit else "")
    post(world.admin_client, path, data)
    for option in Option.select():
        assert_text(option.label, 80, typed_line=True)
        assert option.kind in Option.KINDS
        assert 0 <= option.price_cents <= to_cents(Decimal("10000000"))
        assert option.price_cents > 0 or option.kind == Option.FREE
    for membership in Membership.select().where(Membership.state == Membership.DRAFT):
        assert_membership_follows_the_rule(membership)


# --- The CSV import --------------------------------------------------------------------

HEADERS = ["numero", "ecole", "uai", "commune", "circonscription", "email", "mandataire",
           "email_mandataire"]
cells = st.one_of(texts, st.sampled_from(["099-0101", "École Jaurès", "0990001N", "a@b.fr", '"', '";"']))


@st.composite
def csv_files(draw):
    """A file as a spreadsheet (or anything else) might save it: bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=3000))
    separator = draw(st.sampled_from([";", ",", "\t", "|"]))
    header = draw(st.lists(st.one_of(st.sampled_from(HEADERS), texts), max_size=12))
    rows = draw(st.lists(st.lists(cells, max_size=12), max_size=8))
    text = "\r\n".join(separator.join(row) for row in [header] + rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"]))
    return text.encode(encoding, errors="replace") if encoding in ("cp1252", "latin-1") else \
        text.encode(encoding, errors="surrogatepass")


@FUZZ
@given(content=csv_files())
def test_fuzzed_csv_imports_never_break_and_save_only_valid_cooperatives(world, content):
    response = world.staff_client.post(
        "/gestion/cooperatives/import", data={"file": (io.BytesIO(content), "cooperatives.csv")},
        content_type="multipart/form-data")
    assert response.status_code in (200, 422), response.status_code
    payload = re.search(r'name="payload" value="([^"]+)"', response.get_data(as_text=True))
    if response.status_code == 200 and payload:
        confirmed = post(world.staff_client, "/gestion/cooperatives/import/confirmer",
                         {"payload": payload.group(1)})
        assert confirmed.status_code in (303, 422)
    assert_cooperatives_within_bounds()


# --- The membership as a sequence of operations ---------------------------------------


class MembershipMachine(RuleBasedStateMachine):
    """A school adds, edits and deletes lines and changes its options, in any order.

    After every step the stored totals and the recap shown equal the fee rule applied to
    what is stored, and a refused change loses nothing already saved.
    """

    lines = Bundle("lines")

    def __init__(self, world):
        super().__init__()
        self.world = world
        self.client = world.login(world.machine_school)
        self.membership = Membership.get(cooperative=world.machine_school.cooperative_id,
                                         campaign=world.campaign.id)
        MembershipLine.delete().where(MembershipLine.membership == self.membership.id).execute()
        refresh_totals(self.membership)
        self.model = {}  # line id → (label, person, adults, pupils) as stored

    def stored(self):
        return {
            line.id: (line.label, line.person, line.adults, line.pupils)
            for line in MembershipLine.select().where(MembershipLine.membership == self.membership.id)
        }

    @rule(target=lines, data=line_forms, headers=htmx_or_not)
    def add(self, data, headers):
        before = set(self.stored())
        response = post(self.client, "/adhesion/lignes", data, headers)
        new = set(self.stored()) - before
        if response.status_code in (200, 303):
            (line_id,) = new
            self.model[line_id] = self.stored()[line_id]
            return multiple(line_id)
        assert not new
        return multiple()

    @rule(line_id=lines, data=line_forms, headers=htmx_or_not)
    def edit(self, line_id, data, headers):
        response = self.client.post(f"/adhesion/lignes/{line_id}", data=data, headers=headers)
        assert response.status_code in ANSWERS | {404}
        if response.status_code in (200, 303):
            self.model[line_id] = self.stored()[line_id]

    @rule(line_id=consumes(lines), headers=htmx_or_not)
    def delete(self, line_id, headers):
        response = self.client.post(f"/adhesion/lignes/{line_id}/supprimer", headers=headers)
        assert response.status_code in (200, 303, 404)
        self.model.pop(line_id, None)

    @rule(data=st.data(), headers=htmx_or_not)
    def options(self, data, headers):
        post(self.client, "/adhesion/options", data.draw(options_forms(self.world)), headers)

    @invariant()
    def nothing_saved_is_lost_and_the_recap_follows_the_rule(self):
        assert self.stored() == self.model
        assert_membership_follows_the_rule(self.membership, self.client)


def test_any_sequence_of_operations_keeps_the_recap_equal_to_the_fee_rule(world):
    run_state_machine_as_test(lambda: MembershipMachine(world), settings=STATEFUL)
