"""Registering, switching and cancelling, and the seat allocation behind all of them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from blinker import Namespace
from flask import current_app
from sqlalchemy import bindparam, func, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from regsvc.audit.services import PARTICIPANT, SYSTEM, record
from regsvc.auth.models import StaffUser
from regsvc.db import utcnow, write_transaction
from regsvc.events.models import Event
from regsvc.events.services import Phase, phase
from regsvc.limits import Limit
from regsvc.mail.services import Mail, add_to_outbox, render_mail
from regsvc.registration.models import (
    Attendance,
    Channel,
    Registration,
    RegistrationLink,
    WhenFull,
    new_checkin_code,
    normalise_email,
)
from regsvc.registration.writing import EventCounts, save_event_counts, save_link, save_new_registration
from regsvc.security import hash_token, new_token
from regsvc.urls import external_url

_signals = Namespace()
attendance_changed = _signals.signal("attendance-changed")
"""Sent inside the seat transaction whenever a registration's attendance changes, with the
keyword arguments session, registration, before, after and actor (a staff user,
PARTICIPANT or SYSTEM). Receivers change what depends on the attendance in the same
transaction: a travel claim follows its participant (regsvc.claims.eligibility). Packages
that build on registrations listen; registration imports none of them."""


class RegistrationNotOpen(Exception):
    """Registration (or a change to it) is not possible in the event's current phase."""

    def __init__(self, phase: Phase):
        super().__init__(phase)
        self.phase = phase


class EventNotFound(Exception):
    """No published event has this slug."""


class ChangeNotAllowed(Exception):
    """The participant may not switch to this attendance at this moment."""


class SeatsFull(Exception):
    """No on-site seat is free, and nobody asked to seat over the cap."""

    def __init__(self, taken: int, capacity: int):
        super().__init__(taken, capacity)
        self.taken = taken
        self.capacity = capacity


class AlreadyRegistered(Exception):
    def __init__(self, registration: Registration):
        super().__init__(registration.id)
        self.registration = registration


class CapacityBelowTaken(Exception):
    def __init__(self, taken: int):
        super().__init__(taken)
        self.taken = taken


@dataclass(frozen=True)
class ParticipantDetails:
    full_name: str
    email: str
    organisation: str
    position: str
    departure_town: str
    phone: str = ""
    needs: str = ""
    consents_to_publication: bool = False


@dataclass(frozen=True)
class RegistrationOutcome:
    registration: Registration | None  # None when the e-mail was already registered
    token: str | None  # the private link's token, for the new registration only
    # What the registering browser is told: "held" (an on-site seat, held until the link
    # in the e-mail is opened), "waitlisted" or "online". For an address already registered
    # it is what a new registration would have got: the answer never tells who is registered.
    result: str = ""

    @property
    def duplicate(self) -> bool:
        return self.registration is None


def _result(attendance: str) -> str:
    return "held" if attendance == Attendance.ONSITE else str(attendance)


# --- seat allocation ---------------------------------------------------------------


class SeatLockNotHeld(RuntimeError):
    """The seat allocation ran outside the transaction that locks the event's seats."""


