"""Database tools for operators: copying an install to PostgreSQL, seeding a large campaign.

``flask copy-db --to postgresql://…`` moves a live install (SQLite) to an empty
PostgreSQL database, ids and all, and checks that every row and every cent arrived.
``flask seed-scale N`` adds N cooperatives with realistic memberships to the demo, for
the benchmarks (``bench/``) and for trying the staff pages with a department's volume.
"""

import json
import random
from contextlib import contextmanager
from datetime import date, timedelta

import click
from flask.cli import with_appcontext
from peewee import IntegerField, fn, sort_models

from . import fees
from .db import db, open_database
from .demo import is_demo_database
from .models import (
    ALL_MODELS,
    AuditEvent,
    Campaign,
    Cooperative,
    DocumentReceipt,
    Membership,
    MembershipLine,
    Option,
    Payment,
    SchemaVersion,
    User,
    utcnow,
)
from .money import from_cents, to_cents
from .schema import LATEST_VERSION, current_version, upgrade

# Rows per INSERT: well under SQLite's limit of 32,766 bound values for the widest table.
BATCH = 500


class CopyError(click.ClickException):
    """A copy refused or failed; the target database is left as it was."""


@contextmanager
def handle_pointing_at(database):
    """Point the shared handle at ``database`` for a block (single-threaded CLI use only)."""
    previous = db.obj
    db.initialize(database)
    try:
        yield
    finally:
        db.initialize(previous)


def data_models():
    """Return the models holding data, parents before children (the schema version aside)."""
    return [m for m in sort_models(ALL_MODELS) if m is not SchemaVersion]


def row_counts(database):
    """Return ``{table: number of rows}`` for every data table of ``database``."""
    return {m._meta.table_name: m.select().bind(database).count() for m in data_models()}


def money_sums(database):
    """Return ``{table.column: sum}`` for every ``*_cents`` column of ``database``."""
    sums = {}
    for model in data_models():
        for field in model._meta.sorted_fields:
            if isinstance(field, IntegerField) and field.name.endswith("_cents"):
                total = model.select(fn.COALESCE(fn.SUM(field), 0)).bind(database).scalar()
                # PostgreSQL answers a Decimal for a sum, SQLite an int.
                sums[f"{model._meta.table_name}.{field.name}"] = int(total)
    return sums


def reset_sequences(database, models):
    """Move each table's id sequence past its largest id (PostgreSQL; SQLite needs nothing).

    Rows inserted with their ids do not advance a SERIAL's sequence: without this the
    next row created by the app would collide with a copied one.
    """
    if not database.sequences:
        return
    for model in models:
        table = model._meta.table_name
        database.execute_sql(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM \"{table}\""
        )


def bulk_insert(database, model, fields, rows):
    """Insert ``rows`` (tuples of Python values for ``fields``) with one prepared INSERT.

    Straight to the driver's ``executemany``: building a Peewee query per batch costs
    more than the database's work (ten times more for 300,000 lines on SQLite).
    """
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    marks = ", ".join([database.param] * len(fields))
    sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({marks})'
    converters = [field.db_value for field in fields]
    cursor = database.cursor()
    for start in range(0, len(rows), BATCH):
        cursor.executemany(sql, [
            tuple(convert(value) for convert, value in zip(converters, row))
            for row in rows[start:start + BATCH]
        ])


def copy_table(model, source, target):
    """Copy every row of ``model`` from ``source`` to ``target`` in batches, keeping ids."""
    fields = model._meta.sorted_fields
    query = model.select(*fields).order_by(model._meta.primary_key).bind(source).tuples()
    batch = []
    for row in query.iterator():
        batch.append(row)
        if len(batch) == BATCH:
            bulk_insert(target, model, fields, batch)
            batch = []
    bulk_insert(target, model, fields, batch)


def copy_database(source, target):
    """Copy every table of ``source`` into the empty ``target``; return the row counts.

    The source is read in one transaction (a consistent snapshot; on SQLite it also holds
    writers back until the copy ends) and the target written in one, so a failure or a
    failed check leaves the target empty.
    """
    with handle_pointing_at(source):
        if current_version() != LATEST_VERSION:
            raise CopyError("La base d'origine n'est pas à jour : lancez d'abord « flask init-db ».")
    with handle_pointing_at(target):
        upgrade()
        if any(row_counts(target).values()):
            raise CopyError("La base de destination contient déjà des données : "
                            "donnez une base vide (createdb occe).")
    models = data_models()
    with source.atomic(), target.atomic():
        for model in models:
            copy_table(model, source, target)
        reset_sequences(target, models)
        counts, copied_counts = row_counts(source), row_counts(target)
        sums, copied_sums = money_sums(source), money_sums(target)
        if copied_counts != counts or copied_sums != sums:
            # Raising inside the transaction rolls the target back to empty.
            raise CopyError(
                "La copie ne correspond pas à l'origine (lignes "
                f"{counts} / {copied_counts}, montants {sums} / {copied_sums}) : rien n'est gardé."
            )
    return counts, sums


