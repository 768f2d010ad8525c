"""CSV and XLSX exports: translated header, rows by surname, no formulas."""

import csv
import io
import re
import zipfile

import pytest
from flask_babel import force_locale

from regsvc.documents.attendance import attendance_csv, attendance_xlsx, csv_delimiter
from regsvc.documents.csvfile import neutralise
from tests.documents.helpers import row

ROWS = [
    row("Željko Živković", "Opština Niš", "Niš", attendance="On-site seat", checked_in=True),
    row('=HYPERLINK("http://x")', "+381 64 123", "-2", attendance="Online"),
    row("@SUM(A1:A2) Đurić", "\tTabbed", "\rReturn", attendance="Waiting list"),
    row("Ана Ристовска", "Здружение „Ѕвезда“", "Битола", attendance="On-site seat"),
]
HEADER = ["No.", "Full name", "Organisation", "Town", "Attendance", "Checked in"]


def read_csv(data: bytes, delimiter=","):
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def test_csv_has_a_bom_a_translated_header_and_round_trips(app):
    data = attendance_csv(ROWS)
    assert data.startswith(b"\xef\xbb\xbf")
    table = read_csv(data)
    assert table[0] == HEADER
    assert table[1:] == [  # by surname, one alphabet: "=…" before letters; Đurić; Ристовска; Živković
        ["1", '\'=HYPERLINK("http://x")', "'+381 64 123", "'-2", "Online", "no"],
        ["2", "'@SUM(A1:A2) Đurić", "'\tTabbed", "'\rReturn", "Waiting list", "no"],
        ["3", "Ана Ристовска", "Здружение „Ѕвезда“", "Битола", "On-site seat", "no"],
        ["4", "Željko Živković", "Opština Niš", "Niš", "On-site seat", "yes"],
    ]


def test_csv_columns_and_delimiter_can_be_chosen(app):
    table = read_csv(attendance_csv(ROWS, ["full_name", "town"], delimiter=";"), delimiter=";")
    assert table[0] == ["Full name", "Town"]
    assert table[4] == ["Željko Živković", "Niš"]


def test_neutralise():
    for dangerous in ("=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"):
        assert neutralise(dangerous) == "'" + dangerous
    for harmless in ("Ana", " =1", "", "1-2", "'quoted"):
        assert neutralise(harmless) == harmless


def test_xlsx_stores_text_as_text(app):
    data = attendance_xlsx(ROWS)
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
        styles = book.read("xl/styles.xml").decode()
        workbook = book.read("xl/workbook.xml").decode()
    assert "<f>" not in sheet  # no formula anywhere
    assert "=HYPERLINK(&quot;http://x&quot;)" in strings or '=HYPERLINK("http://x")' in strings
    for text in HEADER + ["Željko Živković", "Ана Ристовска", "+381 64 123", "Waiting list", "yes"]:
        assert text in strings
    assert 'state="frozen"' in sheet and 'ySplit="1"' in sheet  # header row frozen
    assert "<cols>" in sheet and "<autoFilter" in sheet
    assert "<b/>" in styles  # a bold font for the header
    assert 'name="Participants"' in workbook
    first_column = re.findall(r'<c r="A(\d+)"([^>]*)><v>(\d+)</v>', sheet)
    assert [(r, 't="s"' in attributes) for r, attributes, _ in first_column] == [
        ("1", True),  # the header: a string
        *[(str(n), False) for n in range(2, 6)],  # the numbers: numbers
    ]
    assert [value for _, _, value in first_column[1:]] == ["1", "2", "3", "4"]


@pytest.mark.parametrize(
    ("locale", "delimiter"), [("en", ","), ("sr_Latn", ";"), ("sr_Cyrl", ";"), ("mk", ";"), ("sq", ";")]
)
def test_the_separator_is_the_one_excel_expects_in_the_language(app, locale, delimiter):
    assert csv_delimiter(locale) == delimiter
    with force_locale(locale):
        assert csv_delimiter() == delimiter


def test_a_serbian_list_is_in_the_serbian_alphabet_and_language(app):
    rows = [row("Ana Čolić"), row("Marko Cvetković"), row("Ана Ћирић")]
    table = read_csv(attendance_csv(rows, ["full_name"], delimiter=";", locale="sr_Latn"), delimiter=";")
    assert [line[0] for line in table[1:]] == ["Marko Cvetković", "Ana Čolić", "Ана Ћирић"]  # c, č, ć
