"""The reminder before an event: once per participant, the QR code and address to those on
site, the stream to the others."""

from datetime import timedelta

import click
import pytest
from sqlalchemy import func, select, update

from regsvc.audit.models import AuditEntry
from regsvc.db import utcnow
from regsvc.events.models import Event
from regsvc.mail.models import OutboxMessage
from regsvc.messages import commands, reminders
from regsvc.messages.reminders import send_due_reminders
from regsvc.registration.models import Attendance, Registration
from regsvc.registration.services import registration_for_token
from tests.conftest import fresh
from tests.registration.test_pages import token_from


def reminders_in_outbox(session) -> dict[str, OutboxMessage]:
    fresh(session)
    return {
        mail.recipient: mail
        for mail in session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reminder"))
    }


def reminded_at(session, registration):
    fresh(session)
    return session.get(Registration, registration.id).reminder_sent_at


@pytest.fixture
def tomorrow(session, make_event, make_registration):
    """An event starting in 23 hours (its reminder, 24 hours ahead, is due) with someone in
    each attendance; returns (event, {attendance: registration})."""
    now = utcnow()
    event = make_event(
        onsite_capacity=1,
        starts_at=now + timedelta(hours=23),
        ends_at=now + timedelta(hours=29),
        registration_closes_at=now + timedelta(hours=22),
    )
    people = {
        "onsite": make_registration(event, Attendance.ONSITE).registration,
        "waitlisted": make_registration(event, Attendance.ONSITE).registration,
        "online": make_registration(event, Attendance.ONLINE).registration,
        "cancelled": make_registration(event, Attendance.ONLINE).registration,
    }
    # Registered days ago, before the reminder was due.
    session.execute(update(Registration).values(created_at=now - timedelta(days=3)))
    session.execute(
        update(Registration)
        .where(Registration.id == people["cancelled"].id)
        .values(attendance=Attendance.CANCELLED)
    )
    session.commit()
    return event, people


def test_each_participant_is_reminded_once_with_what_they_need(session, tomorrow):
    event, people = tomorrow
    assert send_due_reminders(session) == 3
    mails = reminders_in_outbox(session)
    assert set(mails) == {people[kind].email for kind in ("onsite", "waitlisted", "online")}

    onsite = mails[people["onsite"].email]
    assert onsite.subject.startswith(f"Reminder: {event.title}")
    assert "Address: Kralja Milana 27, Belgrade" in onsite.body
    assert onsite.checkin_code == people["onsite"].checkin_code  # sent as the QR image
    assert "stream.example.org" not in onsite.body

    online = mails[people["online"].email]
    assert "Stream: https://stream.example.org/live" in online.body
    assert online.checkin_code is None

    waiting = mails[people["waitlisted"].email]
    assert "still on the waiting list" in waiting.body and "stream.example.org" in waiting.body
    assert waiting.checkin_code is None

    # Each carries a fresh private link of its own.
    assert registration_for_token(session, token_from(online.body)).id == people["online"].id
    assert reminded_at(session, people["online"]) is not None
    assert reminded_at(session, people["cancelled"]) is None

    # The next run finds nobody left to remind.
    assert send_due_reminders(session) == 0
    assert len(reminders_in_outbox(session)) == 3
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "reminders.sent")).one()
    assert entry.details == {"recipients": 3} and entry.event_id == event.id


def test_nothing_is_sent_before_the_reminder_is_due_or_once_the_event_has_begun(session, tomorrow):
    event, _people = tomorrow
    assert send_due_reminders(session, now=event.starts_at - timedelta(hours=25)) == 0
    assert send_due_reminders(session, now=event.starts_at + timedelta(minutes=1)) == 0
    assert reminders_in_outbox(session) == {}


def test_an_event_set_to_no_reminder_sends_none(session, tomorrow):
    event, _people = tomorrow
    session.execute(update(Event).where(Event.id == event.id).values(reminder_hours_before=0))
    session.commit()
    assert send_due_reminders(session) == 0


def test_an_event_taken_off_the_site_is_not_announced(session, tomorrow):
    event, _people = tomorrow
    session.execute(update(Event).where(Event.id == event.id).values(is_published=False))
    session.commit()
    assert send_due_reminders(session) == 0 and reminders_in_outbox(session) == {}
    session.execute(update(Event).where(Event.id == event.id).values(is_published=True))
    session.commit()
    assert send_due_reminders(session) == 3


def test_a_shorter_reminder_period_waits_for_its_time(session, tomorrow):
    event, people = tomorrow
    session.execute(update(Event).where(Event.id == event.id).values(reminder_hours_before=2))
    session.commit()
    assert send_due_reminders(session) == 0
    assert send_due_reminders(session, now=event.starts_at - timedelta(hours=1, minutes=59)) == 3


def test_who_registered_after_the_reminder_was_due_is_not_reminded(session, tomorrow, make_registration):
    event, _people = tomorrow
    late = make_registration(event, Attendance.ONLINE).registration  # registered just now
    assert send_due_reminders(session) == 3
    assert late.email not in reminders_in_outbox(session)


def test_a_failure_while_writing_leaves_everyone_to_remind(session, tomorrow, monkeypatch):
    _event, people = tomorrow

    def broken(*_args):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(reminders, "write_mails", broken)
    with pytest.raises(RuntimeError):
        send_due_reminders(session)
    assert reminded_at(session, people["onsite"]) is None
    assert reminders_in_outbox(session) == {}
    monkeypatch.undo()
    assert send_due_reminders(session) == 3


def test_a_large_event_is_reminded_in_batches_and_everyone_once(
    session, tomorrow, make_registration, monkeypatch
):
    event, _people = tomorrow
    for _ in range(3):
        make_registration(event, Attendance.ONLINE)
    session.execute(update(Registration).values(created_at=utcnow() - timedelta(days=3)))
    session.commit()
    monkeypatch.setattr(reminders, "BATCH", 2)
    assert send_due_reminders(session) == 6
    assert len(reminders_in_outbox(session)) == 6
    assert session.scalar(select(func.count()).where(AuditEntry.action == "reminders.sent")) == 3


def test_the_send_reminders_command(app, session, tomorrow):
    group = click.Group("regsvc")
    commands.register(group)
    result = app.test_cli_runner().invoke(group, ["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "Wrote 3 reminder(s) to the outbox." in result.output
    assert len(reminders_in_outbox(session)) == 3
