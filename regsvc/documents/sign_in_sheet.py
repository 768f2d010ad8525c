"""The sign-in sheet: an A4 list of people by surname, with a box for each to sign in.

Every page has the list's name, "Page X of Y", the event's title, date and venue, the
column headings and a count of the people on the list. Every row is one line of fixed
height, so the page count is known before the first page is drawn: a value too wide for
its column is set smaller, and if it still does not fit, shortened with an ellipsis.

Drawn with ReportLab on a canvas, page after page. What is the same on every page (the
header, the ruling, the headings, the footer) is drawn once, as a form that each page
places; a page then adds only its number and its rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from flask_babel import gettext as _
from flask_babel import ngettext

from regsvc.db import utcnow
from regsvc.documents.attendance import AttendanceRow, sort_by_surname
from regsvc.documents.canvas import (
    BOLD,
    MM,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    REGULAR,
    Canvas,
    fit,
    lines,
    new_canvas,
    one_line,
    rgb,
    whole,
    width,
)
from regsvc.documents.render import document_locale
from regsvc.formatting import event_datetime

LEFT, TOP = 14 * MM, 12 * MM  # margins; the content is 182 × 273 mm
CONTENT_WIDTH, CONTENT_HEIGHT = PAGE_WIDTH - 2 * LEFT, PAGE_HEIGHT - 2 * TOP

ROWS_PER_PAGE = 23
GRID_TOP = 29.2 * MM  # below the header
HEAD_HEIGHT = 8 * MM  # the row of column headings
ROW_HEIGHT = 10 * MM  # room to sign
PAD = 1.2 * MM  # between a column's lines and its text

FONT_SIZE, SMALL_FONT_SIZE, HEADING_SIZE = 9.0, 7.5, 7.5  # pt
TITLE_SIZES = (14.0, 10.5)  # pt, the largest at which the title fits on two lines

INK, GREY, RULE, SHADE = rgb("#111111"), rgb("#4a4f57"), rgb("#4a4f57"), rgb("#e6e9ee")
FORM = "sheet-page"


@dataclass(frozen=True)
class Columns:
    """Left edges and widths of the number, name, organisation, town and signature columns.
    The number column is as wide as the longest number; the organisation takes what is left."""

    lefts: tuple[float, ...]
    widths: tuple[float, ...]

    @classmethod
    def for_count(cls, count: int) -> Columns:
        number = max(9 * MM, width("0" * len(str(count)), REGULAR, FONT_SIZE) + 2 * PAD)
        name, town, signature = 45 * MM, 27 * MM, 38 * MM
        widths = (number, name, CONTENT_WIDTH - number - name - town - signature, town, signature)
        lefts = tuple(sum(widths[:i]) for i in range(len(widths)))
        return cls(lefts, widths)

    def room(self, column: int) -> float:
        return self.widths[column] - 2 * PAD


def page_count(row_count: int) -> int:
    """Pages of a sheet of `row_count` people: at least one (a blank sheet for walk-ins)."""
    return max(1, math.ceil(row_count / ROWS_PER_PAGE))


def write_sign_in_sheet(
    out: BinaryIO, event, rows: Iterable[AttendanceRow], list_label: str, *, locale: str | None = None
) -> None:
    """Writes the sheet of `rows` (sorted here) as PDF to `out`.

    `event` needs title, timezone, starts_at, ends_at, local_starts_at, local_ends_at,
    venue_name and venue_address. Runs inside an app context.
    """
    with document_locale(locale):
        ordered = sort_by_surname(rows)  # in the alphabet of the sheet's language
        pages = page_count(len(ordered))
        canvas = new_canvas(out, f"{event.title} – {list_label}")
        columns = Columns.for_count(len(ordered))  # measured in the fonts that new_canvas loads
        _page_form(canvas, event, list_label, len(ordered), columns)
        for page in range(1, pages + 1):
            first = (page - 1) * ROWS_PER_PAGE
            canvas.doForm(FORM)
            _page_number(canvas, _("Page %(page)d of %(pages)d", page=page, pages=pages))
            _rows(canvas, ordered[first : first + ROWS_PER_PAGE], first + 1, columns)
            canvas.showPage()
        canvas.save()


def _y(from_top: float) -> float:
    """ReportLab measures from the bottom of the page; the layout, from the top of the content."""
    return PAGE_HEIGHT - TOP - from_top


def _baseline(top: float, height: float, size: float) -> float:
    """The baseline that centres a line of capitals and digits of `size` pt in a band."""
    return _y(top + height / 2) - 0.36 * size


def _when(event) -> str:
    if event.local_starts_at.date() == event.local_ends_at.date():
        return f"{event_datetime(event.starts_at, event)}–{event_datetime(event.ends_at, event, 'time')}"
    return f"{event_datetime(event.starts_at, event)} – {event_datetime(event.ends_at, event)}"


def _page_form(canvas: Canvas, event, list_label: str, row_count: int, columns: Columns) -> None:
    """Everything but the page number and the rows, drawn once."""
    canvas.beginForm(FORM)
    canvas.setFillColor(INK)
    canvas.rect(LEFT, _y(0.8 * MM), CONTENT_WIDTH, 0.8 * MM, stroke=0, fill=1)

    kind = (_("Sign-in sheet") + " · " + list_label).upper()
    canvas.setFillColor(GREY)
    canvas.setFont(REGULAR, 7.5)
    canvas.drawString(LEFT, _y(4.3 * MM), fit(kind, REGULAR, 7.5, CONTENT_WIDTH - 40 * MM), charSpace=0.3)

    title = one_line(event.title)
    title_size = next(
        (size for size in TITLE_SIZES if whole(lines(title, BOLD, size, CONTENT_WIDTH, 2), title)),
        TITLE_SIZES[-1],
    )
    baseline = 4.3 * MM + 1.2 * title_size
    canvas.setFillColor(INK)
    canvas.setFont(BOLD, title_size)
    for line in lines(title, BOLD, title_size, CONTENT_WIDTH, 2):
        canvas.drawString(LEFT, _y(baseline), line)
        baseline += 1.2 * title_size
    baseline += 1.35 * FONT_SIZE - 1.2 * title_size + 0.8 * MM
    where = event.venue_name + (f", {event.venue_address}" if event.venue_address else "")
    canvas.setFont(REGULAR, FONT_SIZE)
    for line in (_when(event), one_line(where)):
        canvas.drawString(LEFT, _y(baseline), fit(line, REGULAR, FONT_SIZE, CONTENT_WIDTH))
        baseline += 1.35 * FONT_SIZE

    _grid(canvas, columns)
    _headings(canvas, columns)

    printed = _("Printed %(date)s", date=event_datetime(utcnow(), event, "day"))
    total = ngettext("%(num)d person on this list", "%(num)d people on this list", row_count)
    canvas.setFillColor(GREY)
    canvas.setFont(REGULAR, 7.5)
    canvas.drawString(
        LEFT, _y(CONTENT_HEIGHT) + 1 * MM, fit(f"{total} · {printed}", REGULAR, 7.5, CONTENT_WIDTH)
    )
    canvas.endForm()


def _grid(canvas: Canvas, columns: Columns) -> None:
    """Shaded head row, column and row lines, a frame."""
    top, bottom = _y(GRID_TOP), _y(GRID_TOP + HEAD_HEIGHT + ROWS_PER_PAGE * ROW_HEIGHT)
    canvas.setFillColor(SHADE)
    canvas.rect(LEFT, top - HEAD_HEIGHT, CONTENT_WIDTH, HEAD_HEIGHT, stroke=0, fill=1)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.2 * MM)
    canvas.lines(
        [(LEFT + x, top, LEFT + x, bottom) for x in columns.lefts[1:]]
        + [
            (LEFT, y, LEFT + CONTENT_WIDTH, y)
            for y in (top - HEAD_HEIGHT - i * ROW_HEIGHT for i in range(ROWS_PER_PAGE))
        ]
    )
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.3 * MM)
    canvas.rect(LEFT, bottom, CONTENT_WIDTH, top - bottom, stroke=1, fill=0)


def _headings(canvas: Canvas, columns: Columns) -> None:
    """The column headings: "No." right-aligned over the numbers, "Signature" centred."""
    canvas.setFillColor(INK)
    canvas.setFont(BOLD, HEADING_SIZE)
    y = _baseline(GRID_TOP, HEAD_HEIGHT, HEADING_SIZE)
    canvas.drawRightString(
        LEFT + columns.widths[0] - PAD, y, fit(_("No."), BOLD, HEADING_SIZE, columns.room(0))
    )
    for column, heading in enumerate((_("Full name"), _("Organisation"), _("Town")), start=1):
        canvas.drawString(
            LEFT + columns.lefts[column] + PAD, y, fit(heading, BOLD, HEADING_SIZE, columns.room(column))
        )
    canvas.drawCentredString(
        LEFT + columns.lefts[4] + columns.widths[4] / 2,
        y,
        fit(_("Signature"), BOLD, HEADING_SIZE, columns.room(4)),
    )


def _page_number(canvas: Canvas, text: str) -> None:
    canvas.setFillColor(INK)
    canvas.setFont(BOLD, 8.5)
    canvas.drawRightString(LEFT + CONTENT_WIDTH, _y(4.3 * MM), text)


def _cell(text: str, room: float) -> tuple[str, float]:
    """A value and its size: normal if it fits, else smaller, else smaller and shortened."""
    text = one_line(text)
    if width(text, REGULAR, FONT_SIZE) <= room:
        return text, FONT_SIZE
    return fit(text, REGULAR, SMALL_FONT_SIZE, room), SMALL_FONT_SIZE


def _rows(canvas: Canvas, rows: Sequence[AttendanceRow], first_number: int, columns: Columns) -> None:
    """The rows of one page as one text object, the values set small after the others (one
    change of font). A value is placed by its own origin: the text needs no measuring."""
    small: list[tuple[float, float, str]] = []
    text = canvas.beginText()
    text.setFillColor(INK)
    text.setFont(REGULAR, FONT_SIZE)
    digit = width("0", REGULAR, FONT_SIZE)  # DejaVu's digits are all as wide
    number_right = LEFT + columns.widths[0] - PAD
    for i, row in enumerate(rows):
        top = GRID_TOP + HEAD_HEIGHT + i * ROW_HEIGHT
        baseline = _baseline(top, ROW_HEIGHT, FONT_SIZE)
        number = str(first_number + i)
        text.setTextOrigin(number_right - len(number) * digit, baseline)
        text.textLine(number)
        for column, value in ((1, row.full_name), (2, row.organisation), (3, row.town)):
            shown, size = _cell(value, columns.room(column))
            x = LEFT + columns.lefts[column] + PAD
            if size == FONT_SIZE:
                text.setTextOrigin(x, baseline)
                text.textLine(shown)
            else:
                small.append((x, _baseline(top, ROW_HEIGHT, size), shown))
    text.setFont(REGULAR, SMALL_FONT_SIZE)
    for x, baseline, shown in small:
        text.setTextOrigin(x, baseline)
        text.textLine(shown)
    canvas.drawText(text)
