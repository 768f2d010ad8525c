"""The organiser's messages page: write, preview, send once, see what was sent."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from regsvc.db import utcnow
from regsvc.events.models import Event
from regsvc.mail.models import OutboxMessage
from regsvc.messages.models import OrganiserMessage
from regsvc.registration.models import Attendance, Registration
from regsvc.roles import Role
from tests.conftest import fresh, sign_in
from tests.registration.test_pages import text_of


@pytest.fixture
def signed_in(client, organiser):
    sign_in(client, organiser)
    return client


@pytest.fixture
def event(session, make_event, make_registration):
    event = make_event(onsite_capacity=1)
    make_registration(event, Attendance.ONSITE, full_name="Jelena Ilić")
    make_registration(event, Attendance.ONLINE, full_name="Marko Stojanović")
    return event


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}"[^>]*value="([^"]*)"', page).group(1)


def compose(client, event, **fields):
    """What the organiser types, with the hidden fields the page gave them."""
    page = client.get(f"/staff/events/{event.id}/messages").get_data(as_text=True)
    data = {
        "form_key": hidden(page, "form_key"),
        "segment": "online",
        "subject": "The stream link",
        "body": "The stream opens at 11:15.",
    }
    data.update(fields)
    return data


def preview(client, event, data):
    response = client.post(f"/staff/events/{event.id}/messages", data={**data, "preview": "y"})
    data["previewed"] = hidden(response.get_data(as_text=True), "previewed")
    return response


def organiser_mail(session) -> list[OutboxMessage]:
    fresh(session)
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "organiser_message")))


def test_only_organisers_write_to_participants(client, event, make_user):
    assert client.get(f"/staff/events/{event.id}/messages").status_code == 302  # to the sign-in
    sign_in(client, make_user(Role.DESK))
    assert client.get(f"/staff/events/{event.id}/messages").status_code == 403
    assert client.post(f"/staff/events/{event.id}/messages", data={"segment": "everyone"}).status_code == 403


def test_the_page_offers_each_group_with_its_size(signed_in, event):
    response = signed_in.get(f"/staff/events/{event.id}/messages")
    assert response.status_code == 200
    page = text_of(response)
    assert (
        "Everyone registered (2)" in page and "Online (1)" in page and "On-site, not checked in (1)" in page
    )
    assert "No message has been sent to this event's participants yet." in page
    assert "Send to" not in page  # only after a preview
    assert signed_in.get("/staff/events/9999/messages").status_code == 404


def test_preview_then_send_to_the_online_participants(signed_in, session, event):
    data = compose(signed_in, event)
    response = preview(signed_in, event, data)
    assert response.status_code == 200
    page = text_of(response)
    assert "This message goes to 1 participant" in page
    assert "As Marko Stojanović will read it:" in page
    assert "Dear Marko Stojanović," in page and "The stream opens at 11:15." in page
    assert "Send to 1 participant" in page
    assert organiser_mail(session) == []  # a preview sends nothing

    response = signed_in.post(f"/staff/events/{event.id}/messages", data={**data, "send": "y"})
    assert response.status_code == 302
    mails = organiser_mail(session)
    assert [mail.recipient for mail in mails] == ["participant2@example.org"]
    page = text_of(signed_in.get(response.headers["Location"]))
    assert "The message is on its way to 1 participant." in page
    assert "The stream link" in page and "The stream opens at 11:15." in page  # in the log
    assert "organiser" in page  # who sent it


def test_a_double_click_on_send_sends_once(signed_in, session, event):
    data = compose(signed_in, event, segment="everyone")
    preview(signed_in, event, data)
    first = signed_in.post(f"/staff/events/{event.id}/messages", data={**data, "send": "y"})
    second = signed_in.post(f"/staff/events/{event.id}/messages", data={**data, "send": "y"})
    assert first.status_code == second.status_code == 302
    assert len(organiser_mail(session)) == 2
    assert session.scalar(select(func.count()).select_from(OrganiserMessage)) == 1
    assert "This message was sent already, to 2 participants." in text_of(
        signed_in.get(second.headers["Location"])
    )


def test_a_message_changed_after_its_preview_is_shown_again_not_sent(signed_in, session, event):
    data = compose(signed_in, event)
    preview(signed_in, event, data)
    response = signed_in.post(
        f"/staff/events/{event.id}/messages", data={**data, "body": "The stream opens at 11:00.", "send": "y"}
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "The message changed since the last preview." in page and "The stream opens at 11:00." in page
    assert organiser_mail(session) == []


def test_sending_without_a_preview_shows_the_preview_first(signed_in, session, event):
    data = compose(signed_in, event)
    response = signed_in.post(f"/staff/events/{event.id}/messages", data={**data, "send": "y"})
    assert "Send to 1 participant" in text_of(response)
    assert organiser_mail(session) == []


def test_a_group_nobody_is_in_has_nothing_to_send(signed_in, session, event):
    data = compose(signed_in, event, segment="checked_in")
    page = text_of(preview(signed_in, event, data))
    assert "no participant in it has an e-mail address" in page and "Send to" not in page
    response = signed_in.post(f"/staff/events/{event.id}/messages", data={**data, "send": "y"})
    assert "nothing was sent" in text_of(signed_in.get(response.headers["Location"]))
    assert organiser_mail(session) == []


def test_a_message_without_subject_or_text_is_refused_with_a_message_each(signed_in, session, event):
    data = compose(signed_in, event, subject="", body="  ", segment="somebody")
    response = signed_in.post(f"/staff/events/{event.id}/messages", data={**data, "preview": "y"})
    assert response.status_code == 422
    page = text_of(response)
    assert "Please enter a subject." in page and "Please write the message." in page
    assert "Please choose who the message goes to." in page


def test_with_several_languages_the_text_can_be_given_in_each(app, signed_in, session, event):
    app.config["LANGUAGES"] = ["en", "sr_Latn"]
    session.execute(
        update(Registration).where(Registration.full_name == "Marko Stojanović").values(locale="sr_Latn")
    )
    session.commit()
    page = text_of(signed_in.get(f"/staff/events/{event.id}/messages"))
    assert "Subject in srpski (latinica)" in page or "Subject in Serbian (Latin)" in page
    data = compose(signed_in, event, subject_sr_Latn="Link za prenos")
    response = signed_in.post(f"/staff/events/{event.id}/messages", data={**data, "preview": "y"})
    assert response.status_code == 422
    assert "Give both the subject and the text in" in text_of(response)
    data["body_sr_Latn"] = "Prenos počinje u 11:15."
    page = text_of(preview(signed_in, event, data))
    assert "Prenos počinje u 11:15." in page
    signed_in.post(f"/staff/events/{event.id}/messages", data={**data, "send": "y"})
    [mail] = organiser_mail(session)
    assert mail.subject == "Link za prenos"
    # The log of sent messages names the language, not its code.
    log = text_of(signed_in.get(f"/staff/events/{event.id}/messages"))
    assert "Serbian (Latin): Link za prenos" in log and "sr_Latn:" not in log


def test_the_page_says_when_the_reminder_goes_and_how_many_were_reminded(signed_in, session, event):
    session.execute(update(Registration).values(reminder_sent_at=utcnow()))
    session.commit()
    page = text_of(signed_in.get(f"/staff/events/{event.id}/messages"))
    assert "one reminder e-mail 24 hours before the start" in page
    assert "2 participants reminded so far." in page


def test_after_the_event_the_page_offers_all_certificates(signed_in, session, event):
    page = text_of(signed_in.get(f"/staff/events/{event.id}/messages"))
    assert "Once the event has ended, participants who were checked in can download a certificate" in page
    now = utcnow()
    session.execute(
        update(Event)
        .where(Event.id == event.id)
        .values(starts_at=now - timedelta(hours=6), ends_at=now - timedelta(hours=1))
    )
    session.commit()
    page = text_of(signed_in.get(f"/staff/events/{event.id}/messages"))
    assert "Nobody is entitled to a certificate" in page
    assert "The reminder went out from" in page
    session.execute(update(Event).where(Event.id == event.id).values(online_certificates=True))
    session.commit()
    page = text_of(signed_in.get(f"/staff/events/{event.id}/messages"))
    assert "1 participant can download a certificate from their private page." in page
    assert "Download all certificates (PDF)" in page
