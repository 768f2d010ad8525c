"""The sign-in sheet: A4, sorted by surname, title, date, venue, list and "Page X of Y" on
every page, columns that stay aligned, cached until the list changes."""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from regsvc.documents import attendance
from regsvc.documents.attendance import (
    LAYOUT,
    AttendanceRow,
    page_count,
    sign_in_sheet_pdf,
    sort_by_surname,
)
from regsvc.formatting import event_datetime
from tests.documents.helpers import MM, page_texts, row, words
from tests.documents.helpers import page_count as pdf_pages

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


@pytest.fixture(autouse=True)
def empty_cache():
    attendance.sheet_cache.clear()
    yield
    attendance.sheet_cache.clear()


def test_every_page_has_title_date_venue_list_and_page_x_of_y(app, event, tmp_path):
    rows = people(120)
    pdf = sign_in_sheet_pdf(event, rows, "On-site participants")
    pages = page_texts(pdf, tmp_path)
    expected = math.ceil(120 / LAYOUT.rows_per_page)
    assert pdf_pages(pdf) == len(pages) == expected == page_count(rows) == 6  # 23 rows a page
    with app.test_request_context():  # the date as the event's time zone and language have it
        when = event_datetime(event.starts_at, event)
    assert when == "Tuesday, 30 June 2026, 10:30"
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {expected}" in text
        assert "Nacionalna konferencija o civilnom društvu" in text
        assert when in text and "17:00" in text
        assert "Hotel Mona Plaza, Kralja Milana 27, Beograd" in text
        assert "ON-SITE PARTICIPANTS" in text  # the list label, in the small capitals of the header
        for heading in ("No.", "Full name", "Organisation", "Town", "Signature"):
            assert heading in text
    assert "120 people on this list" in pages[-1]


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


def test_columns_stay_aligned_and_rows_stay_on_the_grid(app, event, tmp_path):
    """Long values are set smaller or wrapped inside their row; every column starts where the
    ruling says, and no row pushes the next one down."""
    long_org = "Centar za istraživanje javnih politika i razvoj civilnog društva – Kancelarija Niš"
    rows = [
        row(f"Ana Tester{n:02d}", organisation=f"Org{n:02d}", town=f"Grad{n:02d}")
        if n % 3
        else row(
            f"Aleksandra Konstantinović-Stojanovska Tester{n:02d}" if n % 2 else f"Iva Tester{n:02d}",
            organisation=long_org if n % 2 else f"Organizacija civilnog društva „Žene juga“ Org{n:02d}",
            town=f"Grad{n:02d}",
        )
        for n in range(LAYOUT.rows_per_page)
    ]
    found = words(sign_in_sheet_pdf(event, rows, "Everyone"), tmp_path)
    left, top = 14 * MM, 12 * MM  # page margins
    grid_top = top + (LAYOUT.grid_top + LAYOUT.head_height) * MM
    columns = [left + (x + LAYOUT.lead) * MM for x in LAYOUT.column_lefts]

    def starts(prefix):
        return {w.text: w for w in found if w.text.startswith(prefix)}

    orgs, towns = starts("Org"), starts("Grad")
    assert len(towns) == LAYOUT.rows_per_page
    for n in range(LAYOUT.rows_per_page):
        town = towns[f"Grad{n:02d}"]
        assert town.x == pytest.approx(columns[3], abs=0.3 * MM)
        assert town.y == pytest.approx(grid_top + (n + 0.5) * LAYOUT.row_height * MM, abs=1.5 * MM)
        if f"Org{n:02d}" in orgs and n % 3:
            assert orgs[f"Org{n:02d}"].x == pytest.approx(columns[2], abs=0.3 * MM)
    for name in starts("Tester").values():
        assert name.x > columns[1]
    text = " ".join(w.text for w in found)
    assert "Aleksandra Konstantinović-" in text and "Stojanovska Tester" in text  # wrapped in its row


def test_text_is_escaped_not_interpreted(app, event, tmp_path):
    pdf = sign_in_sheet_pdf(event, [row("<b>Marko</b> <img src=file:///etc/passwd>")], "Lista & <i>x</i>")
    text = page_texts(pdf, tmp_path)[0]
    assert "<b>Marko</b>" in text and "LISTA & <I>X</I>" in text


def test_an_empty_list_is_one_blank_page(app, event, tmp_path):
    pages = page_texts(sign_in_sheet_pdf(event, [], "Walk-ins"), tmp_path)
    assert len(pages) == 1
    assert "Page 1 of 1" in pages[0] and "0 people on this list" in pages[0]


def test_parallel_rendering_gives_the_same_pages(app, event, tmp_path):
    rows = people(7 * LAYOUT.rows_per_page)
    serial = sign_in_sheet_pdf(event, rows, "On-site participants", workers=1, use_cache=False)
    parallel = sign_in_sheet_pdf(event, rows, "On-site participants", workers=2, use_cache=False)
    assert pdf_pages(serial) == pdf_pages(parallel) == 7
    assert page_texts(serial, tmp_path) == page_texts(parallel, tmp_path)


def test_the_pdf_is_cached_until_the_list_changes(app, event, monkeypatch):
    rendered = []
    original = attendance.render_pdf_parts

    def counting(documents, **kwargs):
        rendered.append(1)
        return original(documents, **kwargs)

    monkeypatch.setattr(attendance, "render_pdf_parts", counting)
    rows = people(30)
    first = sign_in_sheet_pdf(event, rows, "On-site participants")
    assert sign_in_sheet_pdf(event, list(rows), "On-site participants") is first
    assert len(rendered) == 1
    changed = [replace(rows[0], town="Kragujevac"), *rows[1:]]
    assert sign_in_sheet_pdf(event, changed, "On-site participants") != first
    sign_in_sheet_pdf(event, rows, "Online participants")
    sign_in_sheet_pdf(event, rows, "On-site participants", use_cache=False)
    assert len(rendered) == 4


def test_too_many_rows_for_four_digits_are_refused(app, event):
    with pytest.raises(ValueError, match="9999"):
        sign_in_sheet_pdf(event, [row("A B")] * 10_000, "All")
