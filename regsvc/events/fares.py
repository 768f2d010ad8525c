"""The fare table of an event: town of departure → return bus fare to the host town.

Organisers edit it as text, one town a line ("Niš, 3600"), or as a CSV file with the
same two columns; both go through one parser, which reports every bad line by number
and changes nothing when any line is bad.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from regsvc.audit.services import record
from regsvc.auth.models import StaffUser
from regsvc.db import write_transaction
from regsvc.documents.csvfile import csv_bytes
from regsvc.events.models import Event, Fare
from regsvc.money import AmountError, plain_amount, to_minor_units
from regsvc.text import search_key

MAX_LINES = 2000
_HEADER_WORDS = {"town", "grad", "mesto", "град", "место"}


@dataclass(frozen=True)
class FareLine:
    town: str
    return_fare: int


class FareTableError(Exception):
    """Lines that could not be read, as (line number, message)."""

    def __init__(self, problems: list[tuple[int, str]]):
        super().__init__(problems)
        self.problems = problems


def parse_fares(text: str, currency: str) -> list[FareLine]:
    """Read "town, amount" lines (CSV with comma or semicolon; a header line is skipped)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise FareTableError([(MAX_LINES + 1, str(_l("At most %(num)d towns.", num=MAX_LINES)))])
    dialect_delimiter = ";" if any(";" in line for line in lines[:5]) else ","
    problems: list[tuple[int, str]] = []
    fares: list[FareLine] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(csv.reader(lines, delimiter=dialect_delimiter), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if number == 1 and cells[0].casefold() in _HEADER_WORDS:
            continue
        if len(cells) != 2:
            problems.append(
                (number, str(_l("Write the town, a comma, then the return fare, like: Niš, 3600.")))
            )
            continue
        town, amount = cells
        if not town or len(town) > 100:
            problems.append((number, str(_l("The town name is missing or longer than 100 characters."))))
            continue
        try:
            minor = to_minor_units(amount, currency)
        except AmountError as error:
            problems.append((number, str(error)))
            continue
        key = search_key(town)
        if key in seen:
            problems.append(
                (number, str(_l("%(town)s is already on line %(line)d.", town=town, line=seen[key])))
            )
            continue
        seen[key] = number
        fares.append(FareLine(town, minor))
    if problems:
        raise FareTableError(problems)
    return fares


def fare_table(session: Session, event_id: int) -> list[Fare]:
    return list(session.scalars(select(Fare).where(Fare.event_id == event_id).order_by(Fare.town_key)))


def replace_fares(session: Session, event: Event, lines: list[FareLine], actor: StaffUser | None) -> None:
    """Make `lines` the whole fare table of the event."""
    with write_transaction(session):
        session.execute(delete(Fare).where(Fare.event_id == event.id))
        session.add_all(
            Fare(
                event_id=event.id,
                town=line.town,
                town_key=search_key(line.town),
                return_fare=line.return_fare,
            )
            for line in lines
        )
        record(session, actor, "fares.replaced", event_id=event.id, subject=event, towns=len(lines))


def fare_towns(session: Session, event: Event) -> list[str]:
    """The towns to suggest for "town of departure" (none when travel is not refunded)."""
    if not event.travel_reimbursed:
        return []
    return list(session.scalars(select(Fare.town).where(Fare.event_id == event.id).order_by(Fare.town_key)))


def fare_for(session: Session, event_id: int, town: str) -> Fare | None:
    """The fare from `town`, however its name is typed (case, accents, script)."""
    return session.scalar(
        select(Fare).where(Fare.event_id == event_id, Fare.town_key == search_key(town.strip()))
    )


def fares_as_text(fares: list[Fare], currency: str) -> str:
    return "".join(f"{fare.town}, {plain_amount(fare.return_fare, currency)}\n" for fare in fares)


def fares_as_csv(fares: list[Fare], currency: str) -> bytes:
    header = ["town", f"return_fare_{currency}"]
    return csv_bytes([header, *([fare.town, plain_amount(fare.return_fare, currency)] for fare in fares)])
