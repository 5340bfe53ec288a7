"""Bulk printing: the attestations (or certificates) of every membership the OCCE
validated in the current campaign, as one PDF.

xhtml2pdf renders one document at a time per process (it holds a global lock), so the
documents are rendered by a pool of processes, one per core, each building its own app
and loading the fonts and templates once (``occe.pdf.warm_up``), then rendering a chunk
of memberships (read in one query, with the association) into one small PDF; the
chunks are then joined in order (``occe.pdf.join_pdfs``, qpdf), each document with a
bookmark (number and school) so that the staff find one school's page. Every attestation
embeds the same font subsets, which the joined file holds once: 1,000 attestations
weigh about 2.5 MB, not 45. The pool is started with ``spawn``: a fresh interpreter
inherits nothing of the gunicorn worker that asks (its open database connection, its
locks, its signal handlers), which ``fork`` would copy half-alive.

How big a request may be: about 70 ms of CPU per attestation (on this project's
2-core machine, shared), so 1,000 documents take some 35 s on two free cores, but
two minutes when other processes take the cores — the server's timeout
(``gunicorn.conf.py``) is three. The page therefore offers the documents in parts of at
most ``BULK_PRINT_PART`` memberships (500 by default, by cooperative number: part 1,
part 2…), each well within the timeout and a size a printer takes in one go. For a
whole campaign in a single file, however large, ``flask print-attestations OUT.pdf``
renders it on the server without any timeout. A background job queue would do the same
from the browser, but needs a worker service to install and watch; the parts cover a
department's few thousand cooperatives without one.
"""

import io
import math
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import click
from flask import abort, current_app, render_template, request, send_file
from flask.cli import with_appcontext

from ..auth import staff_required
from ..db import db
from ..documents.printables import ATTESTATION, CERTIFICAT, RENDERERS
from ..models import Association, Campaign, Cooperative, Membership
from ..pdf import join_pdfs, warm_up
from . import bp

# The documents printed in bulk, by the name in their URL, and how a sentence names them.
BULK = {"attestations": ATTESTATION, "certificats": CERTIFICAT}
PLURALS = {"attestations": "attestations d'adhésion", "certificats": "certificats d'assurance"}
# Memberships a worker renders and joins per task: large enough that passing the PDF
# back costs little, small enough that both cores stay busy until the end.
CHUNK = 25
DEFAULT_PART = 500
# What a worker needs of the asking app's configuration to open the same database.
WORKER_CONFIG = ("DATABASE_URL", "DATA_DIR", "SECRET_KEY", "TESTING", "DEMO", "TIMEZONE",
                 "SQLITE_BUSY_TIMEOUT_MS")


@dataclass(frozen=True)
class Part:
    """One part of a bulk printing: its number and the memberships' range in it."""

    number: int
    first: int  # 1-based position of its first membership
    last: int


def validated_ids(campaign):
    """Return the ids of ``campaign``'s memberships the OCCE validated, by cooperative number."""
    return [
        membership_id for (membership_id,) in
        Membership.select(Membership.id).join(Cooperative)
        .where((Membership.campaign == campaign) & (Membership.state == Membership.OCCE_VALIDATED))
        .order_by(Cooperative.number, Membership.id)
        .tuples()
    ]


def part_size():
    return current_app.config.get("BULK_PRINT_PART", DEFAULT_PART)


def parts(count, size):
    """Return the ``Part`` items of ``count`` memberships printed ``size`` at a time."""
    return [Part(n + 1, n * size + 1, min(count, (n + 1) * size))
            for n in range(math.ceil(count / size))]


# ---- Rendering in a pool of processes ----------------------------------------------

_worker_app = None


def _start_worker(config):
    """Build the worker's app and load what every document needs, once (the pool's
    initializer)."""
    global _worker_app
    from .. import create_app

    _worker_app = create_app(config)
    warm_up(_worker_app)


