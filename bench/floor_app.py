"""The floor: the least a row-save can cost with Flask, Peewee and SQLite under gunicorn.

One POST at the membership endpoint's address inserts one row in a write transaction
and answers a three-line fragment: no login, no CSRF, no recap. Served by gunicorn with
the app's own settings (``gunicorn.conf.py``) on the same database settings
(``occe.db.open_database``: WAL, synchronous=full, BEGIN IMMEDIATE), it is what
``bench/run.py`` compares the real row-save with.

    DATABASE_URL=sqlite:////tmp/floor.db gunicorn -c gunicorn.conf.py bench.floor_app:app
"""

import os

from flask import Flask, render_template_string, request
from peewee import CharField, IntegerField, Model

from occe.db import db, open_database

FRAGMENT = """<tr id="line-{{ line.id }}"><td>{{ line.label }}</td><td>{{ line.person }}</td>
<td>{{ line.adults }}</td><td>{{ line.pupils }}</td></tr>
<tr id="blank"><td colspan="4"></td></tr>"""


class FloorLine(Model):
    label = CharField(max_length=60)
    person = CharField(max_length=80)
    adults = IntegerField()
    pupils = IntegerField()

    class Meta:
        database = db
        table_name = "floor_line"


def create_app():
    """The floor app on ``DATABASE_URL``, its table created."""
    app = Flask(__name__)
    db.initialize(open_database(os.environ["DATABASE_URL"]))
    with db.connection_context():
        db.create_tables([FloorLine], safe=True)

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not db.is_closed():
            db.close()

    @app.post("/adhesion/lignes")
    def create_line():
        form = request.form
        with db.atomic():
            line = FloorLine.create(label=form["label"], person=form["person"],
                                    adults=int(form["adults"]), pupils=int(form["pupils"]))
        return render_template_string(FRAGMENT, line=line)

    return app


app = create_app()
