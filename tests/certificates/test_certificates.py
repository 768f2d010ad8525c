"""Certificates of attendance: who gets one and when, and what it says (read back with pdftotext)."""

import subprocess
from datetime import timedelta
from io import BytesIO

import pytest
from babel.dates import format_datetime
from pypdf import PdfReader
from sqlalchemy import delete, update

from regsvc.certificates import services
from regsvc.certificates.services import Refusal, certificates_pdf, entitled_registrations, refusal
from regsvc.db import utcnow
from regsvc.events.models import Event
from regsvc.registration.models import Attendance, Registration, RegistrationLink
from regsvc.roles import Role
from tests.conftest import fresh, sign_in
from tests.registration.test_pages import text_of


def pdf_text(data: bytes) -> str:
    """The PDF's text as pdftotext reads it, with its lines joined by single spaces."""
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    return " ".join(text.split())


def pages(data: bytes) -> int:
    return len(PdfReader(BytesIO(data)).pages)


@pytest.fixture
def held(session, make_event, make_registration):
    """A conference held yesterday: someone on site and checked in, someone on site who never
    came, someone online, someone still on the waiting list, someone who cancelled; returns
    (event, {name: (registration, private link token)})."""
    event = make_event(onsite_capacity=2, organiser_name="SMART Balkans")
    outcomes = {
        "came": make_registration(event, Attendance.ONSITE, full_name="Jelena Ilić", organisation="CRPM"),
        "absent": make_registration(event, Attendance.ONSITE, full_name="Ana Absent"),
        "online": make_registration(event, Attendance.ONLINE, full_name="Marko Stojanović"),
        "waiting": make_registration(event, Attendance.ONSITE, full_name="Vesna Waiting"),
        "cancelled": make_registration(event, Attendance.ONLINE, full_name="Ivan Cancelled"),
    }
    people = {name: (outcome.registration, outcome.token) for name, outcome in outcomes.items()}
    yesterday = utcnow() - timedelta(days=1)
    session.execute(
        update(Event)
        .where(Event.id == event.id)
        .values(starts_at=yesterday, ends_at=yesterday + timedelta(hours=6))
    )
    session.execute(
        update(Registration)
        .where(Registration.id == people["came"][0].id)
        .values(checked_in_at=yesterday + timedelta(minutes=5))
    )
    session.execute(
        update(Registration)
        .where(Registration.id == people["cancelled"][0].id)
        .values(attendance=Attendance.CANCELLED)
    )
    session.commit()
    fresh(session)
    assert people["waiting"][0].attendance == Attendance.WAITLISTED
    return session.get(Event, event.id), people


def allow_online(session, event) -> None:
    session.execute(update(Event).where(Event.id == event.id).values(online_certificates=True))
    session.commit()
    fresh(session)


def test_who_is_entitled_and_when(session, held):
    event, people = held
    assert refusal(people["came"][0], now=event.ends_at - timedelta(minutes=1)) == Refusal.NOT_OVER
    assert refusal(people["came"][0]) is None
    for name in ("absent", "online", "waiting", "cancelled"):
        assert refusal(people[name][0]) == Refusal.NOT_ENTITLED, name
    allow_online(session, event)
    assert refusal(people["online"][0]) is None
    assert refusal(people["waiting"][0]) is None  # followed online, waiting for a seat
    assert refusal(people["absent"][0]) == Refusal.NOT_ENTITLED
    assert refusal(people["cancelled"][0]) == Refusal.NOT_ENTITLED


def test_the_certificate_says_who_attended_what_where_and_how_to_verify_it(session, held):
    event, people = held
    came = people["came"][0]
    data = certificates_pdf([came])
    assert pages(data) == 1
    text = pdf_text(data)
    assert "CERTIFICATE OF ATTENDANCE" in text.upper()
    assert "Jelena Ilić" in text and "CRPM" in text
    assert "took part on site in" in text and event.title in text
    assert format_datetime(event.starts_at, "EEEE, d MMMM y", tzinfo=event.zone, locale="en") in text
    assert "Hotel Mona Plaza, Kralja Milana 27, Belgrade" in text
    # Side by side at the foot of the page: the organiser, and the day it was issued.
    issued = format_datetime(utcnow(), "EEEE, d MMMM y", tzinfo=event.zone, locale="en")
    assert f"ORGANISER ISSUED ON SMART Balkans {issued}" in text
    assert f"Certificate no. {event.id}-{came.id}. To verify it, write to conference@example.org" in text


def test_an_online_certificate_says_followed_online_and_names_no_venue(session, held):
    event, people = held
    allow_online(session, event)
    text = pdf_text(certificates_pdf([people["online"][0]]))
    assert "Marko Stojanović" in text and "followed online" in text
    assert "Hotel Mona Plaza" not in text


def test_the_certificate_is_in_the_participants_language(session, held):
    event, people = held
    came = people["came"][0]
    session.execute(update(Registration).where(Registration.id == came.id).values(locale="sr_Latn"))
    session.commit()
    fresh(session)
    text = pdf_text(certificates_pdf([session.get(Registration, came.id)]))
    # The date as Serbian writes it ("utorak, 30. jun 2026."), not as English does.
    assert format_datetime(event.starts_at, "EEEE, d. MMMM y.", tzinfo=event.zone, locale="sr_Latn") in text