def _render_chunk(kind, membership_ids):
    """Render the ``kind`` document of each membership and return them joined as PDF bytes.

    The memberships (with their cooperative and campaign) and the association are read
    once for the chunk.
    """
    printable = BULK[kind]
    with _worker_app.app_context(), db.connection_context():
        memberships = {
            m.id: m for m in
            Membership.select(Membership, Cooperative, Campaign)
            .join(Cooperative).switch(Membership).join(Campaign)
            .where(Membership.id.in_(membership_ids))
        }
        association = Association.current()
        render = RENDERERS[printable.kind]
        ordered = [memberships[i] for i in membership_ids]
        return join_pdfs([render(m, association) for m in ordered],
                         titles=[bookmark_title(m.cooperative) for m in ordered])


def bookmark_title(cooperative):
    """Return the bookmark of a cooperative's document in a bulk file: number and school."""
    return f"{cooperative.number} — {cooperative.school_name}"


def workers():
    """The cores this process may use."""
    return len(os.sched_getaffinity(0))


def render_bulk(kind, membership_ids):
    """Return one PDF with the ``kind`` document of each membership, in the given order.

    Chunks of ``CHUNK`` memberships are rendered in parallel by a pool of fresh processes
    (one per core, at most one per chunk), each joined by its worker; the chunks are then
    joined in order. The fonts every document embeds are written once (``join_pdfs``).
    """
    chunks = [membership_ids[i:i + CHUNK] for i in range(0, len(membership_ids), CHUNK)]
    if not chunks:
        return join_pdfs([])
    config = {key: current_app.config[key] for key in WORKER_CONFIG if key in current_app.config}
    with ProcessPoolExecutor(
        max_workers=min(workers(), len(chunks)),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(config,),
    ) as pool:
        rendered = list(pool.map(_render_chunk, [kind] * len(chunks), chunks))
    return join_pdfs(rendered)


# ---- The page and the downloads ----------------------------------------------------


@bp.route("/impressions")
@staff_required
def printing():
    """Offer the attestations and certificates of the validated memberships, by parts."""
    campaign = Campaign.current()
    count = len(validated_ids(campaign)) if campaign else 0
    return render_template("staff/printing.html", campaign=campaign, count=count,
                           parts=parts(count, part_size()), bulk=BULK, plurals=PLURALS)


@bp.route("/documents/<any(attestations, certificats):documents>.pdf")
@staff_required
def print_documents(documents):
    """Download one part (``?partie=N``, the first by default) of the bulk documents."""
    campaign = Campaign.current()
    ids = validated_ids(campaign) if campaign else []
    if not ids:
        abort(409, "Aucune adhésion n'est validée par l'OCCE dans la campagne en cours : "
                   "il n'y a rien à imprimer.")
    size = part_size()
    number = request.args.get("partie", "1")
    if not number.isdigit() or not 1 <= int(number) <= math.ceil(len(ids) / size):
        abort(404)
    number = int(number)
    data = render_bulk(documents, ids[(number - 1) * size:number * size])
    several = len(ids) > size
    filename = f"{documents}-{campaign.name}" + (f"-partie-{number}" if several else "") + ".pdf"
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=filename)


# ---- The command for a whole campaign at once ---------------------------------------


@click.command("print-attestations")
@with_appcontext
@click.argument("output", type=click.Path(dir_okay=False, writable=True))
@click.option("--certificats", is_flag=True,
              help="Imprimer les certificats d'assurance plutôt que les attestations.")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Seulement les N premières adhésions (par numéro), pour un essai.")
def print_attestations_command(output, certificats, limit):
    """Write the attestations (or certificates) of every membership validated by the OCCE
    in the current campaign to OUTPUT, as one PDF."""
    kind = "certificats" if certificats else "attestations"
    with db.connection_context():
        campaign = Campaign.current()
        if campaign is None:
            raise click.ClickException("Aucune campagne en cours.")
        ids = validated_ids(campaign)[:limit]
    if not ids:
        raise click.ClickException("Aucune adhésion validée par l'OCCE : rien à imprimer.")
    started = time.perf_counter()
    data = render_bulk(kind, ids)
    with open(output, "wb") as f:
        f.write(data)
    click.echo(f"{len(ids)} {PLURALS[kind]} dans {output}, "
               f"en {time.perf_counter() - started:.1f} s ({workers()} processus).")


@bp.record_once
def _register_command(state):
    state.app.cli.add_command(print_attestations_command)