class SeatLock:
    """The lock on one event's seats, held for one write transaction (seat_transaction, or
    _registration_transaction for a new registration). The seat allocation takes it as its
    first argument and refuses to run once the transaction has ended.

    It also keeps the event's seat counts while they change, and stores them once, with an
    explicit UPDATE as the transaction ends (or with a new registration's own statement):
    a flush of the changed Event would cost a registration more than all its own writes.
    """

    def __init__(self, session: Session, event: Event):
        self.session = session
        self.event = event
        self.onsite_taken = event.onsite_taken
        self.waitlisted_count = event.waitlisted_count
        self._held = True
        self._stored = (event.onsite_taken, event.waitlisted_count)

    def check_held(self) -> None:
        if not (self._held and self.session.in_transaction()):
            raise SeatLockNotHeld("the seat allocation runs only inside seat_transaction")

    def count(self, before: str | None, after: str) -> None:
        """A registration went from attendance `before` (None: new) to `after`."""
        self.onsite_taken += (after == Attendance.ONSITE) - (before == Attendance.ONSITE)
        self.waitlisted_count += (after == Attendance.WAITLISTED) - (before == Attendance.WAITLISTED)

    @property
    def counts(self) -> EventCounts:
        return EventCounts(self.event.id, self.onsite_taken, self.waitlisted_count)

    def counts_stored(self) -> None:
        """The counts as they are now are in the database (see save_new_registration)."""
        self._stored = (self.onsite_taken, self.waitlisted_count)

    def store_counts(self) -> None:
        """The transaction's work is done: store the counts if they changed."""
        if self._stored != (self.onsite_taken, self.waitlisted_count):
            save_event_counts(self.session, self.counts)
            self.counts_stored()
        # The event's attributes were never changed: read them again when next used.
        self.session.expire(self.event, ["onsite_taken", "waitlisted_count"])

    def release(self) -> None:
        self._held = False


@contextmanager
def seat_transaction(session: Session, event_id: int) -> Iterator[SeatLock]:
    """A write transaction holding the lock on the event's capacity row.

    Every change that may give or free an on-site seat happens inside one of these (or
    in _registration_transaction, the same lock for a new registration), so that no two
    of them can decide on the same seats at once (PostgreSQL: SELECT … FOR UPDATE;
    SQLite: the write lock of BEGIN IMMEDIATE).
    """
    with write_transaction(session):
        lock = SeatLock(session, session.scalars(_LOCK_EVENT, {"event_id": event_id}).one())
        try:
            yield lock
            lock.store_counts()
        finally:
            lock.release()


@contextmanager
def _registration_transaction(
    session: Session, event_key: int | str, email: str, limit: Limit | None = None
) -> Iterator[tuple[SeatLock, int | None]]:
    """seat_transaction for registering: the event (by id, or the published one by slug:
    EventNotFound if none) and the id of its registration with this e-mail address, if
    any, read and locked by one statement; `limit` is counted first, in the same
    transaction (RateLimited beyond it, and nothing is saved)."""
    params: dict[str, object] = {"email": normalise_email(email)}
    if isinstance(event_key, str):
        query, params["slug"] = _LOCK_PUBLISHED_EVENT_AND_REGISTERED_ID, event_key
    else:
        query, params["event_id"] = _LOCK_EVENT_AND_REGISTERED_ID, event_key
    with write_transaction(session):
        if limit is not None:
            limit.count_in(session)
        row = session.execute(query, params).one_or_none()
        if row is None:
            raise EventNotFound(event_key)
        lock = SeatLock(session, row[0])
        try:
            yield lock, row[1]
            lock.store_counts()
        finally:
            lock.release()


def _locking(query):
    return query.with_for_update(of=Event).execution_options(populate_existing=True)


_LOCK_EVENT = _locking(select(Event).where(Event.id == bindparam("event_id")))
_REGISTERED_ID = (
    select(Registration.id)
    .where(Registration.event_id == Event.id, Registration.email_normalised == bindparam("email"))
    .scalar_subquery()
)
_LOCK_EVENT_AND_REGISTERED_ID = _locking(
    select(Event, _REGISTERED_ID).where(Event.id == bindparam("event_id"))
)
_LOCK_PUBLISHED_EVENT_AND_REGISTERED_ID = _locking(
    select(Event, _REGISTERED_ID).where(Event.slug == bindparam("slug"), Event.is_published.is_(True))
)


@dataclass(frozen=True)
class Allocation:
    promoted: list[Registration]  # from the waiting list to a seat, each told by e-mail
    waiting_before: int  # on the waiting list when the allocation began


