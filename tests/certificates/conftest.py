import pytest

from tests.messages.conftest import with_blueprints


@pytest.fixture(autouse=True)
def _blueprints(app):
    with_blueprints(app)
