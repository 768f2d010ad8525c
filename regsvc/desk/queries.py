"""What the desk reads: its events, search results, and who is expected but not here yet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from regsvc.auth.models import StaffUser
from regsvc.desk.services import typed_code
from regsvc.events.models import Event
from regsvc.pagination import Page, page_count
from regsvc.registration.models import Attendance, Registration
from regsvc.text import name_sort_key, search_key

RESULTS_SHOWN = 20
EXPECTED_PAGE_SIZE = 50


@dataclass(frozen=True)
class DeskEvents:
    today: list[Event]  # happening today where they take place, by start
    upcoming: list[Event]  # by start
    past: list[Event]  # the latest first


def desk_events(session: Session, now: datetime) -> DeskEvents:
    """Every event, for the desk to choose from: today's first."""
    today, upcoming, past = [], [], []
    for event in session.scalars(select(Event).order_by(Event.starts_at, Event.id)):
        local_today = now.astimezone(event.zone).date()
        if event.local_ends_at.date() < local_today:
            past.append(event)
        elif event.local_starts_at.date() > local_today:
            upcoming.append(event)
        else:
            today.append(event)
    return DeskEvents(today, upcoming, past[::-1])


@dataclass(frozen=True)
class Results:
    people: list[Registration]
    total: int  # everyone matching, shown or not

    @property
    def more(self) -> int:
        return self.total - len(self.people)


def _matching(query: str):
    """A check-in code (however typed) matches its registration; text matches name,
    organisation or e-mail, whatever the case, accents and script."""
    code = typed_code(query)
    if code is not None:
        return Registration.checkin_code == code
    return Registration.search_text.contains(search_key(query.strip()), autoescape=True)


def search(session: Session, event_id: int, query: str) -> Results:
    """The first RESULTS_SHOWN matches, the people expected on-site first, and how many match."""
    if len(query.strip()) < 2:
        return Results([], 0)
    conditions = (Registration.event_id == event_id, _matching(query))
    expected_first = case(
        (Registration.attendance == Attendance.ONSITE, 0),
        (Registration.attendance == Attendance.WAITLISTED, 1),
        (Registration.attendance == Attendance.ONLINE, 2),
        else_=3,
    )
    people = list(
        session.scalars(
            select(Registration)
            .where(*conditions)
            .order_by(expected_first, Registration.full_name, Registration.id)
            .limit(RESULTS_SHOWN)
        )
    )
    if len(people) < RESULTS_SHOWN:
        return Results(people, len(people))
    total = session.scalar(select(func.count()).select_from(Registration).where(*conditions)) or 0
    return Results(people, total)


def _expected(event_id: int):
    """Holding an on-site seat (confirmed, or still held for them) and not checked in."""
    return (
        Registration.event_id == event_id,
        Registration.attendance == Attendance.ONSITE,
        Registration.checked_in_at.is_(None),
    )


def expected_count(session: Session, event_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Registration).where(*_expected(event_id))) or 0


def expected(
    session: Session, event_id: int, query: str = "", page: int = 1, locale: str = "en"
) -> Page[Registration]:
    """Who is expected on-site and not here yet, by surname in the alphabet of `locale`, one
    page at a time; `query` narrows the list as the desk's search does."""
    conditions = list(_expected(event_id))
    if query.strip():
        conditions.append(_matching(query))
    # A surname is the name's last word, which neither database can sort by: the names
    # alone are read and sorted as the sign-in sheet sorts them, then one page is loaded.
    names = session.execute(select(Registration.id, Registration.full_name).where(*conditions)).all()
    by_surname = sorted(names, key=lambda row: (name_sort_key(row.full_name, locale), row.id))
    ordered = [row.id for row in by_surname]
    pages = page_count(len(ordered), EXPECTED_PAGE_SIZE)
    number = min(max(page, 1), pages)
    shown = ordered[(number - 1) * EXPECTED_PAGE_SIZE : number * EXPECTED_PAGE_SIZE]
    loaded = {
        person.id: person
        for person in session.scalars(select(Registration).where(Registration.id.in_(shown)))
    }
    return Page(items=[loaded[id_] for id_ in shown], total=len(ordered), number=number, pages=pages)


def checked_in_by(session: Session, people: list[Registration]) -> dict[int, str]:
    """The e-mail address of the staff member who checked in each of `people`, by their
    registration's id (for those checked in by someone recorded)."""
    staff_ids = {person.checked_in_by_id for person in people if person.checked_in_by_id is not None}
    if not staff_ids:
        return {}
    emails = dict(
        session.execute(select(StaffUser.id, StaffUser.email).where(StaffUser.id.in_(staff_ids))).all()
    )
    return {
        person.id: emails[person.checked_in_by_id]
        for person in people
        if person.checked_in_by_id is not None and person.checked_in_at is not None
    }
