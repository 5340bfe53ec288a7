"""Apps configured as in production for the tests that need it: CSRF protection on."""

from occe import create_app
from occe.schema import upgrade

from .factories import make_association, make_campaign


def app_with_csrf(tmp_path, campaign=True, **config):
    """A new app with CSRF on, on its own SQLite file, with an association (and a campaign)."""
    settings = {
        "TESTING": True, "SECRET_KEY": "test-secret", "DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'csrf.db'}", "SESSION_COOKIE_SECURE": False,
    }
    settings.update(config)
    app = create_app(settings)
    with app.app_context():
        upgrade()
        make_association()
        if campaign:
            make_campaign()
    return app
