"""The `_()` and `ngettext()` of templates, with the translations looked up once per rendering.

Flask-Babel finds the current translations anew for every string it translates, through
half a dozen context look-ups; a page or an e-mail has dozens of strings. Each rendering
gets its own gettext and ngettext, bound to the translations of the language in force when
it starts (force_locale included, as when an e-mail is written in its recipient's
language). Imported macros, which do not see the rendering's context, use the globals
installed here, which keep the translations on `g` with the locale they belong to.
"""

from babel.support import NullTranslations
from flask import Flask, g
from flask_babel import get_locale, get_translations
from jinja2 import pass_context
from markupsafe import Markup


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


def template_gettext(translations: NullTranslations) -> dict:
    """gettext and ngettext for one rendering, new-style as Jinja's i18n extension makes
    them: always %-formatted, and Markup where the template escapes."""

    @pass_context
    def gettext(context, string: str, **variables) -> str:
        text = translations.ugettext(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - the catalogue is ours; % escapes the variables
        return text % variables

    @pass_context
    def ngettext(context, singular: str, plural: str, num: int, **variables) -> str:
        variables.setdefault("num", num)
        text = translations.ungettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - the catalogue is ours; % escapes the variables
        return text % variables

    return {"gettext": gettext, "ngettext": ngettext}


def init_app(app: Flask) -> None:
    """Replace the template callables Flask-Babel installs (call after babel.init_app)."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda string: current_translations().ugettext(string),
        ngettext=lambda singular, plural, n: current_translations().ungettext(singular, plural, n),
        pgettext=lambda context, string: current_translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: current_translations().unpgettext(
            context, singular, plural, n
        ),
        newstyle=True,
    )
    app.context_processor(lambda: template_gettext(current_translations()))
