"""Read-only views of registrations for staff: counts, lists, search."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from regsvc.events.models import Event
from regsvc.pagination import Page, paginate
from regsvc.registration.models import Attendance, Registration
from regsvc.text import search_key


@dataclass(frozen=True)
class Counts:
    onsite: int  # held seats included: they are taken until released
    online: int
    waitlisted: int
    cancelled: int
    checked_in: int
    capacity: int
    held: int = 0  # on-site seats waiting for their address to be confirmed
    released: int = 0  # holds that expired and went to the waiting list

    @property
    def confirmed(self) -> int:
        return self.onsite - self.held

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.onsite, 0)


def counts(session: Session, event: Event) -> Counts:
    """Every number of the dashboard and the desk."""
    return counts_by_event(session, [event])[event.id]


SORTS = {
    # search_text starts with the folded name: Đorđe sorts with D, Ђорђе with it.
    "name": (Registration.search_text, Registration.id),
    "organisation": (Registration.organisation, Registration.full_name),
    "town": (Registration.departure_town, Registration.full_name),
    "registered": (Registration.created_at, Registration.id),
    "attendance": (Registration.attendance, Registration.waitlisted_at, Registration.full_name),
}
PAGE_SIZE = 50


def _matching(query: str):
    """Name, organisation or e-mail contains the query, ignoring case, accents and script."""
    return Registration.search_text.contains(search_key(query.strip()), autoescape=True)


def find_registrations(
    session: Session,
    event_id: int,
    *,
    query: str = "",
    attendance: str = "",
    checked_in: str = "",
    sort: str = "name",
    descending: bool = False,
    page: int = 1,
) -> Page[Registration]:
    """The organiser's registration list: search, filters, sorting, pages of PAGE_SIZE."""
    conditions = [Registration.event_id == event_id]
    if query.strip():
        conditions.append(_matching(query))
    if attendance in set(Attendance):
        conditions.append(Registration.attendance == attendance)
    if checked_in == "yes":
        conditions.append(Registration.checked_in_at.is_not(None))
    elif checked_in == "no":
        conditions.append(Registration.checked_in_at.is_(None))
    order = [column.desc() if descending else column for column in SORTS.get(sort, SORTS["name"])]
    return paginate(session, select(Registration).where(*conditions).order_by(*order), page, PAGE_SIZE)


def counts_by_event(session: Session, events: list[Event]) -> dict[int, Counts]:
    """counts() for many events in one query."""
    if not events:
        return {}
    rows = session.execute(
        select(
            Registration.event_id,
            Registration.attendance,
            func.count(),
            func.count(Registration.checked_in_at),
            func.count(Registration.hold_expires_at),
            func.count(Registration.hold_released_at),
        )
        .where(Registration.event_id.in_([event.id for event in events]))
        .group_by(Registration.event_id, Registration.attendance)
    ).all()
    tally: dict[int, dict[str, int]] = {
        event.id: {"checked_in": 0, "held": 0, "released": 0} for event in events
    }
    for event_id, attendance, number, checked_in, held, released in rows:
        tally[event_id][attendance] = number
        tally[event_id]["checked_in"] += checked_in
        tally[event_id]["held"] += held if attendance == Attendance.ONSITE else 0
        tally[event_id]["released"] += released
    return {
        event.id: Counts(
            onsite=tally[event.id].get(Attendance.ONSITE, 0),
            online=tally[event.id].get(Attendance.ONLINE, 0),
            waitlisted=tally[event.id].get(Attendance.WAITLISTED, 0),
            cancelled=tally[event.id].get(Attendance.CANCELLED, 0),
            checked_in=tally[event.id]["checked_in"],
            capacity=event.onsite_capacity,
            held=tally[event.id]["held"],
            released=tally[event.id]["released"],
        )
        for event in events
    }


# Which registrations each attendance list shows. The lists are for staff and the donor;
# "published" is the one to show beyond them: only people who agreed to appear in it.
_EVERYONE = (Attendance.ONSITE, Attendance.ONLINE, Attendance.WAITLISTED)
LISTS = {
    "onsite": (Attendance.ONSITE,),
    "online": (Attendance.ONLINE, Attendance.WAITLISTED),
    "all": _EVERYONE,
    "published": _EVERYONE,
}


def list_members(session: Session, event_id: int, which: str) -> list[Registration]:
    """The people on one attendance list (cancelled registrations are on none)."""
    conditions = [Registration.event_id == event_id, Registration.attendance.in_(LISTS[which])]
    if which == "published":
        conditions.append(Registration.consents_to_publication.is_(True))
    return list(session.scalars(select(Registration).where(*conditions)))
