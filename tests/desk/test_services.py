"""Check-in, giving a seat at the desk, walk-ins and what the desk reads, at the service level."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select

from regsvc.audit.models import AuditEntry
from regsvc.desk import queries
from regsvc.desk.queries import checked_in_by, desk_events, expected, expected_count, search
from regsvc.desk.services import (
    NotSeated,
    check_in,
    give_seat_and_check_in,
    registration_by_code,
    typed_code,
    undo_check_in,
)
from regsvc.events.models import Event
from regsvc.mail.models import OutboxMessage
from regsvc.registration.models import Attendance, Registration, WhenFull
from regsvc.registration.queries import counts
from regsvc.registration.services import (
    AlreadyRegistered,
    SeatsFull,
    register,
    register_walk_in,
    staff_set_attendance,
    waitlist_position,
)
from tests.conftest import details, fresh


def actions(session):
    fresh(session)
    return session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()


def outbox(session):
    fresh(session)
    return session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_check_in_records_who_and_when_and_undo_reverses_it(
    session, make_event, make_registration, desk_user, organiser
):
    event = make_event()
    person = make_registration(event).registration
    first = check_in(session, person.id, desk_user)
    assert first.newly and first.by.id == desk_user.id
    assert (
        first.registration.checked_in_at is not None and first.registration.checked_in_by_id == desk_user.id
    )
    # Someone else at the desk taps the same person: they learn who checked them in, and when.
    again = check_in(session, person.id, organiser)
    assert not again.newly and again.by.email == "desk@example.org"
    assert again.registration.checked_in_at == first.registration.checked_in_at
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


def test_a_held_seat_is_checked_in_and_confirmed(session, make_event, make_registration, desk_user):
    event = make_event()
    held = make_registration(event).registration
    assert held.confirmed_at is None and held.hold_expires_at is not None
    arrival = check_in(session, held.id, desk_user)
    assert arrival.registration.confirmed_at is not None and arrival.registration.hold_expires_at is None


@pytest.mark.parametrize(
    "typed",
    ["7989 6818 6478 4949", "7989-6818-6478-4949", "7989681864784949", " 7989 - 6818 6478-4949 "],
    ids=["spaces", "dashes", "none", "mixed"],
)
def test_a_check_in_code_is_read_however_it_is_typed(typed):
    assert typed_code(typed) == "7989681864784949"


@pytest.mark.parametrize("typed", ["Petrović", "ana-marija", "7989 6818 x", "", "٣٤٥٦"])
def test_text_that_is_not_a_code_is_a_search(typed):
    assert typed_code(typed) is None


def test_a_check_in_code_finds_its_registration_in_its_event_only(session, make_event, make_registration):
    event, other = make_event(), make_event()
    person = make_registration(event).registration
    assert person.checkin_code.isdigit() and len(person.checkin_code) == 16
    assert registration_by_code(session, event.id, person.checkin_code).id == person.id
    assert registration_by_code(session, other.id, person.checkin_code) is None
    assert registration_by_code(session, event.id, person.checkin_code[:-1]) is None
    assert registration_by_code(session, event.id, "") is None


# --- giving a seat at the desk ------------------------------------------------------------


def test_giving_a_free_seat_seats_checks_in_and_mails_the_person_once(
    session, make_event, make_registration, desk_user
):
    event = make_event(onsite_capacity=2)
    make_registration(event)
    online = make_registration(event, wanted=Attendance.ONLINE, full_name="Late Arrival").registration
    mails_before = len(outbox(session))

    arrival = give_seat_and_check_in(session, online.id, desk_user)

    assert arrival.newly and arrival.by.id == desk_user.id
    fresh(session)
    seated = session.get(Registration, online.id)
    assert seated.attendance == Attendance.ONSITE and seated.checked_in_by_id == desk_user.id
    assert seated.confirmed_at is not None and seated.hold_expires_at is None  # vouched for: no hold
    new_mail = outbox(session)[mails_before:]
    assert [(m.recipient, m.kind, m.checkin_code) for m in new_mail] == [
        (seated.email, "attendance_changed", seated.checkin_code)
    ]
    assert "now has an on-site seat" in new_mail[0].body
    assert actions(session)[-2:] == ["attendance.changed", "checkin"]
    assert counts(session, session.get(Event, event.id)).onsite == 2


@pytest.mark.parametrize("attendance", [Attendance.ONLINE, Attendance.WAITLISTED, Attendance.CANCELLED])
def test_on_a_full_event_the_desk_declining_changes_nothing_and_mails_nobody(
    session, make_event, make_registration, desk_user, organiser, attendance
):
    event = make_event(onsite_capacity=1)
    make_registration(event)
    ahead = make_registration(event).registration  # waiting already
    person = make_registration(event, wanted=Attendance.ONLINE, full_name="Walk Up").registration
    if attendance != Attendance.ONLINE:
        staff_set_attendance(session, person.id, attendance, organiser)
    fresh(session)
    before = session.get(Registration, person.id)
    was = (before.attendance, before.waitlisted_at, before.checked_in_at, before.confirmed_at)
    mails, entries = len(outbox(session)), len(actions(session))

    for reason in ("", "   "):
        with pytest.raises(SeatsFull) as full:
            give_seat_and_check_in(session, person.id, desk_user, override_reason=reason)
        assert (full.value.taken, full.value.capacity) == (1, 1)

    fresh(session)
    after = session.get(Registration, person.id)
    assert (after.attendance, after.waitlisted_at, after.checked_in_at, after.confirmed_at) == was
    assert len(outbox(session)) == mails and len(actions(session)) == entries
    assert waitlist_position(session, session.get(Registration, ahead.id)) == 1
    stored = session.get(Event, event.id)
    assert (stored.onsite_taken, stored.waitlisted_count) == (1, 1 + (attendance == Attendance.WAITLISTED))


def test_on_a_full_event_a_reason_seats_over_the_cap_and_mails_only_the_person_seated(
    session, make_event, make_registration, desk_user
):
    event = make_event(onsite_capacity=1)
    make_registration(event)
    waiting = make_registration(event).registration
    online = make_registration(event, wanted=Attendance.ONLINE).registration
    mails_before = len(outbox(session))

    arrival = give_seat_and_check_in(session, online.id, desk_user, override_reason=" Keynote speaker ")

    assert arrival.newly
    fresh(session)
    seated = session.get(Registration, online.id)
    assert seated.attendance == Attendance.ONSITE and seated.checked_in_at is not None
    new_mail = outbox(session)[mails_before:]
    assert [(m.recipient, m.kind) for m in new_mail] == [(seated.email, "attendance_changed")]
    assert new_mail[0].checkin_code == seated.checkin_code
    assert actions(session)[-3:] == ["attendance.changed", "seat.override", "checkin"]
    override = session.scalars(select(AuditEntry).where(AuditEntry.action == "seat.override")).one()
    assert override.details["reason"] == "Keynote speaker" and override.actor_id == desk_user.id
    # The waiting list is where it was; the counts follow.
    assert session.get(Registration, waiting.id).attendance == Attendance.WAITLISTED
    numbers = counts(session, session.get(Event, event.id))
    assert (numbers.onsite, numbers.waitlisted, numbers.checked_in) == (2, 1, 1)
    stored = session.get(Event, event.id)
    assert (stored.onsite_taken, stored.waitlisted_count) == (2, 1)


def test_someone_waiting_seated_over_the_cap_leaves_the_waiting_list(
    session, make_event, make_registration, desk_user
):
    event = make_event(onsite_capacity=1)
    make_registration(event)
    first = make_registration(event).registration
    second = make_registration(event).registration
    give_seat_and_check_in(session, second.id, desk_user, override_reason="Interpreter")
    fresh(session)
    assert session.get(Registration, second.id).attendance == Attendance.ONSITE
    assert waitlist_position(session, session.get(Registration, first.id)) == 1
    assert session.get(Event, event.id).waitlisted_count == 1


def test_giving_a_seat_to_someone_seated_meanwhile_only_checks_them_in(
    session, make_event, make_registration, desk_user
):
    event = make_event(onsite_capacity=1)
    person = make_registration(event).registration  # the last seat: the event is full
    mails = len(outbox(session))
    arrival = give_seat_and_check_in(session, person.id, desk_user)
    assert arrival.newly and arrival.registration.attendance == Attendance.ONSITE
    assert arrival.registration.confirmed_at is not None and arrival.registration.hold_expires_at is None
    assert len(outbox(session)) == mails
    assert actions(session)[-1] == "checkin"
    again = give_seat_and_check_in(session, person.id, desk_user)
    assert not again.newly and again.by.id == desk_user.id


def test_desks_giving_the_last_seats_at_once_never_exceed_the_cap(
    app, make_event, make_registration, desk_user
):
    cap, people = 3, 12
    event = make_event(onsite_capacity=cap)
    online = [make_registration(event, wanted=Attendance.ONLINE).registration.id for _ in range(people)]
    database = app.extensions["regsvc.db"]
    start = threading.Barrier(people)

    def give(registration_id):
        start.wait(timeout=30)
        with app.app_context(), database.Session() as session:
            try:
                give_seat_and_check_in(session, registration_id, desk_user)
            except SeatsFull:
                return "full"
            return "seated"

    with ThreadPoolExecutor(max_workers=people) as pool:
        outcomes = list(pool.map(give, online))

    assert outcomes.count("seated") == cap
    with database.Session() as session:
        numbers = counts(session, session.get(Event, event.id))
        assert (numbers.onsite, numbers.online, numbers.checked_in) == (cap, people - cap, cap)
        assert session.get(Event, event.id).onsite_taken == cap
        # Only those seated were told anything.
        mailed = session.scalars(select(OutboxMessage.kind).where(OutboxMessage.kind == "attendance_changed"))
        assert len(mailed.all()) == cap


# --- walk-ins ------------------------------------------------------------------------------


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


# --- what the desk reads -------------------------------------------------------------------


def test_search_shows_the_first_matches_and_counts_the_rest_with_one_count(
    app, session, make_event, make_registration, monkeypatch
):
    monkeypatch.setattr(queries, "RESULTS_SHOWN", 3)
    event = make_event(onsite_capacity=10)
    for n in range(5):
        make_registration(event, full_name=f"Jovan Petrović {n}")
    make_registration(event, full_name="Someone Else")
    statements = []

    def seen(_connection, _cursor, statement, *_args):
        statements.append(statement)

    engine = session.get_bind()
    sqlalchemy_event.listen(engine, "before_cursor_execute", seen)
    try:
        found = search(session, event.id, "petrovic")
    finally:
        sqlalchemy_event.remove(engine, "before_cursor_execute", seen)
    assert [person.full_name for person in found.people] == [f"Jovan Petrović {n}" for n in range(3)]
    assert (found.total, found.more) == (5, 2)
    # The rest are counted, not loaded.
    assert len(statements) == 2 and "count(" in statements[1].lower()

    few = search(session, event.id, "someone")
    assert (len(few.people), few.total, few.more) == (1, 1, 0)
    assert search(session, event.id, "p").total == 0  # one letter is not a search yet


def test_search_finds_a_code_however_it_is_typed(session, make_event, make_registration):
    event = make_event()
    person = make_registration(event).registration
    code = person.checkin_code
    for typed in (code, f"{code[:4]} {code[4:8]} {code[8:12]} {code[12:]}", f"{code[:8]}-{code[8:]}"):
        assert [found.id for found in search(session, event.id, typed).people] == [person.id]


def test_expected_are_seated_people_not_yet_here_by_surname(
    session, make_event, make_registration, desk_user, organiser, monkeypatch
):
    event = make_event(onsite_capacity=10)
    names = ["Zoran Anđelković", "Ana Živković", "Marko Babić", "Ђорђе Ćirić", "Elena Čolić"]
    people = {name: make_registration(event, full_name=name).registration for name in names}
    check_in(session, people["Marko Babić"].id, desk_user)
    confirmed = people["Ana Živković"]
    staff_set_attendance(session, confirmed.id, Attendance.ONSITE, organiser)  # vouched for: no longer held
    make_registration(event, full_name="Olga Online", wanted=Attendance.ONLINE)
    cancelled = make_registration(event, full_name="Cane Cancelled").registration
    staff_set_attendance(session, cancelled.id, Attendance.CANCELLED, organiser)

    page = expected(session, event.id)
    # Held seats and confirmed ones alike; by surname, whatever its accents or script.
    assert [p.full_name for p in page.items] == [
        "Zoran Anđelković",
        "Ђорђе Ćirić",
        "Elena Čolić",
        "Ana Živković",
    ]
    assert page.total == expected_count(session, event.id) == 4
    assert [p.full_name for p in expected(session, event.id, "elena").items] == ["Elena Čolić"]
    assert [p.id for p in expected(session, event.id, people["Elena Čolić"].checkin_code).items] == [
        people["Elena Čolić"].id
    ]
    assert expected(session, event.id, "babic").total == 0  # here already

    monkeypatch.setattr(queries, "EXPECTED_PAGE_SIZE", 3)
    second = expected(session, event.id, page=2)
    assert [p.full_name for p in second.items] == ["Ana Živković"]
    assert (second.number, second.pages, second.total) == (2, 2, 4)
    assert expected(session, event.id, page=99).number == 2


def test_who_checked_someone_in_is_known_by_their_address(session, make_event, make_registration, desk_user):
    event = make_event()
    here = make_registration(event).registration
    not_yet = make_registration(event).registration
    check_in(session, here.id, desk_user)
    fresh(session)
    people = [session.get(Registration, here.id), session.get(Registration, not_yet.id)]
    assert checked_in_by(session, people) == {here.id: "desk@example.org"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_desk_sees_today_first_then_upcoming_then_past(session, make_event):
    def dated(title, start, hours=8, timezone="Europe/Belgrade"):
        return make_event(
            title=title, starts_at=at(start), ends_at=at(start) + timedelta(hours=hours), timezone=timezone
        )

    # 22:30 UTC on 30 June is already 1 July in Belgrade (UTC+2).
    now = at("2026-06-30T22:30")
    dated("Next week", "2026-07-08T07:00")
    dated("Yesterday in Belgrade", "2026-06-30T07:00")  # the same day in UTC, not where it is held
    dated("Later today", "2026-07-01T14:00")
    dated("In three days", "2026-07-04T07:00")
    dated("Began the day before, ends today", "2026-06-29T07:00", hours=48)
    dated("Last month", "2026-05-20T07:00")
    dated("This morning", "2026-07-01T07:00")

    events = desk_events(session, now)
    assert [e.title for e in events.today] == [
        "Began the day before, ends today",
        "This morning",
        "Later today",
    ]
    assert [e.title for e in events.upcoming] == ["In three days", "Next week"]
    assert [e.title for e in events.past] == ["Yesterday in Belgrade", "Last month"]
