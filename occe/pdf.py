"""PDF printables: HTML templates under ``templates/pdf/`` rendered by xhtml2pdf.

Every document shares one letterhead and one stylesheet (``pdf/_base.html``), prints
in DejaVu Sans (shipped in ``static/fonts``: accents, ``€`` and the narrow no-break
space of French amounts all print), and fetches nothing remote: the resource policy
refuses the network and confines local reads to ``static/``.
"""

import io
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app, make_response, render_template
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy


class PdfError(RuntimeError):
    """Raised when xhtml2pdf reports errors in a document."""


def _policy():
    """Nothing remote, local reads only under ``static/``."""
    return ResourceAccessPolicy(
        allow_remote=False,
        base_dir=Path(current_app.static_folder).resolve(),
        max_render_seconds=60,
    )


def _link_callback(uri, rel):
    """Map ``/static/…`` URLs (and bare file names under static/) to files under static/."""
    static = Path(current_app.static_folder).resolve()
    if uri.startswith("/static/"):
        return str(static / uri[len("/static/"):])
    return uri


def render_pdf_html(html):
    """Render an HTML string to PDF bytes."""
    output = io.BytesIO()
    result = pisa.CreatePDF(
        html,
        dest=output,
        encoding="utf-8",
        link_callback=_link_callback,
        resource_policy=_policy(),
        path=str(Path(current_app.static_folder).resolve() / "document.html"),
    )
    if result.err:
        raise PdfError(f"xhtml2pdf reported {result.err} error(s)")
    return output.getvalue()


def render_pdf(template, **context):
    """Render ``templates/pdf/<template>`` with the shared letterhead; return PDF bytes.

    The context gets ``generated_at`` (UTC) unless given, and the fonts' directory.
    """
    context.setdefault("generated_at", datetime.now(timezone.utc).replace(tzinfo=None))
    context.setdefault("font_dir", str(Path(current_app.static_folder).resolve() / "fonts"))
    return render_pdf_html(render_template(f"pdf/{template}", **context))


def pdf_response(data, filename):
    """Answer PDF bytes to open in a new tab (``inline``) under ``filename``."""
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