def allocate(
    lock: SeatLock,
    registration: Registration | None = None,
    wanted: Attendance | None = None,
    when_full: WhenFull = WhenFull.WAITLIST,
    *,
    override: bool = False,
    now: datetime | None = None,
) -> Allocation:
    """The one function that gives and takes on-site seats; it runs only while `lock` is
    held (SeatLockNotHeld otherwise).

    Moves `registration` (if given) towards `wanted`: on-site when a seat is free (or
    with an explicit desk `override`), otherwise the waiting list or online as the
    participant chose. Then hands every free seat to the waiting list, first come,
    first served, and tells each promoted person by e-mail. A new registration is
    decided here and saved by its caller (see _save_welcomed).
    """
    lock.check_held()
    session, event = lock.session, lock.event
    now = now or utcnow()
    waiting_before = lock.waitlisted_count
    if registration is not None and wanted is not None and registration.attendance != wanted:
        if wanted != Attendance.ONSITE:
            _set_attendance(lock, registration, wanted, now)
        elif override or lock.onsite_taken < event.onsite_capacity:
            _set_attendance(lock, registration, Attendance.ONSITE, now)
        elif when_full == WhenFull.WAITLIST:
            _set_attendance(lock, registration, Attendance.WAITLISTED, now)
        else:
            _set_attendance(lock, registration, Attendance.ONLINE, now)

    free = event.onsite_capacity - lock.onsite_taken
    if free <= 0 or lock.waitlisted_count <= 0:
        return Allocation([], waiting_before)
    promoted = list(
        session.scalars(
            select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.attendance == Attendance.WAITLISTED,
            )
            .order_by(Registration.waitlisted_at, Registration.id)
            .limit(free)
        )
    )
    for person in promoted:
        _set_attendance(lock, person, Attendance.ONSITE, now)
        record(session, SYSTEM, "waitlist.promoted", event_id=event.id, subject=person, name=person.full_name)
        _mail(
            session,
            person,
            "seat_granted",
            with_qr=True,
            with_calendar=True,
            link=_private_url(_new_link(session, person.id, now)),
        )
    return Allocation(promoted, waiting_before)


def _set_attendance(
    lock: SeatLock, registration: Registration, attendance: Attendance, now: datetime
) -> None:
    """The one place a registration's attendance changes, with the event's counts."""
    before = registration.attendance  # None for a registration being made
    if attendance == before:
        return
    lock.count(before, attendance)
    registration.waitlisted_at = now if attendance == Attendance.WAITLISTED else None
    registration.attendance = attendance
    # A seat for an address nobody has confirmed yet is held, not given (see confirm_address).
    unconfirmed_seat = attendance == Attendance.ONSITE and registration.confirmed_at is None
    registration.hold_expires_at = now + _hold_period() if unconfirmed_seat else None
    registration.hold_reminded_at = None


def _hold_period() -> timedelta:
    return timedelta(hours=current_app.config["SEAT_HOLD_HOURS"])


def attendance_changed_by(
    session: Session, registration: Registration, before: str | None, actor: StaffUser | str
) -> None:
    """Record a change of attendance made by `actor` and announce it (attendance_changed):
    what follows the attendance changes in the same transaction."""
    record(
        session,
        actor,
        "attendance.changed",
        event_id=registration.event_id,
        subject=registration,
        before=before,
        after=registration.attendance,
    )
    attendance_changed.send(
        registration, session=session, before=before, after=registration.attendance, actor=actor
    )


def waitlist_position(session: Session, registration: Registration) -> int | None:
    """1 for the first person waiting; None when not on the waiting list."""
    if registration.attendance != Attendance.WAITLISTED:
        return None
    ahead = session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.event_id == registration.event_id,
            Registration.attendance == Attendance.WAITLISTED,
            tuple_(Registration.waitlisted_at, Registration.id)
            < tuple_(registration.waitlisted_at, registration.id),
        )
    )
    return (ahead or 0) + 1


# --- private links -----------------------------------------------------------------


