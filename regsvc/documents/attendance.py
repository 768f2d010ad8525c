"""Attendance lists: the sign-in sheet (PDF), badges (PDF), and CSV / XLSX exports.

The functions take plain `AttendanceRow`s, so they know nothing of the database; the
views build the rows. Every list is sorted by surname (see `sort_by_surname`), and the
numbers on the sign-in sheet are the numbers in the exports.

The sign-in sheet is built for speed, because a big conference has thousands of rows and
WeasyPrint spends most of its time per box and per line of text:

- a fixed number of rows per page, so the page count is known before rendering and
  "Page X of Y" is plain text on each page;
- each page is a few absolutely placed blocks; all its rows are one block of preformatted
  text, one line per row, the columns set by tab stops (see `SheetLayout`), and the
  ruling of the table is one SVG background shared by all pages. Values too wide for
  their column (measured with the font's own metrics) are set smaller, or on two or three
  lines inside their row;
- the pages are split into one HTML document per CPU, rendered in worker processes while
  the next document is made, and merged;
- the finished PDF is kept in a small in-process cache keyed by a hash of what it shows
  (rows, event, list, language, date), so printing the same list again is immediate.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import math
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import xlsxwriter
from flask import current_app, render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from PIL import ImageFont

from regsvc.db import utcnow
from regsvc.documents.csvfile import csv_bytes
from regsvc.documents.qr import qr_svg
from regsvc.documents.render import available_cpus, document_locale, render_pdf, render_pdf_parts
from regsvc.text import name_sort_key


@dataclass(frozen=True)
class AttendanceRow:
    full_name: str
    organisation: str
    town: str
    attendance: str  # as the list's readers say it: "On-site", "Online", …
    checkin_code: str
    consents_to_publication: bool
    checked_in: bool


# --- Sorting ---------------------------------------------------------------------------


def sort_by_surname(rows: Iterable[AttendanceRow]) -> list[AttendanceRow]:
    """Rows by surname, then full name; case- and accent-insensitive first.

    Č and Ć sort with C, Đ with D, Ž with Z (then accented after plain when all else is
    equal: "Ciric" before "Ćirić"); Macedonian Ѓ, Ќ with Г, К. Cyrillic comes after
    Latin, in code point order but with Ђ, Ѕ, Ј, Љ, Њ, Ћ, Џ right after Д, З, И, Л, Н, Т, Ч.
    Digraphs (Lj, Nj, Dž) are two letters. This is a simple, predictable rule, not the
    full collation of one language (which would need ICU and would differ by language).
    """
    return sorted(rows, key=lambda row: name_sort_key(row.full_name))


def _clean(text: str) -> str:
    """One line of text: newlines, tabs and other control characters become single spaces."""
    if text.isprintable() and "  " not in text and text == text.strip():
        return text
    return " ".join("".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text).split())


# --- Measuring text ----------------------------------------------------------------------

PT_TO_MM = 25.4 / 72


@functools.lru_cache(maxsize=8)
def _font(file_name: str) -> ImageFont.FreeTypeFont | None:
    """The font WeasyPrint will use (found through the system font folders), at 100 pt."""
    try:
        return ImageFont.truetype(file_name, 100)
    except OSError:
        return None


REGULAR, BOLD = "DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf"  # font-stretch: condensed
TITLE_BOLD = "DejaVuSans-Bold.ttf"  # titles and names on badges


def text_width_mm(text: str, size_pt: float, font_file: str = REGULAR) -> float:
    """Printed width of one line of `text`. Without the font file, a generous estimate."""
    return _width_at_100pt(text, font_file) * size_pt / 100 * PT_TO_MM


@functools.lru_cache(maxsize=16384)
def _width_at_100pt(text: str, font_file: str) -> float:
    font = _font(font_file)
    return font.getlength(text) if font else len(text) * 66.0


# --- Sign-in sheet -----------------------------------------------------------------------


PX_TO_MM = 25.4 / 96
FIGURE_SPACE = "\u2007"  # as wide as a digit
PAD_SPACES = ("\u2003", "\u2002", "\u2009")  # em, en and thin spaces, widest first


@dataclass(frozen=True)
class SheetLayout:
    """Geometry of the sign-in sheet (A4 portrait, 182 mm between the side margins).

    Each row is one line of text in one block: number, full name, organisation and town
    separated by tabs, with a tab stop every `tab_px` (CSS px, as WeasyPrint wants them).
    Each of these columns is a whole number of tabs wide (`column_tabs`); the signature box
    gets the rest. Every value but the last is padded with spaces to just before the last
    tab stop of its column (see `Cell`), so the tab after it lands on the next column. One
    text box per row, where a table would need five boxes and a layout each.
    """

    rows_per_page: int = 23
    header_height: float = 28.5  # mm: list, page, event title (two lines), date, venue
    grid_top: float = 29.2  # mm from the top of the page's content
    row_height: float = 10.0  # mm
    head_height: float = 8.0  # mm, the row of column headings
    width: float = 182.0  # mm
    tab_px: int = 34  # 9.0 mm
    column_tabs: tuple[int, ...] = (1, 5, 7, 3)  # number (4 digits), name, organisation, town
    lead: float = 1.1  # mm between a column's left line and its text
    gap: float = 1.2  # mm, at least, between a value and the next column's line
    tab_gap: float = 1.0  # mm, about, between the padding and the next tab stop
    head_font_size: float = 7.5  # pt, bold, for the column headings
    font_size: float = 9.0  # pt
    small_font_size: float = 7.5  # pt, for values too wide for their column
    wrap_font_size: float = 7.0  # pt, for values too wide even then, on two or three lines
    line_height: float = 1.15  # of wrapped values

    @property
    def tab(self) -> float:
        return self.tab_px * PX_TO_MM

    @property
    def column_lefts(self) -> list[float]:
        """Left lines of the number, name, organisation, town and signature columns."""
        return [sum(self.column_tabs[:i]) * self.tab for i in range(len(self.column_tabs) + 1)]

    @property
    def column_widths(self) -> list[float]:
        lefts = self.column_lefts
        return [right - left for left, right in zip(lefts, [*lefts[1:], self.width], strict=True)]

    @property
    def number_width(self) -> float:
        return self.column_widths[0]

    def room(self, column: int) -> float:
        """Width for a value, between its lead and the gap before the next column."""
        return self.column_widths[column] - self.lead - self.gap

    def number_end(self, digits: int) -> float:
        """Where the right-aligned numbers end, from the left of the number column."""
        return self.lead + text_width_mm("0" * digits, self.font_size)

    @property
    def body_height(self) -> float:
        return self.rows_per_page * self.row_height

    @property
    def height(self) -> float:
        return self.head_height + self.body_height

    def wrap_line_height(self) -> float:
        return self.wrap_font_size * self.line_height * PT_TO_MM

    def grid_svg(self) -> str:
        """The ruling of one page: outer frame, shaded head row, column and row lines."""
        w, h, head = self.width, self.height, self.head_height
        lines = [f"M{x:.2f} 0V{h:g}" for x in self.column_lefts[1:]]
        lines += [f"M0 {head + i * self.row_height:g}H{w:g}" for i in range(self.rows_per_page)]
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:g}mm" height="{h:g}mm" '
            f'viewBox="0 0 {w:g} {h:g}">'
            f'<rect x="0" y="0" width="{w:g}" height="{head:g}" fill="#e6e9ee"/>'
            f'<path d="{"".join(lines)}" stroke="#4a4f57" stroke-width="0.2" fill="none"/>'
            f'<rect x="0.15" y="0.15" width="{w - 0.3:g}" height="{h - 0.3:g}" '
            f'stroke="#111" stroke-width="0.3" fill="none"/>'
            "</svg>"
        )

    def grid_data_uri(self) -> str:
        return svg_data_uri(self.grid_svg())


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


LAYOUT = SheetLayout()
MAX_SHEET_ROWS = 9999  # four digits fill the number column
# Below this many pages, one process renders the whole sheet (starting workers costs more).
PARALLEL_MIN_PAGES = 6


@dataclass(frozen=True)
class Cell:
    """A value as printed. `fit` is "" (normal size), "small" (smaller, one line) or
    "wrap-2" / "wrap-3" (smaller still, on two or three lines, in a box as wide as its
    column, `tabs` tabs).

    `pad` (spaces) brings a one-line value to about 1 mm before the next column's tab
    stop, so that the tab after it goes exactly there: the tab stops are only 9 mm apart.
    It also keeps every tab short, which matters because WeasyPrint 70 draws a tab 2.4 %
    wider than it lays it out, moving what follows in the same line by that much (here
    some hundredths of a millimetre).
    """

    text: str
    fit: str = ""
    pad: str = ""
    tabs: int = 1


def _spaces(width: float, size_pt: float, font_file: str = REGULAR) -> str:
    """Spaces as wide as `width` mm, less at most a thin space."""
    spaces = []
    for space in PAD_SPACES:
        count = int(max(0.0, width) // text_width_mm(space, size_pt, font_file))
        spaces.append(space * count)
        width -= count * text_width_mm(space, size_pt, font_file)
    return "".join(spaces)


def _padding(text: str, size_pt: float, column_width: float, layout: SheetLayout, font_file=REGULAR) -> str:
    """Spaces after `text` up to `tab_gap` (plus less than a thin space) before the tab stop
    that starts the next column. Invisible: they may cross the column's line."""
    return _spaces(
        column_width - text_width_mm(text, size_pt, font_file) - layout.tab_gap, size_pt, font_file
    )


