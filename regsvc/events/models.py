from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from regsvc.db import Base, UTCDateTime, utcnow

TIMEZONES = (
    "Europe/Belgrade",
    "Europe/Skopje",
    "Europe/Sarajevo",
    "Europe/Podgorica",
    "Europe/Tirane",
    "Europe/Zagreb",
)
CURRENCIES = ("RSD", "MKD", "EUR", "BAM", "ALL")
# The earliest a reminder may go out: 30 days before the start.
REMINDER_HOURS_MAX = 30 * 24


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("onsite_capacity >= 0", name="ck_events_capacity_not_negative"),
        CheckConstraint(
            "onsite_taken >= 0 AND waitlisted_count >= 0", name="ck_events_attendance_counts_not_negative"
        ),
        CheckConstraint("reminder_hours_before >= 0", name="ck_events_reminder_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str] = mapped_column(String(40), default="Europe/Belgrade")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    venue_name: Mapped[str] = mapped_column(String(200))
    venue_address: Mapped[str] = mapped_column(String(300), default="")
    host_town: Mapped[str] = mapped_column(String(100))
    onsite_capacity: Mapped[int] = mapped_column(default=0)
    # How many registrations are on-site and on the waiting list. Only the seat allocation
    # changes them (registration.services._set_attendance), holding the lock on this row:
    # the row read with its lock tells the allocation what it needs without counting.
    onsite_taken: Mapped[int] = mapped_column(default=0, server_default="0")
    waitlisted_count: Mapped[int] = mapped_column(default=0, server_default="0")
    registration_opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    registration_closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    currency: Mapped[str] = mapped_column(String(3), default="RSD")
    travel_reimbursed: Mapped[bool] = mapped_column(default=False)
    # Shown only to registered participants on their private page.
    stream_details: Mapped[str] = mapped_column(Text, default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    # Who the certificates of attendance name as the organiser; empty: the contact address.
    organiser_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Every participant is reminded once, this many hours before the start; 0: no reminder.
    reminder_hours_before: Mapped[int] = mapped_column(default=24, server_default="24")
    # Whether online participants get a certificate of attendance too (the checked-in always do).
    online_certificates: Mapped[bool] = mapped_column(default=False, server_default=false())
    is_published: Mapped[bool] = mapped_column(default=True)
    # The language of the texts above (title, description, venue, stream details); the same
    # texts in other languages are in `translations` (regsvc.events.texts reads them).
    main_language: Mapped[str] = mapped_column(String(12), default="en", server_default="en")
    translations: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def local_starts_at(self) -> datetime:
        return self.starts_at.astimezone(self.zone)

    @property
    def local_ends_at(self) -> datetime:
        return self.ends_at.astimezone(self.zone)

    def __repr__(self) -> str:
        return f"<Event {self.slug}>"


class Fare(Base):
    """One line of an event's fare table: the return bus fare from a town to the host town."""

    __tablename__ = "fares"
    __table_args__ = (
        UniqueConstraint("event_id", "town_key", name="uq_fares_event_town"),
        CheckConstraint("return_fare >= 0", name="ck_fares_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    town: Mapped[str] = mapped_column(String(100))
    # The town as regsvc.text.search_key folds it: "Nis" and "Niš" are the same town.
    town_key: Mapped[str] = mapped_column(String(100))
    return_fare: Mapped[int] = mapped_column()  # minor units of the event's currency

    # The town's names in other languages than the event's main one.
    names: Mapped[list[FareName]] = relationship(
        back_populates="fare", cascade="all, delete-orphan", passive_deletes=True, order_by="FareName.locale"
    )


class FareName(Base):
    """A fare table town's name in one language: "Ниш" (Cyrillic), "Shkup" (Albanian). A
    departure town typed as any of a town's names finds its fare."""

    __tablename__ = "fare_names"
    __table_args__ = (UniqueConstraint("fare_id", "locale", name="uq_fare_names_fare_locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fare_id: Mapped[int] = mapped_column(ForeignKey("fares.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(100))
    # As regsvc.text.search_key folds it, like Fare.town_key.
    name_key: Mapped[str] = mapped_column(String(100), index=True)

    fare: Mapped[Fare] = relationship(back_populates="names")
