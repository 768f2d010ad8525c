"""What the public may see of events, and where an event stands in its life."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from regsvc.events.models import Event


class Phase(StrEnum):
    NOT_OPEN = "not_open"  # registration opens later
    OPEN = "open"
    CLOSED = "closed"  # registration closed, event not over yet
    OVER = "over"


def phase(event: Event | Row, now: datetime) -> Phase:
    if now >= event.ends_at:
        return Phase.OVER
    if now < event.registration_opens_at:
        return Phase.NOT_OPEN
    if now >= event.registration_closes_at or now >= event.starts_at:
        return Phase.CLOSED
    return Phase.OPEN


def listed_events(session: Session, now: datetime) -> list[Event]:
    """Published events that are not over, soonest first."""
    return list(
        session.scalars(
            select(Event).where(Event.is_published.is_(True), Event.ends_at > now).order_by(Event.starts_at)
        )
    )


_PUBLISHED_EVENT = select(*Event.__table__.c).where(
    Event.slug == bindparam("slug"), Event.is_published.is_(True)
)


def published_event(session: Session, slug: str) -> tuple[Row, int] | tuple[None, None]:
    """The published event at /e/<slug>/ and its on-site seats left.

    For the public pages, which only show it: a plain row with the event's columns as
    attributes, not an Event: the busiest public pages do without loading one
    (bench/registration_burst.py measures them)."""
    event = session.connection().execute(_PUBLISHED_EVENT, {"slug": slug}).first()
    if event is None:
        return None, None
    return event, seats_left(event)


def seats_left(event: Event | Row) -> int:
    """On-site seats not taken (none when a desk override seated people over the cap)."""
    return max(event.onsite_capacity - event.onsite_taken, 0)
