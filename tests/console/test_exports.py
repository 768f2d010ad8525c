"""The attendance lists as organisers download them."""

import csv
import io
import subprocess
import zipfile

import pytest

from regsvc.registration.models import Attendance
from tests.conftest import sign_in


@pytest.fixture
def event_with_people(make_event, make_registration):
    event = make_event(title="Nacionalna konferencija", onsite_capacity=3)
    make_registration(
        event, full_name="Željko Đurić", organisation='=HYPERLINK("http://x")', consents_to_publication=True
    )
    make_registration(event, full_name="Љиљана Ќосева", organisation="ЦРПМ")
    make_registration(
        event,
        full_name="Ana Ćosić",
        organisation="CPCD",
        wanted=Attendance.ONLINE,
        consents_to_publication=True,
    )
    return event


def test_csv_opens_in_excel_and_cannot_carry_formulas(client, organiser, event_with_people):
    sign_in(client, organiser)
    response = client.get(f"/staff/events/{event_with_people.id}/attendance.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.data
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    names = [row[1] for row in rows[1:]]
    assert set(names) == {"Željko Đurić", "Љиљана Ќосева", "Ana Ćosić"}
    organisations = [row[2] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x")' in organisations


def test_the_published_list_has_only_those_who_agreed(client, organiser, event_with_people):
    sign_in(client, organiser)
    data = client.get(f"/staff/events/{event_with_people.id}/attendance.csv?list=published").data
    text = data.decode("utf-8-sig")
    assert "Željko Đurić" in text and "Ana Ćosić" in text and "Љиљана" not in text


def test_xlsx_export(client, organiser, event_with_people):
    sign_in(client, organiser)
    response = client.get(f"/staff/events/{event_with_people.id}/attendance.xlsx?list=onsite")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    with zipfile.ZipFile(io.BytesIO(response.data)) as workbook:
        strings = workbook.read("xl/sharedStrings.xml").decode()
    assert "Željko Đurić" in strings and "Љиљана Ќосева" in strings and "Ana Ćosić" not in strings


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def test_sign_in_sheet_and_badges_are_pdfs_with_the_names(client, desk_user, event_with_people):
    sign_in(client, desk_user)
    with client.get(f"/staff/events/{event_with_people.id}/sign-in-sheet.pdf?list=onsite") as response:
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        disposition = f'inline; filename="{event_with_people.slug}-sign-in-onsite.pdf"'
        assert response.headers["Content-Disposition"] == disposition
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.content_length == len(response.data)
        text = pdf_text(response.data)
    assert "Željko Đurić" in text and "Љиљана Ќосева" in text and "Ana Ćosić" not in text
    assert "Nacionalna konferencija" in text and "Page 1 of 1" in text
    with client.get(f"/staff/events/{event_with_people.id}/sign-in-sheet.pdf?list=all") as everyone:
        assert "Ana Ćosić" in pdf_text(everyone.data)

    with client.get(f"/staff/events/{event_with_people.id}/badges.pdf") as badges:
        assert badges.status_code == 200 and badges.mimetype == "application/pdf"
        disposition = f'inline; filename="{event_with_people.slug}-badges.pdf"'
        assert badges.headers["Content-Disposition"] == disposition
        assert badges.headers["Cache-Control"] == "private, no-store"
        text = pdf_text(badges.data)
    assert "Љиљана Ќосева" in text and "Željko Đurić" in text and "Ana Ćosić" not in text  # on-site only


def test_unknown_lists_and_formats_are_404(client, organiser, event_with_people):
    sign_in(client, organiser)
    assert client.get(f"/staff/events/{event_with_people.id}/sign-in-sheet.pdf?list=vip").status_code == 404
    assert client.get(f"/staff/events/{event_with_people.id}/attendance.docx").status_code == 404
