"""Client tests of the desk pages."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from regsvc.audit.models import AuditEntry
from regsvc.db import utcnow
from regsvc.desk.services import check_in
from regsvc.formatting import event_datetime
from regsvc.mail.models import OutboxMessage
from regsvc.registration.models import Attendance, Registration
from tests.conftest import fresh, sign_in
from tests.registration.test_pages import text_of


@pytest.fixture
def desk(client, desk_user):
    sign_in(client, desk_user)
    return client


def spaced(code: str) -> str:
    """A check-in code as the participant's page shows it."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def test_desk_lists_the_events_to_choose_today_first(desk, make_event):
    now = utcnow()
    later = make_event(title="Conference in Skopje")
    today = make_event(title="Forum today", starts_at=now, ends_at=now + timedelta(minutes=1))
    past = make_event(
        title="Forum of last year", starts_at=now - timedelta(days=365), ends_at=now - timedelta(days=364)
    )
    response = desk.get("/staff/desk/")
    page = text_of(response)
    assert page.index("Today") < page.index("Forum today") < page.index("Coming up")
    assert page.index("Coming up") < page.index("Conference in Skopje") < page.index("Past events")
    assert page.index("Past events") < page.index("Forum of last year")
    html = response.get_data(as_text=True)
    assert all(f"/staff/desk/{event.id}/" in html for event in (later, today, past))


def test_search_shows_people_with_the_right_button(desk, make_event, make_registration):
    event = make_event(onsite_capacity=2)
    make_registration(event, full_name="Jelena Marković")
    make_registration(event, full_name="Jelena Online", wanted=Attendance.ONLINE)
    page = desk.get(f"/staff/desk/{event.id}/?q=jelena").get_data(as_text=True)
    assert "Jelena Marković" in page and "Jelena Online" in page
    assert page.index("Jelena Marković") < page.index("Jelena Online")  # seated people first
    assert "Check in" in page and "Give seat and check in" in page
    assert "On-site is full" not in page
    fragment = desk.get(f"/staff/desk/{event.id}/search?q=markovic").get_data(as_text=True)
    assert "Jelena Marković" in fragment and "<html" not in fragment
    assert "Nobody found" in text_of(desk.get(f"/staff/desk/{event.id}/search?q=zzzz"))


def test_results_say_how_many_more_match(desk, make_event, make_registration):
    event = make_event(onsite_capacity=30)
    for n in range(23):
        make_registration(event, full_name=f"Ana Petrović {n:02d}")
    page = text_of(desk.get(f"/staff/desk/{event.id}/search?q=petrovic"))
    assert page.count("Ana Petrović") == 20
    assert "and 3 more — type more of the name" in page
    narrowed = text_of(desk.get(f"/staff/desk/{event.id}/search?q=petrovic 2"))
    assert narrowed.count("Ana Petrović") == 3 and "more" not in narrowed  # 20, 21 and 22


def test_one_tap_checks_in_and_undo_reverses(desk, session, make_event, make_registration):
    event = make_event()
    person = make_registration(event, full_name="Marko Ilić").registration
    response = desk.post(f"/staff/desk/{event.id}/checkin/{person.id}", follow_redirects=True)
    assert "✓ Marko Ilić is checked in." in text_of(response)
    assert desk.get(f"/staff/desk/{event.id}/counts").get_json()["checked_in"] == 1
    response = desk.post(
        f"/staff/desk/{event.id}/undo/{person.id}", data={"q": "marko"}, follow_redirects=True
    )
    assert "Check-in of Marko Ilić undone." in text_of(response)
    fresh(session)
    assert session.get(Registration, person.id).checked_in_at is None


def test_already_checked_in_says_when_and_by_whom(desk, session, make_event, make_registration, organiser):
    event = make_event()
    person = make_registration(event, full_name="Marko Ilić").registration
    arrival = check_in(session, person.id, organiser)
    at = event_datetime(arrival.registration.checked_in_at, event, "time")
    response = desk.post(f"/staff/desk/{event.id}/checkin/{person.id}", follow_redirects=True)
    assert f"Marko Ilić was already checked in at {at} by organiser@example.org." in text_of(response)
    # The same from a scanned code, and in the search results.
    response = desk.post(
        f"/staff/desk/{event.id}/scan", data={"q": person.checkin_code}, follow_redirects=True
    )
    assert f"already checked in at {at} by organiser@example.org" in text_of(response)
    assert f"in since {at}, by organiser@example.org" in text_of(
        desk.get(f"/staff/desk/{event.id}/search?q=marko")
    )


