"""Check-in and walk-ins, at the service level."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from regsvc.audit.models import AuditEntry
from regsvc.desk.services import NotSeated, check_in, registration_by_code, undo_check_in
from regsvc.registration.models import Attendance, Registration, WhenFull
from regsvc.registration.queries import counts
from regsvc.registration.services import (
    AlreadyRegistered,
    SeatsFull,
    register,
    register_walk_in,
    staff_set_attendance,
)
from tests.conftest import details, fresh


def actions(session):
    fresh(session)
    return session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()


def test_check_in_records_who_and_when_and_undo_reverses_it(
    session, make_event, make_registration, desk_user
):
    event = make_event()
    person = make_registration(event).registration
    checked, newly = check_in(session, person.id, desk_user)
    assert newly and checked.checked_in_at is not None and checked.checked_in_by_id == desk_user.id
    again, newly = check_in(session, person.id, desk_user)
    assert not newly and again.checked_in_at == checked.checked_in_at
    undone = undo_check_in(session, person.id, desk_user)
    assert undone.checked_in_at is None and undone.checked_in_by_id is None
    assert actions(session)[-2:] == ["checkin", "checkin.undone"]
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "checkin")).one()
    assert entry.actor_id == desk_user.id and entry.subject_id == person.id and entry.event_id == event.id


def test_only_seated_people_are_checked_in(session, make_event, make_registration, desk_user):
    event = make_event(onsite_capacity=0)
    online = make_registration(event, wanted=Attendance.ONLINE).registration
    with pytest.raises(NotSeated):
        check_in(session, online.id, desk_user)
    waiting = make_registration(event).registration
    with pytest.raises(NotSeated):
        check_in(session, waiting.id, desk_user)


def test_a_check_in_code_finds_its_registration_in_its_event_only(session, make_event, make_registration):
    event, other = make_event(), make_event()
    person = make_registration(event).registration
    assert person.checkin_code.isdigit() and len(person.checkin_code) == 16
    assert registration_by_code(session, event.id, person.checkin_code).id == person.id
    spaced = " ".join([person.checkin_code[:8], person.checkin_code[8:]])
    assert registration_by_code(session, event.id, spaced).id == person.id
    assert registration_by_code(session, other.id, person.checkin_code) is None
    assert registration_by_code(session, event.id, "") is None


def test_a_walk_in_is_seated_checked_in_and_logged(session, make_event, desk_user):
    event = make_event(onsite_capacity=2)
    person = register_walk_in(session, event.id, details(1, email=""), desk_user)
    assert person.attendance == Attendance.ONSITE
    assert person.checked_in_at is not None and person.channel == "desk"
    assert person.email_normalised is None
    assert actions(session)[-2:] == ["registration.walk_in", "checkin"]
    # Walk-ins without e-mail do not collide with each other.
    register_walk_in(session, event.id, details(2, email=""), desk_user)
    assert counts(session, event).onsite == 2


def test_a_walk_in_over_the_cap_needs_an_override_reason(session, make_event, make_registration, desk_user):
    event = make_event(onsite_capacity=1)
    make_registration(event)
    with pytest.raises(SeatsFull) as full:
        register_walk_in(session, event.id, details(9), desk_user)
    assert (full.value.taken, full.value.capacity) == (1, 1)
    fresh(session)
    assert session.scalar(select(func.count()).select_from(Registration)) == 1  # nothing saved

    seated = register_walk_in(session, event.id, details(9), desk_user, override_reason="Minister's adviser")
    assert seated.attendance == Attendance.ONSITE
    assert counts(session, event).onsite == 2
    override = session.scalars(select(AuditEntry).where(AuditEntry.action == "seat.override")).one()
    assert override.details["reason"] == "Minister's adviser"
    assert override.actor_id == desk_user.id


def test_a_walk_in_already_registered_is_pointed_to_the_search(
    session, make_event, make_registration, desk_user
):
    event = make_event()
    existing = make_registration(event, email="here@example.org").registration
    with pytest.raises(AlreadyRegistered) as known:
        register_walk_in(session, event.id, details(5, email="HERE@example.org"), desk_user)
    assert known.value.registration.id == existing.id


def test_staff_seat_over_the_cap_only_with_a_reason(session, make_event, make_registration, organiser):
    event = make_event(onsite_capacity=1)
    make_registration(event)
    online = make_registration(event, wanted=Attendance.ONLINE).registration
    waiting = staff_set_attendance(session, online.id, Attendance.ONSITE, organiser)
    assert waiting.attendance == Attendance.WAITLISTED
    seated = staff_set_attendance(session, online.id, Attendance.ONSITE, organiser, override_reason="Speaker")
    assert seated.attendance == Attendance.ONSITE
    assert actions(session)[-3:] == ["attendance.changed", "attendance.changed", "seat.override"]


def test_moving_someone_off_site_clears_their_check_in(session, make_event, make_registration, organiser):
    event = make_event()
    person = make_registration(event).registration
    check_in(session, person.id, organiser)
    moved = staff_set_attendance(session, person.id, Attendance.ONLINE, organiser)
    assert moved.checked_in_at is None


def test_desk_walk_ins_racing_online_registrations_never_exceed_the_cap(app, make_event, desk_user):
    cap, people = 6, 30
    event = make_event(onsite_capacity=cap)
    database = app.extensions["regsvc.db"]
    start = threading.Barrier(people)

    def act(i):
        start.wait(timeout=30)
        with app.app_context(), database.Session() as session:
            if i % 2:
                try:
                    register_walk_in(session, event.id, details(f"walk{i}"), desk_user)
                except SeatsFull:
                    return "full"
                return "seated"
            register(session, event.id, details(f"web{i}"), Attendance.ONSITE, WhenFull.WAITLIST)
            return "web"

    with ThreadPoolExecutor(max_workers=people) as pool:
        outcomes = list(pool.map(act, range(people)))

    with database.Session() as session:
        numbers = counts(session, session.get(type(event), event.id))
    assert numbers.onsite == cap
    assert outcomes.count("seated") + outcomes.count("full") == people // 2
    # Everyone is somewhere: seated, or (web registrants) on the waiting list.
    assert numbers.onsite + numbers.waitlisted == outcomes.count("seated") + outcomes.count("web")
