"""The membership screen: a school's lines, recap and options for the current campaign.

Every action answers htmx with the fragment it changes (and the recap out of band),
and a plain form post with a 303 back to the screen, so the screen works without
JavaScript. Invalid input answers 422 with the same markup and French messages.
"""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.exceptions import NotFound

from ..models import Campaign, Cooperative, Membership, MembershipLine, MembershipOption
from . import forms, service
from .service import StateError, recap_for

bp = Blueprint("membership", __name__, url_prefix="/adhesion")

LINE_GONE = (
    "Cette ligne n'existe plus : elle a peut-être été supprimée dans un autre onglet. "
    "Rechargez la page."
)


def is_htmx():
    """Tell whether htmx sent the request (it then expects a fragment)."""
    return request.headers.get("HX-Request") == "true"


def current_membership():
    """Return the logged-in school's membership for the current campaign (404 for others)."""
    membership = None
    if current_user.cooperative is not None:
        membership = service.current_membership_of(current_user.cooperative)
    if membership is None:
        abort(404)
    return membership


def get_membership_for(user, membership_id):
    """Return a membership ``user`` may see, with its cooperative and campaign.

    Staff see any; a school only its own cooperative's. Anything else answers 404, so a
    school learns nothing of another cooperative. Every area goes through this helper.
    """
    membership = (
        Membership.select(Membership, Cooperative, Campaign)
        .join(Cooperative).switch(Membership).join(Campaign)
        .where(Membership.id == membership_id)
        .first()
    )
    if membership is None or not (user.is_staff or membership.cooperative_id == user.cooperative_id):
        abort(404)
    return membership


def get_line_for(user, line_id):
    """Return a line of ``user``'s own cooperative; 404 for any other (or a deleted) line."""
    line = (
        MembershipLine.select(MembershipLine, Membership)
        .join(Membership)
        .where((MembershipLine.id == line_id) & (Membership.cooperative == user.cooperative_id))
        .first()
    )
    if line is None or user.cooperative_id is None:
        abort(404, LINE_GONE)
    return line


@bp.errorhandler(StateError)
def refused(error):
    """Answer a change the membership's state forbids with 409 and the French reason."""
    if is_htmx():
        # The message goes to the page's message area, not into the row that asked.
        headers = {"HX-Retarget": "#messages", "HX-Reswap": "innerHTML"}
        return render_template("_error.html", message=str(error)), 409, headers
    return render_template("error.html", title="Action impossible", message=str(error)), 409


@bp.errorhandler(MembershipLine.DoesNotExist)
def line_gone(error):
    """A line deleted in another tab between reading and writing: the usual 404 answer."""
    return current_app.handle_user_exception(NotFound(LINE_GONE))


# --- Rendering helpers -----------------------------------------------------------------


def screen_context(membership, recap=None, **extra):
    """Return what the membership page needs: rows with amounts, recap, options form."""
    recap = recap or recap_for(membership)
    context = dict(
        membership=membership,
        recap=recap,
        rows=service.lines_with_amounts(membership, recap),
        editable=membership.is_draft and not current_user.is_staff,
        new_form=forms.LineForm(),
        options_form=None,
        editing=None,
    )
    if context["editable"]:
        context["options_form"] = options_form_for(membership)
    context.update(extra)
    return context


def render_screen(membership, status=200, **extra):
    """Render the whole page (the no-JavaScript answer to invalid input, too)."""
    return render_template("membership/show.html", **screen_context(membership, **extra)), status


def options_form_for(membership, formdata=None):
    """Build the options form over the campaign's visible options and current choices."""
    chosen = {
        c.option_id: c
        for c in MembershipOption.select().where(MembershipOption.membership == membership)
    }
    return forms.OptionsForm(membership, membership.campaign.visible_options(), chosen, formdata)


def back_to_screen():
    """Answer a plain form post: 303 back to the membership screen."""
    return redirect(url_for("membership.show"), 303)


def amounts_of(line, membership):
    """Return one line's amounts with the campaign's tariff."""
    return service.line_rows([line], membership.campaign.tariff())[0][1]


# --- Views -----------------------------------------------------------------------------


@bp.route("/")
@login_required
def show():
    """Show the school's membership (staff go to their own side)."""
    if current_user.is_staff:
        return redirect(url_for("staff.index"))
    return render_screen(current_membership())


@bp.route("/<int:membership_id>")
@login_required
def view(membership_id):
    """Show any membership read-only to staff; a school its own."""
    membership = get_membership_for(current_user, membership_id)
    if not current_user.is_staff and membership.campaign.is_current:
        return redirect(url_for("membership.show"))
    return render_screen(membership, editable=False, options_form=None)


