"""Accounts: create one with a temporary password, reset it, print the letter, disable / enable.

Plain staff manage school accounts; admins manage staff and admin accounts too.

The temporary password is never stored in clear, anywhere: it is generated, hashed,
and shown once in the answer to the POST that created it. That page carries it in a
hidden field of a form that POSTs it back to ``account_letter``, which checks it against
the hash before printing the letter. Nothing is cached (``no-store``); once the school
has chosen its own password, the letter can no longer be printed (reset instead).
Answering the POST with the page itself, not with a 303, is deliberate: a redirect
would have to keep the password somewhere between the two requests.
"""

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from peewee import JOIN, IntegrityError

from .. import audit
from ..auth import clear_failures, staff_required
from ..db import db
from ..models import Cooperative, User, utcnow
from ..passwords import hash_password, temporary_password, verify_password
from ..pdf import pdf_response, render_pdf
from ..sessions import revoke_sessions
from . import bp
from .paging import paginate
from .staff_forms import AccountForm, login_taken_message


def manageable_roles(user):
    """The roles of the accounts ``user`` may create and manage."""
    return (User.SCHOOL, User.STAFF, User.ADMIN) if user.is_admin else (User.SCHOOL,)


def get_account_for(user, account_id):
    """Return the account ``user`` may manage: 404 if none, 403 for a staff account to non-admins."""
    account = User.get_or_none(User.id == account_id)
    if account is None:
        abort(404)
    if account.role not in manageable_roles(user):
        abort(403)
    return account


def search_accounts(user, text, role):
    """Accounts ``user`` may manage, with their cooperative, filtered by text and role."""
    query = (
        User.select(User, Cooperative)
        .join(Cooperative, JOIN.LEFT_OUTER)
        .where(User.role.in_(manageable_roles(user)))
        .order_by(User.role.desc(), User.login)
    )
    if role in User.ROLES:
        query = query.where(User.role == role)
    if text:
        query = query.where(
            User.login.contains(text)
            | Cooperative.number.contains(text)
            | Cooperative.school_name.contains(text)
        )
    return query


def issue_temporary_password(account):
    """Give ``account`` a new temporary password (to change at next login); return it.

    Bumping the session version ends the sessions opened with the old password, and the
    identifier's lock (after failed logins) goes: the school called to get back in.
    """
    password = temporary_password()
    account.password_hash = hash_password(password)
    account.must_change_password = True
    account.password_changed_at = utcnow()
    account.session_version += 1
    account.save()
    revoke_sessions(account, reason="password_reset")
    clear_failures(account.login)
    return password


def _issued_page(account, password, created):
    """The page showing the temporary password once, never cached."""
    response = make_response(render_template(
        "staff/accounts/issued.html", account=account, password=password, created=created))
    response.headers["Cache-Control"] = "no-store"
    return response


def _describe(account):
    who = f"{account.login} ({User.ROLES[account.role]})"
    if account.cooperative_id:
        who += f", coopérative {account.cooperative.number}"
    return who


@bp.route("/comptes")
@staff_required
def accounts():
    """List the accounts the user may manage; search by identifier, number or school."""
    text = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    page = paginate(search_accounts(current_user, text, role), request.args.get("page"))
    args = {k: v for k, v in (("q", text), ("role", role)) if v}
    template = "_results.html" if request.headers.get("HX-Request") else "index.html"
    return render_template(f"staff/accounts/{template}", page=page, q=text, role=role, args=args,
                           roles=[(r, User.ROLES[r]) for r in manageable_roles(current_user)])


@bp.route("/comptes/nouveau", methods=["GET", "POST"])
@staff_required
def create_account():
    """Create an account with a temporary password, shown once with its letter."""
    form = AccountForm(allowed_roles=manageable_roles(current_user),
                       cooperative_number=request.args.get("cooperative", ""))
    if form.validate_on_submit():
        account = User(login=form.login.data, role=form.role.data,
                       cooperative=form.cooperative if form.role.data == User.SCHOOL else None,
                       session_version=0, password_hash="")
        try:
            with db.atomic():
                password = issue_temporary_password(account)
                audit.record("account_created", _describe(account), cooperative=account.cooperative)
        except IntegrityError:
            form.login.errors.append(login_taken_message(form.login.data))
        else:
            return _issued_page(account, password, created=True)
    return render_template("staff/accounts/form.html", form=form), (422 if form.errors else 200)


@bp.route("/comptes/<int:user_id>")
@staff_required
def show_account(user_id):
    """One account: its state and what can be done with it."""
    account = get_account_for(current_user, user_id)
    return render_template("staff/accounts/show.html", account=account)


@bp.route("/comptes/<int:user_id>/mot-de-passe", methods=["POST"])
@staff_required
def reset_password(user_id):
    """Replace the password with a new temporary one; open sessions of the account end."""
    account = get_account_for(current_user, user_id)
    if account.id == current_user.id:
        abort(409, "Pour votre propre compte, utilisez « Changer mon mot de passe ».")
    with db.atomic():
        password = issue_temporary_password(account)
        audit.record("account_password_reset", _describe(account), cooperative=account.cooperative_id)
    return _issued_page(account, password, created=False)


@bp.route("/comptes/<int:user_id>/etat", methods=["POST"])
@staff_required
def set_account_disabled(user_id):
    """Disable or enable an account (htmx swaps the status block; otherwise back to the page)."""
    account = get_account_for(current_user, user_id)
    disable = request.form.get("disabled") == "1"
    if account.id == current_user.id:
        abort(409, "Vous ne pouvez pas désactiver votre propre compte.")
    if account.disabled != disable:
        with db.atomic():
            account.disabled = disable
            account.save()
            if disable:
                revoke_sessions(account, reason="disabled")
            audit.record("account_disabled" if disable else "account_enabled", _describe(account),
                         cooperative=account.cooperative_id)
    if request.headers.get("HX-Request"):
        return render_template("staff/accounts/_status.html", account=account)
    flash(f"Le compte {account.login} est {'désactivé' if disable else 'réactivé'}.", "success")
    return redirect(url_for("staff.show_account", user_id=account.id), 303)


@bp.route("/comptes/<int:user_id>/lettre", methods=["POST"])
@staff_required
def account_letter(user_id):
    """Print the letter giving the identifier and the temporary password sent back by the page."""
    account = get_account_for(current_user, user_id)
    password = request.form.get("password", "")
    if not (account.must_change_password and verify_password(account.password_hash, password)):
        abort(409, "Ce mot de passe provisoire n'est plus valable (il a été remplacé ou déjà changé "
                   "par son titulaire). Réinitialisez le mot de passe pour imprimer une nouvelle lettre.")
    audit.record("account_letter_printed", _describe(account), cooperative=account.cooperative_id)
    pdf = render_pdf("account_letter.html", account=account, password=password,
                     login_url=url_for("auth.login", _external=True))
    return pdf_response(pdf, f"acces-{account.login}.pdf")
