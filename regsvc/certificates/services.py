"""Who gets a certificate of attendance, and the certificate itself.

Once the event has ended, a participant who was checked in at the venue is entitled to
one; so is an online participant (or one still on the waiting list, who followed online)
when the organiser allows it for the event (`Event.online_certificates`). A cancelled
registration never is, nor one whose data has been erased.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from io import BytesIO

from flask import render_template
from markupsafe import Markup
from pypdf import PdfReader, PdfWriter
from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select
from sqlalchemy.orm import Session

from regsvc.db import utcnow
from regsvc.documents.render import document_locale, render_pdf
from regsvc.events.models import Event
from regsvc.registration.models import Attendance, Registration, RegistrationLink
from regsvc.text import name_sort_key

FOLLOWED_ONLINE = (Attendance.ONLINE, Attendance.WAITLISTED)


class Refusal(StrEnum):
    """Why there is no certificate (yet)."""

    NOT_OVER = "not_over"
    NOT_ENTITLED = "not_entitled"


def refusal(registration: Registration, now: datetime | None = None) -> Refusal | None:
    """Why this participant cannot download a certificate; None when they can."""
    event = registration.event
    if (now or utcnow()) < event.ends_at:
        return Refusal.NOT_OVER
    if registration.attendance == Attendance.CANCELLED:
        return Refusal.NOT_ENTITLED
    if registration.checked_in_at is not None:
        return None
    if event.online_certificates and registration.attendance in FOLLOWED_ONLINE:
        return None
    return Refusal.NOT_ENTITLED


def _entitled(event: Event) -> ColumnElement[bool]:
    return and_(
        Registration.event_id == event.id,
        Registration.attendance != Attendance.CANCELLED,
        or_(
            Registration.checked_in_at.is_not(None),
            Registration.attendance.in_(FOLLOWED_ONLINE) if event.online_certificates else false(),
        ),
        # An erased or anonymised registration has no private link left.
        exists().where(RegistrationLink.registration_id == Registration.id),
    )


def entitled_count(session: Session, event: Event) -> int:
    return session.scalar(select(func.count()).select_from(Registration).where(_entitled(event))) or 0


def entitled_registrations(session: Session, event: Event, locale: str = "en") -> list[Registration]:
    """Everyone entitled to a certificate for the event, by surname in the alphabet of `locale`."""
    people = session.scalars(select(Registration).where(_entitled(event))).all()
    return sorted(people, key=lambda person: name_sort_key(person.full_name, locale))


def on_site(registration: Registration) -> bool:
    """Whether the certificate says the participant was there, rather than online."""
    return registration.checked_in_at is not None


# One download holds at most this many certificates, so that it is ready within a request's
# time; the organiser downloads a larger event's in parts (see part_of).
PER_FILE = 500
# Certificates laid out at a time: a long file is rendered in pieces, in bounded memory.
PER_RENDERING = 100


@dataclass(frozen=True)
class Part:
    """One file of the organiser's download: certificates `first` to `last` (from 1)."""

    number: int
    first: int
    last: int


def parts(entitled: int) -> list[Part]:
    """The files the organiser's download of `entitled` certificates takes."""
    return [
        Part(number, start + 1, min(start + PER_FILE, entitled))
        for number, start in enumerate(range(0, entitled, PER_FILE), 1)
    ]


def part_of(registrations: Sequence[Registration], part: int) -> Sequence[Registration]:
    """The certificates of the organiser's download number `part` (from 1); empty when
    there is no such part."""
    return registrations[(part - 1) * PER_FILE : part * PER_FILE] if part >= 1 else []


def certificates_pdf(registrations: Sequence[Registration], *, now: datetime | None = None) -> bytes:
    """One page per registration, each in its participant's language."""
    issued_at = now or utcnow()
    pieces = [
        _render(registrations[start : start + PER_RENDERING], issued_at, single=len(registrations) == 1)
        for start in range(0, len(registrations), PER_RENDERING)
    ]
    if len(pieces) == 1:
        return pieces[0]
    writer = PdfWriter()
    for piece in pieces:
        writer.append(PdfReader(BytesIO(piece)), import_outline=False)
    writer.add_metadata(PdfReader(BytesIO(pieces[0])).metadata or {})
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _render(registrations: Sequence[Registration], issued_at: datetime, *, single: bool) -> bytes:
    pages = []
    for registration in registrations:
        with document_locale(registration.locale):
            pages.append(
                Markup(  # noqa: S704 - rendered by our autoescaping templates
                    render_template(
                        "pdf/_certificate.html",
                        registration=registration,
                        event=registration.event,
                        on_site=on_site(registration),
                        issued_at=issued_at,
                    )
                )
            )
    first = registrations[0]
    with document_locale(first.locale if single else None):
        html = render_template(
            "pdf/certificate.html", pages=pages, event=first.event, named=first if single else None
        )
    return render_pdf(html)
