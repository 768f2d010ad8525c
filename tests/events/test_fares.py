"""The fare table: parsing, line-numbered errors, the organiser page, CSV in and out."""

import io

import pytest
from sqlalchemy import select

from regsvc.audit.models import AuditEntry
from regsvc.events.fares import FareTableError, fare_for, fare_table, parse_fares, replace_fares
from regsvc.money import AmountError, format_money, to_minor_units
from tests.conftest import fresh, sign_in
from tests.registration.test_pages import text_of


@pytest.mark.parametrize(
    ("typed", "minor"),
    [
        ("1800", 180000),
        ("1800.50", 180050),
        ("1800,5", 180050),
        ("1.800,00", 180000),
        ("1 800", 180000),
        ("1,250,000", 125000000),
    ],
)
def test_amounts_are_read_into_minor_units(typed, minor):
    assert to_minor_units(typed, "RSD") == minor


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "is not an amount"),
        ("abc", "is not an amount"),
        ("-5", "is not an amount"),
        ("1.800", "is ambiguous"),
        ("12.345", "is ambiguous"),
        ("1.9999", "more than 2 decimals"),
    ],
)
def test_bad_amounts_say_what_is_wrong(typed, message):
    with pytest.raises(AmountError, match=message):
        to_minor_units(typed, "RSD")


def test_money_is_formatted_with_its_currency(app):
    with app.test_request_context():
        assert format_money(360000, "RSD") == "3,600.00\u00a0RSD"  # no break between amount and code
        assert format_money(110000, "MKD") == "1,100.00\u00a0MKD"


def test_fare_lines_are_parsed_with_every_bad_line_reported():
    fares = parse_fares("Town;Fare\nNiš; 3600\n\nNovi Sad;1800.50\n", "RSD")
    assert [(f.town, f.return_fare) for f in fares] == [("Niš", 360000), ("Novi Sad", 180050)]
    with pytest.raises(FareTableError) as refused:
        parse_fares("Niš, 3600\nKragujevac\nNis, 3000\nČačak, lots\n, 100\n", "RSD")
    problems = dict(refused.value.problems)
    assert set(problems) == {2, 3, 4, 5}
    assert "Write the town, a comma" in problems[2]
    assert "Nis is already on line 1" in problems[3]
    assert "is not an amount" in problems[4]
    assert "town name is missing" in problems[5]


def test_fares_match_towns_however_they_are_typed(session, make_event):
    event = make_event()
    replace_fares(session, event, parse_fares("Niš, 3600\nČačak, 2600\nБеоград, 0", "RSD"), None)
    assert fare_for(session, event.id, "nis").return_fare == 360000
    assert fare_for(session, event.id, " CACAK ").town == "Čačak"
    assert fare_for(session, event.id, "Beograd").return_fare == 0
    assert fare_for(session, event.id, "Zemun") is None


@pytest.fixture
def organiser_client(client, organiser):
    sign_in(client, organiser)
    return client


def test_organisers_edit_the_table_as_text(organiser_client, session, make_event):
    event = make_event()
    response = organiser_client.post(
        f"/staff/events/{event.id}/fares", data={"lines": "Niš, 3600\nNovi Sad, 1800"}
    )
    assert response.status_code == 302
    page = text_of(organiser_client.get(f"/staff/events/{event.id}/fares"))
    assert "Fare table saved: 2 towns." in page and "3,600.00 RSD" in page
    assert [fare.town for fare in fare_table(session, event.id)] == ["Niš", "Novi Sad"]
    assert session.scalars(select(AuditEntry.action)).all()[-1] == "fares.replaced"


def test_a_bad_table_changes_nothing_and_names_the_lines(organiser_client, session, make_event):
    event = make_event()
    replace_fares(session, event, parse_fares("Niš, 3600", "RSD"), None)
    response = organiser_client.post(f"/staff/events/{event.id}/fares", data={"lines": "Subotica, 3400\nBor"})
    assert response.status_code == 422
    page = text_of(response)
    assert "Nothing was saved" in page and "Line 2:" in page
    assert "Subotica, 3400" in response.get_data(as_text=True)  # what was typed is kept
    fresh(session)
    assert [fare.town for fare in fare_table(session, event.id)] == ["Niš"]


def test_csv_import_and_export(organiser_client, session, make_event):
    event = make_event()
    upload = io.BytesIO("\ufefftown,return_fare_RSD\nLeskovac,4000\nŠabac,1700.00\n".encode())
    response = organiser_client.post(
        f"/staff/events/{event.id}/fares",
        data={"csv_file": (upload, "fares.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    exported = organiser_client.get(f"/staff/events/{event.id}/fares.csv").data.decode("utf-8-sig")
    assert exported.splitlines() == ["town,return_fare_RSD", "Leskovac,4000.00", "Šabac,1700.00"]
    bad = organiser_client.post(
        f"/staff/events/{event.id}/fares",
        data={"csv_file": (io.BytesIO(b"\xff\xfe\x00bad"), "x.csv")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "not a UTF-8 CSV file" in text_of(bad)
    fresh(session)
    assert len(fare_table(session, event.id)) == 2


def test_the_registration_form_suggests_the_towns(client, session, make_event):
    event = make_event()
    replace_fares(session, event, parse_fares("Niš, 3600\nKruševac, 2800", "RSD"), None)
    html = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    assert 'list="departure_town-options"' in html
    assert '<option value="Kruševac">' in html and '<option value="Niš">' in html
