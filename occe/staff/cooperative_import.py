"""Importing cooperatives from a CSV file: read, check every line, then apply all or nothing.

The file is what a spreadsheet saves: UTF-8 (with or without BOM) or Windows-1252,
``;`` or ``,`` between values, a header row naming the columns. Every problem is
reported with its line and column so the staff can fix the file and send it again.
A number that already exists updates that cooperative; an empty cell then leaves
the value already known unchanged.
"""

import codecs
import csv
import io
import unicodedata
from dataclasses import dataclass, field

from ..db import db
from ..membership.forms import clean_text
from ..models import Cooperative
from ..uai import with_check_letter
from .staff_forms import email_problem, uai_problem

MAX_BYTES = 2 * 1024 * 1024
# A header far wider than the columns known is not a cooperatives file: one message, not thousands.
MAX_HEADER_CELLS = 50
NOT_TEXT = (
    "Le fichier contient des caractères nuls : ce n'est pas un fichier CSV. Dans votre "
    "tableur, enregistrez-le au format « CSV UTF-8 » et envoyez-le à nouveau."
)


@dataclass(frozen=True)
class Column:
    key: str  # the header as written in the file
    attribute: str  # the Cooperative field
    label: str
    max_length: int
    required: bool = False
    example: str = ""


COLUMNS = [
    Column("numero", "number", "N° de coopérative", 20, True, "099-0101"),
    Column("ecole", "school_name", "Nom de l'école", 120, True, "École élémentaire Victor Hugo"),
    Column("uai", "uai", "UAI (7 chiffres et la lettre de contrôle)", 8, False,
           with_check_letter("0990101")),
    Column("commune", "commune", "Commune", 80, False, "Bellecombe"),
    Column("circonscription", "circonscription", "Circonscription", 80, False, "Circonscription Sud"),
    Column("email", "email", "Adresse électronique de l'école", 200, False, "ce.0990101@ac-exemple.fr"),
    Column("mandataire", "mandataire_name", "Nom du mandataire", 80, False, "Paul Martin"),
    Column("email_mandataire", "mandataire_email", "Adresse électronique du mandataire", 200,
           False, "paul.martin@ac-exemple.fr"),
]
_BY_KEY = {c.key: c for c in COLUMNS}
MISSING = {
    "numero": "Case vide : indiquez le numéro de la coopérative.",
    "ecole": "Case vide : indiquez le nom de l'école.",
}


class ImportFileError(ValueError):
    """Raised with a French message when the file as a whole cannot be read."""


@dataclass
class LineError:
    line: int
    column: str  # a header key, or "" for the whole line
    message: str


@dataclass
class Row:
    line: int
    values: dict  # attribute → text (only the non-empty cells)
    existing_id: int = None

    @property
    def is_update(self):
        return self.existing_id is not None


@dataclass
class ImportPreview:
    columns: list = field(default_factory=list)  # the Column objects the file holds
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    @property
    def created(self):
        return sum(1 for r in self.rows if not r.is_update)

    @property
    def updated(self):
        return sum(1 for r in self.rows if r.is_update)


def decode(data):
    """Return the file's text: UTF-8 (BOM or not), UTF-16 with its BOM, else Windows-1252.

    A text holding NUL characters (binary garbage, UTF-16 without BOM) is refused: no
    spreadsheet writes them in a CSV, and PostgreSQL cannot store them.
    """
    text = None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "cp1252"):
        if text is not None:
            break
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
    if text is None:
        raise ImportFileError(
            "Le fichier n'est ni en UTF-8 ni en Windows-1252. Dans votre tableur, "
            "enregistrez-le au format « CSV UTF-8 » et envoyez-le à nouveau."
        )
    if "\x00" in text:
        raise ImportFileError(NOT_TEXT)
    return text


