"""The reminder before an event: each participant gets one, the event's
`reminder_hours_before` hours before its start. Those on site get the venue and their QR
code, the others the stream details.

A registration is marked reminded (`reminder_sent_at`) in the same transaction that writes
its e-mail to the outbox: a crash leaves both or neither, so nobody is reminded twice or
skipped. Several processes may run this at once: each takes the registrations it marks
with FOR UPDATE SKIP LOCKED on PostgreSQL (SQLite runs one writer at a time).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.orm import Session

from regsvc.audit.services import SYSTEM, record
from regsvc.db import utcnow, write_transaction
from regsvc.events.models import REMINDER_HOURS_MAX, Event
from regsvc.mail.services import render_mail
from regsvc.messages.services import RECIPIENT_COLUMNS
from regsvc.messages.writing import NewLinks, write_mails
from regsvc.registration.models import Attendance, Registration

SENT = "reminders.sent"
# Reminders written per transaction: a large event's do not hold the write lock at length.
BATCH = 500


def reminder_due_at(event: Event) -> datetime | None:
    """When the event's participants are reminded; None when it sends no reminder."""
    if event.reminder_hours_before <= 0:
        return None
    return event.starts_at - timedelta(hours=event.reminder_hours_before)


def _events_due(session: Session, now: datetime) -> list[Event]:
    # The few events starting within the longest reminder period; each is checked below.
    soon = session.scalars(
        select(Event).where(
            Event.reminder_hours_before > 0,
            Event.is_published.is_(True),  # an event taken off the site is not announced
            Event.starts_at > now,
            Event.starts_at <= now + timedelta(hours=REMINDER_HOURS_MAX),
        )
    )
    return [event for event in soon if (due := reminder_due_at(event)) is not None and due <= now]


def _to_remind(event: Event, due: datetime) -> ColumnElement[bool]:
    return and_(
        Registration.event_id == event.id,
        Registration.attendance.in_((Attendance.ONSITE, Attendance.ONLINE, Attendance.WAITLISTED)),
        Registration.email != "",
        Registration.reminder_sent_at.is_(None),
        # Who registered after the reminder was due has just been told everything by the
        # confirmation.
        Registration.created_at < due,
    )


def send_due_reminders(session: Session, now: datetime | None = None) -> int:
    """Write the reminders that are due to the outbox; returns how many."""
    now = now or utcnow()
    sent = 0
    for event in _events_due(session, now):
        due = reminder_due_at(event)
        assert due is not None  # only events that send one are due
        while True:
            with write_transaction(session):
                people = session.execute(
                    select(*RECIPIENT_COLUMNS)
                    .where(_to_remind(event, due))
                    .order_by(Registration.id)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                ).all()
                if people:
                    _remind(session, event, people, now)
            sent += len(people)
            if len(people) < BATCH:
                break
    return sent


def _remind(session: Session, event: Event, people, now: datetime) -> None:
    links = NewLinks(now)
    mails = [
        render_mail(
            person.email,
            "reminder",
            person.locale,
            # The QR code for the desk goes to those with a seat.
            checkin_code=person.checkin_code if person.attendance == Attendance.ONSITE else None,
            calendar_for=person.id,
            registration=person,
            event=event,
            link=links.url_for(person.id),
        )
        for person in people
    ]
    write_mails(session, links, mails)
    session.execute(
        update(Registration)
        .where(Registration.id.in_([person.id for person in people]))
        .values(reminder_sent_at=now)
        .execution_options(synchronize_session=False)
    )
    record(session, SYSTEM, SENT, event_id=event.id, recipients=len(people))


def reminded_count(session: Session, event_id: int) -> int:
    """How many of the event's participants have been reminded."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(Registration.event_id == event_id, Registration.reminder_sent_at.is_not(None))
        )
        or 0
    )
