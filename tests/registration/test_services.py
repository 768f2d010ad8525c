"""The rules of registration and seat allocation (DESIGN §2), at the service level."""

import random
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from regsvc.db import utcnow
from regsvc.events.services import Phase, seats_left
from regsvc.mail.models import OutboxMessage
from regsvc.registration import models as registration_models
from regsvc.registration import services
from regsvc.registration.models import Attendance, Registration, RegistrationLink, WhenFull, new_checkin_code
from regsvc.registration.services import (
    CapacityBelowTaken,
    ChangeNotAllowed,
    RegistrationNotOpen,
    allowed_changes,
    change_attendance,
    register,
    registration_for_token,
    set_capacity,
    waitlist_position,
)
from regsvc.security import hash_token
from tests.conftest import details


def attendance_counts(session, event):
    rows = session.execute(
        select(Registration.attendance, func.count())
        .where(Registration.event_id == event.id)
        .group_by(Registration.attendance)
    )
    return dict(rows.all())


def outbox(session, recipient=None):
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if recipient:
        query = query.where(OutboxMessage.recipient == recipient)
    return list(session.scalars(query))


def test_onsite_seats_are_given_until_the_cap_then_the_waiting_list(session, make_event, make_registration):
    event = make_event(onsite_capacity=2)
    first = make_registration(event).registration
    second = make_registration(event).registration
    third = make_registration(event).registration
    assert [first.attendance, second.attendance, third.attendance] == ["onsite", "onsite", "waitlisted"]
    assert seats_left(event) == 0
    assert (event.onsite_taken, event.waitlisted_count) == (2, 1)
    assert waitlist_position(session, third) == 1


def test_full_event_registers_online_when_the_participant_prefers(make_event, make_registration):
    event = make_event(onsite_capacity=1)
    make_registration(event)
    late = make_registration(event, when_full=WhenFull.ONLINE).registration
    assert late.attendance == Attendance.ONLINE
    assert late.waitlisted_at is None


def test_online_is_unlimited(session, make_event, make_registration):
    event = make_event(onsite_capacity=0)
    for _ in range(5):
        assert make_registration(event, wanted=Attendance.ONLINE).registration.attendance == "online"
    assert attendance_counts(session, event) == {"online": 5}


def test_waiting_list_is_first_come_first_served(session, make_event, make_registration):
    event = make_event(onsite_capacity=1)
    seated = make_registration(event).registration
    waiting = [make_registration(event).registration for _ in range(3)]
    assert [waitlist_position(session, r) for r in waiting] == [1, 2, 3]

    change_attendance(session, seated.id, Attendance.CANCELLED)

    session.expire_all()
    refreshed = [session.get(Registration, r.id) for r in waiting]
    assert [r.attendance for r in refreshed] == ["onsite", "waitlisted", "waitlisted"]
    assert [waitlist_position(session, r) for r in refreshed[1:]] == [1, 2]


def test_the_confirmation_tells_each_newcomer_their_place_on_the_waiting_list(
    session, make_event, make_registration
):
    event = make_event(onsite_capacity=1)
    make_registration(event)
    for _ in range(3):
        make_registration(event)
    bodies = session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id)).all()
    assert "An on-site seat is held for you until" in bodies[0]
    for place, body in enumerate(bodies[1:], start=1):
        assert f"you are number {place} on the waiting list" in body


def test_a_freed_seat_promotes_the_first_waiting_person_and_emails_them(
    session, make_event, make_registration
):
    event = make_event(onsite_capacity=1)
    seated = make_registration(event).registration
    waiting = make_registration(event, email="waiting@example.org").registration

    change_attendance(session, seated.id, Attendance.ONLINE)

    session.expire_all()
    assert session.get(Registration, waiting.id).attendance == "onsite"
    granted = outbox(session, "waiting@example.org")[-1]
    assert "You have an on-site seat" in granted.subject
    assert "/r/" in granted.body
    # The link in that e-mail opens the participant's own registration.
    token = granted.body.split("/r/")[1].split("/")[0]
    assert registration_for_token(session, token).id == waiting.id