def test_checked_in_on_another_day_shows_the_date(desk, session, make_event, make_registration, desk_user):
    event = make_event()
    person = make_registration(event, full_name="Early Bird").registration
    yesterday = utcnow() - timedelta(days=1)
    check_in(session, person.id, desk_user, now=yesterday)
    response = desk.post(f"/staff/desk/{event.id}/checkin/{person.id}", follow_redirects=True)
    when = event_datetime(yesterday, event, "short")
    assert f"Early Bird was already checked in at {when} by desk@example.org." in text_of(response)


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param(lambda code: code, id="qr-scan"),
        pytest.param(spaced, id="spaces"),
        pytest.param(lambda code: "-".join(spaced(code).split()), id="dashes"),
        pytest.param(lambda code: f"  {spaced(code)}  ", id="spaces-around"),
    ],
)
def test_a_code_scanned_or_typed_checks_in(desk, make_event, make_registration, typed):
    event = make_event()
    person = make_registration(event, full_name="Vesna Trajkovska").registration
    response = desk.post(
        f"/staff/desk/{event.id}/scan", data={"q": typed(person.checkin_code)}, follow_redirects=True
    )
    assert "✓ Vesna Trajkovska is checked in." in text_of(response)


def test_a_code_typed_with_spaces_shows_its_person_as_you_type(desk, make_event, make_registration):
    event = make_event()
    person = make_registration(event, full_name="Vesna Trajkovska").registration
    fragment = text_of(
        desk.get(f"/staff/desk/{event.id}/search", query_string={"q": spaced(person.checkin_code)})
    )
    assert "Vesna Trajkovska" in fragment and "Check in" in fragment
    unknown = text_of(desk.get(f"/staff/desk/{event.id}/search", query_string={"q": "1234 5678 9012 3456"}))
    assert "No registration for this event has the check-in code" in unknown
    assert "walk-in" not in unknown


def test_a_name_typed_in_lower_case_without_accents_is_found(desk, make_event, make_registration):
    event = make_event()
    make_registration(event, full_name="Đorđe Stanković")
    response = desk.post(f"/staff/desk/{event.id}/scan", data={"q": "dorde stankovic"})
    assert response.headers["Location"].endswith("?q=dorde+stankovic")
    assert "Đorđe Stanković" in text_of(desk.get(response.headers["Location"]))


def test_a_wrong_code_is_not_a_search_and_invites_no_walk_in(desk, make_event, make_registration):
    event, other = make_event(), make_event()
    person = make_registration(event, full_name="Vesna Trajkovska").registration
    response = desk.post(
        f"/staff/desk/{other.id}/scan", data={"q": spaced(person.checkin_code)}, follow_redirects=True
    )
    page = text_of(response)
    assert "This code does not belong to a registration for this event." in page
    response = desk.post(
        f"/staff/desk/{event.id}/scan", data={"q": spaced(person.checkin_code)[:-1]}, follow_redirects=True
    )
    assert "A check-in code has 16 digits; this one has 15. Check it and try again." in text_of(response)
    response = desk.post(f"/staff/desk/{event.id}/scan", data={"q": "vesna"})
    assert response.headers["Location"].endswith("?q=vesna")  # text is a search


def test_someone_online_gets_a_free_seat_and_is_checked_in(desk, session, make_event, make_registration):
    event = make_event(onsite_capacity=2)
    make_registration(event)
    person = make_registration(event, full_name="Late Arrival", wanted=Attendance.ONLINE).registration
    response = desk.post(f"/staff/desk/{event.id}/checkin/{person.id}", follow_redirects=True)
    assert "Late Arrival has no on-site seat (Online)" in text_of(response)
    response = desk.post(f"/staff/desk/{event.id}/seat/{person.id}", follow_redirects=True)
    assert "✓ Late Arrival has an on-site seat and is checked in." in text_of(response)
    fresh(session)
    assert session.get(Registration, person.id).attendance == Attendance.ONSITE


def test_on_a_full_event_the_desk_decides_before_anything_changes(
    desk, session, make_event, make_registration
):
    event = make_event(onsite_capacity=1)
    make_registration(event)
    person = make_registration(event, full_name="Late Arrival", wanted=Attendance.ONLINE).registration
    fresh(session)
    mails = len(session.scalars(select(OutboxMessage)).all())

    # The desk sees that the event is full before choosing.
    page = text_of(desk.get(f"/staff/desk/{event.id}/?q=late"))
    assert "On-site is full: seat over the cap…" in page and "Give seat and check in" not in page

    # Sent without a reason (a seat was free when the page was shown): nothing changes.
    response = desk.post(f"/staff/desk/{event.id}/seat/{person.id}", follow_redirects=True)
    page = text_of(response)
    assert "On-site is full (1 of 1 seats). Nothing was changed for Late Arrival (Online)." in page
    assert "Reason to seat over the cap" in page
    assert b"<details open>" in response.data
    fresh(session)
    assert session.get(Registration, person.id).attendance == Attendance.ONLINE
    assert len(session.scalars(select(OutboxMessage)).all()) == mails

    response = desk.post(
        f"/staff/desk/{event.id}/seat/{person.id}",
        data={"override_reason": "Keynote speaker"},
        follow_redirects=True,
    )
    assert "✓ Late Arrival has an on-site seat and is checked in." in text_of(response)
    fresh(session)
    seated = session.get(Registration, person.id)
    assert seated.attendance == Attendance.ONSITE and seated.checked_in_at is not None
    new_mail = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()[mails:]
    assert [(m.recipient, m.kind) for m in new_mail] == [(seated.email, "attendance_changed")]
    override = session.scalars(select(AuditEntry).where(AuditEntry.action == "seat.override")).one()
    assert override.details["reason"] == "Keynote speaker"
    numbers = desk.get(f"/staff/desk/{event.id}/counts").get_json()
    assert (numbers["onsite"], numbers["seats_left"], numbers["checked_in"]) == (2, 0, 1)