def _new_link(session: Session, registration_id: int, now: datetime) -> str:
    """Store a new private link to a saved registration; returns its token."""
    token = new_token()
    save_link(session, registration_id, hash_token(token), now)
    return token


def _private_url(token: str) -> str:
    return external_url("registration.manage", token=token)


@dataclass(frozen=True)
class _NewLink:
    """A private link for a registration not yet saved: prepared before the seat lock."""

    token: str
    token_hash: str  # what is stored
    url: str  # what is mailed

    @classmethod
    def prepare(cls) -> _NewLink:
        token = new_token()
        return cls(token, hash_token(token), _private_url(token))


def registration_for_token(session: Session, token: str) -> Registration | None:
    if not token or len(token) > 100:
        return None
    link = session.scalar(select(RegistrationLink).where(RegistrationLink.token_hash == hash_token(token)))
    return link.registration if link else None


def _mail(
    session: Session,
    registration: Registration,
    template: str,
    *,
    with_qr: bool = False,
    with_calendar: bool = False,
    **context,
) -> None:
    """E-mail the participant, if they gave an address (desk walk-ins may not have);
    `with_calendar`: with the registration's calendar entry, as it now stands."""
    mail = _render(
        registration,
        template,
        with_qr=with_qr,
        calendar_for=registration.id if with_calendar else None,
        **context,
    )
    if mail is not None:
        add_to_outbox(session, mail)


def _render(
    registration: Registration,
    template: str,
    *,
    with_qr: bool = False,
    calendar_for: int | None = None,
    event: Event | None = None,
    **context,
) -> Mail | None:
    """The message to the participant (`event`: for a registration not saved yet)."""
    if not registration.email:
        return None
    return render_mail(
        registration.email,
        template,
        registration.locale,
        checkin_code=registration.checkin_code if with_qr else None,
        calendar_for=calendar_for,
        registration=registration,
        event=event or registration.event,
        **context,
    )


# --- what participants do ----------------------------------------------------------


def register(
    session: Session,
    event_key: int | str,
    details: ParticipantDetails,
    wanted: Attendance,
    when_full: WhenFull = WhenFull.WAITLIST,
    *,
    locale: str = "en",
    channel: Channel = Channel.SELF_SERVICE,
    limit: Limit | None = None,
    now: datetime | None = None,
) -> RegistrationOutcome:
    """Register a participant, or re-send the private link if the e-mail is registered.

    `event_key`: the event's id, or the slug of a published event (the web form passes the
    slug: a registration reads the event once, with the look-up of the address)."""
    now = now or utcnow()
    if wanted not in (Attendance.ONSITE, Attendance.ONLINE):
        raise ValueError(f"cannot register as {wanted}")
    # Registrations take the seat lock one at a time: whatever does not depend on the
    # seats or on who is registered is prepared before it.
    registration = _new_registration(details, now, locale=locale, channel=channel)
    link = _NewLink.prepare()
    try:
        with _registration_transaction(session, event_key, details.email, limit) as (lock, existing_id):
            event = lock.event
            current = phase(event, now)
            if current != Phase.OPEN:
                raise RegistrationNotOpen(current)
            if existing_id is not None:
                _resend_link(session, session.get_one(Registration, existing_id), now)
                return RegistrationOutcome(None, None, _result(_would_get(lock, wanted, when_full)))

            allocation = allocate(lock, registration, wanted, when_full, now=now)
            # A newcomer joins the end of the waiting list.
            _save_welcomed(lock, registration, link, now, position=allocation.waiting_before + 1)
    except IntegrityError:
        # On PostgreSQL the look-up of the address runs on the snapshot its statement took
        # before the lock was granted: a registration of the same address committed while
        # this one waited shows up only at the unique index. A duplicate after all.
        if existing_id is not None or _registered_id(session, event.id, details.email) is None:
            raise
        return register(
            session,
            event_key,
            details,
            wanted,
            when_full,
            locale=locale,
            channel=channel,
            limit=limit,
            now=now,
        )
    return RegistrationOutcome(registration, link.token, _result(registration.attendance))


