"""Badges: A4 sheets of 2 × 4 badges of 90 × 60 mm, cut along dashed lines, by surname.

Each badge has the event's title, date and town; the participant's name, as large as it
fits on one or two lines; their organisation on up to three; and a QR code of their
check-in code, with the code printed under it for typing in. Whatever does not fit is
shortened with an ellipsis.

Drawn with ReportLab on a canvas. The cut lines and the event's block on each of the
eight places are the same on every sheet: they are drawn once, as forms that each sheet
places. All the text of a sheet is one text object.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import BinaryIO

from flask_babel import gettext as _

from regsvc.documents.attendance import AttendanceRow, sort_by_surname
from regsvc.documents.canvas import (
    BOLD,
    MM,
    MONO,
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
from regsvc.documents.qr import qr_rows
from regsvc.documents.render import document_locale
from regsvc.formatting import event_datetime

BADGE_WIDTH, BADGE_HEIGHT = 90 * MM, 60 * MM
COLUMNS, ROWS = 2, 4
BADGES_PER_PAGE = COLUMNS * ROWS
SHEET_LEFT = (PAGE_WIDTH - COLUMNS * BADGE_WIDTH) / 2
SHEET_BOTTOM = (PAGE_HEIGHT - ROWS * BADGE_HEIGHT) / 2

PAD = 6 * MM  # inside the badge's edges
TEXT_WIDTH = BADGE_WIDTH - 2 * PAD
# (pt, lines): the name at the first of these at which it fits.
NAME_SIZES = ((20.0, 1), (16.0, 1), (16.0, 2), (13.0, 2))
ORGANISATION_SIZE, ORGANISATION_WIDTH, ORGANISATION_LINES = 9.0, 50 * MM, 3
QR_SIZE, QR_QUIET_ZONE = 22 * MM, 2  # modules of white around the symbol
CODE_SIZE = 6.5  # pt

INK, TEXT, GREY, BLUE = rgb("#111111"), rgb("#2b2f36"), rgb("#4a4f57"), rgb("#1f5fa8")
CUT = rgb("#8a919c")
EVENT_FORM, CUT_LINES_FORM = "badge-event", "cut-lines"


def write_badges(out: BinaryIO, event, rows: Iterable[AttendanceRow], *, locale: str | None = None) -> None:
    """Writes the badges of `rows` (sorted here) as PDF to `out`; no rows, one empty sheet.

    `event` needs title, timezone, starts_at, host_town and venue_name. Runs inside an app context.
    """
    with document_locale(locale):
        ordered = sort_by_surname(rows)  # in the alphabet of the badges' language
        canvas = new_canvas(out, event.title + " – " + _("Badges"))
        _forms(canvas, event)
        for first in range(0, max(len(ordered), 1), BADGES_PER_PAGE):
            _sheet(canvas, ordered[first : first + BADGES_PER_PAGE])
            canvas.showPage()
        canvas.save()


def _corner(place: int) -> tuple[float, float]:
    """The top left corner of the badge at `place` (0 to 7, by rows) on its sheet."""
    column, line = place % COLUMNS, place // COLUMNS
    return SHEET_LEFT + column * BADGE_WIDTH, SHEET_BOTTOM + (ROWS - line) * BADGE_HEIGHT


def _forms(canvas: Canvas, event) -> None:
    """What is the same on every sheet: the cut lines, and the event's block on each badge."""
    canvas.beginForm(CUT_LINES_FORM)
    canvas.setStrokeColor(CUT)
    canvas.setLineWidth(0.2 * MM)
    canvas.setDash(2 * MM, 1.5 * MM)
    right, top = SHEET_LEFT + COLUMNS * BADGE_WIDTH, SHEET_BOTTOM + ROWS * BADGE_HEIGHT
    canvas.lines(
        [
            (SHEET_LEFT + i * BADGE_WIDTH, SHEET_BOTTOM, SHEET_LEFT + i * BADGE_WIDTH, top)
            for i in range(COLUMNS + 1)
        ]
        + [
            (SHEET_LEFT, SHEET_BOTTOM + i * BADGE_HEIGHT, right, SHEET_BOTTOM + i * BADGE_HEIGHT)
            for i in range(ROWS + 1)
        ]
    )
    canvas.endForm()

    title = lines(one_line(event.title), BOLD, 7.5, TEXT_WIDTH, 2)
    meta = f"{event_datetime(event.starts_at, event, 'day')} · {event.host_town or event.venue_name}"
    meta = fit(one_line(meta), REGULAR, 7.0, TEXT_WIDTH)
    for place in range(BADGES_PER_PAGE):
        left, top = _corner(place)
        canvas.beginForm(f"{EVENT_FORM}-{place}")
        baseline = top - 4.5 * MM - 7.0
        canvas.setFillColor(BLUE)
        canvas.setFont(BOLD, 7.5)
        for line in title:
            canvas.drawString(left + PAD, baseline, line)
            baseline -= 7.5 * 1.15
        canvas.setFillColor(GREY)
        canvas.setFont(REGULAR, 7.0)
        canvas.drawString(left + PAD, baseline, meta)
        canvas.setStrokeColor(BLUE)
        canvas.setLineWidth(0.5 * MM)
        canvas.line(left + PAD, top - 14.75 * MM, left + BADGE_WIDTH - PAD, top - 14.75 * MM)
        canvas.endForm()


