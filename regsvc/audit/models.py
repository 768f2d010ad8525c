from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from regsvc.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from regsvc.auth.models import StaffUser
    from regsvc.events.models import Event


class AuditEntry(Base):
    """Who did what, when, to which record. The application only ever adds entries."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_event_at", "event_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    # Who acted, as shown: a staff member's name, "participant" or "system".
    actor_label: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    subject_type: Mapped[str] = mapped_column(String(32), default="")
    subject_id: Mapped[int | None] = mapped_column()
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    # By name: the audit log is written by every package and imports none of them.
    actor: Mapped[StaffUser | None] = relationship("StaffUser", lazy="joined")
    event: Mapped[Event | None] = relationship("Event", lazy="raise")


@event.listens_for(Session, "before_flush")
def _audit_is_append_only(session: Session, _context, _instances) -> None:
    for instance in (*session.dirty, *session.deleted):
        if isinstance(instance, AuditEntry) and (
            instance in session.deleted or session.is_modified(instance)
        ):
            raise RuntimeError("audit entries are never changed or deleted")
