"""The event's settings for reminders and certificates, in the organiser's event form."""

from sqlalchemy import select

from regsvc.events.models import Event
from tests.conftest import fresh, sign_in
from tests.console.test_pages import event_form
from tests.registration.test_pages import text_of


def test_the_reminder_certificates_and_organiser_are_set_with_the_event(client, session, organiser):
    sign_in(client, organiser)
    response = client.post(
        "/staff/events/new",
        data=event_form(reminder_hours_before="6", online_certificates="y", organiser_name=" SMART Balkans "),
    )
    assert response.status_code == 302
    event = session.scalar(select(Event).where(Event.slug == "regional-forum"))
    assert (event.reminder_hours_before, event.online_certificates, event.organiser_name) == (
        6,
        True,
        "SMART Balkans",
    )
    page = client.get(f"/staff/events/{event.id}/edit").get_data(as_text=True)
    assert 'name="reminder_hours_before"' in page and 'value="6"' in page
    response = client.post(f"/staff/events/{event.id}/edit", data=event_form(reminder_hours_before="0"))
    assert response.status_code == 302
    fresh(session)
    event = session.get(Event, event.id)
    assert (event.reminder_hours_before, event.online_certificates, event.organiser_name) == (0, False, "")


def test_an_event_reminds_a_day_ahead_unless_told_otherwise(client, session, organiser):
    sign_in(client, organiser)
    assert 'value="24"' in client.get("/staff/events/new").get_data(as_text=True)
    assert client.post("/staff/events/new", data=event_form()).status_code == 302
    assert session.scalar(select(Event.reminder_hours_before)) == 24


def test_a_reminder_period_that_is_not_a_number_of_hours_is_refused(client, session, organiser):
    sign_in(client, organiser)
    for typed in ("-1", "721", "tomorrow", ""):
        response = client.post("/staff/events/new", data=event_form(reminder_hours_before=typed))
        assert response.status_code == 422, typed
        assert "Enter a number of hours from 0 to 720." in text_of(response)
    fresh(session)
    assert session.scalar(select(Event)) is None
