"""Recording and reading the audit log. Entries are only ever added."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from regsvc.audit.models import AuditEntry
from regsvc.db import utcnow
from regsvc.pagination import Page, paginate

if TYPE_CHECKING:
    from regsvc.auth.models import StaffUser
    from regsvc.events.models import Event

PARTICIPANT = "participant"
SYSTEM = "system"


def record(
    session: Session,
    actor: StaffUser | str | None,
    action: str,
    *,
    event_id: int | None,
    subject=None,
    **details,
) -> AuditEntry:
    """Add an entry inside the caller's transaction: it is kept only if the change is.

    `actor` is a staff user, PARTICIPANT, or None for the system (CLI, automatic steps).
    `event_id`: the event the change belongs to (None for none, e.g. a staff account);
    `subject` is the record acted on.
    """
    if actor is None or isinstance(actor, str):
        actor_id, actor_label = None, actor or SYSTEM
    else:
        actor_id, actor_label = actor.id, actor.label
    entry = AuditEntry(
        at=utcnow(),
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        event_id=event_id,
        subject_type=type(subject).__tablename__ if subject is not None else "",
        subject_id=getattr(subject, "id", None),
        details={key: value for key, value in details.items() if value is not None},
    )
    session.add(entry)
    return entry


PAGE_SIZE = 50


@dataclass(frozen=True)
class LogFilter:
    """Which entries to show; None: any."""

    event_id: int | None = None
    actor: int | str | None = None  # a staff account's id, PARTICIPANT or SYSTEM
    actions: Sequence[str] | None = None
    since: date | None = None  # the first day, in the staff time zone
    until: date | None = None  # the last day, in the staff time zone


def entries(session: Session, log_filter: LogFilter = LogFilter(), page: int = 1) -> Page[AuditEntry]:
    """Newest first, one page."""
    query = select(AuditEntry)
    if log_filter.event_id is not None:
        query = query.where(AuditEntry.event_id == log_filter.event_id)
    if isinstance(log_filter.actor, int):
        query = query.where(AuditEntry.actor_id == log_filter.actor)
    elif log_filter.actor is not None:
        query = query.where(AuditEntry.actor_id.is_(None), AuditEntry.actor_label == log_filter.actor)
    if log_filter.actions is not None:
        query = query.where(AuditEntry.action.in_(log_filter.actions))
    if log_filter.since is not None:
        query = query.where(AuditEntry.at >= _staff_midnight(log_filter.since))
    if log_filter.until is not None:
        query = query.where(AuditEntry.at < _staff_midnight(log_filter.until + timedelta(days=1)))
    return paginate(session, query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()), page, PAGE_SIZE)


def _staff_midnight(day: date) -> datetime:
    """The moment `day` begins in the staff time zone (where staff read the log's times)."""
    zone = ZoneInfo(current_app.config["STAFF_TIMEZONE"])
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


# The events and staff accounts the log refers to, through its own relations to them: the
# log imports no other package.
def _event_model() -> type[Event]:
    return AuditEntry.event.property.mapper.class_


def _staff_model() -> type[StaffUser]:
    return AuditEntry.actor.property.mapper.class_


def logged_event(session: Session, event_id: int) -> Event | None:
    return session.get(_event_model(), event_id)


def events_to_choose(session: Session) -> list[tuple[int, str]]:
    """Every event, the latest first, for the log's filter."""
    event = _event_model()
    rows = session.execute(select(event.id, event.title).order_by(event.starts_at.desc()))
    return [(row.id, row.title) for row in rows]


def accounts_to_choose(session: Session) -> list[tuple[int, str]]:
    """Every staff account, for the log's filter."""
    account = _staff_model()
    rows = session.execute(select(account.id, account.email, account.full_name).order_by(account.email))
    return [(row.id, f"{row.full_name} ({row.email})" if row.full_name else row.email) for row in rows]