def _cell(text: str, column: int, layout: SheetLayout) -> Cell:
    text, width, tabs = _clean(text), layout.column_widths[column], layout.column_tabs[column]
    # A value must end before its column does, or the rest of the row would move one tab to
    # the right: widths come from the font's own metrics, with some slack for kerning.
    room = layout.room(column) * 0.97
    for fit, size in (("", layout.font_size), ("small", layout.small_font_size)):
        if text_width_mm(text, size) <= room:
            return Cell(text, fit, _padding(text, size, width, layout), tabs)
    # Wrapping at spaces wastes part of each line.
    lines = 2 if text_width_mm(text, layout.wrap_font_size) <= room * 1.75 else 3
    return Cell(text, f"wrap-{lines}", tabs=tabs)


def heading_line(layout: SheetLayout, digits: int) -> str:
    """The column headings as one line of text, laid out like the rows: "No." right-aligned
    over the numbers, the field names at their columns, "Signature" centred in its box."""
    size, lead, widths = layout.head_font_size, layout.lead, layout.column_widths

    def width(text: str) -> float:
        return text_width_mm(text, size, BOLD)

    def fitted(text: str, room: float) -> str:
        """A long translation is cut, rather than shift the columns."""
        if width(text) <= room:
            return text
        while text and width(text + "…") > room:
            text = text[:-1]
        return text + "…"

    number = _("No.")
    number = _spaces(layout.number_end(digits) - lead - width(number), size, BOLD) + number
    line = number + _padding(number, size, widths[0], layout, BOLD) + "\t"
    for column, heading in enumerate((_("Full name"), _("Organisation"), _("Town")), start=1):
        heading = fitted(heading, layout.room(column))
        line += heading + _padding(heading, size, widths[column], layout, BOLD) + "\t"
    signature = fitted(_("Signature"), widths[4] - 2 * lead)
    return line + _spaces((widths[4] - width(signature)) / 2 - lead, size, BOLD) + signature


