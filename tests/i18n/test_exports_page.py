"""CSV exports have the separator Excel expects in the staff member's language, unless the
export page says otherwise, and list names in that language's alphabet."""

import csv
import io

import pytest

from tests.conftest import sign_in


@pytest.fixture
def event_with_people(make_event, make_registration):
    event = make_event(title="Nacionalna konferencija")
    for name in ("Željko Đurić", "Љиљана Ќосева", "Ana Ćosić", "Marko Cvetković"):
        make_registration(event, full_name=name)
    return event


def names(data: bytes, delimiter: str) -> list[str]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))
    return [row[1] for row in rows[1:]]


def test_a_serbian_speaking_organiser_gets_semicolons_and_the_serbian_alphabet(
    client, organiser, event_with_people
):
    sign_in(client, organiser)
    client.post("/staff/account/language", data={"locale": "sr_Latn"})
    page = client.get(f"/staff/events/{event_with_people.id}/").get_data(as_text=True)
    assert '<option value="semicolon" selected>' in page
    data = client.get(f"/staff/events/{event_with_people.id}/attendance.csv").data
    assert data.decode("utf-8-sig").splitlines()[0].count(";") == 5  # six columns
    assert names(data, ";") == ["Marko Cvetković", "Ana Ćosić", "Željko Đurić", "Љиљана Ќосева"]


def test_an_english_speaking_organiser_gets_commas_and_can_choose_semicolons(
    client, organiser, event_with_people
):
    sign_in(client, organiser)
    page = client.get(f"/staff/events/{event_with_people.id}/", headers={"Accept-Language": "en"})
    assert '<option value="comma" selected>' in page.get_data(as_text=True)
    data = client.get(f"/staff/events/{event_with_people.id}/attendance.csv").data
    assert names(data, ",") == ["Ana Ćosić", "Marko Cvetković", "Željko Đurić", "Љиљана Ќосева"]
    chosen = client.get(f"/staff/events/{event_with_people.id}/attendance.csv?list=all&separator=semicolon")
    assert (
        chosen.data.decode("utf-8-sig").splitlines()[0]
        == "No.;Full name;Organisation;Town;Attendance;Checked in"
    )
