from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from regsvc.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from regsvc.auth.models import StaffUser


class Segment(StrEnum):
    """Who of an event's participants a message goes to. Cancelled registrations never."""

    EVERYONE = "everyone"
    ONSITE = "onsite"
    ONLINE = "online"
    WAITLISTED = "waitlisted"
    CHECKED_IN = "checked_in"
    NOT_CHECKED_IN = "not_checked_in"  # on-site, not (yet) checked in


class OrganiserMessage(Base):
    """An e-mail an organiser sent to a segment of an event's participants, as a record of
    what went to whom. The text is the organiser's, not personal data: it is kept."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_event_sent_at", "event_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    segment: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # The same message in other languages: {locale: {"subject": …, "body": …}}. Each
    # recipient gets the text in their registration's language, or the main one.
    translations: Mapped[dict] = mapped_column(JSON, default=dict)
    recipient_count: Mapped[int] = mapped_column()
    # The one-time key of the form that sent it: the same form sent twice (a double click,
    # a reload) finds its message already sent.
    form_key: Mapped[str] = mapped_column(String(64), unique=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[StaffUser] = relationship("StaffUser", lazy="joined")