def test_the_participant_downloads_it_from_their_private_link(client, session, held):
    _event, people = held
    token = people["came"][1]
    response = client.get(f"/r/{token}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "Jelena Ilić" in pdf_text(response.data)
    assert client.get("/r/not-a-real-link/certificate.pdf").status_code == 404


def test_without_a_certificate_the_link_answers_404_with_the_reason(client, session, held):
    event, people = held
    response = client.get(f"/r/{people['online'][1]}/certificate.pdf")
    assert response.status_code == 404
    page = text_of(response)
    assert "not for following online" in page and "conference@example.org" in page
    response = client.get(f"/r/{people['absent'][1]}/certificate.pdf")
    assert response.status_code == 404
    assert "there is no check-in for this registration" in text_of(response)
    fresh(session)
    session.execute(update(Event).where(Event.id == event.id).values(ends_at=utcnow() + timedelta(hours=1)))
    session.commit()
    response = client.get(f"/r/{people['came'][1]}/certificate.pdf")
    assert response.status_code == 404
    assert "can be downloaded once the event has ended" in text_of(response)


def test_the_organiser_downloads_everyones_certificates_in_one_pdf(client, session, held, organiser):
    event, people = held
    allow_online(session, event)
    # An erased registration has no private link left, and no certificate.
    session.execute(
        delete(RegistrationLink).where(RegistrationLink.registration_id == people["waiting"][0].id)
    )
    session.commit()
    assert [person.full_name for person in entitled_registrations(session, event)] == [
        "Jelena Ilić",
        "Marko Stojanović",
    ]
    sign_in(client, organiser)
    response = client.get(f"/staff/events/{event.id}/certificates.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert pages(response.data) == 2
    text = pdf_text(response.data)
    assert text.index("Jelena Ilić") < text.index("Marko Stojanović")  # by surname
    assert "Vesna Waiting" not in text and "Ana Absent" not in text


def test_the_organisers_download_waits_for_the_end_and_for_someone_entitled(
    client, session, held, organiser, make_user
):
    event, people = held
    sign_in(client, make_user(Role.DESK))
    assert client.get(f"/staff/events/{event.id}/certificates.pdf").status_code == 403
    sign_in(client, organiser)
    fresh(session)
    session.execute(update(Registration).values(checked_in_at=None))
    session.commit()
    response = client.get(f"/staff/events/{event.id}/certificates.pdf")
    assert response.status_code == 404
    assert "Nobody is entitled to a certificate" in text_of(response)
    fresh(session)
    session.execute(update(Event).where(Event.id == event.id).values(ends_at=utcnow() + timedelta(hours=1)))
    session.commit()
    response = client.get(f"/staff/events/{event.id}/certificates.pdf")
    assert response.status_code == 404
    assert "can be downloaded once the event has ended" in text_of(response)


def test_a_large_events_certificates_come_in_parts_each_rendered_in_pieces(
    client, session, held, organiser, monkeypatch
):
    event, _people = held
    allow_online(session, event)
    monkeypatch.setattr(services, "PER_FILE", 2)
    monkeypatch.setattr(services, "PER_RENDERING", 1)
    sign_in(client, organiser)
    page = text_of(client.get(f"/staff/events/{event.id}/messages"))
    assert "1–2 (PDF)" in page and "3–3 (PDF)" in page and "Download all certificates" not in page
    first = client.get(f"/staff/events/{event.id}/certificates.pdf?part=1")
    assert pages(first.data) == 2  # two pieces, one file
    assert 'filename="certificates-' in first.headers["Content-Disposition"]
    assert first.headers["Content-Disposition"].endswith('-1.pdf"')
    text = pdf_text(first.data)
    assert "Jelena Ilić" in text and "Marko Stojanović" in text and "Vesna Waiting" not in text
    last = client.get(f"/staff/events/{event.id}/certificates.pdf?part=2")
    assert pages(last.data) == 1 and "Vesna Waiting" in pdf_text(last.data)
    assert client.get(f"/staff/events/{event.id}/certificates.pdf?part=3").status_code == 404
    assert client.get(f"/staff/events/{event.id}/certificates.pdf?part=0").status_code == 404


def test_the_private_page_offers_the_certificate_only_to_those_entitled_after_the_event(
    client, session, held
):
    event, people = held
    page = text_of(client.get(f"/r/{people['came'][1]}/"))
    assert "Your certificate of attendance is ready." in page
    assert f"/r/{people['came'][1]}/certificate.pdf" in client.get(f"/r/{people['came'][1]}/").get_data(
        as_text=True
    )
    assert "Download my certificate" not in text_of(client.get(f"/r/{people['online'][1]}/"))
    assert "Download my certificate" not in text_of(client.get(f"/r/{people['absent'][1]}/"))
    fresh(session)
    session.execute(update(Event).where(Event.id == event.id).values(ends_at=utcnow() + timedelta(hours=1)))
    session.commit()
    assert "Download my certificate" not in text_of(client.get(f"/r/{people['came'][1]}/"))
