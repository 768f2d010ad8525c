"""Recording and reading the audit log. Entries are only ever added."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from regsvc.audit.models import AuditEntry
from regsvc.db import utcnow
from regsvc.pagination import Page, paginate

if TYPE_CHECKING:
    from regsvc.auth.models import StaffUser

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


PAGE_SIZE = 100


def entries(session: Session, *, event_id: int | None = None, page: int = 1) -> Page[AuditEntry]:
    """Newest first, one page."""
    query = select(AuditEntry)
    if event_id is not None:
        query = query.where(AuditEntry.event_id == event_id)
    return paginate(session, query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()), page, PAGE_SIZE)
