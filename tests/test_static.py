"""The static files every page needs: a style sheet whose sections are not swallowed by
an unclosed block, and an icon (browsers ask for /favicon.ico beside a PDF)."""

import re
from pathlib import Path

STYLE_SHEET = Path(__file__).resolve().parent.parent / "static" / "css" / "app.css"


def test_every_section_of_the_style_sheet_starts_at_the_top_level():
    """An unclosed @media block would apply everything after it to small screens only."""
    depth = 0
    for number, line in enumerate(STYLE_SHEET.read_text().splitlines(), 1):
        code = re.sub(r"/\*.*?\*/|\"[^\"]*\"", "", line)
        if line.startswith("/*"):
            assert depth == 0, f"app.css ligne {number} : section ouverte dans un bloc non fermé"
        depth += code.count("{") - code.count("}")
        assert depth >= 0, f"app.css ligne {number} : accolade fermante de trop"
    assert depth == 0


def test_the_icon_is_served_without_login(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data
