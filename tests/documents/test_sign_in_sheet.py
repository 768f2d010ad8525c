"""The sign-in sheet: A4, sorted by surname; title, date, venue, list, "Page X of Y" and the
column headings on every page; every row on its line of the grid, values too long for
their column set smaller or shortened with an ellipsis."""

from __future__ import annotations

import itertools
import math
import re
from datetime import UTC, datetime

import pytest

from regsvc.documents.attendance import AttendanceRow, sort_by_surname
from regsvc.documents.canvas import REGULAR, width
from regsvc.documents.sign_in_sheet import (
    GRID_TOP,
    HEAD_HEIGHT,
    LEFT,
    PAD,
    ROW_HEIGHT,
    ROWS_PER_PAGE,
    TOP,
    Columns,
    page_count,
)
from regsvc.formatting import event_datetime
from tests.documents.helpers import page_count as pdf_pages
from tests.documents.helpers import page_texts, row, sign_in_sheet_pdf, words

FIRST = [
    "Đorđe",
    "Željko",
    "Ćamil",
    "Čedomir",
    "Šefika",
    "Љубица",
    "Ќиро",
    "Ѓорѓи",
    "Ana",
    "Marko",
    "Teuta",
    "Nikola",
]
LAST = [
    "Đurić",
    "Živković",
    "Ćirić",
    "Čolić",
    "Šarić",
    "Ристовска",
    "Ќосева",
    "Андоновски",
    "Petrović",
    "Krasniqi",
]
TOWNS = ["Niš", "Čačak", "Užice", "Битола", "Штип", "Skopje"]
LONG_ORGANISATION = "Centar za istraživanje javnih politika i razvoj civilnog društva – Kancelarija Niš"


def people(n: int) -> list[AttendanceRow]:
    names = itertools.islice(itertools.product(["", "M. "], FIRST, LAST), n)
    return [
        row(f"{first} {middle}{last}", organisation=f"Udruženje {i}", town=TOWNS[i % len(TOWNS)])
        for i, (middle, first, last) in enumerate(names)
    ]


@pytest.fixture
def event(make_event):
    return make_event(
        title="Nacionalna konferencija o civilnom društvu",
        starts_at=datetime(2026, 6, 30, 8, 30, tzinfo=UTC),
        ends_at=datetime(2026, 6, 30, 15, 0, tzinfo=UTC),
        venue_name="Hotel Mona Plaza",
        venue_address="Kralja Milana 27, Beograd",
    )


def test_every_page_has_title_date_venue_list_page_x_of_y_and_the_headings(app, event, tmp_path):
    rows = people(120)
    pdf = sign_in_sheet_pdf(event, rows, "On-site participants")
    pages = page_texts(pdf, tmp_path)
    expected = math.ceil(120 / ROWS_PER_PAGE)
    assert pdf_pages(pdf) == len(pages) == expected == page_count(len(rows)) == 6  # 23 rows a page
    with app.test_request_context():  # the date as the event's time zone and language have it
        when = event_datetime(event.starts_at, event)
    assert when == "Tuesday, 30 June 2026, 10:30"
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {expected}" in text
        assert "Nacionalna konferencija o civilnom društvu" in text
        assert f"{when}–17:00" in text
        assert "Hotel Mona Plaza, Kralja Milana 27, Beograd" in text
        assert "SIGN-IN SHEET · ON-SITE PARTICIPANTS" in text  # the list, in the capitals of the header
        assert re.search(r"No\.\s+Full name\s+Organisation\s+Town\s+Signature", text)
        assert "120 people on this list" in text


def test_rows_are_sorted_by_surname_and_numbered_across_pages(app, event, tmp_path):
    rows = people(120)
    text = "\n".join(page_texts(sign_in_sheet_pdf(event, rows, "On-site participants"), tmp_path))
    positions = [text.index(f" {r.full_name} ") for r in sort_by_surname(rows)]
    assert positions == sorted(positions)
    for name in ("Đorđe Đurić", "Željko Živković", "Ćamil Ćirić", "Čedomir Čolić", "Šefika Šarić"):
        assert name in text
    for name in ("Љубица Ристовска", "Ќиро Ќосева", "Ѓорѓи Андоновски"):
        assert name in text
    table = [line for line in text.splitlines() if "on this list" not in line]
    numbers = [line.split()[0] for line in table if re.match(r"\s*\d+\s+\w", line)]
    assert numbers == [str(n) for n in range(1, 121)]