def _would_get(lock: SeatLock, wanted: Attendance, when_full: WhenFull) -> Attendance:
    """The attendance a new registration asking for `wanted` would get now."""
    if wanted != Attendance.ONSITE or lock.onsite_taken < lock.event.onsite_capacity:
        return wanted
    return Attendance.WAITLISTED if when_full == WhenFull.WAITLIST else Attendance.ONLINE


def _new_registration(
    details: ParticipantDetails, now: datetime, *, locale: str, channel: Channel
) -> Registration:
    """A registration not yet saved nor seated: allocate decides its attendance, then
    _save_welcomed stores it."""
    registration = Registration(
        full_name=details.full_name.strip(),
        email=details.email.strip(),
        email_normalised=normalise_email(details.email),
        phone=details.phone.strip(),
        organisation=details.organisation.strip(),
        position=details.position.strip(),
        departure_town=details.departure_town.strip(),
        needs=details.needs.strip(),
        consented_at=now,
        consents_to_publication=details.consents_to_publication,
        locale=locale,
        channel=channel,
        created_at=now,
        updated_at=now,
        checked_in_at=None,
        checked_in_by_id=None,
        checkin_code=new_checkin_code(),  # now, not at flush: the confirmation e-mail shows it
        # The desk has the person in front of it; a web form has only a typed address.
        confirmed_at=now if channel == Channel.DESK else None,
        hold_expires_at=None,
        hold_reminded_at=None,
        hold_released_at=None,
    )
    registration.refresh_search_text()
    return registration


def _save_welcomed(
    lock: SeatLock,
    registration: Registration,
    link: _NewLink,
    now: datetime,
    *,
    position: int | None = None,
) -> None:
    """Store a new registration with its private link and the confirmation e-mail that
    carries it (`position`: on the waiting list, if that is where it is)."""
    lock.check_held()
    registration.event_id = lock.event.id
    mail = _render(
        registration,
        "registered",
        event=lock.event,
        with_qr=registration.attendance == Attendance.ONSITE,  # the waiting get theirs with a seat
        link=link.url,
        position=position if registration.attendance == Attendance.WAITLISTED else None,
    )
    save_new_registration(lock.session, registration, link.token_hash, now, mail, lock.counts)
    lock.counts_stored()


def _find_by_email(session: Session, event_id: int, email: str) -> Registration | None:
    registration_id = _registered_id(session, event_id, email)
    return None if registration_id is None else session.get(Registration, registration_id)


_ID_BY_EMAIL = select(Registration.id).where(
    Registration.event_id == bindparam("event_id"), Registration.email_normalised == bindparam("email")
)


def _registered_id(session: Session, event_id: int, email: str) -> int | None:
    """The id of the event's registration with this e-mail address, if any."""
    email_normalised = normalise_email(email)
    if email_normalised is None:
        return None
    return (
        session.connection().execute(_ID_BY_EMAIL, {"event_id": event_id, "email": email_normalised}).scalar()
    )


def _resend_link(session: Session, registration: Registration, now: datetime) -> None:
    """Mail a fresh private link, at most once per LINK_RESEND_INTERVAL_SECONDS."""
    interval = timedelta(seconds=current_app.config["LINK_RESEND_INTERVAL_SECONDS"])
    latest = session.scalar(
        select(func.max(RegistrationLink.created_at)).where(
            RegistrationLink.registration_id == registration.id
        )
    )
    if latest is not None and latest > now - interval:
        return
    _mail(session, registration, "link_resent", link=_private_url(_new_link(session, registration.id, now)))


# --- seat holds ---------------------------------------------------------------------


_CONFIRM = (
    update(Registration)
    .where(Registration.id == bindparam("registration_id"), Registration.confirmed_at.is_(None))
    .values(confirmed_at=bindparam("now"), hold_expires_at=None)
    .execution_options(synchronize_session=False)
)


