"""Counting the SQL statements of each request (``bench/counted_app.py``).

Peewee logs every statement it sends on the ``peewee`` logger at DEBUG level; a handler
collects them per request (gunicorn's sync workers run one request at a time per
process) and appends ``{"path", "status", "count", "statements"}`` as a JSON line to a
log the harness reads.
"""

import json
import logging

from flask import request


class StatementCollector(logging.Handler):
    """Keep the SQL of the statements Peewee sends."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.statements = []

    def emit(self, record):
        sql = record.msg[0] if isinstance(record.msg, tuple) else record.getMessage()
        self.statements.append(sql)


def count_queries(app, log_path):
    """Log each request's statements to ``log_path``."""
    collector = StatementCollector()
    logger = logging.getLogger("peewee")
    logger.addHandler(collector)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False

    def _start():
        collector.statements = []

    # First of the before-request functions: the app's own (the session's user, the forced
    # password change) query the database too. SQLite's pragmas at connect are not logged.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)

    @app.after_request
    def _write(response):
        with open(log_path, "a") as log:
            log.write(json.dumps({"path": request.full_path.rstrip("?"),
                                  "status": response.status_code,
                                  "count": len(collector.statements),
                                  "statements": collector.statements}) + "\n")
        return response