def test_every_value_starts_at_its_column_on_its_row_of_the_grid(app, event, tmp_path):
    rows = [row(f"Ana Tester{n:02d}", organisation=f"Udruga{n:02d}", town=f"Grad{n:02d}") for n in range(30)]
    found = words(sign_in_sheet_pdf(event, rows, "Everyone"), tmp_path)
    columns = Columns.for_count(len(rows))
    for prefix, column in (("Tester", 1), ("Udruga", 2), ("Grad", 3)):
        placed = sorted((w for w in found if w.text.startswith(prefix)), key=lambda w: (w.page, w.y))
        assert [w.text[-2:] for w in placed] == [f"{n:02d}" for n in range(30)]
        for n, word in enumerate(placed):
            line = n % ROWS_PER_PAGE
            row_top = TOP + GRID_TOP + HEAD_HEIGHT + line * ROW_HEIGHT
            assert word.page == 1 + n // ROWS_PER_PAGE
            assert row_top < word.y < row_top + ROW_HEIGHT
            if column > 1:  # the first word of the name is "Ana"
                assert word.x == pytest.approx(LEFT + columns.lefts[column] + PAD, abs=0.5)


def test_long_values_are_shortened_with_an_ellipsis_within_their_column(app, event, tmp_path):
    long_name = "Aleksandra Konstantinović-Stojanovska Vasiljević"
    rows = [
        row(long_name, organisation=LONG_ORGANISATION, town="Niš"),
        row(
            "Ана Зафировска", organisation="Здружение на граѓани „Центар за истражување и креирање политики“"
        ),
    ]
    pdf = sign_in_sheet_pdf(event, rows, "Everyone")
    text = page_texts(pdf, tmp_path)[0]
    for value in (long_name, LONG_ORGANISATION):
        assert value not in text
        shortened = re.search(rf"({value[:10]}[^\n]*?)…", text)
        assert shortened and value.startswith(shortened.group(1)), "a beginning of the value, then …"
    assert "Ана Зафировска" in text and "Здружение на граѓани „Центар" in text

    columns = Columns.for_count(len(rows))
    first_row = [w for w in words(pdf, tmp_path) if w.y < TOP + GRID_TOP + HEAD_HEIGHT + ROW_HEIGHT]
    shortened_name, shortened_organisation = (w for w in first_row if w.text.endswith("…"))
    assert LEFT + columns.lefts[1] < shortened_name.x < shortened_name.right < LEFT + columns.lefts[2]
    assert shortened_organisation.x < shortened_organisation.right < LEFT + columns.lefts[3]
    town = next(w for w in first_row if w.text == "Niš")
    assert town.x == pytest.approx(LEFT + columns.lefts[3] + PAD, abs=0.5)


def test_the_number_column_is_as_wide_as_the_largest_number():
    for count in (5, 999, 12_345, 123_456):
        number = Columns.for_count(count).widths[0]
        assert number >= width(str(count), REGULAR, 9) + 2 * PAD
    assert sum(Columns.for_count(20_000).widths) == pytest.approx(sum(Columns.for_count(20).widths))


def test_text_is_printed_as_it_is_not_interpreted(app, event, tmp_path):
    pdf = sign_in_sheet_pdf(event, [row("<b>Marko</b> <img src=file:///etc/passwd>")], "Lista & <i>x</i>")
    text = page_texts(pdf, tmp_path)[0]
    assert "<b>Marko</b>" in text and "LISTA & <I>X</I>" in text


def test_a_long_title_takes_two_lines_at_most(app, make_event, tmp_path):
    # As long as a title may be (200 characters): more than two lines of the header.
    title = " ".join(["Regionalna konferencija o ulozi civilnog društva u procesu pristupanja"] * 3)[:200]
    pdf = sign_in_sheet_pdf(make_event(title=title), people(3), "Everyone")
    lines = [line.strip() for line in page_texts(pdf, tmp_path)[0].splitlines() if "Regionalna" in line]
    assert 1 <= len(lines) <= 2
    assert lines[-1].endswith("…")


def test_an_empty_list_is_one_blank_page(app, event, tmp_path):
    pages = page_texts(sign_in_sheet_pdf(event, [], "Walk-ins"), tmp_path)
    assert len(pages) == 1
    assert "Page 1 of 1" in pages[0] and "0 people on this list" in pages[0]
