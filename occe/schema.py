"""Creating the schema and migrating a live database, never deleting it.

A new database gets every table and the latest version number. A database made by
an older release is brought up to date by the migrations below, in order, each in
its own transaction; the version reached is recorded in ``SchemaVersion``.

To change the schema: change the model, append a function to ``MIGRATIONS`` that
brings an older database to the new shape (with ``playhouse.migrate``), and test it.
"""

from peewee import CharField, DateTimeField, ForeignKeyField, Model
from playhouse.migrate import SchemaMigrator

from .db import db
from .models import ALL_MODELS, SchemaVersion, User


def add_user_sessions(migrator):
    """Version 2: the server-side session registry (``UserSession``).

    The table is declared here as it was at version 2, so that a later change of the
    model (with its own migration) does not change what this step creates.
    """

    class UserSession(Model):
        key_hash = CharField(max_length=64, unique=True)
        user = ForeignKeyField(User, on_delete="CASCADE")
        created_at = DateTimeField(index=True)
        last_seen_at = DateTimeField()
        address = CharField(max_length=64, default="")
        user_agent = CharField(max_length=200, default="")
        revoked_at = DateTimeField(null=True)
        revoked_reason = CharField(max_length=40, default="")

        class Meta:
            database = migrator.database
            legacy_table_names = False  # "user_session", and its indexes named alike

    UserSession.create_table(safe=True)


# MIGRATIONS[n] brings a database from version n + 1 to version n + 2.
MIGRATIONS = [add_user_sessions]
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
