"""Client tests of the desk pages."""

import pytest
from sqlalchemy import select

from regsvc.audit.models import AuditEntry
from regsvc.registration.models import Attendance, Registration
from tests.conftest import fresh, sign_in
from tests.registration.test_pages import text_of


@pytest.fixture
def desk(client, desk_user):
    sign_in(client, desk_user)
    return client


def test_desk_lists_the_events_to_choose(desk, make_event):
    event = make_event(title="Conference in Skopje")
    page = text_of(desk.get("/staff/desk/"))
    assert "Conference in Skopje" in page
    assert f"/staff/desk/{event.id}/" in desk.get("/staff/desk/").get_data(as_text=True)


def test_search_shows_people_with_the_right_button(desk, make_event, make_registration):
    event = make_event(onsite_capacity=1)
    make_registration(event, full_name="Jelena Marković")
    make_registration(event, full_name="Jelena Online", wanted=Attendance.ONLINE)
    page = desk.get(f"/staff/desk/{event.id}/?q=jelena").get_data(as_text=True)
    assert "Jelena Marković" in page and "Jelena Online" in page
    assert page.index("Jelena Marković") < page.index("Jelena Online")  # seated people first
    assert "Check in" in page and "Give seat and check in" in page
    fragment = desk.get(f"/staff/desk/{event.id}/search?q=markovic").get_data(as_text=True)
    assert "Jelena Marković" in fragment and "<html" not in fragment
    assert "Nobody found" in text_of(desk.get(f"/staff/desk/{event.id}/search?q=zzzz"))


def test_one_tap_checks_in_and_undo_reverses(desk, session, make_event, make_registration):
    event = make_event()
    person = make_registration(event, full_name="Marko Ilić").registration
    response = desk.post(f"/staff/desk/{event.id}/checkin/{person.id}", follow_redirects=True)
    assert "✓ Marko Ilić is checked in." in text_of(response)
    response = desk.post(f"/staff/desk/{event.id}/checkin/{person.id}", follow_redirects=True)
    assert "Marko Ilić was already checked in." in text_of(response)
    assert desk.get(f"/staff/desk/{event.id}/counts").get_json()["checked_in"] == 1
    response = desk.post(
        f"/staff/desk/{event.id}/undo/{person.id}", data={"q": "marko"}, follow_redirects=True
    )
    assert "Check-in of Marko Ilić undone." in text_of(response)
    fresh(session)
    assert session.get(Registration, person.id).checked_in_at is None


def test_scanning_a_qr_code_checks_in(desk, make_event, make_registration):
    event, other = make_event(), make_event()
    person = make_registration(event, full_name="Vesna Trajkovska").registration
    response = desk.post(
        f"/staff/desk/{event.id}/scan", data={"q": person.checkin_code}, follow_redirects=True
    )
    assert "✓ Vesna Trajkovska is checked in." in text_of(response)
    response = desk.post(
        f"/staff/desk/{other.id}/scan", data={"q": person.checkin_code}, follow_redirects=True
    )
    assert "does not belong to a registration for this event" in text_of(response)
    # Text typed and sent with Enter is a search.
    response = desk.post(f"/staff/desk/{event.id}/scan", data={"q": "vesna"})
    assert response.headers["Location"].endswith("?q=vesna")


def test_someone_without_a_seat_gets_one_then_is_checked_in(desk, session, make_event, make_registration):
    event = make_event(onsite_capacity=1)
    make_registration(event)
    person = make_registration(event, full_name="Late Arrival", wanted=Attendance.ONLINE).registration
    response = desk.post(f"/staff/desk/{event.id}/checkin/{person.id}", follow_redirects=True)
    assert "Late Arrival has no on-site seat (Online)" in text_of(response)
    response = desk.post(f"/staff/desk/{event.id}/seat/{person.id}", follow_redirects=True)
    page = text_of(response)
    assert "On-site is full. To seat Late Arrival anyway, give a reason" in page
    assert "Reason to seat over the cap" in page
    response = desk.post(
        f"/staff/desk/{event.id}/seat/{person.id}",
        data={"override_reason": "Keynote speaker"},
        follow_redirects=True,
    )
    assert "✓ Late Arrival is checked in." in text_of(response)
    fresh(session)
    assert session.get(Registration, person.id).attendance == Attendance.ONSITE
    override = session.scalars(select(AuditEntry).where(AuditEntry.action == "seat.override")).one()
    assert override.details["reason"] == "Keynote speaker"


def test_walk_in_form(desk, session, make_event, make_registration):
    event = make_event(onsite_capacity=1)
    page = text_of(desk.get(f"/staff/desk/{event.id}/walk-in"))
    assert "1 on-site seat left." in page
    response = desk.post(
        f"/staff/desk/{event.id}/walk-in",
        data={"full_name": "Ivo Walker", "organisation": "Citizens", "consent_data": "y"},
        follow_redirects=True,
    )
    assert "✓ Ivo Walker is registered and checked in." in text_of(response)

    response = desk.post(
        f"/staff/desk/{event.id}/walk-in", data={"full_name": "Second Walker", "consent_data": "y"}
    )
    assert response.status_code == 409
    assert "On-site is full (1 of 1 seats). Nothing was saved." in text_of(response)
    response = desk.post(
        f"/staff/desk/{event.id}/walk-in",
        data={
            "full_name": "Second Walker",
            "consent_data": "y",
            "override_reason": "Fire marshal agreed: 2 spare",
        },
        follow_redirects=True,
    )
    assert "✓ Second Walker is registered and checked in." in text_of(response)

    response = desk.post(f"/staff/desk/{event.id}/walk-in", data={"full_name": ""})
    assert response.status_code == 422
    page = text_of(response)
    assert "Please enter the full name." in page and "needs the participant's consent" in page
    fresh(session)
    assert len(session.scalars(select(Registration)).all()) == 2


def test_walk_in_with_a_registered_email_points_to_the_search(desk, make_event, make_registration):
    event = make_event()
    make_registration(event, full_name="Already Here", email="here@example.org")
    response = desk.post(
        f"/staff/desk/{event.id}/walk-in",
        data={"full_name": "Already Here", "email": "HERE@example.org", "consent_data": "y"},
    )
    assert "Already Here is already registered with this e-mail" in text_of(response)


def test_unknown_event_or_registration_is_404(desk, make_event, make_registration):
    event, other = make_event(), make_event()
    person = make_registration(other).registration
    assert desk.get("/staff/desk/999/").status_code == 404
    assert desk.post(f"/staff/desk/{event.id}/checkin/{person.id}").status_code == 404
