"""Cooperatives: list and search, create, edit, import from a CSV file."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from peewee import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge

from .. import audit
from ..auth import staff_required
from ..db import db
from ..models import Cooperative, User
from . import bp
from . import cooperative_import as importer
from .paging import paginate
from .staff_forms import CooperativeForm, ImportForm

# The preview's signed copy of the file is good for an hour: long enough to read it.
IMPORT_MAX_AGE = 3600
# The confirmation carries the file again (compressed and signed) in a form field; the
# import's two views take requests up to this size (security.raise_body_limits), and the
# nginx of docs/deploy.md lets them through.
IMPORT_REQUEST_LIMIT = 2 * importer.MAX_BYTES + 64 * 1024


def get_cooperative(cooperative_id):
    """Return the cooperative or answer 404."""
    cooperative = Cooperative.get_or_none(Cooperative.id == cooperative_id)
    if cooperative is None:
        abort(404)
    return cooperative


def search_cooperatives(text):
    """Cooperatives whose number, school, UAI or commune contains ``text``, by number."""
    query = Cooperative.select().order_by(Cooperative.number)
    if text:
        query = query.where(
            Cooperative.number.contains(text)
            | Cooperative.school_name.contains(text)
            | Cooperative.uai.contains(text)
            | Cooperative.commune.contains(text)
        )
    return query


def accounts_by_cooperative(cooperatives):
    """Return ``{cooperative id: [school accounts]}`` for a page of cooperatives, in one query."""
    accounts = {c.id: [] for c in cooperatives}
    if accounts:
        query = User.select().where(User.cooperative.in_(list(accounts))).order_by(User.login)
        for user in query:
            accounts[user.cooperative_id].append(user)
    return accounts


def save_cooperative(form, cooperative):
    """Save the form into ``cooperative``; a number already used becomes a form error."""
    created = cooperative.id is None
    form.fill(cooperative)
    try:
        with db.atomic():
            cooperative.save()
            audit.record("cooperative_created" if created else "cooperative_updated",
                         f"{cooperative.number} {cooperative.school_name}", cooperative=cooperative)
    except IntegrityError:
        if created:
            cooperative.id = None
        other = Cooperative.get_or_none(Cooperative.number == cooperative.number)
        form.number.errors.append(
            f"Le numéro {cooperative.number} est déjà celui de la coopérative "
            f"« {other.school_name if other else 'une autre école'} ». Choisissez-en un autre."
        )
        return False
    return True


@bp.route("/cooperatives")
@staff_required
def cooperatives():
    """List the cooperatives with their school accounts; search and pages."""
    text = request.args.get("q", "").strip()
    page = paginate(search_cooperatives(text), request.args.get("page"))
    template = "_results.html" if request.headers.get("HX-Request") else "index.html"
    return render_template(f"staff/cooperatives/{template}", page=page, q=text,
                           accounts=accounts_by_cooperative(page.items))


@bp.route("/cooperatives/nouvelle", methods=["GET", "POST"])
@staff_required
def create_cooperative():
    """Add one cooperative."""
    form = CooperativeForm()
    cooperative = Cooperative()
    if form.validate_on_submit() and save_cooperative(form, cooperative):
        flash(f"La coopérative {cooperative.number} est créée. Créez maintenant le compte de l'école.",
              "success")
        return redirect(url_for("staff.update_cooperative", cooperative_id=cooperative.id), 303)
    return render_template("staff/cooperatives/form.html", form=form, cooperative=None), (
        422 if form.errors else 200)


@bp.route("/cooperatives/<int:cooperative_id>", methods=["GET", "POST"])
@staff_required
def update_cooperative(cooperative_id):
    """Show a cooperative's details and accounts; save its edited details."""
    cooperative = get_cooperative(cooperative_id)
    form = CooperativeForm(obj=cooperative)
    if form.validate_on_submit() and save_cooperative(form, cooperative):
        flash("Les informations de la coopérative sont enregistrées.", "success")
        return redirect(url_for("staff.update_cooperative", cooperative_id=cooperative.id), 303)
    accounts = cooperative.users.order_by(User.login)
    return render_template("staff/cooperatives/form.html", form=form, cooperative=cooperative,
                           accounts=accounts), (422 if form.errors else 200)


