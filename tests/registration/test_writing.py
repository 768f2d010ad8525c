"""The invariants of the registration fast path, enforced by the code."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from regsvc.events.models import Event
from regsvc.registration.models import Attendance, Registration
from regsvc.registration.services import SeatLockNotHeld, allocate, seat_transaction, set_capacity
from regsvc.registration.writing import REGISTRATION_COLUMNS, REGISTRATIONS


def test_the_seat_allocation_refuses_to_run_once_its_lock_is_released(session, make_event, make_registration):
    event = make_event(onsite_capacity=1)
    registration = make_registration(event, Attendance.ONLINE).registration
    with seat_transaction(session, event.id) as lock:
        allocate(lock)  # held: runs
    with pytest.raises(SeatLockNotHeld):
        allocate(lock, session.get(Registration, registration.id), Attendance.ONSITE)
    session.rollback()
    assert session.get(Event, event.id).onsite_taken == 0
    assert session.get(Registration, registration.id, populate_existing=True).attendance == Attendance.ONLINE


def test_the_seat_allocation_refuses_to_run_after_its_transaction_failed(session, make_event):
    event = make_event(onsite_capacity=1)
    with pytest.raises(ZeroDivisionError), seat_transaction(session, event.id) as lock:
        1 / 0  # noqa: B018
    with pytest.raises(SeatLockNotHeld):
        allocate(lock)


def test_the_counts_kept_under_the_lock_are_stored_once_it_ends(session, make_event, make_registration):
    event = make_event(onsite_capacity=1)
    make_registration(event, Attendance.ONSITE)
    make_registration(event, Attendance.ONSITE)  # waiting list
    session.expire_all()
    assert (session.get(Event, event.id).onsite_taken, session.get(Event, event.id).waitlisted_count) == (
        1,
        1,
    )
    set_capacity(session, event.id, 2)
    # The event object the service used is read again: no stale counts after the change.
    assert session.get(Event, event.id).onsite_taken == 2
    assert session.get(Event, event.id).waitlisted_count == 0


def test_a_new_registration_leaves_no_column_to_chance(session, make_event, make_registration):
    """registration/writing.py inserts each column by hand (one statement on PostgreSQL):
    a column added later with a default in the model would be stored as NULL unless the
    code that builds a new registration sets it. This fails for such a column."""
    assert set(REGISTRATION_COLUMNS) == {column.name for column in REGISTRATIONS.columns} - {"id"}
    may_be_empty = {
        # Set when it applies, NULL otherwise: no default in the model either.
        "email_normalised",  # walk-ins without an address
        "waitlisted_at",
        "checked_in_at",
        "checked_in_by_id",
        "confirmed_at",  # the address is confirmed later, by opening the private link
        "hold_reminded_at",
        "hold_released_at",
        "reminder_sent_at",  # set when the reminder is written
    }
    event = make_event(onsite_capacity=1)
    make_registration(event, Attendance.ONSITE)
    row = session.execute(select(REGISTRATIONS)).mappings().one()
    unset = sorted(name for name in REGISTRATION_COLUMNS if row[name] is None and name not in may_be_empty)
    assert unset == []
    # The exceptions really have no default to lose.
    assert all(REGISTRATIONS.c[name].default is None for name in may_be_empty)
