"""PDF printables: HTML templates under ``templates/pdf/`` rendered by xhtml2pdf.

Every document shares one letterhead and one stylesheet (``pdf/_base.html``), prints
in DejaVu Sans (shipped in ``static/fonts``: accents, ``€`` and the narrow no-break
space of French amounts all print), and fetches nothing remote: the resource policy
refuses the network and confines local reads to ``static/``.

What a process does once rather than for every document:

- The DejaVu faces are read and registered once (``register_fonts``), with ReportLab
  and under the family name the stylesheet uses, instead of an ``@font-face`` rule that
  made xhtml2pdf read and hash the three font files (2 MB) for each document.
- Each document embeds a subset of each face it uses, and the subset starts with the
  same characters in the same order (``SUBSET_ALPHABET``: Latin-1 and French
  typography), so documents whose text stays within them embed byte-identical fonts.
  The subset font file is therefore built and compressed once per process, and joining
  documents (bulk printing) keeps a single copy of each font (``join_pdfs``).
- A stylesheet made only of rules (xhtml2pdf's default one, and ours but for its
  ``@page`` rule, which is why that one has a ``<style>`` of its own) is parsed once
  (``_CachingContext``): its parse depends on its text alone and xhtml2pdf never
  changes a parsed stylesheet (merging copies what it changes), so every document
  reads the same one.
- ``warm_up`` does before the first request what the first document of a process
  would otherwise pay for (fonts, templates, xhtml2pdf's parser tables): the server's
  master process calls it before it forks its workers (``gunicorn.conf.py``).

Neither leaks anything from one document into another: ReportLab keeps each document's
subset state apart (its fonts' ``state`` is per document), the cached font file is
keyed by the exact characters of the subset, and xhtml2pdf renders one document at a
time per process.
"""

import functools
import hashlib
import io
import zlib
from datetime import datetime, timezone
from pathlib import Path

import pikepdf
from flask import current_app, make_response, render_template
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC, TTFont, TTFontFace
from xhtml2pdf import default as xhtml2pdf_default
from xhtml2pdf import document as xhtml2pdf_document
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy
from xhtml2pdf.context import pisaContext, pisaCSSBuilder, pisaCSSParser

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT_FAMILY = "DejaVu Sans"
# The faces of the family, by the name ReportLab knows them under (the names the
# stylesheet's @font-face rules gave them before). Bold italic prints in the oblique
# face, as it did then.
FONT_FACES = {
    "dejavu sans_00": "DejaVuSans.ttf",
    "dejavu sans_10": "DejaVuSans-Bold.ttf",
    "dejavu sans_01": "DejaVuSans-Oblique.ttf",
}
# What every font subset starts with, after ASCII (which ReportLab always puts first):
# the rest of Latin-1 and the signs of French typography (œ, €, quotes, dashes, the
# ellipsis, the narrow no-break space of amounts). A character outside it still prints:
# it is added to that document's subset, which then differs from the others.
SUBSET_ALPHABET = (
    "".join(chr(code) for code in range(0xA1, 0x100))
    + "ŒœŸ€‘’‚“”„…–—•‰‹›\u2009\u2011\u202f"
)
# Subset font files kept compressed, per face: a few distinct subsets at most in
# practice (one per set of characters outside SUBSET_ALPHABET).
SUBSET_CACHE_SIZE = 32


class PdfError(RuntimeError):
    """Raised when xhtml2pdf reports errors in a document."""


