from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from regsvc import text
from regsvc.db import Base, UTCDateTime, utcnow
from regsvc.events.models import Event
from regsvc.text import search_key


class Attendance(StrEnum):
    ONSITE = "onsite"
    ONLINE = "online"
    WAITLISTED = "waitlisted"  # waiting for an on-site seat, following online meanwhile
    CANCELLED = "cancelled"


class WhenFull(StrEnum):
    """What a participant who asked for on-site wants if no seat is left."""

    WAITLIST = "waitlist"
    ONLINE = "online"


class Channel(StrEnum):
    SELF_SERVICE = "self"
    DESK = "desk"


def normalise_email(email: str) -> str | None:
    """The address as the unique index compares it; None for a walk-in without one."""
    return text.normalise_email(email) or None


CHECKIN_CODE_DIGITS = 16


def new_checkin_code() -> str:
    # One draw from the system's random source, not one per digit.
    return f"{secrets.randbelow(10**CHECKIN_CODE_DIGITS):0{CHECKIN_CODE_DIGITS}d}"


class Registration(Base):
    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("event_id", "email_normalised", name="uq_registrations_event_email"),
        CheckConstraint(
            "attendance IN ('onsite', 'online', 'waitlisted', 'cancelled')",
            name="ck_registrations_attendance",
        ),
        UniqueConstraint("checkin_code", name="uq_registrations_checkin_code"),
        # Also orders the waiting list, so a position is an index range count.
        Index("ix_registrations_event_attendance", "event_id", "attendance", "waitlisted_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")
    # NULL for a walk-in registered at the desk without an e-mail address.
    email_normalised: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(40), default="")
    organisation: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(200))
    departure_town: Mapped[str] = mapped_column(String(100))
    needs: Mapped[str] = mapped_column(Text, default="")
    # Name, organisation and e-mail as regsvc.text.search_key folds them, for search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime())
    consents_to_publication: Mapped[bool] = mapped_column(default=False)
    attendance: Mapped[str] = mapped_column(String(12))
    # Order of the waiting list: first come, first served.
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locale: Mapped[str] = mapped_column(String(12), default="en")
    channel: Mapped[str] = mapped_column(String(8), default=Channel.SELF_SERVICE)
    # Printed as a QR code on the private page, in the e-mail and on the badge; digits
    # only, so that keyboard-wedge scanners type it right on any keyboard layout.
    checkin_code: Mapped[str] = mapped_column(String(20), default=new_checkin_code)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", name="fk_registrations_checked_in_by")
    )
    # When the participant proved their address by opening their private link (or the desk
    # or an organiser vouched for them); None until then.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # An on-site seat given to an unconfirmed address is held until then, and released to
    # the waiting list after it (registration.services.release_expired_holds).
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    hold_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hold_released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the reminder before the event was written to the outbox (regsvc.messages.reminders).
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship(lazy="joined")

    def refresh_search_text(self) -> None:
        self.search_text = search_key(" ".join((self.full_name, self.organisation, self.email)))

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.attendance}>"


class RegistrationLink(Base):
    """A private link to a registration. Only the token's hash is stored.

    A registration may have several: each re-send mails a fresh link, and the
    older ones keep working.
    """

    __tablename__ = "registration_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    registration: Mapped[Registration] = relationship(lazy="joined")
