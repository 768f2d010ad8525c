"""Template strings are translated in the language in force, also when it changes mid-request."""

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import render_template_string
from flask_babel import force_locale


def _serbian_catalog(directory) -> None:
    catalog = Catalog(locale="sr_Latn")
    catalog.add("Your registration", "Vaša prijava")
    catalog.add(
        ("%(num)d seat left", "%(num)d seats left"),
        ("Ostalo je %(num)d mesto", "Ostala su %(num)d mesta", "Ostalo je %(num)d mesta"),
    )
    messages = directory / "sr_Latn" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    with open(messages / "messages.mo", "wb") as mo_file:
        write_mo(mo_file, catalog)


def test_a_template_follows_a_change_of_language_within_one_request(app_settings, tmp_path):
    from regsvc import create_app

    _serbian_catalog(tmp_path / "translations")
    app_settings.update(
        LANGUAGES=["en", "sr_Latn"], BABEL_TRANSLATION_DIRECTORIES=str(tmp_path / "translations")
    )
    app = create_app(app_settings)
    template = (
        '{{ _("Your registration") }} / {{ ngettext("%(num)d seat left", "%(num)d seats left", 3) }}'
    )
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string(template) == "Your registration / 3 seats left"
        with force_locale("sr_Latn"):  # as when an e-mail is written in its recipient's language
            assert render_template_string(template) == "Vaša prijava / Ostala su 3 mesta"
        assert render_template_string(template) == "Your registration / 3 seats left"
    with app.test_request_context("/", headers={"Accept-Language": "sr-Latn"}):
        assert render_template_string(template) == "Vaša prijava / Ostala su 3 mesta"
    app.extensions["regsvc.db"].dispose()