def number_digits(count: int) -> int:
    return max(3, len(str(count)))


def _number(n: int, digits: int, layout: SheetLayout) -> Cell:
    """Right-aligned: figure spaces are as wide as digits."""
    text = str(n).rjust(digits, FIGURE_SPACE)
    return Cell(text, pad=_padding(text, layout.font_size, layout.number_width, layout))


@dataclass(frozen=True)
class SheetRow:
    number: Cell
    name: Cell
    organisation: Cell
    town: Cell


@dataclass(frozen=True)
class SheetPage:
    number: int
    rows: list[SheetRow]


def _sheet_row(n: int, row: AttendanceRow, digits: int, layout: SheetLayout) -> SheetRow:
    return SheetRow(
        _number(n, digits, layout),
        _cell(row.full_name, 1, layout),
        _cell(row.organisation, 2, layout),
        _cell(row.town, 3, layout),
    )


def _check_size(rows: Sequence[AttendanceRow]) -> None:
    if len(rows) > MAX_SHEET_ROWS:
        raise ValueError(f"a sign-in sheet holds at most {MAX_SHEET_ROWS} people; print several lists")


def page_count(rows: Sequence[AttendanceRow], layout: SheetLayout = LAYOUT) -> int:
    return max(1, math.ceil(len(rows) / layout.rows_per_page))