class _SubsetCachingFace(TTFontFace):
    """A TrueType face that builds and compresses each distinct subset once."""

    @functools.lru_cache(maxsize=SUBSET_CACHE_SIZE)  # noqa: B019 (faces live as long as the process)
    def compressed_subset(self, subset):
        """Return ``(compressed font file, its length uncompressed)`` for ``subset``."""
        data = self.makeSubset(list(subset))
        return zlib.compress(data), len(data)

    def addSubsetObjects(self, doc, fontname, subset):
        """As ``TTFontFace.addSubsetObjects``, with the font file from the cache."""
        if not doc.compression:
            return super().addSubsetObjects(doc, fontname, subset)
        data, length = self.compressed_subset(tuple(subset))
        font_file = pdfdoc.PDFStream(content=data)
        # A stream whose dictionary names its filter is written as it is.
        font_file.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
        font_file.dictionary["Length1"] = length
        font_file_ref = doc.Reference(font_file, f"fontFile:{self.filename}({fontname})")
        descriptor = pdfdoc.PDFDictionary({
            "Type": "/FontDescriptor",
            "Ascent": self.ascent,
            "CapHeight": self.capHeight,
            "Descent": self.descent,
            "Flags": (self.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
            "FontBBox": pdfdoc.PDFArray(self.bbox),
            "FontName": pdfdoc.PDFName(fontname),
            "ItalicAngle": self.italicAngle,
            "StemV": self.stemV,
            "FontFile2": font_file_ref,
            "MissingWidth": self.defaultWidth,
        })
        return doc.Reference(descriptor, "fontDescriptor:" + fontname)


class _SharedSubsetFont(TTFont):
    """A TrueType font whose subset in each document starts with ``SUBSET_ALPHABET``."""

    def __init__(self, name, filename):
        super().__init__(name, filename)
        # ReportLab builds a plain face; this one only adds the subset cache.
        self.face.__class__ = _SubsetCachingFace

    def splitString(self, text, doc, encoding="utf-8"):
        if doc not in self.state:  # the document's first text in this font
            super().splitString(self.alphabet, doc, encoding)
        return super().splitString(text, doc, encoding)

    @functools.cached_property
    def alphabet(self):
        """``SUBSET_ALPHABET`` less what the face cannot draw (it would take a code)."""
        return "".join(c for c in SUBSET_ALPHABET if ord(c) in self.face.charToGlyph)


class _CachingContext(pisaContext):
    """xhtml2pdf's document context, reading stylesheets made only of rules from a cache.

    At-rules (``@page``, ``@font-face``, ``@import``…) and custom properties act on the
    document as they are parsed: a stylesheet holding any is parsed for each document.
    """

    def _parseCSSSource(self, text, sourceName):
        if "@" in text or "--" in text:
            return super()._parseCSSSource(text, sourceName)
        stylesheet, declared = parsed_rules(text)
        if declared:  # for xhtml2pdf's warning about the properties it ignores
            self.cssParser.declaredBySource.setdefault(sourceName, set()).update(declared)
        return stylesheet


@functools.lru_cache(maxsize=16)
def parsed_rules(text):
    """Return ``(stylesheet, property names declared)`` for CSS rules ``text``."""
    context = pisaContext("")
    builder = pisaCSSBuilder(mediumSet=["all", "print", "pdf"])
    builder._c = lambda: context  # as pisaContext.parseCSS sets it (a weak reference)
    parser = pisaCSSParser(builder)
    parser._c = builder._c
    parser.sourceName = "rules"
    stylesheet = parser.parse(text)
    return stylesheet, frozenset(parser.declaredBySource.get("rules", ()))


@functools.cache
def register_fonts():
    """Register the DejaVu faces with ReportLab and xhtml2pdf, once per process, and
    let xhtml2pdf read stylesheets of rules from the cache (``_CachingContext``)."""
    # pisaDocument creates each document's context from this name.
    xhtml2pdf_document.pisaContext = _CachingContext
    for name, filename in FONT_FACES.items():
        pdfmetrics.registerFont(_SharedSubsetFont(name, str(FONT_DIR / filename)))
    family = FONT_FAMILY.lower()
    pdfmetrics.registerFontFamily(family, normal="dejavu sans_00", bold="dejavu sans_10",
                                  italic="dejavu sans_01", boldItalic="dejavu sans_01")
    # xhtml2pdf starts each document's font list from this table.
    xhtml2pdf_default.DEFAULT_FONT[family] = family


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
    register_fonts()
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

    The context gets ``generated_at`` (UTC) unless given.
    """
    context.setdefault("generated_at", datetime.now(timezone.utc).replace(tzinfo=None))
    return render_pdf_html(render_template(f"pdf/{template}", **context))


def join_pdfs(documents, titles=None):
    """Return the PDF made of ``documents`` (PDF bytes), one after the other.

    The pages are copied as they are (qpdf, through pikepdf). A font the documents
    embed identically (see ``SUBSET_ALPHABET``) is written once: every page names the
    first copy, and qpdf writes only the objects the pages reach.

    ``titles``, one per document, become bookmarks to each document's first page;
    without them, the documents' own top-level bookmarks are kept (joining joined
    files). A file with bookmarks opens with the viewer's side panel listing them.
    """
    joined = pikepdf.Pdf.new()
    sources = []  # kept open until saved: qpdf reads their streams then
    bookmarks = []
    for number, document in enumerate(documents):
        source = pikepdf.Pdf.open(io.BytesIO(document))
        sources.append(source)
        first = len(joined.pages)
        if titles is None:
            bookmarks.extend((title, first + page) for title, page in bookmarks_of(source))
        else:
            bookmarks.append((titles[number], first))
        joined.pages.extend(source.pages)
    share_fonts(joined)
    if bookmarks:
        with joined.open_outline() as outline:
            outline.root.extend(pikepdf.OutlineItem(title, page) for title, page in bookmarks)
        joined.Root.PageMode = pikepdf.Name.UseOutlines
    output = io.BytesIO()
    joined.save(output, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    for source in sources:
        source.close()
    return output.getvalue()


def bookmarks_of(pdf):
    """Return ``(title, page index)`` of the top-level bookmarks of ``pdf`` that point to
    one of its pages (those ``join_pdfs`` writes)."""
    if "/Outlines" not in pdf.Root:
        return []
    pages = {page.objgen: index for index, page in enumerate(pdf.pages)}
    found = []
    with pdf.open_outline() as outline:
        for item in outline.root:
            target = item.destination
            if isinstance(target, pikepdf.Array) and len(target) and target[0].objgen in pages:
                found.append((item.title, pages[target[0].objgen]))
    return found


def share_fonts(pdf):
    """Make the pages of ``pdf`` name one font object for each set of identical fonts."""
    first = {}  # content key → the first font object with it
    keys = {}  # object number → content key, for the fonts pages already share
    for page in pdf.pages:
        fonts = page.obj.get("/Resources", {}).get("/Font", {})
        for name, font in fonts.items():
            if font.objgen not in keys:
                keys[font.objgen] = _content_key(font)
            fonts[name] = first.setdefault(keys[font.objgen], font)


def _content_key(obj):
    """Return a digest of what ``obj`` holds, whatever its objects' numbers."""
    digest = hashlib.sha256()

    def feed(value):
        if isinstance(value, pikepdf.Stream):
            digest.update(b"stream")
            feed(value.stream_dict)
            digest.update(value.read_raw_bytes())
        elif isinstance(value, pikepdf.Dictionary):
            digest.update(b"<<")
            for key in sorted(value.keys()):
                digest.update(key.encode())
                feed(value[key])
            digest.update(b">>")
        elif isinstance(value, pikepdf.Object):
            digest.update(value.unparse())
        else:
            digest.update(repr(value).encode())

    feed(obj)
    return digest.digest()


# A line of each face, with every character the subsets start with.
WARM_UP_HTML = (
    '<html><body style="font-family: \'DejaVu Sans\'"><p>{text}</p><p><b>{text}</b></p>'
    "</body></html>"
)


def warm_up(app):
    """Load the fonts, compile the PDF templates and render a first small document."""
    register_fonts()
    with app.app_context():
        for name in app.jinja_env.list_templates(filter_func=lambda n: n.startswith("pdf/")):
            app.jinja_env.get_template(name)
        text = "".join(map(chr, range(0x21, 0x7F))) + SUBSET_ALPHABET
        render_pdf_html(WARM_UP_HTML.format(text=text.replace("&", "&amp;").replace("<", "&lt;")))


def pdf_response(data, filename):
    """Answer PDF bytes to open in a new tab (``inline``) under ``filename``."""
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
