"""The pages of regsvc.messages and regsvc.certificates, on each test's app."""

import pytest

from regsvc.certificates.views import bp as certificates_bp
from regsvc.messages.views import bp as messages_bp


def with_blueprints(app) -> None:
    """Register the blueprints on an app whose factory does not (yet) do it itself."""
    for blueprint in (messages_bp, certificates_bp):
        if blueprint.name not in app.blueprints:
            app.register_blueprint(blueprint)


@pytest.fixture(autouse=True)
def _blueprints(app):
    with_blueprints(app)
