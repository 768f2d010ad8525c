"""Jinja filters that present dates in the event's own time zone, in the reader's language."""

from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_format_datetime
from flask import Flask, current_app
from flask_babel import get_locale

from regsvc.money import format_money

# Each language's way of writing a day and a time (Serbian in either script): "Tuesday,
# 30 June 2026, 11:30", "utorak, 30. jun 2026. 11:30", "вторник, 30 јуни 2026, 11:30".
_EVENT_FORMATS = {
    "en": {
        "full": "EEEE, d MMMM y, HH:mm",
        "date": "EEEE, d MMMM y",
        "day": "d MMMM y",
        "time": "HH:mm",
        "short": "d MMM y, HH:mm",
    },
    "sr": {
        "full": "EEEE, d. MMMM y. HH:mm",
        "date": "EEEE, d. MMMM y.",
        "day": "d. MMMM y.",
        "time": "HH:mm",
        "short": "d. MMM y. HH:mm",
    },
    "mk": {
        "full": "EEEE, d MMMM y, HH:mm",
        "date": "EEEE, d MMMM y",
        "day": "d MMMM y",
        "time": "HH:mm",
        "short": "d MMMM y, HH:mm",  # the short months end in a dot: "јун."
    },
    "sq": {
        "full": "EEEE, d MMMM y, HH:mm",
        "date": "EEEE, d MMMM y",
        "day": "d MMMM y",
        "time": "HH:mm",
        "short": "d MMM y, HH:mm",
    },
}


def event_datetime(value, event, format: str = "full") -> str:
    """A moment as the people at the event see it, e.g. "Tuesday, 30 June 2026, 11:30"
    (`event`: anything with the event's `timezone`). "deadline": the short form with the
    time zone, for a moment by which someone must act, e.g. "28 Jun 2027, 23:59
    (Europe/Belgrade)": a participant may read it elsewhere."""
    if format == "deadline":
        return f"{event_datetime(value, event, 'short')} ({event.timezone})"
    locale = get_locale()
    return _formatted(value, _patterns(locale).get(format, format), event.timezone, str(locale))


def _patterns(locale) -> dict[str, str]:
    return _EVENT_FORMATS.get(locale.language if locale else "en", _EVENT_FORMATS["en"])


@lru_cache(maxsize=1024)
def _formatted(value, pattern: str, timezone: str, locale: str) -> str:
    # An event's few dates are shown on every page and e-mail of a registration burst,
    # always the same way, and Babel's formatting is slow.
    return babel_format_datetime(value, pattern, tzinfo=ZoneInfo(timezone), locale=locale)


def staff_datetime(value) -> str:
    """A moment for staff pages, in the STAFF_TIMEZONE (e.g. "27 Nov 2026, 14:05")."""
    locale = get_locale()
    pattern = _patterns(locale)["short"]
    return babel_format_datetime(
        value, pattern, tzinfo=ZoneInfo(current_app.config["STAFF_TIMEZONE"]), locale=locale
    )


def init_app(app: Flask) -> None:
    app.jinja_env.filters["event_datetime"] = event_datetime
    app.jinja_env.filters["staff_datetime"] = staff_datetime
    app.jinja_env.filters["money"] = format_money
