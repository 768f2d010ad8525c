"""The app of these tests offers every language the site has a catalogue for."""

import pytest

from regsvc.translation import LANGUAGE_NAMES

LOCALES = list(LANGUAGE_NAMES)


@pytest.fixture
def app_settings(app_settings):
    app_settings["LANGUAGES"] = LOCALES
    return app_settings