def test_raising_the_capacity_moves_the_waiting_list_up_at_once(session, make_event, make_registration):
    event = make_event(onsite_capacity=1)
    make_registration(event)
    waiting = [make_registration(event).registration for _ in range(3)]

    promoted = set_capacity(session, event.id, 3)

    assert [p.id for p in promoted] == [waiting[0].id, waiting[1].id]
    assert attendance_counts(session, event) == {"onsite": 3, "waitlisted": 1}


def test_capacity_cannot_go_below_the_seats_taken(session, make_event, make_registration):
    event = make_event(onsite_capacity=3)
    make_registration(event)
    make_registration(event)
    with pytest.raises(CapacityBelowTaken) as refused:
        set_capacity(session, event.id, 1)
    assert refused.value.taken == 2
    session.expire_all()
    assert session.get(type(event), event.id).onsite_capacity == 3
    set_capacity(session, event.id, 2)  # exactly the seats taken is fine


def test_switching_to_onsite_is_subject_to_the_cap(session, make_event, make_registration):
    event = make_event(onsite_capacity=1)
    make_registration(event)
    online = make_registration(event, wanted=Attendance.ONLINE).registration

    stays = change_attendance(session, online.id, Attendance.ONSITE, WhenFull.ONLINE)
    assert stays.attendance == "online"
    waits = change_attendance(session, online.id, Attendance.ONSITE, WhenFull.WAITLIST)
    assert waits.attendance == "waitlisted"
    assert attendance_counts(session, event) == {"onsite": 1, "waitlisted": 1}


def test_leaving_the_waiting_list_keeps_the_order_of_the_others(session, make_event, make_registration):
    event = make_event(onsite_capacity=0)
    first, second, third = (make_registration(event).registration for _ in range(3))
    change_attendance(session, second.id, Attendance.ONLINE)
    assert waitlist_position(session, first) == 1
    assert waitlist_position(session, session.get(Registration, third.id)) == 2
    assert waitlist_position(session, session.get(Registration, second.id)) is None


def test_the_same_email_registers_once_per_event_case_insensitively(session, make_event):
    event = make_event()
    first = register(session, event.id, details(1, email="Ana.Petrovic@Example.org"), Attendance.ONSITE)
    again = register(session, event.id, details(2, email="  ana.petrovic@example.ORG "), Attendance.ONLINE)

    assert not first.duplicate and again.duplicate
    assert again.registration is None and again.token is None
    assert attendance_counts(session, event) == {"onsite": 1}
    # The same address may register for another event.
    other = make_event()
    assert not register(session, other.id, details(3, email="ana.petrovic@example.org"), "online").duplicate


def test_a_duplicate_registration_mails_a_fresh_link_that_works(session, make_event, app):
    app.config["LINK_RESEND_INTERVAL_SECONDS"] = 0
    event = make_event()
    first = register(session, event.id, details(1, email="ana@example.org"), Attendance.ONSITE)
    register(session, event.id, details(1, email="ANA@example.org"), Attendance.ONSITE)

    resent = outbox(session, "ana@example.org")[-1]
    assert "link" in resent.subject.lower()
    token = resent.body.split("/r/")[1].split("/")[0]
    assert token != first.token
    assert registration_for_token(session, token).id == first.registration.id
    assert registration_for_token(session, first.token).id == first.registration.id  # old link works


def test_the_same_email_registered_between_the_look_up_and_the_lock_is_a_duplicate(
    session, make_event, monkeypatch, app
):
    """PostgreSQL looks the address up on the snapshot taken before the seat lock was
    granted; a registration of the same address committed in between is caught by the
    unique index, and answered as a duplicate."""
    app.config["LINK_RESEND_INTERVAL_SECONDS"] = 0
    event = make_event()
    first = register(session, event.id, details(1, email="ana@example.org"), Attendance.ONSITE)
    locked = services._registration_transaction
    looked_up = []

    @contextmanager
    def look_up_too_early(*args):
        with locked(*args) as (locked_event, registered_id):
            looked_up.append(registered_id)
            # The first look-up ran just before `first` was committed.
            yield locked_event, registered_id if len(looked_up) > 1 else None

    monkeypatch.setattr(services, "_registration_transaction", look_up_too_early)
    again = register(session, event.id, details(2, email="ANA@example.org"), Attendance.ONLINE)

    assert again.duplicate
    assert attendance_counts(session, event) == {"onsite": 1}
    assert session.scalar(select(func.count()).select_from(RegistrationLink)) == 2  # a fresh link
    assert session.get(Registration, first.registration.id).full_name == "Participant 1"


