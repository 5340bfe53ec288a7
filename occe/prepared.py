"""Prepared reads: the SQL text of a Peewee query generated once per process.

Peewee turns a query into SQL each time it runs, about 30 µs per selected column here:
most of the CPU of the wide reads that every request makes (the session with its
account, the draft with its campaign). A ``PreparedSelect`` builds its query once with
markers where the values go, keeps the SQL text and the order of its parameters for each
kind of database, and at each run only binds the values; the query itself still turns
the rows into models, joined ones included.
"""

from peewee import Value

from .db import db


class _Marker:
    """Where a named value goes in the parameters of the SQL text."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name


class PreparedSelect:
    """A SELECT built by ``build(**markers)`` once; ``first(**values)`` runs it.

    ``build`` receives one Peewee node per name, to use where the value would go
    (``Model.field == marker``); values are bound as given (no field conversion), so
    pass what the database stores (ints, strings, booleans).
    """

    def __init__(self, build, *names):
        self.query = build(**{name: Value(_Marker(name), converter=False) for name in names})
        self._compiled = {}  # database class -> (sql, parameters with markers)

    def _sql(self, database):
        kind = type(database)
        if kind not in self._compiled:
            sql, params = database.get_sql_context().sql(self.query).query()
            self._compiled[kind] = sql, params
        return self._compiled[kind]

    def rows(self, **values):
        """Run the query with ``values``; return its rows as the query would (models)."""
        database = db.obj
        sql, params = self._sql(database)
        bound = [values[p.name] if isinstance(p, _Marker) else p for p in params]
        cursor = database.execute_sql(sql, bound)
        return self.query._get_cursor_wrapper(cursor)

    def first(self, **values):
        """Return the first row, or None."""
        for row in self.rows(**values):
            return row
        return None
