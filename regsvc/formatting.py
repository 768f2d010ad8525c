"""Jinja filters that present dates in the event's own time zone, in the reader's language."""

from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_format_datetime
from flask import Flask, current_app
from flask_babel import get_locale

from regsvc.money import format_money

_EVENT_FORMATS = {
    "full": "EEEE, d MMMM y, HH:mm",
    "date": "EEEE, d MMMM y",
    "time": "HH:mm",
    "short": "d MMM y, HH:mm",
}


def event_datetime(value, event, format: str = "full") -> str:
    """A moment as the people at the event see it, e.g. "Tuesday, 30 June 2026, 11:30"
    (`event`: anything with the event's `timezone`)."""
    return _formatted(value, _EVENT_FORMATS.get(format, format), event.timezone, str(get_locale()))


@lru_cache(maxsize=1024)
def _formatted(value, pattern: str, timezone: str, locale: str) -> str:
    # An event's few dates are shown on every page and e-mail of a registration burst,
    # always the same way, and Babel's formatting is slow.
    return babel_format_datetime(value, pattern, tzinfo=ZoneInfo(timezone), locale=locale)


def staff_datetime(value) -> str:
    """A moment for staff pages, in the STAFF_TIMEZONE (e.g. "27 Nov 2026, 14:05")."""
    return babel_format_datetime(
        value, "d MMM y, HH:mm", tzinfo=ZoneInfo(current_app.config["STAFF_TIMEZONE"]), locale=get_locale()
    )


def init_app(app: Flask) -> None:
    app.jinja_env.filters["event_datetime"] = event_datetime
    app.jinja_env.filters["staff_datetime"] = staff_datetime
    app.jinja_env.filters["money"] = format_money