def test_duplicate_registrations_do_not_flood_the_inbox(session, make_event, app):
    app.config["LINK_RESEND_INTERVAL_SECONDS"] = 600
    event = make_event()
    register(session, event.id, details(1), Attendance.ONSITE)
    for _ in range(3):
        register(session, event.id, details(1), Attendance.ONSITE)
    assert len(outbox(session, "participant1@example.org")) == 1  # just the confirmation


def test_the_private_link_is_random_long_and_stored_only_hashed(session, make_event, make_registration):
    event = make_event()
    outcome = make_registration(event)
    assert len(outcome.token) >= 22  # ≥ 128 bits in URL-safe base64
    stored = session.scalars(select(RegistrationLink.token_hash)).all()
    assert stored == [hash_token(outcome.token)]
    assert outcome.token not in stored
    assert registration_for_token(session, outcome.token).id == outcome.registration.id
    other_last = "y" if outcome.token.endswith("x") else "x"  # really another token
    assert registration_for_token(session, outcome.token[:-1] + other_last) is None
    assert registration_for_token(session, "") is None


def test_confirmation_email_is_written_with_the_registration(session, make_event, make_registration):
    event = make_event(onsite_capacity=1)
    make_registration(event, email="seat@example.org")
    make_registration(event, email="wait@example.org")
    seat, wait = outbox(session, "seat@example.org")[0], outbox(session, "wait@example.org")[0]
    assert "on-site seat" in seat.body
    assert "number 1 on the waiting list" in wait.body
    assert event.title in seat.subject


def test_nothing_is_written_when_registration_is_refused(session, make_event):
    event = make_event(registration_closes_at=utcnow() - timedelta(hours=1))
    with pytest.raises(RegistrationNotOpen) as refused:
        register(session, event.id, details(1), Attendance.ONSITE)
    assert refused.value.phase == Phase.CLOSED
    assert session.scalar(select(func.count()).select_from(Registration)) == 0
    assert outbox(session) == []


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"registration_opens_at": utcnow() + timedelta(days=1)}, Phase.NOT_OPEN),
        ({"registration_closes_at": utcnow() - timedelta(minutes=1)}, Phase.CLOSED),
        (
            {
                "starts_at": utcnow() - timedelta(days=2),
                "ends_at": utcnow() - timedelta(days=1),
                "registration_opens_at": utcnow() - timedelta(days=9),
                "registration_closes_at": utcnow() - timedelta(days=3),
            },
            Phase.OVER,
        ),
    ],
)
def test_registration_is_refused_outside_its_window(session, make_event, fields, expected):
    event = make_event(**fields)
    with pytest.raises(RegistrationNotOpen) as refused:
        register(session, event.id, details(1), Attendance.ONLINE)
    assert refused.value.phase == expected


def test_cancelling_is_possible_after_registration_closes_but_not_switching(session, make_event):
    event = make_event(onsite_capacity=1)
    seated = register(session, event.id, details(1), Attendance.ONSITE).registration
    waiting = register(session, event.id, details(2), Attendance.ONSITE).registration
    after_close = event.registration_closes_at + timedelta(hours=1)

    assert allowed_changes(seated, after_close) == [Attendance.CANCELLED]
    with pytest.raises(ChangeNotAllowed):
        change_attendance(session, seated.id, Attendance.ONLINE, now=after_close)
    change_attendance(session, seated.id, Attendance.CANCELLED, now=after_close)
    # The freed seat still goes to the waiting list.
    assert session.get(Registration, waiting.id).attendance == "onsite"