def test_a_reason_too_long_changes_nothing(desk, session, make_event, make_registration):
    event = make_event(onsite_capacity=0)
    person = make_registration(event, full_name="Late Arrival", wanted=Attendance.ONLINE).registration
    response = desk.post(
        f"/staff/desk/{event.id}/seat/{person.id}", data={"override_reason": "x" * 301}, follow_redirects=True
    )
    assert "The reason can have at most 300 characters." in text_of(response)
    fresh(session)
    assert session.get(Registration, person.id).attendance == Attendance.ONLINE


def test_expected_list_with_its_count_search_and_check_in(
    desk, session, make_event, make_registration, desk_user
):
    event = make_event(onsite_capacity=5)
    make_registration(event, full_name="Zoran Babić")
    here = make_registration(event, full_name="Ana Anić").registration
    petra = make_registration(event, full_name="Petra Marić").registration
    make_registration(event, full_name="Olga Online", wanted=Attendance.ONLINE)
    check_in(session, here.id, desk_user)

    desk_page = text_of(desk.get(f"/staff/desk/{event.id}/"))
    assert "2 expected, not yet here" in desk_page
    assert f'href="/staff/desk/{event.id}/expected"' in desk.get(f"/staff/desk/{event.id}/").get_data(
        as_text=True
    )
    assert desk.get(f"/staff/desk/{event.id}/counts").get_json()["expected"] == 2

    page = text_of(desk.get(f"/staff/desk/{event.id}/expected"))
    assert "2 people expected, not yet here" in page
    assert page.index("Zoran Babić") < page.index("Petra Marić")  # by surname
    assert "Ana Anić" not in page and "Olga Online" not in page
    narrowed = text_of(desk.get(f"/staff/desk/{event.id}/expected/search?q=mari"))
    assert "1 of them matches “mari”." in narrowed and "Zoran" not in narrowed and "<html" not in narrowed

    # Checked in from the list, the desk comes back to it; so does a scan sent from it.
    response = desk.post(f"/staff/desk/{event.id}/checkin/{petra.id}", data={"back": "expected"})
    assert response.headers["Location"].endswith(f"/staff/desk/{event.id}/expected")
    page = text_of(desk.get(response.headers["Location"]))
    assert "✓ Petra Marić is checked in." in page and "1 person expected, not yet here" in page
    assert page.count("Petra Marić") == 1  # in the message only
    response = desk.post(f"/staff/desk/{event.id}/scan", data={"q": "zoran", "back": "expected"})
    assert response.headers["Location"].endswith(f"/staff/desk/{event.id}/expected?q=zoran")
    # Checked in from a filtered list, the desk keeps its filter.
    filtered = desk.get(f"/staff/desk/{event.id}/expected?q=zoran").get_data(as_text=True)
    assert '<input type="hidden" name="q" value="zoran">' in filtered
    zoran = session.scalars(select(Registration).where(Registration.full_name == "Zoran Babić")).one()
    response = desk.post(
        f"/staff/desk/{event.id}/checkin/{zoran.id}", data={"back": "expected", "q": "zoran"}
    )
    assert response.headers["Location"].endswith(f"/staff/desk/{event.id}/expected?q=zoran")


def test_a_walk_in_gets_their_e_mails_in_the_language_the_desk_chooses(app, desk, session, make_event):
    app.config["LANGUAGES"] = ["en", "sr_Latn", "mk"]
    event = make_event(onsite_capacity=3)
    form = desk.get(f"/staff/desk/{event.id}/walk-in", headers={"Accept-Language": "mk"}).get_data(
        as_text=True
    )
    assert '<option selected value="mk">Македонски</option>' in form  # the desk's own language first
    data = {
        "full_name": "Ана Петровска",
        "email": "ana@example.org",
        "consent_data": "y",
        "locale": "sr_Latn",
    }
    assert desk.post(f"/staff/desk/{event.id}/walk-in", data=data).status_code == 302
    walk_in = session.scalars(select(Registration).where(Registration.email == "ana@example.org")).one()
    assert walk_in.locale == "sr_Latn"


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
    assert desk.get("/staff/desk/999/expected").status_code == 404
    assert desk.post(f"/staff/desk/{event.id}/checkin/{person.id}").status_code == 404
    assert desk.post(f"/staff/desk/{event.id}/seat/{person.id}").status_code == 404
