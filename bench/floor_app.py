"""The floor: the least a row-save can cost with Flask, Peewee and SQLite under gunicorn.

One POST at the membership endpoint's address inserts one row in a write transaction
and answers a three-line fragment: no login, no CSRF, no recap. Served by gunicorn with
the app's own settings (``gunicorn.conf.py``) on the same database settings
(``occe.db.init_app``: WAL, synchronous=full, BEGIN IMMEDIATE), it is what
``bench/run.py`` compares the real row-save with.

    DATABASE_URL=sqlite:////tmp/floor.db gunicorn -c gunicorn.conf.py bench.floor_app:app
"""

import os

from flask import Flask, render_template_string, request
from peewee import CharField, IntegerField, Model

from occe import db as database
from occe.config import default_settings
from occe.db import db

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
    # The app's own database set-up: same settings, connection opened around each request.
    app.config.update(DATABASE_URL=os.environ["DATABASE_URL"],
                      SQLITE_BUSY_TIMEOUT_MS=default_settings(".")["SQLITE_BUSY_TIMEOUT_MS"])
    database.init_app(app)
    with db.connection_context():
        db.create_tables([FloorLine], safe=True)

    @app.post("/adhesion/lignes")
    def create_line():
        form = request.form
        with db.atomic():
            line = FloorLine.create(label=form["label"], person=form["person"],
                                    adults=int(form["adults"]), pupils=int(form["pupils"]))
        return render_template_string(FRAGMENT, line=line)

    return app


app = create_app()
