"""Organisers' messages: who a segment reaches, what each recipient reads, sending once."""

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select, update

from regsvc.audit.models import AuditEntry
from regsvc.db import utcnow
from regsvc.mail.models import OutboxMessage
from regsvc.messages import services
from regsvc.messages.models import OrganiserMessage, Segment
from regsvc.messages.services import (
    AlreadySent,
    Draft,
    MessageError,
    Text,
    previews,
    segment_sizes,
    send_message,
    sent_messages,
)
from regsvc.registration.models import Attendance, Registration, RegistrationLink
from regsvc.registration.services import registration_for_token
from regsvc.security import new_token
from tests.conftest import fresh
from tests.registration.test_pages import token_from

TEXT = Text("The programme is out", "The final programme is on the event page.\n\nSee you soon.")


@pytest.fixture
def full_event(session, make_event, make_registration):
    """Two on-site (one checked in), one online, one waiting, one cancelled, one walk-in
    without an address; returns (event, {name: registration})."""
    event = make_event(onsite_capacity=2)
    people = {
        "here": make_registration(event, Attendance.ONSITE).registration,
        "expected": make_registration(event, Attendance.ONSITE).registration,
        "online": make_registration(event, Attendance.ONLINE).registration,
        "waiting": make_registration(event, Attendance.ONSITE).registration,
        "gone": make_registration(event, Attendance.ONLINE).registration,
        "no_address": make_registration(event, Attendance.ONLINE).registration,
    }
    session.execute(
        update(Registration).where(Registration.id == people["here"].id).values(checked_in_at=utcnow())
    )
    session.execute(
        update(Registration)
        .where(Registration.id == people["gone"].id)
        .values(attendance=Attendance.CANCELLED)
    )
    session.execute(update(Registration).where(Registration.id == people["no_address"].id).values(email=""))
    session.commit()
    return event, people


def outbox(session) -> list[OutboxMessage]:
    fresh(session)
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "organiser_message")))


def test_each_segment_reaches_its_participants_and_never_the_cancelled(session, full_event):
    event, people = full_event
    assert people["waiting"].attendance == Attendance.WAITLISTED
    assert segment_sizes(session, event.id) == {
        Segment.EVERYONE: 4,  # not the cancelled, nor the walk-in without an address
        Segment.ONSITE: 2,
        Segment.ONLINE: 1,
        Segment.WAITLISTED: 1,
        Segment.CHECKED_IN: 1,
        Segment.NOT_CHECKED_IN: 1,
    }


def test_a_message_to_the_online_goes_to_them_only_with_a_private_link_each(session, full_event, organiser):
    event, people = full_event
    message = send_message(session, event.id, Draft(Segment.ONLINE, TEXT), organiser, new_token())
    mails = outbox(session)
    assert [mail.recipient for mail in mails] == [people["online"].email]
    mail = mails[0]
    assert mail.subject == "The programme is out"
    assert mail.body.startswith(
        f"Dear {people['online'].full_name},\n\nThe final programme is on the event page."
    )
    assert "See you soon." in mail.body
    assert event.title in mail.body and "Hotel Mona Plaza" in mail.body  # the event's footer
    assert "Questions: conference@example.org" in mail.body
    # The link is new, and opens the recipient's own registration.
    assert registration_for_token(session, token_from(mail.body)).id == people["online"].id
    assert message.recipient_count == 1 and message.author_id == organiser.id
    assert [sent.id for sent in sent_messages(session, event.id)] == [message.id]
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "message.sent")).one()
    assert entry.details == {"segment": "online", "recipients": 1, "title": "The programme is out"}
    assert entry.actor_id == organiser.id and entry.event_id == event.id


def test_the_same_form_sent_twice_sends_once(session, full_event, organiser):
    event, _people = full_event
    key = new_token()
    first = send_message(session, event.id, Draft(Segment.EVERYONE, TEXT), organiser, key)
    with pytest.raises(AlreadySent) as again:
        send_message(session, event.id, Draft(Segment.EVERYONE, TEXT), organiser, key)
    assert again.value.message.id == first.id
    assert len(outbox(session)) == 4
    assert session.scalar(select(func.count()).select_from(OrganiserMessage)) == 1