def confirm_address(session: Session, registration: Registration, now: datetime | None = None) -> bool:
    """The participant opened their private link: their address is theirs, and an on-site
    seat held for them is now theirs too. Once only: True the first time."""
    if registration.confirmed_at is not None:
        return False
    now = now or utcnow()
    with write_transaction(session):
        # A conditional UPDATE: a hold released at this very moment stays released.
        result = session.connection().execute(_CONFIRM, {"registration_id": registration.id, "now": now})
        confirmed = result.rowcount
    session.expire(registration, ["confirmed_at", "hold_expires_at"])
    return bool(confirmed)


def _events_to_come(now: datetime):
    return select(Event.id).where(Event.starts_at > now)


def release_expired_holds(session: Session, now: datetime | None = None) -> int:
    """Seats held longer than SEAT_HOLD_HOURS for addresses nobody confirmed go back: the
    registration follows online, and the seat goes to the waiting list through the seat
    allocation. Returns how many were released. Once an event has begun nothing is
    released: whoever comes is confirmed at the desk."""
    now = now or utcnow()
    expired = (
        Registration.attendance == Attendance.ONSITE,
        Registration.confirmed_at.is_(None),
        Registration.hold_expires_at <= now,
        Registration.event_id.in_(_events_to_come(now)),
    )
    released = 0
    for event_id in session.scalars(select(Registration.event_id).where(*expired).distinct()).all():
        with seat_transaction(session, event_id) as lock:
            people = session.scalars(
                select(Registration)
                .where(Registration.event_id == event_id, *expired)
                .order_by(Registration.id)
                .with_for_update(of=Registration)
                .execution_options(populate_existing=True)
            ).all()
            for person in people:
                allocate(lock, person, Attendance.ONLINE, now=now)
                person.hold_released_at = now
                attendance_changed_by(session, person, Attendance.ONSITE, SYSTEM)
                record(
                    session, SYSTEM, "seat.released", event_id=event_id, subject=person, name=person.full_name
                )
                _mail(session, person, "seat_released", link=_private_url(_new_link(session, person.id, now)))
            released += len(people)
    return released


def remind_held_seats(session: Session, now: datetime | None = None) -> int:
    """Half-way through a hold, remind the participant to open their link (once)."""
    now = now or utcnow()
    with write_transaction(session):
        people = session.scalars(
            select(Registration)
            .where(
                Registration.attendance == Attendance.ONSITE,
                Registration.confirmed_at.is_(None),
                Registration.hold_reminded_at.is_(None),
                Registration.hold_expires_at > now,
                Registration.hold_expires_at <= now + _hold_period() / 2,
                Registration.event_id.in_(_events_to_come(now)),
            )
            .with_for_update(of=Registration)
        ).all()
        for person in people:
            person.hold_reminded_at = now
            _mail(
                session,
                person,
                "hold_reminder",
                link=_private_url(_new_link(session, person.id, now)),
                expires_at=person.hold_expires_at,
            )
    return len(people)


def allowed_changes(registration: Registration, now: datetime) -> list[Attendance]:
    """The attendance a participant may switch to from their private page right now."""
    event = registration.event
    current = Attendance(registration.attendance)
    if phase(event, now) == Phase.OPEN:
        options = {
            Attendance.ONSITE: [Attendance.ONLINE, Attendance.CANCELLED],
            Attendance.ONLINE: [Attendance.ONSITE, Attendance.CANCELLED],
            Attendance.WAITLISTED: [Attendance.ONLINE, Attendance.CANCELLED],
            Attendance.CANCELLED: [Attendance.ONSITE, Attendance.ONLINE],
        }
        return options[current]
    if now < event.starts_at and current != Attendance.CANCELLED:
        return [Attendance.CANCELLED]
    return []