def sheet_pages(
    rows: Sequence[AttendanceRow], numbers: Iterable[int] | None = None, layout: SheetLayout = LAYOUT
) -> list[SheetPage]:
    """Pages of the sheet (all, or those numbered `numbers`): rows sorted, numbered, measured.
    There is always at least one page, maybe empty (a blank sheet for walk-ins)."""
    return _pages(sort_by_surname(rows), numbers or range(1, page_count(rows, layout) + 1), layout)


def _pages(ordered: list[AttendanceRow], numbers: Iterable[int], layout: SheetLayout) -> list[SheetPage]:
    _check_size(ordered)
    digits, per_page = number_digits(len(ordered)), layout.rows_per_page
    pages = []
    for page in numbers:
        first = (page - 1) * per_page
        run = ordered[first : first + per_page]
        pages.append(
            SheetPage(page, [_sheet_row(first + i, row, digits, layout) for i, row in enumerate(run, 1)])
        )
    return pages


class _PdfCache:
    """The last few PDFs, by a hash of what they show."""

    def __init__(self, size: int = 4):
        self.size = size
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            return None

    def put(self, key: str, pdf: bytes) -> None:
        with self._lock:
            self._items[key] = pdf
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


sheet_cache = _PdfCache()


def _runs(count: int, parts: int) -> list[range]:
    """1…count in `parts` consecutive runs of nearly equal length."""
    size, extra = divmod(count, parts)
    runs, start = [], 1
    for i in range(parts):
        end = start + size + (1 if i < extra else 0)
        runs.append(range(start, end))
        start = end
    return [run for run in runs if run]


def sign_in_sheet_html(
    event, rows: Sequence[AttendanceRow], list_label: str, *, parts: int = 1, layout: SheetLayout = LAYOUT
) -> Iterator[str]:
    """The sheet as `parts` HTML documents, each a run of whole pages, for the current locale.

    A generator: each document is made when asked for, so that the first ones can be
    rendered while the next ones are made.
    """
    count = page_count(rows, layout)
    context = dict(
        event=event,
        list_label=list_label,
        layout=layout,
        grid_uri=layout.grid_data_uri(),
        page_count=count,
        row_count=len(rows),
        headings=heading_line(layout, number_digits(len(rows))),
        printed_at=utcnow(),
        # A title that would not fit on two lines at the normal size is set smaller.
        long_title=text_width_mm(event.title, 14, TITLE_BOLD) > 2 * layout.width * 0.9,
    )
    ordered = sort_by_surname(rows)
    for run in _runs(count, parts):
        yield render_template("pdf/sign_in_sheet.html", pages=_pages(ordered, run, layout), **context)


