"""The fare table of an event: town of departure → return bus fare to the host town.

Organisers edit it as text, one town a line ("Niš, 3600"), or as a CSV file with the
same two columns; both go through one parser, which reports every bad line by number
and changes nothing when any line is bad. The towns are named in the event's main language;
their names in other languages are given one language at a time, "Niš = Ниш" a line
(`read_fare_table`). A departure town typed as any name of a town finds its fare, whatever
its case, accents or script (`regsvc.text.search_key`).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session, selectinload

from regsvc.audit.services import record
from regsvc.auth.models import StaffUser
from regsvc.db import write_transaction
from regsvc.documents.csvfile import csv_bytes
from regsvc.events.models import Event, Fare, FareName
from regsvc.events.texts import language_name, reader_locale
from regsvc.money import AmountError, plain_amount, to_minor_units
from regsvc.text import search_key

MAX_LINES = 2000
_HEADER_WORDS = {"town", "grad", "mesto", "град", "место"}


@dataclass(frozen=True)
class FareLine:
    town: str
    return_fare: int
    # The town's names in other languages: {locale: name}.
    names: Mapping[str, str] = field(default_factory=dict)


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


def parse_town_names(lines: list[FareLine], text: str, locale: str) -> list[FareLine]:
    """`lines` with the towns' names in `locale` read from `text`: one town a line, its name
    in the table, "=", its name in that language ("Niš = Ниш"). A line with nothing after
    "=" gives no name. A name may not be another town's name in any language."""
    rows = text.splitlines()
    if len(rows) > MAX_LINES:
        raise FareTableError([(MAX_LINES + 1, str(_l("At most %(num)d towns.", num=MAX_LINES)))])
    towns = {search_key(line.town): index for index, line in enumerate(lines)}
    # Every name's key → the town it names, so that no two towns share a name.
    owners = dict(towns)
    for position, line in enumerate(lines):
        owners.update({search_key(name): position for name in line.names.values()})
    named: dict[int, tuple[str, int]] = {}  # town → its name here, and the line giving it
    problems: list[tuple[int, str]] = []
    for number, row in enumerate(rows, start=1):
        town, equals, name = (part.strip() for part in row.partition("="))
        if not row.strip() or (equals and not name):
            continue
        index = towns.get(search_key(town))
        if not equals or not town:
            problems.append(
                (number, _("Write the town as in the table, “=”, then its other name, like: Niš = Ниш."))
            )
        elif index is None:
            problems.append((number, _("%(town)s is not in the fare table.", town=town)))
        elif len(name) > 100:
            problems.append((number, _("The name is longer than 100 characters.")))
        elif index in named:
            problems.append(
                (number, _("%(town)s is already named on line %(line)d.", town=town, line=named[index][1]))
            )
        elif (owner := owners.get(search_key(name), index)) != index:
            problems.append(
                (number, _("%(name)s is already a name of %(town)s.", name=name, town=lines[owner].town))
            )
        else:
            named[index] = (name, number)
            owners[search_key(name)] = index
    if problems:
        language = language_name(locale)
        raise FareTableError(
            [
                (
                    0,
                    _(
                        "Names in %(language)s, line %(num)d: %(problem)s",
                        language=language,
                        num=number,
                        problem=problem,
                    ),
                )
                for number, problem in problems
            ]
        )
    return [
        replace(line, names={**line.names, locale: named[index][0]}) if index in named else line
        for index, line in enumerate(lines)
    ]


def read_fare_table(text: str, names: Mapping[str, str], currency: str) -> list[FareLine]:
    """The fare table from its text ("town, fare" lines) and the towns' names in other
    languages ({locale: "town = name" lines}); FareTableError lists what is wrong."""
    lines = parse_fares(text, currency)
    for locale, typed in names.items():
        lines = parse_town_names(lines, typed, locale)
    return lines


def fare_table(session: Session, event_id: int) -> list[Fare]:
    return list(
        session.scalars(
            select(Fare)
            .where(Fare.event_id == event_id)
            .order_by(Fare.town_key)
            .options(selectinload(Fare.names))
        )
    )


def replace_fares(session: Session, event: Event, lines: list[FareLine], actor: StaffUser | None) -> None:
    """Make `lines` the whole fare table of the event."""
    with write_transaction(session):
        session.execute(
            delete(FareName).where(FareName.fare_id.in_(select(Fare.id).where(Fare.event_id == event.id)))
        )
        session.execute(delete(Fare).where(Fare.event_id == event.id))
        session.add_all(
            Fare(
                event_id=event.id,
                town=line.town,
                town_key=search_key(line.town),
                return_fare=line.return_fare,
                names=[
                    FareName(locale=locale, name=name, name_key=search_key(name))
                    for locale, name in sorted(line.names.items())
                ],
            )
            for line in lines
        )
        record(session, actor, "fares.replaced", event_id=event.id, subject=event, towns=len(lines))


def fare_towns(session: Session, event: Event, locale: str | None = None) -> list[str]:
    """The towns to suggest for "town of departure", named in `locale` (by default the
    reader's) where the table gives that name (none when travel is not refunded)."""
    if not event.travel_reimbursed:
        return []
    wanted = reader_locale(locale)
    in_wanted = and_(FareName.fare_id == Fare.id, FareName.locale == wanted)
    names = session.scalars(
        select(func.coalesce(FareName.name, Fare.town))
        .select_from(Fare)
        .outerjoin(FareName, in_wanted)
        .where(Fare.event_id == event.id)
    )
    return sorted(names, key=search_key)


def fare_for(session: Session, event_id: int, town: str) -> Fare | None:
    """The fare from `town`, typed as any of the town's names, however it is typed (case,
    accents, script): "nis", "Ниш" and "NIŠ" find Niš; "Shkup", given as its Albanian name,
    finds Skopje."""
    key = search_key(town.strip())
    named = select(FareName.fare_id).where(FareName.name_key == key)
    return session.scalars(
        select(Fare).where(Fare.event_id == event_id, or_(Fare.town_key == key, Fare.id.in_(named)))
    ).first()


def is_host_town(event: Event, town: str) -> bool:
    """Whether `town` is the event's host town, by its name in any of the event's languages
    ("Beograd", "Белград", "Belgrade"), however it is typed."""
    key = search_key(town.strip())
    names = [event.host_town, *(texts.get("host_town", "") for texts in (event.translations or {}).values())]
    return any(key == search_key(name.strip()) for name in names if name.strip())


def fares_as_text(fares: list[Fare], currency: str) -> str:
    return "".join(f"{fare.town}, {plain_amount(fare.return_fare, currency)}\n" for fare in fares)


def names_as_text(fares: list[Fare], locale: str) -> str:
    """Every town of the table with its name in `locale`, as parse_town_names reads them;
    a town without one is listed with nothing after "=", for the organiser to fill in."""
    given = [next((name.name for name in fare.names if name.locale == locale), "") for fare in fares]
    return "".join(f"{fare.town} = {name}".rstrip() + "\n" for fare, name in zip(fares, given, strict=True))


def fares_as_csv(fares: list[Fare], currency: str) -> bytes:
    header = ["town", f"return_fare_{currency}"]
    return csv_bytes([header, *([fare.town, plain_amount(fare.return_fare, currency)] for fare in fares)])
