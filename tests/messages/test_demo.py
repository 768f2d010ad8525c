"""The demo's conference already held: the organiser has thanked those who came, and their
certificates are ready."""

from sqlalchemy import select

from regsvc.certificates.services import refusal
from regsvc.demo import load_demo_data
from regsvc.events.models import Event
from regsvc.messages.models import OrganiserMessage, Segment
from regsvc.registration.models import Registration
from regsvc.storage import current_storage


def test_the_demo_has_a_message_and_certificates_after_its_past_conference(session):
    lines = list(load_demo_data(session, current_storage()))
    assert (
        "created: message to the 2 checked-in participants of /e/first-national-conference-serbia/" in lines
    )
    held = session.scalar(select(Event).where(Event.slug == "first-national-conference-serbia"))
    message = session.scalars(select(OrganiserMessage)).one()
    assert message.event_id == held.id and message.segment == Segment.CHECKED_IN
    assert held.ends_at < message.sent_at
    people = session.scalars(select(Registration).where(Registration.event_id == held.id)).all()
    assert len(people) == 2 and all(refusal(person) is None for person in people)
    assert held.organiser_name == "SMART Balkans"
    # Loading it again adds no second message.
    list(load_demo_data(session, current_storage()))
    assert len(session.scalars(select(OrganiserMessage)).all()) == 1