def _name_lines(name: str) -> tuple[list[str], float]:
    """The name at the largest size at which it fits whole; else at the smallest, shortened."""
    for size, most in NAME_SIZES:
        broken = lines(name, BOLD, size, TEXT_WIDTH, most)
        if whole(broken, name):
            break
    return broken, size


def _grouped(code: str) -> str:
    """A check-in code in groups of four digits, as the participant's page shows it."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def _sheet(canvas: Canvas, rows: Sequence[AttendanceRow]) -> None:
    """One sheet of badges. Its text is one text object, each kind of text in turn, so that
    the colour and font change a few times a page, not on every badge; the lines of a value
    follow each other by the font's leading."""
    canvas.doForm(CUT_LINES_FORM)
    badges = [(row, *_corner(place)) for place, row in enumerate(rows)]
    text = canvas.beginText()
    text.setFillColor(INK)
    size = 0.0
    for row, left, top in badges:
        names, name_size = _name_lines(one_line(row.full_name))
        if name_size != size:
            size = name_size
            text.setFont(BOLD, size, leading=1.12 * size)
        text.setTextOrigin(left + PAD, top - 17.5 * MM - 0.93 * size)
        for line in names:
            text.textLine(line)

    text.setFillColor(TEXT)
    text.setFont(REGULAR, ORGANISATION_SIZE, leading=1.2 * ORGANISATION_SIZE)
    for row, left, top in badges:
        text.setTextOrigin(left + PAD, top - 34.5 * MM - 0.93 * ORGANISATION_SIZE)
        organisation = one_line(row.organisation)
        for line in lines(organisation, REGULAR, ORGANISATION_SIZE, ORGANISATION_WIDTH, ORGANISATION_LINES):
            text.textLine(line)

    text.setFillColor(GREY)
    text.setFont(MONO, CODE_SIZE)
    for row, left, top in badges:
        code = _grouped(row.checkin_code)
        centre = left + BADGE_WIDTH - PAD - QR_SIZE / 2
        text.setTextOrigin(centre - width(code, MONO, CODE_SIZE) / 2, top - 53.6 * MM - CODE_SIZE)
        text.textLine(code)
    canvas.drawText(text)

    for place, (row, left, top) in enumerate(badges):
        canvas.doForm(f"{EVENT_FORM}-{place}")
        _qr(canvas, row.checkin_code, left + BADGE_WIDTH - PAD - QR_SIZE, top - 31 * MM)


def _qr(canvas: Canvas, payload: str, left: float, top: float) -> None:
    """The symbol in black, in a coordinate system of one unit per module from its top left
    corner (whole numbers are short to write)."""
    rows = qr_rows(payload)
    module = QR_SIZE / (len(rows) + 2 * QR_QUIET_ZONE)
    rectangles = " ".join(_row_rectangles(y, row) for y, row in enumerate(rows))
    x, y = left + QR_QUIET_ZONE * module, top - QR_QUIET_ZONE * module
    canvas.addLiteral(f"q 0 g {module:.4f} 0 0 {-module:.4f} {x:.2f} {y:.2f} cm {rectangles} f Q")


@functools.lru_cache(maxsize=4096)
def _row_rectangles(y: int, modules: str) -> str:
    """A rectangle per run of dark modules of row `y`. The rows through the finder patterns
    have few data modules, so the same rows come back on many badges."""
    rectangles, x = [], 0
    for run in modules.split("0"):
        if run:
            rectangles.append(f"{x} {y} {len(run)} 1 re")
        x += len(run) + 1
    return " ".join(rectangles)
