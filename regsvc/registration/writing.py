"""Writing a new registration with its private link, its confirmation e-mail and its
event's new counts.

This runs inside the seat lock that every registration of a burst waits for, so it
writes plain statements rather than flushing the unit of work, and on PostgreSQL all
four in one statement: one round trip instead of four.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import cast

from sqlalchemy import CursorResult, Table, bindparam, insert, null, select, true, update
from sqlalchemy.orm import Session, make_transient_to_detached

from regsvc.events.models import Event
from regsvc.mail.services import OUTBOX, OUTBOX_COLUMNS, Mail, add_to_outbox, queued
from regsvc.registration.models import Registration, RegistrationLink

REGISTRATIONS = cast(Table, Registration.__table__)
LINKS = cast(Table, RegistrationLink.__table__)
EVENTS = cast(Table, Event.__table__)
# What the seat allocation changes on the event (see registration.services.SeatLock).
EVENT_COUNTS = ("onsite_taken", "waitlisted_count")
# Every one is set before saving, by _new_registration and allocate: none is left to a
# column default (tests/registration/test_writing.py fails for a column left unset).
REGISTRATION_COLUMNS = tuple(column.name for column in REGISTRATIONS.columns if column.name != "id")

_INSERT_REGISTRATION = insert(REGISTRATIONS)
_INSERT_LINK = insert(LINKS)
_UPDATE_COUNTS = (
    update(EVENTS)
    .where(EVENTS.c.id == bindparam("e_id"))
    .values({name: bindparam(f"e_{name}", type_=EVENTS.c[name].type) for name in EVENT_COUNTS})
)


@dataclass(frozen=True)
class EventCounts:
    """An event's seat counts, as the seat allocation leaves them."""

    event_id: int
    onsite_taken: int
    waitlisted_count: int

    def params(self) -> dict:
        return {"e_id": self.event_id, **{f"e_{name}": getattr(self, name) for name in EVENT_COUNTS}}


def save_event_counts(session: Session, counts: EventCounts) -> None:
    session.connection().execute(_UPDATE_COUNTS, counts.params())


def _in_one_statement(with_mail: bool):
    """PostgreSQL: the three INSERTs and the UPDATE of the event's counts as data-modifying
    CTEs of one statement, returning the registration's id and the message's."""
    new_registration = (
        insert(REGISTRATIONS)
        .values(
            {name: bindparam(f"r_{name}", type_=REGISTRATIONS.c[name].type) for name in REGISTRATION_COLUMNS}
        )
        .returning(REGISTRATIONS.c.id)
        .cte("new_registration")
    )
    new_link = (
        insert(LINKS)
        .from_select(
            ["registration_id", "token_hash", "created_at"],
            select(
                new_registration.c.id,
                bindparam("l_token_hash", type_=LINKS.c.token_hash.type),
                bindparam("l_created_at", type_=LINKS.c.created_at.type),
            ),
        )
        .cte("new_link")
    )
    event_counts = _UPDATE_COUNTS.cte("event_counts")
    if not with_mail:
        return select(new_registration.c.id, null()).add_cte(new_link, event_counts)
    message_values: dict = {
        name: bindparam(f"m_{name}", type_=OUTBOX.c[name].type) for name in OUTBOX_COLUMNS
    }
    # The confirmation carries the calendar entry of the registration this statement inserts.
    message_values["calendar_registration_id"] = select(new_registration.c.id).scalar_subquery()
    new_message = insert(OUTBOX).values(message_values).returning(OUTBOX.c.id).cte("new_message")
    # Each CTE yields one row: joined on true, they make one row with both ids.
    both = new_registration.join(new_message, true())
    return select(new_registration.c.id, new_message.c.id).select_from(both).add_cte(new_link, event_counts)


_ONE_STATEMENT = {with_mail: _in_one_statement(with_mail) for with_mail in (True, False)}


def save_new_registration(
    session: Session,
    registration: Registration,
    token_hash: str,
    now: datetime,
    mail: Mail | None,
    counts: EventCounts,
) -> None:
    """Store a new registration (its event_id already set), its private link (by the
    token's hash), if given its confirmation, and its event's `counts`; then attach the
    registration to the session as if it had been loaded."""
    row = {name: getattr(registration, name) for name in REGISTRATION_COLUMNS}
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        params = {f"r_{name}": value for name, value in row.items()}
        params.update({"l_token_hash": token_hash, "l_created_at": now, **counts.params()})
        if mail is not None:
            row_of_mail = mail.outbox_row(now)
            del row_of_mail["calendar_registration_id"]  # the new registration's, in the statement
            params.update({f"m_{name}": value for name, value in row_of_mail.items()})
        registration.id, message_id = connection.execute(_ONE_STATEMENT[mail is not None], params).one()
        if message_id is not None:
            queued(session, message_id)
    else:
        registration.id = _inserted_id(connection.execute(_INSERT_REGISTRATION, row))
        save_link(session, registration.id, token_hash, now)
        if mail is not None:
            add_to_outbox(session, replace(mail, calendar_for=registration.id), now)
        save_event_counts(session, counts)
    make_transient_to_detached(registration)
    session.add(registration)


def _inserted_id(result: CursorResult) -> int:
    key = result.inserted_primary_key
    assert key is not None  # a single-row INSERT
    return key[0]


def save_link(session: Session, registration_id: int, token_hash: str, now: datetime) -> None:
    """Store a private link to a registration, by its token's hash."""
    session.connection().execute(
        _INSERT_LINK, {"registration_id": registration_id, "token_hash": token_hash, "created_at": now}
    )
