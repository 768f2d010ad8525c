"""The languages of the site, the one each request is in, and the `_()` and `ngettext()` of
templates, with the translations looked up once per rendering.

A page is in the language its reader chose with the switcher on every page (kept in a
cookie; a staff member's choice is kept on their account too), else in the first language of
the browser's Accept-Language that the site offers, else in BABEL_DEFAULT_LOCALE.

Flask-Babel finds the current translations anew for every string it translates, through
half a dozen context look-ups; a page or an e-mail has dozens of strings. Each rendering
gets its own gettext and ngettext, bound to the translations of the language in force when
it starts (force_locale included, as when an e-mail is written in its recipient's
language). Imported macros, which do not see the rendering's context, use the globals
installed here, which keep the translations on `g` with the locale they belong to.
"""

from typing import NamedTuple
from urllib.parse import urlencode

from babel.support import NullTranslations
from flask import (
    Flask,
    Request,
    current_app,
    g,
    has_request_context,
    request,
    request_started,
    url_for,
)
from flask_babel import get_locale, get_translations
from jinja2 import pass_context
from markupsafe import Markup
from werkzeug.wrappers import Response

# Each language named in itself, as the switcher shows it; the order of the switcher.
LANGUAGE_NAMES = {
    "en": "English",
    "sr_Latn": "Srpski",
    "sr_Cyrl": "Српски",
    "mk": "Македонски",
    "sq": "Shqip",
}
# The language a reader chose with the switcher.
COOKIE = "language"
COOKIE_DAYS = 365
# Languages close enough to Serbian that a reader of one reads Serbian in Latin script better
# than English: Bosnian, Croatian, Montenegrin, Serbo-Croatian.
_READ_AS_SERBIAN = frozenset({"bs", "hr", "cnr", "sh"})


def locale_for_tag(tag: str) -> str | None:
    """The locale of the site for a language tag of Accept-Language: "sr", "sr-RS",
    "sr-Latn" → "sr_Latn"; "sr-Cyrl", "sr-Cyrl-RS" → "sr_Cyrl"; "mk-MK" → "mk"; "sq-XK" →
    "sq"; "en-GB" → "en"; None for any other."""
    subtags = tag.replace("_", "-").lower().split("-")
    language = subtags[0]
    if language == "sr":
        return "sr_Cyrl" if "cyrl" in subtags[1:] else "sr_Latn"
    if language in _READ_AS_SERBIAN:
        return "sr_Latn"
    if language in ("en", "mk", "sq"):
        return language
    return None


def browser_locale(request: Request, offered: list[str]) -> str | None:
    """The first language of the browser's Accept-Language (by quality) that is offered."""
    for tag, quality in request.accept_languages:
        locale = locale_for_tag(tag)
        if quality > 0 and locale in offered:
            return locale
    return None


def chosen_locale(request: Request, offered: list[str]) -> str | None:
    """The language the reader chose with the switcher, if the site still offers it."""
    locale = request.cookies.get(COOKIE)
    return locale if locale in offered else None


def remember_choice(response: Response, locale: str | None) -> Response:
    """Keep the reader's choice of language in their browser (None: forget it, and follow
    the browser's Accept-Language again)."""
    if locale is None:
        response.delete_cookie(COOKIE)
        return response
    response.set_cookie(
        COOKIE,
        locale,
        max_age=COOKIE_DAYS * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def html_lang(locale: str) -> str:
    """The BCP 47 tag of a locale, for lang and hreflang attributes: "sr_Latn" → "sr-Latn"."""
    return locale.replace("_", "-")


class LanguageLink(NamedTuple):
    code: str
    name: str
    url: str
    current: bool


def language_links() -> list[LanguageLink]:
    """The switcher's links, each back to the page shown; none where one language is offered."""
    offered = current_app.config["LANGUAGES"]
    if len(offered) < 2 or not has_request_context():
        return []
    # One URL built, the others from it: five url_for calls were a tenth of a public page.
    back = urlencode({"next": request.full_path.rstrip("?")}, safe="/")
    first = url_for("languages.choose", code=offered[0])
    base = first[: -len(offered[0])]
    current = str(get_locale())
    return [
        LanguageLink(code, LANGUAGE_NAMES.get(code, code), f"{base}{code}?{back}", current=code == current)
        for code in offered
    ]


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


def _forget_language(sender: Flask, **extra) -> None:
    # Flask-Babel keeps the language on `g`, which lives as long as the app context: an app
    # context that outlives one request (a test's, a CLI command's) would hand it to the next.
    g.pop("_flask_babel", None)
    g.pop("_translations", None)


def init_app(app: Flask) -> None:
    """Replace the template callables Flask-Babel installs (call after babel.init_app)."""
    request_started.connect(_forget_language, app)
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
    app.context_processor(lambda: {"language_links": language_links, "html_lang": html_lang})
