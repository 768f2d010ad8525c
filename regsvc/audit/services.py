"""Recording and reading the audit log. Entries are only ever added."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from regsvc.audit.models import AuditEntry
from regsvc.auth.models import StaffUser
from regsvc.db import utcnow
from regsvc.events.models import Event

PARTICIPANT = "participant"
SYSTEM = "system"


def record(
    session: Session,
    actor: StaffUser | str | None,
    action: str,
    *,
    subject=None,
    event_id: int | None = None,
    **details,
) -> AuditEntry:
    """Add an entry inside the caller's transaction: it is kept only if the change is.

    `actor` is a staff user, PARTICIPANT, or None for the system (CLI, automatic steps).
    `subject` is the record acted on; its event is taken from it when it has one.
    """
    if isinstance(actor, StaffUser):
        actor_id, actor_label = actor.id, actor.label
    else:
        actor_id, actor_label = None, actor or SYSTEM
    if event_id is None and subject is not None:
        event_id = subject.id if isinstance(subject, Event) else getattr(subject, "event_id", None)
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


PAGE_SIZE = 100


def entries(session: Session, *, event_id: int | None = None, page: int = 1) -> tuple[list[AuditEntry], int]:
    """Newest first, one page; and the number of entries in all."""
    query = select(AuditEntry)
    if event_id is not None:
        query = query.where(AuditEntry.event_id == event_id)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset((max(page, 1) - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    return list(rows), total
