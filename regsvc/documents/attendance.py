"""Attendance lists: the rows every list is made of, their order, and CSV / XLSX exports.

The functions take plain `AttendanceRow`s, so they know nothing of the database; the
views build the rows. Every list is sorted by surname (see `sort_by_surname`), and the
numbers on the sign-in sheet (sign_in_sheet.py) are the numbers in the exports.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import xlsxwriter
from babel.numbers import get_decimal_symbol
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from regsvc.documents.csvfile import csv_bytes
from regsvc.documents.render import document_locale
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


def sort_by_surname(rows: Iterable[AttendanceRow], locale: str | None = None) -> list[AttendanceRow]:
    """Rows by surname, then full name, in the alphabet of the list's language: `locale`, or
    the language in force (a document's, within document_locale).

    Latin and Cyrillic spellings of a name sit together, written in the list's script:
    Serbian Latin orders c č ć d dž đ … l lj … n nj … s š … z ž, Serbian Cyrillic and
    Macedonian their own alphabets (… л љ м н њ …, Macedonian ѓ after д and ќ after т),
    Albanian … c ç d dh e ë … s sh t th …, English a to z with č, ć, đ, š, ž counted as c,
    c, d, s, z. Case, and accents the alphabet does not count, decide only between names
    otherwise equal ("Ciric" before "Ćirić" in English). See regsvc.text.name_sort_key.
    """
    language = locale or str(get_locale() or "en")
    return sorted(rows, key=lambda row: name_sort_key(row.full_name, language))


def csv_delimiter(locale: str | None = None) -> str:
    """The separator Excel expects between fields in a language (`locale`, or the one in
    force): ";" where numbers are written with a decimal comma (Serbian, Macedonian,
    Albanian), "," elsewhere (English)."""
    return ";" if get_decimal_symbol(locale or str(get_locale() or "en")) == "," else ","


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

    Excel set to Serbian, Macedonian or Albanian expects `;` between fields (csv_delimiter).
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
