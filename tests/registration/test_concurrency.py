"""The on-site cap holds when many people submit at the same moment."""

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from regsvc.events.models import Event
from regsvc.registration.models import Attendance, Registration, WhenFull
from regsvc.registration.services import change_attendance, register, set_capacity
from tests.conftest import details, form_data

PARTICIPANTS = 40
CAP = 7


def _counts(app, event_id):
    with app.extensions["regsvc.db"].Session() as session:
        rows = session.execute(
            select(Registration.attendance, func.count())
            .where(Registration.event_id == event_id)
            .group_by(Registration.attendance)
        )
        return dict(rows.all())


def _assert_event_counts_match(app, event_id):
    """The counts kept on the event (which the allocation decides by) are the real ones."""
    counts = _counts(app, event_id)
    with app.extensions["regsvc.db"].Session() as session:
        event = session.get(Event, event_id)
        assert (event.onsite_taken, event.waitlisted_count) == (
            counts.get(Attendance.ONSITE, 0),
            counts.get(Attendance.WAITLISTED, 0),
        )


def _all_at_once(n, work):
    """Run work(i) for i in range(n) in n threads released together."""
    start = threading.Barrier(n)

    def run(i):
        start.wait(timeout=30)
        return work(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_simultaneous_form_submissions_never_exceed_the_cap(app, make_event):
    event = make_event(onsite_capacity=CAP)

    def submit(i):
        client = app.test_client()
        # Every third person would rather follow online than wait.
        when_full = "online" if i % 3 == 0 else "waitlist"
        response = client.post(f"/e/{event.slug}/register", data=form_data(f"burst{i}", when_full=when_full))
        return response.status_code

    statuses = _all_at_once(PARTICIPANTS, submit)

    assert statuses == [302] * PARTICIPANTS  # every request succeeded, none was "database is locked"
    counts = _counts(app, event.id)
    assert counts[Attendance.ONSITE] == CAP
    assert (
        counts[Attendance.ONSITE] + counts[Attendance.WAITLISTED] + counts.get(Attendance.ONLINE, 0)
        == PARTICIPANTS
    )
    _assert_event_counts_match(app, event.id)


def test_double_submitted_form_creates_one_registration(app, make_event):
    event = make_event(onsite_capacity=CAP)

    def submit(_i):
        return app.test_client().post(f"/e/{event.slug}/register", data=form_data("twice")).status_code

    statuses = _all_at_once(8, submit)

    assert set(statuses) == {302}
    assert sum(_counts(app, event.id).values()) == 1


def test_switches_cancellations_and_capacity_changes_racing_keep_the_cap(app, make_event):
    event = make_event(onsite_capacity=CAP)
    database = app.extensions["regsvc.db"]
    with database.Session() as session:
        people = [
            register(session, event.id, details(f"race{i}"), Attendance.ONLINE).registration.id
            for i in range(PARTICIPANTS)
        ]

    def act(i):
        with app.app_context(), database.Session() as session:
            if i == 5:
                set_capacity(session, event.id, CAP + 3)
            elif i % 4 == 0:
                change_attendance(session, people[i], Attendance.CANCELLED)
            else:
                change_attendance(session, people[i], Attendance.ONSITE, WhenFull.WAITLIST)

    _all_at_once(PARTICIPANTS, act)

    counts = _counts(app, event.id)
    assert counts[Attendance.ONSITE] == CAP + 3
    # Seats are never left free while someone waits.
    assert counts[Attendance.WAITLISTED] == PARTICIPANTS - PARTICIPANTS // 4 - (CAP + 3) - 1
    _assert_event_counts_match(app, event.id)
