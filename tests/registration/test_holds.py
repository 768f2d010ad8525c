"""Seats go to people who can read their e-mail: a new on-site seat is held until the
private link is opened, reminded at half time, and released to the waiting list after."""

from datetime import timedelta

from sqlalchemy import select

from regsvc.audit.models import AuditEntry
from regsvc.db import utcnow
from regsvc.desk.services import check_in
from regsvc.events.models import Event
from regsvc.mail.models import OutboxMessage
from regsvc.registration.models import Attendance, Registration
from regsvc.registration.queries import counts
from regsvc.registration.services import (
    confirm_address,
    register_walk_in,
    release_expired_holds,
    remind_held_seats,
    staff_set_attendance,
)
from tests.conftest import details, fresh


def _get(session, registration_id) -> Registration:
    fresh(session)
    return session.get(Registration, registration_id)


def _mails(session, kind):
    return session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)).all()


def test_a_new_seat_is_held_and_opening_the_link_makes_it_the_participants(
    session, make_event, make_registration
):
    event = make_event(onsite_capacity=2)
    registration = make_registration(event).registration
    assert registration.confirmed_at is None
    assert registration.hold_expires_at - registration.created_at == timedelta(hours=48)
    assert counts(session, event).held == 1 and counts(session, event).confirmed == 0
    assert confirm_address(session, registration) is True
    assert confirm_address(session, registration) is False  # once only
    registration = _get(session, registration.id)
    assert registration.confirmed_at is not None and registration.hold_expires_at is None
    assert counts(session, event).held == 0 and counts(session, event).confirmed == 1
    # A confirmed hold is never released.
    assert release_expired_holds(session, now=utcnow() + timedelta(days=30)) == 0


def test_an_expired_hold_goes_to_the_waiting_list_through_the_allocation(
    session, make_event, make_registration
):
    event = make_event(onsite_capacity=1)
    held = make_registration(event).registration
    waiting = make_registration(event).registration
    confirm_address(session, waiting)
    assert _get(session, waiting.id).attendance == Attendance.WAITLISTED
    assert release_expired_holds(session, now=utcnow() + timedelta(hours=47)) == 0  # not yet
    assert release_expired_holds(session, now=utcnow() + timedelta(hours=49)) == 1
    held, waiting = _get(session, held.id), _get(session, waiting.id)
    assert held.attendance == Attendance.ONLINE and held.hold_released_at is not None
    assert waiting.attendance == Attendance.ONSITE and waiting.hold_expires_at is None  # confirmed already
    event = session.get(Event, event.id)
    assert (event.onsite_taken, event.waitlisted_count) == (1, 0)
    assert counts(session, event).released == 1
    assert len(_mails(session, "seat_released")) == 1 and len(_mails(session, "seat_granted")) == 1
    assert session.scalars(select(AuditEntry.action).where(AuditEntry.action == "seat.released")).all()


def test_a_promoted_person_who_never_confirmed_gets_a_hold_of_their_own(
    session, make_event, make_registration
):
    event = make_event(onsite_capacity=1)
    first = make_registration(event).registration
    second = make_registration(event).registration  # waiting, never opened the link
    release_expired_holds(session, now=utcnow() + timedelta(hours=49))
    second = _get(session, second.id)
    assert second.attendance == Attendance.ONSITE and second.hold_expires_at is not None
    assert _get(session, first.id).attendance == Attendance.ONLINE


def test_one_reminder_at_half_time(session, make_event, make_registration):
    event = make_event(onsite_capacity=2)
    registration = make_registration(event).registration
    assert remind_held_seats(session, now=utcnow() + timedelta(hours=10)) == 0
    assert remind_held_seats(session, now=utcnow() + timedelta(hours=25)) == 1
    assert remind_held_seats(session, now=utcnow() + timedelta(hours=30)) == 0
    [reminder] = _mails(session, "hold_reminder")
    assert reminder.recipient == registration.email and "/r/" in reminder.body


def test_the_desk_and_staff_confirm_the_people_they_seat(session, make_event, make_registration, make_user):
    event = make_event(onsite_capacity=5)
    desk = make_user("desk")
    walk_in = register_walk_in(session, event.id, details("walkin"), desk)
    assert walk_in.confirmed_at is not None and walk_in.hold_expires_at is None
    online = make_registration(event, Attendance.ONLINE).registration
    seated = staff_set_attendance(session, online.id, Attendance.ONSITE, desk)
    assert seated.confirmed_at is not None and seated.hold_expires_at is None
    held = make_registration(event).registration
    check_in(session, held.id, desk)
    assert _get(session, held.id).hold_expires_at is None
    assert release_expired_holds(session, now=utcnow() + timedelta(days=3)) == 0


def test_nothing_is_released_or_reminded_once_the_event_has_begun(session, make_event, make_registration):
    event = make_event(onsite_capacity=1)
    held = make_registration(event).registration
    make_registration(event)  # waiting
    event = session.get(Event, event.id)
    after_start = event.starts_at + timedelta(hours=1)
    assert remind_held_seats(session, now=after_start) == 0
    assert release_expired_holds(session, now=event.starts_at + timedelta(days=3)) == 0
    assert _get(session, held.id).attendance == Attendance.ONSITE
