"""Template strings are translated in the language in force, also when it changes mid-request."""

from datetime import UTC, datetime

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import render_template_string
from flask_babel import force_locale

from regsvc import create_app
from regsvc.events.models import Event
from regsvc.mail.services import render_mail
from regsvc.registration.models import Registration
from regsvc.translation import current_translations


def _serbian_catalog(directory) -> None:
    catalog = Catalog(locale="sr_Latn")
    catalog.add("Your registration", "Vaša prijava")
    catalog.add("Your registration link: %(event)s", "Link do vaše prijave: %(event)s")
    catalog.add("Dear %(name)s,", "Poštovani/a %(name)s,")
    catalog.add(
        ("%(num)d seat left", "%(num)d seats left"),
        ("Ostalo je %(num)d mesto", "Ostala su %(num)d mesta", "Ostalo je %(num)d mesta"),
    )
    messages = directory / "sr_Latn" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    with open(messages / "messages.mo", "wb") as mo_file:
        write_mo(mo_file, catalog)


@pytest.fixture
def serbian_app(app_settings, tmp_path):
    _serbian_catalog(tmp_path / "translations")
    app_settings.update(
        LANGUAGES=["en", "sr_Latn"], BABEL_TRANSLATION_DIRECTORIES=str(tmp_path / "translations")
    )
    app = create_app(app_settings)
    yield app
    app.extensions["regsvc.db"].dispose()


def test_a_template_follows_a_change_of_language_within_one_request(serbian_app):
    template = '{{ _("Your registration") }} / {{ ngettext("%(num)d seat left", "%(num)d seats left", 3) }}'
    with serbian_app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string(template) == "Your registration / 3 seats left"
        with force_locale("sr_Latn"):  # as when an e-mail is written in its recipient's language
            assert render_template_string(template) == "Vaša prijava / Ostala su 3 mesta"
        assert render_template_string(template) == "Your registration / 3 seats left"
    with serbian_app.test_request_context("/", headers={"Accept-Language": "sr-Latn"}):
        assert render_template_string(template) == "Vaša prijava / Ostala su 3 mesta"


def test_imported_macros_follow_a_change_of_language_too(serbian_app):
    """Macros imported from another template translate with the globals, not the
    rendering's own gettext."""
    with serbian_app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert current_translations().ugettext("Your registration") == "Your registration"
        with force_locale("sr_Latn"):
            assert current_translations().ugettext("Your registration") == "Vaša prijava"
        assert current_translations().ugettext("Your registration") == "Your registration"


def test_an_email_is_written_in_its_recipients_language(serbian_app):
    event = Event(
        title="Druga nacionalna konferencija",
        timezone="Europe/Belgrade",
        starts_at=datetime(2027, 6, 30, 9, 30, tzinfo=UTC),
        venue_name="Hotel Mona Plaza",
        venue_address="Bulevar Mihajla Pupina 10",
    )
    registration = Registration(full_name="Ana Petrović")
    with serbian_app.test_request_context("/", headers={"Accept-Language": "en"}):
        mail = render_mail(
            "ana@example.org",
            "link_resent",
            "sr_Latn",
            event=event,
            registration=registration,
            link="https://x/r/t/",
        )
        english = render_mail(
            "ana@example.org",
            "link_resent",
            "en",
            event=event,
            registration=registration,
            link="https://x/r/t/",
        )
    assert mail.subject == "Link do vaše prijave: Druga nacionalna konferencija"
    assert mail.body.startswith("Poštovani/a Ana Petrović,")
    assert english.subject == "Your registration link: Druga nacionalna konferencija"
