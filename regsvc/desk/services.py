"""Checking people in at the venue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from regsvc.audit.services import record
from regsvc.auth.models import StaffUser
from regsvc.db import utcnow, write_transaction
from regsvc.registration.models import Attendance, Registration


class NotSeated(Exception):
    """Only people holding an on-site seat are checked in; give them a seat first."""

    def __init__(self, registration: Registration):
        super().__init__(registration.id)
        self.registration = registration


def check_in(
    session: Session, registration_id: int, actor: StaffUser, *, now: datetime | None = None
) -> tuple[Registration, bool]:
    """Mark someone as arrived. Returns (registration, newly checked in)."""
    with write_transaction(session):
        # Locked: a seat hold released at this moment (registration.services) is not checked in.
        registration = session.get_one(
            Registration, registration_id, populate_existing=True, with_for_update={"of": Registration}
        )
        if registration.attendance != Attendance.ONSITE:
            raise NotSeated(registration)
        if registration.checked_in_at is not None:
            return registration, False
        registration.checked_in_at = now or utcnow()
        registration.checked_in_by_id = actor.id
        if registration.confirmed_at is None:  # here in person: a held seat is theirs
            registration.confirmed_at, registration.hold_expires_at = registration.checked_in_at, None
        record(
            session,
            actor,
            "checkin",
            event_id=registration.event_id,
            subject=registration,
            name=registration.full_name,
        )
    return registration, True


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


def registration_by_code(session: Session, event_id: int, code: str) -> Registration | None:
    """The registration whose QR code was scanned, if it belongs to this event."""
    code = "".join(ch for ch in code if ch.isdigit())
    if not code:
        return None
    return session.scalar(
        select(Registration).where(Registration.event_id == event_id, Registration.checkin_code == code)
    )
