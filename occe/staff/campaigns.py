"""Campaign settings (admins only): the next campaign, dates, tariff, options, the current one.

Any change of the tariff or of an option recalculates the drafts of the campaign; a
membership validated by its school keeps its frozen amounts (``service.recap_for``).
"""

from flask import abort, flash, redirect, render_template, request, url_for
from peewee import fn

from .. import audit, localtime
from ..auth import admin_required
from ..db import db
from ..membership import service
from ..models import Campaign, Membership, Option
from ..money import format_euros, from_cents
from . import bp
from .staff_forms import CampaignForm, OptionForm, format_percent


def get_campaign(campaign_id):
    """Return the campaign or answer 404."""
    campaign = Campaign.get_or_none(Campaign.id == campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def get_option(campaign, option_id):
    """Return one of the campaign's options or answer 404."""
    option = Option.get_or_none((Option.id == option_id) & (Option.campaign == campaign))
    if option is None:
        abort(404)
    return option


def school_year_starting(today=None):
    """The start year of the school year of ``today`` (it begins in September)."""
    today = today or localtime.today()
    return today.year if today.month >= 9 else today.year - 1


def create_next_campaign_from(model):
    """Create the campaign after the latest one, with ``model``'s tariff and options."""
    latest = Campaign.select(fn.MAX(Campaign.start_year)).scalar()
    start = latest + 1 if latest else school_year_starting()
    campaign = Campaign(name=f"{start}-{start + 1}", start_year=start, is_current=False)
    if model:
        for name in CampaignForm.TARIFF:
            setattr(campaign, f"{name}_cents", getattr(model, f"{name}_cents"))
        campaign.goods_rate_ppm = model.goods_rate_ppm
        campaign.subscription_name = model.subscription_name
        shift = start - model.start_year
        campaign.opens_on = model.opens_on and model.opens_on.replace(year=model.opens_on.year + shift)
        campaign.closes_on = model.closes_on and model.closes_on.replace(year=model.closes_on.year + shift)
    with db.atomic():
        campaign.save()
        if model:
            for option in model.options.order_by(Option.position, Option.id):
                Option.create(campaign=campaign, label=option.label, kind=option.kind,
                              price_cents=option.price_cents, visible=option.visible,
                              position=option.position)
        audit.record("campaign_created", f"{campaign.name}" + (f", tarif de {model.name}" if model else ""))
    return campaign


def tariff_changes(before, after):
    """Describe in French what changed in a campaign's settings, for the audit log."""
    form = CampaignForm.__dict__
    changes = []
    for name in CampaignForm.TARIFF:
        old, new = getattr(before, f"{name}_cents"), getattr(after, f"{name}_cents")
        if old != new:
            label = form[name].args[0]
            changes.append(f"{label} : {format_euros(from_cents(old))} → {format_euros(from_cents(new))}")
    if before.goods_rate_ppm != after.goods_rate_ppm:
        changes.append(f"Taux des biens : {format_percent(before.goods_rate_ppm)} % → "
                       f"{format_percent(after.goods_rate_ppm)} %")
    for name, label in (("subscription_name", "Abonnement"), ("opens_on", "Ouverture"),
                        ("closes_on", "Clôture")):
        if getattr(before, name) != getattr(after, name):
            changes.append(f"{label} : {getattr(before, name) or '—'} → {getattr(after, name) or '—'}")
    return changes


def save_and_recalculate(campaign, action, detail):
    """Save a settings change, recalculate the campaign's drafts, log it; return the draft count."""
    with db.atomic():
        campaign.save()
        service.refresh_campaign_drafts(campaign)
        audit.record(action, f"{campaign.name} : {detail}")
    return campaign.memberships.where(Membership.state == Membership.DRAFT).count()


def _settings_page(campaign, form=None, option_form=None, status=200):
    counts = dict(
        Membership.select(Membership.state, fn.COUNT(Membership.id))
        .where(Membership.campaign == campaign).group_by(Membership.state).tuples()
    )
    return render_template(
        "staff/campaigns/settings.html", campaign=campaign, counts=counts,
        form=form or CampaignForm.for_campaign(campaign),
        option_form=option_form or OptionForm(formdata=None),
        options=campaign.options.order_by(Option.position, Option.id),
    ), status


def _recalculated_message(drafts):
    return (f"{drafts} adhésion(s) en brouillon recalculée(s) ; "
            "les adhésions déjà validées gardent leurs montants.")


@bp.route("/campagnes")
@admin_required
def campaigns():
    """List the campaigns, the current one first."""
    rows = Campaign.select().order_by(Campaign.start_year.desc())
    counts = dict(
        Membership.select(Membership.campaign, fn.COUNT(Membership.id))
        .group_by(Membership.campaign).tuples()
    )
    latest = rows.first()
    next_name = f"{latest.start_year + 1}-{latest.start_year + 2}" if latest else None
    return render_template("staff/campaigns/index.html", campaigns=rows, counts=counts,
                           next_name=next_name)


@bp.route("/campagnes/suivante", methods=["POST"])
@admin_required
def create_next_campaign():
    """Create next year's campaign from the current one's tariff and options."""
    model = Campaign.current() or Campaign.select().order_by(Campaign.start_year.desc()).first()
    campaign = create_next_campaign_from(model)
    flash(f"La campagne {campaign.name} est créée avec le tarif et les options de "
          f"{model.name if model else 'aucune campagne'}. Vérifiez-les, puis rendez-la courante "
          "le moment venu.", "success")
    return redirect(url_for("staff.campaign_settings", campaign_id=campaign.id), 303)


@bp.route("/campagnes/<int:campaign_id>", methods=["GET", "POST"])
@admin_required
def campaign_settings(campaign_id):
    """Show a campaign's settings; save its dates and tariff."""
    campaign = get_campaign(campaign_id)
    form = CampaignForm.for_campaign(campaign) if request.method == "GET" else CampaignForm()
    if not form.validate_on_submit():
        return _settings_page(campaign, form=form, status=422 if form.errors else 200)
    before = Campaign(**campaign.__data__)
    form.fill(campaign)
    changes = tariff_changes(before, campaign)
    if changes:
        drafts = save_and_recalculate(campaign, "campaign_tariff_updated", " ; ".join(changes))
        flash(f"Paramètres enregistrés. {_recalculated_message(drafts)}", "success")
    else:
        flash("Aucun changement à enregistrer.", "info")
    return redirect(url_for("staff.campaign_settings", campaign_id=campaign.id), 303)


@bp.route("/campagnes/<int:campaign_id>/courante", methods=["POST"])
@admin_required
def make_campaign_current(campaign_id):
    """Make this campaign the one schools fill in (exactly one is current)."""
    campaign = get_campaign(campaign_id)
    with db.atomic():
        Campaign.update(is_current=False).where(Campaign.id != campaign.id).execute()
        Campaign.update(is_current=True).where(Campaign.id == campaign.id).execute()
        audit.record("campaign_made_current", campaign.name)
    flash(f"La campagne {campaign.name} est désormais la campagne courante : "
          "c'est celle que les écoles remplissent.", "success")
    return redirect(url_for("staff.campaign_settings", campaign_id=campaign.id), 303)


@bp.route("/campagnes/<int:campaign_id>/options", methods=["POST"])
@admin_required
def create_option(campaign_id):
    """Add a departmental option (visible to the schools at once)."""
    campaign = get_campaign(campaign_id)
    form = OptionForm()
    if not form.validate_on_submit():
        return _settings_page(campaign, option_form=form, status=422)
    position = campaign.options.select(fn.MAX(Option.position)).scalar() or 0
    option = Option(campaign=campaign, position=position + 1, visible=True)
    form.fill(option)
    with db.atomic():
        option.save()
        drafts = save_and_recalculate(campaign, "campaign_option_created", option.label)
    flash(f"L'option « {option.label} » est ajoutée. {_recalculated_message(drafts)}", "success")
    return redirect(url_for("staff.campaign_settings", campaign_id=campaign.id, _anchor="options"), 303)


@bp.route("/campagnes/<int:campaign_id>/options/<int:option_id>", methods=["GET", "POST"])
@admin_required
def update_option(campaign_id, option_id):
    """Edit an option's label, kind and price."""
    campaign = get_campaign(campaign_id)
    option = get_option(campaign, option_id)
    form = OptionForm.for_option(option) if request.method == "GET" else OptionForm()
    if not form.validate_on_submit():
        return render_template("staff/campaigns/option_form.html", campaign=campaign,
                               option=option, form=form), (422 if form.errors else 200)
    form.fill(option)
    with db.atomic():
        option.save()
        drafts = save_and_recalculate(campaign, "campaign_option_updated",
                                      f"{option.label} ({Option.KINDS[option.kind]}, "
                                      f"{format_euros(from_cents(option.price_cents))})")
    flash(f"L'option « {option.label} » est enregistrée. {_recalculated_message(drafts)}", "success")
    return redirect(url_for("staff.campaign_settings", campaign_id=campaign.id, _anchor="options"), 303)


@bp.route("/campagnes/<int:campaign_id>/options/<int:option_id>/visibilite", methods=["POST"])
@admin_required
def toggle_option(campaign_id, option_id):
    """Show or hide an option to the schools (htmx swaps the row)."""
    campaign = get_campaign(campaign_id)
    option = get_option(campaign, option_id)
    option.visible = request.form.get("visible") == "1"
    with db.atomic():
        option.save()
        drafts = save_and_recalculate(campaign, "campaign_option_shown" if option.visible
                                      else "campaign_option_hidden", option.label)
    if request.headers.get("HX-Request"):
        return render_template("staff/campaigns/_option_row.html", campaign=campaign, option=option)
    flash(f"L'option « {option.label} » est {'visible' if option.visible else 'masquée'}. "
          f"{_recalculated_message(drafts)}", "success")
    return redirect(url_for("staff.campaign_settings", campaign_id=campaign.id, _anchor="options"), 303)