@bp.route("/lignes", methods=["POST"])
@login_required
def create_line():
    """Add a line from the blank row; answer the saved row, a new blank row and the recap."""
    if current_user.cooperative is None:
        abort(404)
    form = forms.LineForm(request.form)
    if form.validate():
        # The success path reads the draft once, locked; the membership is read for the
        # error answers only.
        added = service.add_line(current_user.cooperative, form.data, forms.MAX_LINES)
        if added is None:
            abort(404)
        line, recap = added
        if line is None:
            form.refuse(forms.MESSAGES["too_many"])
    if form.errors:
        membership = current_membership()
        if not membership.is_draft:
            raise StateError(service.LOCKED_MESSAGE)
        if is_htmx():
            return render_template("membership/_line_form_row.html", form=form, line=None,
                                   autofocus=True), 422
        return render_screen(membership, 422, new_form=form)
    if not is_htmx():
        return back_to_screen()
    return render_template(
        "membership/_line_added.html",
        line=line, amounts=amounts_of(line, line.membership),
        form=forms.LineForm(), recap=recap, membership=line.membership,
    )


@bp.route("/lignes/<int:line_id>")
@login_required
def line(line_id):
    """Show one saved line as a table row (htmx's "Annuler" while editing)."""
    line = get_line_for(current_user, line_id)
    if not is_htmx():
        return back_to_screen()
    membership = line.membership
    return render_template("membership/_line_row.html", line=line,
                           amounts=amounts_of(line, membership), editable=membership.is_draft)


@bp.route("/lignes/<int:line_id>/modifier")
@login_required
def edit_line(line_id):
    """Turn a saved line into inputs, with "Enregistrer" and "Annuler"."""
    line = get_line_for(current_user, line_id)
    if not line.membership.is_draft:
        raise StateError(service.LOCKED_MESSAGE)
    form = forms.LineForm(line=line)
    if is_htmx():
        return render_template("membership/_line_form_row.html", form=form, line=line,
                               autofocus=True)
    return render_screen(line.membership, editing=line.id, edit_form=form)


@bp.route("/lignes/<int:line_id>", methods=["POST"])
@login_required
def update_line(line_id):
    """Save an edited line; answer the row and the recap."""
    line = get_line_for(current_user, line_id)
    form = forms.LineForm(request.form)
    if not form.validate():
        if not line.membership.is_draft:
            raise StateError(service.LOCKED_MESSAGE)
        if is_htmx():
            return render_template("membership/_line_form_row.html", form=form, line=line,
                                   autofocus=True), 422
        return render_screen(line.membership, 422, editing=line.id, edit_form=form)
    line, recap = service.update_line(line, form.data)
    if not is_htmx():
        return back_to_screen()
    return render_template(
        "membership/_line_saved.html", line=line, amounts=amounts_of(line, line.membership),
        recap=recap, membership=line.membership,
    )


@bp.route("/lignes/<int:line_id>/supprimer", methods=["GET", "POST"])
@login_required
def delete_line(line_id):
    """Delete a line after confirmation (a page without JavaScript, a dialog with it)."""
    line = get_line_for(current_user, line_id)
    if request.method == "GET":
        if not line.membership.is_draft:
            raise StateError(service.LOCKED_MESSAGE)
        return render_template("membership/confirm_delete.html", line=line,
                               membership=line.membership)
    recap = service.delete_line(line)
    if not is_htmx():
        flash(f"La ligne « {line.label} » a été supprimée.", "success")
        return back_to_screen()
    # The row is swapped away with nothing; the recap follows out of band.
    return render_template("membership/_recap.html", recap=recap, membership=line.membership,
                           oob=True)


@bp.route("/options", methods=["POST"])
@login_required
def update_options():
    """Save the options and recalculate ("Recalculer", or htmx on every change)."""
    membership = current_membership()
    form = options_form_for(membership, request.form)
    if not form.validate():
        if not membership.is_draft:
            raise StateError(service.LOCKED_MESSAGE)
        if is_htmx():
            return render_template("membership/_options.html", options_form=form,
                                   membership=membership), 422
        return render_screen(membership, 422, options_form=form)
    membership, recap = service.save_options(membership, form.data)
    if not is_htmx():
        return back_to_screen()
    if request.form.get("shown_errors"):
        return render_template("membership/_options_saved.html", options_form=form,
                               membership=membership, recap=recap)
    return (render_template("membership/_recap.html", recap=recap, membership=membership, oob=True),
            {"HX-Reswap": "none"})


@bp.route("/valider", methods=["GET", "POST"])
@login_required
def validate():
    """Ask for confirmation, then validate the membership for good."""
    membership = current_membership()
    if request.method == "GET":
        if not membership.is_draft:
            return back_to_screen()
        return render_template("membership/confirm_validate.html", membership=membership,
                               recap=recap_for(membership),
                               line_count=service.line_count(membership))
    try:
        service.validate_by_school(membership, current_user._get_current_object())
    except service.NothingToValidate as error:
        flash(str(error), "error")
        return back_to_screen()
    flash("Votre adhésion est validée. Votre OCCE a reçu votre déclaration.", "success")
    return back_to_screen()