def _header_key(text):
    """``N° École`` → ``n_ecole``: headers compare without case, accents or spacing."""
    text = unicodedata.normalize("NFKD", text.strip().lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return "_".join(text.replace("-", " ").replace("'", " ").split())


def detect_separator(header_line):
    """``;`` (French spreadsheets) unless the header holds more commas."""
    return "," if header_line.count(",") > header_line.count(";") else ";"


def _read_header(cells, errors):
    """Map each position of the header to its Column; record unknown and missing columns."""
    positions = {}
    if len(cells) > MAX_HEADER_CELLS:
        errors.append(LineError(1, "", (
            f"La première ligne compte {len(cells)} colonnes : le fichier n'en attend que "
            f"{len(COLUMNS)} au plus ({', '.join(c.key for c in COLUMNS)}). Vérifiez le séparateur."
        )))
        return positions
    for index, cell in enumerate(cells):
        key = _header_key(cell)
        if not key:
            continue
        column = _BY_KEY.get(key)
        if column is None:
            errors.append(LineError(1, cell.strip(), (
                f"Colonne inconnue « {cell.strip()} ». Les colonnes possibles sont : "
                + ", ".join(c.key for c in COLUMNS) + "."
            )))
        elif column in positions.values():
            errors.append(LineError(1, column.key, "Cette colonne apparaît deux fois : gardez-en une."))
        else:
            positions[index] = column
    for column in COLUMNS:
        if column.required and column not in positions.values():
            errors.append(LineError(1, column.key, (
                f"La colonne obligatoire « {column.key} » ({column.label}) manque : "
                "ajoutez-la à la première ligne."
            )))
    return positions


def _cell_problem(column, value):
    """Return what is wrong with one non-empty cell, or None."""
    if len(value) > column.max_length:
        return f"{column.max_length} caractères au plus ({len(value)} ici) : raccourcissez la valeur."
    if column.attribute == "uai":
        return uai_problem(value)
    if column.attribute in ("email", "mandataire_email"):
        return email_problem(value)
    return None


def _read_row(line, cells, positions, width, errors):
    """Return the row's values (attribute → text), recording its problems in ``errors``."""
    extra = [c for c in cells[width:] if c.strip()]
    if extra:
        errors.append(LineError(line, "", (
            f"La ligne compte {len(cells)} valeurs pour {width} colonnes : vérifiez les "
            "séparateurs, et mettez entre guillemets une valeur qui contient un point-virgule "
            "ou une virgule."
        )))
        return None
    values = {}
    for index, column in positions.items():
        # Control characters dropped, as the forms do.
        value = clean_text(cells[index]) if index < len(cells) else ""
        if column.attribute == "uai":
            value = value.upper()
        if not value:
            if column.required:
                errors.append(LineError(line, column.key, MISSING[column.key]))
            continue
        problem = _cell_problem(column, value)
        if problem:
            errors.append(LineError(line, column.key, problem))
        values[column.attribute] = value
    return values


def _readable_rows(reader, errors):
    """Yield the CSV reader's rows; a row it cannot read ends the file with a French error."""
    try:
        yield from reader
    except csv.Error:
        # A value longer than csv's field limit, most often a quote never closed.
        errors.append(LineError(reader.line_num, "", (
            "Le fichier n'a pas pu être lu à partir de cette ligne : une valeur est beaucoup "
            "trop longue, sans doute un guillemet jamais refermé. Corrigez le fichier et "
            "envoyez-le à nouveau."
        )))


def preview(text):
    """Read and check the whole file; return what would be created and updated, and every error."""
    result = ImportPreview()
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        result.errors.append(LineError(1, "", "Le fichier est vide : il doit commencer par la "
                                              "ligne des noms de colonnes."))
        return result
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_separator(lines[0]))
    rows = _readable_rows(reader, result.errors)
    header = next(rows, [])
    positions = _read_header(header, result.errors)
    result.columns = list(positions.values())
    if result.errors:
        return result
    existing = dict(Cooperative.select(Cooperative.number, Cooperative.id).tuples())
    first_line_of = {}
    line = reader.line_num + 1
    for cells in rows:
        start, line = line, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        values = _read_row(start, cells, positions, len(header), result.errors)
        if values is None:
            continue
        number = values.get("number")
        if number in first_line_of:
            result.errors.append(LineError(start, "numero", (
                f"Le numéro {number} figure déjà à la ligne {first_line_of[number]} : "
                "une coopérative ne doit apparaître qu'une fois."
            )))
            continue
        if number:
            first_line_of[number] = start
        result.rows.append(Row(start, values, existing.get(number)))
    if not result.rows and not result.errors:
        result.errors.append(LineError(2, "", "Le fichier ne contient aucune coopérative "
                                              "après la ligne des noms de colonnes."))
    return result


def apply(result):
    """Create and update the cooperatives of a checked file, all in one transaction."""
    with db.atomic():
        for row in result.rows:
            if row.is_update:
                Cooperative.update(**row.values).where(Cooperative.id == row.existing_id).execute()
            else:
                Cooperative.create(**row.values)
    return result.created, result.updated


def template_csv():
    """The downloadable model: UTF-8 with BOM, ``;``, the header and one example line."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.key for c in COLUMNS])
    writer.writerow([c.example for c in COLUMNS])
    return "\ufeff" + out.getvalue()
