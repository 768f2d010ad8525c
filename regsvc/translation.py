"""The `_()` of templates, with the translations looked up once per request and language.

Flask-Babel finds the current translations anew for every string it translates, through
half a dozen context look-ups; a page or an e-mail has dozens of strings. Here they are
kept on `g` with the locale they belong to, so a change of language (force_locale, as
when an e-mail is written in its recipient's language) is seen at once.
"""

from babel.support import NullTranslations
from flask import Flask, g
from flask_babel import get_locale, get_translations


def current_translations() -> NullTranslations:
    locale = get_locale()
    if locale is None:  # no application context: Flask-Babel's own answer
        return get_translations()
    cached = g.get("_translations")
    if cached is not None and cached[0] is locale:
        return cached[1]
    translations = get_translations()
    g._translations = (locale, translations)
    return translations


def init_app(app: Flask) -> None:
    """Replace the template callables Flask-Babel installs (call after babel.init_app)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: current_translations().ugettext(string),
        ngettext=lambda singular, plural, n: current_translations().ungettext(singular, plural, n),
        pgettext=lambda context, string: current_translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: current_translations().unpgettext(
            context, singular, plural, n
        ),
        newstyle=True,
    )