def _sheet_key(event, rows: Sequence[AttendanceRow], list_label: str) -> str:
    """What the sheet shows, hashed: the cache keeps a sheet until this changes."""
    shown = [
        str(get_locale()),
        list_label,
        utcnow().astimezone(event.zone).date().isoformat(),  # "Printed …"
        [event.title, event.starts_at.isoformat(), event.ends_at.isoformat(), event.timezone],
        [event.venue_name, event.venue_address],
        [[row.full_name, row.organisation, row.town] for row in rows],
    ]
    return hashlib.sha256(json.dumps(shown).encode()).hexdigest()


def sign_in_sheet_pdf(
    event,
    rows: Sequence[AttendanceRow],
    list_label: str,
    *,
    locale: str | None = None,
    use_cache: bool = True,
    workers: int | None = None,
) -> bytes:
    """A4 sign-in sheet: rows by surname with a box to sign; title, date, venue, list and
    "Page X of Y" on every page. Long lists are rendered in parallel; the PDF is cached
    (in this process) until what it shows changes.

    `event` needs title, starts_at, ends_at, timezone, venue_name and venue_address.
    Runs inside an app context; `workers` defaults to PDF_WORKERS or the number of CPUs.
    """
    rows = list(rows)
    _check_size(rows)
    workers = workers or current_app.config.get("PDF_WORKERS") or available_cpus()
    with document_locale(locale):
        key = _sheet_key(event, rows, list_label)
        if use_cache and (cached := sheet_cache.get(key)) is not None:
            return cached
        count = page_count(rows)
        # One document per worker: each part costs a stylesheet, fonts and a merge.
        parts = 1 if count < PARALLEL_MIN_PAGES or workers <= 1 else min(count, workers)
        documents = sign_in_sheet_html(event, rows, list_label, parts=parts)
        pdf = render_pdf_parts(documents, workers=min(workers, parts))
    if use_cache:
        sheet_cache.put(key, pdf)
    return pdf


# --- Badges ------------------------------------------------------------------------------

BADGES_PER_PAGE = 8  # 2 × 4 badges of 90 × 60 mm
BADGE_NAME_WIDTH = 80.0  # mm
BADGE_NAME_SIZES = (20.0, 16.0, 13.0)  # pt; the largest at which the name fits


def _badge_name_size(name: str) -> float:
    """Largest size at which the name fits on one line, or (smaller sizes) on two."""
    big, medium, small = BADGE_NAME_SIZES
    if text_width_mm(name, big, TITLE_BOLD) <= BADGE_NAME_WIDTH * 0.95:
        return big
    if text_width_mm(name, medium, TITLE_BOLD) <= BADGE_NAME_WIDTH * 1.7:
        return medium
    return small


@dataclass(frozen=True)
class Badge:
    name: str
    name_size: float
    organisation: str
    checkin_code: str

    @property
    def qr(self) -> Markup:
        return qr_svg(self.checkin_code, border=2)


def badges_html(event, rows: Sequence[AttendanceRow]) -> str:
    """The badges as one HTML document, for the current locale."""
    badges = [
        Badge(
            name := _clean(row.full_name),
            _badge_name_size(name),
            _clean(row.organisation),
            row.checkin_code,
        )
        for row in sort_by_surname(rows)
    ]
    sheets = [badges[i : i + BADGES_PER_PAGE] for i in range(0, len(badges), BADGES_PER_PAGE)] or [[]]
    return render_template("pdf/badges.html", event=event, sheets=sheets, cut_lines_uri=_cut_lines_uri())


def badges_pdf(event, rows: Sequence[AttendanceRow], *, locale: str | None = None) -> bytes:
    """A4 sheets of 2 × 4 badges (90 × 60 mm, with cut lines): name, organisation, event
    title and a QR code of the check-in code; by surname."""
    with document_locale(locale):
        html = badges_html(event, rows)
    return render_pdf(html)