def _signer():
    return URLSafeTimedSerializer(current_app.secret_key, salt="cooperative-import")


def _read_upload(form):
    """Return the uploaded file's text, or None with the problem added to the form."""
    upload = form.file.data
    if not upload or not upload.filename:
        form.file.errors.append("Choisissez le fichier CSV à importer.")
        return None
    data = upload.read(importer.MAX_BYTES + 1)
    if len(data) > importer.MAX_BYTES:
        form.file.errors.append(
            "Le fichier dépasse 2 Mo. Découpez-le en plusieurs fichiers et importez-les l'un après l'autre."
        )
        return None
    try:
        return importer.decode(data)
    except importer.ImportFileError as error:
        form.file.errors.append(str(error))
        return None


def _import_page(form, status=200, **context):
    return render_template("staff/cooperatives/import.html", form=form,
                           columns=importer.COLUMNS, **context), status


@bp.route("/cooperatives/import", methods=["GET", "POST"])
@staff_required
def import_cooperatives():
    """Show how to import; read a sent file and show its preview (or every error in it)."""
    # A file a little over the limit gets the French message beside the field, not a bare 413
    # (security.raise_body_limits lets the request take twice the file's limit).
    try:
        form = ImportForm()
        submitted = form.validate_on_submit()
    except RequestEntityTooLarge:
        form = ImportForm(formdata=None)
        form.file.errors = ["Le fichier dépasse 2 Mo. Découpez-le en plusieurs fichiers."]
        return _import_page(form, 413)
    if not submitted:
        return _import_page(form, 422 if form.errors else 200)
    text = _read_upload(form)
    if text is None:
        return _import_page(form, 422)
    result = importer.preview(text)
    payload = None if result.errors else _signer().dumps(
        {"text": text, "name": form.file.data.filename})
    return _import_page(form, 422 if result.errors else 200, result=result, payload=payload,
                        filename=form.file.data.filename)


@bp.route("/cooperatives/import/confirmer", methods=["POST"])
@staff_required
def confirm_import():
    """Apply the previewed file, all or nothing, after checking it again."""
    form = ImportForm(formdata=None)
    try:
        sent = _signer().loads(request.form.get("payload", ""), max_age=IMPORT_MAX_AGE)
    except SignatureExpired:
        form.file.errors = ["L'aperçu a plus d'une heure : envoyez le fichier à nouveau."]
        return _import_page(form, 422)
    except BadSignature:
        form.file.errors = ["L'aperçu n'a pas pu être relu : envoyez le fichier à nouveau."]
        return _import_page(form, 422)
    # Someone may have created a cooperative since the preview: check everything again.
    result = importer.preview(sent["text"])
    if not result.errors:
        try:
            created, updated = importer.apply(result)
        except IntegrityError:
            # A concurrent change the second check could not see: nothing was saved.
            result = importer.preview(sent["text"])
            if not result.errors:
                result.errors.append(importer.LineError(1, "", (
                    "Les coopératives ont été modifiées pendant l'import et rien n'a été "
                    "enregistré : envoyez le fichier à nouveau.")))
        else:
            audit.record("cooperatives_imported",
                         f"{sent['name']} : {created} créée(s), {updated} mise(s) à jour")
            flash(f"Import terminé : {created} coopérative(s) créée(s), {updated} mise(s) à jour.",
                  "success")
            return redirect(url_for("staff.cooperatives"), 303)
    return _import_page(form, 422, result=result, filename=sent["name"])


@bp.route("/cooperatives/import/modele.csv")
@staff_required
def import_template():
    """The model file to fill in a spreadsheet."""
    response = current_app.response_class(
        importer.template_csv().encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="modele-import-cooperatives.csv"'
    return response
