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
    entry = the_event(calendar_entry(onsite))
    assert str(entry["location"]) == "Hotel Mona Plaza, Kralja Milana 27, Belgrade"
    assert str(entry["summary"]) == event.title
    # Calendars are synced and shared: the entry links to the event's public page.
    assert str(entry["url"]) == f"http://regsvc.test/e/{event.slug}/"
    entry = the_event(calendar_entry(online))
    assert str(entry["location"]) == "Stream: https://stream.example.org/live"
    assert str(entry["url"]) == f"http://regsvc.test/e/{event.slug}/"


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
    assert outcome.token.encode() not in response.data  # never the private link
    assert str(entry["url"]) == f"http://regsvc.test/e/{event.slug}/"
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


def test_an_email_about_a_cancelled_registration_cancels_its_entry(session, make_event, make_registration):
    event = make_event()
    registration = make_registration(event, Attendance.ONSITE).registration
    published = calendar_for(session, registration.id)
    assert b"METHOD:PUBLISH" in published
    assert str(the_event(published)["location"]) == "Hotel Mona Plaza, Kralja Milana 27, Belgrade"
    session.execute(
        update(Registration).where(Registration.id == registration.id).values(attendance="cancelled")
    )
    session.commit()
    fresh(session)
    cancelled = calendar_for(session, registration.id)
    assert b"METHOD:CANCEL" in cancelled
    entry = the_event(cancelled)
    assert (str(entry["status"]), entry["uid"]) == ("CANCELLED", the_event(published)["uid"])
    assert entry.decoded("sequence") > 0
    assert calendar_for(session, registration.id + 1000) is None


def _calendar_of(message) -> icalendar.Event | None:
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            assert part.get_filename() == "event.ics" and part.get_param("method") == "PUBLISH"
            return the_event(part.get_payload(decode=True))
    return None


def test_the_confirmation_and_the_reminder_carry_the_entry(app, client, session, smtp_server, make_event):
    from regsvc.db import utcnow
    from regsvc.mail.services import send_pending
    from regsvc.messages.reminders import send_due_reminders
    from tests.conftest import form_data

    starts = (utcnow() + timedelta(hours=3)).replace(second=0, microsecond=0)
    event = make_event(starts_at=starts, ends_at=starts + timedelta(hours=6), registration_closes_at=starts)
    assert client.post(f"/e/{event.slug}/register", data=form_data(1)).status_code == 302
    send_pending(session)
    entry = _calendar_of(smtp_server.wait_for(1)[0])
    assert entry is not None and entry.decoded("dtstart").astimezone(UTC) == starts
    assert "Hotel Mona Plaza" in str(entry["location"])

    # Registered before the reminder was due (24 hours before): reminded now.
    fresh(session)
    session.execute(update(Registration).values(created_at=starts - timedelta(days=2)))
    session.commit()
    assert send_due_reminders(session) == 1
    send_pending(session)
    reminder = smtp_server.wait_for(2)[1]
    assert _calendar_of(reminder)["uid"] == entry["uid"]  # the same entry, which calendars update