@functools.cache
def _cut_lines_uri() -> str:
    """Dashed lines along the edges of the 2 × 4 badges of a sheet (180 × 240 mm)."""
    lines = [f"M{x} 0V240" for x in (0.1, 90, 179.9)] + [f"M0 {y}H180" for y in (0.1, 60, 120, 180, 239.9)]
    return svg_data_uri(
        '<svg xmlns="http://www.w3.org/2000/svg" width="180mm" height="240mm" viewBox="0 0 180 240">'
        f'<path d="{"".join(lines)}" fill="none" stroke="#8a919c" stroke-width="0.2" '
        'stroke-dasharray="2 1.5"/>'
        "</svg>"
    )


# --- CSV and XLSX ------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportColumn:
    key: str
    header: object  # a lazy translation
    value: Callable[[int, AttendanceRow], str | int]
    width: int  # characters, for XLSX


EXPORT_COLUMNS = {
    column.key: column
    for column in (
        ExportColumn("number", _l("No."), lambda n, row: n, 6),
        ExportColumn("full_name", _l("Full name"), lambda n, row: row.full_name, 30),
        ExportColumn("organisation", _l("Organisation"), lambda n, row: row.organisation, 36),
        ExportColumn("town", _l("Town"), lambda n, row: row.town, 18),
        ExportColumn("attendance", _l("Attendance"), lambda n, row: row.attendance, 14),
        ExportColumn(
            "checked_in", _l("Checked in"), lambda n, row: _("yes") if row.checked_in else _("no"), 11
        ),
    )
}
DEFAULT_EXPORT_COLUMNS = tuple(EXPORT_COLUMNS)


def _table(rows: Iterable[AttendanceRow], columns: Sequence[str]) -> tuple[list[ExportColumn], list[list]]:
    """The header columns and the values of each row, numbered in surname order."""
    chosen = [EXPORT_COLUMNS[key] for key in columns]
    values = [[column.value(n, row) for column in chosen] for n, row in enumerate(sort_by_surname(rows), 1)]
    return chosen, values


def attendance_csv(
    rows: Iterable[AttendanceRow],
    columns: Sequence[str] = DEFAULT_EXPORT_COLUMNS,
    *,
    delimiter: str = ",",
    locale: str | None = None,
) -> bytes:
    """UTF-8 CSV with a byte order mark (so that Excel reads it as UTF-8), translated header,
    rows by surname. Text cells that a spreadsheet would take for a formula get a leading '.

    Excel set to Serbian or Macedonian expects `;` between fields: pass `delimiter=";"`.
    """
    with document_locale(locale):
        chosen, values = _table(rows, columns)
        header = [str(column.header) for column in chosen]
    return csv_bytes([header, *values], delimiter=delimiter)


def attendance_xlsx(
    rows: Iterable[AttendanceRow],
    columns: Sequence[str] = DEFAULT_EXPORT_COLUMNS,
    *,
    locale: str | None = None,
) -> bytes:
    """An Excel workbook of one sheet: bold frozen header, sized columns, a filter, rows by
    surname. Every text is stored as a string, never read as a formula, number or link."""
    with document_locale(locale):
        chosen, values = _table(rows, columns)
        header = [str(column.header) for column in chosen]
        sheet_name = _("Participants")[:31]
    out = io.BytesIO()
    options = {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
    }
    with xlsxwriter.Workbook(out, options) as workbook:
        sheet = workbook.add_worksheet(sheet_name)
        bold = workbook.add_format({"bold": True, "bottom": 1, "bg_color": "#E6E9EE"})
        for c, (column, text) in enumerate(zip(chosen, header, strict=True)):
            sheet.write_string(0, c, text, bold)
            sheet.set_column(c, c, max(column.width, len(text) + 2))
        for r, row in enumerate(values, start=1):
            for c, value in enumerate(row):
                if isinstance(value, str):
                    sheet.write_string(r, c, value)
                else:
                    sheet.write_number(r, c, value)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(len(values), 1), len(chosen) - 1)
    return out.getvalue()
