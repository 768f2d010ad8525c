"""Checking people in at the venue, and giving a seat to someone who arrives without one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from regsvc.audit.services import record
from regsvc.auth.models import StaffUser
from regsvc.db import utcnow, write_transaction
from regsvc.registration.models import CHECKIN_CODE_DIGITS, Attendance, Registration
from regsvc.registration.services import seat_at_desk, seat_transaction


class NotSeated(Exception):
    """Only people holding an on-site seat are checked in; give them a seat first."""

    def __init__(self, registration: Registration):
        super().__init__(registration.id)
        self.registration = registration


@dataclass(frozen=True)
class CheckIn:
    registration: Registration
    newly: bool  # False: they were checked in before
    at: datetime  # when they were checked in
    by: StaffUser | None  # who checked them in; None where nobody was recorded


def check_in(
    session: Session, registration_id: int, actor: StaffUser, *, now: datetime | None = None
) -> CheckIn:
    """Mark someone holding an on-site seat as arrived (NotSeated for anyone else)."""
    with write_transaction(session):
        # Locked: a seat hold released at this moment (registration.services) is not checked in.
        registration = session.get_one(
            Registration, registration_id, populate_existing=True, with_for_update={"of": Registration}
        )
        if registration.attendance != Attendance.ONSITE:
            raise NotSeated(registration)
        return _arrive(session, registration, actor, now or utcnow())


def give_seat_and_check_in(
    session: Session,
    registration_id: int,
    actor: StaffUser,
    *,
    override_reason: str = "",
    now: datetime | None = None,
) -> CheckIn:
    """Seat someone registered online, waiting or cancelled who is at the desk, and check
    them in: both in one seat transaction. When no seat is free, SeatsFull unless an
    override reason is given, and nothing changes: they stay where they were, and nobody
    is e-mailed."""
    now = now or utcnow()
    event_id = session.execute(
        select(Registration.event_id).where(Registration.id == registration_id)
    ).scalar_one()
    with seat_transaction(session, event_id) as lock:
        registration = seat_at_desk(lock, registration_id, actor, override_reason=override_reason, now=now)
        return _arrive(session, registration, actor, now)


def _arrive(session: Session, registration: Registration, actor: StaffUser, now: datetime) -> CheckIn:
    """Check in a seated registration read under a lock, unless it is in already."""
    if registration.checked_in_at is not None:
        by = registration.checked_in_by_id
        staff = None if by is None else session.get(StaffUser, by)
        return CheckIn(registration, newly=False, at=registration.checked_in_at, by=staff)
    registration.checked_in_at = now
    registration.checked_in_by_id = actor.id
    if registration.confirmed_at is None:  # here in person: a held seat is theirs
        registration.confirmed_at, registration.hold_expires_at = now, None
    record(
        session,
        actor,
        "checkin",
        event_id=registration.event_id,
        subject=registration,
        name=registration.full_name,
    )
    return CheckIn(registration, newly=True, at=now, by=actor)


def undo_check_in(session: Session, registration_id: int, actor: StaffUser) -> Registration:
    with write_transaction(session):
        registration = session.get_one(Registration, registration_id, populate_existing=True)
        if registration.checked_in_at is not None:
            registration.checked_in_at = None
            registration.checked_in_by_id = None
            record(
                session,
                actor,
                "checkin.undone",
                event_id=registration.event_id,
                subject=registration,
                name=registration.full_name,
            )
    return registration


# --- check-in codes -------------------------------------------------------------------


def typed_code(text: str) -> str | None:
    """The digits of a check-in code as the desk gets it: from a scanner, or typed as the
    participant's page shows it ("7989 6818 6478 4949"), with dashes, or with nothing
    between the digits. None when `text` is something else: a name to search."""
    digits = "".join(text.replace("-", " ").split())
    return digits if digits.isascii() and digits.isdigit() else None


def complete_code(code: str) -> bool:
    return len(code) == CHECKIN_CODE_DIGITS


def registration_by_code(session: Session, event_id: int, code: str) -> Registration | None:
    """The registration of this event with the check-in code `code` (digits, see typed_code)."""
    if not complete_code(code):
        return None
    return session.scalar(
        select(Registration).where(Registration.event_id == event_id, Registration.checkin_code == code)
    )