def change_attendance(
    session: Session,
    registration_id: int,
    wanted: Attendance,
    when_full: WhenFull = WhenFull.WAITLIST,
    *,
    now: datetime | None = None,
) -> Registration:
    """A participant switches between on-site and online, leaves the waiting list,
    cancels, or comes back after cancelling: whatever allowed_changes permits now."""
    now = now or utcnow()
    event_id = session.execute(
        select(Registration.event_id).where(Registration.id == registration_id)
    ).scalar_one()
    with seat_transaction(session, event_id) as lock:
        registration = session.get_one(Registration, registration_id, populate_existing=True)
        if wanted not in allowed_changes(registration, now):
            raise ChangeNotAllowed(wanted)
        before = registration.attendance
        allocate(lock, registration, wanted, when_full, now=now)
        if registration.attendance != before:
            attendance_changed_by(session, registration, before, PARTICIPANT)
            _mail(
                session,
                registration,
                "attendance_changed",
                with_calendar=True,
                position=waitlist_position(session, registration),
            )
    return registration


def set_capacity(
    session: Session, event_id: int, capacity: int, *, actor: StaffUser | None = None
) -> list[Registration]:
    """Change the on-site cap. Raising it seats the waiting list at once; it never goes
    below the seats already taken. Returns the people promoted."""
    if capacity < 0:
        raise ValueError("capacity cannot be negative")
    with seat_transaction(session, event_id) as lock:
        event = lock.event
        if capacity < lock.onsite_taken:
            raise CapacityBelowTaken(lock.onsite_taken)
        if capacity != event.onsite_capacity:
            record(
                session,
                actor,
                "capacity.changed",
                event_id=event.id,
                subject=event,
                before=event.onsite_capacity,
                after=capacity,
            )
        event.onsite_capacity = capacity
        return allocate(lock).promoted


# --- what staff do -----------------------------------------------------------------


def register_walk_in(
    session: Session,
    event_id: int,
    details: ParticipantDetails,
    actor: StaffUser,
    *,
    override_reason: str = "",
    locale: str = "en",
    now: datetime | None = None,
) -> Registration:
    """Seat and check in someone who arrives at the desk unregistered; `locale` is the
    language of their e-mails and documents.

    Subject to the cap: when it is full, only an explicit override with a reason seats
    them, and the override is logged. Without an override nothing is saved (SeatsFull).
    """
    now = now or utcnow()
    override_reason = override_reason.strip()
    with seat_transaction(session, event_id) as lock:
        event = lock.event
        existing = _find_by_email(session, event.id, details.email)
        if existing is not None:
            raise AlreadyRegistered(existing)
        taken = lock.onsite_taken
        if taken >= event.onsite_capacity and not override_reason:
            raise SeatsFull(taken, event.onsite_capacity)
        registration = _new_registration(details, now, locale=locale, channel=Channel.DESK)
        allocate(lock, registration, Attendance.ONSITE, override=bool(override_reason), now=now)
        registration.checked_in_at = now
        registration.checked_in_by_id = actor.id
        _save_welcomed(lock, registration, _NewLink.prepare(), now)
        record(
            session,
            actor,
            "registration.walk_in",
            event_id=registration.event_id,
            subject=registration,
            name=registration.full_name,
        )
        if taken >= event.onsite_capacity:
            record(
                session,
                actor,
                "seat.override",
                event_id=registration.event_id,
                subject=registration,
                reason=override_reason,
                taken=taken + 1,
                capacity=event.onsite_capacity,
            )
        record(
            session,
            actor,
            "checkin",
            event_id=registration.event_id,
            subject=registration,
            name=registration.full_name,
        )
    return registration


def staff_set_attendance(
    session: Session,
    registration_id: int,
    wanted: Attendance,
    actor: StaffUser,
    *,
    override_reason: str = "",
    now: datetime | None = None,
) -> Registration:
    """An organiser or the desk changes someone's attendance, at any time.

    On-site when full puts them on the waiting list, unless an override reason is
    given: then they are seated over the cap and the override is logged.
    """
    now = now or utcnow()
    event_id = session.execute(
        select(Registration.event_id).where(Registration.id == registration_id)
    ).scalar_one()
    with seat_transaction(session, event_id) as lock:
        registration = session.get_one(Registration, registration_id, populate_existing=True)
        _change_by_staff(lock, registration, wanted, actor, override_reason.strip(), now)
    return registration


