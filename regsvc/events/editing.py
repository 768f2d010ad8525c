"""Organisers create and change events. A new event's on-site capacity is set here; changing
it later goes through the seat allocation (regsvc.registration.services.set_capacity)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from regsvc.audit.services import record
from regsvc.auth.models import StaffUser
from regsvc.db import utcnow, write_transaction
from regsvc.events.models import Event
from regsvc.events.texts import merged_translations

# The texts of an event in other languages than its main one: {locale: {field: text}}.
Translations = Mapping[str, Mapping[str, str]]

# Every field an organiser edits, capacity apart (it goes through the allocation).
EVENT_FIELDS = (
    "title",
    "slug",
    "description",
    "timezone",
    "starts_at",
    "ends_at",
    "venue_name",
    "venue_address",
    "host_town",
    "registration_opens_at",
    "registration_closes_at",
    "currency",
    "travel_reimbursed",
    "stream_details",
    "contact_email",
    "organiser_name",
    "reminder_hours_before",
    "online_certificates",
    "is_published",
    "main_language",
)


class EventError(Exception):
    """The event cannot be saved like this; the message says why."""


def _check(session: Session, fields: dict, event_id: int | None) -> None:
    taken = session.scalar(select(Event.id).where(Event.slug == fields["slug"]))
    if taken is not None and taken != event_id:
        raise EventError(_l("Another event already uses the address /e/%(slug)s/.", slug=fields["slug"]))


def _audit_value(value):
    return value.isoformat() if isinstance(value, datetime) else value


def _translation_changes(before: Translations, after: Translations) -> dict[str, list[str]]:
    """What changed among the texts in other languages, as audit changes named "title_mk"."""
    keys = {(locale, field) for texts in (before, after) for locale in texts for field in texts[locale]}
    changes = {}
    for locale, field in sorted(keys):
        old, new = before.get(locale, {}).get(field, ""), after.get(locale, {}).get(field, "")
        if old != new:
            changes[f"{field}_{locale}"] = [old, new]
    return changes


def create_event(
    session: Session, fields: dict, capacity: int, actor: StaffUser, translations: Translations | None = None
) -> Event:
    with write_transaction(session):
        _check(session, fields, None)
        event = Event(
            onsite_capacity=capacity,
            translations=merged_translations({}, translations or {}, fields["main_language"]),
            **{name: fields[name] for name in EVENT_FIELDS},
        )
        session.add(event)
        session.flush()
        record(
            session,
            actor,
            "event.created",
            event_id=event.id,
            subject=event,
            title=event.title,
            capacity=capacity,
        )
    return event


def update_event(
    session: Session, event_id: int, fields: dict, actor: StaffUser, translations: Translations | None = None
) -> Event:
    """Save an edited event; EventError leaves it unchanged. `translations` replaces the
    texts of the languages it names; those of other languages are kept."""
    with write_transaction(session):
        event = session.get_one(Event, event_id, populate_existing=True)
        _check(session, fields, event_id)
        changes = {
            name: [_audit_value(getattr(event, name)), _audit_value(fields[name])]
            for name in EVENT_FIELDS
            if getattr(event, name) != fields[name]
        }
        for name in changes:
            setattr(event, name, fields[name])
        kept = event.translations or {}
        given = merged_translations(kept, translations or {}, event.main_language)
        translated = _translation_changes(kept, given)
        if translated:
            event.translations = given  # a new dict: the JSON column is saved when replaced
            changes.update(translated)
        if changes:
            record(session, actor, "event.edited", event_id=event.id, subject=event, changes=changes)
    return event


def set_registration_open(
    session: Session, event_id: int, open_: bool, actor: StaffUser, *, now: datetime | None = None
) -> Event:
    """Open registration now (until the event starts, if it had closed) or close it now."""
    now = now or utcnow()
    with write_transaction(session):
        event = session.get_one(Event, event_id, populate_existing=True)
        if open_:
            event.registration_opens_at = min(event.registration_opens_at, now)
            if event.registration_closes_at <= now:
                event.registration_closes_at = event.starts_at
            event.is_published = True
        else:
            event.registration_closes_at = min(event.registration_closes_at, now)
        record(
            session,
            actor,
            "registration.opened" if open_ else "registration.closed",
            event_id=event.id,
            subject=event,
        )
    return event


def all_events(session: Session) -> list[Event]:
    return list(session.scalars(select(Event).order_by(Event.starts_at.desc())))
