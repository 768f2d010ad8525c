"""Badges: 2 × 4 on an A4 sheet, one per participant in surname order, with name,
organisation, the event, and a QR code of the check-in code that a scanner reads back."""

import re
from datetime import UTC, datetime

import pytest

from regsvc.documents.badges import (
    BADGE_HEIGHT,
    BADGE_WIDTH,
    COLUMNS,
    PAD,
    QR_QUIET_ZONE,
    QR_SIZE,
    ROWS,
    SHEET_BOTTOM,
    SHEET_LEFT,
)
from regsvc.documents.qr import qr_rows
from tests.documents.helpers import badges_pdf, page_count, page_image, page_texts, row

NAMES = [
    "Đorđe Đurić",
    "Željko Živković",
    "Ćamil Ćirić",
    "Čedomir Čolić",
    "Šefika Šarić",
    "Љубица Ристовска",
    "Ќиро Ќосева",
    "Ѓорѓи Андоновски",
    "Teuta Krasniqi",
]
IN_SURNAME_ORDER = [  # one alphabet (the badges' language: English) whatever the script
    "Ѓорѓи Андоновски",
    "Ćamil Ćirić",
    "Čedomir Čolić",
    "Đorđe Đurić",
    "Ќиро Ќосева",  # Kjoseva
    "Teuta Krasniqi",
    "Љубица Ристовска",
    "Šefika Šarić",
    "Željko Živković",
]


@pytest.fixture
def event(make_event):
    return make_event(
        title="Regionalni forum", starts_at=datetime(2026, 6, 30, 8, 30, tzinfo=UTC), host_town="Niš"
    )


def reading_order(texts: list[str], names: list[str]) -> list[str]:
    """The names as pdftotext reads the pages: sheet by sheet, each row of badges left to right."""
    found = []
    for text in texts:
        found += re.findall("|".join(map(re.escape, names)), text)
    return found


def test_one_badge_for_each_participant_in_surname_order(app, event, tmp_path):
    rows = [
        row(name, organisation=f"Org {i}", checkin_code=f"79896818647849{i:02d}")
        for i, name in enumerate(NAMES)
    ]
    pdf = badges_pdf(event, rows)
    texts = page_texts(pdf, tmp_path)
    assert page_count(pdf) == len(texts) == 2  # 8 on the first sheet, 1 on the second
    assert reading_order(texts, NAMES) == IN_SURNAME_ORDER
    text = "\n".join(texts)
    assert text.count("Regionalni forum") == len(NAMES)  # the event's block, on the badges only
    assert text.count("30 June 2026 · Niš") == len(NAMES)
    for i in range(len(NAMES)):
        assert f"7989 6818 6478 49{i:02d}" in text  # the code under its QR, grouped for typing in
        assert f"Org {i}" in text


def test_badges_fill_as_many_sheets_as_needed(app, event, tmp_path):
    rows = [row(f"Ana Tester{n:02d}", checkin_code=f"{n:016d}") for n in range(17)]
    pdf = badges_pdf(event, rows)
    assert page_count(pdf) == 3
    codes = re.findall(r"\d{4} \d{4} \d{4} \d{4}", "\n".join(page_texts(pdf, tmp_path)))
    assert sorted(codes) == [f"0000 0000 0000 00{n:02d}" for n in range(17)]


def test_long_names_wrap_and_long_organisations_are_shortened_with_an_ellipsis(app, event, tmp_path):
    organisation = (
        "Gradska uprava Grada Kragujevca – Sekretarijat za lokalni ekonomski razvoj i saradnju sa "
        "civilnim društvom i mladima"
    )
    rows = [row("Aleksandra Konstantinović-Stojanovska Vasiljević", organisation=organisation)]
    lines = [" ".join(line.split()) for line in page_texts(badges_pdf(event, rows), tmp_path)[0].splitlines()]
    lines = [line for line in lines if line]
    assert (
        "Aleksandra Konstantinović-" in lines and "Stojanovska Vasiljević" in lines
    )  # broken after the hyphen
    start = lines.index("Gradska uprava Grada")
    shown = lines[start : start + 3]
    assert shown[-1].endswith("…")
    assert organisation.startswith(" ".join(shown)[:-1])


def test_the_qr_code_on_each_badge_is_the_check_in_codes_symbol(app, event, tmp_path):
    codes = [f"{n}{'7' * 15}" for n in range(1, 5)]
    rows = [row(f"Ana {letter}", checkin_code=code) for letter, code in zip("ABCD", codes, strict=True)]
    dpi = 300
    image = page_image(badges_pdf(event, rows), tmp_path, dpi=dpi)
    scale = dpi / 72
    page_height = image.height / scale  # pt

    for place, code in enumerate(codes):
        modules = qr_rows(code)
        column, line = place % COLUMNS, place // COLUMNS
        left = SHEET_LEFT + column * BADGE_WIDTH + BADGE_WIDTH - PAD - QR_SIZE
        top = page_height - (SHEET_BOTTOM + (ROWS - line) * BADGE_HEIGHT) + 31 * 72 / 25.4
        module = QR_SIZE / (len(modules) + 2 * QR_QUIET_ZONE)

        def dark(r, c, left=left, top=top, module=module):
            x = left + (QR_QUIET_ZONE + c + 0.5) * module
            y = top + (QR_QUIET_ZONE + r + 0.5) * module
            return image.getpixel((round(x * scale), round(y * scale))) < 128

        size = len(modules)
        drawn = ["".join("1" if dark(r, c) else "0" for c in range(size)) for r in range(size)]
        assert drawn == modules
        quiet_zone = [
            (r, c)
            for r in range(-2, size + 2)
            for c in range(-2, size + 2)
            if not 0 <= r < size or not 0 <= c < size
        ]
        assert not any(dark(r, c) for r, c in quiet_zone)


def test_no_rows_is_one_empty_sheet(app, event, tmp_path):
    pdf = badges_pdf(event, [])
    assert page_count(pdf) == 1
    assert "Regionalni forum" not in page_texts(pdf, tmp_path)[0]
