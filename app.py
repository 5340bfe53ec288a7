"""Entry point for ``flask run`` and WSGI servers."""

from occe import create_app

app = create_app()
