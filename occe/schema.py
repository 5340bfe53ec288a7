"""Creating the schema and migrating a live database, never deleting it.

A new database gets every table and the latest version number. A database made by
an older release is brought up to date by the migrations below, in order, each in
its own transaction; the version reached is recorded in ``SchemaVersion``.

To change the schema: change the model, append a function to ``MIGRATIONS`` that
brings an older database to the new shape (with ``playhouse.migrate``), and test it.
"""

from playhouse.migrate import SchemaMigrator

from .db import db
from .models import ALL_MODELS, SchemaVersion

# MIGRATIONS[n] brings a database from version n + 1 to version n + 2.
MIGRATIONS = []
LATEST_VERSION = 1 + len(MIGRATIONS)


def current_version():
    """Return the schema version of the database, or 0 when it has no tables yet."""
    if not db.table_exists(SchemaVersion._meta.table_name):
        return 0
    row = SchemaVersion.select().first()
    return row.version if row else 0


def upgrade():
    """Create or migrate the schema up to ``LATEST_VERSION``; return the version reached."""
    version = current_version()
    if version == 0:
        with db.atomic():
            db.create_tables(ALL_MODELS, safe=True)
            SchemaVersion.delete().execute()
            SchemaVersion.create(version=LATEST_VERSION)
        return LATEST_VERSION
    migrator = SchemaMigrator.from_database(db.obj)
    for step in MIGRATIONS[version - 1:]:
        with db.atomic():
            step(migrator)
            version += 1
            SchemaVersion.update(version=version).execute()
    return version
