"""The calendar entry (.ics) of a registration, read back with the icalendar library."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import update

from regsvc.messages.ics import calendar_entry, calendar_for
from regsvc.registration.models import Attendance, Registration
from tests.conftest import fresh

BELGRADE = ZoneInfo("Europe/Belgrade")


def the_event(ics: bytes) -> icalendar.Event:
    return icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]


def start_in_utc(ics: bytes) -> datetime:
    return the_event(ics).decoded("dtstart").astimezone(UTC)


@pytest.mark.parametrize(
    ("local_start", "utc_start"),
    [
        (datetime(2031, 6, 30, 11, 30), datetime(2031, 6, 30, 9, 30, tzinfo=UTC)),  # summer: UTC+2
        (datetime(2031, 1, 15, 11, 30), datetime(2031, 1, 15, 10, 30, tzinfo=UTC)),  # winter: UTC+1
    ],
)
def test_a_belgrade_event_starts_at_the_right_moment_in_summer_and_winter(
    make_event, make_registration, local_start, utc_start
):
    start = local_start.replace(tzinfo=BELGRADE)
    event = make_event(
        starts_at=start,
        ends_at=start + timedelta(hours=5, minutes=30),
        registration_opens_at=start - timedelta(days=3650),
        registration_closes_at=start - timedelta(days=1),
    )
    registration = make_registration(event, Attendance.ONSITE).registration
    ics = calendar_entry(registration)
    assert start_in_utc(ics) == utc_start
    assert the_event(ics).decoded("dtend").astimezone(UTC) == utc_start + timedelta(hours=5, minutes=30)
    # The times are the event's local ones, with its zone described in the file itself.
    assert the_event(ics)["dtstart"].params["TZID"] == "Europe/Belgrade"
    zones = icalendar.Calendar.from_ical(ics).walk("VTIMEZONE")
    assert [str(zone["tzid"]) for zone in zones] == ["Europe/Belgrade"]


def test_on_site_the_entry_is_at_the_venue_online_it_names_the_stream_not_the_private_link(
    session, make_event, make_registration
):
    event = make_event(onsite_capacity=1)
    onsite = make_registration(event, Attendance.ONSITE).registration
    online = make_registration(event, Attendance.ONLINE).registration
    entry = the_event(calendar_entry(onsite, "http://regsvc.test/r/secret-token/"))
    assert str(entry["location"]) == "Hotel Mona Plaza, Kralja Milana 27, Belgrade"
    assert str(entry["summary"]) == event.title
    assert str(entry["url"]) == "http://regsvc.test/r/secret-token/"
    entry = the_event(calendar_entry(online, "http://regsvc.test/r/secret-token/"))
    assert str(entry["location"]) == "Stream: https://stream.example.org/live"
    assert "secret-token" not in str(entry["location"]) + str(entry["description"])
    # Without the private link, the entry points at the event's public page.
    assert str(the_event(calendar_entry(online))["url"]) == f"http://regsvc.test/e/{event.slug}/"


def test_the_entry_keeps_its_uid_so_that_calendars_update_it(session, make_event, make_registration):
    event = make_event(onsite_capacity=0)
    first, second = (make_registration(event, Attendance.ONLINE).registration for _ in range(2))
    assert the_event(calendar_entry(first))["uid"] == the_event(calendar_entry(first))["uid"]
    assert the_event(calendar_entry(first))["uid"] != the_event(calendar_entry(second))["uid"]
    assert str(the_event(calendar_entry(first))["uid"]).endswith("@regsvc.test")


def test_the_participant_downloads_it_from_their_private_page(client, session, make_event, make_registration):
    event = make_event()
    outcome = make_registration(event, Attendance.ONSITE)
    response = client.get(f"/r/{outcome.token}/event.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert f'filename="{event.slug}.ics"' in response.headers["Content-Disposition"]
    entry = the_event(response.data)
    assert str(entry["url"]) == f"http://regsvc.test/r/{outcome.token}/"
    assert start_in_utc(response.data) == event.starts_at.replace(microsecond=0)
    assert response.headers["Cache-Control"] == "no-store"


def test_a_cancelled_registration_or_a_wrong_link_has_no_calendar_entry(
    client, session, make_event, make_registration
):
    event = make_event()
    outcome = make_registration(event, Attendance.ONLINE)
    session.execute(
        update(Registration).where(Registration.id == outcome.registration.id).values(attendance="cancelled")
    )
    session.commit()
    fresh(session)
    assert client.get(f"/r/{outcome.token}/event.ics").status_code == 404
    assert client.get("/r/not-a-real-link/event.ics").status_code == 404


def test_the_private_page_links_to_the_calendar_entry(client, session, make_event, make_registration):
    event = make_event()
    outcome = make_registration(event, Attendance.ONLINE)
    page = client.get(f"/r/{outcome.token}/").get_data(as_text=True)
    assert f'href="/r/{outcome.token}/event.ics"' in page and "Add to my calendar (.ics)" in page
    fresh(session)
    session.execute(
        update(Registration).where(Registration.id == outcome.registration.id).values(attendance="cancelled")
    )
    session.commit()
    assert "Add to my calendar" not in client.get(f"/r/{outcome.token}/").get_data(as_text=True)


def test_an_email_about_a_registration_can_carry_its_entry_until_it_is_cancelled(
    session, make_event, make_registration
):
    event = make_event()
    registration = make_registration(event, Attendance.ONSITE).registration
    entry = the_event(calendar_for(session, registration.id))
    assert str(entry["location"]) == "Hotel Mona Plaza, Kralja Milana 27, Belgrade"
    session.execute(
        update(Registration).where(Registration.id == registration.id).values(attendance="cancelled")
    )
    session.commit()
    fresh(session)
    assert calendar_for(session, registration.id) is None
    assert calendar_for(session, registration.id + 1000) is None
