from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from regsvc.db import Base, UTCDateTime, utcnow


class MailStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # gave up after MAIL_MAX_ATTEMPTS


class OutboxMessage(Base):
    """An e-mail written in the same transaction as the change that causes it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next_attempt", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    # The message's template (registered, seat_granted, …): what it was, once its body is gone.
    kind: Mapped[str] = mapped_column(String(40), default="")
    body: Mapped[str] = mapped_column(Text)
    # When set, the message carries this check-in code as a QR image attachment.
    checkin_code: Mapped[str | None] = mapped_column(String(20))
    # Given when a sender first takes the message, and kept for every attempt, so that mail
    # programs can tell a copy that went out twice.
    message_id: Mapped[str | None] = mapped_column(String(320))
    # When set, the message carries this registration's calendar entry (.ics), made when it
    # is sent (see CALENDAR_SOURCE in regsvc.mail.services).
    calendar_registration_id: Mapped[int | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), default=MailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
