"""Badges: 2 × 4 on an A4 sheet, with name, organisation, event title and a QR code."""

import re
from datetime import UTC, datetime

from regsvc.documents.attendance import badges_html, badges_pdf
from tests.documents.helpers import page_count, page_texts, row

NAMES = [
    "Đorđe Đurić",
    "Željko Živković",
    "Ćamil Ćirić",
    "Čedomir Čolić",
    "Šefika Šarić",
    "Љубица Ристовска",
    "Ќиро Ќосева",
    "Ѓорѓи Андоновски",
    "Aleksandra Konstantinović-Stojanovska",
]


def test_nine_badges_fill_two_sheets_in_surname_order(app, make_event, tmp_path):
    event = make_event(title="Regionalni forum", starts_at=datetime(2026, 6, 30, 8, 30, tzinfo=UTC))
    rows = [row(name, organisation=f"Org {i}", checkin_code=f"4091234{i}") for i, name in enumerate(NAMES)]
    pdf = badges_pdf(event, rows)
    assert page_count(pdf) == 2
    text = " ".join(" ".join(page.split()) for page in page_texts(pdf, tmp_path))
    for name in NAMES[:-1]:
        assert name in text
    assert "Konstantinović-" in text  # a long name wraps
    assert text.count("Regionalni forum") == 9
    assert "30 June 2026" in text
    assert "40912348" in text  # the code printed under its QR, for typing in

    html = badges_html(event, rows)
    assert len(re.findall(r'<svg [^>]*class="qr-code"', html)) == 9


def test_no_rows_is_one_empty_sheet(app, make_event):
    assert page_count(badges_pdf(make_event(), [])) == 1
