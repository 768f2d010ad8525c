"""What organisers write about an event, in the reader's language.

An event's texts are written in its main language (`Event.main_language`) in the event's own
columns; the same texts in other languages are in `Event.translations`, as
{locale: {field: text}}, holding only the texts given. `event_text()` is the one place that
picks the text a reader gets: theirs if given, else the same language in the other script
(Serbian Latin or Cyrillic), else the main language's. Templates use it as the
`event_text` filter; code that hands an event to a drawing routine passes `localized(event)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from flask_babel import get_locale

from regsvc.translation import LANGUAGE_NAMES

# The languages of the product, which an event's main language is one of.
LOCALES = tuple(LANGUAGE_NAMES)
DEFAULT_LOCALE = "en"

# The event's fields that organisers may give in several languages, with their longest length.
TRANSLATABLE: Mapping[str, int] = {
    "title": 200,
    "description": 10000,
    "venue_name": 200,
    "venue_address": 300,
    "host_town": 100,
    "stream_details": 5000,
}


@lru_cache(maxsize=64)
def canonical_locale(locale: str) -> str:
    """A locale as the texts are keyed: "sr-Latn" and "sr_Latn" are "sr_Latn"."""
    try:
        return str(Locale.parse(locale.replace("-", "_")))
    except (ValueError, TypeError, UnknownLocaleError):
        return locale


def reader_locale(locale: str | None = None) -> str | None:
    """`locale`, or the language of the page, e-mail or document being written."""
    if locale:
        return canonical_locale(locale)
    current = get_locale()
    return None if current is None else canonical_locale(str(current))


def language_name(locale: str) -> str:
    """A locale's name in the reader's language: "sr_Latn" is "Serbian (Latin)" in English."""
    try:
        return Locale.parse(locale).get_display_name(get_locale()) or locale
    except (ValueError, UnknownLocaleError):
        return locale


def _language(locale: str) -> str:
    return locale.split("_", 1)[0]


def event_text(event, field: str, locale: str | None = None) -> str:
    """The event's `field` (one of TRANSLATABLE) in `locale` (by default the current one).

    `event` is an Event or a row with its columns. A text not given in that language is
    the main language's, never an empty one in its place.
    """
    main = getattr(event, field)
    wanted = reader_locale(locale)
    # An event not saved yet has no main language yet: its column default is the database's.
    main_language = event.main_language or DEFAULT_LOCALE
    if wanted is None or wanted == main_language:
        return main
    translations = event.translations or {}
    text = translations.get(wanted, {}).get(field)
    if text:
        return text
    language = _language(wanted)
    if language == _language(main_language):
        return main  # Serbian in the other script: the main text is the closest
    for other, texts in translations.items():
        if _language(other) == language and texts.get(field):
            return texts[field]
    return main


class LocalizedEvent:
    """An event whose translatable fields read in one language; every other attribute is the
    event's own. For code that reads `event.title` and the like (PDFs drawn with ReportLab)."""

    __slots__ = ("_event", "_locale")

    def __init__(self, event, locale: str | None):
        self._event = event
        self._locale = locale

    def __getattr__(self, name: str):
        if name in TRANSLATABLE:
            return event_text(self._event, name, self._locale)
        return getattr(self._event, name)


def localized(event, locale: str | None = None) -> LocalizedEvent:
    """The event as read in `locale`, by default the language being written now."""
    return LocalizedEvent(event, reader_locale(locale))


def merged_translations(
    kept: Mapping[str, Mapping[str, str]], given: Mapping[str, Mapping[str, str]], main_language: str
) -> dict[str, dict[str, str]]:
    """`kept` (the event's translations) with each language in `given` replaced by its texts
    there; empty texts, empty languages and the main language's are left out (the main
    language's texts are the event's columns)."""
    merged = {locale: dict(texts) for locale, texts in kept.items()}
    merged.update({locale: dict(texts) for locale, texts in given.items()})
    cleaned = {
        locale: {field: text for field, text in texts.items() if text and field in TRANSLATABLE}
        for locale, texts in sorted(merged.items())
        if locale != main_language
    }
    return {locale: texts for locale, texts in cleaned.items() if texts}