def test_no_changes_once_the_event_has_started(session, make_event, make_registration):
    event = make_event()
    registration = make_registration(event).registration
    assert allowed_changes(registration, event.starts_at + timedelta(minutes=1)) == []
    with pytest.raises(ChangeNotAllowed):
        change_attendance(
            session, registration.id, Attendance.CANCELLED, now=event.starts_at + timedelta(minutes=1)
        )


def test_a_cancelled_participant_can_come_back_subject_to_the_cap(session, make_event, make_registration):
    event = make_event(onsite_capacity=1)
    leaving = make_registration(event).registration
    change_attendance(session, leaving.id, Attendance.CANCELLED)
    make_registration(event)  # takes the freed seat
    back = change_attendance(session, leaving.id, Attendance.ONSITE, WhenFull.WAITLIST)
    assert back.attendance == "waitlisted"
    assert attendance_counts(session, event) == {"onsite": 1, "waitlisted": 1}


def test_every_change_of_attendance_emails_the_participant(session, make_event, make_registration):
    event = make_event()
    registration = make_registration(event, email="mira@example.org").registration
    change_attendance(session, registration.id, Attendance.ONLINE)
    change_attendance(session, registration.id, Attendance.CANCELLED)
    subjects = [m.body for m in outbox(session, "mira@example.org")]
    assert len(subjects) == 3
    assert "follow online" in subjects[1]
    assert "cancelled" in subjects[2]


def test_check_in_codes_are_sixteen_random_digits_leading_zeros_kept(monkeypatch):
    codes = {new_checkin_code() for _ in range(1000)}
    assert len(codes) == 1000 and all(len(code) == 16 and code.isdigit() for code in codes)
    monkeypatch.setattr(registration_models.secrets, "randbelow", lambda bound: 42)
    assert new_checkin_code() == "0000000000000042"  # a scanner reads all 16 digits


def test_the_counts_kept_on_the_event_follow_every_kind_of_change(session, make_event, make_user):
    """Registering, switching, cancelling, desk walk-ins and overrides, staff changes and
    capacity changes, in a long mixed sequence: the event's on-site and waiting counts,
    which the allocation decides by, always equal its registrations'."""
    from regsvc.registration.services import register_walk_in, staff_set_attendance
    from regsvc.roles import Role

    staff = make_user(Role.ORGANISER, email="counts@example.org")
    event = make_event(onsite_capacity=3)
    chance = random.Random(20261129)
    people = []
    seen = set()
    for step in range(120):
        action = chance.choice(["register", "register", "switch", "staff", "walk_in", "capacity"])
        if action == "register" or not people:
            wanted = chance.choice([Attendance.ONSITE, Attendance.ONLINE])
            when_full = chance.choice([WhenFull.WAITLIST, WhenFull.ONLINE])
            outcome = register(session, event.id, details(f"mix{step}"), wanted, when_full)
            people.append(outcome.registration.id)
        elif action == "switch":
            person = session.get(Registration, chance.choice(people))
            options = allowed_changes(person, utcnow())
            if options:
                change_attendance(session, person.id, chance.choice(options), chance.choice(list(WhenFull)))
        elif action == "staff":
            wanted = chance.choice(list(Attendance))
            reason = chance.choice(["", "", "Speaker"])
            staff_set_attendance(session, chance.choice(people), wanted, staff, override_reason=reason)
        elif action == "walk_in":
            reason = "Minister's adviser" if event.onsite_taken >= event.onsite_capacity else ""
            people.append(
                register_walk_in(session, event.id, details(f"walk{step}"), staff, override_reason=reason).id
            )
        else:
            set_capacity(
                session, event.id, max(event.onsite_taken, event.onsite_capacity + chance.randint(-2, 3))
            )
        counts = attendance_counts(session, event)
        assert (event.onsite_taken, event.waitlisted_count) == (
            counts.get(Attendance.ONSITE, 0),
            counts.get(Attendance.WAITLISTED, 0),
        ), f"step {step}: {action}"
        seen.update(counts)
    assert seen == set(Attendance)  # the sequence went through every state