@click.command("copy-db")
@with_appcontext
@click.option("--to", "target_url", required=True, metavar="URL",
              help="Base de destination, vide : postgresql://utilisateur@hôte/base")
def copy_db_command(target_url):
    """Copy this install's database to another, empty one (SQLite to PostgreSQL)."""
    from flask import current_app

    if target_url == current_app.config["DATABASE_URL"]:
        raise CopyError("La destination est la base actuelle.")
    source = db.obj
    target = open_database(target_url)
    with db.connection_context(), target.connection_context():
        counts, sums = copy_database(source, target)
    for table, count in counts.items():
        click.echo(f"  {table:<20} {count:>9} lignes")
    total = sum(sums.values())
    click.echo(f"Copie vérifiée : {sum(counts.values())} lignes, montants identiques "
               f"(somme de contrôle {total} centimes).")
    click.echo(f"Pour l'utiliser : DATABASE_URL={target_url}")


# --- seed-scale -------------------------------------------------------------------------

CLASSES = ["PS", "MS", "GS", "CP", "CE1", "CE2", "CM1", "CM2", "ULIS"]
NAMES = ["Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois",
         "Moreau", "Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "Garnier"]
COMMUNES = ["Saint-Martin-des-Prés", "Bellecombe", "Villeneuve-sur-Lys", "Montferrand-le-Bas",
            "Chef-Lieu", "Les Aubiers", "Val-de-Brèche", "Pont-Sainte-Marie"]
# How far along a department is in the busiest week: share of cooperatives per stage.
STAGES = [(None, 0.10), (Membership.DRAFT, 0.30), (Membership.SCHOOL_VALIDATED, 0.30),
          (Membership.OCCE_VALIDATED, 0.30)]


def scale_lines(rng):
    """Return ten ``(label, person, adults, pupils)`` lines: nine classes and the direction."""
    lines = []
    for label in rng.sample(CLASSES, 9):
        lines.append((label, f"{rng.choice(['Mme', 'M.'])} {rng.choice(NAMES)}",
                      rng.choice([1, 1, 1, 2]), rng.randint(15, 29)))
    lines.append(("Direction", f"Mme {rng.choice(NAMES)}", 1, 0))
    return lines


def next_ids(*models):
    """Return the next free id of each model (the caller holds the write transaction)."""
    return [(m.select(fn.MAX(m.id)).scalar() or 0) + 1 for m in models]


def insert_dicts(model, rows):
    """Insert ``rows`` (dicts of some fields) in batches; other fields take their default.

    Without an ``id`` in the rows the database numbers them.
    """
    if not rows:
        return
    fields = [f for f in model._meta.sorted_fields if f.name in rows[0] or not f.primary_key]

    def value(field, row):
        if field.name in row:
            return row[field.name]
        return field.default() if callable(field.default) else field.default

    bulk_insert(db.obj, model, fields, [tuple(value(f, row) for f in fields) for row in rows])


def seed_scale(count, seed=2026):
    """Add ``count`` cooperatives, each with ten lines in the current campaign.

    Stages follow ``STAGES``: validated memberships carry their frozen snapshot and
    audit events, most have their engagement received, the OCCE-validated ones are
    paid. Ids are assigned here and rows inserted in batches: 30,000 cooperatives take
    seconds, not the hours of one ``create()`` each.
    """
    rng = random.Random(seed)
    campaign = Campaign.current()
    tariff = campaign.tariff()
    staff = User.select().where(User.role == User.ADMIN).order_by(User.id).first()
    start = campaign.opens_on or date(campaign.start_year, 9, 1)
    no_options = [
        fees.OptionChoice(label=o.label, kind=o.kind, price=from_cents(o.price_cents),
                          visible=o.visible)
        for o in campaign.options.order_by(Option.position, Option.id)
    ]
    with db.atomic():
        coop_id, membership_id = next_ids(Cooperative, Membership)
        first_number = coop_id
        coops, memberships, lines, receipts, payments, events = [], [], [], [], [], []
        now = utcnow()
        for n in range(count):
            number = first_number + n
            commune = rng.choice(COMMUNES)
            coops.append(dict(
                id=coop_id, number=f"S-{number:06d}",
                school_name=f"École {rng.choice(['élémentaire', 'maternelle', 'primaire'])} "
                            f"n° {number}",
                uai="", commune=commune, circonscription=f"Circonscription {commune}",
                email=f"ecole{number}@example.org", mandataire_name=f"Mme {rng.choice(NAMES)}",
                mandataire_email=f"mandataire{number}@example.org", created_at=now,
            ))
            state = rng.choices([s for s, _ in STAGES], [w for _, w in STAGES])[0]
            if state is not None:
                membership_lines = scale_lines(rng)
                subscriptions = rng.choice([0, 0, 1])
                recap = fees.compute_recap(tariff, [(a, p) for _, _, a, p in membership_lines],
                                           subscriptions=subscriptions, options=no_options)
                membership = dict(
                    id=membership_id, cooperative=coop_id, campaign=campaign.id, state=state,
                    subscriptions=subscriptions, pupils=recap.pupils, adults=recap.adults,
                    total_cents=to_cents(recap.total), created_at=now, updated_at=now,
                    snapshot=None, school_validated_at=None, occe_validated_at=None,
                    occe_validated_by=None,
                )
                lines.extend(dict(membership=membership_id, label=label, person=person,
                                  adults=adults, pupils=pupils, created_at=now)
                             for label, person, adults, pupils in membership_lines)
                if state != Membership.DRAFT:
                    # Any time of the last 40 days, as a real campaign's validations.
                    validated = now - timedelta(seconds=rng.randint(86_400, 40 * 86_400))
                    membership["snapshot"] = json.dumps(recap.as_dict())
                    membership["school_validated_at"] = validated
                    events.append(dict(at=validated, action="membership_school_validated",
                                       user=None, login="", cooperative=coop_id,
                                       membership=membership_id))
                    if state == Membership.OCCE_VALIDATED or rng.random() < 0.5:
                        receipts.append(dict(
                            membership=membership_id, kind=DocumentReceipt.ENGAGEMENT,
                            received_on=start + timedelta(days=rng.randint(0, 60)),
                            recorded_by=staff, recorded_at=now))
                    if state == Membership.OCCE_VALIDATED or rng.random() < 0.3:
                        payments.append(dict(
                            membership=membership_id, amount_cents=membership["total_cents"],
                            mode=rng.choice(list(Payment.MODES)),
                            paid_on=start + timedelta(days=rng.randint(0, 60)),
                            reference=f"N° {rng.randint(1000000, 9999999)}",
                            recorded_by=staff, recorded_at=now))
                    if state == Membership.OCCE_VALIDATED:
                        membership["occe_validated_at"] = validated + timedelta(days=3)
                        membership["occe_validated_by"] = staff
                        events.append(dict(at=validated + timedelta(days=3),
                                           action="membership_occe_validated", user=staff,
                                           login=staff.login if staff else "",
                                           cooperative=coop_id, membership=membership_id))
                memberships.append(membership)
                membership_id += 1
            coop_id += 1
        for model, rows in ((Cooperative, coops), (Membership, memberships),
                            (MembershipLine, lines), (DocumentReceipt, receipts),
                            (Payment, payments), (AuditEvent, events)):
            insert_dicts(model, rows)
        reset_sequences(db.obj, [Cooperative, Membership])
    return dict(cooperatives=len(coops), memberships=len(memberships), lines=len(lines),
                receipts=len(receipts), payments=len(payments))


@click.command("seed-scale")
@with_appcontext
@click.argument("count", type=click.IntRange(min=1))
@click.option("--force", is_flag=True,
              help="Accepter une base qui n'est pas celle de démonstration.")
def seed_scale_command(count, force):
    """Add COUNT cooperatives with ten lines each in the current campaign (benchmarks)."""
    with db.connection_context():
        if not is_demo_database() and not force:
            raise click.ClickException(
                "Cette base n'est pas celle de démonstration : seed-scale y ajouterait des "
                "coopératives fictives. Ajoutez --force si c'est bien voulu."
            )
        if Campaign.current() is None:
            raise click.ClickException("Aucune campagne en cours : créez-en une d'abord.")
        made = seed_scale(count)
    click.echo(
        f"{made['cooperatives']} coopératives ajoutées ({made['memberships']} adhésions, "
        f"{made['lines']} lignes, {made['receipts']} documents reçus, "
        f"{made['payments']} règlements)."
    )


def init_app(app):
    """Register the commands on ``app``."""
    app.cli.add_command(copy_db_command)
    app.cli.add_command(seed_scale_command)
