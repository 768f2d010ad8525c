"""A registration's calendar entry (iCalendar, RFC 5545): the event in the participant's
calendar, at the right time wherever they are, and where to go or how to follow it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import icalendar
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from regsvc.db import utcnow
from regsvc.events.texts import localized
from regsvc.registration.models import Attendance, Registration
from regsvc.urls import external_url

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

MIMETYPE = "text/calendar"


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def calendar_entry(registration: Registration, now: datetime | None = None) -> bytes:
    """The .ics file of one registration: a VEVENT with the event's time zone (TZID and its
    VTIMEZONE), the venue for an on-site seat or the stream for those online, and a UID of
    the registration's own, so that a calendar updates the entry it already has.

    The entry links to the event's public page, never to the private link: calendars are
    synced, shared and forwarded. A cancelled registration's entry says it is cancelled
    (METHOD:CANCEL), so that a calendar that has it removes it.
    """
    event = localized(registration.event, registration.locale)
    with force_locale(registration.locale):
        entry = icalendar.Event()
        entry.add(
            "uid", f"registration-{registration.id}@{urlsplit(current_app.config['PUBLIC_URL']).hostname}"
        )
        entry.add("dtstamp", now or utcnow())
        # Local times of the event's zone: the calendar shows each reader their own time.
        entry.add("dtstart", event.local_starts_at)
        entry.add("dtend", event.local_ends_at)
        entry.add("summary", event.title)
        if registration.attendance == Attendance.ONSITE:
            entry.add("location", ", ".join(part for part in (event.venue_name, event.venue_address) if part))
        else:
            # The event's stream, the same for everyone: never the participant's private link.
            entry.add("location", _first_line(event.stream_details) or _("Online"))
            if event.stream_details:
                entry.add("description", event.stream_details)
        entry.add("url", external_url("events.detail", slug=event.slug))
        if registration.attendance == Attendance.CANCELLED:
            entry.add("status", "CANCELLED")
            entry.add("sequence", 1)  # later than the entry the calendar has
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//regsvc//registration//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if registration.attendance == Attendance.CANCELLED else "PUBLISH")
    calendar.add_component(entry)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def calendar_for(session: Session, registration_id: int) -> bytes | None:
    """The calendar entry to attach to an e-mail about a registration (a confirmation, a
    reminder, a cancellation); None once it is gone."""
    registration = session.get(Registration, registration_id)
    return None if registration is None else calendar_entry(registration)