def seat_at_desk(
    lock: SeatLock, registration_id: int, actor: StaffUser, *, override_reason: str = "", now: datetime
) -> Registration:
    """An on-site seat for someone standing at the desk, inside the seat transaction the
    desk holds (it checks them in within the same one).

    The desk decides before anything changes: with no seat free and no override reason,
    SeatsFull, and nobody is moved to the waiting list or e-mailed. Otherwise the seat is
    given through allocate(), over the cap only with the reason, which is logged.
    """
    lock.check_held()
    # The row too: the desk's check-in (desk.services.check_in) locks it, not the event.
    registration = lock.session.get_one(
        Registration, registration_id, populate_existing=True, with_for_update={"of": Registration}
    )
    if registration.event_id != lock.event.id:
        raise ValueError("the registration belongs to another event than the seat lock")
    override_reason = override_reason.strip()
    taken, capacity = lock.onsite_taken, lock.event.onsite_capacity
    if registration.attendance != Attendance.ONSITE and taken >= capacity and not override_reason:
        raise SeatsFull(taken, capacity)
    _change_by_staff(lock, registration, Attendance.ONSITE, actor, override_reason, now)
    return registration


def _change_by_staff(
    lock: SeatLock,
    registration: Registration,
    wanted: Attendance,
    actor: StaffUser,
    override_reason: str,
    now: datetime,
) -> None:
    """Move `registration` towards `wanted` for a staff member, under `lock`: recorded,
    announced and mailed when the attendance changes."""
    session, event = lock.session, lock.event
    before = registration.attendance
    full = lock.onsite_taken >= event.onsite_capacity
    if registration.confirmed_at is None:  # staff vouch for the person: no hold
        registration.confirmed_at, registration.hold_expires_at = now, None
    allocate(lock, registration, wanted, override=bool(override_reason), now=now)
    if registration.attendance == before:
        return
    if registration.attendance != Attendance.ONSITE:
        registration.checked_in_at = None
        registration.checked_in_by_id = None
    attendance_changed_by(session, registration, before, actor)
    if full and registration.attendance == Attendance.ONSITE:
        record(
            session,
            actor,
            "seat.override",
            event_id=registration.event_id,
            subject=registration,
            reason=override_reason,
            capacity=event.onsite_capacity,
        )
    _mail(
        session,
        registration,
        "attendance_changed",
        with_qr=registration.attendance == Attendance.ONSITE,
        with_calendar=True,
        position=waitlist_position(session, registration),
    )


EDITABLE_FIELDS = (
    "full_name",
    "email",
    "phone",
    "organisation",
    "position",
    "departure_town",
    "needs",
    "consents_to_publication",
)


def update_details(session: Session, registration_id: int, changes: dict, actor: StaffUser) -> Registration:
    """Edit a participant's details. The audit log keeps the old and new values."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    with write_transaction(session):
        registration = session.get_one(Registration, registration_id, populate_existing=True)
        if "email" in changes:
            other = _find_by_email(session, registration.event_id, changes["email"])
            if other is not None and other.id != registration.id:
                raise AlreadyRegistered(other)
        changed = {}
        for field, value in changes.items():
            value = value.strip() if isinstance(value, str) else value
            if getattr(registration, field) != value:
                changed[field] = [getattr(registration, field), value]
                setattr(registration, field, value)
        if "email" in changed:
            registration.email_normalised = normalise_email(registration.email)
        registration.refresh_search_text()
        if changed:
            record(
                session,
                actor,
                "registration.edited",
                event_id=registration.event_id,
                subject=registration,
                changes=changed,
            )
    return registration