def test_a_segment_nobody_is_in_sends_nothing(session, make_event, make_registration, organiser):
    event = make_event()
    make_registration(event, Attendance.ONLINE)
    with pytest.raises(MessageError, match="nothing was sent"):
        send_message(session, event.id, Draft(Segment.CHECKED_IN, TEXT), organiser, new_token())
    assert outbox(session) == []
    assert session.scalar(select(func.count()).select_from(OrganiserMessage)) == 0


def test_each_participant_reads_the_text_of_their_language_or_the_main_one(
    app, session, full_event, organiser
):
    app.config["LANGUAGES"] = ["en", "sr_Latn"]
    event, people = full_event
    session.execute(update(Registration).where(Registration.id == people["here"].id).values(locale="sr_Latn"))
    session.commit()
    serbian = Text("Program je objavljen", "Konačni program je na stranici događaja.")
    draft = Draft(Segment.ONSITE, TEXT, {"sr_Latn": serbian})
    send_message(session, event.id, draft, organiser, new_token())
    by_recipient = {mail.recipient: mail for mail in outbox(session)}
    assert by_recipient[people["here"].email].subject == "Program je objavljen"
    assert "Konačni program je na stranici događaja." in by_recipient[people["here"].email].body
    assert by_recipient[people["expected"].email].subject == "The programme is out"
    message = session.scalars(select(OrganiserMessage)).one()
    assert message.translations == {"sr_Latn": {"subject": serbian.subject, "body": serbian.body}}


def test_the_preview_shows_a_real_recipient_of_each_text_and_writes_nothing(
    app, session, full_event, organiser
):
    app.config["LANGUAGES"] = ["en", "sr_Latn"]
    event, people = full_event
    session.execute(
        update(Registration).where(Registration.id == people["expected"].id).values(locale="sr_Latn")
    )
    session.commit()
    links_before = session.scalar(select(func.count()).select_from(RegistrationLink))
    draft = Draft(
        Segment.ONSITE, TEXT, {"sr_Latn": Text("Program", "Konačni program."), "mk": Text("Програма", "…")}
    )
    shown = previews(session, event, draft)
    # Nobody on site registered in Macedonian: that text has no preview.
    assert [(preview.locale, preview.recipient.id) for preview in shown] == [
        ("", people["here"].id),
        ("sr_Latn", people["expected"].id),
    ]
    main = shown[0].mail
    assert main.recipient == people["here"].email
    assert main.body.startswith(f"Dear {people['here'].full_name},")
    assert "[the participant's own private link]" in main.body and "/r/" not in main.body
    assert shown[1].mail.subject == "Program"
    assert outbox(session) == []
    assert session.scalar(select(func.count()).select_from(RegistrationLink)) == links_before


def test_a_subject_is_one_line():
    assert (
        Text.typed("  Programme\r\nBcc: everyone@example.org ", "x").subject
        == "Programme Bcc: everyone@example.org"
    )


def _statements_to_send(session, event, organiser) -> int:
    statements = []
    engine = session.get_bind()

    def count(*_args):
        statements.append(1)

    sqlalchemy_event.listen(engine, "before_cursor_execute", count)
    try:
        send_message(session, event.id, Draft(Segment.EVERYONE, TEXT), organiser, new_token())
    finally:
        sqlalchemy_event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_sending_to_many_takes_as_many_statements_as_sending_to_a_few(
    session, make_event, make_registration, organiser
):
    few, many = make_event(), make_event()
    for _ in range(3):
        make_registration(few, Attendance.ONLINE)
    for _ in range(60):
        make_registration(many, Attendance.ONLINE)
    assert _statements_to_send(session, few, organiser) == _statements_to_send(session, many, organiser)
    assert len(outbox(session)) == 63


def test_a_send_racing_another_with_the_same_form_sends_nothing(session, full_event, organiser, monkeypatch):
    """Two requests of one double click: the second looked before the first had committed,
    and meets the first's message at the unique key."""
    event, _people = full_event
    key = new_token()
    first = send_message(session, event.id, Draft(Segment.EVERYONE, TEXT), organiser, key)
    real = services._sent_with
    looks = []

    def not_yet_then_real(session_, form_key):
        looks.append(form_key)
        return None if len(looks) == 1 else real(session_, form_key)

    monkeypatch.setattr(services, "_sent_with", not_yet_then_real)
    with pytest.raises(AlreadySent) as again:
        send_message(session, event.id, Draft(Segment.EVERYONE, TEXT), organiser, key)
    assert again.value.message.id == first.id
    assert len(outbox(session)) == 4
